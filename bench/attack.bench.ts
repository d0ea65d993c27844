// npm run bench:attack -- [--runs 3] [--events 20000] [--duration-s 10] [--attackers 8]
//                           [--think-ms 20] [--cpu-prof]
// Figures, not a test: how long another client's small query takes while one vendor token
// floods the API with the 3,900-alias `ledger { checkpoint }` document from eight
// connections (issue 10, item 4). The built API runs as a child process, as deployed, over
// a real PostgreSQL holding demo events; the attackers run in a process of their own (one
// core at most: a remote attacker would not share ours at all); the victim, in this one, asks `{ ledger { treeSize } }` one request at a time. Each run measures the victim
// alone (baseline), then under attack. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { fork } from 'node:child_process';
import { mintToken, type Role } from '@scantrail/access';
import { demoEvents } from '@scantrail/demo';
import { type ConsumedMessage } from '@scantrail/kafka';
import { startLocalKafka } from '@scantrail/local-kafka';
import { generateSignerKey, parseSignerKey } from '@scantrail/ledger';
import { CheckpointStore, createDataSource, LedgerLog, migrate } from '@scantrail/storage';
import { benchRecorder, consumedMessage } from './support/bench-entries';
import { startApiChild, waitUntilServing, type ApiChild } from './support/api-child';
import { letterRequests, lettersEvents, type LetterRequest } from './support/letters-load';
import { openBenchServer, quiesce } from './support/bench-database';
import {
  formatCount,
  formatMs,
  median,
  percentile,
  printTable,
  verdict,
} from './support/bench-stats';
import { integerOption, runBench, startBenchRun, write } from './support/bench-run';
import { scrapeMetrics } from './support/api-metrics';
import { topOfProfile } from './support/cpu-profile';

const ORIGIN = 'bench.scantrail.local/attack';
const LOAD_TOPIC = 'bench-attack-load';
const LOAD_GROUP = 'bench-attack-load';
const BATCH = 5_000;
const TARGET_P99_MS = 100;
const VICTIM_QUERY = '{ ledger { treeSize } }';
const ALIASES = 3_900;
/** The attack of issue 10: 3,900 aliases of a field that reads the database and (then) signed. */
const ATTACK_QUERY = `{ ${Array.from({ length: ALIASES }, (_, i) => `a${i}: ledger { checkpoint }`).join(' ')} }`;
const REQUEST_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------------------
// The attackers (a process of their own)

const ATTACKER_FLAG = '--attacker';
const ORDER_ENV = 'SCANTRAIL_ATTACK_ORDER';

const SCENARIOS = ['aliases', 'letters'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface AttackOrder {
  /** The API's origin, `http://127.0.0.1:<port>`. */
  origin: string;
  token: string;
  attackers: number;
  /** `aliases`: the 3,900-alias document to /graphql; `letters`: these, in turn. */
  letters?: LetterRequest[];
}

/** What the attackers got back while they ran. */
interface AttackTally {
  requests: number;
  /** CPU the attackers' process used, in ms. */
  cpuMs: number;
  /** By HTTP status ("error" for a failed connection). */
  statuses: Record<string, number>;
  /** Letters: the time of each PDF received whole (status 200, `%PDF-`), in ms. */
  letterMs: number[];
}

/** Eight loops sending the attack back to back until told to stop; then the tally. */
async function attack(order: AttackOrder): Promise<void> {
  let running = true;
  process.once('message', () => {
    running = false;
  });
  const tally: AttackTally = { requests: 0, cpuMs: 0, statuses: {}, letterMs: [] };
  const cpuBefore = process.cpuUsage();
  const aliases = { path: '/graphql', body: JSON.stringify({ query: ATTACK_QUERY }) };
  const letters = (order.letters ?? []).map((l) => ({
    path: l.path,
    body: JSON.stringify(l.body),
  }));
  let turn = 0;
  const next = (): { path: string; body: string } =>
    letters.length === 0 ? aliases : letters[turn++ % letters.length];
  const count = (status: string): void => {
    tally.requests += 1;
    tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
  };
  const loop = async (): Promise<void> => {
    while (running) {
      const { path, body } = next();
      const start = performance.now();
      try {
        const response = await fetch(`${order.origin}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${order.token}` },
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const answer = Buffer.from(await response.arrayBuffer());
        const pdf = answer.subarray(0, 5).toString('latin1') === '%PDF-';
        if (letters.length > 0 && response.status === 200 && !pdf) count('200 not a PDF');
        else count(String(response.status));
        if (pdf && response.status === 200) tally.letterMs.push(performance.now() - start);
      } catch {
        count('error');
        await sleep(10); // a refused connection must not become a busy loop of our own
      }
    }
  };
  process.send?.('started');
  await Promise.all(Array.from({ length: order.attackers }, () => loop()));
  const cpu = process.cpuUsage(cpuBefore);
  tally.cpuMs = (cpu.user + cpu.system) / 1000;
  process.send?.(tally, () => process.exit(0));
}

interface RunningAttack {
  stop(): Promise<AttackTally>;
}

async function startAttack(order: AttackOrder): Promise<RunningAttack> {
  const child = fork(__filename, [ATTACKER_FLAG], {
    env: { ...process.env, [ORDER_ENV]: JSON.stringify(order) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: unknown[] = [];
  const waiters: ((message: unknown) => void)[] = [];
  child.on('message', (message: unknown) => {
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else messages.push(message);
  });
  const next = (): Promise<unknown> =>
    messages.length > 0
      ? Promise.resolve(messages.shift())
      : new Promise((resolveNext) => waiters.push(resolveNext));
  await next(); // 'started'
  return {
    stop: async () => {
      child.send('stop');
      const tally = (await next()) as AttackTally;
      if (child.exitCode === null) await new Promise((done) => child.once('exit', done));
      return tally;
    },
  };
}

// ---------------------------------------------------------------------------------------
// The victim (this thread)

interface VictimPhase {
  requests: number;
  failures: number;
  firstFailure?: string;
  p50: number;
  p99: number;
  max: number;
}

/** One small query at a time for `seconds`, `thinkMs` apart; latencies of correct answers. */
async function victim(
  url: string,
  token: string,
  expectedTreeSize: number,
  seconds: number,
  thinkMs: number,
): Promise<VictimPhase> {
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const body = JSON.stringify({ query: VICTIM_QUERY });
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const start = performance.now();
    let failure: string | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      const expected = JSON.stringify({ data: { ledger: { treeSize: expectedTreeSize } } });
      if (response.status !== 200 || text.trim() !== expected) {
        failure = `${response.status} ${text.slice(0, 200)}`;
      }
    } catch (error) {
      failure = (error as Error).message;
    }
    const ms = performance.now() - start;
    if (failure === undefined) latencies.push(ms);
    else {
      failures += 1;
      firstFailure ??= failure;
    }
    await sleep(thinkMs);
  }
  const stat = (p: number): number => (latencies.length > 0 ? percentile(latencies, p) : NaN);
  return {
    requests: latencies.length + failures,
    failures,
    firstFailure,
    p50: stat(50),
    p99: stat(99),
    max: stat(100),
  };
}

/**
 * The API's event-loop delay since the previous call, from its /metrics (prom-client's
 * monitorEventLoopDelay, 10 ms resolution, reset at every scrape): p99 and max in ms.
 */
async function eventLoopDelay(port: number): Promise<{ p99: number; max: number }> {
  const samples = await scrapeMetrics(port);
  const ms = (name: string): number => {
    const found = samples.find((s) => s.name === name);
    return found === undefined ? NaN : found.value * 1000;
  };
  return {
    p99: ms('nodejs_eventloop_lag_p99_seconds'),
    max: ms('nodejs_eventloop_lag_max_seconds'),
  };
}

// ---------------------------------------------------------------------------------------

interface Options {
  runs: number;
  events: number;
  seed: number;
  durationS: number;
  attackers: number;
  thinkMs: number;
  cpuProf: boolean;
  scenario: Scenario;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      events: { type: 'string', default: '20000' },
      seed: { type: 'string', default: '7' },
      'duration-s': { type: 'string', default: '10' },
      attackers: { type: 'string', default: '8' },
      'think-ms': { type: 'string', default: '20' },
      'cpu-prof': { type: 'boolean', default: false },
      scenario: { type: 'string', default: 'aliases' },
    },
  });
  const positive = integerOption;
  const scenario = SCENARIOS.find((s) => s === values.scenario);
  if (scenario === undefined) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')}`);
  return {
    runs: positive('runs', values.runs),
    events: positive('events', values.events),
    seed: positive('seed', values.seed),
    durationS: positive('duration-s', values['duration-s']),
    attackers: positive('attackers', values.attackers),
    thinkMs: positive('think-ms', values['think-ms'], 0),
    cpuProf: values['cpu-prof'],
    scenario,
  };
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface Run {
  baseline: VictimPhase;
  attacked: VictimPhase;
  tally: AttackTally;
  apiCpuPercent: number;
  victimCpuPercent: number;
  lagAlone: { p99: number; max: number };
  lagAttacked: { p99: number; max: number };
  /** The API's VmRSS and VmHWM (peak so far), MB: after the victim alone, and after the attack. */
  memoryAlone: { rss: number; peak: number };
  memory: { rss: number; peak: number };
  load: string;
}

function tokenFor(secret: string, sub: string, roles: Role[], vendorId?: string): string {
  return mintToken({
    secret: Buffer.from(secret, 'utf8'),
    sub,
    roles,
    vendorId,
    ttlSeconds: 3600,
  });
}

async function main(): Promise<void> {
  const options = parseOptions();
  const { root, stops, cleanUp } = startBenchRun('attack');
  try {
    const letters = options.scenario === 'letters' ? letterRequests() : undefined;
    write(
      `scantrail attack benchmark, scenario ${options.scenario}: ${options.runs} run(s); each ${options.durationS} s of the victim ` +
        `alone, then ${options.durationS} s under ${options.attackers} attackers` +
        (letters ? ` asking ${letters.length} PDF letters in turn` : '') +
        `; nproc ${cpus().length}, ` +
        `node ${process.version}, load ${load()} (1, 5, 15 min; the machine may be shared)`,
    );
    const server = await openBenchServer();
    stops.push(() => server.stop());
    const database = await server.createDatabase('bench_attack');
    const db = createDataSource(database.url, { name: 'bench-attack', poolSize: 2 });
    await db.initialize();
    stops.push(() => db.destroy());
    await migrate(db);

    // The ledger, recorded as the ingest records it (without Kafka), and a checkpoint signed
    // as the ingest's sequencer signs it: the API only serves it.
    const { signerKey } = generateSignerKey(ORIGIN);
    const pseudonymKey = randomBytes(32);
    const recorder = benchRecorder(db, {
      origin: ORIGIN,
      group: LOAD_GROUP,
      topic: LOAD_TOPIC,
      pseudonymKey,
    });
    let offset = 0;
    let entries = 0;
    let messages: ConsumedMessage[] = [];
    const flush = async (): Promise<void> => {
      if (messages.length === 0) return;
      const outcome = await recorder.record({ topic: LOAD_TOPIC, partition: 0, messages });
      entries += outcome.recorded;
      messages = [];
    };
    for (const m of demoEvents({ events: options.events, seed: options.seed })) {
      messages.push(consumedMessage(m, offset++));
      if (messages.length >= BATCH) await flush();
    }
    if (letters) for (const m of lettersEvents()) messages.push(consumedMessage(m, offset++));
    await flush();
    const signed = await new CheckpointStore(
      db,
      new LedgerLog(ORIGIN),
      parseSignerKey(signerKey),
    ).checkpointNow();
    const treeSize = signed?.treeSize ?? entries;
    await db.query('VACUUM ANALYZE');
    await quiesce((sql) => db.query(sql));
    write(
      `PostgreSQL ${server.postgresVersion} (${server.description}); ${formatCount(entries)} ledger ` +
        `entries from ${formatCount(options.events)} demo events; checkpoint at ${formatCount(treeSize)}`,
    );

    const local = await startLocalKafka({ dataDir: join(root, 'kafka') });
    stops.push(() => local.stop());
    const jwtSecret = randomBytes(32).toString('hex');
    const profileDir = options.cpuProf ? join(root, 'profile') : undefined;
    const api: ApiChild = await startApiChild(
      {
        NODE_ENV: 'production',
        DATABASE_URL: database.url,
        KAFKA_BROKERS: local.brokers.join(','),
        AUTH_JWT_SECRET: jwtSecret,
        PSEUDONYM_KEY: pseudonymKey.toString('hex'),
        LEDGER_SIGNING_KEY: signerKey,
        LEDGER_ORIGIN: ORIGIN,
        SCANTRAIL_DATA_DIR: join(root, 'api-data'),
        LOG_LEVEL: 'warn',
      },
      profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    );
    stops.push(() => api.stop());
    const origin = `http://127.0.0.1:${api.port}`;
    const url = `${origin}/graphql`;
    await waitUntilServing(api, tokenFor(jwtSecret, 'bench-ready', ['auditor']));
    write(`API pid ${api.pid} on 127.0.0.1:${api.port}`);

    const runs: Run[] = [];
    for (let run = 1; run <= options.runs; run++) {
      // Fresh subjects each run: the victim stays within its own rate budget, and every
      // run sees the attacker's first minute (its budget not yet spent) as well.
      const victimToken = (phase: string): string =>
        tokenFor(jwtSecret, `victim-${run}-${phase}`, ['auditor']);
      await eventLoopDelay(api.port);
      const baseline = await victim(
        url,
        victimToken('alone'),
        treeSize,
        options.durationS,
        options.thinkMs,
      );
      const lagAlone = await eventLoopDelay(api.port);
      const memoryAlone = api.memoryMb();
      const cpuBefore = api.cpuMs();
      const victimCpuBefore = process.cpuUsage();
      const startedAt = performance.now();
      const attack = await startAttack({
        origin,
        token: letters
          ? tokenFor(jwtSecret, `officer-script-${run}`, ['privacy_officer'])
          : tokenFor(jwtSecret, `attacker-${run}`, ['vendor'], 'acme'),
        attackers: options.attackers,
        letters,
      });
      let attacked: VictimPhase;
      let tally: AttackTally;
      try {
        attacked = await victim(
          url,
          victimToken('attacked'),
          treeSize,
          options.durationS,
          options.thinkMs,
        );
      } finally {
        tally = await attack.stop();
      }
      const wallMs = performance.now() - startedAt;
      const apiCpuPercent = (100 * (api.cpuMs() - cpuBefore)) / wallMs;
      const victimCpu = process.cpuUsage(victimCpuBefore);
      const victimCpuPercent = (victimCpu.user + victimCpu.system) / 10 / wallMs;
      const lagAttacked = await eventLoopDelay(api.port);
      runs.push({
        baseline,
        attacked,
        tally,
        apiCpuPercent,
        victimCpuPercent,
        lagAlone,
        lagAttacked,
        memoryAlone,
        memory: api.memoryMb(),
        load: load(),
      });
      write();
      write(`run ${run} of ${options.runs} (load ${load()}):`);
      printTable(
        ['victim', 'requests', 'failed', 'p50 ms', 'p99 ms', 'max ms'],
        [phaseRow('alone', baseline), phaseRow(`under ${options.attackers} attackers`, attacked)],
        write,
      );
      const statuses = Object.entries(tally.statuses)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([status, n]) => `${formatCount(n)} x ${status}`)
        .join(', ');
      write(
        `  attackers: ${formatCount(tally.requests)} requests (${formatCount(tally.requests / options.durationS)}/s): ` +
          statuses,
      );
      write(
        `  while attacked, % of a core: API ${apiCpuPercent.toFixed(0)}%, attackers ` +
          `${((100 * tally.cpuMs) / wallMs).toFixed(0)}%, victim ${victimCpuPercent.toFixed(0)}%; ` +
          `API event-loop delay p99/max ${formatMs(lagAttacked.p99)}/${formatMs(lagAttacked.max)} ms ` +
          `(alone ${formatMs(lagAlone.p99)}/${formatMs(lagAlone.max)} ms)`,
      );
      if (letters) {
        const ms = tally.letterMs;
        const { memoryAlone: alone, memory } = runs[runs.length - 1];
        write(
          `  letters: ${formatCount(ms.length)} PDFs (${(ms.length / options.durationS).toFixed(1)}/s), ` +
            `each p50/p99 ${letterMs(ms, 50)}/${letterMs(ms, 99)} ms; ` +
            `API RSS ${alone.rss.toFixed(0)} MB before the letters (peak so far ${alone.peak.toFixed(0)}), ` +
            `${memory.rss.toFixed(0)} MB after (peak so far ${memory.peak.toFixed(0)})`,
        );
      }
      for (const phase of [baseline, attacked]) {
        if (phase.firstFailure) write(`  first victim failure: ${phase.firstFailure}`);
      }
      const executed = Object.keys(tally.statuses).filter((s) =>
        letters
          ? s !== '200' && s !== '429' && s !== '503'
          : s !== '400' && s !== '429' && s !== '413',
      );
      if (executed.length > 0) {
        write(
          letters
            ? `  WARNING: letters answered ${executed.join(', ')}`
            : `  WARNING: attack requests answered ${executed.join(', ')}: not refused up front`,
        );
      }
    }

    const med = (pick: (r: Run) => number): number => median(runs.map(pick));
    write();
    write(`medians of ${runs.length} run(s) (nproc ${cpus().length}, load now ${load()}):`);
    printTable(
      ['victim', 'p50 ms', 'p99 ms', 'max ms'],
      [
        [
          'alone',
          formatMs(med((r) => r.baseline.p50)),
          formatMs(med((r) => r.baseline.p99)),
          formatMs(med((r) => r.baseline.max)),
        ],
        [
          `under ${options.attackers} attackers`,
          formatMs(med((r) => r.attacked.p50)),
          formatMs(med((r) => r.attacked.p99)),
          formatMs(med((r) => r.attacked.max)),
        ],
      ],
      write,
    );
    if (letters) {
      write(
        `letters: ${formatCount(med((r) => r.tally.letterMs.length))} PDFs a run ` +
          `(each p50 ${formatMs(med((r) => (r.tally.letterMs.length ? percentile(r.tally.letterMs, 50) : NaN)))} ms); API peak RSS ` +
          `${Math.max(...runs.map((r) => r.memory.peak)).toFixed(0)} MB`,
      );
    }
    const p99 = med((r) => r.attacked.p99);
    const failed = runs.reduce((n, r) => n + r.attacked.failures + r.baseline.failures, 0);
    write(
      `target: the victim's p99 under attack < ${TARGET_P99_MS} ms: ${formatMs(p99)} ms ` +
        `(alone: ${formatMs(med((r) => r.baseline.p99))} ms) ${verdict(p99 < TARGET_P99_MS && failed === 0)}` +
        (failed > 0 ? `; ${failed} victim request(s) failed` : ''),
    );

    if (profileDir !== undefined) {
      await api.stop();
      const profile = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (profile) {
        write('API CPU profile (whole run), top self time:');
        for (const line of topOfProfile(join(profileDir, profile), 15)) write(`  ${line}`);
      }
    }
  } finally {
    await cleanUp();
  }
}

/** A percentile of the letters' times, or '-' when none came back. */
function letterMs(ms: readonly number[], p: number): string {
  return ms.length === 0 ? '-' : formatMs(percentile(ms, p));
}

function phaseRow(name: string, p: VictimPhase): string[] {
  const ms = (v: number): string => (Number.isNaN(v) ? '-' : formatMs(v));
  return [name, formatCount(p.requests), formatCount(p.failures), ms(p.p50), ms(p.p99), ms(p.max)];
}

if (process.argv[2] === ATTACKER_FLAG) {
  void attack(JSON.parse(process.env[ORDER_ENV] ?? '{}') as AttackOrder);
} else {
  runBench('attack', main);
}
