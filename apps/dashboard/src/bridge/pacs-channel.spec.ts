import { pacsChannel } from './pacs-channel';

describe('pacsChannel', () => {
  it.each([
    ['orthanc-peer:vendor-acme', { kind: 'Orthanc peer', destination: 'vendor-acme' }],
    ['orthanc-modality:research-lab', { kind: 'DICOM modality', destination: 'research-lab' }],
    ['orthanc-dicomweb:cloud:eu', { kind: 'DICOMweb server', destination: 'cloud:eu' }],
  ])('should read %s as a PACS destination when the bridge wrote it', (channel, expected) => {
    expect(pacsChannel(channel)).toEqual(expected);
  });

  it.each([null, undefined, '', 'sftp', 'orthanc-peer:', 'orthanc-fax:x'])(
    'should not call %j a PACS channel when the bridge did not write it',
    (channel) => {
      expect(pacsChannel(channel)).toBeUndefined();
    },
  );
});
