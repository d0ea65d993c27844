import type { EventEmitter } from 'node:events';
import { DataSource } from 'typeorm';
import { Ledger1764070000000 } from '../migrations/1764070000000-ledger';
import { ReadModels1764070100000 } from '../migrations/1764070100000-read-models';
import { VendorReceipts1764070300000 } from '../migrations/1764070300000-vendor-receipts';
import { ReadIndexes1764070200000 } from '../migrations/1764070200000-read-indexes';
import { Inspections1764084000000 } from '../migrations/1764084000000-inspections';
import { PatientRights1764085000000 } from '../migrations/1764085000000-patient-rights';
import { OrthancBridge1764086000000 } from '../migrations/1764086000000-orthanc-bridge';
import { HistoryRefusesTruncate1764081000000 } from '../migrations/1764081000000-history-refuses-truncate';
import { BridgePendingStudies1764089000000 } from '../migrations/1764089000000-bridge-pending-studies';
import { FindingsProgress1764093000000 } from '../migrations/1764093000000-findings-progress';
import { VendorHoldings1764095000000 } from '../migrations/1764095000000-vendor-holdings';
import { VendorStatistics1764100000000 } from '../migrations/1764100000000-vendor-statistics';
import { FindingsCounts1764100100000 } from '../migrations/1764100100000-findings-counts';
import { FindingsMonths1764100200000 } from '../migrations/1764100200000-findings-months';
import { ResolvedStudies1764101000000 } from '../migrations/1764101000000-resolved-studies';
import { BreachImpact1764102000000 } from '../migrations/1764102000000-breach-impact';
import { EventSourceOfReceipts1764102500000 } from '../migrations/1764102500000-event-source-of-receipts';
import { DeletionObligations1764103000000 } from '../migrations/1764103000000-deletion-obligations';
import { DeletionEventualStatuses1764104000000 } from '../migrations/1764104000000-deletion-eventual-statuses';
import { AgreementSigners1764104500000 } from '../migrations/1764104500000-agreement-signers';
import { AgreementSignings1764105000000 } from '../migrations/1764105000000-agreement-signings';
import { BridgeKnownStudies1764105500000 } from '../migrations/1764105500000-bridge-known-studies';
import { TargetEvents1764106500000 } from '../migrations/1764106500000-target-events';
import { FindingsGeneration1764107000000 } from '../migrations/1764107000000-findings-generation';
import { StudyLabels1764107500000 } from '../migrations/1764107500000-study-labels';
import { ApiRole1764108000000 } from '../migrations/1764108000000-api-role';
import { AccountingRows1764108500000 } from '../migrations/1764108500000-accounting-rows';
import { BridgeRole1764109500000 } from '../migrations/1764109500000-bridge-role';
import { DerivationsSourceDistinct1764110000000 } from '../migrations/1764110000000-derivations-source-distinct';
import { FindingsFreeSpace1764110500000 } from '../migrations/1764110500000-findings-free-space';
import { DeletionTargetStatistics1764111000000 } from '../migrations/1764111000000-deletion-target-statistics';
import { FindingDetails1764112000000 } from '../migrations/1764112000000-finding-details';
import { DuplicateConflicts1764112500000 } from '../migrations/1764112500000-duplicate-conflicts';
import { AppendsInCommitOrder1764113000000 } from '../migrations/1764113000000-appends-in-commit-order';
import { AccessLogCommitOrder1764114000000 } from '../migrations/1764114000000-access-log-commit-order';
import { OffsetRecordDigest1764115000000 } from '../migrations/1764115000000-offset-record-digest';
import { ConsentRecordings1764116000000 } from '../migrations/1764116000000-consent-recordings';
import { DeletionEventualOwnAttestations1764116500000 } from '../migrations/1764116500000-deletion-eventual-own-attestations';
import { BridgeUnrecordedSends1764117500000 } from '../migrations/1764117500000-bridge-unrecorded-sends';
import { IngestGaps1764118500000 } from '../migrations/1764118500000-ingest-gaps';
import { HistoryBoundedCosts1764119000000 } from '../migrations/1764119000000-history-bounded-costs';
import { DeletionDueOrder1764120000000 } from '../migrations/1764120000000-deletion-due-order';
import {
  apiGrantStatements,
  bridgeGrantStatements,
  DEFAULT_API_ROLE,
  DEFAULT_BRIDGE_ROLE,
  grantStatements,
  tablesWithoutRights,
} from './table-rights';

export const MIGRATIONS = [
  Ledger1764070000000,
  ReadModels1764070100000,
  ReadIndexes1764070200000,
  VendorReceipts1764070300000,
  Inspections1764084000000,
  PatientRights1764085000000,
  OrthancBridge1764086000000,
  HistoryRefusesTruncate1764081000000,
  BridgePendingStudies1764089000000,
  FindingsProgress1764093000000,
  VendorHoldings1764095000000,
  VendorStatistics1764100000000,
  FindingsCounts1764100100000,
  FindingsMonths1764100200000,
  ResolvedStudies1764101000000,
  BreachImpact1764102000000,
  EventSourceOfReceipts1764102500000,
  DeletionObligations1764103000000,
  DeletionEventualStatuses1764104000000,
  AgreementSigners1764104500000,
  AgreementSignings1764105000000,
  BridgeKnownStudies1764105500000,
  TargetEvents1764106500000,
  FindingsGeneration1764107000000,
  StudyLabels1764107500000,
  ApiRole1764108000000,
  AccountingRows1764108500000,
  BridgeRole1764109500000,
  DerivationsSourceDistinct1764110000000,
  FindingsFreeSpace1764110500000,
  DeletionTargetStatistics1764111000000,
  FindingDetails1764112000000,
  DuplicateConflicts1764112500000,
  AppendsInCommitOrder1764113000000,
  AccessLogCommitOrder1764114000000,
  OffsetRecordDigest1764115000000,
  ConsentRecordings1764116000000,
  DeletionEventualOwnAttestations1764116500000,
  BridgeUnrecordedSends1764117500000,
  IngestGaps1764118500000,
  HistoryBoundedCosts1764119000000,
  DeletionDueOrder1764120000000,
];

export interface DataSourceOptions {
  poolSize?: number;
  name?: string;
  statementTimeoutMs?: number;
  /** Each lock wait of a statement ends after this long (SQLSTATE 55P03); unset: none. */
  lockTimeoutMs?: number;
  /**
   * Told when the server drops a connection that a caller holds between two queries (a
   * restart, `pg_terminate_backend`). The caller's next query on it fails and the
   * transaction retries on a fresh connection; without a listener pg would raise the drop
   * as an unhandled 'error' event and end the process.
   */
  onConnectionError?: (error: Error) => void;
}

/**
 * The session settings every connection of ours starts with, sent in the startup packet
 * (`options`). PostgreSQL lets any role set its own defaults for later sessions
 * (`ALTER ROLE CURRENT_USER SET ...`: no right or role attribute takes that away), and the
 * ingest, the API and the CLI share the apps' role; settings sent at connection start
 * take precedence over the role's defaults, so one compromised app cannot make the
 * others' later connections read-only, time out, look for tables in another schema, take
 * snapshots at another isolation level or read dates in another style. Only settings
 * every supported server knows (PostgreSQL 13+), and none that needs a superuser.
 * `statement_timeout`: the caller's, else none.
 */
export function sessionOptions(statementTimeoutMs = 0, lockTimeoutMs = 0): string {
  const settings: [string, string][] = [
    ['search_path', 'public'],
    ['client_encoding', 'UTF8'],
    ['DateStyle', 'ISO,MDY'],
    ['IntervalStyle', 'postgres'],
    ['TimeZone', 'UTC'],
    ['extra_float_digits', '1'],
    ['standard_conforming_strings', 'on'],
    // node-pg sends a null inside an array parameter as an unquoted NULL: with array_nulls
    // off PostgreSQL reads it as the text 'NULL' (or refuses it for a timestamptz).
    ['array_nulls', 'on'],
    ['default_transaction_read_only', 'off'],
    ['default_transaction_isolation', 'read committed'],
    ['default_transaction_deferrable', 'off'],
    ['statement_timeout', String(statementTimeoutMs)],
    ['lock_timeout', String(lockTimeoutMs)],
    ['idle_in_transaction_session_timeout', '0'],
  ];
  // A space inside a value is escaped: unescaped, it separates two options.
  return settings.map(([name, value]) => `-c ${name}=${value.replace(/ /g, '\\ ')}`).join(' ');
}

/**
 * Timeouts some servers do not know (`transaction_timeout` since PostgreSQL 17,
 * `idle_session_timeout` since 14) cannot go in the startup packet: a server refuses a
 * connection that sends a setting it does not know. They are set by the connection's first
 * statement instead, to none (the apps' own limits are statement_timeout and their
 * callers'), where the server has them: one round trip of microseconds right after start,
 * so a role default one compromised app set (`ALTER ROLE CURRENT_USER SET
 * transaction_timeout = ...`) cannot end the others' transactions or idle pooled
 * connections. Only a default shorter than that first statement could still end one
 * connection as it opens (the pool then opens another). The same statement raises a
 * `synchronous_commit` below `on` (a role default `off` returns commits before their WAL
 * is on disk: a crash would lose access-log rows of answers sent and checkpoints served),
 * leaving a server's stronger `remote_apply` as it is.
 */
export const PIN_LATER_SETTINGS = `SELECT set_config(n, '0', false)
  FROM unnest(ARRAY['transaction_timeout', 'idle_session_timeout']) n
 WHERE current_setting(n, true) IS NOT NULL
UNION ALL
SELECT set_config('synchronous_commit', 'on', false)
 WHERE current_setting('synchronous_commit') NOT IN ('on', 'remote_apply')`;

interface Connection extends EventEmitter {
  query(sql: string): Promise<unknown>;
}

/** A TypeORM DataSource over `url`: migrations only, never `synchronize`. */
export function createDataSource(url: string, options: DataSourceOptions = {}): DataSource {
  const onConnectionError = options.onConnectionError ?? (() => undefined);
  return new DataSource({
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    poolSize: options.poolSize ?? 10,
    applicationName: options.name ?? 'scantrail',
    logging: false,
    extra: {
      connectionTimeoutMillis: 30000,
      // pg-pool listens for errors on idle clients only; a checked-out client (inside a
      // transaction, between statements) gets this listener for its whole life.
      // pg-pool hands the connection out once this has finished; a failure fails the connect.
      onConnect: async (client: Connection) => {
        client.on('error', onConnectionError);
        await client.query(PIN_LATER_SETTINGS);
      },
      // Sent when each connection opens (statement_timeout too), so they hold for every
      // query, whatever the role's own defaults say.
      options: sessionOptions(options.statementTimeoutMs, options.lockTimeoutMs),
    },
  });
}

/** The user name of a postgres:// URL (the role it connects as). */
export function roleOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

/**
 * Applies pending migrations; returns the names applied. Given the apps' role (the user
 * of DATABASE_URL) and run as another role (the schema owner), it then grants the apps'
 * role exactly TABLE_RIGHTS, in the same transaction, and refuses to finish while a table
 * has no entry there. As the schema's owner it also grants the API's role (`apiRole`, else
 * DEFAULT_API_ROLE when such a role exists) its reads and the access log, and the bridge's
 * role (`bridgeRole`, else DEFAULT_BRIDGE_ROLE when it exists) the bridge's own tables.
 */
export async function migrate(
  dataSource: DataSource,
  options: { appRole?: string; apiRole?: string; bridgeRole?: string } = {},
): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  const { appRole } = options;
  await dataSource.transaction(async (manager) => {
    const [{ current, owner }] = await manager.query<{ current: string; owner: boolean }[]>(
      `SELECT current_user AS current,
              coalesce((SELECT pg_has_role(current_user, tableowner, 'MEMBER') FROM pg_tables
                         WHERE schemaname = 'public' AND tablename = 'migrations'), false) AS owner`,
    );
    if (!owner) return; // only the schema's owner grants
    const apiRole = options.apiRole ?? (await existingRole(manager, DEFAULT_API_ROLE));
    const grantApp = appRole !== undefined && current !== appRole; // else it owns what it made
    const grantApi = apiRole !== undefined && apiRole !== current && apiRole !== appRole;
    const bridgeRole = options.bridgeRole ?? (await existingRole(manager, DEFAULT_BRIDGE_ROLE));
    const grantBridge =
      bridgeRole !== undefined &&
      bridgeRole !== current &&
      bridgeRole !== appRole &&
      bridgeRole !== apiRole;
    if (!grantApp && !grantApi && !grantBridge) return;
    // Views too (rm_findings): `everythingRevoked` takes their rights back with the tables'.
    // Not an extension's own tables and views (pg_stat_statements' views, PostGIS's
    // spatial_ref_sys, created in public by an operator): the extension says what they are.
    const tables = await manager.query<{ name: string }[]>(
      `SELECT c.relname AS name FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                           WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                             AND d.deptype = 'e')`,
    );
    // The apps' rights must name every table and view. The API's need not: it is granted reads of
    // TABLE_RIGHTS' tables only, so a table of another tool in the database (a benchmark's
    // bench_api_meta) stays out of its reach instead of failing the migration.
    const missing = grantApp ? tablesWithoutRights(tables.map((t) => t.name)) : [];
    if (missing.length > 0) {
      throw new Error(
        `table or view ${missing.join(', ')} has no line in TABLE_RIGHTS (libs/storage/src/database/table-rights.ts): say what the apps' role may do to it`,
      );
    }
    if (grantApp) for (const statement of grantStatements(appRole)) await manager.query(statement);
    if (grantApi) {
      for (const statement of apiGrantStatements(apiRole)) await manager.query(statement);
    }
    if (grantBridge) {
      for (const statement of bridgeGrantStatements(bridgeRole)) await manager.query(statement);
    }
  });
  return applied.map((m) => m.name);
}

async function existingRole(
  db: { query<T>(sql: string, params?: unknown[]): Promise<T> },
  role: string,
): Promise<string | undefined> {
  const rows = await db.query<unknown[]>('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  return rows.length > 0 ? role : undefined;
}
