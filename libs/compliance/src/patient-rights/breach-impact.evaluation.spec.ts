import { evaluateBreachImpact } from './breach-impact.evaluation';
import type { BreachFact, BreachImpactResult, PatientRightsWorld } from './patient-rights.facts';
import { PatientRightsIndex } from './patient-rights.index';
import {
  aBreach,
  aRightsWorld,
  attested,
  day,
  derived,
  disclosed,
  inspected,
  registered,
  transferred,
} from './testing/patient-rights-world.factory';

function impact(world: Partial<PatientRightsWorld>, breach: BreachFact): BreachImpactResult {
  return evaluateBreachImpact(breach, new PatientRightsIndex(aRightsWorld(world)));
}

const uids = (result: BreachImpactResult): string[] =>
  result.affected.map((a) => a.studyInstanceUid);

const S1 = registered('S1');
const S2 = registered('S2', 'PSN-2');
const iso = (ms: number): string => new Date(ms).toISOString();

describe('evaluateBreachImpact', () => {
  const window = { exposureFrom: day(20), exposureTo: day(30) };
  it.each<[string, Partial<PatientRightsWorld>, Partial<BreachFact>, string[]]>([
    ['held through the window', { disclosures: [disclosed('V1', 'S1', day(10))] }, window, ['S1']],
    [
      'received at exactly exposureTo',
      { disclosures: [disclosed('V1', 'S1', day(30))] },
      window,
      ['S1'],
    ],
    ['received after exposureTo', { disclosures: [disclosed('V1', 'S1', day(30, 1))] }, window, []],
    [
      'deleted before the window',
      {
        disclosures: [disclosed('V1', 'S1', day(10))],
        deletions: [attested('V1', 'S1', day(15))],
      },
      window,
      [],
    ],
    [
      'deleted at exactly exposureFrom',
      {
        disclosures: [disclosed('V1', 'S1', day(10))],
        deletions: [attested('V1', 'S1', day(20))],
      },
      window,
      [],
    ],
    [
      'deleted just after exposureFrom',
      {
        disclosures: [disclosed('V1', 'S1', day(10))],
        deletions: [attested('V1', 'S1', day(20, 1))],
      },
      window,
      ['S1'],
    ],
    [
      'deleted long ago and the window has no start',
      {
        disclosures: [disclosed('V1', 'S1', day(1))],
        deletions: [attested('V1', 'S1', day(2))],
      },
      { exposureTo: day(30) },
      ['S1'],
    ],
    [
      'received in an empty holding (deleted at the receipt instant)',
      {
        disclosures: [disclosed('V1', 'S1', day(10))],
        deletions: [attested('V1', 'S1', day(10))],
      },
      { exposureTo: day(30) },
      [],
    ],
    [
      'passed on by the vendor and deleted there',
      {
        disclosures: [disclosed('V1', 'S1', day(10))],
        transfers: [transferred('V1', 'V2', 'S1', day(12))],
        deletions: [attested('V1', 'S1', day(13))],
      },
      window,
      [],
    ],
    [
      'received by onward transfer',
      { transfers: [transferred('V0', 'V1', 'S1', day(25))] },
      window,
      ['S1'],
    ],
    ['held by another vendor only', { disclosures: [disclosed('V2', 'S1', day(10))] }, window, []],
    [
      'limited to a study target',
      { disclosures: [disclosed('V1', 'S1', day(10)), disclosed('V1', 'S2', day(10))] },
      { ...window, affectedTargets: [{ studyInstanceUid: 'S2' }] },
      ['S2'],
    ],
    [
      'limited to a dataset target (its members at exposureTo)',
      {
        datasetMembers: [
          { datasetId: 'DS1', studyInstanceUid: 'S1', addedAt: day(5) },
          { datasetId: 'DS1', studyInstanceUid: 'S2', addedAt: day(35) },
        ],
        disclosures: [disclosed('V1', 'S1', day(10)), disclosed('V1', 'S2', day(10))],
      },
      { ...window, affectedTargets: [{ datasetId: 'DS1' }] },
      ['S1'],
    ],
  ])('should decide what is affected when %s', (_case, world, breach, expected) => {
    const result = impact({ studies: [S1, S2], ...world }, aBreach(breach));
    expect(uids(result)).toEqual(expected);
  });

  it('should give the latest start of the overlapping holdings as receivedAt', () => {
    const result = impact(
      {
        studies: [S1],
        disclosures: [
          disclosed('V1', 'S1', day(1)),
          disclosed('V1', 'S1', day(22)),
          disclosed('V1', 'S1', day(40)),
        ],
        deletions: [attested('V1', 'S1', day(21))],
      },
      aBreach({ exposureFrom: day(20), exposureTo: day(30) }),
    );
    expect(result.affected.map((a) => iso(a.receivedAt))).toEqual([iso(day(22))]);
  });

  it('should not require notice for properly de-identified copies and count patients apart', () => {
    const result = impact(
      {
        studies: [
          S1,
          S2,
          registered('S3', 'PSN-3'),
          derived('S1-D', 'S1'),
          derived('S2-D', 'S2'),
          derived('S3-D', 'S3', ['113101']),
        ],
        disclosures: ['S1', 'S1-D', 'S2-D', 'S3-D'].map((uid) => disclosed('V1', uid, day(10))),
        inspections: [inspected('S2-D', 'FAIL', day(200))],
      },
      aBreach({ discoveredAt: Date.parse('2024-05-10T00:00:00Z') }),
    );
    expect(
      result.affected.map(
        (a) => `${a.studyInstanceUid} ${a.patient} ${a.deidentified} ${a.notificationRequired}`,
      ),
    ).toEqual([
      'S1 PSN-1 false true',
      'S1-D PSN-1 true false',
      'S2-D PSN-2 false true',
      'S3-D PSN-3 false true',
    ]);
    expect([result.studiesAffected, result.patientsAffected, result.patientsToNotify]).toEqual([
      4, 3, 3,
    ]);
    expect(iso(result.individualNoticeDeadline)).toBe('2024-07-09T00:00:00.000Z');
    expect(iso(result.hhsNoticeDeadline)).toBe('2025-03-01T23:59:59.999Z');
    expect(result.mediaNoticeMayBeRequired).toBe(false);
  });

  it('should exclude patients whose every copy is de-identified from those to notify', () => {
    const result = impact(
      {
        studies: [S1, derived('S1-D', 'S1')],
        disclosures: [disclosed('V1', 'S1-D', day(10))],
      },
      aBreach(),
    );
    expect([result.patientsAffected, result.patientsToNotify]).toEqual([1, 0]);
  });

  it.each([
    [499, false, false],
    [500, true, false],
    [501, true, true],
  ])(
    'should set the HHS deadline and media notice when %i patients are to be notified',
    (patients, hhsNow, media) => {
      const studies = Array.from({ length: patients }, (_, i) => registered(`S${i}`, `PSN-${i}`));
      const result = impact(
        {
          studies: [...studies, derived('S0-D', 'S0')],
          disclosures: [
            ...studies.map((s) => disclosed('V1', s.studyInstanceUid, day(10))),
            disclosed('V1', 'S0-D', day(10)),
          ],
        },
        aBreach({ discoveredAt: Date.parse('2023-08-01T00:00:00Z') }),
      );
      expect(result.patientsToNotify).toBe(patients);
      expect(result.studiesAffected).toBe(patients + 1);
      expect(iso(result.hhsNoticeDeadline)).toBe(
        hhsNow ? '2023-09-30T00:00:00.000Z' : '2024-02-29T23:59:59.999Z',
      );
      expect(result.mediaNoticeMayBeRequired).toBe(media);
    },
  );

  it('should report nothing affected for a vendor that holds nothing (or was never registered)', () => {
    const result = impact(
      { studies: [S1], disclosures: [disclosed('V1', 'S1', day(10))] },
      aBreach({ vendorId: 'V-UNKNOWN' }),
    );
    expect(result.affected).toEqual([]);
    expect([result.studiesAffected, result.patientsAffected, result.patientsToNotify]).toEqual([
      0, 0, 0,
    ]);
  });
});
