// npm run bench:bridge -- [--studies 300] [--stable-age 2] [--live-rate 20] [--live-s 10]
// Figures, not a test: how fast the built Orthanc bridge (a child process, as deployed)
// turns studies that are stable in a real Orthanc into ledger entries (through real Kafka
// and the built ingest), against Orthanc's own REST rate for the same reads; and the lag
// from a study's last instance to its ledger entry at a steady upload rate. See bench/README.md.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createKafka } from '@scantrail/kafka';
import { freePort } from '@scantrail/local-postgres';
import { startLocalKafka } from '@scantrail/local-kafka';
import {
  newUid,
  startLocalOrthanc,
  uploadStudy,
  type DemoStudy,
  type LocalOrthanc,
} from '@scantrail/orthanc-local';
import { createDataSource, migrate } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import {
  ingestEnvironment,
  repositoryRoot,
  startIngestProcess,
  type IngestProcess,
} from '../test/support/ingest-process';
import { openBenchServer } from './support/bench-database';
import { formatCount, formatMs, percentile, printTable, verdict } from './support/bench-stats';
import { processCpuMs } from './support/process-cpu';
import { runBench, startBenchRun, write } from './support/bench-run';

const REGISTERED = 'org.scantrail.study.registered';
/** What the bridge reads of each study at once (its STUDY_CONCURRENCY). */
const READ_CONCURRENCY = 8;
const TARGETS = { studiesPerS: 50, lagSlackMs: 2_000 };

function parseOptions(): { studies: number; stableAgeS: number; liveRate: number; liveS: number } {
  const { values } = parseArgs({
    options: {
      studies: { type: 'string', default: '300' },
      'stable-age': { type: 'string', default: '2' },
      'live-rate': { type: 'string', default: '20' },
      'live-s': { type: 'string', default: '10' },
    },
  });
  return {
    studies: Number(values.studies),
    stableAgeS: Number(values['stable-age']),
    liveRate: Number(values['live-rate']),
    liveS: Number(values['live-s']),
  };
}

const oneInstanceStudy = (n: number): DemoStudy => ({
  studyInstanceUid: newUid(),
  patientId: `BENCH-${n}`,
  studyDate: '20250101',
  institutionName: 'Bench Hospital',
  series: [{ seriesInstanceUid: newUid(), seriesNumber: 1, modality: 'CT', instances: 1 }],
});

async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: limit }, () => worker()));
}

async function getJson<T>(orthanc: LocalOrthanc, path: string): Promise<T> {
  const response = await fetch(`${orthanc.url}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Waits until Orthanc calls every study stable. */
async function waitStable(orthanc: LocalOrthanc, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    for (;;) {
      const study = await getJson<{ IsStable: boolean }>(orthanc, `/studies/${id}`);
      if (study.IsStable) break;
      await sleep(200);
    }
  }
}

/**
 * The baseline: Orthanc answering the reads the bridge makes for each stable study (the
 * study, its series expanded, the first instance's tags), as many at once as the bridge.
 */
async function orthancReadRate(orthanc: LocalOrthanc, ids: readonly string[]): Promise<number> {
  const start = performance.now();
  await mapLimit(ids, READ_CONCURRENCY, async (id) => {
    await getJson(orthanc, `/studies/${id}`);
    const series = await getJson<{ Instances: string[] }[]>(
      orthanc,
      `/studies/${id}/series?expand`,
    );
    const first = series[0]?.Instances[0];
    if (first) await getJson(orthanc, `/instances/${first}/simplified-tags`);
  });
  return ids.length / ((performance.now() - start) / 1000);
}

async function registeredCount(db: DataSource, uids: readonly string[]): Promise<number> {
  const rows = await db.query<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM ledger_entries WHERE type = $1 AND subject = ANY($2)',
    [REGISTERED, uids],
  );
  return rows[0]?.n ?? 0;
}

async function waitRegistered(db: DataSource, uids: readonly string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while ((await registeredCount(db, uids)) < uids.length) {
    if (Date.now() > deadline) {
      throw new Error(`only ${await registeredCount(db, uids)} of ${uids.length} studies recorded`);
    }
    await sleep(50);
  }
}

async function waitHealth(port: number, bridge: IngestProcess): Promise<void> {
  for (;;) {
    if (bridge.exit()) throw new Error(`the bridge exited:\n${bridge.output()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).status > 0) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const bench = startBenchRun('bridge');
  const { root, stops } = bench;
  try {
    write(
      `scantrail bridge benchmark: ${options.studies} studies, StableAge ${options.stableAgeS} s; ` +
        `nproc ${cpus().length}, load ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}, node ${process.version}`,
    );
    const server = await openBenchServer();
    stops.push(() => server.stop());
    const kafkaServer = await startLocalKafka({ dataDir: join(root, 'kafka') });
    stops.push(() => kafkaServer.stop());
    const orthanc = await startLocalOrthanc({
      dataDir: join(root, 'orthanc'),
      name: 'Bench PACS',
      stableAgeS: options.stableAgeS,
    });
    stops.push(() => orthanc.stop());
    const database = await server.createDatabase('bench_bridge');
    const db = createDataSource(database.url, { name: 'bench-watch', poolSize: 2 });
    await db.initialize();
    stops.push(() => db.destroy());
    await migrate(db);
    const topic = `bench-bridge-${Date.now().toString(36)}`;
    const kafka = createKafka({ brokers: kafkaServer.brokers, clientId: 'bench-bridge' });
    await kafka.ensureTopic(topic, 3);
    await kafka.disconnect();
    const { env } = ingestEnvironment({
      databaseUrl: database.url,
      brokers: kafkaServer.brokers,
      topic,
      groupId: 'bench-bridge-ingest',
      dataDir: join(root, 'ingest'),
    });
    const ingest = startIngestProcess({ env, label: 'ingest' });
    stops.push(() => ingest.terminate(10_000));
    const destinations = join(root, 'destinations.json');
    writeFileSync(
      destinations,
      JSON.stringify({
        nowhere: { vendorId: 'vnd-x', purpose: 'RESEARCH', legalBasis: 'IRB_WAIVER' },
      }),
    );
    // A port the system has free now (a random one in 41000-51000 fell in the range of
    // outgoing connections' ports and was taken in 1 run of 7: EADDRINUSE).
    const bridgePort = await freePort();
    const startBridge = (): IngestProcess =>
      startIngestProcess({
        env: {
          ...env,
          ORTHANC_URL: orthanc.url,
          BRIDGE_DESTINATIONS: destinations,
          BRIDGE_PORT: String(bridgePort),
        },
        entryPoint: join(repositoryRoot(), 'dist', 'apps', 'bridge', 'main.js'),
        label: 'bridge',
      });

    // 1. A backlog: every study stable in Orthanc before the bridge starts.
    const backlog = Array.from({ length: options.studies }, (_, n) => oneInstanceStudy(n));
    const uploadStart = performance.now();
    const ids: string[] = [];
    await mapLimit(backlog, READ_CONCURRENCY, async (s) => {
      ids.push(await uploadStudy(orthanc.url, s));
    });
    const uploadRate = backlog.length / ((performance.now() - uploadStart) / 1000);
    await waitStable(orthanc, ids);
    const baseline = await orthancReadRate(orthanc, ids);
    const bridge = startBridge();
    stops.push(() => bridge.terminate(10_000));
    await waitHealth(bridgePort, bridge);
    const t0 = performance.now();
    // CPU per study of the two processes the backlog runs through: less moved by the
    // machine's load than the rate (bench/README.md, "Reading the figures").
    const cpuAtStart = [processCpuMs(bridge.pid) ?? 0, processCpuMs(ingest.pid) ?? 0];
    await waitRegistered(
      db,
      backlog.map((s) => s.studyInstanceUid),
      300_000,
    );
    const bridgeRate = backlog.length / ((performance.now() - t0) / 1000);
    const [bridgeCpu, ingestCpu] = [bridge.pid, ingest.pid].map(
      (pid, i) => ((processCpuMs(pid) ?? Number.NaN) - cpuAtStart[i]) / backlog.length,
    );

    // 2. Live: studies arriving at a steady rate; lag from the last instance to the ledger.
    const live: { uid: string; doneAt: number }[] = [];
    const liveTotal = Math.round(options.liveRate * options.liveS);
    const liveStart = Date.now();
    const uploads: Promise<void>[] = [];
    for (let n = 0; n < liveTotal; n++) {
      const due = liveStart + (n * 1000) / options.liveRate;
      await sleep(Math.max(0, due - Date.now()));
      const study = oneInstanceStudy(100_000 + n);
      uploads.push(
        uploadStudy(orthanc.url, study).then(() => {
          live.push({ uid: study.studyInstanceUid, doneAt: Date.now() });
        }),
      );
    }
    await Promise.all(uploads);
    await waitRegistered(
      db,
      live.map((l) => l.uid),
      120_000,
    );
    const recorded = await db.query<{ subject: string; at: Date }[]>(
      'SELECT subject, recorded_at AS at FROM ledger_entries WHERE type = $1 AND subject = ANY($2)',
      [REGISTERED, live.map((l) => l.uid)],
    );
    const at = new Map(recorded.map((r) => [r.subject, r.at.getTime()]));
    const lags = live.map((l) => (at.get(l.uid) ?? Number.NaN) - l.doneAt);
    const lagP50 = percentile(lags, 50);
    const lagP99 = percentile(lags, 99);
    const lagBound = options.stableAgeS * 1000 + TARGETS.lagSlackMs;

    write();
    printTable(
      ['measure', 'value', 'note'],
      [
        [
          'REST upload (setup)',
          `${formatCount(uploadRate)} studies/s`,
          `${READ_CONCURRENCY} at once`,
        ],
        [
          'Orthanc REST, same reads (baseline)',
          `${formatCount(baseline)} studies/s`,
          `study + series + first instance tags, ${READ_CONCURRENCY} at once`,
        ],
        [
          'bridge: stable in Orthanc -> in the ledger',
          `${formatCount(bridgeRate)} studies/s`,
          `${formatCount((100 * bridgeRate) / baseline)}% of the baseline`,
        ],
        ['bridge CPU per study (backlog)', `${bridgeCpu.toFixed(2)} ms`, 'user + system'],
        ['ingest CPU per study (backlog)', `${ingestCpu.toFixed(2)} ms`, 'user + system'],
        [
          `live lag p50 (${options.liveRate}/s for ${options.liveS} s)`,
          `${formatMs(lagP50)} ms`,
          'last instance stored -> ledger commit',
        ],
        ['live lag p99', `${formatMs(lagP99)} ms`, `StableAge ${options.stableAgeS} s included`],
      ],
      write,
    );
    write();
    write(
      `${verdict(bridgeRate >= TARGETS.studiesPerS)}  bridge keeps up: ${formatCount(bridgeRate)} studies/s >= ${TARGETS.studiesPerS}`,
    );
    write(
      `${verdict(lagP99 <= lagBound)}  lag p99 ${formatMs(lagP99)} ms <= StableAge + 2 s = ${formatMs(lagBound)} ms`,
    );
    write(
      `nproc ${cpus().length}, load at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await bench.cleanUp();
  }
}

runBench('bridge', main);
