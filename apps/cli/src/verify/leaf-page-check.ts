// The per-entry checks of verify, over one page of consecutive entries. This function runs
// inside worker threads from its own source text (see leaf-check.pool.ts), so it must not
// refer to anything outside itself: no imports, only Node built-ins it fetches itself. That
// is why it parses leaf data here rather than through @scantrail/ledger's decodeLeafData:
// verify needs only that it is JSON, canonical, and names its sequence.

/**
 * Leaf data as read from the database: each leaf's UTF-8 bytes after a 0x00 byte (so the
 * leaf hash's input is a slice), `ends[i]` the offset just past leaf i.
 */
export interface PackedLeaves {
  bytes: Uint8Array;
  ends: Int32Array;
}

/** How many leaves a page holds. */
export function leafCount(leafData: readonly string[] | PackedLeaves): number {
  return Array.isArray(leafData) ? leafData.length : (leafData as PackedLeaves).ends.length;
}

/** Leaf `i` as text. */
export function leafText(leafData: readonly string[] | PackedLeaves, i: number): string {
  if (Array.isArray(leafData)) return (leafData as readonly string[])[i];
  const { bytes, ends } = leafData as PackedLeaves;
  const start = i === 0 ? 1 : ends[i - 1] + 1;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8', start, ends[i]);
}

/** Consecutive entries, hashes 32 bytes each, back to back. */
export interface LeafPageJob {
  first: number;
  leafData: readonly string[] | PackedLeaves;
  leafHashes: Uint8Array;
  chainHashes: Uint8Array;
  /** The stored chain hash of entry `first - 1` (zeros before sequence 0). */
  previousChain: Uint8Array;
  /** Most bytes of leaf data a C2SP entry bundle can frame (uint16 length). */
  maxLeafBytes: number;
}

export interface LeafPageResult {
  /** The first entry (offset in the page) that fails a check, and why. */
  problem?: { offset: number; message: string };
  /**
   * Offsets, before any problem, whose leaf data the quick canonical test could not settle
   * (integer-like member names, which JavaScript objects reorder): the caller runs the full
   * RFC 8785 serialization on those.
   */
  fullCheck: number[];
}

/**
 * Parses each leaf, checks that it names its sequence, is canonical, and that its leaf and
 * chain hashes are what the data gives. Stops at the first problem, as verify reports only
 * the first. The quick canonical test: JSON.stringify of the parsed value equals the text
 * and every object's member names are in UTF-16 order with no lone surrogates anywhere;
 * JCS (RFC 8785) serializes primitives exactly as JSON.stringify does.
 */
export function checkLeafPage(job: LeafPageJob): LeafPageResult {
  const { hash } = process.getBuiltinModule('node:crypto');
  const size = 32;
  const fullCheck: number[] = [];
  const sortedAndWellFormed = (value: unknown): boolean => {
    if (typeof value === 'string') return value.isWellFormed();
    if (value === null || typeof value !== 'object') return true;
    if (Array.isArray(value)) return value.every(sortedAndWellFormed);
    const record = value as Record<string, unknown>;
    let previous: string | undefined;
    for (const name in record) {
      if (!name.isWellFormed() || (previous !== undefined && !(previous < name))) return false;
      if (!sortedAndWellFormed(record[name])) return false;
      previous = name;
    }
    return true;
  };
  const equal32 = (a: Uint8Array, b: Uint8Array, at: number): boolean => {
    for (let k = 0; k < size; k++) if (a[k] !== b[at + k]) return false;
    return true;
  };
  // The quick scan: one pass over the text that confirms it is RFC 8785 canonical JSON
  // (no whitespace; member names unescaped and in strictly increasing UTF-16 order;
  // only the escapes JSON.stringify writes; no lone surrogate; every number as
  // Number::toString writes it) and gives the top-level "sequence" number. It never
  // confirms a text that is not canonical: anything it does not recognise (a name with
  // an escape, deep nesting, bad JSON) it leaves to JSON.parse below, whose checks also
  // name the problem. Returns the end of the value at `at`, or -1.
  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  let topSequence: number | undefined;
  const scanString = (text: string, at: number): number => {
    let i = at + 1;
    for (;;) {
      if (i >= text.length) return -1;
      const c = text.charCodeAt(i);
      if (c === 0x22) return i + 1;
      if (c < 0x20) return -1;
      if (c === 0x5c) {
        const e = text.charCodeAt(i + 1);
        // \" \\ \b \f \n \r \t
        if (
          e === 0x22 ||
          e === 0x5c ||
          e === 0x62 ||
          e === 0x66 ||
          e === 0x6e ||
          e === 0x72 ||
          e === 0x74
        ) {
          i += 2;
          continue;
        }
        // \u00xx, lowercase, only for the other control characters
        if (e !== 0x75 || text.charCodeAt(i + 2) !== 0x30 || text.charCodeAt(i + 3) !== 0x30)
          return -1;
        const high = text.charCodeAt(i + 4);
        const low = text.charCodeAt(i + 5);
        const lowValue =
          low >= 0x30 && low <= 0x39 ? low - 0x30 : low >= 0x61 && low <= 0x66 ? low - 0x57 : -1;
        if ((high !== 0x30 && high !== 0x31) || lowValue < 0) return -1;
        const code = (high - 0x30) * 16 + lowValue;
        if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d)
          return -1;
        i += 6;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = text.charCodeAt(i + 1);
        if (c >= 0xdc00 || !(next >= 0xdc00 && next <= 0xdfff)) return -1;
        i += 2;
        continue;
      }
      i++;
    }
  };
  const scanValue = (text: string, at: number, depth: number): number => {
    const c = text.charCodeAt(at);
    if (c === 0x22) return scanString(text, at);
    if (c === 0x7b) return scanObject(text, at, depth + 1);
    if (c === 0x5b) return scanArray(text, at, depth + 1);
    if (text.startsWith('true', at) || text.startsWith('null', at)) return at + 4;
    if (text.startsWith('false', at)) return at + 5;
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text);
    if (number === null || String(Number(number[0])) !== number[0]) return -1;
    return at + number[0].length;
  };
  const scanArray = (text: string, at: number, depth: number): number => {
    if (depth > 64) return -1;
    let i = at + 1;
    if (text.charCodeAt(i) === 0x5d) return i + 1;
    for (;;) {
      i = scanValue(text, i, depth);
      if (i < 0) return -1;
      const c = text.charCodeAt(i);
      if (c === 0x5d) return i + 1;
      if (c !== 0x2c) return -1;
      i++;
    }
  };
  const scanObject = (text: string, at: number, depth: number): number => {
    if (depth > 64) return -1;
    let i = at + 1;
    if (text.charCodeAt(i) === 0x7d) return i + 1;
    let previous: string | undefined;
    for (;;) {
      if (text.charCodeAt(i) !== 0x22) return -1;
      const end = scanString(text, i);
      if (end < 0) return -1;
      const name = text.slice(i + 1, end - 1);
      if (name.includes('\\') || (previous !== undefined && !(previous < name))) return -1;
      previous = name;
      if (text.charCodeAt(end) !== 0x3a) return -1;
      i = scanValue(text, end + 1, depth);
      if (i < 0) return -1;
      if (depth === 1 && name === 'sequence' && text.charCodeAt(end + 1) !== 0x22) {
        topSequence = Number(text.slice(end + 1, i));
      }
      const c = text.charCodeAt(i);
      if (c === 0x7d) return i + 1;
      if (c !== 0x2c) return -1;
      i++;
    }
  };
  /** The sequence canonical leaf data names, or undefined if the quick scan cannot tell. */
  const canonicalSequence = (text: string): number | undefined => {
    topSequence = undefined;
    if (text.charCodeAt(0) !== 0x7b || scanObject(text, 0, 1) !== text.length) return undefined;
    return topSequence;
  };
  let scratch = Buffer.allocUnsafe(4096);
  const chainInput = Buffer.allocUnsafe(2 * size);
  chainInput.set(job.previousChain.subarray(0, size), 0);
  // Packed leaves are hashed as stored, each from the 0x00 before it; text is encoded.
  const packed = Array.isArray(job.leafData) ? undefined : (job.leafData as PackedLeaves);
  const packedBytes =
    packed && Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.length);
  const count = packed ? packed.ends.length : (job.leafData as readonly string[]).length;
  for (let i = 0; i < count; i++) {
    const start = packed ? (i === 0 ? 1 : packed.ends[i - 1] + 1) : 0;
    const text = packedBytes
      ? packedBytes.toString('utf8', start, packed.ends[i])
      : (job.leafData as readonly string[])[i];
    const sequence = job.first + i;
    const fail = (message: string): LeafPageResult => ({
      problem: { offset: i, message },
      fullCheck,
    });
    if (canonicalSequence(text) !== sequence) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return fail('leaf data is not JSON');
      }
      if (!(JSON.stringify(parsed) === text && sortedAndWellFormed(parsed))) fullCheck.push(i);
      const named = (parsed as { sequence?: unknown } | null)?.sequence;
      if (named !== sequence) {
        // The canonical check comes first for the caller: it runs the full check up to here.
        return fail(`leaf data names sequence ${String(named)}`);
      }
    }
    let input: Buffer;
    if (packedBytes) {
      input = packedBytes.subarray(start - 1, packed.ends[i]);
    } else {
      if (scratch.length < 1 + text.length * 3) scratch = Buffer.allocUnsafe(1 + text.length * 3);
      scratch[0] = 0x00;
      input = scratch.subarray(0, 1 + scratch.write(text, 1, 'utf8'));
    }
    const bytes = input.length - 1;
    if (bytes > job.maxLeafBytes) {
      // The tile holding this entry could never be served or exported.
      return fail(
        `leaf data is ${bytes} bytes, more than the ${job.maxLeafBytes} a C2SP entry bundle can frame`,
      );
    }
    const leaf = hash('sha256', input, 'buffer');
    if (!equal32(leaf, job.leafHashes, i * size))
      return fail('leaf hash does not match the leaf data');
    chainInput.set(leaf, size);
    const chain = hash('sha256', chainInput, 'buffer');
    if (!equal32(chain, job.chainHashes, i * size))
      return fail('chain hash does not match the previous chain hash and this leaf');
    chainInput.set(chain, 0);
  }
  return { fullCheck };
}
