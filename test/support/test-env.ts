import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createLogger, type Settings } from '@scantrail/config';
import { createKafka, type ConsumedBatch, type KafkaClient } from '@scantrail/kafka';
import { generateSignerKey, parseSignerKey } from '@scantrail/ledger';
import { completeFindings, LineageProjection } from '@scantrail/projection';
import { findingsFreshness } from '@scantrail/queries';
import {
  CheckpointStore,
  createDataSource,
  LedgerLog,
  migrateAs,
  OffsetStore,
  quoteIdentifier,
  type Database,
  type StoredCheckpoint,
} from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { copyTemplateDatabase } from './template-database';
import { BatchRecorder, type BatchOutcome } from '../../apps/ingest/src/batch-recorder';
import { BatchSplittingRecorder } from '../../apps/ingest/src/batch-splitting-recorder';

/** Services started by the global setup. */
export function e2eServices(): { adminUrl: string; brokers: string[]; dir: string } {
  const adminUrl = process.env.SCANTRAIL_E2E_ADMIN_URL;
  const brokers = process.env.SCANTRAIL_E2E_BROKERS;
  const dir = process.env.SCANTRAIL_E2E_DIR;
  if (!adminUrl || brokers === undefined || !dir)
    throw new Error('e2e services are not up: run through jest.e2e.config.js');
  // The medium tier (jest.medium.config.js) starts PostgreSQL alone.
  return { adminUrl, brokers: brokers === '' ? [] : brokers.split(','), dir };
}

const uniqueName = (prefix: string): string =>
  `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

/**
 * A database of its own for one test file, with the two roles of CONTRACT section 5 as in
 * production: an owner that migrated it and an apps' role that owns nothing.
 */
export interface TestDatabase {
  name: string;
  /** As the apps' role (DATABASE_URL): what ingest, API and CLI use. */
  url: string;
  /** As the role that owns the schema (MIGRATION_DATABASE_URL). */
  ownerUrl: string;
  /** As the API's own role (API_DATABASE_URL): reads, and the access log's inserts. */
  apiUrl: string;
  /** As the Orthanc bridge's own role (BRIDGE_DATABASE_URL): the bridge's tables only. */
  bridgeUrl: string;
  /** As the cluster's superuser: only for tests that tamper on purpose. */
  superuserUrl: string;
  /** Migrated, ready to use; connected as the apps' role. */
  dataSource: DataSource;
  /** The same pool as a `Database`, for CLI commands (it is not closed by them). */
  database: Database;
  drop(): Promise<void>;
}

/** A client of `url`, connected (as `applicationName`, when given); the caller ends it. */
export async function connectedClient(url: string, applicationName?: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  return client;
}

/** Undoes, as the schema owner `ownerUrl`, the migrations applied after `name` and then `name` itself (their `down`s, newest first). */
export async function undoMigrationsThrough(ownerUrl: string, name: string): Promise<void> {
  const undoing = await createDataSource(ownerUrl, { name: 'undo' }).initialize();
  try {
    // The migrations after `name`, newest first, then `name` itself.
    for (let i = 0; i < 100; i++) {
      const applied = await undoing.query<unknown[]>('SELECT 1 FROM migrations WHERE name = $1', [
        name,
      ]);
      if (applied.length === 0) return;
      await undoing.undoLastMigration({ transaction: 'each' });
    }
    throw new Error(`${name} is still applied after 100 migrations were undone`);
  } finally {
    await undoing.destroy();
  }
}

/**
 * A session of `url` that read `table` and now sits idle in its transaction, keeping that
 * table's read lock: what any holder of the apps' credentials can do. End it with ROLLBACK.
 */
export async function idleReader(
  url: string,
  table: string,
): Promise<{ client: Client; pid: number }> {
  const client = await connectedClient(url);
  try {
    await client.query('BEGIN');
    await client.query(`SELECT count(*) FROM ${quoteIdentifier(table)}`);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return { client, pid: rows[0].pid };
  } catch (error) {
    await client.end();
    throw error;
  }
}

/** A fresh, migrated database of its own for one test file (a copy of the run's template). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { adminUrl } = e2eServices();
  const name = uniqueName('t');
  const owner = { role: `${name}_owner`, password: randomBytes(16).toString('hex') };
  const app = { role: `${name}_app`, password: randomBytes(16).toString('hex') };
  const apiRole = { role: `${name}_api`, password: randomBytes(16).toString('hex') };
  const bridgeRole = { role: `${name}_bridge`, password: randomBytes(16).toString('hex') };
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  for (const { role, password } of [owner, app, apiRole, bridgeRole]) {
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  }
  await admin.end();
  // A copy of the run's migrated template, handed to this file's roles (template-database.ts).
  await copyTemplateDatabase(adminUrl, name, {
    owner: owner.role,
    app: app.role,
    api: apiRole.role,
    bridge: bridgeRole.role,
  });
  const at = new URL(adminUrl);
  const urlOf = (role: string, password: string): string =>
    `postgres://${role}:${password}@${at.host}/${name}`;
  const url = urlOf(app.role, app.password);
  const ownerUrl = urlOf(owner.role, owner.password);
  const apiUrl = urlOf(apiRole.role, apiRole.password);
  const bridgeUrl = urlOf(bridgeRole.role, bridgeRole.password);
  await migrateAs(ownerUrl, url, apiUrl, bridgeUrl);
  const dataSource = createDataSource(url, { name: 'e2e', poolSize: 5 });
  await dataSource.initialize();
  return {
    name,
    url,
    ownerUrl,
    apiUrl,
    bridgeUrl,
    superuserUrl: adminUrl.replace(/\/postgres$/, `/${name}`),
    dataSource,
    database: {
      dataSource,
      url,
      apiUrl,
      bridgeUrl,
      migrationUrl: ownerUrl,
      close: () => Promise.resolve(),
    },
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${app.role}`);
      await c.query(`DROP ROLE IF EXISTS ${apiRole.role}`);
      await c.query(`DROP ROLE IF EXISTS ${bridgeRole.role}`);
      await c.query(`DROP ROLE IF EXISTS ${owner.role}`);
      await c.end();
    },
  };
}

/**
 * Signs and stores a checkpoint of the log as it is, as the ingest's checkpointer does
 * (tests that record without a running ingest play its part; the API never signs).
 */
export async function signCheckpoint(
  dataSource: DataSource,
  settings: Settings,
): Promise<StoredCheckpoint | undefined> {
  return new CheckpointStore(
    dataSource,
    new LedgerLog(settings.ledgerOrigin),
    settings.ledgerSigner,
  ).checkpointNow();
}

/**
 * A fresh topic of its own on the shared broker. `create`, when given, creates it first
 * (with a configuration the adapter's ensureTopic does not set); ensureTopic then waits for
 * its leaders.
 */
export async function createTestTopic(
  partitions = 1,
  create?: (topic: string) => Promise<void>,
): Promise<{ topic: string; kafka: KafkaClient }> {
  const { brokers } = e2eServices();
  if (brokers.length === 0) throw new Error('no Kafka in the medium tier: make this an e2e test');
  const kafka = createKafka({
    brokers,
    clientId: 'scantrail-e2e',
    logLevel: 'error',
  });
  const topic = uniqueName('events');
  await create?.(topic);
  await kafka.ensureTopic(topic, partitions);
  return { topic, kafka };
}

/** Settings as an operator would give them, with fresh keys, for one test. */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  const origin = overrides.ledgerOrigin ?? 'test.scantrail.local/ledger';
  const ledgerSigner =
    overrides.ledgerSigner ?? parseSignerKey(generateSignerKey(origin).signerKey);
  return {
    kafkaTopic: 'imaging.lineage.events',
    kafkaGroupId: uniqueName('group'),
    port: 0,
    host: '127.0.0.1',
    authJwtSecret: randomBytes(32),
    authToken: { maxLifetimeS: 12 * 3600 },
    apiLimits: {
      requestsPerMinute: 100_000,
      statementTimeoutMs: 30_000,
      bodyLimitBytes: 256 * 1024,
      refusalsPerMinute: 100_000,
      inFlightPerToken: 1_000,
      queuedPerToken: 1_000,
      connectionsPerAddress: 256,
      answerBufferBytes: 16 * 1024 * 1024,
      quarantinePageBytes: 4 * 1024 * 1024,
    },
    development: false,
    ledgerSigner,
    ledgerVerifierKey: ledgerSigner.verifierKey,
    pseudonymKey: randomBytes(32),
    ledgerOrigin: origin,
    checkpointIntervalS: 1,
    dataDir: e2eServices().dir,
    devSecrets: false,
    logLevel: 'error',
    ingestBatchBytes: 2 * 1024 * 1024,
    ingestStallS: 60,
    ingestLossDegradedS: 86400,
    ingestMaxDecompressedBytes: 32 * 1024 * 1024,
    reportOrganisation: 'scantrail demo hospital',
    letterRendering: { threads: 1, queue: 16, heapMb: 64 },
    ...overrides,
  };
}

export const testLogger = createLogger('e2e', process.env.E2E_LOG_LEVEL ?? 'silent');

/**
 * Records events through the real ingest path (decode, pseudonymize, ledger append,
 * projection, offsets) without Kafka: each call is one "batch" on a synthetic partition,
 * after which the findings are brought up to date as the ingest's findings worker does
 * (`findings: 'later'` leaves that to `completeFindings`, as when the worker is behind).
 */
export class DirectRecorder {
  private offset = 0n;
  private readonly recorder: { record(batch: ConsumedBatch): Promise<BatchOutcome> };

  private readonly log: LedgerLog;

  /**
   * `safetyNet` 'split': through the ingest's BatchSplittingRecorder, so a message the
   * database refuses is quarantined with its reason (rejected_by_database) as in the ingest.
   */
  constructor(
    private readonly dataSource: DataSource,
    settings: Settings,
    private readonly partition = 0,
    private readonly findings: 'now' | 'later' = 'now',
    safetyNet: 'none' | 'split' = 'none',
  ) {
    this.log = new LedgerLog(settings.ledgerOrigin);
    const recorder = new BatchRecorder(
      dataSource,
      this.log,
      new OffsetStore('direct', 'direct'),
      new LineageProjection(),
      settings.pseudonymKey,
    );
    this.recorder = safetyNet === 'split' ? new BatchSplittingRecorder(recorder) : recorder;
  }

  /** Values: CloudEvent objects (JSON-encoded here) or raw bytes. */
  async record(values: readonly (object | Buffer)[]): Promise<BatchOutcome> {
    const batch: ConsumedBatch = {
      topic: 'direct',
      partition: this.partition,
      messages: values.map((v) => {
        const value = Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v));
        const message = {
          offset: this.offset.toString(),
          key: null,
          value,
          timestamp: String(Date.now()),
          headerCount: 0,
        };
        this.offset += 1n;
        return message;
      }),
    };
    const outcome = await this.recorder.record(batch);
    if (this.findings === 'now') await this.completeFindings();
    return outcome;
  }

  /** Evaluates every entry recorded so far, in rounds, as the findings worker does. */
  completeFindings(): Promise<number> {
    return completeFindings(this.dataSource, this.log);
  }
}

/**
 * Waits until the findings worker has evaluated every ledger entry committed so far (the
 * ingest's findings run behind its commits): "answers stable" for findings and accounting.
 */
export async function findingsSettled(dataSource: DataSource, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => ((await findingsFreshness(dataSource)).lagEntries === 0 ? true : undefined),
    timeoutMs,
    'the findings worker to evaluate every recorded entry',
  );
}

/**
 * Polls every `pollMs` until `check` returns a value (not undefined), or fails after
 * `timeoutMs` with the last error `check` threw (a service may be down on purpose).
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30000,
  what = 'condition',
  pollMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const cause = last instanceof Error ? `: ${last.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
}
