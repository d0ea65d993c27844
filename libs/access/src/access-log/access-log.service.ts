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

export interface AccessLogEntry extends AccessRecord {
  id: number;
  at: Date;
}

interface AccessLogRow {
  id: string;
  at: Date;
  actor: string;
  roles: string[];
  operation: string;
  patient_pseudonym: string;
}

/** The records of one group in one statement (see GroupCommit), all at the statement's `now()`. */
const INSERT_RECORDS = `INSERT INTO access_log (actor, roles, operation, patient_pseudonym)
  SELECT r.actor, r.roles, r.operation, r.patient_pseudonym
    FROM jsonb_to_recordset($1::jsonb) AS r(actor text, roles text[], operation text,
                                            patient_pseudonym text)`;

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
   * A keyset page, oldest first: entries with id > afterId. Ordered by the column: `ORDER BY
   * id` would take the text alias of the select list ("10" before "9") and skip entries.
   */
  async page(db: Queryable, afterId: number, limit: number): Promise<AccessLogEntry[]> {
    const rows = (await db.query(
      `SELECT id::text AS id, at, actor, roles, operation, patient_pseudonym
         FROM access_log WHERE id > $1 ORDER BY access_log.id LIMIT $2`,
      [afterId, limit],
    )) as AccessLogRow[];
    return rows.map(toEntry);
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
    at: row.at,
    actor: row.actor,
    roles: row.roles,
    operation: row.operation,
    patientPseudonym: row.patient_pseudonym,
  };
}
