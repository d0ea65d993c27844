import type { Queryable } from '@scantrail/storage';
import { GroupCommit } from './group-commit';

export interface AccessRecord {
  /** The token's `sub`. */
  actor: string;
  roles: readonly string[];
  /** The GraphQL field asked, e.g. `accountingOfDisclosures`. */
  operation: string;
  /** The pseudonym as stored in the ledger, never the clear identifier. */
  patientPseudonym: string;
}

/**
 * Where a record stands in the log's order: its writer's transaction id (0 for records
 * written before the log kept them, in id order), then its id.
 */
export interface AccessLogPosition {
  xid: number;
  id: number;
}

export interface AccessLogEntry extends AccessRecord, AccessLogPosition {
  at: Date;
}

/** One page of the log in commit order (AccessLogService.page). */
export interface AccessLogPage {
  /** The records after the position asked, at most the limit, each once, oldest first. */
  entries: AccessLogEntry[];
  /**
   * Whether records committed after these were held back: a transaction of the database that
   * began writing before them was still running when the wait ran out. A later read shows
   * them after the last entry given here.
   */
  heldBack: boolean;
}

interface AccessLogRow {
  id: string;
  xid: string;
  at: Date;
  actor: string;
  roles: string[];
  operation: string;
  patient_pseudonym: string;
  /** Nothing still to come can sort before it: it may be served. */
  settled: boolean;
  /** Committed, and held back only by a transaction still running: worth waiting for. */
  awaited: boolean;
}

/** The records of one group in one statement (see GroupCommit), all at the statement's `now()`. */
const INSERT_RECORDS = `INSERT INTO access_log (actor, roles, operation, patient_pseudonym)
  SELECT r.actor, r.roles, r.operation, r.patient_pseudonym
    FROM jsonb_to_recordset($1::jsonb) AS r(actor text, roles text[], operation text,
                                            patient_pseudonym text)`;

/**
 * A keyset page of the log in commit order: (xid, id) after the position given, each row
 * marked with whether it may be served yet.
 *
 * `xid` is the writer's transaction id (the column's default). Transaction ids come from one
 * counter of the whole cluster, taken when a transaction first writes; a row of a
 * transaction that has not committed becomes visible later, so a reader must not pass it.
 * Every transaction still running, or still to take an id, has an id at or above the oldest
 * id still running (the reading snapshot's xmin, else its xmax): rows below that bound are
 * all there is below it, for good, and whatever appears later sorts after them. Transactions
 * of other databases of the cluster cannot write this table, so they do not hold the bound
 * back: a transaction id whose holder locks relations of another database (a backend locks
 * those of its own database only, 0: shared catalogs) is left out. pg_locks is read once
 * (MATERIALIZED) and after the snapshot was taken: an id that ended in between is not found
 * and keeps holding the bound, the safe side. Read-only transactions take no id and hold
 * nothing back.
 *
 * `awaited`: a row above the bound that is below the snapshot's xmax was committed and waits
 * only for an older transaction to end. A row at or above xmax cannot be an insert's own (a
 * committed transaction's id is below xmax): a value set by hand, never waited for.
 */
const PAGE_IN_COMMIT_ORDER = `
  WITH snapshot AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
  locks AS MATERIALIZED (SELECT locktype, database, pid, transactionid, mode, granted FROM pg_locks),
  elsewhere AS (
    SELECT own.transactionid FROM locks own
     WHERE own.locktype = 'transactionid' AND own.mode = 'ExclusiveLock' AND own.granted
       AND EXISTS (SELECT 1 FROM locks rel
                    WHERE rel.pid = own.pid AND rel.locktype = 'relation' AND rel.database <> 0
                      AND rel.database <> (SELECT oid FROM pg_database
                                            WHERE datname = current_database()))),
  bound AS MATERIALIZED (
    SELECT coalesce((SELECT min(x) FROM pg_snapshot_xip(s) x
                      WHERE NOT EXISTS (SELECT 1 FROM elsewhere e WHERE e.transactionid = x::xid)),
                    pg_snapshot_xmax(s)) AS settled_below,
           pg_snapshot_xmax(s) AS xmax
      FROM snapshot)
  SELECT a.id::text AS id, a.xid::text AS xid, a.at, a.actor, a.roles, a.operation,
         a.patient_pseudonym, a.xid < b.settled_below AS settled, a.xid < b.xmax AS awaited
    FROM access_log a CROSS JOIN bound b
   WHERE (a.xid, a.id) > ($1::xid8, $2::bigint)
   ORDER BY a.xid, a.id
   LIMIT $3`;

/**
 * How long a page waits, at most, for transactions of the database that began writing
 * before records already committed (another replica's group, an ingest batch: milliseconds)
 * before it answers without those records.
 */
export const SETTLE_WAIT_MS = 5_000;

/** At most this many records in one insert; more wait for the next. */
export const MAX_RECORDS_A_GROUP = 128;

/** Runs the records' insert: `db.query`, or a cheaper way the caller has (see PrimaryAccessLog). */
export type RunStatement = (db: Queryable, sql: string, parameters: unknown[]) => Promise<unknown>;

/** Who looked at which patient, when. The table is append-only (a trigger refuses changes). */
export class AccessLogService {
  /** One group commit per database the records go to. */
  private readonly groups = new WeakMap<Queryable, GroupCommit<AccessRecord>>();

  constructor(
    private readonly run: RunStatement = (db, sql, parameters) => db.query(sql, parameters),
  ) {}

  /**
   * Records one lookup; callers do this before they answer, so no answer goes unlogged.
   * Lookups arriving while a record is being written are written together next, in one
   * statement and one commit (GroupCommit): the promise resolves once this lookup's own
   * record has committed, and rejects when its group's insert failed.
   */
  record(db: Queryable, record: AccessRecord): Promise<void> {
    let group = this.groups.get(db);
    if (group === undefined) {
      group = new GroupCommit(
        (records) => this.run(db, INSERT_RECORDS, [recordsJson(records)]).then(() => undefined),
        MAX_RECORDS_A_GROUP,
        refusesAValue,
      );
      this.groups.set(db, group);
    }
    return group.submit(record);
  }

  /**
   * A keyset page in commit order, oldest first: up to `limit` records after `after` (all
   * from the start when undefined), never one that a later read could show before the last
   * one given (PAGE_IN_COMMIT_ORDER). When committed records wait for an older transaction
   * of the database still running, it asks again until that ended or `settleWaitMs` ran out,
   * so a lookup's record is read as soon as the lookup answered; then it answers without
   * them, `heldBack` set.
   */
  async page(
    db: Queryable,
    after: AccessLogPosition | undefined,
    limit: number,
    settleWaitMs = SETTLE_WAIT_MS,
  ): Promise<AccessLogPage> {
    const deadline = Date.now() + settleWaitMs;
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      const rows = (await db.query(PAGE_IN_COMMIT_ORDER, [
        after?.xid ?? 0,
        after?.id ?? 0,
        limit,
      ])) as AccessLogRow[];
      // The rows that may be served come first (they have the lower transaction ids).
      const entries = rows.filter((r) => r.settled).map(toEntry);
      const heldBack = rows.some((r) => !r.settled && r.awaited);
      if (!heldBack || Date.now() + pause > deadline) return { entries, heldBack };
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /** The transaction id of record `id` (a cursor of the former id order), if it exists. */
  async xidOf(db: Queryable, id: number): Promise<number | undefined> {
    const rows = (await db.query('SELECT xid::text AS xid FROM access_log WHERE id = $1', [
      id,
    ])) as { xid: string }[];
    return rows.length > 0 ? Number(rows[0].xid) : undefined;
  }

  async count(db: Queryable): Promise<number> {
    const rows = (await db.query('SELECT count(*)::int AS n FROM access_log')) as { n: number }[];
    return rows[0].n;
  }
}

/**
 * Whether PostgreSQL refused the insert for what one record holds (SQLSTATE class 22, data
 * exception: a NUL or a lone surrogate in a text; 23, integrity constraint), so that the
 * group's other records are written again alone rather than failing with it. A lost
 * connection or a timeout is every record's: those fail together, at once.
 */
function refusesAValue(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

function recordsJson(records: AccessRecord[]): string {
  return JSON.stringify(
    records.map((r) => ({
      actor: r.actor,
      roles: r.roles,
      operation: r.operation,
      patient_pseudonym: r.patientPseudonym,
    })),
  );
}

function toEntry(row: AccessLogRow): AccessLogEntry {
  return {
    id: Number(row.id),
    xid: Number(row.xid),
    at: row.at,
    actor: row.actor,
    roles: row.roles,
    operation: row.operation,
    patientPseudonym: row.patient_pseudonym,
  };
}
