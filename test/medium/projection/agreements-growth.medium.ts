// One vendor with k data-use agreements, each signed and terminated before its k
// disclosures, and one agreement standing throughout (a vendor renewing its terms again and
// again, or a hostile producer: every event valid). Each disclosure needs one agreement in
// force permitting its purpose. One more agreement signed, or signed and terminated, moves
// the agreement findings of the disclosures in its period alone, and only those it can move
// (agreementChangeRegions): here none, since one agreement stands at every disclosure. The
// stored findings must stay those of a whole recompute.
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import {
  authorizedDisclosure,
  describeRound,
  FindingsGrowth,
  medianOfFiveRounds,
  registeredStudy,
  type CountedRound,
} from '../../support/counted-findings-round';

const STUDY = '1.2.840.113619.2.55.3.3403';

const signed = (id: string): object =>
  cloudEvent(
    'org.scantrail.agreement.signed',
    exampleData('org.scantrail.agreement.signed', { agreementId: id }),
    { time: '2024-01-01T00:00:00.000Z', subject: id },
  );

/** Terminated before every disclosure, each a minute after the one before. */
let terminations = 0;
const terminated = (id: string): object => {
  terminations += 1;
  return cloudEvent(
    'org.scantrail.agreement.terminated',
    exampleData('org.scantrail.agreement.terminated', { agreementId: id }),
    {
      time: new Date(Date.UTC(2024, 1, 1) + terminations * 60_000).toISOString(),
      subject: id,
    },
  );
};

const disclosure = (label: string): object => authorizedDisclosure(STUDY, label);

describe('one more agreement of a vendor with thousands of terminated agreements and disclosures (medium)', () => {
  const growth = new FindingsGrowth();
  beforeAll(() => growth.start());
  afterAll(() => growth.drop());

  type Probe = Record<'terminatedBefore' | 'standing', CountedRound>;
  let probes = 0;
  const probe = async (): Promise<Probe> => {
    probes += 1;
    const label = `probe${probes}`;
    const result: Probe = {
      // Signed and terminated before every disclosure: it serves none of them.
      terminatedBefore: await medianOfFiveRounds((i) =>
        growth.roundAfter([signed(`agr-${label}-${i}`), terminated(`agr-${label}-${i}`)]),
      ),
      // In force at every disclosure, beside the one standing already: no finding moves.
      standing: await medianOfFiveRounds((i) =>
        growth.roundAfter([signed(`agr-${label}-standing-${i}`)]),
      ),
    };
    return result;
  };

  it('should re-evaluate only the disclosures whose findings an agreement can move, none here, when 4,000 were terminated', async () => {
    await growth.record([registeredStudy(STUDY), signed('agr-standing')]);
    const rounds = await growth.at(
      [100, 1000, 2000, 4000],
      (n) => [signed(`agr-${n}`), terminated(`agr-${n}`), disclosure(`${n}`)],
      probe,
    );
    for (const kind of ['terminatedBefore', 'standing'] as const) {
      console.log(
        `round after one agreement ${kind}: ${rounds.map(([k, p]) => describeRound(k, p[kind])).join('; ')}`,
      );
    }
    // Neither can move a finding: no disclosure is read again, whatever k (its round
    // replays the vendor's agreements alone).
    for (const [, p] of rounds) {
      for (const r of [p.standing, p.terminatedBefore]) {
        expect(r.disclosures).toBe(0);
        expect(r.findingsRead).toBe(0);
        expect(r.written).toBe(0);
      }
    }
  }, 300000);
});
