import { inflateRawSync } from 'node:zlib';
import { data as dcmjsData, log as dcmjsLog } from 'dcmjs';
import { stringOfCodeUnits } from '../dicom-json/code-units';
import type { DicomJsonDataset } from '../dicom-json/dicom-json.types';
import { TAGS, digestBinaryValues } from '../dicom-json/dicom-json.values';
import {
  ItemScanBudgetExceeded,
  ItemScanOutOfBytes,
  beginItemScans,
  chargeReread,
  endItemScans,
} from './sequence-items.reader';

// dcmjs warns on odd VRs and character sets through its loggers, sometimes quoting what it
// read: an inspection must never print a header value, so all of them stay silent.
dcmjsLog.setLevel('silent');
for (const logger of Object.values(dcmjsLog.getLoggers())) logger.setLevel('silent');

/** Why a file could not be read; the message names the problem, never a value of the file. */
export type Part10ReadFailure = 'NOT_DICOM' | 'TRUNCATED' | 'UNREADABLE' | 'HEADER_TOO_LARGE';

export class Part10ReadError extends Error {
  constructor(
    readonly failure: Part10ReadFailure,
    message: string,
  ) {
    super(message);
    this.name = 'Part10ReadError';
  }
}

export interface Part10Header {
  /** The data set up to (not including) Pixel Data, in the DICOM JSON model. */
  dataset: DicomJsonDataset;
  transferSyntaxUid: string | undefined;
  /** Whether Pixel Data was reached (the header was read in full and the rest skipped). */
  reachedPixelData: boolean;
}

const PREAMBLE_BYTES = 132;

/**
 * Sequences nested deeper than this are refused: dcmjs reads an item by recursing into it,
 * and thousands deep the stack overflows; real files nest a few levels. (Within this limit
 * the cost is linear in the header's bytes: sequence-items.reader.ts.)
 */
export const MAX_SEQUENCE_NESTING = 64;

class NestingTooDeep extends Error {}

// dcmjs reads the data set and every sequence item with DicomMessage._read (looked up on
// the class at each call): counting its live calls gives the nesting depth (the data set
// itself is one, the file meta group another, read before and apart).
type DataSetReader = (this: unknown, ...args: unknown[]) => unknown;
const dicomMessage = dcmjsData.DicomMessage as unknown as { _read: DataSetReader };
const readDataSet = dicomMessage._read;
let nesting = 0;
dicomMessage._read = function readWithinNesting(this: unknown, ...args: unknown[]): unknown {
  if (nesting > MAX_SEQUENCE_NESTING) throw new NestingTooDeep();
  nesting += 1;
  try {
    return readDataSet.apply(this, args);
  } finally {
    nesting -= 1;
  }
};

/**
 * A header with more attributes than this is refused. Eight bytes make an empty attribute and
 * dcmjs keeps objects of a few hundred bytes for each: within MAX_HEADER_BYTES a file could
 * ask for minutes of parsing and gigabytes (8 million attributes). Enhanced multi-frame
 * headers are large for real: an fMRI or 4D CT series of 10,000 frames with 76 attributes of
 * per-frame functional groups each is 760,000 (measured: about 560 bytes and 6 µs an attribute
 * read, so up to about 560 MB and 6 s for one file at the limit; session 27, bench/HISTORY.md).
 */
export const MAX_HEADER_ELEMENTS = 1_000_000;

class TooManyElements extends Error {}

// dcmjs reads each attribute with DicomMessage._readTag (looked up on the class at each call).
type TagReader = (this: unknown, ...args: unknown[]) => unknown;
const tagReading = dcmjsData.DicomMessage as unknown as { _readTag: TagReader };
const readTag = tagReading._readTag;
let elementsRead = 0;
/** Counts an attribute, or a fragment of an encapsulated value (kept as a value of its own). */
function countElement(): void {
  elementsRead += 1;
  if (elementsRead > MAX_HEADER_ELEMENTS) throw new TooManyElements();
}
tagReading._readTag = function readCountedTag(this: unknown, ...args: unknown[]): unknown {
  countElement();
  const read = readTag.apply(this, args) as TagRead;
  if (read.tag?.toCleanString?.() !== SPECIFIC_CHARACTER_SET) return read;
  const g1 = iso2022G1Of(read);
  if (g1 === undefined) return withOneCharacterSet(read);
  decodeNextWith(args[0], iso2022Decoder(g1));
  // dcmjs makes a decoder for the first value before the one given here replaces it.
  return { ...read, values: ['ISO_IR 192'] };
};

interface TagRead {
  tag?: { toCleanString?: () => string };
  values?: unknown;
}
const SPECIFIC_CHARACTER_SET = '00080005';
const ISO_2022_DEFAULT = /^(ISO 2022 IR 6|ISO_IR 6)?$/;

/**
 * dcmjs refuses a Specific Character Set of several values: ISO 2022 code extensions, which
 * Japanese (`\ISO 2022 IR 87`), Korean (`\ISO 2022 IR 149`) and Chinese (`\ISO 2022 IR 58`)
 * systems write, the first value being the default repertoire. It decodes a whole data set
 * with one decoder, so it is given the last extension where iso2022Decoder (below), which
 * follows the escapes of the sets DICOM defines, does not know one of the values.
 */
function withOneCharacterSet(read: TagRead): TagRead {
  const values = Array.isArray(read.values) ? (read.values as unknown[]) : [];
  if (values.length <= 1) return read;
  const extensions = values
    .map((value) => (typeof value === 'string' ? value.trim() : ''))
    .filter((value) => !ISO_2022_DEFAULT.test(value));
  return { ...read, values: extensions.length > 0 ? [extensions[extensions.length - 1]] : [''] };
}

/**
 * ISO 2022 code extensions (PS3.3 C.12.1.1.2, PS3.5 6.1.2.5) that the decoder dcmjs is given
 * for the last of them cannot read:
 * - `ISO 2022 IR 13\ISO 2022 IR 87` (PS3.5 H.3.2): JIS X 0201, whose half-width katakana are
 *   single bytes 0xA1-0xDF (G1, no escape), beside JIS X 0208 kanji behind escapes. iso-2022-jp
 *   knows no byte above 0x7F: a name's katakana group came out as U+FFFD, so any two katakana
 *   names of the same length compared equal.
 * - `ISO 2022 IR 159` (JIS X 0212, the supplementary kanji some names need, `ESC $ ( D`):
 *   iso-2022-jp does not know the escape, and the kanji came out as U+FFFD and ASCII letters.
 * - `ISO 2022 IR 149` (KS X 1001, PS3.5 I.2) and `ISO 2022 IR 58` (GB 2312, `ESC $ ) C` and
 *   `ESC $ ) A`, pairs in G1): the EUC-KR and GBK decoders left escape sequences in names,
 *   read € and ® of KS X 1001:1998 as U+FFFD, a C1 byte as a control character, and GBK took
 *   0x40-0x7E as a second byte (a lead byte alone swallowed the `^` or `\` after it).
 * - The single-byte sets, ISO 8859 parts and TIS 620 in G1 (`ISO 2022 IR 100\ISO 2022 IR 144`,
 *   Latin-1 and Cyrillic behind `ESC - A` and `ESC - L`): the last one's decoder read all of a
 *   name ('Mќller' for Müller), dcmjs knows no ISO 2022 IR 203 (Latin-9), and windows-874, which
 *   WHATWG reads TIS-620 as, took C1 bytes for Windows punctuation.
 * - Several of them together: dcmjs's one decoder read the other's characters as its own.
 * Returns the set in G1 where no escape names one, or undefined when these are not in play
 * (no value but the default repertoire, or one this reader does not know).
 */
function iso2022G1Of(read: TagRead): G1 | undefined {
  const values = Array.isArray(read.values) ? (read.values as unknown[]) : [];
  const named = values
    .map((value) => (typeof value === 'string' ? value.trim() : ''))
    .map((value, _, all) => (all.length > 1 || value === LATIN_9 ? asCodeExtension(value) : value));
  if (!named.every((value) => ISO_2022_TERMS.has(value))) return undefined;
  if (named.every((value) => ISO_2022_DEFAULT.test(value))) return undefined;
  if (named.includes('ISO 2022 IR 13')) return KATAKANA;
  // The first value's set is in G1 at the start (PS3.5 6.1.2.5.3); with none there, the first
  // set of G1 named, as a writer that leaves its escape out means it.
  const inG1 = named.map((value) => ISO_2022_TERMS.get(value)).find((set) => set !== undefined);
  return inG1 ?? KATAKANA;
}

/**
 * ISO_IR 203 (Latin alphabet No. 9), which dcmjs does not know (it refused the file): read as
 * its ISO 2022 spelling, G0 ASCII and G1 ISO 8859-15 with no escape, the same bytes.
 */
const LATIN_9 = 'ISO_IR 203';

/**
 * `ISO_IR 13\ISO 2022 IR 87`: some writers spell a value of several without code extension's
 * prefix, meaning the same set (read as dcm4che reads it). Only among several values (and for
 * LATIN_9): a single `ISO_IR 100` is a set without code extensions, which dcmjs reads.
 */
function asCodeExtension(value: string): string {
  const match = /^ISO_IR (\d{1,3})$/.exec(value);
  return match ? `ISO 2022 IR ${match[1]}` : value;
}

const ESC = 0x1b;
const isIntermediate = (byte: number): boolean => byte >= 0x20 && byte <= 0x2f;
const isFinal = (byte: number): boolean => byte >= 0x30 && byte <= 0x7e;
/** A byte of a 94 x 94 pair in GL (G0: JIS X 0208, JIS X 0212). */
const isPairByte = (byte: number): boolean => byte >= 0x21 && byte <= 0x7e;
/** A byte of a 94 x 94 pair in GR (G1: KS X 1001, GB 2312). */
const isHighPairByte = (byte: number): boolean => byte >= 0xa1 && byte <= 0xfe;
const REPLACEMENT = 0xfffd;

/**
 * The characters of `count` codes (one UTF-16 unit each, U+FFFD where the decoder has none),
 * taken once from the WHATWG decoder `label`: each code's `bytes` on a line of their own, so a
 * code never spoils the next, then `fix`ed where that decoder follows Windows.
 */
function tableOf(
  label: string,
  count: number,
  bytes: (index: number) => number[],
  fix: (index: number, char: string) => string,
): Uint16Array {
  const lines: number[] = [];
  for (let index = 0; index < count; index++) lines.push(...bytes(index), 0x0a);
  const chars = new TextDecoder(label).decode(Uint8Array.from(lines)).split('\n');
  const table = new Uint16Array(count);
  for (let index = 0; index < count; index++) {
    const char = fix(index, chars[index]);
    table[index] = char.length === 1 ? char.charCodeAt(0) : REPLACEMENT;
  }
  return table;
}

/**
 * A 94 x 94 set, read pair by pair, from the WHATWG decoder of an EUC that holds it (`prefix`,
 * then the pair with the high bit set); `fix` is given the pair (0x2121-0x7E7E).
 */
class PairSet {
  private table: Uint16Array | undefined;
  constructor(
    private readonly label: string,
    private readonly prefix: number[],
    private readonly fix: (code: number, char: string) => string,
  ) {}

  /** The character of the pair `first`, `second` (each 0x21-0x7E or 0xA1-0xFE). */
  of(first: number, second: number): number {
    this.table ??= tableOf(
      this.label,
      94 * 94,
      (pair) => [...this.prefix, 0xa1 + Math.floor(pair / 94), 0xa1 + (pair % 94)],
      (pair, char) => this.fix(((0x21 + Math.floor(pair / 94)) << 8) | (0x21 + (pair % 94)), char),
    );
    return this.table[((first & 0x7f) - 0x21) * 94 + ((second & 0x7f) - 0x21)];
  }
}

/**
 * A set of 94 or 96 single bytes in G1, read from the WHATWG decoder `label` for 0xA0-0xFF
 * only (a 94-character set has none at 0xA0 and 0xFF): the C1 bytes 0x80-0x9F are no set's,
 * so where WHATWG reads ISO-8859-1 as windows-1252 and TIS-620 as windows-874 (the same
 * characters from 0xA0) a C1 byte is still U+FFFD, never a Windows character.
 */
class ByteSet {
  private table: Uint16Array | undefined;
  constructor(private readonly label: string) {}

  /** The character of `byte` (0x80-0xFF). */
  of(byte: number): number {
    if (byte < 0xa0) return REPLACEMENT;
    this.table ??= tableOf(
      this.label,
      96,
      (index) => [0xa0 + index],
      (_index, char) => char,
    );
    return this.table[byte - 0xa0];
  }
}

/**
 * The WHATWG EUC-JP decoder reads six JIS X 0208 symbols as Windows-31J does; JIS X 0208
 * (JIS0208.TXT, as iconv, ICU and Python read it) names other characters (the IBM extension
 * 0x7C7B, no JIS X 0208 character, is U+FFE2 too, the same NOT SIGN).
 */
const JISX0208_SYMBOLS: Record<string, string> = {
  '\uff5e': '\u301c', // 0x2141 WAVE DASH, not FULLWIDTH TILDE
  '\u2225': '\u2016', // 0x2142 DOUBLE VERTICAL LINE, not PARALLEL TO
  '\uff0d': '\u2212', // 0x215D MINUS SIGN, not FULLWIDTH HYPHEN-MINUS
  '\uffe0': '\u00a2', // 0x2171 CENT SIGN
  '\uffe1': '\u00a3', // 0x2172 POUND SIGN
  '\uffe2': '\u00ac', // 0x224C NOT SIGN
};
const asJis = (_code: number, char: string): string => JISX0208_SYMBOLS[char] ?? char;
/** JIS X 0212 0x2237 is TILDE, which the WHATWG index reads as U+FF5E. */
const JISX0212_TILDE = 0x2237;
const JIS_X_0208 = new PairSet('euc-jp', [], asJis);
const JIS_X_0212 = new PairSet('euc-jp', [0x8f], (code, char) =>
  code === JISX0212_TILDE ? '~' : asJis(code, char),
);
/**
 * The EUC-KR decoder reads as U+FFFD the symbols KS X 1001 added in 1998 and 2002 (Python,
 * iconv and ICU's KS X 1001 read the first two).
 */
const KSX1001_ADDED: Record<number, string> = {
  0x2266: '\u20ac', // EURO SIGN (1998)
  0x2267: '\u00ae', // REGISTERED SIGN (1998)
  0x2268: '\u327e', // CIRCLED HANGUL IEUNG U (2002, the postal mark)
};
const KS_X_1001 = new PairSet('euc-kr', [], (code, char) => KSX1001_ADDED[code] ?? char);
/**
 * GB 2312 as GB 18030 (the GBK decoder) reads it: 0x2124 MIDDLE DOT and 0x212A EM DASH, as
 * GB 18030 and ISO-IR 165 map them and a file in GB18030 spells the same name (Python's
 * gb2312 reads U+30FB and U+2015 there, its gbk and gb18030 do not).
 */
const GB_2312 = new PairSet('gbk', [], (_code, char) => char);

type G1 = ByteSet | PairSet;
/** JIS X 0201 Katakana (ISO 2022 IR 13): 0xA1-0xDF, half-width katakana. */
const KATAKANA = new ByteSet('shift_jis');
/**
 * The single-byte sets DICOM designates to G1 (PS3.3 Table C.12-3): defined term, the final
 * byte of `ESC - F` (96-character sets) and the WHATWG decoder whose 0xA0-0xFF are the set's
 * (windows-1254 for ISO-8859-9 and windows-874 for TIS-620 alike from 0xA0).
 */
const SINGLE_BYTE_SETS: [term: string, final: string, set: ByteSet][] = [
  ['ISO 2022 IR 100', 'A', new ByteSet('iso-8859-1')], // Latin alphabet No. 1
  ['ISO 2022 IR 101', 'B', new ByteSet('iso-8859-2')], // Latin alphabet No. 2
  ['ISO 2022 IR 109', 'C', new ByteSet('iso-8859-3')], // Latin alphabet No. 3
  ['ISO 2022 IR 110', 'D', new ByteSet('iso-8859-4')], // Latin alphabet No. 4
  ['ISO 2022 IR 126', 'F', new ByteSet('iso-8859-7')], // Greek
  ['ISO 2022 IR 127', 'G', new ByteSet('iso-8859-6')], // Arabic
  ['ISO 2022 IR 138', 'H', new ByteSet('iso-8859-8')], // Hebrew
  ['ISO 2022 IR 144', 'L', new ByteSet('iso-8859-5')], // Cyrillic
  ['ISO 2022 IR 148', 'M', new ByteSet('iso-8859-9')], // Latin alphabet No. 5
  ['ISO 2022 IR 166', 'T', new ByteSet('tis-620')], // Thai
  ['ISO 2022 IR 203', 'b', new ByteSet('iso-8859-15')], // Latin alphabet No. 9
];
/** The defined terms this reader decodes itself, with the set each puts in G1 (if any). */
const ISO_2022_TERMS = new Map<string, G1 | undefined>([
  ['', undefined],
  ['ISO 2022 IR 6', undefined],
  ['ISO 2022 IR 13', KATAKANA],
  ...SINGLE_BYTE_SETS.map(([term, , set]): [string, G1] => [term, set]),
  ['ISO 2022 IR 87', undefined],
  ['ISO 2022 IR 159', undefined],
  ['ISO 2022 IR 149', KS_X_1001],
  ['ISO 2022 IR 58', GB_2312],
]);
/** What a designation (ESC, intermediates, final) switches to: ASCII or a set of pairs in G0. */
const G0_DESIGNATIONS = new Map<string, PairSet | 'single'>([
  ['(B', 'single'], // ASCII (ISO 2022 IR 6)
  ['(J', 'single'], // JIS X 0201 Romaji (ISO 2022 IR 14), read as ASCII
  ['$B', JIS_X_0208], // ISO 2022 IR 87
  ['$@', JIS_X_0208], // JIS C 6226-1978, its earlier edition
  ['$(D', JIS_X_0212], // ISO 2022 IR 159
]);
const G1_DESIGNATIONS = new Map<string, G1>([
  [')I', KATAKANA], // ISO 2022 IR 13
  ['$)C', KS_X_1001], // ISO 2022 IR 149
  ['$)A', GB_2312], // ISO 2022 IR 58
  ...SINGLE_BYTE_SETS.map(([, final, set]): [string, G1] => [`-${final}`, set]),
]);

/**
 * ISO 2022 as DICOM writes it (PS3.5 6.1.2.5), read byte by byte: ASCII or a set of pairs in
 * G0 (JIS X 0208, JIS X 0212, after their escapes), a single-byte set (half-width katakana, an
 * ISO 8859 part, TIS 620) or a set of pairs (KS X 1001, GB 2312) in G1 for bytes 0xA0-0xFF,
 * `g1AtStart` until an escape names another; both start again at each value dcmjs decodes.
 * Escape sequences are dropped, known or not, whole or cut short: none is text. A byte no set
 * in play defines (C1, a pair's first byte alone) is U+FFFD alone and spoils nothing after it.
 */
function iso2022Decoder(g1AtStart: G1): { decode(view: ArrayBufferView | ArrayBuffer): string } {
  return {
    decode(view) {
      const bytes =
        view instanceof ArrayBuffer
          ? new Uint8Array(view)
          : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      const text = new Uint16Array(bytes.length);
      let length = 0;
      let g0: PairSet | 'single' = 'single';
      let g1 = g1AtStart;
      for (let i = 0; i < bytes.length;) {
        const byte = bytes[i];
        const next = i + 1 < bytes.length ? bytes[i + 1] : -1;
        if (byte === ESC) {
          let end = i + 1;
          while (end < bytes.length && isIntermediate(bytes[end])) end += 1;
          if (end < bytes.length && isFinal(bytes[end])) {
            end += 1;
            const designation = end - i <= 4 ? latin1Of(bytes, i + 1, end) : '';
            g0 = G0_DESIGNATIONS.get(designation) ?? g0;
            g1 = G1_DESIGNATIONS.get(designation) ?? g1;
          }
          i = end;
        } else if (byte >= 0x80) {
          if (g1 instanceof PairSet && isHighPairByte(byte) && isHighPairByte(next)) {
            text[length++] = g1.of(byte, next);
            i += 2;
          } else {
            text[length++] = g1 instanceof ByteSet ? g1.of(byte) : REPLACEMENT;
            i += 1;
          }
        } else if (g0 !== 'single' && isPairByte(byte)) {
          const pair = isPairByte(next);
          text[length++] = pair ? g0.of(byte, next) : REPLACEMENT;
          i += pair ? 2 : 1;
        } else {
          text[length++] = byte;
          i += 1;
        }
      }
      return stringOfCodeUnits(text.subarray(0, length));
    },
  };
}

function latin1Of(bytes: Uint8Array, from: number, to: number): string {
  let text = '';
  for (let k = from; k < to; k++) text += String.fromCharCode(bytes[k]);
  return text;
}

/**
 * Makes the stream dcmjs reads with take `decoder` at its next setDecoder (the one it makes
 * for the Specific Character Set just read) instead of the TextDecoder it is given.
 */
function decodeNextWith(stream: unknown, decoder: ReturnType<typeof iso2022Decoder>): void {
  const target = stream as { setDecoder?: (decoder: unknown) => void } | null;
  const setDecoder = target?.setDecoder;
  if (target === null || typeof setDecoder !== 'function') return;
  target.setDecoder = function setOnce(this: unknown): void {
    target.setDecoder = setDecoder;
    setDecoder.call(target, decoder);
  };
}

class OutOfBytes extends Error {}

/** Every VR dcmjs reads (PS3.5 6.2); an unknown one is read as UN. */
const VR_TYPES =
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(
    ' ',
  );
const UNDEFINED_LENGTH = 0xffffffff;
interface ReadStream {
  offset: number;
  endOffset: number;
}
type ValueReader = (
  this: unknown,
  stream: ReadStream,
  length: number,
  ...rest: unknown[]
) => unknown;
interface ValueRepresentation {
  read: ValueReader;
}
const valueRepresentation = dcmjsData.ValueRepresentation as unknown as {
  createByTypeString(type: string): ValueRepresentation;
  parseUnknownVr(type: string): ValueRepresentation;
};

/**
 * dcmjs reads a value of the length an element declares: past the end of the bytes it has, a
 * binary one becomes a zero-filled buffer of that length (up to 4 GiB, hashed after), so a
 * 266-byte file with one bad length took seconds and said nothing was wrong. A value that
 * does not fit in what is left is refused before it is read.
 */
function readWithinBytes(vr: ValueRepresentation, copied = false): ValueRepresentation {
  const read = vr.read;
  vr.read = function readFitting(this: unknown, stream, length, ...rest) {
    if (length !== UNDEFINED_LENGTH && stream.offset + length > stream.endOffset) {
      throw new OutOfBytes();
    }
    if (copied && length !== UNDEFINED_LENGTH) chargeReread(length);
    return read.call(this, stream, length, ...rest);
  };
  return vr;
}
for (const type of VR_TYPES) readWithinBytes(valueRepresentation.createByTypeString(type));
const parseUnknownVr = valueRepresentation.parseUnknownVr.bind(valueRepresentation);
// A UN value of a known tag is copied and read again as the tag's VR: a UN sequence holding
// UN sequences, 63 deep, was 63 copies of what the deepest holds (4 GB for a 64 MB header).
valueRepresentation.parseUnknownVr = (type) => readWithinBytes(parseUnknownVr(type), true);

/** A header larger than this is refused rather than read into memory (inflated or not). */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;

const DEFLATED = '1.2.840.10008.1.2.1.99';
/** Explicit VRs whose length takes 4 bytes after 2 reserved ones (PS3.5 7.1.2). */
const LONG_VRS = new Set([
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'SQ',
  'SV',
  'UC',
  'UN',
  'UR',
  'UT',
  'UV',
]);

/**
 * Where the data set starts when the file meta group (explicit VR little endian) names the
 * deflated transfer syntax, else undefined. Reads only group 0002's elements.
 */
function deflatedDataSetStart(bytes: Uint8Array): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = PREAMBLE_BYTES;
  let deflated = false;
  while (at + 8 <= bytes.length && view.getUint16(at, true) === 0x0002) {
    const element = view.getUint16(at + 2, true);
    const vr = String.fromCharCode(bytes[at + 4], bytes[at + 5]);
    const long = LONG_VRS.has(vr);
    if (long && at + 12 > bytes.length) return undefined;
    const length = long ? view.getUint32(at + 8, true) : view.getUint16(at + 6, true);
    const value = at + (long ? 12 : 8);
    if (value + length > bytes.length) return undefined;
    if (element === 0x0010) {
      const uid = String.fromCharCode(...bytes.subarray(value, value + length));
      deflated = uid.replace(/[\0 ]+$/, '') === DEFLATED;
    }
    at = value + length;
  }
  return deflated ? at : undefined;
}

/**
 * dcmjs inflates a deflated data set whole before reading it: a few kilobytes of a
 * deflate bomb would ask for gigabytes. Inflate it here first with the header limit as the
 * bound (zlib stops there), and refuse what goes past it.
 */
function refuseDeflateBomb(bytes: Uint8Array): number {
  const start = deflatedDataSetStart(bytes);
  if (start === undefined) return 0;
  try {
    return inflateRawSync(bytes.subarray(start), { maxOutputLength: MAX_HEADER_BYTES }).length;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Part10ReadError(
        'HEADER_TOO_LARGE',
        `the deflated data set inflates to more than ${MAX_HEADER_BYTES / 1024 / 1024} MiB`,
      );
    }
    // A cut or corrupt stream: dcmjs's own reading says which (below).
    return 0;
  }
}

/**
 * What may be read again, in times the header's bytes: the scans for undefined-length items'
 * ends (a header is scanned about once, at most twice where odd-length values shift its items;
 * sequence-items.reader.ts) and the UN values of known tags, copied to be read as their VR
 * (once, unless UN sequences nest in UN sequences). Past this a header is refused. The copies
 * are held while what they hold is read, so this bounds memory too: at 8, UN sequences nested
 * around 64 MB peaked at 730-795 MiB before the refusal, at 4 at 475-538 MiB, about what a
 * 64 MB header read whole in UN sequences 3 deep takes (478 MiB; session 36, branch s36-ob).
 */
const REREAD_BUDGET_TIMES = 4;

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

export function hasPart10Prefix(bytes: Uint8Array): boolean {
  return (
    bytes.length >= PREAMBLE_BYTES &&
    bytes[128] === 0x44 && // D
    bytes[129] === 0x49 && // I
    bytes[130] === 0x43 && // C
    bytes[131] === 0x4d // M
  );
}

/**
 * Reads a Part 10 file's header (file meta and data set, in any of the uncompressed,
 * deflated, big-endian or implicit-VR transfer syntaxes) and stops at Pixel Data, so pixel
 * bytes are never decoded. `bytes` may be only the start of the file: `complete` says whether
 * it is the whole file; a prefix that ends before Pixel Data fails with TRUNCATED.
 */
export function readPart10Header(bytes: Uint8Array, complete = true): Part10Header {
  if (!hasPart10Prefix(bytes)) {
    throw new Part10ReadError(
      bytes.length < PREAMBLE_BYTES && !complete ? 'TRUNCATED' : 'NOT_DICOM',
      'not a DICOM Part 10 file (no "DICM" after the 128-byte preamble)',
    );
  }
  const inflated = refuseDeflateBomb(bytes);
  let parsed: ReturnType<typeof dcmjsData.DicomMessage.readFile>;
  elementsRead = 0;
  beginItemScans(REREAD_BUDGET_TIMES * Math.max(bytes.length, inflated) + 64 * 1024, countElement);
  try {
    parsed = dcmjsData.DicomMessage.readFile(toArrayBuffer(bytes), {
      untilTag: TAGS.PIXEL_DATA,
      noCopy: true,
    });
  } catch (error) {
    if (error instanceof TooManyElements) {
      throw new Part10ReadError(
        'HEADER_TOO_LARGE',
        `the header has more than ${MAX_HEADER_ELEMENTS} attributes (fragments of encapsulated values counted)`,
      );
    }
    if (error instanceof ItemScanBudgetExceeded) {
      throw new Part10ReadError(
        'HEADER_TOO_LARGE',
        `its sequences would be read more than ${REREAD_BUDGET_TIMES} times over (items or UN values nested deep)`,
      );
    }
    if (error instanceof NestingTooDeep) {
      throw new Part10ReadError(
        'UNREADABLE',
        `the header has sequences nested more than ${MAX_SEQUENCE_NESTING} deep`,
      );
    }
    // dcmjs's messages may quote bytes of the file: keep only our own words.
    if (/character set/i.test(String(error))) {
      throw new Part10ReadError(
        'UNREADABLE',
        'its Specific Character Set (0008,0005) names a character set the reader does not know',
      );
    }
    const outOfBytes =
      error instanceof OutOfBytes ||
      error instanceof ItemScanOutOfBytes ||
      error instanceof RangeError ||
      /offset|bounds|end of/i.test(String(error));
    throw new Part10ReadError(
      outOfBytes ? 'TRUNCATED' : 'UNREADABLE',
      outOfBytes
        ? 'the header ends before its last attribute (truncated file)'
        : 'the header is malformed and cannot be parsed',
    );
  } finally {
    endItemScans();
  }
  const reachedPixelData = TAGS.PIXEL_DATA in parsed.dict;
  if (!reachedPixelData && !complete) {
    throw new Part10ReadError('TRUNCATED', 'the header ends before Pixel Data');
  }
  const dataset: DicomJsonDataset = {};
  for (const [tag, element] of Object.entries(parsed.dict)) {
    if (tag !== TAGS.PIXEL_DATA) dataset[tag.toUpperCase()] = element;
  }
  // The parse reads the file's buffer without copying: binary values would keep all of it.
  digestBinaryValues(dataset);
  const syntax = parsed.meta['00020010']?.Value;
  return {
    dataset,
    transferSyntaxUid:
      Array.isArray(syntax) && typeof syntax[0] === 'string' ? syntax[0] : undefined,
    reachedPixelData,
  };
}
