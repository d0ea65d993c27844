import { evaluateFindings } from './evaluate-findings';
import type { InspectionFact, LegalBasis, StudyFact } from './facts';
import { evaluateInspectionFindings, INSPECTION_CODES } from './inspection.findings';
import {
  aDeny,
  aDerivative,
  aDisclosure,
  anAgreement,
  anOriginal,
  aWorld,
  codesOf,
  day,
} from './testing/compliance-world.factory';

// v1.1 (CONTRACT section 2): DEIDENTIFICATION_FAILED and PATIENT_IDENTIFIABLE, from the
// disclosed study's latest inspection (latest time; ties: later ledger sequence).
const ORIGINAL: StudyFact = anOriginal('S1', {
  patient: 'PP-1',
  patientSystem: 'urn:mrn',
  patientValuePseudonym: 'PV-1',
  modality: 'CR',
  bodyPart: 'CHEST',
});
const COPY = aDerivative('D1', 'S1', ['113100']);

function inspection(overrides: Partial<InspectionFact> = {}): InspectionFact {
  return {
    inspectionId: 'I1',
    studyInstanceUid: 'D1',
    at: day(20),
    ledgerSequence: 300,
    result: 'PASS',
    ...overrides,
  };
}

const FAILED = inspection({
  result: 'FAIL',
  issueCodes: ['PRIVATE_ATTRIBUTES_RETAINED', 'IDENTITY_REMOVED_NOT_MARKED'],
});

function codes(
  inspections: InspectionFact[],
  legalBasis: LegalBasis = 'DEIDENTIFIED',
  studies: StudyFact[] = [ORIGINAL, COPY],
  target = 'D1',
): string[] {
  const world = aWorld({
    studies,
    agreements: [anAgreement({ vendorId: 'V1', permittedPurposes: ['RESEARCH'] })],
    disclosures: [aDisclosure({ legalBasis, target: { studyInstanceUid: target } })],
    inspections,
  });
  return codesOf(evaluateFindings(world), 'E-D1').map((code) => code.split('@')[0] ?? '');
}

describe('inspection findings', () => {
  it.each<[string, InspectionFact[], LegalBasis, string[]]>([
    ['no inspection', [], 'DEIDENTIFIED', []],
    ['a PASS', [inspection()], 'DEIDENTIFIED', []],
    ['a FAIL, basis DEIDENTIFIED', [FAILED], 'DEIDENTIFIED', ['DEIDENTIFICATION_FAILED']],
    ['a FAIL, another basis', [FAILED], 'IRB_WAIVER', []],
    [
      'a FAIL made after the disclosure',
      [{ ...FAILED, at: day(400) }],
      'DEIDENTIFIED',
      ['DEIDENTIFICATION_FAILED'],
    ],
    [
      'an earlier FAIL then a later PASS',
      [FAILED, inspection({ inspectionId: 'I2', at: day(21) })],
      'DEIDENTIFIED',
      [],
    ],
    [
      'an earlier PASS then a later FAIL',
      [{ ...FAILED, at: day(22) }, inspection({ inspectionId: 'I2', at: day(21) })],
      'DEIDENTIFIED',
      ['DEIDENTIFICATION_FAILED'],
    ],
    [
      'a tie in time: the later ledger sequence wins',
      [FAILED, inspection({ inspectionId: 'I2', ledgerSequence: 301 })],
      'DEIDENTIFIED',
      [],
    ],
    [
      'a tie in time, FAIL later in the ledger',
      [{ ...FAILED, ledgerSequence: 302 }, inspection({ inspectionId: 'I2', ledgerSequence: 301 })],
      'DEIDENTIFIED',
      ['DEIDENTIFICATION_FAILED'],
    ],
  ])('DEIDENTIFICATION_FAILED with %s', (_label, inspections, basis, expected) => {
    expect(codes(inspections, basis)).toEqual(expected);
  });

  it('should name the failed inspection issue codes in the detail', () => {
    const world = aWorld({
      studies: [ORIGINAL, COPY],
      agreements: [anAgreement({ vendorId: 'V1', permittedPurposes: ['RESEARCH'] })],
      disclosures: [
        aDisclosure({ legalBasis: 'DEIDENTIFIED', target: { studyInstanceUid: 'D1' } }),
      ],
      inspections: [FAILED],
    });
    const [finding] = evaluateFindings(world);
    expect(finding?.code).toBe('DEIDENTIFICATION_FAILED');
    expect(finding?.detail).toContain('IDENTITY_REMOVED_NOT_MARKED, PRIVATE_ATTRIBUTES_RETAINED');
  });

  it('should be independent of NOT_DEIDENTIFIED: an original that failed gets both', () => {
    expect(
      codes([{ ...FAILED, studyInstanceUid: 'S1' }], 'DEIDENTIFIED', [ORIGINAL], 'S1').sort(),
    ).toEqual(['DEIDENTIFICATION_FAILED', 'NOT_DEIDENTIFIED']);
  });

  it.each<[string, InspectionFact['patientIdentifiersFound'], string[]]>([
    ['same system and value', [{ system: 'urn:mrn', value: 'PP-1' }], ['PATIENT_IDENTIFIABLE']],
    ['the value alone (no issuer in the files)', [{ value: 'PV-1' }], ['PATIENT_IDENTIFIABLE']],
    ['the same value under another system', [{ system: 'urn:other', value: 'PP-1' }], []],
    ["another patient's identifier", [{ system: 'urn:mrn', value: 'PP-2' }, { value: 'PV-2' }], []],
  ])('PATIENT_IDENTIFIABLE when the inspection found %s', (_label, found, expected) => {
    const inspections = [inspection({ patientIdentifiersFound: found })];
    expect(codes(inspections, 'IRB_WAIVER')).toEqual(expected);
  });

  it('should report PATIENT_IDENTIFIABLE whatever the basis, and only for a derivative', () => {
    const found = [{ system: 'urn:mrn', value: 'PP-1' }];
    expect(codes([inspection({ patientIdentifiersFound: found })], 'TREATMENT')).toEqual([
      'PATIENT_IDENTIFIABLE',
    ]);
    const onOriginal = [inspection({ studyInstanceUid: 'S1', patientIdentifiersFound: found })];
    expect(codes(onOriginal, 'TREATMENT', [ORIGINAL], 'S1')).toEqual([]);
  });

  it('should judge a dataset member by its own latest inspection', () => {
    const world = aWorld({
      studies: [ORIGINAL, COPY, aDerivative('D2', 'S1', ['113100'])],
      agreements: [anAgreement({ vendorId: 'V1', permittedPurposes: ['RESEARCH'] })],
      datasetMembers: [
        { datasetId: 'DS', studyInstanceUid: 'D1', addedAt: day(1) },
        { datasetId: 'DS', studyInstanceUid: 'D2', addedAt: day(1) },
      ],
      disclosures: [aDisclosure({ legalBasis: 'DEIDENTIFIED', target: { datasetId: 'DS' } })],
      inspections: [{ ...FAILED, studyInstanceUid: 'D2' }],
    });
    expect(codesOf(evaluateFindings(world), 'E-D1')).toEqual(['DEIDENTIFICATION_FAILED@D2']);
  });

  it('should give exactly the inspection findings of a whole evaluation on the studies asked, whatever the consents', () => {
    const found = [{ system: 'urn:mrn', value: 'PP-1' }];
    const world = aWorld({
      studies: [ORIGINAL, COPY, aDerivative('D2', 'S1', ['113100'])],
      consents: [aDeny({ patient: 'PP-1' })],
      agreements: [anAgreement({ vendorId: 'V1', permittedPurposes: ['RESEARCH'] })],
      datasetMembers: [
        { datasetId: 'DS', studyInstanceUid: 'D1', addedAt: day(1) },
        { datasetId: 'DS', studyInstanceUid: 'D2', addedAt: day(1) },
      ],
      disclosures: (['DEIDENTIFIED', 'PATIENT_AUTHORIZATION', 'TREATMENT'] as const).flatMap(
        (legalBasis, i) => [
          aDisclosure({
            eventId: `E-${i}`,
            ledgerSequence: 10 + i,
            legalBasis,
            target: { datasetId: 'DS' },
          }),
          aDisclosure({
            eventId: `E-S-${i}`,
            ledgerSequence: 20 + i,
            legalBasis,
            target: { studyInstanceUid: 'S1' },
          }),
          aDisclosure({
            eventId: `E-D-${i}`,
            ledgerSequence: 30 + i,
            legalBasis,
            target: { studyInstanceUid: 'D2' },
          }),
        ],
      ),
      inspections: [
        { ...FAILED, studyInstanceUid: 'D2', patientIdentifiersFound: found },
        { ...FAILED, studyInstanceUid: 'S1' },
        inspection({ patientIdentifiersFound: found }),
      ],
    });
    for (const studies of [['D2'], ['S1'], ['D1', 'D2'], ['S1', 'D1', 'D2']]) {
      const asked = new Set(studies);
      const whole = evaluateFindings(world).filter(
        (f) => asked.has(f.studyInstanceUid) && INSPECTION_CODES.includes(f.code),
      );
      expect(whole.length).toBeGreaterThan(0);
      expect(evaluateInspectionFindings(world, asked)).toEqual(whole);
    }
  });
});
