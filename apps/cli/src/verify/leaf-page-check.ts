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
  const { isUtf8 } = process.getBuiltinModule('node:buffer');
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
  // The quick scan: one pass over the leaf's UTF-8 bytes (known to be valid UTF-8, so
  // with no lone surrogate) that confirms it is RFC 8785 canonical JSON (no whitespace;
  // member names unescaped ASCII in strictly increasing order, which for ASCII is UTF-16
  // order; only the escapes JSON.stringify writes; every number as Number::toString
  // writes it) and gives the top-level "sequence" number. It decodes nothing and makes no
  // string for the common case. It never confirms a text that is not canonical: anything
  // it does not recognise (a name with an escape or beyond ASCII, deep nesting, bad JSON)
  // it leaves to JSON.parse below, whose checks also name the problem. Each scan returns
  // the end of the value at `at`, or -1.
  const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
  let b: Uint8Array = new Uint8Array(0);
  let limit = 0;
  let topSequence = NaN;
  const scanString = (at: number): number => {
    let i = at + 1;
    for (;;) {
      if (i >= limit) return -1;
      const c = b[i];
      if (c === 0x22) return i + 1;
      if (c < 0x20) return -1;
      if (c === 0x5c) {
        const e = b[i + 1];
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
        if (e !== 0x75 || b[i + 2] !== 0x30 || b[i + 3] !== 0x30) return -1;
        const high = b[i + 4];
        const low = b[i + 5];
        const lowValue =
          low >= 0x30 && low <= 0x39 ? low - 0x30 : low >= 0x61 && low <= 0x66 ? low - 0x57 : -1;
        if ((high !== 0x30 && high !== 0x31) || lowValue < 0) return -1;
        const code = (high - 0x30) * 16 + lowValue;
        if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d)
          return -1;
        i += 6;
        continue;
      }
      i++;
    }
  };
  /** The number at `at` if canonical (its value in `numberValue`), else -1. */
  let numberValue = NaN;
  const scanNumber = (at: number): number => {
    let i = at;
    if (b[i] === 0x2d) i++;
    const digits = i;
    let value = 0;
    while (i < limit && b[i] >= 0x30 && b[i] <= 0x39) value = value * 10 + (b[i++] - 0x30);
    const c = i < limit ? b[i] : 0;
    const simple = c !== 0x2e && c !== 0x65 && c !== 0x45;
    // Up to 15 digits, no leading zero, not -0: an integer Number::toString writes alike.
    if (simple && i > digits && i - digits <= 15 && (b[digits] !== 0x30 || i === digits + 1)) {
      if (b[at] === 0x2d && value === 0) return -1;
      numberValue = b[at] === 0x2d ? -value : value;
      return i;
    }
    while (
      i < limit &&
      ((b[i] >= 0x30 && b[i] <= 0x39) ||
        b[i] === 0x2e ||
        b[i] === 0x65 ||
        b[i] === 0x45 ||
        b[i] === 0x2b ||
        b[i] === 0x2d)
    )
      i++;
    const text = Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1', at, i);
    if (!NUMBER.test(text) || String(Number(text)) !== text) return -1;
    numberValue = Number(text);
    return i;
  };
  const word = (at: number, w: string): boolean => {
    for (let k = 0; k < w.length; k++) if (b[at + k] !== w.charCodeAt(k)) return false;
    return true;
  };
  const scanValue = (at: number, depth: number): number => {
    const c = b[at];
    numberValue = NaN;
    if (c === 0x22) return scanString(at);
    if (c === 0x7b) return scanObject(at, depth + 1);
    if (c === 0x5b) return scanArray(at, depth + 1);
    if (c === 0x74) return word(at, 'true') ? at + 4 : -1;
    if (c === 0x6e) return word(at, 'null') ? at + 4 : -1;
    if (c === 0x66) return word(at, 'false') ? at + 5 : -1;
    return scanNumber(at);
  };
  const scanArray = (at: number, depth: number): number => {
    if (depth > 64) return -1;
    let i = at + 1;
    if (b[i] === 0x5d) return i + 1;
    for (;;) {
      i = scanValue(i, depth);
      if (i < 0) return -1;
      const c = b[i];
      if (c === 0x5d) return i + 1;
      if (c !== 0x2c) return -1;
      i++;
    }
  };
  /** Whether the name at [a, aEnd) sorts strictly before the one at [c, cEnd) (ASCII). */
  const before = (a: number, aEnd: number, c: number, cEnd: number): boolean => {
    for (; a < aEnd && c < cEnd; a++, c++) if (b[a] !== b[c]) return b[a] < b[c];
    return aEnd - a < cEnd - c;
  };
  const scanObject = (at: number, depth: number): number => {
    if (depth > 64) return -1;
    let i = at + 1;
    if (b[i] === 0x7d) return i + 1;
    let previous = -1;
    let previousEnd = -1;
    for (;;) {
      if (b[i] !== 0x22) return -1;
      // A member name: plain ASCII, no escape (anything else goes to JSON.parse).
      let end = i + 1;
      while (end < limit && b[end] !== 0x22) {
        const c = b[end];
        if (c < 0x20 || c === 0x5c || c >= 0x80) return -1;
        end++;
      }
      if (end >= limit) return -1;
      if (previous >= 0 && !before(previous, previousEnd, i + 1, end)) return -1;
      previous = i + 1;
      previousEnd = end;
      if (b[end + 1] !== 0x3a) return -1;
      i = scanValue(end + 2, depth);
      if (i < 0) return -1;
      const first = b[end + 2];
      if (
        depth === 1 &&
        end - previous === 8 &&
        word(previous, 'sequence') &&
        (first === 0x2d || (first >= 0x30 && first <= 0x39))
      ) {
        topSequence = numberValue;
      }
      const c = b[i];
      if (c === 0x7d) return i + 1;
      if (c !== 0x2c) return -1;
      i++;
    }
  };
  /** The sequence canonical leaf data in bytes[start, end) names, or NaN if the scan cannot tell. */
  const canonicalSequence = (bytes: Uint8Array, start: number, end: number): number => {
    b = bytes;
    limit = end;
    topSequence = NaN;
    if (b[start] !== 0x7b || scanObject(start, 1) !== end) return NaN;
    return topSequence;
  };
  let scratch = Buffer.allocUnsafe(4096);
  const chainInput = Buffer.allocUnsafe(2 * size);
  chainInput.set(job.previousChain.subarray(0, size), 0);
  // Packed leaves are hashed as stored, each from the 0x00 before it; text is encoded.
  const packed = Array.isArray(job.leafData) ? undefined : (job.leafData as PackedLeaves);
  const packedBytes =
    packed && Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.length);
  // Valid UTF-8 has no lone surrogate. A page that is not (which PostgreSQL never gives)
  // has each leaf tested alone, and one that fails is decoded and left to JSON.parse.
  const pageIsUtf8 = packedBytes === undefined || isUtf8(packedBytes);
  const count = packed ? packed.ends.length : (job.leafData as readonly string[]).length;
  const fail = (offset: number, message: string): LeafPageResult => ({
    problem: { offset, message },
    fullCheck,
  });
  for (let i = 0; i < count; i++) {
    const sequence = job.first + i;
    let input: Buffer;
    let scanned = NaN;
    if (packedBytes) {
      const start = i === 0 ? 1 : packed.ends[i - 1] + 1;
      input = packedBytes.subarray(start - 1, packed.ends[i]);
      if (pageIsUtf8 || isUtf8(input))
        scanned = canonicalSequence(packedBytes, start, packed.ends[i]);
    } else {
      const text = (job.leafData as readonly string[])[i];
      if (scratch.length < 2 + text.length * 3) scratch = Buffer.allocUnsafe(2 + text.length * 3);
      scratch[0] = 0x00;
      const end = 1 + scratch.write(text, 1, 'utf8');
      scratch[end] = 0x00;
      input = scratch.subarray(0, end);
      if (text.isWellFormed()) scanned = canonicalSequence(scratch, 1, end);
    }
    if (scanned !== sequence) {
      const text = packedBytes ? input.toString('utf8', 1) : (job.leafData as readonly string[])[i];
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return fail(i, 'leaf data is not JSON');
      }
      if (!(JSON.stringify(parsed) === text && sortedAndWellFormed(parsed))) fullCheck.push(i);
      const named = (parsed as { sequence?: unknown } | null)?.sequence;
      if (named !== sequence) {
        // The canonical check comes first for the caller: it runs the full check up to here.
        return fail(i, `leaf data names sequence ${String(named)}`);
      }
    }
    const bytes = input.length - 1;
    if (bytes > job.maxLeafBytes) {
      // The tile holding this entry could never be served or exported.
      return fail(
        i,
        `leaf data is ${bytes} bytes, more than the ${job.maxLeafBytes} a C2SP entry bundle can frame`,
      );
    }
    const leaf = hash('sha256', input, 'buffer');
    if (!equal32(leaf, job.leafHashes, i * size))
      return fail(i, 'leaf hash does not match the leaf data');
    chainInput.set(leaf, size);
    const chain = hash('sha256', chainInput, 'buffer');
    if (!equal32(chain, job.chainHashes, i * size))
      return fail(i, 'chain hash does not match the previous chain hash and this leaf');
    chainInput.set(chain, 0);
  }
  return { fullCheck };
}
