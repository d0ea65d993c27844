import { evaluateFindings } from './evaluate-findings';
import {
  REFERENCE_AGREEMENTS,
  REFERENCE_CONSENT,
  aDeny,
  aDisclosure,
  aPermit,
  anAgreement,
  anOriginal,
  codesOf,
  day,
  members,
  referenceWorld,
  type Scenario,
} from './testing/compliance-world.factory';

// The default disclosure: S1 (CT HEAD of PSN-1) to V1 for RESEARCH under
// PATIENT_AUTHORIZATION on day 10 (t), which the reference world allows.
const t = day(10);
const V1_ONLY = REFERENCE_AGREEMENTS.filter((a) => a.vendorId !== 'V1');

interface Case extends Scenario {
  name: string;
  expected: string[];
}

function run(cases: Case[]): void {
  it.each(cases)('$name', ({ expected, ...scenario }) => {
    expect(codesOf(evaluateFindings(referenceWorld(scenario)), 'E-D1')).toEqual(expected);
  });
}

describe('NO_AGREEMENT', () => {
  run([
    {
      name: 'should report nothing when an agreement in force permits the purpose',
      expected: [],
    },
    {
      name: 'should report NO_AGREEMENT when the recipient has no agreement at all',
      disclosure: { recipientVendorId: 'V9' },
      expected: ['NO_AGREEMENT@S1'],
    },
    {
      name: 'should report NO_AGREEMENT when only another vendor has an agreement',
      agreements: V1_ONLY,
      expected: ['NO_AGREEMENT@S1'],
    },
    {
      name: 'should report NO_AGREEMENT when the agreement does not permit the purpose',
      consents: [aPermit({ purposes: ['AI_VALIDATION'] })],
      disclosure: { purpose: 'AI_VALIDATION' },
      expected: ['NO_AGREEMENT@S1'],
    },
    {
      name: 'should report nothing when the agreement takes effect exactly at t',
      agreements: [...V1_ONLY, anAgreement({ effectiveFrom: t })],
      expected: [],
    },
    {
      name: 'should report NO_AGREEMENT when the agreement takes effect just after t',
      agreements: [...V1_ONLY, anAgreement({ effectiveFrom: t + 1 })],
      expected: ['NO_AGREEMENT@S1'],
    },
    {
      name: 'should report nothing when the agreement expires exactly at t',
      agreements: [...V1_ONLY, anAgreement({ expiresAt: t })],
      expected: [],
    },
    {
      name: 'should report NO_AGREEMENT when the agreement expired just before t',
      agreements: [...V1_ONLY, anAgreement({ expiresAt: t - 1 })],
      expected: ['NO_AGREEMENT@S1'],
    },
    {
      name: 'should report NO_AGREEMENT when the agreement was terminated exactly at t',
      agreements: [...V1_ONLY, anAgreement({ terminatedAt: t })],
      expected: ['NO_AGREEMENT@S1'],
    },
    {
      name: 'should report nothing when the agreement was terminated just after t',
      agreements: [...V1_ONLY, anAgreement({ terminatedAt: t + 1 })],
      expected: [],
    },
    {
      name: 'should report nothing when one of two agreements is in force and permits',
      agreements: [
        ...V1_ONLY,
        anAgreement({ agreementId: 'OLD', expiresAt: day(5) }),
        anAgreement({ agreementId: 'NEW', effectiveFrom: day(6) }),
      ],
      expected: [],
    },
    {
      name: 'should report nothing when the basis is TREATMENT even without an agreement',
      agreements: V1_ONLY,
      disclosure: { legalBasis: 'TREATMENT' },
      expected: [],
    },
    {
      name: 'should report nothing when the basis is REQUIRED_BY_LAW even without an agreement',
      agreements: V1_ONLY,
      disclosure: { legalBasis: 'REQUIRED_BY_LAW' },
      expected: [],
    },
    {
      name: 'should report NO_AGREEMENT when the basis is DEIDENTIFIED without an agreement',
      agreements: V1_ONLY,
      disclosure: { legalBasis: 'DEIDENTIFIED', target: { studyInstanceUid: 'S1-FULL' } },
      expected: ['NO_AGREEMENT@S1-FULL'],
    },
    {
      name: 'should report NO_AGREEMENT when the basis is HEALTHCARE_OPERATIONS without an agreement',
      agreements: V1_ONLY,
      disclosure: { legalBasis: 'HEALTHCARE_OPERATIONS' },
      expected: ['NO_AGREEMENT@S1'],
    },
  ]);
});

describe('NO_CONSENT, CONSENT_REVOKED, CONSENT_EXPIRED', () => {
  run([
    {
      name: 'should report NO_CONSENT when the patient recorded no consent',
      consents: [],
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should report nothing when the consent starts exactly at t',
      consents: [aPermit({ validFrom: t })],
      expected: [],
    },
    {
      name: 'should report NO_CONSENT when the consent starts just after t',
      consents: [aPermit({ validFrom: t + 1 })],
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should report nothing when the consent ends exactly at t',
      consents: [aPermit({ validUntil: t })],
      expected: [],
    },
    {
      name: 'should report CONSENT_EXPIRED when the consent ended just before t',
      consents: [aPermit({ validUntil: t - 1 })],
      expected: ['CONSENT_EXPIRED@S1'],
    },
    {
      name: 'should report CONSENT_REVOKED when the consent was revoked exactly at t',
      consents: [aPermit({ revokedAt: t })],
      expected: ['CONSENT_REVOKED@S1'],
    },
    {
      name: 'should report CONSENT_REVOKED rather than CONSENT_EXPIRED when one consent was revoked and another expired',
      consents: [
        aPermit({ consentId: 'C1', validUntil: day(8) }),
        aPermit({ consentId: 'C2', validFrom: day(8), revokedAt: day(9) }),
      ],
      expected: ['CONSENT_REVOKED@S1'],
    },
    {
      name: 'should report CONSENT_REVOKED when a consent both expired and was revoked before t',
      consents: [aPermit({ validUntil: day(8), revokedAt: day(7) })],
      expected: ['CONSENT_REVOKED@S1'],
    },
    {
      name: 'should report NO_CONSENT when the only revoked consent had not begun at t',
      consents: [aPermit({ validFrom: day(12), revokedAt: day(9) })],
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should report nothing when a consent was revoked and a new one is in force at t',
      consents: [
        aPermit({ consentId: 'C1', revokedAt: day(5) }),
        aPermit({ consentId: 'C2', validFrom: day(6) }),
      ],
      expected: [],
    },
    {
      name: 'should report CONSENT_REVOKED when the re-consent starts after t',
      consents: [
        aPermit({ consentId: 'C1', revokedAt: day(5) }),
        aPermit({ consentId: 'C2', validFrom: day(11) }),
      ],
      expected: ['CONSENT_REVOKED@S1'],
    },
    {
      name: 'should report NO_CONSENT when the consent does not name the purpose',
      consents: [aPermit({ purposes: ['AI_TRAINING'] })],
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should report NO_CONSENT when the consent is another patient’s',
      consents: [aPermit({ patient: 'PSN-2' })],
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should report CONSENT_EXPIRED only for a consent that covers the disclosure',
      consents: [aPermit({ consentId: 'C1' }), aPermit({ patient: 'PSN-2', validUntil: day(1) })],
      disclosure: { target: { studyInstanceUid: 'S9' } },
      expected: ['CONSENT_EXPIRED@S9'],
    },
    {
      name: 'should report nothing when the consent lists the recipient',
      consents: [aPermit({ vendorIds: ['V2', 'V1'] })],
      expected: [],
    },
    {
      name: 'should report NO_CONSENT when the consent lists only other recipients',
      consents: [aPermit({ vendorIds: ['V2'] })],
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should report nothing when the scope names the study’s own uid',
      consents: [aPermit({ scope: { studyInstanceUids: ['S1'] } })],
      expected: [],
    },
    {
      name: 'should report NO_CONSENT when the scope names another study',
      consents: [aPermit({ scope: { studyInstanceUids: ['S2'] } })],
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should report nothing when the scope names the original of a disclosed derivative',
      consents: [aPermit({ scope: { studyInstanceUids: ['S1'] } })],
      disclosure: { target: { studyInstanceUid: 'S1-FULL' } },
      expected: [],
    },
    {
      name: 'should report nothing when the scope names the original of a derivative of a derivative',
      consents: [aPermit({ scope: { studyInstanceUids: ['S1'] } })],
      disclosure: { target: { studyInstanceUid: 'S1-FULL-FULL' } },
      expected: [],
    },
    {
      name: 'should report nothing when the scope names the intermediate derivative',
      consents: [aPermit({ scope: { studyInstanceUids: ['S1-FULL'] } })],
      disclosure: { target: { studyInstanceUid: 'S1-FULL-FULL' } },
      expected: [],
    },
    {
      name: 'should report NO_CONSENT when the scope names only a derivative of the disclosed study',
      consents: [aPermit({ scope: { studyInstanceUids: ['S1-FULL'] } })],
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should report nothing when the scope’s modality matches',
      consents: [aPermit({ scope: { modalities: ['MR', 'CT'] } })],
      expected: [],
    },
    {
      name: 'should report NO_CONSENT when the scope’s modality differs',
      consents: [aPermit({ scope: { modalities: ['MR'] } })],
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should report nothing when a derivative of a derivative inherits the scoped modality',
      consents: [aPermit({ scope: { modalities: ['CT'] } })],
      disclosure: { target: { studyInstanceUid: 'S1-FULL-FULL' } },
      expected: [],
    },
    {
      name: 'should report NO_CONSENT when one scope criterion matches and the other does not',
      consents: [aPermit({ scope: { studyInstanceUids: ['S1'], modalities: ['MR'] } })],
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should report nothing when both scope criteria match',
      consents: [aPermit({ scope: { studyInstanceUids: ['S1'], modalities: ['CT'] } })],
      expected: [],
    },
    {
      name: 'should report NO_CONSENT when the study is not registered',
      disclosure: { target: { studyInstanceUid: 'UNKNOWN' } },
      expected: ['NO_CONSENT@UNKNOWN'],
    },
    {
      name: 'should report NO_CONSENT when the derivative’s original is not registered',
      disclosure: { target: { studyInstanceUid: 'ORPHAN-BASIC' } },
      expected: ['NO_CONSENT@ORPHAN-BASIC'],
    },
    {
      name: 'should report nothing when a derivative of a derivative belongs to the consenting patient',
      consents: [aPermit({ consentId: 'C1' }), aPermit({ consentId: 'C2', patient: 'PSN-2' })],
      disclosure: { target: { studyInstanceUid: 'S1-FULL-FULL' } },
      expected: [],
    },
    {
      name: 'should report no consent finding when the basis is not PATIENT_AUTHORIZATION',
      consents: [],
      disclosure: { legalBasis: 'IRB_WAIVER' },
      expected: [],
    },
    {
      name: 'should report a consent finding once when the patient has several lapsed consents',
      consents: [
        aPermit({ consentId: 'C1', validUntil: day(2) }),
        aPermit({ consentId: 'C2', validUntil: day(4) }),
        aPermit({ consentId: 'C3', validFrom: day(20) }),
      ],
      expected: ['CONSENT_EXPIRED@S1'],
    },
  ]);
});

describe('PATIENT_OBJECTED', () => {
  run([
    {
      name: 'should report PATIENT_OBJECTED only when a DENY and a PERMIT both cover and are in force',
      consents: [REFERENCE_CONSENT, aDeny()],
      expected: ['PATIENT_OBJECTED@S1'],
    },
    {
      name: 'should report NO_CONSENT and PATIENT_OBJECTED when only a DENY is in force',
      consents: [aDeny()],
      expected: ['NO_CONSENT@S1', 'PATIENT_OBJECTED@S1'],
    },
    {
      name: 'should report PATIENT_OBJECTED when the DENY ends exactly at t',
      consents: [REFERENCE_CONSENT, aDeny({ validUntil: t })],
      expected: ['PATIENT_OBJECTED@S1'],
    },
    {
      name: 'should report PATIENT_OBJECTED when the DENY starts exactly at t',
      consents: [REFERENCE_CONSENT, aDeny({ validFrom: t })],
      expected: ['PATIENT_OBJECTED@S1'],
    },
    {
      name: 'should report nothing when the DENY starts after t',
      consents: [REFERENCE_CONSENT, aDeny({ validFrom: t + 1 })],
      expected: [],
    },
    {
      name: 'should report nothing when the DENY was revoked exactly at t',
      consents: [REFERENCE_CONSENT, aDeny({ revokedAt: t })],
      expected: [],
    },
    {
      name: 'should report nothing when the DENY ended before t',
      consents: [REFERENCE_CONSENT, aDeny({ validUntil: t - 1 })],
      expected: [],
    },
    {
      name: 'should report nothing when the DENY names other recipients',
      consents: [REFERENCE_CONSENT, aDeny({ vendorIds: ['V2'] })],
      expected: [],
    },
    {
      name: 'should report nothing when the DENY is for another purpose',
      consents: [REFERENCE_CONSENT, aDeny({ purposes: ['AI_TRAINING'] })],
      expected: [],
    },
    {
      name: 'should report nothing when the DENY is scoped to another modality',
      consents: [REFERENCE_CONSENT, aDeny({ scope: { modalities: ['MR'] } })],
      expected: [],
    },
    {
      name: 'should report nothing when the basis is TREATMENT',
      consents: [aDeny()],
      disclosure: { legalBasis: 'TREATMENT' },
      expected: [],
    },
    {
      name: 'should report nothing when the basis is REQUIRED_BY_LAW',
      consents: [aDeny()],
      disclosure: { legalBasis: 'REQUIRED_BY_LAW' },
      expected: [],
    },
    {
      name: 'should report PATIENT_OBJECTED when the basis is IRB_WAIVER',
      consents: [aDeny()],
      disclosure: { legalBasis: 'IRB_WAIVER' },
      expected: ['PATIENT_OBJECTED@S1'],
    },
    {
      name: 'should report PATIENT_OBJECTED when a DENY on the original covers a de-identified derivative',
      consents: [aDeny({ scope: { studyInstanceUids: ['S1'] } })],
      disclosure: { legalBasis: 'DEIDENTIFIED', target: { studyInstanceUid: 'S1-FULL-BASIC' } },
      expected: ['FACE_NOT_REMOVED@S1-FULL-BASIC', 'PATIENT_OBJECTED@S1-FULL-BASIC'],
    },
  ]);
});

describe('NOT_DEIDENTIFIED and FACE_NOT_REMOVED', () => {
  const deidentified = (studyInstanceUid: string): Partial<Case> => ({
    disclosure: { legalBasis: 'DEIDENTIFIED', target: { studyInstanceUid } },
  });
  run([
    {
      name: 'should report NOT_DEIDENTIFIED when an original study is disclosed as DEIDENTIFIED',
      ...deidentified('S1'),
      expected: ['NOT_DEIDENTIFIED@S1'],
    },
    {
      name: 'should report nothing when the derivative carries 113100 and 113102',
      ...deidentified('S1-FULL'),
      expected: [],
    },
    {
      name: 'should report NOT_DEIDENTIFIED when the derivative lacks 113100',
      ...deidentified('S2-NOBASIC'),
      expected: ['NOT_DEIDENTIFIED@S2-NOBASIC'],
    },
    {
      name: 'should report NOT_DEIDENTIFIED when only the derivative’s source carries 113100',
      ...deidentified('S1-FULL-NOBASIC'),
      expected: ['NOT_DEIDENTIFIED@S1-FULL-NOBASIC'],
    },
    {
      name: 'should report NOT_DEIDENTIFIED when the disclosed study is not registered',
      ...deidentified('UNKNOWN'),
      expected: ['NOT_DEIDENTIFIED@UNKNOWN'],
    },
    {
      name: 'should report nothing de-identification related when an original is disclosed with authorization',
      expected: [],
    },
    {
      name: 'should report FACE_NOT_REMOVED when a CT HEAD derivative lacks 113102',
      ...deidentified('S1-BASIC'),
      expected: ['FACE_NOT_REMOVED@S1-BASIC'],
    },
    {
      name: 'should report FACE_NOT_REMOVED when an MR BRAIN derivative lacks 113102',
      ...deidentified('S3-BASIC'),
      expected: ['FACE_NOT_REMOVED@S3-BASIC'],
    },
    {
      name: 'should report FACE_NOT_REMOVED when a derivative of a derivative of a CT HEAD lacks 113102',
      ...deidentified('S1-FULL-BASIC'),
      expected: ['FACE_NOT_REMOVED@S1-FULL-BASIC'],
    },
    {
      name: 'should report nothing when the derivative is of a CR HEAD',
      ...deidentified('S4-BASIC'),
      expected: [],
    },
    {
      name: 'should report nothing when the derivative is of an MR CHEST',
      studies: [{ studyInstanceUid: 'S2-BASIC', derivedFrom: 'S2', methodCodes: ['113100'] }],
      ...deidentified('S2-BASIC'),
      expected: [],
    },
    {
      name: 'should report nothing face related when an original CT HEAD is disclosed',
      ...deidentified('S1'),
      expected: ['NOT_DEIDENTIFIED@S1'],
    },
    {
      name: 'should report FACE_NOT_REMOVED whatever the basis when it is TREATMENT',
      disclosure: { legalBasis: 'TREATMENT', target: { studyInstanceUid: 'S1-BASIC' } },
      expected: ['FACE_NOT_REMOVED@S1-BASIC'],
    },
    {
      name: 'should report FACE_NOT_REMOVED and NOT_DEIDENTIFIED when a CT HEAD derivative has neither code',
      studies: [{ studyInstanceUid: 'S1-NONE', derivedFrom: 'S1', methodCodes: ['113101'] }],
      ...deidentified('S1-NONE'),
      expected: ['FACE_NOT_REMOVED@S1-NONE', 'NOT_DEIDENTIFIED@S1-NONE'],
    },
    {
      name: 'should report FACE_NOT_REMOVED when the original’s codes are in lower case',
      studies: [
        anOriginal('S5', { modality: 'mr', bodyPart: 'brain' }),
        { studyInstanceUid: 'S5-BASIC', derivedFrom: 'S5', methodCodes: ['113100'] },
      ],
      ...deidentified('S5-BASIC'),
      expected: ['FACE_NOT_REMOVED@S5-BASIC'],
    },
  ]);
});

describe('datasets', () => {
  const dataset = { datasetId: 'DS1' };
  run([
    {
      name: 'should judge only the members added at or before t when a dataset is disclosed',
      consents: [],
      datasetMembers: [
        ...members('DS1', ['S1'], day(5)),
        ...members('DS1', ['S2'], t),
        ...members('DS1', ['S3'], t + 1),
      ],
      disclosure: { target: dataset },
      expected: ['NO_CONSENT@S1', 'NO_CONSENT@S2'],
    },
    {
      name: 'should report nothing when the dataset had no member yet at t',
      consents: [],
      datasetMembers: members('DS1', ['S1'], day(11)),
      disclosure: { target: dataset },
      expected: [],
    },
    {
      name: 'should judge each member as the study it is when a dataset is disclosed as DEIDENTIFIED',
      datasetMembers: members('DS1', ['S1', 'S1-FULL', 'S1-BASIC', 'S2-NOBASIC'], day(1)),
      disclosure: { target: dataset, legalBasis: 'DEIDENTIFIED' },
      expected: ['FACE_NOT_REMOVED@S1-BASIC', 'NOT_DEIDENTIFIED@S1', 'NOT_DEIDENTIFIED@S2-NOBASIC'],
    },
    {
      name: 'should report NO_AGREEMENT once per member when the recipient has no agreement',
      agreements: V1_ONLY,
      datasetMembers: members('DS1', ['S1', 'S2'], day(1)),
      disclosure: { target: dataset },
      expected: ['NO_AGREEMENT@S1', 'NO_AGREEMENT@S2'],
    },
    {
      name: 'should report a member once when it was added to the dataset twice',
      consents: [],
      datasetMembers: [...members('DS1', ['S1'], day(1)), ...members('DS1', ['S1'], day(2))],
      disclosure: { target: dataset },
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should not carry members of another dataset',
      consents: [],
      datasetMembers: [...members('DS1', ['S1'], day(1)), ...members('DS2', ['S2'], day(1))],
      disclosure: { target: dataset },
      expected: ['NO_CONSENT@S1'],
    },
    {
      name: 'should judge each member against its own patient’s consents',
      datasetMembers: members('DS1', ['S1', 'S9'], day(1)),
      disclosure: { target: dataset },
      expected: ['NO_CONSENT@S9'],
    },
  ]);
});

describe('finding fields', () => {
  it('should carry the disclosure’s event, sequence, time and recipient when a later revocation causes the finding', () => {
    const findings = evaluateFindings(
      referenceWorld({
        consents: [aPermit({ revokedAt: day(20) })],
        disclosures: [aDisclosure({ eventId: 'E-42', ledgerSequence: 42, at: day(10, 5) })],
      }),
    );
    expect(findings).toEqual([
      {
        code: 'RETAINED_AFTER_REVOCATION',
        studyInstanceUid: 'S1',
        vendorId: 'V1',
        eventId: 'E-42',
        ledgerSequence: 42,
        occurredAt: day(10, 5),
        detail: expect.stringContaining('C1') as unknown,
      },
    ]);
  });

  it.each<{ code: string; scenario: Scenario; detail: string }>([
    {
      code: 'NO_AGREEMENT',
      scenario: {
        agreements: [...V1_ONLY, anAgreement({ expiresAt: day(3) })],
      },
      detail:
        'Recipient V1 had no agreement in force on 2024-01-11T00:00:00.000Z permitting RESEARCH ' +
        '(agreement A1 expired on 2024-01-04T00:00:00.000Z).',
    },
    {
      code: 'CONSENT_REVOKED',
      scenario: { consents: [aPermit({ revokedAt: day(4) })] },
      detail:
        'Consent C1 covering RESEARCH was revoked on 2024-01-05T00:00:00.000Z, at or before the ' +
        'disclosure on 2024-01-11T00:00:00.000Z, and no other covering consent was in force.',
    },
    {
      code: 'CONSENT_EXPIRED',
      scenario: { consents: [aPermit({ validUntil: day(4) })] },
      detail:
        'Consent C1 covering RESEARCH expired on 2024-01-05T00:00:00.000Z, before the disclosure ' +
        'on 2024-01-11T00:00:00.000Z, and no other covering consent was in force.',
    },
    {
      code: 'NO_CONSENT',
      scenario: { consents: [aPermit({ validFrom: day(12) })] },
      detail:
        'No PERMIT consent covering RESEARCH for V1 was in force on 2024-01-11T00:00:00.000Z ' +
        '(consent C1 takes effect only on 2024-01-13T00:00:00.000Z).',
    },
    {
      code: 'PATIENT_OBJECTED',
      scenario: { consents: [REFERENCE_CONSENT, aDeny({ consentId: 'C7' }), aDeny()] },
      detail:
        'DENY consents C-DENY and C7 covering RESEARCH for V1 were in force on ' +
        '2024-01-11T00:00:00.000Z.',
    },
    {
      code: 'FACE_NOT_REMOVED',
      scenario: { disclosure: { target: { studyInstanceUid: 'S1-BASIC' } } },
      detail:
        'A derivative of a CT of the HEAD was disclosed without method code 113102 ' +
        '(Clean Recognizable Visual Features Option).',
    },
  ])('should explain $code for an auditor when it is reported', ({ code, scenario, detail }) => {
    const findings = evaluateFindings(referenceWorld(scenario));
    expect(findings.find((f) => f.code === code)?.detail).toBe(detail);
  });

  it('should never name the patient when any finding is explained', () => {
    const findings = evaluateFindings(
      referenceWorld({
        agreements: [],
        consents: [aDeny(), aPermit({ validUntil: day(1) })],
        datasetMembers: members('DS1', ['S1', 'S1-BASIC', 'UNKNOWN'], day(1)),
        disclosures: [
          aDisclosure({ target: { datasetId: 'DS1' } }),
          aDisclosure({ eventId: 'E-D2', ledgerSequence: 101, legalBasis: 'DEIDENTIFIED' }),
        ],
      }),
    );
    expect(findings.length).toBeGreaterThan(5);
    for (const finding of findings) expect(finding.detail).not.toMatch(/PSN-/);
  });
});
