import { ComplianceIndex } from './compliance.index';
import type { DatasetMemberFact, TargetRef } from './facts';
import { compareStrings } from './finding-order';

/** The plain reading of the rule, which the index's memoized answer must equal. */
function studiesCarried(
  target: TargetRef,
  at: number,
  members: readonly DatasetMemberFact[],
): string[] {
  if (target.studyInstanceUid !== undefined) return [target.studyInstanceUid];
  if (target.datasetId === undefined) return [];
  const uids = new Set<string>();
  for (const member of members) {
    if (member.datasetId === target.datasetId && member.addedAt <= at) {
      uids.add(member.studyInstanceUid);
    }
  }
  return [...uids].sort(compareStrings);
}

import { aWorld, day, members } from './testing/compliance-world.factory';

describe('studiesCarried', () => {
  const datasetMembers = [
    ...members('DS1', ['S3', 'S1'], day(1)),
    ...members('DS1', ['S2'], day(5)),
    ...members('DS1', ['S1'], day(0)),
    ...members('DS2', ['S9'], day(0)),
  ];

  it.each([
    {
      name: 'should carry the study itself when the target is a study',
      target: { studyInstanceUid: 'S7' },
      at: day(0),
      expected: ['S7'],
    },
    {
      name: 'should carry members added before t when the target is a dataset',
      target: { datasetId: 'DS1' },
      at: day(4),
      expected: ['S1', 'S3'],
    },
    {
      name: 'should carry a member added exactly at t',
      target: { datasetId: 'DS1' },
      at: day(5),
      expected: ['S1', 'S2', 'S3'],
    },
    {
      name: 'should carry a member once from its earliest addition',
      target: { datasetId: 'DS1' },
      at: day(0),
      expected: ['S1'],
    },
    {
      name: 'should carry nothing before the first member was added',
      target: { datasetId: 'DS1' },
      at: day(0) - 1,
      expected: [],
    },
    {
      name: 'should carry nothing when the dataset is unknown',
      target: { datasetId: 'DS9' },
      at: day(9),
      expected: [],
    },
    {
      name: 'should carry nothing when the target names nothing',
      target: {},
      at: day(9),
      expected: [],
    },
  ])('$name', ({ target, at, expected }) => {
    expect(studiesCarried(target, at, datasetMembers)).toEqual(expected);
    const index = new ComplianceIndex(aWorld({ datasetMembers }));
    expect(index.studiesCarried(target, at).sort()).toEqual(expected);
  });
});
