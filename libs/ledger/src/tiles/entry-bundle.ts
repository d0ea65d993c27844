// C2SP tlog-tiles entry bundles: entries each prefixed by a big-endian uint16 length.
/** The most bytes of leaf data one entry can have (CONTRACT section 4, v1.1). */
export const MAX_ENTRY_LENGTH = 0xffff;

export function encodeEntryBundle(entries: readonly Uint8Array[]): Buffer {
  let total = 0;
  entries.forEach((entry, i) => {
    if (entry.length > MAX_ENTRY_LENGTH) {
      throw new RangeError(
        `entry ${i} is ${entry.length} bytes; an entry bundle holds at most ${MAX_ENTRY_LENGTH}`,
      );
    }
    total += 2 + entry.length;
  });
  const out = Buffer.alloc(total);
  let offset = 0;
  for (const entry of entries) {
    offset = out.writeUInt16BE(entry.length, offset);
    out.set(entry, offset);
    offset += entry.length;
  }
  return out;
}

export function decodeEntryBundle(bundle: Uint8Array): Buffer[] {
  const data = Buffer.from(bundle.buffer, bundle.byteOffset, bundle.byteLength);
  const entries: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (offset + 2 > data.length) {
      throw new Error(`entry bundle is truncated in the length prefix at byte ${offset}`);
    }
    const length = data.readUInt16BE(offset);
    offset += 2;
    if (offset + length > data.length) {
      throw new Error(`entry bundle is truncated in entry ${entries.length}`);
    }
    entries.push(Buffer.from(data.subarray(offset, offset + length)));
    offset += length;
  }
  return entries;
}
