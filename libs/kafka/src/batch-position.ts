// Decides, for each fetched batch, what the consumer does with it, given where the
// database says the partition stands. The database's offsets are authoritative: Kafka's
// committed offsets are only a hint (they are written after the database commit, and may
// lag behind it or be lost). Pure code, unit-tested in batch-position.spec.ts.
import { createHash } from 'node:crypto';

/** A partition's log as the broker last told it: its earliest offset and its high watermark. */
export interface LogBounds {
  low: bigint;
  high: bigint;
}

/** Why a stored position was moved to the log's earliest offset. */
export type PositionResetCause =
  /** The position is past the log's end: the topic was created again, or the log truncated. */
  | 'log_end_before_position'
  /** The record before the position is another one: the topic was created again and grew past it. */
  | 'record_changed'
  /** The log starts past the position: messages were deleted before they were read (lost). */
  | 'deleted_unread';

/** Where a partition should resume, as this consumer knows it. */
export interface PartitionPosition {
  /** The next offset the database expects; null when the database has none yet. */
  next: bigint | null;
  /**
   * True once Kafka's fetch position is known to follow `next`: after we sought there, or
   * after we handed over a batch and resolved it. Then a batch starting past `next` is a
   * real gap in the log (transaction markers, retention), not a wrong starting point.
   */
  aligned: boolean;
  /**
   * What to check before reading from a position just loaded from the database: that it
   * lies within the log's bounds, and that the record before it is still the one recorded
   * (its recordDigest). Cleared once checked.
   */
  toCheck?: { bounds?: LogBounds; lastRecord?: string };
}

export type BatchDecision =
  /** The fetch started somewhere else than the database expects: move there and drop this batch. */
  | { kind: 'seek'; offset: string }
  /** Every message is already recorded in the database: just move past them. */
  | { kind: 'skip' }
  /** Hand over the messages from this index on (earlier ones are already recorded). */
  | { kind: 'process'; from: number }
  /**
   * The log no longer holds what the stored position says was read: store `to` (the log's
   * earliest offset) instead, say why, seek there and drop this batch. `lost`: messages
   * deleted before they were read (deleted_unread), else 0.
   */
  | { kind: 'reset'; to: string; cause: PositionResetCause; lost: number }
  /**
   * Kafka's fetch position went back below ours without our asking (KafkaJS resets it to
   * the earliest offset when the offset it asks is out of range): load the position again
   * and check it against the log before going on.
   */
  | { kind: 'recheck' }
  /**
   * The batch starts past our position although Kafka's position followed it: a gap in the
   * log (transaction markers, compaction) or messages deleted before they were read; the
   * caller asks the log's start to tell which, then hands over from `from`.
   */
  | { kind: 'gap'; from: number };

/**
 * What a log's bounds say of a stored next offset: within them it stands; past the log's
 * end the log is not the one read (created again, or truncated), and before its start
 * messages were deleted unread. Either way the partition goes on from the earliest offset:
 * every event the log holds is then recorded, those recorded before as duplicates.
 */
export function checkStoredPosition(
  next: bigint,
  bounds: LogBounds,
): { kind: 'keep' } | Extract<BatchDecision, { kind: 'reset' }> {
  if (next > bounds.high) {
    return { kind: 'reset', to: bounds.low.toString(), cause: 'log_end_before_position', lost: 0 };
  }
  if (next < bounds.low) {
    return {
      kind: 'reset',
      to: bounds.low.toString(),
      cause: 'deleted_unread',
      lost: Number(bounds.low - next),
    };
  }
  return { kind: 'keep' };
}

/**
 * `firstDigest` gives the recordDigest of the batch's first message (asked only when that
 * message is the record before the stored position, to compare it with the one recorded).
 */
export function decideBatch(
  position: PartitionPosition,
  offsets: readonly string[],
  firstDigest: () => string = () => '',
): BatchDecision {
  if (offsets.length === 0) {
    return { kind: 'skip' };
  }
  const { next } = position;
  if (next === null) {
    // Nothing recorded yet: Kafka's own position (committed offset, else earliest) is it.
    return { kind: 'process', from: 0 };
  }
  const first = BigInt(offsets[0]);
  const from = offsets.findIndex((offset) => BigInt(offset) >= next);
  const check = position.toCheck;
  if (check !== undefined) {
    const low = check.bounds?.low ?? 0n;
    if (check.bounds !== undefined) {
      const verdict = checkStoredPosition(next, check.bounds);
      if (verdict.kind === 'reset') return verdict;
    }
    const before = next - 1n;
    if (check.lastRecord !== undefined && before >= low) {
      if (first === before) {
        if (firstDigest() !== check.lastRecord) {
          return { kind: 'reset', to: low.toString(), cause: 'record_changed', lost: 0 };
        }
        return from === -1 ? { kind: 'skip' } : { kind: 'process', from };
      }
      if (!position.aligned) return { kind: 'seek', offset: before.toString() };
      // Sought there, yet the log no longer has it (compacted, or deleted meanwhile): the
      // record cannot be compared, the position stands.
    }
  }
  if (!position.aligned && first !== next) {
    return { kind: 'seek', offset: next.toString() };
  }
  if (first < next) return { kind: 'recheck' };
  if (position.aligned && first > next) return { kind: 'gap', from: 0 };
  return from === -1 ? { kind: 'skip' } : { kind: 'process', from };
}

/**
 * What names a record, to tell later whether the log at its offset still holds it: the
 * SHA-256 of its timestamp, key and value (length-prefixed), hex. A topic created again
 * holds other records at the same offsets; the same event re-published has a new timestamp.
 */
export function recordDigest(record: {
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
}): string {
  const hash = createHash('sha256');
  for (const part of [Buffer.from(record.timestamp, 'utf8'), record.key, record.value]) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(part === null ? -1 : part.length);
    hash.update(length);
    if (part !== null) hash.update(part);
  }
  return hash.digest('hex');
}

/** Parses an offset handed to us by the database side; rejects anything but a plain integer. */
export function parseOffset(value: string, partition: number): bigint {
  if (!/^\d+$/.test(value)) {
    throw new Error(`startOffsets returned "${value}" for partition ${partition}: not an offset`);
  }
  return BigInt(value);
}

/**
 * Positions of the partitions this member owns. Forgotten on every (re)assignment, since
 * another member may have moved a partition on meanwhile, and after every failed batch,
 * since the failed transaction may or may not have committed.
 */
export class PartitionPositions {
  private readonly positions = new Map<number, PartitionPosition>();

  get(partition: number): PartitionPosition | undefined {
    return this.positions.get(partition);
  }

  forget(partition: number): void {
    this.positions.delete(partition);
  }

  forgetAll(): void {
    this.positions.clear();
  }

  /** Of the given partitions, those whose position must be read from the database. */
  unknown(partitions: Iterable<number>): number[] {
    return [...new Set(partitions)].filter((partition) => !this.positions.has(partition));
  }

  /**
   * Records what the database said; a partition it did not mention has no stored offset. A
   * value is the next offset, or the position with the digest of the record before it.
   * `check`: each stored position is to be checked against its log (toCheck) before use.
   */
  load(
    partitions: readonly number[],
    stored: ReadonlyMap<number, string | { next: string; lastRecord?: string }>,
    check = false,
  ): void {
    for (const partition of partitions) {
      const value = stored.get(partition);
      if (value === undefined) {
        this.positions.set(partition, { next: null, aligned: false });
        continue;
      }
      const { next, lastRecord } = typeof value === 'string' ? { next: value } : value;
      this.positions.set(partition, {
        next: parseOffset(next, partition),
        aligned: false,
        ...(check && { toCheck: { lastRecord } }),
      });
    }
  }

  /** After a reset to `offset` was stored: read from there, nothing left to check. */
  moved(partition: number, offset: string): void {
    this.positions.set(partition, { next: BigInt(offset), aligned: false });
  }

  /** The position was checked against the log (or there was nothing to check). */
  checked(partition: number): void {
    const position = this.positions.get(partition);
    if (position) delete position.toCheck;
  }

  markSought(partition: number): void {
    const position = this.positions.get(partition);
    if (position) {
      position.aligned = true;
    }
  }

  /** After the handler committed a batch whose last message had offset `lastOffset`. */
  advance(partition: number, lastOffset: string): void {
    this.positions.set(partition, { next: BigInt(lastOffset) + 1n, aligned: true });
  }
}
