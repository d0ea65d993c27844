// Runs a real single-node Apache Kafka (KRaft) from the official jars, for `npm start` and
// the end-to-end tests. Data, logs, ports and configuration live in one data directory, so
// a broker stopped and started again on it keeps its topics, offsets and address.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  jvmArguments,
  log4j2Properties,
  log4jProperties,
  newClusterId,
  renderProperties,
  SECURE_CLIENT_MECHANISM,
  serverProperties,
  type BrokerPorts,
  type SecureBrokerInput,
} from './broker-config';
import { ensureBrokerTls } from './broker-tls';
import { runCommand } from './command-runner';
import { createKafka, type KafkaSecurity } from '@scantrail/kafka';
import { ensureKafkaJars, kafkaToolDir } from './kafka-jars';
import { freePort, isPortFree } from '../../ports/loopback-ports';
import { startOrphanWatchdog } from '../../process/orphan-watchdog';
import { logSince, sizeOf } from '../../process/log-file';

export interface LocalKafkaOptions {
  /** Holds everything: data/, logs/, server.properties, ports.json. Created if missing. */
  dataDir: string;
  /** Our own progress lines (not the broker's log, which stays in dataDir/logs). */
  log?: (line: string) => void;
  /** Maximum heap; default 512. */
  heapMb?: number;
  /** Fixed ports; default: those used last time on this dataDir, else free ones. */
  ports?: BrokerPorts;
  /** How long to wait for the broker to accept clients; default 90 s. */
  startTimeoutMs?: number;
  /** A folder with its own pom.xml (and lib/), to try another Kafka version; default tools/kafka. */
  toolDir?: string;
  /**
   * A broker secured as a hospital's would be (tests only): SASL_SSL only, a CA and broker
   * certificate made under dataDir/tls, SCRAM-SHA-512 users created when the data directory
   * is formatted (given on a later start, they are not added), ACLs enforced with only
   * `admin` a super user. Unset: the plaintext development broker. `mechanisms`: SASL
   * mechanisms the listener takes besides SCRAM-SHA-512, each for every user (PLAIN's users
   * are read at every start, SCRAM's only at format). `mutualTls`: a second client listener
   * requiring a client certificate instead of SASL, and a certificate for every user
   * (subject CN=<name>, the same principal as over SASL), in `LocalKafka.security.mutualTls`.
   */
  secure?: {
    users: ScramUser[];
    mechanisms?: readonly ('scram-sha-256' | 'plain')[];
    mutualTls?: boolean;
  };
}

export interface ScramUser {
  name: string;
  /** Letters, digits and ._~+/=- only (it is written into the format command and JAAS). */
  password: string;
}

/** How to reach a secured broker: its CA, and the super user that creates topics and ACLs. */
export interface LocalKafkaSecurity {
  caFile: string;
  /** PEM text of caFile. */
  ca: string;
  /** SCRAM-SHA-512 user `admin`: the client security of the super user. */
  admin: KafkaSecurity;
  /** With `secure.mutualTls`: the listener requiring a client certificate, and each user's. */
  mutualTls?: {
    brokers: string[];
    certificates: Record<string, { certFile: string; keyFile: string }>;
  };
}

export interface LocalKafkaExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LocalKafka {
  brokers: string[];
  /** Set when started with `secure`. */
  security?: LocalKafkaSecurity;
  pid: number;
  ports: BrokerPorts;
  /** Settles when the broker process ends, for whatever reason. */
  exited: Promise<LocalKafkaExit>;
  /** SIGTERM (a clean, controlled shutdown), then SIGKILL if it takes too long. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

const LOG_TAIL_LINES = 40;

async function choosePorts(
  portsFile: string,
  requested: BrokerPorts | undefined,
  mutualTls: boolean,
  log: (line: string) => void,
): Promise<BrokerPorts> {
  if (requested) {
    return requested;
  }
  try {
    const saved = JSON.parse(await readFile(portsFile, 'utf8')) as Partial<BrokerPorts>;
    const wanted = [saved.broker, saved.controller, ...(mutualTls ? [saved.mutualTls] : [])];
    if (wanted.every((port) => typeof port === 'number')) {
      const free = await Promise.all(wanted.map((port) => isPortFree(port)));
      if (free.every(Boolean)) {
        return {
          broker: saved.broker!,
          controller: saved.controller!,
          ...(mutualTls ? { mutualTls: saved.mutualTls } : {}),
        };
      }
      log(`ports ${wanted.join('/')} of the last run are taken; picking new ones`);
    }
  } catch {
    // First start on this data directory.
  }
  return pickPorts(mutualTls);
}

/** Distinct free loopback ports: broker, controller and, if asked, the mutual-TLS listener. */
async function pickPorts(mutualTls: boolean): Promise<BrokerPorts> {
  const picked: number[] = [];
  while (picked.length < (mutualTls ? 3 : 2)) {
    const port = await freePort();
    if (!picked.includes(port)) picked.push(port);
  }
  const [broker, controller, mutualTlsPort] = picked;
  return {
    broker: broker,
    controller: controller,
    ...(mutualTls ? { mutualTls: mutualTlsPort } : {}),
  };
}

async function tailOf(file: string, lines: number): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

export async function startLocalKafka(options: LocalKafkaOptions): Promise<LocalKafka> {
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  const logDir = join(dataDir, 'data');
  const logsDir = join(dataDir, 'logs');
  const propertiesFile = join(dataDir, 'server.properties');
  const log4jFile = join(dataDir, 'log4j.properties');
  const log4j2File = join(dataDir, 'log4j2.properties');
  const consoleFile = join(logsDir, 'console.log');
  const serverLogFile = join(logsDir, 'server.log');
  await mkdir(logsDir, { recursive: true });

  const toolDir = options.toolDir ?? kafkaToolDir();
  const libDir = await ensureKafkaJars({ toolDir, log });
  const classpath = `${libDir}/*`;

  const secured = options.secure
    ? await secureInput(join(dataDir, 'tls'), options.secure)
    : undefined;
  const mutualTls = options.secure?.mutualTls === true;
  let ports = await choosePorts(join(dataDir, 'ports.json'), options.ports, mutualTls, log);
  if (mutualTls && ports.mutualTls === undefined) {
    throw new Error('secure.mutualTls needs ports.mutualTls when ports are given');
  }
  const writeConfig = async (): Promise<void> => {
    await writeFile(join(dataDir, 'ports.json'), `${JSON.stringify(ports)}\n`);
    await writeFile(
      propertiesFile,
      renderProperties(serverProperties({ ports, logDir, secure: secured?.input })),
      { mode: 0o600 },
    );
  };
  await writeConfig();
  await writeFile(log4jFile, log4jProperties(logsDir));
  await writeFile(log4j2File, log4j2Properties(logsDir));
  const jvm = jvmArguments({ heapMb: options.heapMb ?? 512, log4jFile, log4j2File });

  const startedAt = Date.now();
  // Formatting again would be refused (and must never wipe data): only on a fresh directory.
  if (!existsSync(join(logDir, 'meta.properties'))) {
    const clusterId = newClusterId();
    log(`formatting KRaft storage in ${logDir} (cluster ${clusterId})`);
    const format = await runCommand(
      'java',
      [
        ...jvm,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        propertiesFile,
        '--ignore-formatted',
        ...(secured && options.secure
          ? scramArguments(
              [{ name: 'admin', password: secured.input.adminPassword }, ...options.secure.users],
              options.secure.mechanisms?.includes('scram-sha-256') ?? false,
            )
          : []),
      ],
      { hint: 'Install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless).' },
    );
    if (format.code !== 0) {
      throw new Error(`kafka-storage format failed (exit ${format.code}):\n${format.output}`);
    }
  }

  // A port picked free can be taken before the broker binds it (a JVM starts in between,
  // and every outgoing connection on the machine draws from the same range): the broker
  // then exits at start with "Address already in use". Ports we picked are picked again.
  const run: BrokerRun = {
    dataDir,
    propertiesFile,
    consoleFile,
    serverLogFile,
    jvm,
    classpath,
    ports,
    startedAt,
    log,
    security: secured?.security,
    certificates: secured?.certificates ?? {},
  };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await runBroker(run, options);
    } catch (error) {
      const retry =
        error instanceof BrokerStartError &&
        error.addressInUse &&
        options.ports === undefined &&
        attempt < BIND_ATTEMPTS;
      if (!retry) throw error;
      log(
        `ports ${ports.broker}/${ports.controller} were taken as the broker started; picking new ones`,
      );
      ports = await pickPorts(mutualTls);
      run.ports = ports;
      await writeConfig();
    }
  }
}

/** A broker that did not start; `addressInUse` when it could not bind its ports. */
class BrokerStartError extends Error {
  constructor(
    message: string,
    readonly addressInUse: boolean,
  ) {
    super(message);
  }
}

/** Starts at most this many brokers when the ports we picked turn out taken. */
const BIND_ATTEMPTS = 3;

interface BrokerRun {
  dataDir: string;
  propertiesFile: string;
  consoleFile: string;
  serverLogFile: string;
  jvm: string[];
  classpath: string;
  ports: BrokerPorts;
  startedAt: number;
  log: (line: string) => void;
  security?: LocalKafkaSecurity;
  /** Client certificates of the mutual-TLS listener, by user. */
  certificates: Record<string, { certFile: string; keyFile: string }>;
}

/**
 * `--add-scram` arguments of `kafka-storage format`: KRaft stores the users in its metadata,
 * with SCRAM-SHA-512 credentials and, if asked, SCRAM-SHA-256 ones (the same password).
 */
function scramArguments(users: ScramUser[], sha256: boolean): string[] {
  const mechanisms = sha256
    ? [SECURE_CLIENT_MECHANISM, 'SCRAM-SHA-256']
    : [SECURE_CLIENT_MECHANISM];
  return users.flatMap((user) => {
    if (!/^[A-Za-z0-9._-]+$/.test(user.name) || !/^[A-Za-z0-9._~+/=-]+$/.test(user.password)) {
      throw new Error(
        `SCRAM user ${JSON.stringify(user.name)}: name or password has characters the format command would misread`,
      );
    }
    return mechanisms.flatMap((mechanism) => [
      '--add-scram',
      `${mechanism}=[name=${user.name},password=${user.password}]`,
    ]);
  });
}

/** TLS files and the admin and controller passwords, made once per data directory. */
async function secureInput(
  tlsDir: string,
  secure: NonNullable<LocalKafkaOptions['secure']>,
): Promise<{
  input: SecureBrokerInput;
  security: LocalKafkaSecurity;
  certificates: Record<string, { certFile: string; keyFile: string }>;
}> {
  const { caFile, keystoreFile, clients } = await ensureBrokerTls(
    tlsDir,
    secure.mutualTls ? secure.users.map((user) => user.name) : [],
  );
  const identitiesFile = join(tlsDir, 'identities.json');
  let identities: { adminPassword: string; controllerPassword: string };
  try {
    identities = JSON.parse(await readFile(identitiesFile, 'utf8')) as typeof identities;
  } catch {
    identities = {
      adminPassword: randomBytes(18).toString('base64url'),
      controllerPassword: randomBytes(18).toString('base64url'),
    };
    await writeFile(identitiesFile, JSON.stringify(identities), { mode: 0o600 });
  }
  const ca = await readFile(caFile, 'utf8');
  const extraMechanisms = (secure.mechanisms ?? []).map((mechanism) =>
    mechanism === 'plain' ? ('PLAIN' as const) : ('SCRAM-SHA-256' as const),
  );
  return {
    input: { caFile, keystoreFile, ...identities, extraMechanisms, plainUsers: secure.users },
    certificates: clients,
    security: {
      caFile,
      ca,
      admin: {
        tls: { ca },
        sasl: {
          mechanism: 'scram-sha-512',
          username: 'admin',
          password: identities.adminPassword,
        },
      },
    },
  };
}

async function runBroker(run: BrokerRun, options: LocalKafkaOptions): Promise<LocalKafka> {
  const {
    dataDir,
    propertiesFile,
    consoleFile,
    serverLogFile,
    jvm,
    classpath,
    ports,
    startedAt,
    log,
    certificates,
  } = run;
  const security: LocalKafkaSecurity | undefined =
    run.security && ports.mutualTls !== undefined
      ? {
          ...run.security,
          mutualTls: { brokers: [`127.0.0.1:${ports.mutualTls}`], certificates },
        }
      : run.security;
  const logStart = { server: await sizeOf(serverLogFile), console: await sizeOf(consoleFile) };
  // The broker writes its console to a file, not to our pipes: it must not block or die
  // with us while it shuts down.
  const consoleFd = openSync(consoleFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('java', [...jvm, '-cp', classpath, 'kafka.Kafka', propertiesFile], {
      cwd: dataDir,
      // Its own process group, so that stop() and the watchdog can signal all of it.
      detached: true,
      stdio: ['ignore', consoleFd, consoleFd],
    });
  } finally {
    closeSync(consoleFd);
  }
  const exited = new Promise<LocalKafkaExit>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
    child.once('error', () => resolveExit({ code: null, signal: null }));
  });
  const spawnError = new Promise<Error>((resolveError) => child.once('error', resolveError));
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`cannot start java: ${(await spawnError).message}`);
  }

  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  // Normal exit of this Node process (including process.exit): take the broker along. TERM
  // lets it shut down cleanly; the watchdog below kills it if it lingers.
  const onParentExit = (): void => killGroup('SIGTERM');
  process.once('exit', onParentExit);
  // A SIGKILLed or crashed parent runs no handler: a tiny detached shell notices and cleans up.
  startOrphanWatchdog({
    name: 'kafka-watchdog',
    parentPid: process.pid,
    childPid: pid,
    group: true,
    stop: 'TERM',
    graceS: 15,
    last: 'KILL',
  });
  let brokerExit: LocalKafkaExit | undefined;
  void exited.then((exit) => {
    brokerExit = exit;
    process.removeListener('exit', onParentExit);
  });

  let stopping: Promise<void> | undefined;
  const stop = (stopOptions: { timeoutMs?: number } = {}): Promise<void> => {
    stopping ??= (async () => {
      if (brokerExit === undefined) {
        killGroup('SIGTERM');
        const timeout = sleep(stopOptions.timeoutMs ?? 30_000, undefined, { ref: false }).then(
          () => 'timeout' as const,
        );
        if ((await Promise.race([exited, timeout])) === 'timeout') {
          log('broker did not stop in time; killing it');
          killGroup('SIGKILL');
          await exited;
        }
      }
      log(`broker stopped (pid ${pid})`);
    })();
    return stopping;
  };

  const brokers = [`127.0.0.1:${ports.broker}`];
  try {
    await waitUntilReady(brokers, exited, options.startTimeoutMs ?? 90_000, security?.admin);
  } catch (error) {
    await stop({ timeoutMs: 5_000 });
    const tail = [
      `--- ${serverLogFile} (last lines) ---`,
      await tailOf(serverLogFile, LOG_TAIL_LINES),
      `--- ${consoleFile} (last lines) ---`,
      await tailOf(consoleFile, LOG_TAIL_LINES),
    ].join('\n');
    const written =
      (await logSince(serverLogFile, logStart.server)) +
      (await logSince(consoleFile, logStart.console));
    throw new BrokerStartError(
      `local Kafka did not start: ${(error as Error).message}\n${tail}`,
      written.includes('Address already in use'),
    );
  }
  log(`broker ready on ${brokers.join(',')} in ${Date.now() - startedAt} ms (pid ${pid})`);
  return { brokers, security, pid, ports, exited, stop };
}

async function waitUntilReady(
  brokers: string[],
  exited: Promise<LocalKafkaExit>,
  timeoutMs: number,
  security: KafkaSecurity | undefined,
): Promise<void> {
  const client = createKafka({
    brokers,
    clientId: 'local-kafka-probe',
    logLevel: 'nothing',
    security,
  });
  let exit: LocalKafkaExit | undefined;
  void exited.then((value) => (exit = value));
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (exit) {
        throw new Error(`the broker exited (code ${exit.code}, signal ${exit.signal})`);
      }
      if (await client.isReachable()) {
        return;
      }
      await sleep(200);
    }
    throw new Error(`no answer on ${brokers.join(',')} within ${timeoutMs} ms`);
  } finally {
    await client.disconnect();
  }
}
