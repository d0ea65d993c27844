// Runs a real Orthanc (Debian's `orthanc` package) with the project's own configuration,
// for `npm start`, the end-to-end tests and the bridge benchmark. Storage, index, log,
// ports and configuration live in one data directory, so an Orthanc stopped and started
// again on it keeps its studies, its changes and its address.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, isPortFree } from '../../ports/loopback-ports';
import { startOrphanWatchdog } from '../../process/orphan-watchdog';
import { logSince, sizeOf } from '../../process/log-file';

export const ORTHANC_BINARY = process.env.ORTHANC_BINARY ?? '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN =
  process.env.ORTHANC_DICOMWEB_PLUGIN ?? '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/** The Lua hook that journals successful send jobs (see tools/orthanc/README.md). */
export const JOB_JOURNAL_HOOK = resolve(__dirname, '..', 'lua', 'scantrail-job-journal.lua');

/** True when Debian's orthanc and orthanc-dicomweb packages (or the overrides) are there. */
export function orthancInstalled(): boolean {
  return existsSync(ORTHANC_BINARY) && existsSync(DICOMWEB_PLUGIN);
}

export interface OrthancPorts {
  http: number;
  dicom: number;
}

export interface DicomModality {
  aet: string;
  host: string;
  port: number;
}

export interface LocalOrthancOptions {
  /** Holds storage/, orthanc.json, ports.json and orthanc.log. Created if missing. */
  dataDir: string;
  /** Orthanc's `Name` (the bridge's default CloudEvents source is made from it). */
  name: string;
  /** DICOM AE title; default ORTHANC. */
  aet?: string;
  /** Seconds without new instances before a study is stable; default 2 (tests). */
  stableAgeS?: number;
  /** `OrthancPeers`: name -> REST root of another Orthanc. */
  peers?: Record<string, string>;
  /** `DicomModalities`: name -> AET, host, port. */
  modalities?: Record<string, DicomModality>;
  /** `DicomWeb.Servers`: name -> DICOMweb root. */
  dicomWebServers?: Record<string, string>;
  /** Installs the job journal hook writing to this file (absolute path). */
  jobJournal?: string;
  /** Orthanc's `JobsHistorySize`; default Orthanc's own (10). */
  jobsHistorySize?: number;
  /** Accept C-STOREs from any AET (a vendor archive receiving sends). */
  acceptAnyStore?: boolean;
  /** Fixed ports; default: those used last time on this dataDir, else free ones. */
  ports?: OrthancPorts;
  /** HTTP basic credentials to require; default none. */
  credentials?: { username: string; password: string };
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface LocalOrthancExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LocalOrthanc {
  name: string;
  /** REST root, e.g. http://127.0.0.1:8042 (no trailing slash). */
  url: string;
  aet: string;
  ports: OrthancPorts;
  pid: number;
  configFile: string;
  exited: Promise<LocalOrthancExit>;
  /** Sends a signal to this Orthanc only (SIGSTOP/SIGCONT make it unreachable and back). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM (Orthanc finishes its jobs and closes its index), then SIGKILL if it lingers. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/** The ports given, else those saved on this data directory if still free, else new ones. */
async function choosePorts(file: string, requested?: OrthancPorts): Promise<OrthancPorts> {
  if (requested) return requested;
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as Partial<OrthancPorts>;
    if (typeof saved.http === 'number' && typeof saved.dicom === 'number') {
      if ((await isPortFree(saved.http)) && (await isPortFree(saved.dicom))) {
        return { http: saved.http, dicom: saved.dicom };
      }
    }
  } catch {
    // First start on this data directory.
  }
  return newPorts();
}

async function newPorts(): Promise<OrthancPorts> {
  const http = await freePort();
  let dicom = await freePort();
  while (dicom === http) dicom = await freePort();
  return { http, dicom };
}

/** Orthanc's JSON configuration for these options (documented keys only, plus the hook's). */
export function orthancConfiguration(
  options: LocalOrthancOptions,
  ports: OrthancPorts,
  storageDir: string,
): Record<string, unknown> {
  const config: Record<string, unknown> = {
    Name: options.name,
    StorageDirectory: storageDir,
    IndexDirectory: storageDir,
    HttpPort: ports.http,
    DicomPort: ports.dicom,
    DicomAet: options.aet ?? 'ORTHANC',
    RemoteAccessAllowed: false,
    AuthenticationEnabled: options.credentials !== undefined,
    RegisteredUsers: options.credentials
      ? { [options.credentials.username]: options.credentials.password }
      : {},
    StableAge: options.stableAgeS ?? 2,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: {
      Enable: true,
      Root: '/dicom-web/',
      // The plugin refuses the whole section ("Bad file format") when an entry is a bare URL.
      Servers: Object.fromEntries(
        Object.entries(options.dicomWebServers ?? {}).map(([name, url]) => [name, [url]]),
      ),
    },
    OrthancPeers: Object.fromEntries(
      Object.entries(options.peers ?? {}).map(([name, url]) => [name, [url]]),
    ),
    DicomModalities: Object.fromEntries(
      Object.entries(options.modalities ?? {}).map(([name, m]) => [name, [m.aet, m.host, m.port]]),
    ),
    DicomAlwaysAllowStore: options.acceptAnyStore ?? false,
    DicomCheckCalledAet: false,
    // Every instance a test or a demo sends must be kept, whatever its size or SOP class.
    UnknownSopClassAccepted: true,
    HttpTimeout: 30,
    SaveJobs: true,
  };
  if (options.jobsHistorySize !== undefined) config.JobsHistorySize = options.jobsHistorySize;
  if (options.jobJournal !== undefined) {
    config.LuaScripts = [JOB_JOURNAL_HOOK];
    config.ScantrailJobJournal = options.jobJournal;
  }
  return config;
}

/**
 * Waits until this Orthanc answers `/system` with its own `Name`: a port taken by another
 * server (another Orthanc among them) as ours started must not pass for ours.
 */
async function waitUntilReady(
  url: string,
  name: string,
  credentials: LocalOrthancOptions['credentials'],
  exited: Promise<LocalOrthancExit>,
  timeoutMs: number,
): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const headers: Record<string, string> = credentials
    ? {
        authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
      }
    : {};
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error('Orthanc exited while starting');
    try {
      const response = await fetch(`${url}/system`, {
        headers,
        signal: AbortSignal.timeout(2_000),
      });
      if (response.status === 200) {
        const system = (await response.json()) as { Name?: unknown };
        if (system.Name === name) return;
      } else {
        await response.body?.cancel(); // its connection goes back now, not at a GC
      }
    } catch {
      // not listening yet, or not an Orthanc
    }
    await sleep(200);
  }
  throw new Error(`Orthanc did not answer within ${timeoutMs / 1000} s`);
}

async function tailOf(file: string, lines: number): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

export async function startLocalOrthanc(options: LocalOrthancOptions): Promise<LocalOrthanc> {
  if (!orthancInstalled()) {
    throw new Error(
      `Orthanc is not installed (${ORTHANC_BINARY}, ${DICOMWEB_PLUGIN}): apt-get install orthanc orthanc-dicomweb`,
    );
  }
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  const storageDir = join(dataDir, 'storage');
  await mkdir(storageDir, { recursive: true });
  const portsFile = join(dataDir, 'ports.json');
  let ports = await choosePorts(portsFile, options.ports);
  // A port picked free (or saved by the last start) can be taken by another process before
  // Orthanc binds it: Orthanc then stops at start saying so, and ports we picked are picked
  // again (fixed ones are the caller's: that fails).
  for (let attempt = 1; ; attempt += 1) {
    await writeFile(portsFile, `${JSON.stringify(ports)}\n`);
    try {
      return await runOrthanc(options, dataDir, storageDir, ports, log);
    } catch (error) {
      const retry =
        error instanceof OrthancStartError &&
        error.portTaken &&
        options.ports === undefined &&
        attempt < BIND_ATTEMPTS;
      if (!retry) throw error;
      log(
        `Orthanc "${options.name}": ports ${ports.http}/${ports.dicom} were taken as it started; picking new ones`,
      );
      ports = await newPorts();
    }
  }
}

/** Starts Orthanc at most this many times when the ports we picked turn out taken. */
const BIND_ATTEMPTS = 3;

/** An Orthanc that did not start; `portTaken` when it said one of its ports was in use. */
class OrthancStartError extends Error {
  constructor(
    message: string,
    readonly portTaken: boolean,
  ) {
    super(message);
  }
}

async function runOrthanc(
  options: LocalOrthancOptions,
  dataDir: string,
  storageDir: string,
  ports: OrthancPorts,
  log: (line: string) => void,
): Promise<LocalOrthanc> {
  const configFile = join(dataDir, 'orthanc.json');
  await writeFile(
    configFile,
    `${JSON.stringify(orthancConfiguration(options, ports, storageDir), null, 2)}\n`,
  );
  const logFile = join(dataDir, 'orthanc.log');
  const logFrom = await sizeOf(logFile);
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(ORTHANC_BINARY, [configFile], {
      cwd: dataDir,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<LocalOrthancExit>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
    child.once('error', () => resolveExit({ code: null, signal: null }));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${ORTHANC_BINARY}`);

  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone.
    }
  };
  // Orthanc goes with this process, also when it is SIGKILLed (the watchdog notices).
  const onParentExit = (): void => signal('SIGTERM');
  process.once('exit', onParentExit);
  startOrphanWatchdog({
    name: 'orthanc-watchdog',
    parentPid: process.pid,
    childPid: pid,
    stop: 'TERM',
    graceS: 10,
    last: 'KILL',
  });
  let ended: LocalOrthancExit | undefined;
  void exited.then((exit) => {
    ended = exit;
    process.removeListener('exit', onParentExit);
  });

  let stopping: Promise<void> | undefined;
  const stop = (stopOptions: { timeoutMs?: number } = {}): Promise<void> => {
    stopping ??= (async () => {
      if (ended !== undefined) return;
      signal('SIGCONT'); // a stopped process cannot handle SIGTERM
      signal('SIGTERM');
      const timeout = sleep(stopOptions.timeoutMs ?? 20_000, undefined, { ref: false }).then(
        () => 'timeout' as const,
      );
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        log(`Orthanc ${options.name} did not stop in time; killing it`);
        signal('SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };

  const url = `http://127.0.0.1:${ports.http}`;
  try {
    await waitUntilReady(
      url,
      options.name,
      options.credentials,
      exited,
      options.startTimeoutMs ?? 60_000,
    );
  } catch (error) {
    await stop({ timeoutMs: 5_000 });
    const said = await logSince(logFile, logFrom);
    throw new OrthancStartError(
      `local Orthanc did not start: ${(error as Error).message}\n--- ${logFile} ---\n${await tailOf(logFile, 30)}`,
      /port of the (HTTP|DICOM) server is privileged or already in use/.test(said),
    );
  }
  log(`Orthanc "${options.name}" ready on ${url}, DICOM port ${ports.dicom} (pid ${pid})`);
  return {
    name: options.name,
    url,
    aet: options.aet ?? 'ORTHANC',
    ports,
    pid,
    configFile,
    exited,
    signal,
    stop,
  };
}
