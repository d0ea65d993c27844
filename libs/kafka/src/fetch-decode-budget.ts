// What one fetch may decompress. KafkaJS decodes a fetch response whole, every partition's
// record batches one after another, and keeps all of it until the batches are handled: a cap
// per batch alone would let a fetch of many batches just under it hold gigabytes. So each
// fetch gets a budget, carried to the codecs through the fetch's async context (KafkaJS's
// codecs are one table per process and are handed nothing but the compressed bytes).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { UndecodableBatchError } from './compression-codecs';

/**
 * What a decoded record costs beyond its bytes: KafkaJS's objects for it (measured 190 to
 * 390 bytes a record, KafkaJS 2.2.4 on Node 20) and the consumer's own.
 */
export const RECORD_OVERHEAD_BYTES = 512;

/** A batch the budget's fetch refused (its partition waits at it). */
export interface FetchRefusal {
  error: UndecodableBatchError;
  /** False when this process refused the very same batch before (a fetch again of it). */
  first: boolean;
}

export class FetchDecodeBudget {
  private used = 0;
  private pausedOnce = false;
  readonly refusals: FetchRefusal[] = [];

  constructor(
    /** Bytes one fetch's compressed batches may decode to, and so one batch too. */
    readonly limit: number,
    /** The setting that sets `limit`, as errors name it. */
    readonly limitName: string,
    /** How long a fetch that refused a batch waits before going on (once per fetch). */
    readonly refusalPauseMs: number,
  ) {}

  /** Whether `bytes` more fit; a fetch's first batch always may, up to `limit`. */
  fits(bytes: number): boolean {
    return this.used + bytes <= this.limit;
  }

  take(bytes: number): void {
    this.used += bytes;
  }

  /** Notes `refusal`; the pause the fetch should take now (0 after the first). */
  refuse(refusal: FetchRefusal): number {
    this.refusals.push(refusal);
    if (this.pausedOnce) return 0;
    this.pausedOnce = true;
    return this.refusalPauseMs;
  }
}

const budgets = new AsyncLocalStorage<FetchDecodeBudget | undefined>();

/**
 * Gives the rest of the current async context (the fetch KafkaJS is starting: its
 * FETCH_START listeners run inside it, just before the request) `budget`.
 */
export function enterFetchBudget(budget: FetchDecodeBudget | undefined): void {
  budgets.enterWith(budget);
}

/** `decode` with `budget` as its fetch's (tests, and callers that own the fetch's call). */
export function withFetchBudget<T>(budget: FetchDecodeBudget, decode: () => T): T {
  return budgets.run(budget, decode);
}

/** The budget of the fetch being decoded here, if a consumer of ours started it. */
export function currentFetchBudget(): FetchDecodeBudget | undefined {
  return budgets.getStore();
}

/** Records in a decompressed record batch: each is its zigzag varint length, then its bytes. */
export function countRecords(records: Uint8Array): number {
  let count = 0;
  for (let at = 0; at < records.length; count++) {
    let raw = 0;
    let shift = 0;
    for (;;) {
      if (at >= records.length || shift > 28) return count; // cut off: KafkaJS reports it
      const byte = records[at++];
      raw += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    const length = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    if (length < 0) return count;
    at += length;
  }
  return count;
}
