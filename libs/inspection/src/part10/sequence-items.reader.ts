import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { data as dcmjsData } from 'dcmjs';

/**
 * dcmjs reads a sequence's items (SequenceOfItems.readBytes) by copying each item's bytes
 * into a stream of its own and reading that, and finds the end of an undefined-length item
 * (ended by an item delimiter, a legal and common encoding) by scanning its bytes word by
 * word, counting the nested items it passes. Each level of nesting copied and scanned its
 * whole content again: a header's cost was its size times its depth, in CPU (a 4 MB header
 * 63 deep: 5.6 s; 2,700 frames of per-frame functional groups, 3 deep: several seconds) and,
 * for the copies, in memory (63 copies of what the deepest item holds).
 *
 * The reader below is dcmjs's, kept line for line where it decides what an item is (the same
 * word scan, so the same items and the same mistakes on hostile bytes), with two changes:
 * an item is a window on its parent's bytes, not a copy; and one scan records the end of
 * every nested undefined-length item it passes, so each item's end is found once. A header
 * is then scanned once, whatever its nesting and encoding: at most twice, since an item that
 * odd-length values put between the enclosing scan's words is scanned again, and records the
 * items between its own. The part10 reader bounds what is scanned (beginItemScans).
 *
 * dcmjs reads an encapsulated value (OB, OW or UN of undefined length: an offset table and
 * fragments framed as items, PS3.5 A.4) in the header the same way: one new stream a table
 * entry, each over a copy of every byte before the stream's end (a 4 MB header with a table of
 * 4,000 entries: 4,000 copies of 4 MB), the value taken to end where the last entry's frame
 * did (past the file's end, the rest of the data set went unread without a word), a fragment
 * longer than the bytes left a zero-filled buffer of its length (up to 4 GiB). The reader
 * below reads the fragments once, to the sequence delimiter, each copied once as dcmjs copies
 * a value; the table only groups them into frames where it indexes them, as dcmjs does.
 */

/** A stream of dcmjs (ReadBufferStream), as far as items are read from it. */
interface ItemStream {
  offset: number;
  endOffset: number;
  isLittleEndian: boolean;
  view: { buffers: (ArrayBuffer | null)[]; offsets: number[] };
  readUint32(): number;
  increment(step: number): number;
  setComplete(): void;
}
type ReadBufferStreamClass = new (
  buffer: unknown,
  littleEndian: unknown,
  options: { start: number; stop: number },
) => ItemStream;
interface TagOfStream {
  is(value: number): boolean;
}

// dcmjs exports these at run time; its type declarations leave them out.
const untyped = dcmjsData as unknown as {
  ReadBufferStream: ReadBufferStreamClass;
  Tag: { readTag(stream: ItemStream): TagOfStream };
};
const ReadBufferStream = untyped.ReadBufferStream;
const tagReader = untyped.Tag;
const dataSetReader = dcmjsData.DicomMessage as unknown as {
  _read(stream: ItemStream, syntax: unknown): unknown;
};
const sequenceOfItems = Object.getPrototypeOf(
  (
    dcmjsData.ValueRepresentation as unknown as { createByTypeString(type: string): object }
  ).createByTypeString('SQ'),
) as { readBytes: (stream: ItemStream, length: number, syntax: unknown) => unknown[] };

const ITEM = 0xfffee000;
const SEQUENCE_DELIMITER = 0xfffee0dd;
const UNDEFINED_LENGTH = 0xffffffff;

/** An undefined-length item's scan: dcmjs's `toRead` and where its delimiter starts. */
interface ItemEnd {
  toRead: number;
  delimiterAt: number;
}

/** A scan went past the bytes of the stream it reads (a cut or broken file). */
export class ItemScanOutOfBytes extends Error {}
/** One header's scans and copies went past their budget (see beginItemScans). */
export class ItemScanBudgetExceeded extends Error {}

let scanBudget = Number.POSITIVE_INFINITY;
const countNothing = (): void => undefined;
/** Called for each fragment of an encapsulated value read (a value of its own). */
let countFragment: () => void = countNothing;
/** Item ends found by an enclosing scan, by the bytes they are in and their value's offset. */
let knownEnds = new WeakMap<ArrayBuffer, Map<number, ItemEnd>>();

/**
 * Starts the reading of one header: its scans, and the values copied to be read again
 * (chargeReread), may take `budgetBytes` in all; the item ends of an earlier header are let go.
 * `onFragment` is called before each fragment of an encapsulated value is kept (it may throw).
 */
export function beginItemScans(budgetBytes: number, onFragment: () => void = countNothing): void {
  scanBudget = budgetBytes;
  countFragment = onFragment;
  knownEnds = new WeakMap();
}

/** Ends the reading of a header: other readings of dcmjs are not held to its budget. */
export function endItemScans(): void {
  scanBudget = Number.POSITIVE_INFINITY;
  countFragment = countNothing;
  knownEnds = new WeakMap();
}

/** Counts `bytes` read again (a scan, or a copy read as another VR) against the budget. */
export function chargeReread(bytes: number): void {
  scanBudget -= bytes;
  if (scanBudget < 0) throw new ItemScanBudgetExceeded();
}

/** The one buffer a stream reads (dcmjs's streams of a file have one), or undefined. */
function bufferOf(stream: ItemStream): ArrayBuffer | undefined {
  const { buffers, offsets } = stream.view;
  return buffers.length === 1 && offsets[0] === 0 && buffers[0] ? buffers[0] : undefined;
}

/**
 * dcmjs's scan for the end of the undefined-length item whose value starts at the stream's
 * offset, word by word over the bytes up to the stream's end, recording on the way the ends
 * of the undefined-length items nested in it (they are read next, from the same bytes).
 */
function scanItem(stream: ItemStream, buffer: ArrayBuffer): ItemEnd {
  const data = new DataView(buffer);
  const little = stream.isLittleEndian;
  const end = Math.min(stream.endOffset, buffer.byteLength);
  const start = stream.offset;
  let known = knownEnds.get(buffer);
  if (!known) knownEnds.set(buffer, (known = new Map<number, ItemEnd>()));
  const open: { valueAt: number; toRead: number }[] = [];
  let at = start;
  let toRead = 0;
  for (;;) {
    if (at + 2 > end) {
      chargeReread(at - start);
      throw new ItemScanOutOfBytes();
    }
    const word = data.getUint16(at, little);
    at += 2;
    if (word !== 0xfffe) {
      toRead += 2;
      continue;
    }
    if (at + 6 > end) {
      chargeReread(at - start);
      throw new ItemScanOutOfBytes();
    }
    const element = data.getUint16(at, little);
    const itemLength = data.getUint32(at + 2, little);
    at += 2;
    if (element === 0xe00d) {
      if (itemLength !== 0) {
        toRead += 2;
      } else if (open.length === 0) {
        chargeReread(at - start);
        return { toRead, delimiterAt: at - 4 };
      } else {
        const nested = open.pop() as { valueAt: number; toRead: number };
        known.set(nested.valueAt, { toRead: toRead - nested.toRead, delimiterAt: at - 4 });
        toRead += 4;
      }
    } else if (element === 0xe000) {
      toRead += 4;
      // dcmjs goes on over the length's two words: the nested value starts after them.
      if (itemLength === UNDEFINED_LENGTH) open.push({ valueAt: at + 4, toRead: toRead + 4 });
    } else {
      toRead += 2;
      at -= 2;
    }
  }
}

/** The next `length` bytes of `stream` as a stream of their own, sharing its bytes. */
function windowOf(stream: ItemStream, length: number): ItemStream {
  if (stream.offset + length > stream.endOffset) {
    throw new Error('Request more than currently allocated buffer'); // as dcmjs's more()
  }
  const item = new ReadBufferStream(stream, undefined, {
    start: stream.offset,
    stop: stream.offset + length,
  });
  stream.increment(length);
  item.setComplete();
  return item;
}

/**
 * An item's data set, read from its window. A window shares its parent's bytes, so a read past
 * its end finds the bytes after the item where dcmjs's copy of the item ended: an element that
 * ran past the item's end is a truncated file, as dcmjs's own reader says.
 */
function readWithin(item: ItemStream, syntax: unknown): unknown {
  const read = dataSetReader._read(item, syntax);
  if (item.offset > item.endOffset) throw new ItemScanOutOfBytes();
  return read;
}

/** dcmjs 0.51.1's SequenceOfItems.readBytes, with the changes above. */
function readItems(
  this: unknown,
  stream: ItemStream,
  sqlength: number,
  syntax: unknown,
): unknown[] {
  if (sqlength === 0) return [];
  const buffer = bufferOf(stream);
  if (!buffer) return originalReadBytes.call(this, stream, sqlength, syntax);
  const undefLength = sqlength === UNDEFINED_LENGTH;
  const elements: unknown[] = [];
  let read = 0;
  for (;;) {
    const tag = tagReader.readTag(stream);
    read += 4;
    if (tag.is(SEQUENCE_DELIMITER)) {
      stream.readUint32();
      break;
    } else if (!undefLength && read === sqlength) {
      break;
    } else if (tag.is(ITEM)) {
      const length = stream.readUint32();
      read += 4;
      let toRead: number;
      if (length === UNDEFINED_LENGTH) {
        // A recorded end past this stream's is not this item's (a malformed file): scanned.
        const known = knownEnds.get(buffer)?.get(stream.offset);
        const itemEnd =
          known && known.delimiterAt + 8 <= stream.endOffset ? known : scanItem(stream, buffer);
        toRead = itemEnd.toRead;
        read += 8;
        // As dcmjs: the item is the toRead bytes before its delimiter, read on after it.
        stream.offset = itemEnd.delimiterAt - toRead;
        if (toRead) elements.push(readWithin(windowOf(stream, toRead), syntax));
        stream.offset = itemEnd.delimiterAt + 8;
      } else {
        toRead = length;
        if (toRead) elements.push(readWithin(windowOf(stream, toRead), syntax));
      }
      read += toRead;
      if (!undefLength && read === sqlength) break;
    }
  }
  return elements;
}

const binaryRepresentation = (() => {
  let prototype = Object.getPrototypeOf(
    (
      dcmjsData.ValueRepresentation as unknown as { createByTypeString(type: string): object }
    ).createByTypeString('OB'),
  ) as object | null;
  while (prototype !== null && !Object.prototype.hasOwnProperty.call(prototype, 'readBytes')) {
    prototype = Object.getPrototypeOf(prototype) as object | null;
  }
  return prototype as { readBytes: (stream: ItemStream, length: number) => unknown[] } | null;
})();

/**
 * dcmjs's UN value of a known tag (ParsedUnknownValue), which copies its value and reads the
 * copy again as the tag's VR: of undefined length, its fragments are those copies.
 */
const ParsedUnknownValue = (
  Object.getPrototypeOf(
    (
      dcmjsData.ValueRepresentation as unknown as { parseUnknownVr(type: string): object }
    ).parseUnknownVr('SQ'),
  ) as { constructor: new (...args: unknown[]) => unknown }
).constructor;

/** A fragment of an encapsulated value: where its item starts after the table, its bytes. */
interface Fragment {
  at: number;
  bytes: Uint8Array;
}

/**
 * dcmjs 0.51.1's BinaryRepresentation.readBytes (OB, OW, OD, OF, UN), with the changes above
 * for an undefined length: the same errors for an element that is not item-framed or a
 * delimiter that is not empty, and the same frames for a table that indexes the fragments.
 */
function readBinary(this: unknown, stream: ItemStream, length: number): unknown[] {
  const buffer = length === UNDEFINED_LENGTH ? bufferOf(stream) : undefined;
  if (!buffer) return originalReadBinary.call(this, stream, length);
  const readAgain = this instanceof ParsedUnknownValue;
  const data = new DataView(buffer);
  const little = stream.isLittleEndian;
  const end = Math.min(stream.endOffset, buffer.byteLength);
  let at = stream.offset;
  // As dcmjs, a tag is read and judged before its length.
  const read32 = (): number => {
    if (at + 4 > end) throw new ItemScanOutOfBytes();
    at += 4;
    return data.getUint32(at - 4, little);
  };
  const readTag = (): number => {
    if (at + 4 > end) throw new ItemScanOutOfBytes();
    at += 4;
    return data.getUint16(at - 4, little) * 0x10000 + data.getUint16(at - 2, little);
  };
  if (readTag() !== ITEM) throw new Error('Item tag not found after undefined binary length');
  const tableLength = read32();
  if (at + tableLength > end) throw new ItemScanOutOfBytes();
  // Read where used, not into an array: a table may be most of a 64 MiB header.
  const tableAt = at;
  const offsets = {
    count: Math.floor(tableLength / 4),
    at: (entry: number): number => data.getUint32(tableAt + 4 * entry, little),
  };
  at += tableLength;
  const first = at;
  const fragments: Fragment[] = [];
  // As dcmjs without a table: the value ends at its delimiter, or at the stream's end.
  while (at < end) {
    const itemAt = at;
    const tag = readTag();
    if (tag === SEQUENCE_DELIMITER) {
      if (read32() !== 0) throw new Error('SequenceDelimiterItem tag value was not zero');
      break;
    }
    if (tag !== ITEM) throw new Error('Invalid tag in sequence');
    const fragmentLength = read32();
    if (at + fragmentLength > end) throw new ItemScanOutOfBytes();
    countFragment();
    // Read again, nested UN in UN: charged as the part10 reader charges those of defined length.
    if (readAgain) chargeReread(fragmentLength);
    // A copy, as dcmjs's: a UN value of a known tag is read again from its first frame's
    // buffer (ParsedUnknownValue), which for a window would be the whole file's.
    const bytes = new Uint8Array(buffer.slice(at, at + fragmentLength));
    fragments.push({ at: itemAt - first, bytes });
    at += fragmentLength;
  }
  stream.offset = at;
  return framesOf(offsets, fragments) ?? fragments.map((fragment) => fragment.bytes);
}

/**
 * The frames the offset table names, as dcmjs reads them (a frame of one fragment is that
 * fragment, of several their bytes as one value), when it indexes the fragments: first 0, each
 * entry after the one before and where a fragment starts. Else undefined: a table that does
 * not index them (hostile or broken) does not say where the value ends, and each fragment is
 * a value, as without a table.
 */
function framesOf(
  offsets: { count: number; at(entry: number): number },
  fragments: Fragment[],
): Uint8Array[] | undefined {
  if (offsets.count === 0 || offsets.count > fragments.length || offsets.at(0) !== 0) {
    return undefined;
  }
  const starts: number[] = [];
  let next = 0;
  for (let entry = 0; entry < offsets.count; entry += 1) {
    const offset = offsets.at(entry);
    while (next < fragments.length && fragments[next].at < offset) next += 1;
    if (next === fragments.length || fragments[next].at !== offset) return undefined;
    starts.push(next);
    next += 1;
  }
  return starts.map((start, frame) => {
    const parts = fragments.slice(start, starts[frame + 1] ?? fragments.length);
    if (parts.length === 1) return parts[0].bytes;
    const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.bytes.length, 0));
    let written = 0;
    for (const part of parts) {
      bytes.set(part.bytes, written);
      written += part.bytes.length;
    }
    return bytes;
  });
}

/**
 * What the reader above was copied from: dcmjs's version, and the internals it replaces
 * (readBytes), mirrors (more, as windowOf) or calls on the terms it was read for (a window is
 * a ReadBufferStream on another's view, in its offsets), by their arity and a SHA-256 of their
 * source with whitespace folded (dcmjs's CommonJS and ES builds then agree).
 */
const COPIED_FROM = {
  version: '0.51.1',
  internals: {
    'SequenceOfItems.readBytes': {
      arity: 3,
      sha256: '4dee938b0b5ea1856a5ca9f9e77c99bc52d68d2e60b9a115366c82d34c3c7d18',
    },
    'BufferStream.more': {
      arity: 1,
      sha256: '278ddbe592762441bd781a2d1596e965e13ee722f2756860d42b7f86840a2bc3',
    },
    ReadBufferStream: {
      arity: 2,
      sha256: 'f73f9b44b1e8f9e271aedf24cd91c47a4a0789e15cb0128c8833bbabf524c9c2',
    },
    'Tag.readTag': {
      arity: 1,
      sha256: '42e9962c6bc4d02fa3bbdeb93881342d07aaa00b9226ce58acb6006bad85fc86',
    },
    'BinaryRepresentation.readBytes': {
      arity: 2,
      sha256: '019ccb85cf4d29c7733def0bf5a3928a1f1329f648b2546407273a89f8cf9159',
    },
  },
} as const;
type DcmjsInternal = keyof typeof COPIED_FROM.internals;

/** A dcmjs as found: its version and the internals COPIED_FROM names (as dcmjs has them). */
export interface DcmjsAsFound {
  version: string;
  internals: Record<DcmjsInternal, unknown>;
}

/** The version in the package.json of the dcmjs that `require` finds. */
function installedVersionOfDcmjs(): string {
  for (let dir = dirname(require.resolve('dcmjs')); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const found = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
    if (found.name === 'dcmjs') return String(found.version);
  }
  return 'unknown';
}

/** The installed dcmjs, its internals as they were before the reader above replaced one. */
export const installedDcmjs: DcmjsAsFound = {
  version: installedVersionOfDcmjs(),
  internals: {
    'SequenceOfItems.readBytes': sequenceOfItems.readBytes,
    'BufferStream.more': (ReadBufferStream?.prototype as { more?: unknown } | undefined)?.more,
    ReadBufferStream,
    'Tag.readTag': (tagReader as { readTag?: unknown } | undefined)?.readTag,
    'BinaryRepresentation.readBytes': binaryRepresentation?.readBytes,
  },
};

/**
 * Throws unless `found` is the dcmjs the reader above was copied from: another version, or
 * internals changed, and the copy could mis-read items where dcmjs's own would not, or be
 * bypassed (the nested cost back).
 */
export function assertDcmjsAsCopied(found: DcmjsAsFound): void {
  const differences: string[] = [];
  if (found.version !== COPIED_FROM.version)
    differences.push(`dcmjs ${found.version} is installed`);
  for (const [name, expected] of Object.entries(COPIED_FROM.internals)) {
    const internal = found.internals[name as DcmjsInternal];
    if (typeof internal !== 'function') {
      differences.push(`${name} is missing`);
    } else if (internal.length !== expected.arity) {
      differences.push(`${name} takes ${internal.length} arguments, not ${expected.arity}`);
    } else if (sourceDigestOf(internal) !== expected.sha256) {
      differences.push(`${name} is not the one copied (its source changed)`);
    }
  }
  if (differences.length === 0) return;
  throw new Error(
    `${differences.join('; ')}: libs/inspection/src/part10/sequence-items.reader.ts's item reader was copied from dcmjs ${COPIED_FROM.version} and could mis-read the items of sequences or encapsulated values, or be bypassed. Keep dcmjs at ${COPIED_FROM.version}, or re-check the copy against the installed dcmjs's ${Object.keys(COPIED_FROM.internals).join(', ')}, run part10's differential tests (sequence-items.reader.spec.ts) and update COPIED_FROM`,
  );
}

function sourceDigestOf(internal: unknown): string {
  return createHash('sha256')
    .update(Function.prototype.toString.call(internal).replace(/\s+/g, ' '))
    .digest('hex');
}

assertDcmjsAsCopied(installedDcmjs);
const originalReadBytes = sequenceOfItems.readBytes;
sequenceOfItems.readBytes = readItems;
// Present: assertDcmjsAsCopied found BinaryRepresentation.readBytes.
const binaryValues = binaryRepresentation as NonNullable<typeof binaryRepresentation>;
const originalReadBinary = binaryValues.readBytes;
binaryValues.readBytes = readBinary;

/**
 * Runs `read` with dcmjs's own SequenceOfItems.readBytes and BinaryRepresentation.readBytes
 * (for the differential tests, which ask both readers the same headers).
 */
export function withDcmjsItemReader<T>(read: () => T): T {
  sequenceOfItems.readBytes = originalReadBytes;
  binaryValues.readBytes = originalReadBinary;
  try {
    return read();
  } finally {
    sequenceOfItems.readBytes = readItems;
    binaryValues.readBytes = readBinary;
  }
}
