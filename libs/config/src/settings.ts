import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parsePseudonymKey } from '@scantrail/contract';
import {
  generateSignerKey,
  parseSignerKey,
  parseVerifierKey,
  type NoteSigner,
} from '@scantrail/ledger';
import { kafkaSecuritySetting, type KafkaSecuritySettings } from './kafka-security';

/** Settings of CONTRACT.md section 5, validated once at start-up. */
export interface Settings {
  /** Unset: an embedded PostgreSQL under `<dataDir>/postgres`. */
  databaseUrl?: string;
  /**
   * A hot standby of DATABASE_URL's server that the API reads from (v1.1); writes (the
   * access log) still go to DATABASE_URL. Unset: the API reads from DATABASE_URL.
   */
  readDatabaseUrl?: string;
  /**
   * The schema owner's connection, used only to migrate and grant. Unset: DATABASE_URL
   * (or, for the embedded PostgreSQL, its owner role).
   */
  migrationDatabaseUrl?: string;
  /**
   * The API's own connection (v1.1): a role that reads and writes only the access log, so
   * the API's credentials can neither write the ledger nor stall or end the ingest. `migrate`
   * grants its user those rights. Unset: DATABASE_URL (the embedded PostgreSQL's API role).
   */
  apiDatabaseUrl?: string;
  /**
   * The Orthanc bridge's own connection (v1.1): a role that reads and writes the bridge's
   * own tables only, so its credentials can neither move the ingest's offsets nor write the
   * ledger, read models or access log. `migrate` grants its user those rights. Unset:
   * DATABASE_URL (the embedded PostgreSQL's bridge role).
   */
  bridgeDatabaseUrl?: string;
  /** Unset: a local Apache Kafka under `<dataDir>/kafka`. */
  kafkaBrokers?: string[];
  kafkaTopic: string;
  kafkaGroupId: string;
  /**
   * TLS and SASL to KAFKA_BROKERS (v1.1: KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE,
   * KAFKA_SSL_KEY_FILE, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD or
   * KAFKA_SASL_PASSWORD_FILE, KAFKA_SASL_ALLOW_PLAINTEXT). Unset: plaintext, unauthenticated.
   */
  kafkaSecurity?: KafkaSecuritySettings;
  port: number;
  /** Address the API listens on (HOST); loopback unless an operator opens it. */
  host: string;
  authJwtSecret: Buffer;
  /** Bearer token rules beyond the signature (AUTH_TOKEN_MAX_LIFETIME_S, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE). */
  authToken: TokenSettings;
  /** Limits that keep one client from starving the others (API_*). */
  apiLimits: ApiLimits;
  /** NODE_ENV=development: introspection is answered (nothing else changes). */
  development: boolean;
  /**
   * Only in the process that signs checkpoints (the ingest: `loadSettings(env, { signs:
   * true })`); every other process gets the verifier key alone.
   */
  ledgerSigner?: NoteSigner;
  /** The C2SP verifier key of the checkpoint signer (published as `verifierKey`). */
  ledgerVerifierKey: string;
  pseudonymKey: Buffer;
  ledgerOrigin: string;
  checkpointIntervalS: number;
  dataDir: string;
  /** True when some secret was generated for development rather than given. */
  devSecrets: boolean;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  logLevel: string;
  /** REPORT_ORGANISATION: the name printed at the head of every report and letter. */
  reportOrganisation: string;
  /** The API's PDF letters, drawn on threads of their own (REPORT_RENDER_*). */
  letterRendering: LetterRenderingSettings;
  /**
   * Most bytes ingest fetches per partition per batch: bigger batches coalesce more work.
   * Also the most message bytes of small batches of several partitions sharing a transaction.
   */
  ingestBatchBytes: number;
  /**
   * INGEST_MAX_DECOMPRESSED_BYTES (v1.1): bytes the compressed record batches of one fetch
   * may decompress to, each record counting 512 more (KafkaJS's objects for it), and so one
   * batch too. A batch past it is refused (its partition waits at it, the others go on), so
   * a decompression bomb costs the ingest at most about twice this.
   */
  ingestMaxDecompressedBytes: number;
  /** Port of the ingest's own /health and /metrics; unset: the ingest serves no HTTP. */
  ingestPort?: number;
  /**
   * HEALTH_HOST: the address the ingest's and the bridge's /health and /metrics listen on
   * (e.g. 127.0.0.1 where only a local scraper reads them); unset: every interface.
   */
  healthHost?: string;
  /** Seconds a partition with messages waiting may go without advancing before /health says degraded. */
  ingestStallS: number;
  /**
   * INGEST_LOSS_DEGRADED_S: seconds /health stays degraded after messages were lost to the
   * ledger (deleted in Kafka before they were read), whatever restarts happen meanwhile; the
   * loss itself is kept for good (ingest_gaps, the API's ingestGaps).
   */
  ingestLossDegradedS: number;
}

export interface LetterRenderingSettings {
  /** REPORT_RENDER_THREADS: letters drawn at once, each on a thread of its own. */
  threads: number;
  /** REPORT_RENDER_QUEUE: letters that may wait for a thread; more are answered 503 at once. */
  queue: number;
  /** REPORT_RENDER_HEAP_MB: most heap of a render thread; a larger letter fails alone (500). */
  heapMb: number;
}

export interface TokenSettings {
  /** Longest accepted `exp - iat`, in seconds; tokens without `exp` or `iat` are refused. */
  maxLifetimeS: number;
  /** When set, a token's `iss` must equal it. */
  issuer?: string;
  /** When set, a token's `aud` (a string or an array) must contain it. */
  audience?: string;
}

export interface ApiLimits {
  /** GraphQL and report requests one token subject may make per minute (HTTP 429 past it). */
  requestsPerMinute: number;
  /** PostgreSQL statement_timeout of the API's connections, in milliseconds. */
  statementTimeoutMs: number;
  /** Largest request body, in bytes (HTTP 413 past it). */
  bodyLimitBytes: number;
  /**
   * Refused requests (400 or 413: a document over the limits, a bad argument) one token
   * subject may make per minute; past it, every request of that token is answered 429
   * before its body is read, so a client that keeps sending refused documents costs little.
   */
  refusalsPerMinute: number;
  /** Requests of one token subject the API works on at once; more wait (queuedPerToken). */
  inFlightPerToken: number;
  /**
   * Requests of one token subject that may wait for their turn beyond inFlightPerToken; more
   * are answered 429 at once.
   */
  queuedPerToken: number;
  /**
   * Connections one client address may hold open at once; the next is closed as it opens
   * (a proxy in front of the API, whose clients all share its address, needs more).
   */
  connectionsPerAddress: number;
  /**
   * Bytes of answers the API holds in memory for clients that have not taken them yet, all
   * connections together; past it, the connections that have read nothing for longest are
   * closed (letGoOfSlowReaders). One answer must fit in twice it: past that, a connection
   * whose answer the kernel has not taken yet is closed at once.
   */
  answerBufferBytes: number;
  /**
   * Raw bytes (key and value) of quarantined messages one `quarantine` page holds at most:
   * past it the page ends early (always with at least one message) and pageInfo continues.
   */
  quarantinePageBytes: number;
}

/** A bad or missing setting: the message is the one clear line start-up prints. */
export class SettingsError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`setting ${setting}: ${problem}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * LOG_LEVEL, checked (a SettingsError names it when it is no pino level): `fallback` when
 * unset. For a process that reads no other setting (the CLI's logger); the apps take
 * `Settings.logLevel`.
 */
export function logLevelSetting(env: Env = process.env, fallback = 'info'): string {
  const raw = text(env, 'LOG_LEVEL');
  if (raw === undefined) return fallback;
  if (!LOG_LEVELS.includes(raw)) {
    throw new SettingsError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  }
  return raw;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new SettingsError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new SettingsError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** HOST: an IPv4 or IPv6 address, or a host name (no port, no scheme). */
function host(env: Env): string {
  return address(env, 'HOST') ?? '127.0.0.1';
}

/** An address to listen on (HOST, HEALTH_HOST): IPv4, IPv6 or a host name; unset: undefined. */
function address(env: Env, name: string): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z0-9._-]+$|^[0-9a-fA-F:]+$/.test(raw)) {
    throw new SettingsError(name, `"${raw}" is not an address or host name (e.g. 0.0.0.0)`);
  }
  return raw;
}

/** An optional claim value to require (AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE). */
function claim(env: Env, name: string): string | undefined {
  const raw = text(env, name);
  if (raw !== undefined && raw.length > 1000) {
    throw new SettingsError(name, 'must be at most 1000 characters');
  }
  return raw;
}

function brokers(env: Env): string[] | undefined {
  const raw = text(env, 'KAFKA_BROKERS');
  if (raw === undefined) return undefined;
  const list = raw.split(',').map((b) => b.trim());
  for (const [i, broker] of list.entries()) {
    if (!/^[A-Za-z0-9._-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(broker)) {
      // Named by position, not repeated: a malformed entry may carry a password.
      throw new SettingsError(
        'KAFKA_BROKERS',
        `entry ${i + 1} of ${list.length} is not host:port (e.g. kafka-1:9092, no user or scheme)`,
      );
    }
  }
  return list;
}

function databaseUrl(env: Env, name = 'DATABASE_URL'): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SettingsError(name, 'is not a URL (expected postgres://user:pass@host:port/db)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new SettingsError(name, `must use postgres:// or postgresql://, not ${url.protocol}`);
  }
  return raw;
}

interface DevSecrets {
  authJwtSecret: string;
  pseudonymKey: string;
  signerKeys: Record<string, string>;
  /** Per origin, so that processes that only verify never read the signer key. */
  verifierKeys?: Record<string, string>;
}

/** Development secrets, generated once and kept under the data directory (mode 0600). */
function devSecrets(dataDir: string): { secrets: DevSecrets; save(): void } {
  const file = join(dataDir, 'dev-secrets.json');
  const secrets: DevSecrets = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as DevSecrets)
    : {
        authJwtSecret: randomBytes(32).toString('hex'),
        pseudonymKey: randomBytes(32).toString('hex'),
        signerKeys: {},
      };
  return {
    secrets,
    save: () => {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    },
  };
}

export interface LoadSettingsOptions {
  /**
   * True only for the ingest, whose checkpointer is the one signer: it needs
   * LEDGER_SIGNING_KEY. Every other process needs only the verifier key
   * (LEDGER_VERIFIER_KEY, or derived from LEDGER_SIGNING_KEY if given, which it then drops).
   */
  signs?: boolean;
}

/** LEDGER_ORIGIN, checked: the checkpoint origin and signer name (default scantrail.local/ledger). */
export function ledgerOriginSetting(env: Env = process.env): string {
  const origin = text(env, 'LEDGER_ORIGIN') ?? 'scantrail.local/ledger';
  if (/[\s+]/.test(origin)) {
    throw new SettingsError(
      'LEDGER_ORIGIN',
      'must not contain spaces or "+" (it names the signing key)',
    );
  }
  return origin;
}
export function loadSettings(env: Env = process.env, options: LoadSettingsOptions = {}): Settings {
  const dataDir = resolve(text(env, 'SCANTRAIL_DATA_DIR') ?? '.data');
  const production = env.NODE_ENV === 'production';
  const ledgerOrigin = ledgerOriginSetting(env);
  const dev = devSecrets(dataDir);
  let generated = false;
  const required = (name: string): string | undefined => {
    const value = text(env, name);
    if (value === undefined && production) {
      throw new SettingsError(name, 'is required when NODE_ENV=production');
    }
    if (value === undefined) generated = true;
    return value;
  };

  const jwtRaw = required('AUTH_JWT_SECRET') ?? dev.secrets.authJwtSecret;
  if (Buffer.byteLength(jwtRaw) < 32) {
    throw new SettingsError('AUTH_JWT_SECRET', 'must be at least 32 bytes long');
  }

  const pseudonymRaw = required('PSEUDONYM_KEY') ?? dev.secrets.pseudonymKey;
  let pseudonymKey: Buffer;
  try {
    pseudonymKey = parsePseudonymKey(pseudonymRaw);
  } catch (error) {
    throw new SettingsError('PSEUDONYM_KEY', (error as Error).message);
  }

  const { signer: ledgerSigner, verifierKey: ledgerVerifierKey } = ledgerKeys(
    env,
    ledgerOrigin,
    options.signs === true,
    production,
    dev.secrets,
    () => (generated = true),
  );
  if (generated) dev.save();
  const kafkaBrokers = brokers(env);

  return {
    databaseUrl: databaseUrl(env),
    readDatabaseUrl: databaseUrl(env, 'READ_DATABASE_URL'),
    migrationDatabaseUrl: databaseUrl(env, 'MIGRATION_DATABASE_URL'),
    apiDatabaseUrl: databaseUrl(env, 'API_DATABASE_URL'),
    bridgeDatabaseUrl: databaseUrl(env, 'BRIDGE_DATABASE_URL'),
    kafkaBrokers,
    kafkaTopic: text(env, 'KAFKA_TOPIC') ?? 'imaging.lineage.events',
    kafkaGroupId: text(env, 'KAFKA_GROUP_ID') ?? 'scantrail-ingest',
    kafkaSecurity: kafkaSecuritySetting(env, kafkaBrokers !== undefined),
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: host(env),
    authJwtSecret: Buffer.from(jwtRaw, 'utf8'),
    authToken: {
      maxLifetimeS: integer(env, 'AUTH_TOKEN_MAX_LIFETIME_S', 12 * 3600, 60, 31 * 24 * 3600),
      issuer: claim(env, 'AUTH_JWT_ISSUER'),
      audience: claim(env, 'AUTH_JWT_AUDIENCE'),
    },
    apiLimits: {
      requestsPerMinute: integer(env, 'API_RATE_LIMIT_PER_MINUTE', 6000, 1, 1_000_000),
      statementTimeoutMs: integer(env, 'API_STATEMENT_TIMEOUT_MS', 5000, 100, 3_600_000),
      bodyLimitBytes: integer(env, 'API_BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
      refusalsPerMinute: integer(env, 'API_REFUSALS_PER_MINUTE', 120, 1, 1_000_000),
      inFlightPerToken: integer(env, 'API_IN_FLIGHT_PER_TOKEN', 8, 1, 10_000),
      queuedPerToken: integer(env, 'API_QUEUED_PER_TOKEN', 64, 0, 100_000),
      connectionsPerAddress: integer(env, 'API_CONNECTIONS_PER_ADDRESS', 256, 1, 1_000_000),
      answerBufferBytes: integer(
        env,
        'API_ANSWER_BUFFER_BYTES',
        16 * 1024 * 1024,
        1024 * 1024,
        4 * 1024 * 1024 * 1024,
      ),
      quarantinePageBytes: integer(
        env,
        'API_QUARANTINE_PAGE_BYTES',
        4 * 1024 * 1024,
        1,
        1024 * 1024 * 1024,
      ),
    },
    development: env.NODE_ENV === 'development',
    ledgerSigner,
    ledgerVerifierKey,
    pseudonymKey,
    ledgerOrigin,
    checkpointIntervalS: integer(env, 'CHECKPOINT_INTERVAL_S', 10, 1, 86400),
    dataDir,
    devSecrets: generated,
    logLevel: logLevelSetting(env),
    reportOrganisation: text(env, 'REPORT_ORGANISATION') ?? 'scantrail demo hospital',
    letterRendering: {
      threads: integer(env, 'REPORT_RENDER_THREADS', 1, 1, 64),
      queue: integer(env, 'REPORT_RENDER_QUEUE', 16, 0, 10_000),
      heapMb: integer(env, 'REPORT_RENDER_HEAP_MB', 256, 32, 8192),
    },
    ingestBatchBytes: integer(
      env,
      'INGEST_BATCH_BYTES',
      2 * 1024 * 1024,
      64 * 1024,
      64 * 1024 * 1024,
    ),
    ingestMaxDecompressedBytes: integer(
      env,
      'INGEST_MAX_DECOMPRESSED_BYTES',
      32 * 1024 * 1024,
      8 * 1024 * 1024,
      1024 * 1024 * 1024,
    ),
    ingestPort:
      text(env, 'INGEST_PORT') === undefined ? undefined : integer(env, 'INGEST_PORT', 0, 0, 65535),
    ingestStallS: integer(env, 'INGEST_STALL_S', 60, 1, 86400),
    ingestLossDegradedS: integer(env, 'INGEST_LOSS_DEGRADED_S', 86400, 0, 30 * 86400),
    healthHost: address(env, 'HEALTH_HOST'),
  };
}

/**
 * The checkpoint keys: the signer only when the process signs, the verifier key always.
 * Development keys are generated once per origin under the data directory.
 */
function ledgerKeys(
  env: Env,
  origin: string,
  signs: boolean,
  production: boolean,
  dev: DevSecrets,
  generate: () => void,
): { signer?: NoteSigner; verifierKey: string } {
  const signerRaw = text(env, 'LEDGER_SIGNING_KEY');
  const verifierRaw = text(env, 'LEDGER_VERIFIER_KEY');
  let signer: NoteSigner | undefined;
  if (signerRaw !== undefined) {
    try {
      signer = parseSignerKey(signerRaw);
    } catch (error) {
      throw new SettingsError('LEDGER_SIGNING_KEY', (error as Error).message);
    }
    if (signer.name !== origin) {
      throw new SettingsError(
        'LEDGER_SIGNING_KEY',
        `key name "${signer.name}" must equal LEDGER_ORIGIN "${origin}"`,
      );
    }
  }
  if (verifierRaw !== undefined) {
    let name: string;
    try {
      name = parseVerifierKey(verifierRaw).name;
    } catch (error) {
      throw new SettingsError('LEDGER_VERIFIER_KEY', (error as Error).message);
    }
    if (name !== origin) {
      throw new SettingsError(
        'LEDGER_VERIFIER_KEY',
        `key name "${name}" must equal LEDGER_ORIGIN "${origin}"`,
      );
    }
    if (signer !== undefined && signer.verifierKey !== verifierRaw) {
      throw new SettingsError('LEDGER_VERIFIER_KEY', 'does not match LEDGER_SIGNING_KEY');
    }
  }
  if (signer === undefined && (signs || verifierRaw === undefined)) {
    if (production) {
      throw new SettingsError(
        signs ? 'LEDGER_SIGNING_KEY' : 'LEDGER_VERIFIER_KEY',
        signs
          ? 'is required when NODE_ENV=production'
          : 'is required when NODE_ENV=production (the public key of LEDGER_SIGNING_KEY)',
      );
    }
    generate();
    const verifierKeys = (dev.verifierKeys ??= {});
    const known = dev.signerKeys[origin];
    if (known === undefined || verifierKeys[origin] === undefined) {
      const pair = known ? { signerKey: known } : generateSignerKey(origin);
      dev.signerKeys[origin] = pair.signerKey;
      verifierKeys[origin] = parseSignerKey(pair.signerKey).verifierKey;
    }
    if (verifierRaw !== undefined && verifierRaw !== verifierKeys[origin] && signs) {
      throw new SettingsError(
        'LEDGER_VERIFIER_KEY',
        'does not match the development signing key: set LEDGER_SIGNING_KEY too',
      );
    }
    if (signs) signer = parseSignerKey(dev.signerKeys[origin]);
    return { signer, verifierKey: verifierRaw ?? verifierKeys[origin] };
  }
  return {
    signer: signs ? signer : undefined,
    verifierKey: verifierRaw ?? signer!.verifierKey,
  };
}

/** Loads settings or exits with one clear line naming the bad setting. */
export function loadSettingsOrExit(
  env: Env = process.env,
  options: LoadSettingsOptions = {},
): Settings {
  return settingOrExit(() => loadSettings(env, options));
}

/** What `read` gives, or the bad setting in one line on stderr and exit code 2. */
export function settingOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof SettingsError) {
      process.stderr.write(`scantrail: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
