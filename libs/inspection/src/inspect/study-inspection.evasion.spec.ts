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

/**
 * CPU milliseconds this process spent in `work` (all its threads, the collector's included):
 * unlike the wall clock, it does not grow when other processes share the cores, so a loaded
 * CI machine does not fail a bound that only a quadratic pass would cross.
 */
const cpuMs = (work: () => void): number => {
  const before = process.cpuUsage();
  work();
  const spent = process.cpuUsage(before);
  return (spent.user + spent.system) / 1_000;
};

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
    // Quadratic, 100,000 of each took about 10 s of CPU; linear, about 0.1 s.
    expect(
      cpuMs(() => inspectStudy({ instances: [copy], originalInstances: [original()] })),
    ).toBeLessThan(5_000);
  });
});

describe('inspectStudy against a copy that spells the original values with characters no reader tells apart', () => {
  /** What a privacy officer's check reads of an inspection: its result and issues. */
  const verdict = (copy: DicomJsonDataset, originals = [original()]) => {
    const { result, issues } = inspectStudy({ instances: [copy], originalInstances: originals });
    return { result, issues };
  };
  /** The copy keeping the name, MRN and birth date, and writing both in Image Comments. */
  const keeping = (name: string, mrn: string, birthDate = '19610412'): DicomJsonDataset => ({
    ...marked(),
    '00100010': { vr: 'PN', Value: [{ Alphabetic: name }] },
    '00100020': { vr: 'LO', Value: [mrn] },
    '00100030': { vr: 'DA', Value: [birthDate] },
    '00204000': { vr: 'LT', Value: [`Patient ${name.replace('^', ' ')} (${mrn}) moved`] },
  });
  const plain = () => verdict(keeping('Yamada^Tarou', 'MRN-004211'));

  it('should report the plain spelling kept in each place', () => {
    expect(plain().issues.map((issue) => `${issue.code} ${issue.tag}`)).toEqual([
      'IDENTIFYING_ATTRIBUTE_PRESENT 0020,4000',
      'ORIGINAL_VALUE_RETAINED 0010,0010',
      'ORIGINAL_VALUE_RETAINED 0010,0020',
      'ORIGINAL_VALUE_RETAINED 0010,0030',
      'PATIENT_IDENTITY_ELSEWHERE 0020,4000',
    ]);
  });

  // Default_Ignorable_Code_Point: drawn as nothing (format characters, Cf, among them).
  it.each<[string, string]>([
    ['U+200B zero-width space', '\u200B'],
    ['U+200C zero-width non-joiner', '\u200C'],
    ['U+200D zero-width joiner', '\u200D'],
    ['U+2060 word joiner', '\u2060'],
    ['U+2062 invisible times', '\u2062'],
    ['U+00AD soft hyphen', '\u00AD'],
    ['U+034F combining grapheme joiner', '\u034F'],
    ['U+200E left-to-right mark', '\u200E'],
    ['U+200F right-to-left mark', '\u200F'],
    ['U+061C Arabic letter mark', '\u061C'],
    ['U+202A left-to-right embedding', '\u202A'],
    ['U+202B right-to-left embedding', '\u202B'],
    ['U+202C pop directional formatting', '\u202C'],
    ['U+202D left-to-right override', '\u202D'],
    ['U+202E right-to-left override', '\u202E'],
    ['U+2066 left-to-right isolate', '\u2066'],
    ['U+2067 right-to-left isolate', '\u2067'],
    ['U+2068 first strong isolate', '\u2068'],
    ['U+2069 pop directional isolate', '\u2069'],
    ['U+FEFF zero-width no-break space inside the value', '\uFEFF'],
    ['U+FE00 variation selector-1', '\uFE00'],
    ['U+FE0F variation selector-16', '\uFE0F'],
    ['U+E0100 variation selector-17', '\u{E0100}'],
    ['U+180E Mongolian vowel separator', '\u180E'],
    ['U+115F Hangul choseong filler', '\u115F'],
    ['U+1160 Hangul jungseong filler', '\u1160'],
    ['U+3164 Hangul filler', '\u3164'],
    ['U+FFA0 half-width Hangul filler', '\uFFA0'],
    ['U+1BCA0 shorthand format letter overlap', '\u{1BCA0}'],
    ['U+1D173 musical symbol begin beam', '\u{1D173}'],
    ['U+E0001 language tag', '\u{E0001}'],
    ['U+E0020 tag space', '\u{E0020}'],
    ['U+E0041 tag latin capital letter A', '\u{E0041}'],
    ['U+E007F cancel tag', '\u{E007F}'],
  ])(
    'should report the name and MRN with a %s inside as it does the plain spelling',
    (_case, c) => {
      const copy = keeping(`Ya${c}mada^${c}Tar${c}ou`, `MRN${c}-00${c}4211`, `1961${c}0412`);
      expect(verdict(copy)).toEqual(plain());
    },
  );

  it('should report the name and MRN broken by a run of invisible characters of every kind', () => {
    const run = '\u200B\u00AD\u2060\u{E0020}\uFE0F\u202E\u2066\u3164\u034F';
    expect(verdict(keeping(`Yamada^Ta${run}rou`, `MRN-${run}004211`))).toEqual(plain());
  });

  it('should report a name whose invisible character splits what canonically composes (e + CGJ + acute)', () => {
    const rene: DicomJsonDataset = {
      ...original(),
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Dupont^René' }] },
    };
    const copy: DicomJsonDataset = {
      ...marked(),
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Dupont^Rene\u034F\u0301' }] },
    };
    expect(retainedTags(copy, [rene])).toEqual(['0010,0010']);
  });

  // White_Space: JavaScript's \s has every one but U+0085 (NEL); NFKC folds most to U+0020.
  it.each<[string, string]>([
    ['U+00A0 no-break space', '\u00A0'],
    ['U+1680 ogham space mark', '\u1680'],
    ['U+2007 figure space', '\u2007'],
    ['U+2009 thin space', '\u2009'],
    ['U+202F narrow no-break space', '\u202F'],
    ['U+205F medium mathematical space', '\u205F'],
    ['U+3000 ideographic space', '\u3000'],
    ['U+2028 line separator', '\u2028'],
    ['U+0085 next line', '\u0085'],
  ])('should report the name padded and separated with a %s as it does with spaces', (_case, s) => {
    const copy: DicomJsonDataset = {
      ...keeping(`Yamada${s}^${s}Tarou${s}`, `${s}MRN-004211${s}`),
      '00204000': { vr: 'LT', Value: [`Patient Yamada${s}Tarou${s}(MRN-004211) moved`] },
    };
    expect(verdict(copy)).toEqual(plain());
  });

  // Decimal digits (Nd) of other scripts: NFKC folds the full-width and mathematical ones
  // only. The same number in Arabic-Indic digits is the same MRN and birth date: a reader of
  // the script reads it back at once, and systems of those locales show numbers so.
  const digitsOf = (zero: number) => (ascii: string) =>
    [...ascii].map((d) => (/\d/.test(d) ? String.fromCodePoint(zero + Number(d)) : d)).join('');
  it.each<[string, number]>([
    ['full-width', 0xff10],
    ['mathematical monospace', 0x1d7f6],
    ['Arabic-Indic', 0x0660],
    ['extended Arabic-Indic (Persian, Urdu)', 0x06f0],
    ['Devanagari', 0x0966],
    ['Bengali', 0x09e6],
    ['Thai', 0x0e50],
    ['Myanmar Eastern Pwo Karen (second of two runs back to back)', 0x116da],
    ['Adlam', 0x1e950],
  ])('should report the MRN and birth date in %s digits', (_case, zero) => {
    const digits = digitsOf(zero);
    const copy = keeping('Yamada^Tarou', digits('MRN-004211'), digits('19610412'));
    expect(verdict(copy)).toEqual(plain());
  });

  // Dash: every hyphen and minus a reader takes for the MRN's '-'.
  it.each<[string, string]>([
    ['U+2010 hyphen', '\u2010'],
    ['U+2011 non-breaking hyphen', '\u2011'],
    ['U+2012 figure dash', '\u2012'],
    ['U+2013 en dash', '\u2013'],
    ['U+2014 em dash', '\u2014'],
    ['U+2015 horizontal bar', '\u2015'],
    ['U+2212 minus sign', '\u2212'],
    ['U+207B superscript minus', '\u207B'],
    ['U+FE58 small em dash', '\uFE58'],
    ['U+FE63 small hyphen-minus', '\uFE63'],
    ['U+FF0D full-width hyphen-minus', '\uFF0D'],
    ['U+058A Armenian hyphen', '\u058A'],
    ['U+2E3A two-em dash', '\u2E3A'],
  ])('should report the MRN written with a %s', (_case, dash) => {
    expect(verdict(keeping('Yamada^Tarou', `MRN${dash}004211`))).toEqual(plain());
  });

  // Case: upper-casing both sides folds ß to SS, final sigma and dotless ı; not the dotted İ,
  // which lower-cases to i + U+0307 (or to i under the Turkish locale), and upper-cases back
  // to I + U+0307, canonically İ only once composed again.
  it.each<[string, string, string]>([
    ['ß as SS', 'Weiß^Jürgen', 'WEISS^JÜRGEN'],
    ['Greek upper-cased (final sigma)', 'Οδυσσέας^Νίκος', 'ΟΔΥΣΣΈΑΣ^ΝΊΚΟΣ'],
    ['Greek lower-cased (final sigma)', 'ΟΔΥΣΣΈΑΣ^ΝΊΚΟΣ', 'οδυσσέας^νίκος'],
    ['Turkish dotless ı upper-cased', 'Yıldız^Ayşe', 'YILDIZ^AYŞE'],
    ['Turkish İ lower-cased (i + U+0307)', 'Yıldız^İbrahim', 'yıldız^i\u0307brahim'],
    ['Turkish İ lower-cased under the Turkish locale', 'Yıldız^İbrahim', 'yıldız^ibrahim'],
    ['Turkish İ upper-cased as I', 'Yıldız^İbrahim', 'YILDIZ^IBRAHIM'],
    ['Greek ΐ (precomposed in lower case only) lower-cased', 'Ϊ\u0301ANNIS^Ν', 'ΐannis^ν'],
  ])('should report the name with %s', (_case, originalName, copyName) => {
    const named: DicomJsonDataset = {
      ...original(),
      '00100010': { vr: 'PN', Value: [{ Alphabetic: originalName }] },
    };
    const copy: DicomJsonDataset = {
      ...marked(),
      '00100010': { vr: 'PN', Value: [{ Alphabetic: copyName }] },
    };
    expect(retainedTags(copy, [named])).toEqual(['0010,0010']);
  });

  it('should not report another patient told apart only by a letter a reader sees', () => {
    const copy = keeping('Yamada^Taro\u0301u', 'MRN-004212', '19610413');
    expect(verdict(copy).issues.map((issue) => `${issue.code} ${issue.tag}`)).toEqual([
      'IDENTIFYING_ATTRIBUTE_PRESENT 0020,4000',
    ]);
  });

  it('should compare long runs of invisible characters, other digits and dashes in linear time', () => {
    const run = 200_000;
    const copy = keeping(
      `Yamada^${'\u200B\u0661\u2010\u3000'.repeat(run)}Tarou`,
      `MRN-${'\u{E0020}\u0966\u2212\u0085'.repeat(run)}`,
    );
    // About 1.3 s of CPU (three runs at load 9) for 800,000 characters in each value.
    expect(cpuMs(() => verdict(copy))).toBeLessThan(5_000);
  });
});
