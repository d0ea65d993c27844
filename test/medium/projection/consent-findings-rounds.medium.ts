// A consent's event re-evaluates only the consent findings of the disclosures one of its
// recordings can cover (refreshConsentFindings), so each round here moves a consent in a
// way that findings elsewhere could miss: recorded again with other purposes, recipients or
// patient, recorded again with an earlier time (which does not replace it), revoked, revoked
// before it was recorded, a DENY, and a consent in the same round as the study it covers.
// After every round the stored findings must be those of a whole recompute.
import { cloudEvent, exampleData, TEST_PATIENT } from '@scantrail/contract/testing';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';
import { wholeRecompute, type StoredFindingRow } from '../../support/whole-recompute';

const STUDY = '1.2.840.113619.2.55.3.7001';
const COPY = '2.25.7001';
const OTHER_STUDY = '1.2.840.113619.2.55.3.7002';
const LATE_STUDY = '1.2.840.113619.2.55.3.7003';
const OTHER_PATIENT = { system: TEST_PATIENT.system, value: 'MRN-007002' };
const THIRD_PATIENT = { system: TEST_PATIENT.system, value: 'MRN-007003' };

type ConsentData = Parameters<typeof exampleData<'org.scantrail.consent.recorded'>>[1];

const registered = (uid: string, patient = TEST_PATIENT): object =>
  cloudEvent(
    'org.scantrail.study.registered',
    exampleData('org.scantrail.study.registered', { studyInstanceUid: uid, patient }),
    { time: '2024-04-30T08:00:00.000Z' },
  );

const disclosed = (
  id: string,
  target: { studyInstanceUid: string } | { datasetId: string },
  more: { recipientVendorId?: string; purpose?: 'AI_TRAINING' | 'RESEARCH'; legalBasis?: string },
): object =>
  cloudEvent(
    'org.scantrail.disclosure.recorded',
    exampleData('org.scantrail.disclosure.recorded', {
      disclosureId: id,
      target,
      legalBasis: 'PATIENT_AUTHORIZATION',
      ...more,
    } as never),
    { time: '2024-05-01T12:00:00.000Z' },
  );

/** Without scope: any study of its patient. */
const consent = (time: string, data: ConsentData): object => {
  const full = exampleData('org.scantrail.consent.recorded', data);
  delete (full as { scope?: unknown }).scope;
  return cloudEvent('org.scantrail.consent.recorded', full, { time, subject: full.consentId });
};

const revoked = (consentId: string, time: string): object =>
  cloudEvent(
    'org.scantrail.consent.revoked',
    exampleData('org.scantrail.consent.revoked', { consentId }),
    { time, subject: consentId },
  );

describe('findings after consents recorded, recorded again and revoked (medium)', () => {
  const settings = testSettings();
  let db: TestDatabase;
  let recorder: DirectRecorder;

  beforeAll(async () => {
    db = await createTestDatabase();
    recorder = new DirectRecorder(db.dataSource, settings, 0, 'later');
  });

  afterAll(() => db.drop());

  const byKey = (a: StoredFindingRow, b: StoredFindingRow): number =>
    `${a.event_id} ${a.study_uid} ${a.code}`.localeCompare(
      `${b.event_id} ${b.study_uid} ${b.code}`,
    );

  /** Records the round's events, runs the findings worker, and checks against a whole recompute. */
  const round = async (events: object[]): Promise<void> => {
    await recorder.record(events);
    await recorder.completeFindings();
    const rows = (
      await db.dataSource.query<StoredFindingRow[]>(
        'SELECT event_id, study_uid, code, vendor_id, detail FROM rm_findings',
      )
    ).sort(byKey);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual((await wholeRecompute(db.dataSource)).sort(byKey));
  };
  const consentCodesOf = async (event: object): Promise<string[]> => {
    const id = (event as { id: string }).id;
    const rows = await db.dataSource.query<{ code: string }[]>(
      `SELECT code FROM rm_findings WHERE event_id = $1
          AND code IN ('NO_CONSENT', 'CONSENT_REVOKED', 'CONSENT_EXPIRED', 'PATIENT_OBJECTED',
                       'RETAINED_AFTER_REVOCATION')
        ORDER BY code`,
      [id],
    );
    return rows.map((r) => r.code);
  };

  it('should keep every finding equal to a whole recompute when consents move round by round', async () => {
    const toAcme = disclosed('dsc-acme', { studyInstanceUid: STUDY }, {});
    const toOther = disclosed(
      'dsc-other',
      { studyInstanceUid: STUDY },
      { recipientVendorId: 'vnd-other', purpose: 'RESEARCH' },
    );
    const copyUnderWaiver = disclosed(
      'dsc-copy',
      { studyInstanceUid: COPY },
      { legalBasis: 'IRB_WAIVER' },
    );
    const dataset = disclosed('dsc-dataset', { datasetId: 'ds-head-ct-2024' }, {});
    const otherPatient = disclosed('dsc-q', { studyInstanceUid: OTHER_STUDY }, {});
    const treatment = disclosed(
      'dsc-treatment',
      { studyInstanceUid: STUDY },
      { legalBasis: 'TREATMENT' },
    );
    await round([
      registered(STUDY),
      registered(OTHER_STUDY, OTHER_PATIENT),
      cloudEvent(
        'org.scantrail.study.deidentified',
        exampleData('org.scantrail.study.deidentified', {
          sourceStudyInstanceUid: STUDY,
          derivedStudyInstanceUid: COPY,
        }),
      ),
      cloudEvent(
        'org.scantrail.dataset.assembled',
        exampleData('org.scantrail.dataset.assembled', { studyInstanceUids: [COPY] }),
        { time: '2024-04-30T09:00:00.000Z' },
      ),
      toAcme,
      toOther,
      copyUnderWaiver,
      dataset,
      otherPatient,
      treatment,
    ]);
    expect(await consentCodesOf(toAcme)).toEqual(['NO_CONSENT']);

    // A PERMIT for AI_TRAINING to vnd-acme: the disclosures to vnd-acme are authorized.
    await round([consent('2024-01-01T00:00:00.000Z', { consentId: 'cns-a' })]);
    expect(await consentCodesOf(toAcme)).toEqual([]);
    expect(await consentCodesOf(dataset)).toEqual([]);

    // Recorded again, later: RESEARCH to vnd-other. The disclosures it covered lose it.
    await round([
      consent('2024-02-01T00:00:00.000Z', {
        consentId: 'cns-a',
        purposes: ['RESEARCH'],
        vendorIds: ['vnd-other'],
      }),
    ]);
    expect(await consentCodesOf(toAcme)).toEqual(['NO_CONSENT']);
    expect(await consentCodesOf(toOther)).toEqual([]);

    // Recorded again with an earlier time: it does not replace the one that stands.
    await round([consent('2023-06-01T00:00:00.000Z', { consentId: 'cns-a' })]);
    expect(await consentCodesOf(toAcme)).toEqual(['NO_CONSENT']);

    // A DENY for AI_TRAINING, any recipient: objections, whatever basis but treatment.
    await round([
      consent('2024-01-01T00:00:00.000Z', {
        consentId: 'cns-deny',
        decision: 'DENY',
        purposes: ['AI_TRAINING'],
        vendorIds: undefined,
      }),
    ]);
    expect(await consentCodesOf(copyUnderWaiver)).toEqual(['PATIENT_OBJECTED']);
    expect(await consentCodesOf(treatment)).toEqual([]);

    // The PERMIT revoked after the disclosure it authorized: retained after revocation.
    await round([revoked('cns-a', '2024-08-01T00:00:00.000Z')]);
    expect(await consentCodesOf(toOther)).toEqual(['RETAINED_AFTER_REVOCATION']);

    // Revoked before it is recorded (another partition's order), then recorded.
    await round([revoked('cns-b', '2024-03-01T00:00:00.000Z')]);
    await round([consent('2024-01-01T00:00:00.000Z', { consentId: 'cns-b' })]);
    expect(await consentCodesOf(toAcme)).toEqual(['CONSENT_REVOKED', 'PATIENT_OBJECTED']);

    // Recorded again for another patient: the first patient's disclosures lose it.
    await round([
      consent('2024-01-01T00:00:00.000Z', { consentId: 'cns-c', purposes: ['AI_TRAINING'] }),
    ]);
    expect(await consentCodesOf(toAcme)).toEqual(['PATIENT_OBJECTED']);
    await round([
      consent('2024-03-01T00:00:00.000Z', {
        consentId: 'cns-c',
        patient: OTHER_PATIENT,
        purposes: ['AI_TRAINING'],
      }),
    ]);
    expect(await consentCodesOf(toAcme)).toEqual(['CONSENT_REVOKED', 'PATIENT_OBJECTED']);
    expect(await consentCodesOf(otherPatient)).toEqual([]);

    // A third patient's study registered, disclosed and consented to in one round.
    const late = disclosed('dsc-late', { studyInstanceUid: LATE_STUDY }, {});
    await round([
      registered(LATE_STUDY, THIRD_PATIENT),
      late,
      consent('2024-01-01T00:00:00.000Z', {
        consentId: 'cns-late',
        patient: THIRD_PATIENT,
        purposes: ['AI_TRAINING'],
        validUntil: '2024-04-01',
      }),
    ]);
    expect(await consentCodesOf(late)).toEqual(['CONSENT_EXPIRED']);
  }, 120000);
});
