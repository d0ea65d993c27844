// Jest runs the global setup outside its module system, so the @scantrail/* aliases of
// tsconfig.json are registered here by hand.
import 'tsconfig-paths/register';
import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalKafka } from '@scantrail/local-kafka';
import { startEmbeddedPostgres } from '@scantrail/local-postgres';
import { createTemplateDatabase } from './template-database';

/**
 * Starts ONE real PostgreSQL and ONE real Apache Kafka for the whole end-to-end run (in
 * parallel: together they take most of the set-up time). Test files then make their own
 * database and topic (test-env.ts), so files can run in parallel and never share state.
 */
export default async function globalSetup(): Promise<void> {
  await startServices({ kafka: true });
}

/**
 * The medium tier (jest.medium.config.js) starts PostgreSQL alone: storage and read-query
 * tests that need no broker run in seconds.
 */
export async function startServices(options: { kafka: boolean }): Promise<void> {
  const root = process.env.SCANTRAIL_E2E_DIR ?? mkdtempSync(join(tmpdir(), 'scantrail-e2e-'));
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755); // PostgreSQL runs as its own user and must reach its data dir
  const started = Date.now();
  const [postgres, kafka] = await Promise.all([
    // The migrated database every test file's own is copied from (template-database.ts).
    startEmbeddedPostgres(join(root, 'pg')).then(async (started) => {
      await createTemplateDatabase(started.adminUrl);
      return started;
    }),
    options.kafka
      ? startLocalKafka({ dataDir: join(root, 'kafka'), log: () => undefined })
      : undefined,
  ]);
  process.env.SCANTRAIL_E2E_DIR = root;
  process.env.SCANTRAIL_E2E_ADMIN_URL = postgres.adminUrl;
  process.env.SCANTRAIL_E2E_BROKERS = kafka?.brokers.join(',') ?? '';
  (globalThis as Record<string, unknown>).__scantrailServices = { postgres, kafka };
  process.stdout.write(
    `\ntest services up in ${Date.now() - started} ms: PostgreSQL ${postgres.adminUrl.replace(/:[^:@/]+@/, ':***@')}${kafka ? `, Kafka ${kafka.brokers.join(',')}` : ''}\n`,
  );
}
