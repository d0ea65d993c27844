// Decides, for each fetched batch, what the consumer does with it, given where the
// database says the partition stands. The database's offsets are authoritative: Kafka's
// committed offsets are only a hint (they are written after the database commit, and may
// lag behind it or be lost). Pure code, unit-tested in batch-position.spec.ts.

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
}

export type BatchDecision =
  /** The fetch started somewhere else than the database expects: move there and drop this batch. */
  | { kind: 'seek'; offset: string }
  /** Every message is already recorded in the database: just move past them. */
  | { kind: 'skip' }
  /** Hand over the messages from this index on (earlier ones are already recorded). */
  | { kind: 'process'; from: number };

export function decideBatch(
  position: PartitionPosition,
  offsets: readonly string[],
): BatchDecision {
  if (offsets.length === 0) {
    return { kind: 'skip' };
  }
  const { next } = position;
  if (next === null) {
    // Nothing recorded yet: Kafka's own position (committed offset, else earliest) is it.
    return { kind: 'process', from: 0 };
  }
  if (!position.aligned && BigInt(offsets[0]) !== next) {
    return { kind: 'seek', offset: next.toString() };
  }
  const from = offsets.findIndex((offset) => BigInt(offset) >= next);
  return from === -1 ? { kind: 'skip' } : { kind: 'process', from };
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

  /** Records what the database said; a partition it did not mention has no stored offset. */
  load(partitions: readonly number[], stored: ReadonlyMap<number, string>): void {
    for (const partition of partitions) {
      const value = stored.get(partition);
      this.positions.set(partition, {
        next: value === undefined ? null : parseOffset(value, partition),
        aligned: false,
      });
    }
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
