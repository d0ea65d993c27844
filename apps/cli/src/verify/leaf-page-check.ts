// The per-entry checks of verify, over one page of consecutive entries. This function runs
// inside worker threads from its own source text (see leaf-check.pool.ts), so it must not
// refer to anything outside itself: no imports, only Node built-ins it fetches itself. That
// is why it parses leaf data here rather than through @scantrail/ledger's decodeLeafData:
// verify needs only that it is JSON, canonical, and names its sequence.

/** Consecutive entries, hashes 32 bytes each, back to back. */
export interface LeafPageJob {
  first: number;
  leafData: string[];
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
  let scratch = Buffer.allocUnsafe(4096);
  const chainInput = Buffer.allocUnsafe(2 * size);
  chainInput.set(job.previousChain.subarray(0, size), 0);
  for (let i = 0; i < job.leafData.length; i++) {
    const text = job.leafData[i];
    const sequence = job.first + i;
    const fail = (message: string): LeafPageResult => ({
      problem: { offset: i, message },
      fullCheck,
    });
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
    if (scratch.length < 1 + text.length * 3) scratch = Buffer.allocUnsafe(1 + text.length * 3);
    scratch[0] = 0x00;
    const bytes = scratch.write(text, 1, 'utf8');
    if (bytes > job.maxLeafBytes) {
      // The tile holding this entry could never be served or exported.
      return fail(
        `leaf data is ${bytes} bytes, more than the ${job.maxLeafBytes} a C2SP entry bundle can frame`,
      );
    }
    const leaf = hash('sha256', scratch.subarray(0, 1 + bytes), 'buffer');
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
