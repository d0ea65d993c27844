import type { Queryable } from '../database/queryable';

/** Why a stored position was moved (the ingest's PositionResetCause, libs/kafka). */
export type GapCause = 'deleted_unread' | 'log_end_before_position' | 'record_changed';

/** MESSAGES_LOST: deleted before they were read; POSITION_RESET: the log was not the one read. */
export type GapKind = 'MESSAGES_LOST' | 'POSITION_RESET';

export function gapKind(cause: GapCause): GapKind {
  return cause === 'deleted_unread' ? 'MESSAGES_LOST' : 'POSITION_RESET';
}

/** One kept gap (migration 1764118500000). Offsets as decimal text: Kafka's are 64-bit. */
export interface IngestGap {
  id: number;
  groupId: string;
  topic: string;
  partition: number;
  kind: GapKind;
  cause: GapCause;
  /** The stored position moved from: the first offset lost (MESSAGES_LOST). */
  fromOffset: string;
  /** Where reading went on: the log's earliest offset; the lost are from..to - 1. */
  toOffset: string;
  /** Messages lost (to - from for MESSAGES_LOST), else 0. */
  count: number;
  earliestOffset: string;
  highWatermark: string;
  noticedAt: Date;
}

export interface IngestGapPage {
  gaps: IngestGap[];
  more: boolean;
  total: number;
}

interface Row {
  id: string;
  group_id: string;
  topic: string;
  partition: number;
  kind: GapKind;
  cause: GapCause;
  from_offset: string;
  to_offset: string;
  lost: string;
  earliest_offset: string;
  high_watermark: string;
  noticed_at: Date;
}

const COLUMNS = `id::text AS id, group_id, topic, partition, kind, cause,
  from_offset::text AS from_offset, to_offset::text AS to_offset, lost::text AS lost,
  earliest_offset::text AS earliest_offset, high_watermark::text AS high_watermark, noticed_at`;

function gapOf(r: Row): IngestGap {
  return {
    id: Number(r.id),
    groupId: r.group_id,
    topic: r.topic,
    partition: r.partition,
    kind: r.kind,
    cause: r.cause,
    fromOffset: r.from_offset,
    toOffset: r.to_offset,
    count: Number(r.lost),
    earliestOffset: r.earliest_offset,
    highWatermark: r.high_watermark,
    noticedAt: r.noticed_at,
  };
}

/**
 * Reads ingest_gaps. Written only by OffsetStore.movePosition, in the statement that moves
 * the stored position, so that each gap is kept exactly once.
 */
export class IngestGapStore {
  /**
   * A keyset page, newest first: up to `limit` rows with id < beforeId (none: from the
   * newest), of one kind when given, whether more follow, and how many are kept (of that
   * kind). Ordered by the column: `ORDER BY id` would take the text alias ("10" before "9").
   */
  async page(
    db: Queryable,
    beforeId: number | undefined,
    limit: number,
    kind?: GapKind,
  ): Promise<IngestGapPage> {
    const [rows, counted] = await Promise.all([
      db.query(
        `SELECT ${COLUMNS} FROM ingest_gaps
          WHERE ($1::bigint IS NULL OR ingest_gaps.id < $1::bigint)
            AND ($3::text IS NULL OR ingest_gaps.kind = $3::text)
          ORDER BY ingest_gaps.id DESC LIMIT $2`,
        [beforeId ?? null, limit + 1, kind ?? null],
      ) as Promise<Row[]>,
      db.query(
        `SELECT count(*)::int AS n FROM ingest_gaps WHERE $1::text IS NULL OR kind = $1::text`,
        [kind ?? null],
      ) as Promise<{ n: number }[]>,
    ]);
    return {
      gaps: rows.slice(0, limit).map(gapOf),
      more: rows.length > limit,
      total: counted[0].n,
    };
  }

  /** Messages lost to the ledger on this group's topic, noticed at or after `since`, newest first. */
  async lossesSince(
    db: Queryable,
    groupId: string,
    topic: string,
    since: Date,
  ): Promise<IngestGap[]> {
    const rows = (await db.query(
      `SELECT ${COLUMNS} FROM ingest_gaps
        WHERE kind = 'MESSAGES_LOST' AND group_id = $1 AND topic = $2 AND noticed_at >= $3
        ORDER BY ingest_gaps.id DESC LIMIT 100`,
      [groupId, topic, since],
    )) as Row[];
    return rows.map(gapOf);
  }
}
