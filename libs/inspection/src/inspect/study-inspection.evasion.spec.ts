// Attacks on what the inspection finds: a copy that still names the patient, written so that
// a comparison of whole values or a walk of well-formed DICOM JSON alone would miss it.
import type { DicomJsonDataset } from '../dicom-json/dicom-json.types';
import { inspectStudy } from './study-inspection';

/** What a de-identified copy keeps at the top: marked, Basic Profile declared. */
const marked = (): DicomJsonDataset => ({
  '0020000D': { vr: 'UI', Value: ['1.2.3.4'] },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'ANON' }] },
  '00100020': { vr: 'LO', Value: ['PSEUDO-1'] },
  '00120062': { vr: 'CS', Value: ['YES'] },
  '00120064': { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['113100'] } }] },
});

/** The original study: its own uid, the patient's name in three groups and the MRN. */
const original = (): DicomJsonDataset => ({
  ...marked(),
  '0020000D': { vr: 'UI', Value: ['1.2.3.9'] },
  '00100010': {
    vr: 'PN',
    Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }],
  },
  '00100020': { vr: 'LO', Value: ['MRN-004211'] },
  '00100030': { vr: 'DA', Value: ['19610412'] },
});

const retainedTags = (copy: DicomJsonDataset, originals = [original()]) =>
  inspectStudy({ instances: [copy], originalInstances: originals })
    .issues.filter((issue) => issue.code === 'ORIGINAL_VALUE_RETAINED')
    .map((issue) => issue.tag);

describe('inspectStudy against a copy that hides the original values', () => {
  it.each<[string, DicomJsonDataset]>([
    [
      'the MRN as the second value of a multi-valued Patient ID',
      { '00100020': { vr: 'LO', Value: ['PSEUDO-1', 'MRN-004211'] } },
    ],
    ['the MRN padded with NULs', { '00100020': { vr: 'LO', Value: ['MRN-004211\0\0'] } }],
    ['the MRN as a bare string Value', { '00100020': { vr: 'LO', Value: 'MRN-004211' } }],
    [
      'the name upper-cased with empty trailing components',
      { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'YAMADA^TAROU^^^' }] } },
    ],
    [
      'only the ideographic group of the name',
      { '00100010': { vr: 'PN', Value: [{ Ideographic: '山田^太郎' }] } },
    ],
    ['the name as a PN string of groups', { '00100010': { vr: 'PN', Value: ['ANON=山田^太郎'] } }],
    [
      'the birth date with space padding in a second value',
      { '00100030': { vr: 'DA', Value: ['19000101', '19610412 '] } },
    ],
  ])('should report ORIGINAL_VALUE_RETAINED for %s', (_case, kept) => {
    expect(retainedTags({ ...marked(), ...kept })).toEqual([
      expect.stringMatching(/^0010,00(10|20|30)$/),
    ]);
  });

  it('should report a name written in decomposed Unicode (NFD) as the original (NFC)', () => {
    const muller: DicomJsonDataset = {
      ...original(),
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Jürgen'.normalize('NFC') }] },
    };
    const copy: DicomJsonDataset = {
      ...marked(),
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Jürgen'.normalize('NFD') }] },
    };
    expect(retainedTags(copy, [muller])).toEqual(['0010,0010']);
  });

  it('should not report dummy, empty or padding-only replacements', () => {
    const copy: DicomJsonDataset = {
      ...marked(),
      '00100010': { vr: 'PN', Value: [{ Alphabetic: '^^', Ideographic: '' }] },
      '00100020': { vr: 'LO', Value: ['\0\0'] },
      '00100030': { vr: 'DA', Value: [' '] },
    };
    expect(inspectStudy({ instances: [copy], originalInstances: [original()] })).toMatchObject({
      result: 'PASS',
      patientIdentifiersFound: [],
    });
  });
});

describe('inspectStudy: patient identifiers a copy hides', () => {
  it.each<[string, DicomJsonDataset, { system?: string; value: string }[]]>([
    [
      'every value of a multi-valued Patient ID, each with the issuer',
      {
        '00100020': { vr: 'LO', Value: ['PSEUDO-1', 'MRN-004211'] },
        '00100021': { vr: 'LO', Value: ['urn:oid:1.2.3'] },
      },
      [
        { system: 'urn:oid:1.2.3', value: 'MRN-004211' },
        { system: 'urn:oid:1.2.3', value: 'PSEUDO-1' },
      ],
    ],
    [
      'the value without its NUL padding',
      { '00100020': { vr: 'LO', Value: ['MRN-004211\0'] } },
      [{ value: 'MRN-004211' }],
    ],
    [
      'a bare string Value',
      { '00100020': { vr: 'LO', Value: 'MRN-004211' } },
      [{ value: 'MRN-004211' }],
    ],
  ])('should find %s', (_case, kept, found) => {
    const inspection = inspectStudy({ instances: [{ ...marked(), ...kept }] });
    expect(inspection.patientIdentifiersFound).toEqual(found);
  });
});

describe('inspectStudy on DICOM JSON of a hostile Orthanc', () => {
  const address = { '00101040': { vr: 'LO', Value: ['1 Main St'] } };

  it.each<[string, DicomJsonDataset]>([
    ['without its vr', { '00081115': { Value: [address] } }],
    ['with a lower-case vr', { '00081115': { vr: 'sq', Value: [address] } }],
    ['with a wrong vr', { '00081115': { vr: 'LO', Value: [address] } }],
    ['a single item, not in an array', { '00081115': { vr: 'SQ', Value: address } }],
  ])(
    'should walk a sequence %s and report the identifying attribute in its item',
    (_case, sequence) => {
      const inspection = inspectStudy({ instances: [{ ...marked(), ...sequence }] });
      expect(inspection.issues).toEqual([
        {
          code: 'IDENTIFYING_ATTRIBUTE_PRESENT',
          instances: 1,
          keyword: 'PatientAddress',
          tag: '0010,1040',
        },
      ]);
    },
  );

  it('should read Patient Identity Removed given as a bare string', () => {
    const copy: DicomJsonDataset = {
      ...marked(),
      '00120062': { vr: 'CS', Value: 'YES' },
    };
    expect(inspectStudy({ instances: [copy] }).result).toBe('PASS');
  });

  it('should answer, failing, for instances and elements that are not objects', () => {
    const hostile = [null, 7, 'x', { ...marked(), '00100020': 'MRN-004211' }] as never[];
    let inspection: ReturnType<typeof inspectStudy> | undefined;
    expect(() => {
      inspection = inspectStudy({ instances: hostile });
    }).not.toThrow();
    expect(inspection?.result).toBe('FAIL');
    expect(inspection?.instances).toBe(4);
    expect(inspection?.patientIdentifiersFound).toEqual([{ value: 'MRN-004211' }]);
  });
});

describe('inspectStudy: a Retain option declared but not applied', () => {
  const withDates = (codes: string[], date: string): DicomJsonDataset => ({
    ...marked(),
    '00080020': { vr: 'DA', Value: [date] },
    '0008002A': { vr: 'DT', Value: [`${date}101500`] },
    '00080032': { vr: 'TM', Value: ['101500'] },
    '00120064': {
      vr: 'SQ',
      Value: codes.map((code) => ({ '00080100': { vr: 'SH', Value: [code] } })),
    },
  });
  const originalWithDates = (): DicomJsonDataset => {
    const { '00100010': name, '00100020': id } = original();
    return {
      ...withDates([], '20240105'),
      '0020000D': { vr: 'UI', Value: ['1.2.3.9'] },
      '00100010': name,
      '00100020': id,
    };
  };

  it('should report original dates kept unmodified under Retain Longitudinal Modified Dates (113107)', () => {
    // Attack: 113107's column says C (the dates are kept, modified) and the inspection took
    // any K or C as "kept": a copy declaring it with the real Study Date PASSED.
    expect(
      retainedTags(withDates(['113100', '113107'], '20240105'), [originalWithDates()]),
    ).toEqual(['0008,0020', '0008,002A']);
  });

  it('should not report shifted dates with their times, nor dates kept under 113106', () => {
    expect(
      retainedTags(withDates(['113100', '113107'], '20230917'), [originalWithDates()]),
    ).toEqual([]);
    expect(
      retainedTags(withDates(['113100', '113106'], '20240105'), [originalWithDates()]),
    ).toEqual([]);
  });
});

describe('inspectStudy: values normalization must not drop', () => {
  it('should report an identifying attribute given in both spellings of its tag, the upper-case one empty', () => {
    // Attack: the spelling with more values won, so two empty values hid the lower-case one.
    const copy: DicomJsonDataset = {
      ...marked(),
      '001021B0': { vr: 'LT', Value: ['', ''] },
      '001021b0': { vr: 'LT', Value: ['HIV positive'] },
    };
    expect(inspectStudy({ instances: [copy] }).issues).toEqual([
      expect.objectContaining({ code: 'IDENTIFYING_ATTRIBUTE_PRESENT', tag: '0010,21B0' }),
    ]);
  });

  it('should compare the values of both spellings of a tag with the original', () => {
    const doctor: DicomJsonDataset = {
      ...original(),
      '0008009C': { vr: 'PN', Value: [{ Alphabetic: 'Who^Doctor' }] },
    };
    const copy: DicomJsonDataset = {
      ...marked(),
      '0008009C': { vr: 'PN', Value: [{ Alphabetic: 'A' }, { Alphabetic: 'B' }] },
      '0008009c': { vr: 'PN', Value: [{ Alphabetic: 'Who^Doctor' }] },
    };
    expect(retainedTags(copy, [doctor])).toEqual(['0008,009C']);
  });

  it('should find and compare a Patient ID whose Value also holds an item', () => {
    // Attack: one item-shaped value made the whole element a sequence and the MRN was dropped.
    const copy: DicomJsonDataset = {
      ...marked(),
      '00100020': {
        vr: 'LO',
        Value: ['MRN-004211', { '00101040': { vr: 'LO', Value: ['1 Main St'] } }],
      },
    };
    const inspection = inspectStudy({ instances: [copy], originalInstances: [original()] });
    expect(inspection.patientIdentifiersFound).toEqual([{ value: 'MRN-004211' }]);
    expect(inspection.issues.map((issue) => `${issue.code} ${issue.tag}`)).toEqual([
      'IDENTIFYING_ATTRIBUTE_PRESENT 0010,1040',
      'ORIGINAL_VALUE_RETAINED 0010,0020',
    ]);
  });

  it('should compare a person name whose object also has a tag key', () => {
    const copy: DicomJsonDataset = {
      ...marked(),
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Yamada^Tarou', '00100010': {} }] },
    };
    expect(retainedTags(copy)).toEqual(['0010,0010']);
  });

  it('should leave the data sets it was given as they were', () => {
    const deepFreeze = <T>(value: T): T => {
      if (value !== null && typeof value === 'object') {
        Object.values(value).forEach(deepFreeze);
        Object.freeze(value);
      }
      return value;
    };
    const copy = deepFreeze({
      ...marked(),
      '00100020': { vr: 'LO', Value: ['B', 'A', ['C']] },
      '00081115': { Value: [{ '00101040': { vr: 'LO', Value: ['2 Side St', '1 Main St'] } }] },
    });
    const before = JSON.stringify(copy);
    expect(() => inspectStudy({ instances: [copy], originalInstances: [copy] })).not.toThrow();
    expect(JSON.stringify(copy)).toBe(before);
  });

  it('should inspect long runs of spaces and carets in linear time', () => {
    // Attack: /[\s\0]+$/ and /\^+$/ backtrack quadratically: 80,000 spaces took 3 s, 400,000
    // of each 165 s, and a Part 10 UT may hold megabytes of them.
    const run = 100_000;
    const copy: DicomJsonDataset = {
      ...marked(),
      '00081030': { vr: 'LO', Value: [`a${' '.repeat(run)}b`] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: `a${'^'.repeat(run)}b` }] },
    };
    const started = process.hrtime.bigint();
    inspectStudy({ instances: [copy], originalInstances: [original()] });
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2_000);
  });
});
