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

/** Who looked at which patient, when. The table is append-only (a trigger refuses changes). */
export class AccessLogService {
  /** Records one lookup; callers do this before they answer, so no answer goes unlogged. */
  async record(db: Queryable, record: AccessRecord): Promise<AccessLogEntry> {
    const rows = (await db.query(
      `INSERT INTO access_log (actor, roles, operation, patient_pseudonym) VALUES ($1, $2, $3, $4)
       RETURNING id::text AS id, at, actor, roles, operation, patient_pseudonym`,
      [record.actor, [...record.roles], record.operation, record.patientPseudonym],
    )) as AccessLogRow[];
    return toEntry(rows[0]);
  }

  /** A keyset page, oldest first: entries with id > afterId. */
  async page(db: Queryable, afterId: number, limit: number): Promise<AccessLogEntry[]> {
    const rows = (await db.query(
      `SELECT id::text AS id, at, actor, roles, operation, patient_pseudonym
         FROM access_log WHERE id > $1 ORDER BY id LIMIT $2`,
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
