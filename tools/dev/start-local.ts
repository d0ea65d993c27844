/**
 * `npm start`: the whole local product in one terminal. Starts PostgreSQL and Kafka
 * (embedded defaults unless DATABASE_URL / KAFKA_BROKERS are set), applies migrations,
 * runs ingest and API as child processes, produces the demo stream, and prints where to
 * go. With Debian's Orthanc installed it also runs a hospital and a vendor Orthanc, the
 * Orthanc bridge, and the PACS demo flow (pacs-demo.ts). Ctrl-C stops everything it started.
 */
import { startPostgresOwner } from '@scantrail/local-postgres';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { mintToken } from '@scantrail/access';
import { createLogger, loadSettingsOrExit } from '@scantrail/config';
import { resolveKafkaBrokers } from '@scantrail/local-kafka';
import { createKafka } from '@scantrail/kafka';
import { openDatabase } from '@scantrail/storage';
import { produceDemo } from '../../apps/cli/src/commands/demo.command';
import { DevLogView } from './dev-log-view';
import { runPacsFlow, startPacs, type PacsDemo } from './pacs-demo';

// Children's JSON logs go to files under the data folder; the terminal reads them (and the
// launcher's own lines) in a readable form, with the demo's floods counted.
const settings = loadSettingsOrExit();
const logs = new DevLogView(settings.dataDir);
const logger = createLogger('scantrail-start', undefined, {
  write: (line: string) => process.stdout.write(logs.render('start', line.trimEnd())),
});
const dist = join(__dirname, '..', '..');

function run(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  // Own process group: Ctrl-C reaches only this launcher, which stops the children in
  // order. The IPC channel lets a child notice if the launcher dies (see onShutdown).
  const child = spawn(process.execPath, [join(dist, script)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  logs.follow(name, child.stdout!);
  logs.follow(name, child.stderr!);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      logger.error(
        { process: name, code, signal },
        'child process ended unexpectedly; stopping everything',
      );
      void stopAll(1);
    }
  });
  return child;
}

let stopping = false;
const cleanups: (() => Promise<void>)[] = [];
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      logger.error({ err: error }, 'cleanup failed');
    }
  }
  await logs.close();
  process.exit(code);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    // After its exit, its output's end (at most 2 s more: a grandchild could hold the pipe),
    // so that its last lines reach its log file before the files close.
    child.once('exit', () => {
      clearTimeout(timer);
      const drained = setTimeout(resolve, 2000);
      child.once('close', () => {
        clearTimeout(drained);
        resolve();
      });
    });
    child.kill('SIGTERM');
  });
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the API did not report healthy at ${url} within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  const started = Date.now();
  // The launcher waits for the API on PORT and gives the bridge and the ingest the ports
  // after it: a port the system picks (0) would leave it waiting for an answer forever.
  if (settings.port === 0) {
    throw new Error(
      'PORT=0 (a port the system picks) cannot be used by npm start: it must know where the API answers; set a free port, or leave PORT unset for 3000',
    );
  }
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const bridgePort = Number(process.env.BRIDGE_PORT ?? settings.port + 1);
  // The Orthancs start beside PostgreSQL and Kafka; a PACS that fails leaves the rest running.
  const pacsStarting = startPacs(settings.dataDir, bridgePort, logger).catch(
    (error: unknown): undefined => {
      logger.error(
        { err: error },
        'the local Orthanc did not start: the PACS demo and the bridge are skipped',
      );
      return undefined;
    },
  );
  const [database, kafka] = await Promise.all([
    openDatabase({
      databaseUrl: settings.databaseUrl,
      migrationDatabaseUrl: settings.migrationDatabaseUrl,
      apiDatabaseUrl: settings.apiDatabaseUrl,
      bridgeDatabaseUrl: settings.bridgeDatabaseUrl,
      dataDir: settings.dataDir,
      // In a process group of its own: Ctrl-C stops the apps first, the database last.
      localDatabase: (dir) => startPostgresOwner(dir),
      name: 'start',
      poolSize: 1,
    }),
    resolveKafkaBrokers(settings, logger),
  ]);
  cleanups.push(() => kafka.stop());
  cleanups.push(() => database.close());
  logger.info({ kafka: kafka.brokers }, 'PostgreSQL migrated and Kafka up');

  // The children connect as the apps' role only: the owner's connection stays here.
  const { MIGRATION_DATABASE_URL: _owner, ...inherited } = process.env;
  const env = {
    ...inherited,
    // The local product is a development setup: introspection answered (see README).
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    DATABASE_URL: database.url,
    KAFKA_BROKERS: kafka.brokers.join(','),
    SCANTRAIL_DATA_DIR: settings.dataDir,
    INGEST_PORT: process.env.INGEST_PORT ?? String(settings.port + 2),
  };
  const ingest = run('ingest', 'apps/ingest/main.js', env);
  cleanups.push(() => stopChild(ingest));
  // The API gets its own role only (reads and the access log): the apps' password stays
  // out of the process that answers the network.
  const { DATABASE_URL: _app, ...apiEnv } = env;
  const api = run('api', 'apps/api/main.js', { ...apiEnv, API_DATABASE_URL: database.apiUrl });
  cleanups.push(() => stopChild(api));
  const pacs: PacsDemo | undefined = await pacsStarting;
  if (pacs) {
    cleanups.push(() => pacs.stop());
    // The bridge too gets its own role only (its own tables): a leaked bridge credential
    // cannot move the ingest's offsets or write the ledger.
    const bridge = run('bridge', 'apps/bridge/main.js', {
      ...apiEnv,
      BRIDGE_DATABASE_URL: database.bridgeUrl,
      ...pacs.bridgeEnv,
    });
    cleanups.push(() => stopChild(bridge));
  }

  const base = `http://127.0.0.1:${settings.port}`;
  await waitForHealth(`${base}/health`, 120000);

  const demoEvents = Number(process.env.DEMO_EVENTS ?? 2000);
  if (demoEvents > 0) {
    const client = createKafka({
      brokers: kafka.brokers,
      clientId: 'scantrail-demo',
      logLevel: 'error',
      security: settings.kafkaSecurity,
    });
    const sent = await produceDemo(client, settings.kafkaTopic, demoEvents, 1);
    await client.disconnect();
    logger.info(
      { sent, topic: settings.kafkaTopic },
      'demo events produced (re-sent events are recorded once)',
    );
  }

  let pacsStudy: string | undefined;
  if (pacs) {
    try {
      pacsStudy = await runPacsFlow(pacs, logger);
    } catch (error) {
      logger.error({ err: error }, 'the PACS demo flow failed; the rest keeps running');
    }
  }

  const ttlSeconds = Math.min(12 * 3600, settings.authToken.maxLifetimeS);
  const token = mintToken({
    secret: settings.authJwtSecret,
    sub: 'dev-privacy-officer',
    roles: ['privacy_officer'],
    ttlSeconds,
    issuer: settings.authToken.issuer,
    audience: settings.authToken.audience,
  });
  process.stdout.write(
    [
      '',
      `scantrail is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  GraphQL:   ${base}/graphql`,
      `  dashboard: ${base}/dashboard/#token=${token}`,
      `  health:    ${base}/health    metrics: ${base}/metrics`,
      `  ingest:    http://127.0.0.1:${env.INGEST_PORT}/health    metrics: http://127.0.0.1:${env.INGEST_PORT}/metrics`,
      `  Kafka:     ${kafka.brokers.join(',')}  topic ${settings.kafkaTopic}`,
      ...(pacs
        ? [
            `  PACS:      hospital Orthanc ${pacs.hospital.url}/app/explorer.html   vendor Orthanc ${pacs.vendor.url}/app/explorer.html`,
            `  bridge:    http://127.0.0.1:${bridgePort}/health    metrics: http://127.0.0.1:${bridgePort}/metrics`,
            `  the flow:  dashboard pages #/pacs (held sends)${pacsStudy ? ` and #/lineage/${pacsStudy}` : ''}`,
          ]
        : ['  PACS:      not started (see the line above on Orthanc)']),
      `  verifier:  ${settings.ledgerVerifierKey}`,
      `  logs:      ${logs.folder} (JSON lines; the terminal shows them readable)`,
      `  dev token (privacy_officer, expires in ${(ttlSeconds / 3600).toFixed(1)} h):`,
      `  ${token}`,
      '',
      `  try: curl -s ${base}/graphql -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
      `         -d '{"query":"{ ledger { treeSize rootHash } vendors(first: 5) { totalCount edges { node { vendorId name } } } }"}'`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  // The demo sends some bad messages on purpose; say so once rather than line by line.
  setTimeout(() => {
    const quarantined = logs.count('quarantined');
    if (quarantined > 0) {
      logger.info(
        { quarantined, log: logs.file('ingest') },
        'the demo stream holds deliberately bad messages: these were quarantined with their reasons (query: quarantine)',
      );
    }
  }, 15000).unref();
}

main().catch(async (error: unknown) => {
  process.stderr.write(`scantrail start: ${(error as Error).message}\n`);
  if (process.env.DEBUG_START) process.stderr.write(`${(error as Error).stack}\n`);
  await stopAll(1);
});
