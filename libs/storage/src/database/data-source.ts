import { DataSource } from 'typeorm';
import { Ledger1764070000000 } from '../migrations/1764070000000-ledger';
import { ReadModels1764070100000 } from '../migrations/1764070100000-read-models';
import { VendorReceipts1764070300000 } from '../migrations/1764070300000-vendor-receipts';
import { ReadIndexes1764070200000 } from '../migrations/1764070200000-read-indexes';
import { PatientRights1764085000000 } from '../migrations/1764085000000-patient-rights';
import { OrthancBridge1764086000000 } from '../migrations/1764086000000-orthanc-bridge';

export const MIGRATIONS = [
  Ledger1764070000000,
  ReadModels1764070100000,
  ReadIndexes1764070200000,
  VendorReceipts1764070300000,
  PatientRights1764085000000,
  OrthancBridge1764086000000,
];

/** Read-model tables, in an order safe to truncate and rebuild. */
export const READ_MODEL_TABLES = [
  'rm_deletion_requests',
  'rm_breaches',
  'rm_vendor_receipts',
  'rm_findings',
  'rm_deletions',
  'rm_models',
  'rm_transfers',
  'rm_disclosures',
  'rm_consent_revocations',
  'rm_consents',
  'rm_dataset_members',
  'rm_datasets',
  'rm_derivations',
  'rm_studies',
  'rm_agreement_terminations',
  'rm_agreements',
  'rm_vendors',
] as const;

/** A TypeORM DataSource over `url`: migrations only, never `synchronize`. */
export function createDataSource(
  url: string,
  options: { poolSize?: number; name?: string; statementTimeoutMs?: number } = {},
): DataSource {
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
    // statement_timeout is sent when each connection opens, so it holds for every query.
    extra: {
      connectionTimeoutMillis: 30000,
      ...(options.statementTimeoutMs === undefined
        ? {}
        : { statement_timeout: options.statementTimeoutMs }),
    },
  });
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}
