// One patient's study disclosed k times under a consent revoked afterwards, and sent on by
// its recipient k times (a busy research pipeline, or a hostile producer: every event
// valid). Each disclosure's retention (RETAINED_AFTER_REVOCATION) names the vendors still
// holding the study through it: its recipient and every vendor reached by onward transfers
// after it. So one more transfer moves the retention of every disclosure before it, and its
// round re-evaluates each of them; the promise is that each costs about the same whatever
// the transfers before it, and that the stored findings stay those of a whole recompute.
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import {
  authorizedDisclosure,
  describeRound,
  FindingsGrowth,
  medianOfFiveRounds,
  registeredStudy,
  type CountedRound,
} from '../../support/counted-findings-round';

const STUDY = '1.2.840.113619.2.55.3.3402';

/** In force at every disclosure, revoked after them all: each disclosure relied on it. */
const consentThenRevoked = (): object[] => [
  cloudEvent(
    'org.scantrail.consent.recorded',
    exampleData('org.scantrail.consent.recorded', {
      consentId: 'cns-relied',
      scope: { studyInstanceUids: [STUDY] },
    }),
    { time: '2024-01-01T00:00:00.000Z' },
  ),
  cloudEvent(
    'org.scantrail.consent.revoked',
    exampleData('org.scantrail.consent.revoked', { consentId: 'cns-relied' }),
    { time: '2024-04-30T09:00:00.000Z', subject: 'cns-relied' },
  ),
];

const disclosure = (label: string): object => authorizedDisclosure(STUDY, label);

/** From the recipient to one more vendor, each a minute after the one before. */
let transfers = 0;
const transfer = (label: string): object => {
  transfers += 1;
  return cloudEvent(
    'org.scantrail.transfer.onward',
    exampleData('org.scantrail.transfer.onward', {
      transferId: `trf-${label}`,
      toVendorId: `vnd-onward-${label}`,
      target: { studyInstanceUid: STUDY },
    }),
    { time: new Date(Date.UTC(2024, 5, 1) + transfers * 60_000).toISOString() },
  );
};

describe('one more onward transfer of a study disclosed and sent on thousands of times after a revoked consent (medium)', () => {
  const growth = new FindingsGrowth();
  beforeAll(() => growth.start());
  afterAll(() => growth.drop());

  let probes = 0;
  const probe = (): Promise<CountedRound> => {
    probes += 1;
    return medianOfFiveRounds((i) => growth.roundAfter([transfer(`probe${probes}-${i}`)]));
  };

  it('should re-evaluate each disclosure before a new onward transfer in time independent of the transfers before it, when 4,000 were made', async () => {
    await growth.record([registeredStudy(STUDY), ...consentThenRevoked()]);
    // Every transfer is dated after every disclosure.
    const rounds = await growth.at(
      [100, 1000, 2000, 4000],
      (n) => [disclosure(`${n}`), transfer(`${n}`)],
      probe,
    );
    console.log(
      `round after one more onward transfer: ${rounds.map(([k, r]) => describeRound(k, r)).join('; ')}`,
    );
    const [, [, thousand], , [, late]] = rounds;
    for (const [k, r] of rounds) expect(r.disclosures).toBeLessThanOrEqual(k + 20);
    // Linear in the disclosures re-evaluated: four times as many at 4,000 as at 1,000 (CPU
    // time: a shared machine's waits blur the wall clock).
    expect(late.cpuMs / thousand.cpuMs).toBeLessThan(5);
  }, 300000);
});
