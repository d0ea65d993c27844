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
/** Item ends found by an enclosing scan, by the bytes they are in and their value's offset. */
let knownEnds = new WeakMap<ArrayBuffer, Map<number, ItemEnd>>();

/**
 * Starts the reading of one header: its scans, and the values copied to be read again
 * (chargeReread), may take `budgetBytes` in all; the item ends of an earlier header are let go.
 */
export function beginItemScans(budgetBytes: number): void {
  scanBudget = budgetBytes;
  knownEnds = new WeakMap();
}

/** Ends the reading of a header: other readings of dcmjs are not held to its budget. */
export function endItemScans(): void {
  scanBudget = Number.POSITIVE_INFINITY;
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
        if (toRead) elements.push(dataSetReader._read(windowOf(stream, toRead), syntax));
        stream.offset = itemEnd.delimiterAt + 8;
      } else {
        toRead = length;
        if (toRead) elements.push(dataSetReader._read(windowOf(stream, toRead), syntax));
      }
      read += toRead;
      if (!undefLength && read === sqlength) break;
    }
  }
  return elements;
}

const originalReadBytes = sequenceOfItems.readBytes;
sequenceOfItems.readBytes = readItems;

/**
 * Runs `read` with dcmjs's own SequenceOfItems.readBytes (for the differential test, which
 * asks both readers the same headers).
 */
export function withDcmjsItemReader<T>(read: () => T): T {
  sequenceOfItems.readBytes = originalReadBytes;
  try {
    return read();
  } finally {
    sequenceOfItems.readBytes = readItems;
  }
}
