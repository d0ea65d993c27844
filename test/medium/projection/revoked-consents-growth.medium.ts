// One patient's study whose k consents were all revoked before its k patient-authorized
// disclosures (a patient who withdrew again and again, or a hostile producer: every event
// valid). No consent stands for any disclosure, so each one's authorization is decided by
// the latest covering revocation, and the round after one more consent event re-evaluates
// every disclosure it covers. Session 33 left that round asking each disclosure about every
// covering consent (k² in the rules: 185-630 ms at k = 2,000 in its probe). The promise: a
// round costs what it re-evaluates, and the stored findings stay those of a whole recompute.
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import {
  authorizedDisclosure,
  describeRound,
  FindingsGrowth,
  medianOfFiveRounds,
  registeredStudy,
  type CountedRound,
} from '../../support/counted-findings-round';

const STUDY = '1.2.840.113619.2.55.3.3401';

const disclosure = (label: string): object => authorizedDisclosure(STUDY, label);

/** Covers every disclosure (AI_TRAINING to vnd-acme, the study in its scope). */
const consent = (label: string, time = '2024-01-01T00:00:00.000Z'): object =>
  cloudEvent(
    'org.scantrail.consent.recorded',
    exampleData('org.scantrail.consent.recorded', {
      consentId: `cns-${label}`,
      scope: { studyInstanceUids: [STUDY] },
    }),
    { time },
  );

/** Revoked before every disclosure; each revocation a minute after the one before. */
let revocations = 0;
const revocation = (label: string): object => {
  revocations += 1;
  return revoked(label, new Date(Date.UTC(2024, 1, 1) + revocations * 60_000).toISOString());
};

/** Revoked earlier than any other: the latest revocation, which findings name, stays. */
const revoked = (label: string, time = '2024-01-15T00:00:00.000Z'): object =>
  cloudEvent(
    'org.scantrail.consent.revoked',
    exampleData('org.scantrail.consent.revoked', { consentId: `cns-${label}` }),
    { time, subject: `cns-${label}` },
  );

describe('one more consent event on a study whose thousands of consents were all revoked before its disclosures (medium)', () => {
  const growth = new FindingsGrowth();
  beforeAll(() => growth.start());
  afterAll(() => growth.drop());

  const after = (events: object[]) => (): Promise<CountedRound> => growth.roundAfter(events);

  type Probe = Record<'revokedPair' | 'revocation' | 'disclosure', CountedRound>;
  let probes = 0;
  const probe = async (): Promise<Probe> => {
    probes += 1;
    const label = `probe${probes}`;
    const result: Probe = {
      // Recorded and revoked in one batch, earlier than the others: every disclosure is
      // re-evaluated, and none of its findings moves.
      revokedPair: await medianOfFiveRounds((i) =>
        after([consent(`${label}-pair-${i}`), revoked(`${label}-pair-${i}`)])(),
      ),
      // One more revocation of a consent not yet recorded (another partition's order).
      revocation: await medianOfFiveRounds((i) => after([revocation(`${label}-early-${i}`)])()),
      disclosure: await medianOfFiveRounds((i) => after([disclosure(`${label}-${i}`)])()),
    };
    return result;
  };

  it('should re-evaluate the covered disclosures in time proportional to them, not to them times the revoked consents, when 4,000 consents were revoked before 4,000 disclosures', async () => {
    await growth.record([registeredStudy(STUDY)]);
    const rounds = await growth.at(
      [100, 1000, 2000, 4000],
      (n) => [consent(`${n}`), revocation(`${n}`), disclosure(`${n}`)],
      probe,
    );
    for (const kind of ['revokedPair', 'revocation', 'disclosure'] as const) {
      console.log(
        `round after one ${kind}: ${rounds.map(([k, p]) => describeRound(k, p[kind])).join('; ')}`,
      );
    }
    const [, [, thousand], , [, late]] = rounds;
    // Each consent event covers every disclosure: all of them read, and nothing else.
    for (const [k, p] of rounds) {
      expect(p.revokedPair.disclosures).toBeLessThanOrEqual(k + 20);
      expect(p.revokedPair.written).toBe(0);
      expect(p.revocation.disclosures).toBe(0);
      expect(p.disclosure.disclosures).toBe(1);
    }
    // Linear in the disclosures covered: four times as many at 4,000 as at 1,000. The
    // rules' CPU time, since a shared 2-core machine's waits blur the wall clock; before,
    // each disclosure asked every revoked consent: 75 and ~600 ms of CPU.
    expect(late.revokedPair.cpuMs / thousand.revokedPair.cpuMs).toBeLessThan(5);
  }, 300000);
});
