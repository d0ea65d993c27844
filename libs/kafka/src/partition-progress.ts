// Per-partition progress of a batch consumer, for health checks and metrics: where each
// assigned partition stands, how far behind its high watermark, how often its batches
// failed, and since when it has not moved although messages wait.

export interface PartitionProgress {
  partition: number;
  /** Next offset to process, as of the last batch seen (undefined before the first). */
  position?: string;
  /** The partition's high watermark at the last fetch (the offset after its last message). */
  highWatermark?: string;
  /** Messages between the position and the high watermark at the last fetch. */
  lag: number;
  /** Failed batches since this consumer started. */
  retries: number;
  /** Failed batches in a row; 0 once a batch succeeds. */
  failuresInARow: number;
  /** When the partition last advanced, or was first seen (epoch ms). */
  lastAdvancedAt: number;
}

function lagOf(position: bigint, highWatermark: string): number {
  const lag = BigInt(highWatermark) - position;
  return lag > 0n ? Number(lag) : 0;
}

export class PartitionProgressBook {
  private readonly book = new Map<number, PartitionProgress>();

  private entry(partition: number, now: number): PartitionProgress {
    let progress = this.book.get(partition);
    if (progress === undefined) {
      progress = { partition, lag: 0, retries: 0, failuresInARow: 0, lastAdvancedAt: now };
      this.book.set(partition, progress);
    }
    return progress;
  }

  /** A batch ending before `nextOffset` was processed. */
  advanced(partition: number, nextOffset: string, highWatermark: string, now: number): void {
    const progress = this.entry(partition, now);
    progress.position = nextOffset;
    progress.highWatermark = highWatermark;
    progress.lag = lagOf(BigInt(nextOffset), highWatermark);
    progress.failuresInARow = 0;
    progress.lastAdvancedAt = now;
  }

  /** A batch starting at `firstOffset` failed; returns the failures in a row before this one. */
  failed(partition: number, firstOffset: string, highWatermark: string, now: number): number {
    const progress = this.entry(partition, now);
    progress.position = firstOffset;
    progress.highWatermark = highWatermark;
    progress.lag = lagOf(BigInt(firstOffset), highWatermark);
    progress.retries += 1;
    progress.failuresInARow += 1;
    return progress.failuresInARow - 1;
  }

  /**
   * The partition's high watermark, asked apart from any batch (none of a partition that
   * waits at a refused batch arrives); `position` (the next offset to process) when the
   * book has none yet. Does not count as advancing.
   */
  sawHighWatermark(partition: number, highWatermark: string, position?: string): void {
    const progress = this.book.get(partition);
    if (progress === undefined) return; // not held by this member
    progress.position ??= position;
    progress.highWatermark = highWatermark;
    if (progress.position !== undefined) {
      progress.lag = lagOf(BigInt(progress.position), highWatermark);
    }
  }

  /** After a rebalance: forget partitions this member no longer holds. */
  keepOnly(partitions: readonly number[], now: number): void {
    const held = new Set(partitions);
    for (const partition of [...this.book.keys()]) {
      if (!held.has(partition)) this.book.delete(partition);
    }
    // A newly assigned partition counts as advancing from now on.
    for (const partition of partitions) this.entry(partition, now);
  }

  snapshot(): PartitionProgress[] {
    return [...this.book.values()].map((p) => ({ ...p })).sort((a, b) => a.partition - b.partition);
  }

  /** Partitions with messages waiting that have not advanced for `stallMs` or longer. */
  stalled(now: number, stallMs: number): PartitionProgress[] {
    return this.snapshot().filter(
      (p) => (p.lag > 0 || p.failuresInARow > 0) && now - p.lastAdvancedAt >= stallMs,
    );
  }
}
