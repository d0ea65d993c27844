import {
  describeDisclosure,
  describeTransfer,
  isExemptDisclosure,
  isExemptTransfer,
  type DisclosedStudy,
} from './accounting-entry';

describe('isExemptDisclosure', () => {
  const cases: [string, string[], boolean][] = [
    ['TREATMENT', [], true],
    ['TREATMENT', ['NO_AGREEMENT'], true],
    ['HEALTHCARE_OPERATIONS', [], true],
    ['LIMITED_DATA_SET', ['NO_AGREEMENT'], true],
    ['PATIENT_AUTHORIZATION', [], true],
    ['PATIENT_AUTHORIZATION', ['NO_AGREEMENT', 'RETAINED_AFTER_REVOCATION'], true],
    ['PATIENT_AUTHORIZATION', ['NO_CONSENT'], false],
    ['PATIENT_AUTHORIZATION', ['CONSENT_REVOKED'], false],
    ['PATIENT_AUTHORIZATION', ['CONSENT_EXPIRED'], false],
    ['DEIDENTIFIED', [], true],
    ['DEIDENTIFIED', ['FACE_NOT_REMOVED'], true],
    ['DEIDENTIFIED', ['DEIDENTIFICATION_FAILED'], false],
    ['DEIDENTIFIED', ['PATIENT_IDENTIFIABLE'], false],
    ['IRB_WAIVER', ['PATIENT_IDENTIFIABLE'], false],
    ['TREATMENT', ['PATIENT_IDENTIFIABLE'], true],
    ['DEIDENTIFIED', ['NOT_DEIDENTIFIED'], false],
    ['IRB_WAIVER', [], false],
    ['REQUIRED_BY_LAW', [], false],
    ['SOMETHING_NEW', [], false],
  ];
  it.each(cases)('should say basis %s with findings %j is exempt=%s', (basis, codes, exempt) => {
    expect(isExemptDisclosure(basis, codes)).toBe(exempt);
  });
});

describe('isExemptTransfer', () => {
  it.each([
    [true, ['113100', '113101'], true],
    [true, ['113101'], false],
    [false, ['113100'], false],
  ])('should say derivative=%s with codes %j is exempt=%s', (isDerivative, codes, exempt) => {
    expect(isExemptTransfer(isDerivative, codes)).toBe(exempt);
  });

  const patient = { system: 'urn:mrn', value: 'pp_1', valuePseudonym: 'pv_1' };
  it.each<[string, Parameters<typeof isExemptTransfer>[2], boolean]>([
    ['no inspection', null, true],
    ['a PASS', { result: 'PASS', patientIdentifiersFound: [] }, true],
    ['a FAIL', { result: 'FAIL', patientIdentifiersFound: [] }, false],
    [
      'a PASS that found the patient',
      { result: 'PASS', patientIdentifiersFound: [{ value: 'pv_1' }] },
      false,
    ],
    [
      'a PASS that found someone else',
      { result: 'PASS', patientIdentifiersFound: [{ system: 'urn:mrn', value: 'pp_2' }] },
      true,
    ],
  ])('should need a properly de-identified copy: %s', (_label, latest, exempt) => {
    expect(isExemptTransfer(true, ['113100'], latest, patient)).toBe(exempt);
  });
});

describe('describeDisclosure', () => {
  const original: DisclosedStudy = {
    modality: 'CT',
    bodyPart: 'CHEST',
    studyDate: '2024-03-01',
    isDerivative: false,
    datasetName: null,
  };
  it.each([
    [original, 'CT CHEST imaging study of 2024-03-01'],
    [
      { ...original, isDerivative: true },
      'De-identified copy of a CT CHEST imaging study of 2024-03-01',
    ],
    [
      { ...original, datasetName: 'Lung set' },
      'CT CHEST imaging study of 2024-03-01, as part of dataset "Lung set"',
    ],
    [{ ...original, modality: null, bodyPart: null, studyDate: null }, 'Imaging study'],
  ])('should describe %j as %s', (study, text) => {
    expect(describeDisclosure(study)).toBe(text);
  });

  it('should name the sender when the entry is an onward transfer', () => {
    expect(describeTransfer(original, 'Acme AI')).toBe(
      'CT CHEST imaging study of 2024-03-01, passed on by Acme AI (onward transfer)',
    );
  });
});
