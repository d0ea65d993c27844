// Attacks on the comparison of the patient's name and MRN: a copy that spells them as a human
// still reads them, the way names change on the way to a vendor. ASCII-only systems strip
// diacritics, other scripts are transliterated to Latin (or a PN's phonetic group stands for
// its ideographic one), family and given names swap, and a hostile tool swaps letters for
// look-alikes of other scripts (Unicode's confusables, UTS #39).
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

type Name = { Alphabetic?: string; Ideographic?: string; Phonetic?: string };

/** The original study: the patient's name (its groups as given) and MRN. */
const patient = (name: Name | string, mrn = 'MRN-004211'): DicomJsonDataset => ({
  ...marked(),
  '0020000D': { vr: 'UI', Value: ['1.2.3.9'] },
  '00100010': { vr: 'PN', Value: [typeof name === 'string' ? { Alphabetic: name } : name] },
  '00100020': { vr: 'LO', Value: [mrn] },
  '00100030': { vr: 'DA', Value: ['19610412'] },
});

/** A copy keeping the name in Patient's Name, and writing it in Image Comments as text. */
const copyNaming = (name: string): DicomJsonDataset => ({
  ...marked(),
  '00100010': { vr: 'PN', Value: [{ Alphabetic: name }] },
  '00204000': { vr: 'LT', Value: [`Seen: ${name.replace(/\^/g, ' ')}, follow-up`] },
});

/** A copy keeping the MRN in Patient ID and in Image Comments. */
const copyWithMrn = (mrn: string): DicomJsonDataset => ({
  ...marked(),
  '00100020': { vr: 'LO', Value: [mrn] },
  '00204000': { vr: 'LT', Value: [`Old record ${mrn} merged`] },
});

const IDENTITY = new Set(['ORIGINAL_VALUE_RETAINED', 'PATIENT_IDENTITY_ELSEWHERE']);

/**
 * What a privacy officer's check reads of an inspection: whether it failed, and the tags it
 * names as still holding the patient's identity (the original value kept, or the patient's
 * name or ID found in another attribute).
 */
const identityVerdict = (copy: DicomJsonDataset, original: DicomJsonDataset) => {
  const { result, issues } = inspectStudy({ instances: [copy], originalInstances: [original] });
  const tags = issues.filter((issue) => IDENTITY.has(issue.code)).map((issue) => issue.tag);
  return { result, tags: [...new Set(tags)].sort() };
};

const NAMED = { result: 'FAIL', tags: ['0010,0010', '0020,4000'] };
const MRN_NAMED = { result: 'FAIL', tags: ['0010,0020', '0020,4000'] };

describe('inspectStudy against a copy that spells the patient as a human still reads them', () => {
  // [case, the patient's name in the record, the name as the copy spells it]
  it.each<[string, Name | string, string]>([
    // Diacritics stripped by an ASCII-only system.
    ['Spanish acute accents stripped', 'García^José', 'GARCIA^JOSE'],
    ['German umlauts stripped', 'Müller^Jürgen', 'MULLER^JURGEN'],
    ['German umlauts as AE/OE/UE (DIN 5007-2, ICAO 9303)', 'Müller^Jürgen', 'MUELLER^JUERGEN'],
    ['Polish Ł as L', 'Nowak^Łukasz', 'NOWAK^LUKASZ'],
    ['Danish ø as O', 'Kierkegaard^Søren', 'KIERKEGAARD^SOREN'],
    ['Norwegian ø and Ø as O', 'Øvergaard^Bjørn', 'OVERGAARD^BJORN'],
    ['ß as SS', 'Straße^Anna', 'STRASSE^ANNA'],
    ['Æ as AE and ø as O', 'Ærø^Ida', 'AERO^IDA'],
    ['Icelandic Þ as TH', 'Þórsson^Þór', 'THORSSON^THOR'],
    ['Serbo-Croatian Đ as D', 'Đorđević^Đorđe', 'DORDEVIC^DORDE'],
    ['Serbo-Croatian Đ as DJ', 'Đorđević^Đorđe', 'DJORDJEVIC^DJORDJE'],
    ['Turkish İ and ı as I', 'Yılmaz^İpek', 'YILMAZ^IPEK'],
    ['Turkish Ş, Ç and ü stripped', 'Çelik^Gülşen', 'CELIK^GULSEN'],
    ['Czech háček and acute stripped', 'Dvořák^Antonín', 'DVORAK^ANTONIN'],
    ['Vietnamese stacked marks stripped', 'Nguyễn^Văn Thành', 'NGUYEN^VAN THANH'],
    // Another script transliterated to Latin.
    ['Russian Cyrillic transliterated', 'Иванов^Сергей', 'IVANOV^SERGEY'],
    ['Russian Cyrillic with щ and ю transliterated', 'Щукина^Юлия', 'SHCHUKINA^YULIYA'],
    ['Ukrainian Cyrillic transliterated', 'Шевченко^Тарас', 'SHEVCHENKO^TARAS'],
    [
      'Greek transliterated as passports do (ου as OU)',
      'Παπαδόπουλος^Γιώργος',
      'PAPADOPOULOS^GIORGOS',
    ],
    [
      'Greek transliterated letter for letter (υ as Y)',
      'Παπαδόπουλος^Γιώργος',
      'PAPADOPOYLOS^GIORGOS',
    ],
    ['a Latin name written in Cyrillic', 'Ivanov^Sergey', 'Иванов^Сергей'],
    [
      "the romaji of a Japanese name's hiragana phonetic group",
      { Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' },
      'YAMADA^TAROU',
    ],
    [
      "the romaji of a Japanese name's katakana phonetic group",
      { Ideographic: '山田^太郎', Phonetic: 'ヤマダ^タロウ' },
      'YAMADA^TAROU',
    ],
    ['the katakana of a romaji name', 'Yamada^Tarou', 'ヤマダ^タロウ'],
    ['the pinyin of a Chinese ideographic name', { Ideographic: '王^小明' }, 'WANG^XIAOMING'],
    ['the romanization of a Korean phonetic group', { Phonetic: '김^민준' }, 'GIM^MINJUN'],
    // Family and given names swapped.
    ['family and given swapped', 'García^José', 'JOSE^GARCIA'],
    ['family and given swapped, plain', 'Yamada^Tarou', 'Tarou^Yamada'],
    ['family and given swapped, umlauts stripped', 'Müller^Jürgen', 'JURGEN^MULLER'],
    ['family and given swapped, middle name kept', 'Smith^John^Quincy', 'JOHN^SMITH^QUINCY'],
    // Look-alikes of other scripts (a hostile or sloppy tool).
    ['Cyrillic а for a', 'Yamada^Tarou', 'Yаmаdа^Tarou'],
    ['Cyrillic е for e', 'Peters^Helen', 'Pеtеrs^Hеlеn'],
    ['Cyrillic о for o', 'Yamada^Tarou', 'Yamada^Tarоu'],
    ['Cyrillic р for p', 'Popper^Karl', 'Poрреr^Karl'],
    ['Cyrillic Р for P', 'Peters^Helen', 'Рeters^Helen'],
    ['Cyrillic с for c', 'Cooper^Alice', 'Сoopеr^Aliсe'],
    ['Cyrillic х for x', 'Xavier^Max', 'Хavier^Maх'],
    ['Cyrillic і for i', 'Smith^Lisa', 'Smіth^Lіsa'],
    ['Greek ο for o', 'Yamada^Tarou', 'Yamada^Tarοu'],
    ['Greek Α for A', 'Alvarez^Ana', 'Αlvarez^Αna'],
    ['Latin alpha ɑ for a', 'Yamada^Tarou', 'Yɑmɑdɑ^Tɑrou'],
    ['Cherokee Ꭺ for A', 'Alvarez^Ana', 'ᎪLVAREZ^ᎪNA'],
    ['Cyrillic look-alikes and accents stripped', 'García^José', 'GАRCIА^JОSE'],
    ['Cyrillic look-alikes, accent kept', 'Pérez^Sofía', 'Рérеz^Sоfía'],
  ])('should report the name with %s', (_case, name, spelled) => {
    expect(identityVerdict(copyNaming(spelled), patient(name))).toEqual(NAMED);
  });

  // [case, the MRN as the copy spells it]
  it.each<[string, string]>([
    ['Cyrillic М for M', 'МRN-004211'],
    ['Greek Ν for N', 'MRΝ-004211'],
    ['Latin letter O for the digit 0', 'MRN-OO4211'],
    ['Latin letter I for the digit 1', 'MRN-0042II'],
    ['Cyrillic О for the digit 0', 'MRN-ОО4211'],
    ['lower case and a Cyrillic р', 'mrn-004211'.replace('r', 'р')],
  ])('should report the MRN with %s', (_case, spelled) => {
    expect(identityVerdict(copyWithMrn(spelled), patient('Yamada^Tarou'))).toEqual(MRN_NAMED);
  });
});

// Spellings that still evade: each test passes while the inspection misses it, and fails (to
// be moved up) once it is found. Romanization is any-ascii's, one system per script; other
// systems' spellings are only found where a convention is folded (loose-spelling.ts).
describe('inspectStudy: spellings of the patient it still misses', () => {
  it.failing.each<[string, Name | string, string]>([
    // Patient's Name is found (each component folded its own way); in free text the name is
    // folded whole, and a copy's accent is never stripped (it may be another patient's).
    ['one accent stripped, another kept', 'García^José', 'GARCÍA^JOSE'],
    // Russian by ICAO 9303 (passports since 2013: й as I), any-ascii spells it Y.
    ['Russian й as I (ICAO 9303)', 'Иванов^Сергей', 'IVANOV^SERGEI'],
    // Greek ευ as EV and γγ as NG (ELOT 743); any-ascii spells them EY and GG.
    ['Greek ευ as EV and γγ as NG', 'Παπαδάκης^Ευάγγελος', 'PAPADAKIS^EVANGELOS'],
    // Korean names as customarily spelled (McCune-Reischauer, family names by custom); any-ascii
    // writes the Revised Romanization (GIM).
    ['a Korean family name spelled by custom', { Phonetic: '김^민준' }, 'KIM^MINJUN'],
    // Kanji read as Mandarin by any-ascii: a Japanese name is found by its phonetic group only.
    [
      'the romaji of a Japanese name without its phonetic group',
      { Ideographic: '山田^太郎' },
      'YAMADA^TAROU',
    ],
    // A long vowel written short (Hepburn without macrons).
    ['a long vowel written short', { Phonetic: 'やまだ^たろう' }, 'YAMADA^TARO'],
  ])('should report the name with %s', (_case, name, spelled) => {
    expect(identityVerdict(copyNaming(spelled), patient(name))).toEqual(NAMED);
  });
});

describe('inspectStudy: spellings of another person, not the patient', () => {
  const NOT_NAMED = { result: 'FAIL', tags: [] }; // FAIL: Image Comments is removed (X)

  // [case, the patient's name, another person's name in the copy]
  it.each<[string, Name | string, string]>([
    // One letter apart is another family: stripping ü gives MULLER, never MILLER.
    ['MILLER for Müller', 'Müller^Jürgen', 'MILLER^JURGEN'],
    // The feminine form is a relative's name (his wife or daughter), not his: not folded.
    ['IVANOVA for Иванов', 'Иванов^Сергей', 'IVANOVA^SERGEY'],
    ['a Cyrillic name one letter apart', 'Иванов^Сергей', 'Иванова^Сергей'],
    // A letter a reader sees that the original does not have: never made by stripping.
    ['an accent the record does not have', 'Garcia^Jose', 'GARCÍA^JOSÉ'],
    [
      'another ideograph read the same (汪 for 王, both Wang)',
      { Ideographic: '王^小明' },
      '汪^小明',
    ],
    // A name that is only a component of another.
    ['the given name as part of a longer one', 'García^José', 'GARCIA^JOSEFINA'],
    ['the family name as part of a longer one', 'Lukas^Anna', 'ŁUKASZEWICZ^ANNA'],
    ['the family name alone with another given name', 'Nowak^Łukasz', 'NOWAK^MAREK'],
    // Short names: two letters each, one letter apart.
    ['a short name one letter apart', 'Li^Na', 'LI^NAN'],
    ['a short name with I for L', 'Al^Li', 'AI^LI'],
  ])('should not report %s', (_case, name, other) => {
    expect(identityVerdict(copyNaming(other), patient(name))).toEqual(NOT_NAMED);
  });

  it.each<[string, string]>([
    ['another MRN one digit apart', 'MRN-004217'],
    ['the MRN as part of a longer one', 'MRN-0042110'],
    ['the MRN in look-alikes, one digit apart', 'МRN-ОО4217'],
  ])('should not report %s', (_case, other) => {
    expect(identityVerdict(copyWithMrn(other), patient('Yamada^Tarou'))).toEqual(NOT_NAMED);
  });
});

describe('inspectStudy: the Patient ID found, as a reader reads it', () => {
  // patientIdentifiersFound is pseudonymized (keyed HMAC) before the ledger stores it, and
  // PATIENT_IDENTIFIABLE compares pseudonyms (identifiesPatient): a value that differs from
  // the registered MRN by characters no reader sees gets another pseudonym and matches no one.
  it.each<[string, string]>([
    ['a zero-width space inside', 'MRN\u200B-004211'],
    ['a soft hyphen and a leading U+FEFF', '\uFEFFMRN-00\u00AD4211'],
    ['a word joiner and a right-to-left mark', 'MRN\u2060-0042\u200F11'],
    ['full-width letters and digits', 'ＭＲＮ－００４２１１'],
  ])('should report a Patient ID with %s as the identifier it spells', (_case, id) => {
    const copy: DicomJsonDataset = { ...marked(), '00100020': { vr: 'LO', Value: [id] } };
    expect(inspectStudy({ instances: [copy] }).patientIdentifiersFound).toEqual([
      { value: 'MRN-004211' },
    ]);
  });
});
