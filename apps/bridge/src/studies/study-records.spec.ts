import type { OrthancSeries, OrthancStudy } from '../orthanc/orthanc-client';
import { dicomCode, firstSeries, methodCodesOf, studyRegistration } from './study-records';

const series = (
  uid: string,
  number?: string,
  tags: Record<string, string> = {},
): OrthancSeries => ({
  ID: `id-${uid}`,
  Instances: [`i-${uid}`],
  MainDicomTags: { SeriesInstanceUID: uid, SeriesNumber: number, ...tags },
});

const study = (tags: Record<string, string> = {}): OrthancStudy => ({
  ID: 'orthanc-study',
  Series: [],
  MainDicomTags: { StudyInstanceUID: '1.2.3', StudyDate: '20240105', ...tags },
});

const facts = (overrides: Partial<Parameters<typeof studyRegistration>[0]> = {}) => ({
  study: study(),
  series: [series('1.9', '1', { Modality: 'CT', BodyPartExamined: 'Head' })],
  instanceTags: { PatientID: 'MRN-1' },
  orthancName: 'PACS',
  patientIdSystem: 'urn:scantrail:dicom:patient-id',
  ...overrides,
});

describe('firstSeries', () => {
  it.each([
    [['1.5', '3'], ['1.4', '2'], '1.4'],
    [['1.5', '10'], ['1.4', '9'], '1.4'],
    [['1.5', '2'], ['1.4', '2'], '1.4'],
    [['1.5', undefined], ['1.6', '7'], '1.6'],
    [['1.5', undefined], ['1.4', undefined], '1.4'],
  ] as [string, string | undefined][][])(
    'should pick by Series Number, then Series Instance UID when given %j and %j',
    (a, b, expected) => {
      const picked = firstSeries([series(a[0], a[1]), series(b[0], b[1])]);
      expect(picked?.MainDicomTags.SeriesInstanceUID).toBe(expected);
    },
  );
});

describe('studyRegistration', () => {
  it('should take the first series, upper-case codes, the issuer as system and the institution as facility', () => {
    const result = studyRegistration(
      facts({
        study: study({ AccessionNumber: 'A1', StudyDescription: 'CT head' }),
        instanceTags: {
          PatientID: 'MRN-1',
          IssuerOfPatientID: 'urn:oid:1.2',
          InstitutionName: 'General',
        },
      }),
    );
    expect(result).toEqual({
      kind: 'registered',
      data: {
        studyInstanceUid: '1.2.3',
        patient: { system: 'urn:oid:1.2', value: 'MRN-1' },
        modality: 'CT',
        bodyPart: 'HEAD',
        studyDate: '2024-01-05',
        facility: 'General',
        accessionNumber: 'A1',
        description: 'CT head',
      },
    });
  });

  it('should use DICOM_PATIENT_ID_SYSTEM, UNKNOWN body part and Orthanc Name when those are absent', () => {
    const result = studyRegistration(facts({ series: [series('1.9', '1', { Modality: 'MR' })] }));
    expect(result).toMatchObject({
      kind: 'registered',
      data: {
        patient: { system: 'urn:scantrail:dicom:patient-id', value: 'MRN-1' },
        bodyPart: 'UNKNOWN',
        facility: 'PACS',
      },
    });
  });

  it.each([
    [{ instanceTags: {} }, 'no Patient ID (0010,0020)'],
    [{ instanceTags: { PatientID: '  ' } }, 'no Patient ID (0010,0020)'],
    [{ study: study({ StudyDate: '' }) }, 'no Study Date (0008,0020)'],
    [{ study: study({ StudyDate: '20241341' }) }, 'Study Date (0008,0020) is not a date'],
  ])('should hold, never guess, when %j', (overrides, reason) => {
    expect(studyRegistration(facts(overrides))).toEqual({ kind: 'held', reason });
  });
});

describe('methodCodesOf', () => {
  it('should put 113100 first and add every (0012,0064) code of every instance once', () => {
    const item = (code: string) => ({ '00080100': { vr: 'SH', Value: [code] } });
    const codes = methodCodesOf([
      { '00120064': { vr: 'SQ', Value: [item('113101'), item('113100')] } },
      { '00120064': { vr: 'SQ', Value: [item('113108')] } },
      {},
    ]);
    expect(codes).toEqual(['113100', '113101', '113108']);
  });
});

describe('dicomCode', () => {
  it.each([
    ['head', 'HEAD'],
    [' Chest-Abd ', 'CHEST_ABD'],
    ['a very long body part name', 'A VERY LONG BODY'],
    ['', undefined],
    [undefined, undefined],
  ])('should turn %j into %j', (input, expected) => {
    expect(dicomCode(input)).toBe(expected);
  });
});
