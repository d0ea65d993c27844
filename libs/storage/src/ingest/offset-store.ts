import type { EntityManager } from 'typeorm';
import type { Queryable } from '../database/queryable';

/** Consumed Kafka offsets, kept in PostgreSQL beside the ledger rows they produced. */
export class OffsetStore {
  constructor(
    private readonly groupId: string,
    private readonly topic: string,
  ) {}

  /** Next offset to read per partition (only partitions with a stored offset). */
  async nextOffsets(db: Queryable, partitions: readonly number[]): Promise<Map<number, string>> {
    const rows = (await db.query(
      `SELECT partition, next_offset::text AS next_offset FROM ingest_offsets
        WHERE group_id = $1 AND topic = $2 AND partition = ANY($3::int[])`,
      [this.groupId, this.topic, partitions],
    )) as { partition: number; next_offset: string }[];
    return new Map(rows.map((r) => [r.partition, r.next_offset]));
  }

  /**
   * Locks the partition's offset row for this transaction and returns the next offset to
   * process; two consumers briefly owning one partition during a rebalance serialize here.
   * One round trip: the upsert creates the row at 0 or row-locks the stored one (a no-op
   * update, which waits for another holder and then returns its committed offset).
   */
  async lockPartition(manager: EntityManager, partition: number): Promise<bigint> {
    const rows = await manager.query<{ next_offset: string }[]>(
      `INSERT INTO ingest_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, 0)
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = ingest_offsets.next_offset
       RETURNING next_offset::text AS next_offset`,
      [this.groupId, this.topic, partition],
    );
    return BigInt(rows[0].next_offset);
  }

  async store(manager: EntityManager, partition: number, nextOffset: bigint): Promise<void> {
    await manager.query(
      `UPDATE ingest_offsets SET next_offset = $4, updated_at = now()
        WHERE group_id = $1 AND topic = $2 AND partition = $3`,
      [this.groupId, this.topic, partition, nextOffset.toString()],
    );
  }
}
