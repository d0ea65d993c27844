import fc from 'fast-check';
import type { DicomJsonDataset, DicomJsonElement } from '../dicom-json/dicom-json.types';
import { readPart10Header } from '../part10/part10-header.reader';
import { type InstanceSpec, buildInstance } from '../testing/dicom-study.factory';
import { inspectStudyAtOnce } from '../testing/study-inspection.reference';
import type { StudyInspectionInput } from './inspection.types';
import { OriginalStudyValues, StudyInspector, inspectStudy } from './study-inspection';

// The incremental inspection (StudyInspector, and inspectStudy over it) against the
// inspection it replaced, which held every instance and read the method codes first: same
// input, byte for byte the same answer. The method codes that excuse an issue are spread over
// the instances at random, so an excuse that comes with the last instance is exercised.

const METHOD_CODE_POOL = [
  '113100', // Basic Profile
  '113101', // Clean Pixel Data: BURNED_IN_ANNOTATION, FACE_RECONSTRUCTABLE
  '113102', // Clean Recognizable Visual Features: FACE_RECONSTRUCTABLE
  '113106', // Retain Longitudinal Full Dates
  '113107', // Retain Longitudinal Modified Dates (C: times only)
  '113108', // Retain Patient Characteristics
  '113109', // Retain Device Identity
  '113110', // Retain UIDs
  '113111', // Retain Safe Private
  '113112', // Retain Institution Identity
];

const methodCodes = fc.subarray(METHOD_CODE_POOL, { maxLength: 3 });

/** Leaf attributes: identifying (X), replaced (Z, D, U), kept by some option, the rule's own. */
const leaf: fc.Arbitrary<[string, DicomJsonElement]> = fc
  .oneof(
    fc.tuple(
      fc.constantFrom('00100010', '00100010'.toLowerCase()),
      fc.constantFrom('Doe^John', 'DOE^JOHN^^', 'Roe^Jane').map((name) => ({
        vr: 'PN',
        Value: [{ Alphabetic: name }],
      })),
    ),
    fc.tuple(fc.constant('00100020'), fc.constantFrom('MRN-1', 'MRN-2', ' MRN-1 ')),
    fc.tuple(fc.constant('00100021'), fc.constantFrom('urn:a', 'urn:b')),
    fc.tuple(fc.constant('00080080'), fc.constantFrom('Bench Hospital', 'Other', '')),
    fc.tuple(fc.constant('00080081'), fc.constant('1 Main St')),
    fc.tuple(fc.constant('00101040'), fc.constantFrom('1 Main St', '2 High St')),
    fc.tuple(fc.constant('00101010'), fc.constant('042Y')),
    fc.tuple(fc.constant('00181000'), fc.constantFrom('SN-1', 'SN-2')),
    // A date under its own VR and under another: whether 113107 excuses it depends on the VR.
    fc
      .tuple(fc.constant('00080020'), fc.constantFrom('DA', 'TM', 'LO'))
      .map(([key, vr]): [string, DicomJsonElement] => [key, { vr, Value: ['20240105'] }]),
    fc.tuple(fc.constant('00080032'), fc.constantFrom('101500', '111500')),
    fc.tuple(fc.constant('0008002A'), fc.constant('20240105101500')),
    fc.tuple(fc.constant('00120062'), fc.constantFrom('YES', 'NO', 'yes')),
    fc.tuple(fc.constant('00280301'), fc.constantFrom('YES', 'NO')),
    fc.tuple(fc.constant('0020000E'), fc.constantFrom('1.2.3.1', '1.2.3.2')),
    fc.tuple(fc.constant('00091010'), fc.constantFrom('private note', 'MRN-1', 'for John Doe')),
    // PATIENT_IDENTITY_ELSEWHERE: the original's name or ID in another attribute.
    fc.tuple(
      fc.constant('00080090'),
      fc.constantFrom('DOE^JOHN', 'Smith^Ann').map((name) => ({
        vr: 'PN',
        Value: [{ Alphabetic: name }],
      })),
    ),
  )
  .map(([key, element]) => [key, typeof element === 'string' ? { Value: [element] } : element]);

/** Sequences: removed (X) ones some option keeps, ones the profile does not list, private. */
const SEQUENCE_KEYS = ['00101002', '00080082', '00081110', '00081115', '00091020'];

const item = fc.letrec<{ item: DicomJsonDataset }>((tie) => ({
  item: fc
    .array(
      fc.oneof(
        { weight: 4, arbitrary: leaf },
        {
          weight: 1,
          // Items under SQ, under a wrong VR, or with a text beside them (a hostile server).
          arbitrary: fc.tuple(
            fc.constantFrom(...SEQUENCE_KEYS),
            fc.record({
              vr: fc.constantFrom('SQ', 'SQ', 'LO', undefined),
              items: fc.array(tie('item'), { maxLength: 2 }),
              text: fc.constantFrom(undefined, 'Doe^John'),
            }),
          ),
        },
      ),
      { maxLength: 5 },
    )
    .map((entries) => {
      const dataset: DicomJsonDataset = {};
      for (const [key, value] of entries) {
        if ('items' in value) {
          const { vr, items, text } = value;
          dataset[key] = { vr, Value: text === undefined ? items : [...items, text] };
        } else dataset[key] = value;
      }
      return dataset;
    }),
})).item;

const instance: fc.Arbitrary<DicomJsonDataset> = fc
  .record({
    attributes: item,
    study: fc.constantFrom('1.2.9', undefined),
    modality: fc.constantFrom('CT', 'MR', 'us', undefined),
    bodyPart: fc.constantFrom('HEAD', 'brain', 'CHEST', undefined),
    description: fc.constantFrom('CT HEAD W/O', 'Chest', 'BRAIN MR', 'head, Doe, John', undefined),
    codes: methodCodes,
  })
  .map(({ attributes, study, modality, bodyPart, description, codes }) => {
    const dataset: DicomJsonDataset = { ...attributes };
    const put = (key: string, vr: string, value: string | undefined) => {
      if (value !== undefined) dataset[key] = { vr, Value: [value] };
    };
    put('0020000D', 'UI', study);
    put('00080060', 'CS', modality);
    put('00180015', 'CS', bodyPart);
    put('0008103E', 'LO', description);
    if (codes.length > 0) {
      dataset['00120064'] = {
        vr: 'SQ',
        Value: codes.map((code) => ({ '00080100': { vr: 'SH', Value: [code] } })),
      };
    }
    return dataset;
  });

/** Runs of equal instances, so that a series reaches the face rule's 20. */
const instances = fc
  .array(fc.tuple(instance, fc.integer({ min: 1, max: 24 })), { maxLength: 4 })
  .map((runs) => runs.flatMap(([dataset, times]) => Array<DicomJsonDataset>(times).fill(dataset)));

const input: fc.Arbitrary<StudyInspectionInput> = fc.record(
  {
    instances,
    originalInstances: fc.array(instance, { maxLength: 3 }),
    methodCodesDeclared: methodCodes,
  },
  { requiredKeys: ['instances'] },
);

const asBytes = (value: unknown) => JSON.stringify(value);

describe('StudyInspector against the inspection that held every instance', () => {
  it('should give byte for byte the same inspection on random DICOM JSON studies', () => {
    fc.assert(
      fc.property(input, (study) => {
        expect(asBytes(inspectStudy(study))).toBe(asBytes(inspectStudyAtOnce(study)));
      }),
      { numRuns: 400 },
    );
  });

  it('should report a value the original held under two VRs when an option keeps only one', () => {
    // 113107 keeps a time (C, TM) but not a date: the original's Study Date read once as DA
    // and once as TM is still a retained date, whichever instance of the copy declares 113107.
    const date = (vr: string): DicomJsonDataset => ({ '00080020': { vr, Value: ['20240105'] } });
    const declaring = {
      ...date('DA'),
      '00120064': { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['113107'] } }] },
    };
    const study = {
      instances: [date('DA'), declaring],
      originalInstances: [date('TM'), date('DA')],
    };
    const inspection = inspectStudy(study);
    expect(asBytes(inspection)).toBe(asBytes(inspectStudyAtOnce(study)));
    expect(inspection.issues).toContainEqual({
      code: 'ORIGINAL_VALUE_RETAINED',
      instances: 2,
      keyword: 'StudyDate',
      tag: '0008,0020',
    });
  });

  it('should give the same inspection when the instances are added one by one and dropped', () => {
    fc.assert(
      fc.property(input, (study) => {
        const originals = new OriginalStudyValues();
        for (const original of study.originalInstances ?? []) originals.add(original);
        const inspector = new StudyInspector({
          originals: study.originalInstances?.length ? originals : undefined,
          methodCodesDeclared: study.methodCodesDeclared,
        });
        // Each data set is a fresh copy, gone after add: nothing may depend on keeping it.
        for (const dataset of study.instances) inspector.add(structuredClone(dataset));
        expect(inspector.result()).toStrictEqual(inspectStudyAtOnce(study));
      }),
      { numRuns: 100 },
    );
  });

  it('should give the same inspection on random studies of Part 10 files from the factory', () => {
    const spec = fc.record({
      seriesInstanceUid: fc.constantFrom('1.2.3.1', '1.2.3.2'),
      modality: fc.constantFrom('CT', 'MR', 'US'),
      bodyPart: fc.constantFrom('HEAD', 'CHEST', undefined),
      studyDescription: fc.constantFrom('CT HEAD', 'Chest', undefined),
      patientName: fc.constantFrom('Doe^John', 'Roe^Jane', undefined),
      patientId: fc.constantFrom('MRN-1', 'MRN-2', undefined),
      issuerOfPatientId: fc.constantFrom('urn:a', undefined),
      otherPatientIds: fc.option(fc.array(fc.record({ value: fc.constantFrom('EMPI-1') })), {
        nil: undefined,
      }),
      studyDate: fc.constantFrom('20240105', '20230917', undefined),
      institutionName: fc.constantFrom('Bench Hospital', undefined),
      institutionAddress: fc.constantFrom('1 Main St', undefined),
      patientIdentityRemoved: fc.constantFrom('YES', 'NO', undefined),
      methodCodes: fc.option(methodCodes, { nil: undefined }),
      burnedInAnnotation: fc.constantFrom('YES', 'NO', undefined),
      privateAttributes: fc.boolean(),
    });
    const files = (specs: Omit<InstanceSpec, 'studyInstanceUid'>[]) =>
      specs.map(
        (s) =>
          readPart10Header(
            buildInstance({ ...s, studyInstanceUid: '1.2.9', sopInstanceUid: '1.2.9.1' }),
          ).dataset,
      );
    const study = fc.record({
      copy: fc
        .array(fc.tuple(spec, fc.integer({ min: 1, max: 22 })), { minLength: 1, maxLength: 3 })
        .map((runs) => runs.flatMap(([s, times]) => Array<typeof s>(times).fill(s))),
      original: fc.array(spec, { maxLength: 2 }),
    });
    fc.assert(
      fc.property(study, ({ copy, original }) => {
        const given = { instances: files(copy), originalInstances: files(original) };
        expect(asBytes(inspectStudy(given))).toBe(asBytes(inspectStudyAtOnce(given)));
      }),
      { numRuns: 40 },
    );
  });
});
