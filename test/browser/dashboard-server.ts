import { join } from 'node:path';
import { mintToken, type Role } from '@scantrail/access';
import { DEMO_SPAN_DAYS, demoEvents } from '@scantrail/demo';
import { OffsetStore, type PositionMove } from '@scantrail/storage';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import { ACME, scenarioEvents } from '../api/api-scenario';
import { startTestApi } from '../support/e2e-stack';
import {
  createTestDatabase,
  DirectRecorder,
  signCheckpoint,
  testSettings,
  type TestDatabase,
} from '../support/test-env';

const ROOT = join(__dirname, '..', '..');

/** The API with a seeded ledger, serving the built dashboard. */
export interface DashboardServer {
  /** e.g. http://127.0.0.1:41234/dashboard/ */
  dashboardUrl: string;
  origin: string;
  tokens: { officer: string; auditor: string; acme: string };
  /** A token for any role (and vendor), signed as the API expects. */
  mint(sub: string, roles: Role[], vendorId?: string): string;
  close(): Promise<void>;
}

/** What the server seeds and how its API is limited. */
export interface DashboardServerOptions {
  demoRuns?: number;
  eventsPerRun?: number;
  /** Raw messages to record before the seed (e.g. ones the ingest must refuse). */
  alsoRecord?: readonly (object | Buffer)[];
  /** API_QUARANTINE_PAGE_BYTES, to make quarantine pages end early. */
  quarantinePageBytes?: number;
  /** Recorded last, their findings left unevaluated (as while the findings worker is behind). */
  recordBehind?: readonly (object | Buffer)[];
  /**
   * Stored positions moved as the ingest moves them when Kafka no longer holds what they say
   * (OffsetStore.movePosition, which keeps each in ingest_gaps), on topic `gapsTopic`.
   */
  positionMoves?: readonly PositionMove[];
  /**
   * Sends an Orthanc bridge could not record, as its table holds them: `job-1` to `job-<n>`
   * of bridge `urn:scantrail:orthanc:test`, a DICOMweb STOW each, `job-<n>` noticed last.
   */
  unrecordedSends?: number;
}

/** The consumer group and topic of `positionMoves`. */
export const GAPS_GROUP = 'scantrail-ingest';
export const GAPS_TOPIC = 'imaging.lineage.events';

const DAY_MS = 86_400_000;

/**
 * Builds dist/dashboard from the current source (esbuild: well under a second), so the
 * test never checks a stale build, with or without a prior `npm run build`.
 */
export async function buildDashboard(): Promise<void> {
  // The plain JS build script that `npm run build` runs too.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const build = require(join(ROOT, 'tools', 'dashboard', 'build.js')) as {
    buildDashboard(): Promise<string>;
  };
  await build.buildDashboard();
}

/**
 * Seeds a few thousand demo events (several seeds, one after another over the two years
 * ending a few days ago, so the chart has a shape) plus the API scenario's small world (known patients, a traced derivative
 * chain), then starts the API on a free port.
 */
export async function startDashboardServer(
  options: DashboardServerOptions = {},
): Promise<DashboardServer> {
  await buildDashboard();
  const base = testSettings();
  const settings =
    options.quarantinePageBytes === undefined
      ? base
      : {
          ...base,
          apiLimits: { ...base.apiLimits, quarantinePageBytes: options.quarantinePageBytes },
        };
  let db: TestDatabase | undefined;
  let api: RunningApi | undefined;
  try {
    db = await createTestDatabase();
    const recorder = new DirectRecorder(db.dataSource, settings);
    if (options.alsoRecord?.length) await recorder.record(options.alsoRecord);
    const runs = options.demoRuns ?? 6;
    // One after another, each a share of the two years: the runs reuse patient numbers, so
    // overlapping runs would put one run's holdings under another run's deletion requests.
    const spanDays = DEMO_SPAN_DAYS / runs;
    const end = Math.floor(Date.now() / DAY_MS) * DAY_MS - 4 * DAY_MS;
    for (let run = 0; run < runs; run++) {
      const endTime = new Date(end - (runs - 1 - run) * spanDays * DAY_MS);
      const values = [
        ...demoEvents({ events: options.eventsPerRun ?? 600, seed: 100 + run, endTime, spanDays }),
      ].map((m) => m.value);
      for (let i = 0; i < values.length; i += 500) await recorder.record(values.slice(i, i + 500));
    }
    await recorder.record(Object.values(scenarioEvents()));
    if (options.recordBehind?.length) {
      await new DirectRecorder(db.dataSource, settings, 1, 'later').record(options.recordBehind);
    }
    const offsets = new OffsetStore(GAPS_GROUP, GAPS_TOPIC);
    for (const move of options.positionMoves ?? []) {
      await db.dataSource.query(
        `INSERT INTO ingest_offsets (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
         ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`,
        [GAPS_GROUP, GAPS_TOPIC, move.partition, move.storedOffset],
      );
      if (!(await offsets.movePosition(db.dataSource, move))) throw new Error('position not moved');
    }
    if (options.unrecordedSends) {
      await db.dataSource.query(
        `INSERT INTO bridge_unrecorded_sends (source, job_key, reason, job_type, destination_kind,
                                              destination, instances, completed_at, noticed_at)
         SELECT 'urn:scantrail:orthanc:test', 'job-' || i, 'dicomweb_unnamed', 'DicomWebStowClient',
                'dicomweb', NULL, i, now() - interval '1 hour' + i * interval '1 second',
                now() - interval '1 hour' + i * interval '1 second'
           FROM generate_series(1, $1::int) AS i`,
        [options.unrecordedSends],
      );
    }
    await signCheckpoint(db.dataSource, settings);
    api = await startTestApi({ ...settings, ledgerSigner: undefined }, db.dataSource);
    const token = (sub: string, roles: Role[], vendorId?: string): string =>
      mintToken({ secret: settings.authJwtSecret, sub, roles, vendorId, ttlSeconds: 3600 });
    const origin = `http://127.0.0.1:${api.port}`;
    const running = api;
    const database = db;
    return {
      origin,
      dashboardUrl: `${origin}/dashboard/`,
      tokens: {
        officer: token('officer-ada', ['privacy_officer']),
        auditor: token('auditor-bo', ['auditor']),
        acme: token('acme-user', ['vendor'], ACME),
      },
      mint: token,
      close: async () => {
        await running.close();
        await database.drop();
      },
    };
  } catch (error) {
    await api?.close();
    await db?.drop();
    throw error;
  }
}
