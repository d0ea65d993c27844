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
  try {
    parsed = dcmjsData.DicomMessage.readFile(toArrayBuffer(bytes), {
      untilTag: TAGS.PIXEL_DATA,
      noCopy: true,
    });
  } catch (error) {
    if (error instanceof NestingTooDeep) {
      throw new Part10ReadError(
        'UNREADABLE',
        `the header has sequences nested more than ${MAX_SEQUENCE_NESTING} deep`,
      );
    }
    // dcmjs's messages may quote bytes of the file: keep only our own words.
    const outOfBytes = error instanceof RangeError || /offset|bounds|end of/i.test(String(error));
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
