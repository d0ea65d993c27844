import { inflateRawSync } from 'node:zlib';
import { data as dcmjsData, log as dcmjsLog } from 'dcmjs';
import type { DicomJsonDataset } from '../dicom-json/dicom-json.types';
import { TAGS, digestBinaryValues } from '../dicom-json/dicom-json.values';

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
 * Sequences nested deeper than this are refused. dcmjs reads an item by scanning to its
 * end and then recursing into it, so a hostile file nested thousands deep costs depth times
 * size (seconds for 100 KB) and then overflows the stack; real files nest a few levels.
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
tagReading._readTag = function readCountedTag(this: unknown, ...args: unknown[]): unknown {
  elementsRead += 1;
  if (elementsRead > MAX_HEADER_ELEMENTS) throw new TooManyElements();
  const read = readTag.apply(this, args) as TagRead;
  if (read.tag?.toCleanString?.() !== SPECIFIC_CHARACTER_SET) return read;
  if (withJapaneseExtensions(read)) decodeNextWith(args[0], JAPANESE_DECODER);
  return withOneCharacterSet(read);
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
 * with one decoder, so it is given the extension: iso-2022-jp follows the escapes itself; the
 * EUC decoders of the others leave the escape sequences, which normalizeDataset drops.
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
 * Japanese systems write ISO 2022 code extensions (PS3.5 H.3) that the iso-2022-jp decoder
 * dcmjs is given for them cannot read:
 * - `ISO 2022 IR 13\ISO 2022 IR 87` (H.3.2): JIS X 0201, whose half-width katakana are single
 *   bytes 0xA1-0xDF (G1, no escape), beside JIS X 0208 kanji behind escapes. iso-2022-jp knows
 *   no byte above 0x7F: a name's katakana group came out as U+FFFD, so any two katakana names
 *   of the same length compared equal (a copy naming another patient was taken for the
 *   original's) and none could be compared with its UTF-8 spelling.
 * - `ISO 2022 IR 159` (JIS X 0212, the supplementary kanji some names need, `ESC $ ( D`):
 *   iso-2022-jp does not know the escape, and the kanji came out as U+FFFD and pairs of ASCII
 *   letters, so such a name never matched its UTF-8 spelling.
 */
function withJapaneseExtensions(read: TagRead): boolean {
  const values = Array.isArray(read.values) ? (read.values as unknown[]) : [];
  const named = values.map((value) => (typeof value === 'string' ? value.trim() : ''));
  return (
    named.length > 1 &&
    (named.includes('ISO 2022 IR 87') || named.includes('ISO 2022 IR 159')) &&
    named.every((value) => JAPANESE_REPERTOIRES.has(value))
  );
}
const JAPANESE_REPERTOIRES = new Set([
  '',
  'ISO 2022 IR 6',
  'ISO 2022 IR 13',
  'ISO 2022 IR 87',
  'ISO 2022 IR 159',
]);

const ESC = 0x1b;
/** What a designation to G0 (ESC, intermediates, final) switches to: one byte or a pair. */
const JAPANESE_G0 = new Map<string, 'single' | 'jisx0208' | 'jisx0212'>([
  ['(B', 'single'], // ASCII (ISO 2022 IR 6)
  ['(J', 'single'], // JIS X 0201 Romaji (ISO 2022 IR 14), read as ASCII
  ['$B', 'jisx0208'], // JIS X 0208 (ISO 2022 IR 87)
  ['$@', 'jisx0208'], // JIS C 6226-1978, its earlier edition
  ['$(D', 'jisx0212'], // JIS X 0212 (ISO 2022 IR 159)
]);
const isIntermediate = (byte: number): boolean => byte >= 0x20 && byte <= 0x2f;
const isFinal = (byte: number): boolean => byte >= 0x30 && byte <= 0x7e;
/** A byte of a JIS X 0208 or JIS X 0212 pair (94 x 94, in GL). */
const isPairByte = (byte: number): boolean => byte >= 0x21 && byte <= 0x7e;
/** Not a byte of EUC-JP: the decoder reads it as U+FFFD alone, the next byte untouched. */
const NOT_EUC = 0xff;
/** JIS X 0212 0x2237, TILDE, which the WHATWG index reads as U+FF5E: written as ASCII '~'. */
const JISX0212_TILDE = 0x2237;
/**
 * The WHATWG EUC-JP decoder reads six JIS X 0208 symbols as Windows-31J does; JIS X 0208
 * (JIS0208.TXT, as iconv, ICU and Python read it) names other characters. Only these pairs
 * give these code points in what is decoded (JIS X 0212 0x2237 is written as '~' first; the
 * IBM extension 0x7C7B, no JIS X 0208 character, is U+FFE2 too, the same NOT SIGN).
 */
const JISX0208_SYMBOLS: Record<string, string> = {
  '\uff5e': '\u301c', // 0x2141 WAVE DASH, not FULLWIDTH TILDE
  '\u2225': '\u2016', // 0x2142 DOUBLE VERTICAL LINE, not PARALLEL TO
  '\uff0d': '\u2212', // 0x215D MINUS SIGN, not FULLWIDTH HYPHEN-MINUS
  '\uffe0': '\u00a2', // 0x2171 CENT SIGN
  '\uffe1': '\u00a3', // 0x2172 POUND SIGN
  '\uffe2': '\u00ac', // 0x224C NOT SIGN
};
const WINDOWS_SYMBOLS = /[\uff5e\u2225\uff0d\uffe0\uffe1\uffe2]/g;
const EUC_JP = new TextDecoder('euc-jp');

/**
 * ISO 2022 Japanese as DICOM writes it, decoded by rewriting it into EUC-JP, which holds the
 * same repertoires without escapes (JIS X 0208 pairs with the high bit set, half-width
 * katakana after 0x8E, JIS X 0212 pairs after 0x8F), and decoding that with the WHATWG EUC-JP
 * decoder. Escape sequences are dropped, known or not, whole or cut short: none is text. A
 * byte no repertoire defines here (C1, 0xE0-0xFF, a pair's first byte alone) is U+FFFD and
 * spoils nothing after it.
 */
const JAPANESE_DECODER = {
  decode(view: ArrayBufferView | ArrayBuffer): string {
    const bytes =
      view instanceof ArrayBuffer
        ? new Uint8Array(view)
        : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    // At most two bytes out for one in (a katakana byte); a JIS X 0212 pair makes three of two.
    const euc = new Uint8Array(bytes.length * 2);
    let length = 0;
    let g0: 'single' | 'jisx0208' | 'jisx0212' = 'single';
    for (let i = 0; i < bytes.length;) {
      const byte = bytes[i];
      if (byte === ESC) {
        let end = i + 1;
        while (end < bytes.length && isIntermediate(bytes[end])) end += 1;
        if (end < bytes.length && isFinal(bytes[end])) {
          end += 1;
          const designated =
            end - i <= 4 ? JAPANESE_G0.get(latin1Of(bytes, i + 1, end)) : undefined;
          if (designated !== undefined) g0 = designated;
        }
        i = end;
      } else if (byte >= 0xa1 && byte <= 0xdf) {
        euc[length++] = 0x8e;
        euc[length++] = byte;
        i += 1;
      } else if (byte >= 0x80) {
        euc[length++] = NOT_EUC;
        i += 1;
      } else if (g0 !== 'single' && isPairByte(byte)) {
        const second = i + 1 < bytes.length ? bytes[i + 1] : -1;
        if (!isPairByte(second)) {
          euc[length++] = NOT_EUC;
          i += 1;
        } else if (g0 === 'jisx0212' && ((byte << 8) | second) === JISX0212_TILDE) {
          euc[length++] = 0x7e;
          i += 2;
        } else {
          if (g0 === 'jisx0212') euc[length++] = 0x8f;
          euc[length++] = byte | 0x80;
          euc[length++] = second | 0x80;
          i += 2;
        }
      } else {
        euc[length++] = byte;
        i += 1;
      }
    }
    return EUC_JP.decode(euc.subarray(0, length)).replace(
      WINDOWS_SYMBOLS,
      (symbol) => JISX0208_SYMBOLS[symbol],
    );
  },
};

function latin1Of(bytes: Uint8Array, from: number, to: number): string {
  let text = '';
  for (let k = from; k < to; k++) text += String.fromCharCode(bytes[k]);
  return text;
}

/**
 * Makes the stream dcmjs reads with take `decoder` at its next setDecoder (the one it makes
 * for the Specific Character Set just read) instead of the TextDecoder it is given.
 */
function decodeNextWith(stream: unknown, decoder: typeof JAPANESE_DECODER): void {
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
function readWithinBytes(vr: ValueRepresentation): ValueRepresentation {
  const read = vr.read;
  vr.read = function readFitting(this: unknown, stream, length, ...rest) {
    if (length !== UNDEFINED_LENGTH && stream.offset + length > stream.endOffset) {
      throw new OutOfBytes();
    }
    return read.call(this, stream, length, ...rest);
  };
  return vr;
}
for (const type of VR_TYPES) readWithinBytes(valueRepresentation.createByTypeString(type));
const parseUnknownVr = valueRepresentation.parseUnknownVr.bind(valueRepresentation);
valueRepresentation.parseUnknownVr = (type) => readWithinBytes(parseUnknownVr(type));

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
function refuseDeflateBomb(bytes: Uint8Array): void {
  const start = deflatedDataSetStart(bytes);
  if (start === undefined) return;
  try {
    inflateRawSync(bytes.subarray(start), { maxOutputLength: MAX_HEADER_BYTES });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Part10ReadError(
        'HEADER_TOO_LARGE',
        `the deflated data set inflates to more than ${MAX_HEADER_BYTES / 1024 / 1024} MiB`,
      );
    }
    // A cut or corrupt stream: dcmjs's own reading says which (below).
  }
}

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
  refuseDeflateBomb(bytes);
  let parsed: ReturnType<typeof dcmjsData.DicomMessage.readFile>;
  elementsRead = 0;
  try {
    parsed = dcmjsData.DicomMessage.readFile(toArrayBuffer(bytes), {
      untilTag: TAGS.PIXEL_DATA,
      noCopy: true,
    });
  } catch (error) {
    if (error instanceof TooManyElements) {
      throw new Part10ReadError(
        'HEADER_TOO_LARGE',
        `the header has more than ${MAX_HEADER_ELEMENTS} attributes`,
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
      error instanceof RangeError ||
      /offset|bounds|end of/i.test(String(error));
    throw new Part10ReadError(
      outOfBytes ? 'TRUNCATED' : 'UNREADABLE',
      outOfBytes
        ? 'the header ends before its last attribute (truncated file)'
        : 'the header is malformed and cannot be parsed',
    );
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
