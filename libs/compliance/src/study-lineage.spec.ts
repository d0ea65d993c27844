import { indexStudies, resolveStudy, type ResolvedStudy } from './study-lineage';
import { aDerivative, anOriginal } from './testing/compliance-world.factory';

describe('resolveStudy', () => {
  const studies = indexStudies([
    anOriginal('S1', { patient: 'PSN-1', modality: 'MR', bodyPart: 'BRAIN' }),
    aDerivative('S1-A', 'S1', ['113100']),
    aDerivative('S1-A-B', 'S1-A', ['113101']),
    aDerivative('LOOP-1', 'LOOP-2', ['113100']),
    aDerivative('LOOP-2', 'LOOP-1', []),
    aDerivative('SELF', 'SELF', []),
    aDerivative('ORPHAN', 'MISSING', ['113100']),
    { ...anOriginal('REGISTERED-DERIVATIVE', { patient: 'PSN-9' }), derivedFrom: 'MISSING-TOO' },
  ]);

  it.each([
    {
      name: 'should describe an original by its own registration when it has no source',
      uid: 'S1',
      expected: { lineage: ['S1'], isDerivative: false, patient: 'PSN-1', modality: 'MR' },
    },
    {
      name: 'should give a derivative its original’s patient, modality and body part when derived once',
      uid: 'S1-A',
      expected: {
        lineage: ['S1-A', 'S1'],
        isDerivative: true,
        patient: 'PSN-1',
        bodyPart: 'BRAIN',
      },
    },
    {
      name: 'should give a derivative of a derivative its original’s details and its own codes',
      uid: 'S1-A-B',
      expected: {
        lineage: ['S1-A-B', 'S1-A', 'S1'],
        originalStudyInstanceUid: 'S1',
        methodCodes: ['113101'],
        patient: 'PSN-1',
        modality: 'MR',
      },
    },
    {
      name: 'should stop when the derivation chain loops',
      uid: 'LOOP-1',
      expected: { lineage: ['LOOP-1', 'LOOP-2'], isDerivative: true, patient: undefined },
    },
    {
      name: 'should stop when a study claims to derive from itself',
      uid: 'SELF',
      expected: { lineage: ['SELF'], isDerivative: true },
    },
    {
      name: 'should know no patient when the original is not registered',
      uid: 'ORPHAN',
      expected: { lineage: ['ORPHAN', 'MISSING'], patient: undefined, modality: undefined },
    },
    {
      name: 'should fall back to the derivative’s own registration when its original is unknown',
      uid: 'REGISTERED-DERIVATIVE',
      expected: { patient: 'PSN-9', isDerivative: true },
    },
    {
      name: 'should resolve an unknown uid to itself with nothing known',
      uid: 'NOWHERE',
      expected: { lineage: ['NOWHERE'], isDerivative: false, methodCodes: [], patient: undefined },
    },
  ])('$name', ({ uid, expected }) => {
    const resolved = resolveStudy(uid, studies);
    // toEqual, unlike toMatchObject, treats a missing field as undefined
    const asked = Object.fromEntries(
      Object.keys(expected).map((key) => [key, resolved[key as keyof ResolvedStudy]]),
    );
    expect(asked).toEqual(expected);
  });
});

describe('indexStudies', () => {
  it('should merge duplicate facts of a uid the same way whatever their order', () => {
    const a = { ...aDerivative('S', 'P', ['113101']), patient: 'PSN-2' };
    const b = { ...anOriginal('S', { patient: 'PSN-1' }), methodCodes: ['113100'] };
    const merged = {
      ...anOriginal('S', { patient: 'PSN-1' }),
      derivedFrom: 'P',
      methodCodes: ['113100', '113101'],
    };
    expect(indexStudies([a, b]).get('S')).toEqual(merged);
    expect(indexStudies([b, a]).get('S')).toEqual(merged);
  });
});
