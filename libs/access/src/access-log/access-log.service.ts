import type { Queryable } from '@scantrail/storage';

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

const INSERT_COLUMNS = 'INSERT INTO access_log (actor, roles, operation, patient_pseudonym)';
/** A read statement's leading comments and `WITH RECURSIVE`, where the record's CTE goes. */
const LEADING_WITH_RECURSIVE = /^((?:\s*--[^\n]*\n)*)\s*WITH RECURSIVE\s/;

/** A read whose statement can carry the record of the lookup (see recordingRead). */
export interface RecordedRead {
  /** Starts with `WITH RECURSIVE` (after comments); its parameters are $1..$n. */
  sql: string;
  parameters: unknown[];
}

/** Who looked at which patient, when. The table is append-only (a trigger refuses changes). */
export class AccessLogService {
  /** Each read's statement with the record's CTE, made once per read text. */
  private readonly recordingSql = new Map<string, { parameters: number; sql: string }>();

  /**
   * The read with the record of the lookup written by the same statement: the INSERT goes
   * first as a data-modifying CTE, which PostgreSQL runs to completion whether or not the
   * read uses it, and both commit or fail together, so no answer leaves unrecorded. One
   * round trip instead of two. `db` is where the caller will run it; undefined when the
   * log is not kept there (see PrimaryAccessLog): then record, then read.
   */
  recordingRead(
    _db: Queryable,
    record: AccessRecord,
    read: RecordedRead,
  ): RecordedRead | undefined {
    const n = read.parameters.length;
    let sql = this.recordingSql.get(read.sql)?.sql;
    if (sql === undefined || this.recordingSql.get(read.sql)?.parameters !== n) {
      const match = LEADING_WITH_RECURSIVE.exec(read.sql);
      if (match === null) throw new Error('recordingRead: the read must start with WITH RECURSIVE');
      const values = `$${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}`;
      sql =
        `${match[1]}WITH RECURSIVE access_logged AS (${INSERT_COLUMNS} VALUES (${values}) RETURNING id),\n` +
        read.sql.slice(match[0].length);
      this.recordingSql.set(read.sql, { parameters: n, sql });
    }
    return {
      sql,
      parameters: [
        ...read.parameters,
        record.actor,
        [...record.roles],
        record.operation,
        record.patientPseudonym,
      ],
    };
  }

  /** Records one lookup; callers do this before they answer, so no answer goes unlogged. */
  async record(db: Queryable, record: AccessRecord): Promise<AccessLogEntry> {
    const rows = (await db.query(
      `${INSERT_COLUMNS} VALUES ($1, $2, $3, $4)
       RETURNING id::text AS id, at, actor, roles, operation, patient_pseudonym`,
      [record.actor, [...record.roles], record.operation, record.patientPseudonym],
    )) as AccessLogRow[];
    return toEntry(rows[0]);
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
