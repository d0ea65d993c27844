import { explainUnrecorded } from './unrecorded-sends';

describe('explainUnrecorded', () => {
  it("should tell a privacy officer that Orthanc's DICOMweb plugin named neither recipient nor images, and to send through a peer or modality", () => {
    const { why, todo } = explainUnrecorded('dicomweb_unnamed');
    expect(why).toContain('DICOMweb plugin does not say where it sent the images or which ones');
    expect(todo).toContain('record the disclosure by hand');
    expect(todo).toContain('Send through an Orthanc peer or DICOM modality to have it recorded');
  });

  it.each(['completion_time', 'no_study', 'unreadable'])(
    'should explain the reason %s in words, never as the code',
    (reason) => {
      const { why, todo } = explainUnrecorded(reason);
      expect(why).not.toContain(reason);
      expect(todo).toMatch(/by hand/);
    },
  );

  it('should still say what to do for a reason it does not know, naming it', () => {
    expect(explainUnrecorded('new_reason')).toEqual({
      why: 'The bridge could not record it (new_reason).',
      todo: 'Record the disclosure by hand.',
    });
  });
});
