// One study disclosed k times, registered again to another patient and back (a correction
// of the patient, or a hostile producer: every event valid), each patient with k consents
// revoked before the disclosures. A registration moves the study's patient, so its round
// evaluates the study's family whole: every disclosure against the consents of the patient
// it now belongs to. The promise: each disclosure costs about the same whatever the
// patients' consents, and the stored findings stay those of a whole recompute.
import { cloudEvent, exampleData, TEST_PATIENT } from '@scantrail/contract/testing';
import {
  authorizedDisclosure,
  describeRound,
  FindingsGrowth,
  medianOfFiveRounds,
  type CountedRound,
} from '../../support/counted-findings-round';

const STUDY = '1.2.840.113619.2.55.3.3404';
const PATIENTS = [TEST_PATIENT, { system: TEST_PATIENT.system, value: 'MRN-003404' }];

let registrations = 0;
/** Registered to the first patient, then to the other, and back; each later than the last. */
const registered = (): object => {
  registrations += 1;
  return cloudEvent(
    'org.scantrail.study.registered',
    exampleData('org.scantrail.study.registered', {
      studyInstanceUid: STUDY,
      patient: { ...PATIENTS[(registrations - 1) % 2] },
    }),
    { time: new Date(Date.UTC(2024, 3, 1) + registrations * 60_000).toISOString() },
  );
};

/** The patient's consent covering every disclosure, revoked before them all. */
const revokedConsent = (label: string, patient: (typeof PATIENTS)[number]): object[] => [
  cloudEvent(
    'org.scantrail.consent.recorded',
    exampleData('org.scantrail.consent.recorded', {
      consentId: `cns-${label}`,
      patient: { ...patient },
      scope: { studyInstanceUids: [STUDY] },
    }),
    { time: '2024-01-01T00:00:00.000Z' },
  ),
  cloudEvent(
    'org.scantrail.consent.revoked',
    exampleData('org.scantrail.consent.revoked', { consentId: `cns-${label}` }),
    { time: '2024-03-01T00:00:00.000Z', subject: `cns-${label}` },
  ),
];

describe('a study disclosed thousands of times registered again to another patient, both with thousands of revoked consents (medium)', () => {
  const growth = new FindingsGrowth();
  beforeAll(() => growth.start());
  afterAll(() => growth.drop());

  const probe = (): Promise<CountedRound> =>
    medianOfFiveRounds(() => growth.roundAfter([registered()]));

  it('should re-evaluate the moved study in time linear in its disclosures, when each patient has 4,000 revoked consents', async () => {
    await growth.record([registered()]);
    const rounds = await growth.at(
      [100, 1000, 2000, 4000],
      (n) => [
        authorizedDisclosure(STUDY, `${n}`),
        ...revokedConsent(`a-${n}`, PATIENTS[0]),
        ...revokedConsent(`b-${n}`, PATIENTS[1]),
      ],
      probe,
    );
    console.log(
      `round after the study registered again: ${rounds.map(([k, r]) => describeRound(k, r)).join('; ')}`,
    );
    const [, [, thousand], , [, late]] = rounds;
    for (const [k, r] of rounds) expect(r.disclosures).toBeLessThanOrEqual(k + 10);
    // Four times the disclosures at 4,000 as at 1,000 (CPU time: a shared machine's waits
    // blur the wall clock).
    expect(late.cpuMs / thousand.cpuMs).toBeLessThan(5);
  }, 300000);
});
