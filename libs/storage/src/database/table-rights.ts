/**
 * What the apps' database role (the user of DATABASE_URL) may do to each table: the ONE
 * place where those rights are written. `migrate` applies this list at its end whenever
 * the migrating role (MIGRATION_DATABASE_URL) is not the apps' role, and refuses to finish
 * while a table exists that is not listed here, so a new table needs one line below.
 *
 * The apps' role owns nothing, so it can never ALTER, DISABLE TRIGGER, DROP or TRUNCATE;
 * history tables get no UPDATE or DELETE either (their triggers refuse those even to the
 * owner).
 */
export type TableRights =
  /** History: read and add rows, never change or remove them. */
  | 'append'
  /** Bookkeeping rows the apps move forward (consumed offsets). */
  | 'bookkeeping'
  /** A projection of the ledger that the ingest rewrites and `cli rebuild` replays. */
  | 'read-model'
  /** A process's own working state, not derived from the ledger (the Orthanc bridge's). */
  | 'state'
  /** Read only (the migrations table: the apps check the schema is current). */
  | 'read';

export const PRIVILEGES: Readonly<Record<TableRights, readonly string[]>> = {
  append: ['SELECT', 'INSERT'],
  bookkeeping: ['SELECT', 'INSERT', 'UPDATE'],
  'read-model': ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  state: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  read: ['SELECT'],
};

export const TABLE_RIGHTS = {
  migrations: 'read',
  ledger_entries: 'append',
  ledger_hashes: 'append',
  ledger_checkpoints: 'append',
  quarantined_messages: 'append',
  // Re-used event ids the ingest refused (their coordinates, never their bytes).
  ingest_duplicate_conflicts: 'append',
  // Messages Kafka deleted before the ingest read them, and positions moved: read by the
  // ingest's /health too, so a restart does not erase the alarm (migration 1764118500000).
  ingest_gaps: 'append',
  access_log: 'append',
  // The row counts of the quarantine and the re-used ids, moved by the owner's triggers of
  // those tables (1764119000000).
  history_counts: 'read',
  ingest_offsets: 'bookkeeping',
  // How far the findings worker has evaluated the ledger (moved with the findings it writes).
  findings_progress: 'bookkeeping',
  // Moved by triggers of the findings' tables and rm_findings_counts (their owner's), read
  // by the API.
  findings_generation: 'read',
  // The Orthanc bridge: where it is in Orthanc's changes, and what it published or holds.
  bridge_cursors: 'bookkeeping',
  bridge_pending_studies: 'state',
  bridge_jobs_done: 'append',
  bridge_held: 'state',
  bridge_known_studies: 'append',
  bridge_destinations: 'state',
  // Successful sends it could not record, once per Orthanc job (kept for the privacy officer).
  bridge_unrecorded_sends: 'append',
  // Their count per bridge, moved by the owner's triggers on bridge_unrecorded_sends (1764119000000).
  bridge_unrecorded_counts: 'read',
  // Read models, in an order safe to empty and rebuild.
  rm_accounting_rows: 'read-model',
  rm_deletion_requests: 'read-model',
  rm_deletion_kept: 'read-model',
  rm_deletion_obligations: 'read-model',
  rm_deletion_family: 'read-model',
  rm_deletion_eventual: 'read-model',
  rm_deletion_counts: 'read-model',
  rm_deletion_unkept: 'read-model',
  rm_breach_counts: 'read-model',
  rm_breach_affected: 'read-model',
  rm_breaches: 'read-model',
  rm_vendor_receipts: 'read-model',
  rm_vendor_holdings: 'read-model',
  rm_resolved_studies: 'read-model',
  rm_vendor_stats: 'read-model',
  rm_vendor_patients: 'read-model',
  rm_chain_patients: 'read-model',
  rm_findings_counts: 'read-model',
  rm_findings_months: 'read-model',
  rm_finding_rows: 'read-model',
  // An agreement finding's detail, once per (event, code); the rows of those codes hold none.
  rm_finding_details: 'read-model',
  // A view: each row of rm_finding_rows with its detail, the one every reader reads.
  rm_findings: 'read',
  rm_inspections: 'read-model',
  rm_target_events: 'read-model',
  rm_deletions: 'read-model',
  rm_models: 'read-model',
  rm_transfers: 'read-model',
  rm_disclosures: 'read-model',
  rm_consent_revocations: 'read-model',
  rm_consent_recordings: 'read-model',
  rm_consents: 'read-model',
  rm_dataset_members: 'read-model',
  rm_datasets: 'read-model',
  rm_derivations: 'read-model',
  rm_studies: 'read-model',
  rm_agreement_terminations: 'read-model',
  rm_agreement_signers: 'read-model',
  rm_agreement_signings: 'read-model',
  rm_agreements: 'read-model',
  rm_vendors: 'read-model',
} as const satisfies Readonly<Record<string, TableRights>>;

/** Read-model tables (TABLE_RIGHTS order), which `cli rebuild` empties and replays. */
export const READ_MODEL_TABLES: readonly string[] = Object.entries(TABLE_RIGHTS)
  .filter(([, rights]) => rights === 'read-model')
  .map(([table]) => table);

/** Tables of the schema that TABLE_RIGHTS does not mention (each one is a forgotten line). */
export function tablesWithoutRights(tables: readonly string[]): string[] {
  return tables.filter((t) => !Object.hasOwn(TABLE_RIGHTS, t)).sort();
}

/**
 * The statements that give `appRole` exactly TABLE_RIGHTS: everything revoked first, so a
 * right removed from the list is taken back at the next migrate.
 */
export function grantStatements(appRole: string, schema = 'public'): string[] {
  const role = quoteIdentifier(appRole);
  const ns = quoteIdentifier(schema);
  const statements = everythingRevoked(role, ns);
  for (const [table, rights] of Object.entries(TABLE_RIGHTS)) {
    statements.push(
      `GRANT ${PRIVILEGES[rights].join(', ')} ON ${ns}.${quoteIdentifier(table)} TO ${role}`,
    );
  }
  // bigserial ids of the append-only tables (quarantine, access log).
  statements.push(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${ns} TO ${role}`);
  return statements;
}

/**
 * The API's own role (API_DATABASE_URL, v1.1; the embedded server makes one of this name):
 * it answers the network, so it reads what it answers from and writes only the record of
 * who looked. No ledger row, checkpoint, offset or read model; `migrate` grants it these,
 * when the role is named or one of this name exists. The ledger's advisory lock functions
 * are the server superuser's to take from it (README).
 */
export const DEFAULT_API_ROLE = 'scantrail_api';

/**
 * What the API writes besides reading every table: the access log, an append-only history,
 * and of it only the columns a record is made of. Its id, time (`at`) and writer's
 * transaction id (`xid`, the order readers page in) are the columns' defaults, so the API's
 * credentials cannot backdate a record, nor give it an order that hides it from readers
 * (migration 1764114000000).
 */
export const API_WRITES: Readonly<Partial<Record<keyof typeof TABLE_RIGHTS, readonly string[]>>> = {
  access_log: ['INSERT (actor, roles, operation, patient_pseudonym)'],
};

/**
 * The statements that give the API's role SELECT on every TABLE_RIGHTS table and API_WRITES,
 * everything else revoked first (as for the apps' role); only the tables in `existing` when
 * given (a migration runs before the later ones create theirs).
 */
export function apiGrantStatements(
  apiRole: string,
  schema = 'public',
  existing?: ReadonlySet<string>,
): string[] {
  const role = quoteIdentifier(apiRole);
  const ns = quoteIdentifier(schema);
  const statements = everythingRevoked(role, ns);
  for (const table of Object.keys(TABLE_RIGHTS) as (keyof typeof TABLE_RIGHTS)[]) {
    if (existing && !existing.has(table)) continue;
    const rights = ['SELECT', ...(API_WRITES[table] ?? [])];
    statements.push(`GRANT ${rights.join(', ')} ON ${ns}.${quoteIdentifier(table)} TO ${role}`);
    // An insert takes the table's bigserial id.
    if (API_WRITES[table]?.some((right) => right.startsWith('INSERT'))) {
      statements.push(
        `GRANT USAGE ON SEQUENCE ${ns}.${quoteIdentifier(`${table}_id_seq`)} TO ${role}`,
      );
    }
  }
  return statements;
}

/**
 * The Orthanc bridge's own role (BRIDGE_DATABASE_URL, v1.1; the embedded server makes one of
 * this name): the bridge reads Orthanc and produces to Kafka, and in PostgreSQL keeps only
 * its own state. So its role gets the bridge's tables (their TABLE_RIGHTS) and reads of the
 * migrations table (to see the schema is current), nothing of the ledger, offsets, read
 * models or access log; `migrate` grants it these when the role is named or one of this name
 * exists. No advisory lock, no temporary table (the embedded server grants those to the
 * owner and the apps' role only).
 */
export const DEFAULT_BRIDGE_ROLE = 'scantrail_bridge';

/** The tables the bridge keeps its state in (TABLE_RIGHTS' `bridge_` lines). */
export const BRIDGE_TABLES: readonly (keyof typeof TABLE_RIGHTS)[] = (
  Object.keys(TABLE_RIGHTS) as (keyof typeof TABLE_RIGHTS)[]
).filter((t) => t.startsWith('bridge_'));

/**
 * The statements that give the bridge's role its own tables with the rights TABLE_RIGHTS
 * names and SELECT on the migrations table, everything else revoked first; only the tables
 * in `existing` when given (migration 1764109500000 runs before later bridge tables exist).
 */
export function bridgeGrantStatements(
  bridgeRole: string,
  schema = 'public',
  existing?: ReadonlySet<string>,
): string[] {
  const role = quoteIdentifier(bridgeRole);
  const ns = quoteIdentifier(schema);
  const statements = everythingRevoked(role, ns);
  statements.push(`GRANT SELECT ON ${ns}."migrations" TO ${role}`);
  for (const table of BRIDGE_TABLES) {
    if (existing && !existing.has(table)) continue;
    statements.push(
      `GRANT ${PRIVILEGES[TABLE_RIGHTS[table]].join(', ')} ON ${ns}.${quoteIdentifier(table)} TO ${role}`,
    );
  }
  return statements;
}

/**
 * Where every grant starts: the schema usable, every right on its tables and sequences taken
 * back (so a right removed from the lists is gone at the next migrate). Quoted names.
 */
function everythingRevoked(role: string, ns: string): string[] {
  return [
    `GRANT USAGE ON SCHEMA ${ns} TO ${role}`,
    `REVOKE ALL ON ALL TABLES IN SCHEMA ${ns} FROM ${role}`,
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${ns} FROM ${role}`,
  ];
}

/** A PostgreSQL identifier in double quotes (roles come from a URL, so never trust them). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
