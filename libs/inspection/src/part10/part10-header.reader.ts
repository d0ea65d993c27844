import { data as dcmjsData, log as dcmjsLog } from 'dcmjs';
import type { DicomJsonDataset } from '../dicom-json/dicom-json.types';
import { TAGS } from '../dicom-json/dicom-json.values';

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
  let parsed: ReturnType<typeof dcmjsData.DicomMessage.readFile>;
  try {
    parsed = dcmjsData.DicomMessage.readFile(toArrayBuffer(bytes), {
      untilTag: TAGS.PIXEL_DATA,
      noCopy: true,
    });
  } catch (error) {
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
  const syntax = parsed.meta['00020010']?.Value;
  return {
    dataset,
    transferSyntaxUid:
      Array.isArray(syntax) && typeof syntax[0] === 'string' ? syntax[0] : undefined,
    reachedPixelData,
  };
}
