// Which database failures are about the data (the same statement would fail again: split
// the batch and quarantine the message) and which are about the moment (retry later).
import { sqlStateOf, withholdQuotedValues } from '@scantrail/config';

/** A refusal the same data would meet again: the SQLSTATE and a message without values. */
export interface DatabaseRefusal {
  sqlState: string;
  message: string;
}

/**
 * SQLSTATE classes that describe the data of a statement (PostgreSQL appendix A): 22 data
 * exception (a value out of range, bad input syntax), 23 integrity constraint violation
 * (CHECK, NOT NULL, UNIQUE, foreign key: the ledger's own dedupe reads before it writes,
 * so none of these is expected), 54 program limit exceeded (an index row or a statement
 * too large). Serialization failures and deadlocks (40), resource shortages (53), operator
 * intervention (57), connection (08) and privilege or configuration errors are not.
 */
const DATA_CLASSES = new Set(['22', '23', '54']);

/** The refusal, when `error` is a data error of PostgreSQL; undefined for anything else. */
export function databaseRefusalOf(error: unknown): DatabaseRefusal | undefined {
  const sqlState = sqlStateOf(error);
  if (sqlState === undefined || !DATA_CLASSES.has(sqlState.slice(0, 2))) return undefined;
  const message = error instanceof Error ? error.message : '';
  return { sqlState, message: withholdQuotedValues(message).slice(0, 300) };
}

/** The quarantine reason of a message PostgreSQL refused (CONTRACT section 1). */
export function rejectedByDatabaseReason(refusal: DatabaseRefusal): string {
  return `rejected_by_database: ${refusal.sqlState} ${refusal.message}`;
}
