import type { DataSource, EntityManager } from 'typeorm';
import type { Queryable } from '../database/queryable';
import { isLockWaitTimeoutWhere } from '../database/advisory-lock-wait';
import { gapKind, type GapCause } from './ingest-gap-store';

/**
 * How long a transaction waits for a partition's offset row that another session holds. An
 * ingest holds it for one batch's transaction (under a second; seconds on a loaded machine);
 * a consumer's session ends after 10 s without a heartbeat, which comes when a batch ends,
 * so that a group's wait and one alone after it stay within it.
 */
export const OFFSET_LOCK_WAIT_MS = 5_000;

/**
 * A wait for an offset row that ran out (SQLSTATE 55P03 while locking a row of
 * ingest_offsets): another session holds the partition's row.
 */
export function isOffsetLockWait(error: unknown): boolean {
  return isLockWaitTimeoutWhere(error, 'relation "ingest_offsets"');
}

/** A partition's stored position: its next offset, and the digest of the record before it. */
export interface StoredPosition {
  next: string;
  /** recordDigest (libs/kafka) of the record at next - 1; undefined when not known. */
  lastRecord?: string;
}

/** A stored position to move because the log no longer holds what it says was read. */
export interface PositionMove {
  partition: number;
  cause: GapCause;
  /** The position the database holds (moved only if it still does). */
  storedOffset: string;
  /** Where reading goes on: the log's earliest offset. */
  resumedAt: string;
  /** Messages deleted before they were read (deleted_unread), else 0. */
  lost: number;
  earliestOffset: string;
  highWatermark: string;
}

/** Consumed Kafka offsets, kept in PostgreSQL beside the ledger rows they produced. */
export class OffsetStore {
  constructor(
    private readonly groupId: string,
    private readonly topic: string,
  ) {}

  /**
   * Where each partition stands (only partitions with a stored offset): the next offset to
   * read, and the digest of the record before it when known (recordDigest in libs/kafka).
   */
  async nextOffsets(
    db: Queryable,
    partitions: readonly number[],
  ): Promise<Map<number, StoredPosition>> {
    const rows = (await db.query(
      `SELECT partition, next_offset::text AS next_offset, last_record_digest FROM ingest_offsets
        WHERE group_id = $1 AND topic = $2 AND partition = ANY($3::int[])`,
      [this.groupId, this.topic, partitions],
    )) as { partition: number; next_offset: string; last_record_digest: string | null }[];
    return new Map(
      rows.map((r) => [
        r.partition,
        { next: r.next_offset, lastRecord: r.last_record_digest ?? undefined },
      ]),
    );
  }

  /**
   * Moves a partition's stored position from `move.storedOffset` to `move.resumedAt` when it
   * still stands there (another member may have moved it meanwhile: then false, nothing
   * changed), forgetting the record digest: for a log that no longer holds what the position
   * says was read (the topic created again, the log truncated or deleted past it). The same
   * statement keeps the gap in ingest_gaps (migration 1764118500000), only when the row moved:
   * a gap is kept once however many members or starts notice it, and never without its move.
   * Its own short transaction, before anything is read from `resumedAt`: the move stands even
   * when no batch follows (a log deleted to its end), and a crash after it only reads again
   * what the ledger drops as duplicates.
   */
  async movePosition(dataSource: DataSource, move: PositionMove): Promise<boolean> {
    return dataSource.transaction('READ COMMITTED', async (manager) => {
      await manager.query(`SELECT set_config('lock_timeout', $1, true)`, [
        String(OFFSET_LOCK_WAIT_MS),
      ]);
      const rows = await manager.query<{ id: string }[]>(
        `WITH moved AS (
           UPDATE ingest_offsets SET next_offset = $5, last_record_digest = NULL, updated_at = now()
            WHERE group_id = $1 AND topic = $2 AND partition = $3 AND next_offset = $4
           RETURNING group_id, topic, partition)
         INSERT INTO ingest_gaps (group_id, topic, partition, kind, cause, from_offset, to_offset,
                                  lost, earliest_offset, high_watermark)
         SELECT group_id, topic, partition, $6, $7, $4, $5, $8, $9, $10 FROM moved
         RETURNING id::text AS id`,
        [
          this.groupId,
          this.topic,
          move.partition,
          move.storedOffset,
          move.resumedAt,
          gapKind(move.cause),
          move.cause,
          move.lost,
          move.earliestOffset,
          move.highWatermark,
        ],
      );
      return rows.length === 1;
    });
  }

  /**
   * Locks the partitions' offset rows for this transaction, in ascending partition order, and
   * returns the next offset to process of each; two consumers briefly owning one partition
   * during a rebalance serialize here, and two sessions locking some of the same partitions
   * (in this one order) cannot deadlock. One round trip: the upsert creates a row at 0 or
   * row-locks the stored one (a no-op update, which waits for another holder and then returns
   * its committed offset).
   *
   * The wait is bounded (OFFSET_LOCK_WAIT_MS, isOffsetLockWait): another ingest holds a row
   * for one batch's transaction; longer means a session left a transaction open on it (a
   * `SELECT ... FOR UPDATE` typed by hand), and unbounded the batch would never end, every
   * partition sharing its transaction with it stalled and the consumer's session lost, with
   * nothing said. lock_timeout is set for this statement only (it is 0 in our sessions).
   */
  async lockPartitions(
    manager: EntityManager,
    partitions: readonly number[],
  ): Promise<Map<number, bigint>> {
    const ordered = [...new Set(partitions)].sort((a, b) => a - b);
    const [row] = await manager.query<{ locked: { partition: number; next_offset: string }[] }[]>(
      `WITH bounded AS (SELECT set_config('lock_timeout', $4, true)),
       locked AS (
         INSERT INTO ingest_offsets (group_id, topic, partition, next_offset)
         SELECT $1, $2, u.partition, 0
           FROM unnest($3::int[]) WITH ORDINALITY AS u(partition, n) CROSS JOIN bounded
          ORDER BY u.n
         ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = ingest_offsets.next_offset
         RETURNING partition, next_offset::text AS next_offset)
       SELECT coalesce(json_agg(locked), '[]') AS locked, set_config('lock_timeout', '0', true) AS unbounded
         FROM locked`,
      [this.groupId, this.topic, ordered, String(OFFSET_LOCK_WAIT_MS)],
    );
    return new Map(row.locked.map((r) => [r.partition, BigInt(r.next_offset)]));
  }

  /** lockPartitions for one partition: its next offset to process. */
  async lockPartition(manager: EntityManager, partition: number): Promise<bigint> {
    return (await this.lockPartitions(manager, [partition])).get(partition) ?? 0n;
  }

  /**
   * The partition's next offset, and the digest of the record before it (the batch's last;
   * absent: not known, nothing to check it by).
   */
  async store(
    manager: EntityManager,
    partition: number,
    nextOffset: bigint,
    lastRecordDigest?: string,
  ): Promise<void> {
    await manager.query(
      `UPDATE ingest_offsets SET next_offset = $4, last_record_digest = $5, updated_at = now()
        WHERE group_id = $1 AND topic = $2 AND partition = $3`,
      [this.groupId, this.topic, partition, nextOffset.toString(), lastRecordDigest ?? null],
    );
  }
}
