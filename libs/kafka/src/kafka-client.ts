// Our adapter over KafkaJS: the only place in the code base that imports it. It exposes
// what the ledger needs (topics, a producer, a batch consumer whose positions live in the
// database) and hides KafkaJS's restart and seek semantics behind it.
import { setTimeout as sleep } from 'node:timers/promises';
import { withDeadline } from '@scantrail/config';
import {
  Kafka,
  Partitioners,
  logLevel as KafkaJsLogLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type LogEntry,
  type Producer as KafkaJsProducer,
  type SASLOptions,
} from 'kafkajs';
import {
  PartitionPositions,
  checkStoredPosition,
  decideBatch,
  recordDigest,
  type PartitionPosition,
  type BatchDecision,
  type LogBounds,
  type PositionResetCause,
} from './batch-position';
import {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  registerCompressionCodecs,
  undecodableBatchCause,
  type CompressionCodecName,
} from './compression-codecs';
import { currentFetchBudget, enterFetchBudget, FetchDecodeBudget } from './fetch-decode-budget';
import { isRoutineBrokerAnswer, isRoutineRebalance } from './kafkajs-log-filter';
import { PartitionProgressBook, type PartitionProgress } from './partition-progress';
import { assertPatchedRecordDecoder, headerCountOf } from './record-headers';
import { DEFAULT_RETRY_DELAY, retryDelayMs, type RetryDelayOptions } from './retry-delay';

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info';

export interface KafkaLogEntry {
  level: Exclude<KafkaLogLevel, 'nothing'> | 'debug';
  namespace: string;
  message: string;
  extra: Record<string, unknown>;
}

/** How to reach a secured cluster; absent: plaintext, unauthenticated (the local broker). */
export interface KafkaSecurity {
  /** TLS to every broker; PEM texts, each optional (no `ca`: the system's trusted CAs). */
  tls?: { ca?: string; cert?: string; key?: string };
  sasl?: {
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    username: string;
    password: string;
  };
}

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  security?: KafkaSecurity;
  /** Default 'warn'. */
  logLevel?: KafkaLogLevel;
  /** Where KafkaJS's own log lines go (e.g. pino); default: JSON lines on the console. */
  log?: (entry: KafkaLogEntry) => void;
}

export interface OutgoingMessage {
  key: string | Buffer | null;
  value: Buffer | string | null;
}

export interface Producer {
  /** Resolves once every replica in sync has the messages (acks=all). */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface ProducerOptions {
  /**
   * KafkaJS's idempotent producer (no duplicates on retry) retries forever by design, so a
   * send to a dead cluster never returns. Off by default: the ledger drops re-published
   * events by (source, id) anyway.
   */
  idempotent?: boolean;
}

export interface EnsureTopicOptions {
  /** Default: 3, or the number of brokers when there are fewer. */
  replicationFactor?: number;
  /** How long to wait for every partition to have a leader; default 30 s. */
  timeoutMs?: number;
}

export interface ConsumedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  /** How many Kafka headers the record carries; the headers themselves are never decoded. */
  headerCount: number;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
}

export interface BatchControl {
  /** Call during long work; throws when the group is rebalancing (abort and rethrow then). */
  heartbeat(): Promise<void>;
  /** True when this batch should be abandoned: a seek, a rebalance or stop() came first. */
  isStale(): boolean;
}

export interface BatchConsumerOptions {
  groupId: string;
  topic: string;
  /**
   * Called when partitions are assigned (after every rebalance, restart or failed batch):
   * returns the next offset to read for each partition, from the database; a partition left
   * out has none yet, and starts at the group's committed offset or the earliest one.
   */
  startOffsets(partitions: number[]): Promise<Map<number, string | StoredPartitionPosition>>;
  /**
   * Called when a stored position no longer fits the log (see PositionReset): must move the
   * stored position from `storedOffset` to `resumedAt` only if it still stands at
   * `storedOffset`, and resolve whether it did (false: another member moved it; the
   * position is loaded again). Absent: stored positions are not checked against the log.
   */
  resetPosition?(reset: PositionReset): Promise<boolean>;
  /**
   * Must commit its database transaction before resolving; the consumer then commits the
   * offset to Kafka too (informational) and moves on. If it throws, the batch is retried
   * from the database's offsets after a backoff, never skipped. The transaction should
   * check that the stored next offset is not past the batch's first offset (a member that
   * lost its partition in a rebalance may still be finishing a batch).
   */
  handleBatch(batch: ConsumedBatch, control: BatchControl): Promise<void>;
  maxBytesPerPartition?: number;
  /**
   * Bytes the compressed record batches of one fetch may decompress to (each record counting
   * RECORD_OVERHEAD_BYTES more), and so one batch too; default 32 MiB. A batch past it, or
   * corrupt, is refused: its partition waits at it, the others go on (see onError).
   */
  maxDecompressedBytes?: number;
  /** How errors name maxDecompressedBytes (the setting that sets it); default its own name. */
  maxDecompressedBytesName?: string;
  /**
   * Batches of different partitions handled at once (KafkaJS partitionsConsumedConcurrently;
   * one partition's batches stay in order, one at a time); default 1. More lets one batch's
   * JavaScript run while another waits on the database.
   */
  partitionsConcurrently?: number;
  /**
   * How long the group waits for a silent member before handing its partitions on; default
   * 10 s. Also bounds how long a consumer restarted after a broker outage waits for its
   * former self (a new member id) to be dropped. handleBatch must heartbeat more often.
   */
  sessionTimeoutMs?: number;
  /**
   * Backoff after a failed batch, doubling per failure in a row of that partition; default
   * 250 ms to 30 s. The failed partition alone is paused meanwhile: the others go on.
   */
  retryDelay?: RetryDelayOptions;
  /**
   * Every failure the consumer recovers from by itself; default: printed on stderr. A
   * record batch refused as undecodable comes as an UndecodableBatchError, once per batch
   * (fetches of it again only keep undecodableBatch() set).
   */
  onError?: (error: Error) => void;
}

/** A position as stored with the batch that reached it: the next offset, and the record before it. */
export interface StoredPartitionPosition {
  next: string;
  /** recordDigest of the record at next - 1 (the batch's last), when known. */
  lastRecord?: string;
}

/**
 * A stored position moved to the log's earliest offset because the log no longer holds
 * what it says was read: past the log's end (the topic created again, or the log
 * truncated), another record before it (the topic created again and grown past it), or
 * before the log's start (messages deleted before they were read: `lost` of them).
 */
export interface PositionReset {
  topic: string;
  partition: number;
  cause: PositionResetCause;
  /** The position the database held. */
  storedOffset: string;
  /** Where reading goes on: the log's earliest offset. */
  resumedAt: string;
  /** The log's bounds when asked (on assignment). */
  earliestOffset: string;
  highWatermark: string;
  /** Messages deleted before they were read (deleted_unread), else 0. */
  lost: number;
  /** When (epoch ms). */
  at: number;
}

/** A record batch that could not be decompressed, as the consumer last met it. */
export interface UndecodableBatch {
  codec: CompressionCodecName;
  message: string;
  /** When it was first met since the last fetch from its broker that refused none (epoch ms). */
  since: number;
}

export interface BatchConsumer {
  /** Resolves once the consumer is running; keeps retrying while the cluster is unreachable. */
  start(): Promise<void>;
  /** Waits for the batch in hand, leaves the group and disconnects. */
  stop(): Promise<void>;
  /** True while this member holds an assignment in the group (for health checks). */
  isJoined(): boolean;
  /** Where each assigned partition stands (for health checks and metrics). */
  progress(): PartitionProgress[];
  /** Assigned partitions with messages waiting that have not advanced for `stallMs`. */
  stalled(stallMs: number): PartitionProgress[];
  /**
   * Set while fetches refuse a record batch (corrupt, or past maxDecompressedBytes): KafkaJS
   * cannot skip it, so its partition waits at it. Cleared by the next fetch from that broker
   * that refuses none.
   */
  undecodableBatch(): UndecodableBatch | undefined;
  /** The stored positions moved since the consumer started (the last RESETS_KEPT), oldest first. */
  positionResets(): PositionReset[];
}

export interface KafkaClient {
  /** Creates the topic if missing, then waits until every partition has a leader. */
  ensureTopic(topic: string, partitions: number, options?: EnsureTopicOptions): Promise<void>;
  /** For health checks: can we reach a broker within about two seconds? */
  isReachable(): Promise<boolean>;
  /** isReachable, with why not: a broker's refusal of this client, or the error, explained. */
  reachability(): Promise<KafkaReachability>;
  producer(options?: ProducerOptions): Promise<Producer>;
  batchConsumer(options: BatchConsumerOptions): BatchConsumer;
  /** Disconnects everything this client created. */
  disconnect(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 2_000;
/** A fetch's longest poll; also how long a fetch that refused a batch waits before going on. */
const MAX_WAIT_MS = 1_000;
const WATERMARKS_EVERY_MS = 10_000;
/**
 * How old the consumer's topic metadata may grow (KafkaJS metadataMaxAge, 5 minutes by
 * default): partitions added to the topic are assigned, and read, at the first refresh
 * after they appear, so within about this long and a rebalance.
 */
export const METADATA_MAX_AGE_MS = 30_000;
/**
 * A log end below a stored position is asked again this many times, this long apart, before
 * the position is moved (a high watermark catching up after a leader failover).
 */
const LOG_END_ASKS_AGAIN = 2;
const LOG_END_ASK_AGAIN_MS = 2_000;
/** Position resets kept for positionResets(). */
const RESETS_KEPT = 16;
/** undecodable's key for a consumer crash (no broker known). */
const CRASH_NODE = -1;

const LEVELS: Record<KafkaLogLevel, KafkaJsLogLevel> = {
  nothing: KafkaJsLogLevel.NOTHING,
  error: KafkaJsLogLevel.ERROR,
  warn: KafkaJsLogLevel.WARN,
  info: KafkaJsLogLevel.INFO,
};

function levelName(level: KafkaJsLogLevel): KafkaLogEntry['level'] {
  switch (level) {
    case KafkaJsLogLevel.ERROR:
    case KafkaJsLogLevel.NOTHING:
      return 'error';
    case KafkaJsLogLevel.WARN:
      return 'warn';
    case KafkaJsLogLevel.INFO:
      return 'info';
    case KafkaJsLogLevel.DEBUG:
      return 'debug';
  }
}

/** A logger with pino's signature for the levels KafkaJS writes. */
export type LevelLogger = Record<
  KafkaLogEntry['level'],
  (fields: Record<string, unknown>, message: string) => void
>;

/**
 * KafkaJS's lines into an app's logger (its format and redaction), named `kafkajs.<namespace>`,
 * instead of the console's JSON line of another shape: `createKafka({ log: kafkaLogTo(logger) })`.
 */
export function kafkaLogTo(logger: LevelLogger): (entry: KafkaLogEntry) => void {
  return ({ level, namespace, message, extra }) =>
    logger[level]({ ...extra, logger: `kafkajs.${namespace}` }, message);
}

function writeToConsole(entry: KafkaLogEntry): void {
  const line = JSON.stringify({
    level: entry.level,
    logger: `kafkajs.${entry.namespace}`,
    message: entry.message,
    ...entry.extra,
  });
  console[entry.level](line);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

async function connectAdmin(admin: Admin): Promise<Admin> {
  await admin.connect();
  return admin;
}

/**
 * OpenSSL's words for a TLS alert the broker sent about the client's certificate (Java's
 * broker sends bad_certificate when none came, certificate_unknown for one it does not
 * trust; TLS 1.3 has certificate_required).
 */
const BROKER_REFUSED_CLIENT_CERTIFICATE =
  /alert (?:bad certificate|certificate unknown|certificate required|unknown ca|certificate expired|certificate revoked|unsupported certificate)/i;

/**
 * KafkaJS's error, reworded where its own words would not lead an operator to the cause
 * (the original kept as `cause`); any other error as it is. Names settings, never a secret:
 * KafkaJS's messages carry the broker's answer, not the password.
 */
export function explainKafkaError(
  error: unknown,
  security: KafkaSecurity | undefined,
  groupId?: string,
): Error {
  const original = asError(error);
  const { name } = original;
  // OpenSSL's errors end with a line break: the explanation after it would start a line of
  // its own, and an operator's "failed to start" line would lose its advice.
  const message = original.message.replace(/\s*\n\s*/g, ' ').trim();
  const type = (original as { type?: unknown }).type;
  const user = security?.sasl ? `user "${security.sasl.username}"` : 'this client (no SASL)';
  let explained: string | undefined;
  if (name === 'KafkaJSSASLAuthenticationError') {
    explained = `Kafka refused the SASL credentials of ${user}: check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE), and KAFKA_SASL_MECHANISM (${message})`;
  } else if (typeof type === 'string' && type.endsWith('_AUTHORIZATION_FAILED')) {
    explained = `${message}: the Kafka ACLs do not let ${user} do this (the ingest needs READ and DESCRIBE on the topic and READ on its group; the bridge and cli inspect --publish need WRITE and DESCRIBE on the topic)`;
  } else if (name === 'KafkaJSGroupCoordinatorNotFound' && security?.sasl) {
    // KafkaJS drops the broker's GROUP_AUTHORIZATION_FAILED and says only this.
    explained = `${message}: on a cluster with ACLs this is also how a group authorization failure shows; ${user} needs READ on group "${groupId ?? '?'}"`;
  } else if (security?.tls && BROKER_REFUSED_CLIENT_CERTIFICATE.test(message)) {
    // An alert is the broker's answer: it refused our certificate, or wanted one, whereas
    // its own certificate failing our checks is a local error (the branch below).
    explained = security.tls.cert
      ? `TLS to Kafka failed: the broker refused this client's certificate: ${message} (check KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE: a certificate signed by a CA the brokers trust, not expired, and its key)`
      : `TLS to Kafka failed: the broker requires a client certificate: ${message} (set KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE, or use the brokers' SASL listener)`;
  } else if (security?.tls && /certificate|self[- ]signed|unable to verify/i.test(message)) {
    explained = `TLS to Kafka failed: ${message} (check KAFKA_SSL_CA_FILE: the CA that signed the brokers' certificates)`;
  }
  return explained === undefined ? original : new Error(explained, { cause: original });
}

/** Why a broker that answered would not serve this client, as a public /health may say it. */
export type KafkaRefusal =
  | 'SASL_AUTHENTICATION_FAILED'
  | 'CLIENT_CERTIFICATE_REFUSED'
  | 'CLIENT_CERTIFICATE_REQUIRED'
  | 'BROKER_CERTIFICATE_UNTRUSTED';

/**
 * The refusal an error stands for (as explainKafkaError reads it), or undefined when no
 * broker answered (down, unreachable, timed out) or the error is another.
 */
export function kafkaRefusalOf(
  error: unknown,
  security: KafkaSecurity | undefined,
): KafkaRefusal | undefined {
  const { name, message } = asError(error);
  if (name === 'KafkaJSSASLAuthenticationError') return 'SASL_AUTHENTICATION_FAILED';
  if (!security?.tls) return undefined;
  if (BROKER_REFUSED_CLIENT_CERTIFICATE.test(message)) {
    return security.tls.cert ? 'CLIENT_CERTIFICATE_REFUSED' : 'CLIENT_CERTIFICATE_REQUIRED';
  }
  if (/certificate|self[- ]signed|unable to verify/i.test(message)) {
    return 'BROKER_CERTIFICATE_UNTRUSTED';
  }
  return undefined;
}

/** What a health check learnt: reachable, or why not (`error` explained, for the log). */
export type KafkaReachability =
  { reachable: true } | { reachable: false; refusal?: KafkaRefusal; error: Error };

/** KafkaJS's SASL options: a union per mechanism, which a plain spread does not satisfy. */
function saslOptions(sasl: NonNullable<KafkaSecurity['sasl']>): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

export function createKafka(settings: KafkaSettings): KafkaClient {
  return new KafkaJsClient(settings);
}

class KafkaJsClient implements KafkaClient {
  private readonly kafka: Kafka;
  private readonly healthKafka: Kafka;
  private admin: Promise<Admin> | undefined;
  private healthAdmin: Promise<Admin> | undefined;
  private readonly closers = new Set<() => Promise<void>>();

  private readonly security: KafkaSecurity | undefined;
  private certificateChecked: Promise<void> | undefined;

  constructor(settings: KafkaSettings) {
    registerCompressionCodecs();
    const sink = settings.log ?? writeToConsole;
    this.security = settings.security;
    const { tls, sasl } = settings.security ?? {};
    const common = {
      clientId: settings.clientId,
      brokers: settings.brokers,
      ssl: tls ? { ...tls, rejectUnauthorized: true } : undefined,
      sasl: sasl ? saslOptions(sasl) : undefined,
      logLevel: LEVELS[settings.logLevel ?? 'warn'],
      logCreator:
        () =>
        ({ namespace, level, log: content }: LogEntry) => {
          const { message, timestamp: _timestamp, ...extra } = content;
          const entry: KafkaLogEntry = { level: levelName(level), namespace, message, extra };
          if (isRoutineBrokerAnswer(entry)) return;
          sink(isRoutineRebalance(entry) ? { ...entry, level: 'info' } : entry);
        },
    };
    this.kafka = new Kafka({
      ...common,
      connectionTimeout: 3_000,
      // Reconnect quickly after a broker restart instead of backing off to 30 s.
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8 },
    });
    // Health checks must answer fast: one connection attempt, no retries at any level.
    this.healthKafka = new Kafka({
      ...common,
      logLevel: KafkaJsLogLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: HEALTH_TIMEOUT_MS,
      retry: { retries: 0 },
    });
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= connectAdmin(this.kafka.admin()).catch((error: unknown) => {
      this.admin = undefined;
      throw error;
    });
    return this.admin;
  }

  /**
   * Throws (explained) when a broker refuses this client's certificate: final, so it should
   * not wait out KafkaJS's reconnections (8 retries of a connection error, about 25 s) as a
   * broker restarting would. One connection of the health client (no retries), once per
   * client, only with TLS; any other outcome leaves the connection to KafkaJS as before.
   */
  private certificateAccepted(): Promise<void> {
    this.certificateChecked ??= (async () => {
      if (!this.security?.tls) return;
      const admin = this.healthKafka.admin();
      try {
        await admin.connect();
      } catch (error) {
        if (BROKER_REFUSED_CLIENT_CERTIFICATE.test(asError(error).message)) {
          throw explainKafkaError(error, this.security);
        }
      } finally {
        await admin.disconnect();
      }
    })();
    return this.certificateChecked;
  }

  async ensureTopic(
    topic: string,
    partitions: number,
    options: EnsureTopicOptions = {},
  ): Promise<void> {
    await this.certificateAccepted();
    try {
      await this.ensureTopicAs(await this.connectedAdmin(), topic, partitions, options);
    } catch (error) {
      throw explainKafkaError(error, this.security);
    }
  }

  private async ensureTopicAs(
    admin: Admin,
    topic: string,
    partitions: number,
    options: EnsureTopicOptions,
  ): Promise<void> {
    // Asking first avoids an error line in the logs on every start with an existing topic.
    if (!(await admin.listTopics()).includes(topic)) {
      const replicationFactor =
        options.replicationFactor ?? Math.min(3, (await admin.describeCluster()).brokers.length);
      // Returns false when another process created it meanwhile: fine.
      await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor }],
        waitForLeaders: false,
      });
    }
    await this.waitForLeaders(admin, topic, options.timeoutMs ?? 30_000);
  }

  private async waitForLeaders(admin: Admin, topic: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no metadata yet';
    while (Date.now() < deadline) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        const found = topics.find((entry) => entry.name === topic);
        const leaderless = (found?.partitions ?? []).filter(
          (partition) => partition.leader < 0 || partition.partitionErrorCode !== 0,
        );
        if (found && found.partitions.length > 0 && leaderless.length === 0) {
          // The metadata names a leader before that broker serves the partition; a
          // ListOffsets answered by every leader shows that it does. Without this, the first
          // produce can fail on some partitions and be retried whole (duplicates).
          await admin.fetchTopicOffsets(topic);
          return;
        }
        last = `${leaderless.length} partition(s) without a leader`;
      } catch (error) {
        // Right after creation the topic may not be in the metadata yet.
        last = asError(error).message;
      }
      await sleep(100);
    }
    throw new Error(
      `topic ${topic}: partitions still without a leader after ${timeoutMs} ms (${last})`,
    );
  }

  async isReachable(): Promise<boolean> {
    return (await this.reachability()).reachable;
  }

  async reachability(): Promise<KafkaReachability> {
    try {
      this.healthAdmin ??= connectAdmin(this.healthKafka.admin({ retry: { retries: 0 } }));
      const check = this.healthAdmin.then((admin) => admin.describeCluster());
      const cluster = await withDeadline(
        check,
        HEALTH_TIMEOUT_MS,
        () => new Error('Kafka health check timed out'),
      );
      if (cluster.brokers.length > 0) return { reachable: true };
      return { reachable: false, error: new Error('the Kafka cluster names no broker') };
    } catch (error) {
      // Start from a fresh connection next time rather than reuse a half-dead one.
      const stale = this.healthAdmin;
      this.healthAdmin = undefined;
      // Not awaited: a connection attempt still under way must not hold up the answer.
      void stale?.then((admin) => admin.disconnect()).catch(() => undefined);
      return {
        reachable: false,
        refusal: kafkaRefusalOf(error, this.security),
        error: explainKafkaError(error, this.security),
      };
    }
  }

  async producer(options: ProducerOptions = {}): Promise<Producer> {
    await this.certificateAccepted();
    const idempotent = options.idempotent ?? false;
    const producer: KafkaJsProducer = this.kafka.producer({
      // Java-client-compatible key hashing (murmur2): keys land where Java producers put them.
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      idempotent,
      // KafkaJS keeps exactly-once only if an idempotent producer never gives up.
      retry: idempotent
        ? { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5_000 }
        : undefined,
    });
    try {
      await producer.connect();
    } catch (error) {
      throw explainKafkaError(error, this.security);
    }
    const close = (): Promise<void> => producer.disconnect();
    this.closers.add(close);
    return {
      send: async (topic, messages) => {
        try {
          await producer.send({ topic, acks: -1, messages });
        } catch (error) {
          throw explainKafkaError(error, this.security);
        }
      },
      disconnect: async () => {
        this.closers.delete(close);
        await producer.disconnect();
      },
    };
  }

  batchConsumer(options: BatchConsumerOptions): BatchConsumer {
    const consumer = new KafkaJsBatchConsumer(this.kafka, options, this.security);
    const close = (): Promise<void> => consumer.stop();
    this.closers.add(close);
    return consumer;
  }

  async disconnect(): Promise<void> {
    const closers = [...this.closers];
    this.closers.clear();
    for (const admin of [this.admin, this.healthAdmin]) {
      if (admin) {
        closers.push(() => admin.then((connected) => connected.disconnect()));
      }
    }
    this.admin = undefined;
    this.healthAdmin = undefined;
    await Promise.allSettled(closers.map((close) => close()));
  }
}

/**
 * eachBatch consumer whose positions come from the database. KafkaJS restarts itself after
 * most failures (restartOnFailure); when it gives up anyway, we build a fresh consumer.
 * Exported for its unit test; the library's own export is createKafka.
 */
export class KafkaJsBatchConsumer implements BatchConsumer {
  private consumer: Consumer | undefined;
  private readonly positions = new PartitionPositions();
  private assigned: number[] = [];
  private joined = false;
  private started = false;
  private stopping = false;
  /** Wakes backoff sleeps when stop() is called. */
  private readonly stopController = new AbortController();
  /**
   * Consumers lost in a row (crashes KafkaJS does not restart from), for the relaunch's
   * backoff: reset by a fetch, not by joining the group, since a consumer that joins and then
   * fails on its first fetch (a non-retriable error) would otherwise relaunch and rejoin about
   * four times a second, rebalancing the group each time.
   */
  private failures = 0;
  /** Per partition: position, lag, failures; a failed partition is paused until its timer. */
  private readonly book = new PartitionProgressBook();
  private readonly resumeTimers = new Map<number, NodeJS.Timeout>();
  private launching: Promise<void> | undefined;
  private readonly retryDelay: RetryDelayOptions;
  /** By broker (node id; CRASH_NODE for a crash): the batch its fetches refuse. */
  private readonly undecodable = new Map<number, UndecodableBatch>();
  /** Asks the topic's high watermarks when a batch is refused (no batch of its partition comes). */
  private watermarkAdmin: Promise<Admin> | undefined;
  private watermarksAskedAt = 0;
  private readonly resets: PositionReset[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly options: BatchConsumerOptions,
    private readonly security?: KafkaSecurity,
  ) {
    assertPatchedRecordDecoder();
    this.retryDelay = options.retryDelay ?? DEFAULT_RETRY_DELAY;
  }

  isJoined(): boolean {
    return this.joined;
  }

  progress(): PartitionProgress[] {
    return this.book.snapshot();
  }

  stalled(stallMs: number): PartitionProgress[] {
    return this.book.stalled(Date.now(), stallMs);
  }

  positionResets(): PositionReset[] {
    return this.resets.map((reset) => ({ ...reset }));
  }

  undecodableBatch(): UndecodableBatch | undefined {
    const oldest = [...this.undecodable.values()].sort((a, b) => a.since - b.since)[0];
    return oldest && { ...oldest };
  }

  async start(): Promise<void> {
    if (this.started) {
      return;
    }
    this.started = true;
    this.launching = this.launch();
    await this.launching;
  }

  async stop(): Promise<void> {
    if (this.stopping) {
      return;
    }
    this.stopping = true;
    this.stopController.abort();
    for (const timer of this.resumeTimers.values()) clearTimeout(timer);
    this.resumeTimers.clear();
    await this.launching;
    this.joined = false;
    // Waits for the batch in hand (KafkaJS runner.stop), then leaves the group.
    await this.consumer?.disconnect();
    await this.watermarkAdmin?.then((admin) => admin.disconnect()).catch(() => undefined);
  }

  private report(error: unknown): void {
    const reported = explainKafkaError(error, this.security, this.options.groupId);
    if (this.options.onError) {
      this.options.onError(reported);
    } else {
      console.error(`[kafka consumer ${this.options.groupId}] ${reported.message}`);
    }
  }

  /** Creates, subscribes and runs a KafkaJS consumer; retries until it runs or stop(). */
  private async launch(): Promise<void> {
    for (let attempt = 0; !this.stopping; attempt++) {
      const consumer = this.createConsumer();
      this.consumer = consumer;
      try {
        await consumer.connect();
        await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
        // Resolves after the first join; from then on KafkaJS restarts itself on failure.
        await consumer.run({
          autoCommit: true, // commits what we resolve, after each batch: informational only
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 1,
          eachBatch: (payload) => this.onBatch(payload),
        });
        return;
      } catch (error) {
        this.report(error);
        await consumer.disconnect().catch(() => undefined);
        await this.pause(retryDelayMs(attempt, this.retryDelay));
      }
    }
  }

  private createConsumer(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      maxBytesPerPartition: this.options.maxBytesPerPartition,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      metadataMaxAge: METADATA_MAX_AGE_MS,
      // Members notice a rebalance at their next heartbeat: keep that within a second.
      heartbeatInterval: 1_000,
      allowAutoTopicCreation: false,
      // Long polls end within a second, so stop() and rebalances are not held up by an idle fetch.
      maxWaitTimeInMs: MAX_WAIT_MS,
      retry: {
        initialRetryTime: 300,
        maxRetryTime: 5_000,
        retries: 8,
        // Never give up on our own: a broker restart or an outage must not end ingestion.
        restartOnFailure: () => Promise.resolve(true),
      },
    });
    const { GROUP_JOIN, CRASH, STOP, FETCH, FETCH_START } = consumer.events;
    const maxDecompressedBytes =
      this.options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    consumer.on(FETCH_START, () => {
      // Runs inside KafkaJS's fetch, just before its request: the response's decoding, in
      // the same async context, finds this budget (fetch-decode-budget.ts).
      enterFetchBudget(
        new FetchDecodeBudget(
          maxDecompressedBytes,
          this.options.maxDecompressedBytesName ?? 'maxDecompressedBytes',
          MAX_WAIT_MS,
        ),
      );
    });
    consumer.on(FETCH, ({ payload }) => {
      // Emitted once a fetch response decoded: the consumer works again.
      const budget = currentFetchBudget();
      enterFetchBudget(undefined);
      this.failures = 0;
      this.undecodable.delete(CRASH_NODE);
      const refusal = budget?.refusals[0];
      if (refusal === undefined) {
        this.undecodable.delete(payload.nodeId);
        return;
      }
      this.undecodable.set(payload.nodeId, {
        codec: refusal.error.codec,
        message: refusal.error.message,
        since: this.undecodable.get(payload.nodeId)?.since ?? Date.now(),
      });
      let firstSeen = false;
      for (const { error, first } of budget?.refusals ?? []) {
        if (first && !this.stopping) this.report(error);
        firstSeen ||= first;
      }
      this.askHighWatermarks(firstSeen);
    });
    consumer.on(GROUP_JOIN, ({ payload }) => {
      // A new assignment: positions may have moved under another member, so reload them.
      this.positions.forgetAll();
      this.assigned = payload.memberAssignment[this.options.topic] ?? [];
      this.book.keepOnly(this.assigned, Date.now());
      this.joined = true;
    });
    consumer.on(STOP, () => {
      this.joined = false;
    });
    consumer.on(CRASH, ({ payload }) => {
      this.joined = false;
      this.positions.forgetAll();
      const undecodable = undecodableBatchCause(payload.error);
      if (undecodable) {
        this.undecodable.set(CRASH_NODE, {
          codec: undecodable.codec,
          message: undecodable.message,
          since: this.undecodable.get(CRASH_NODE)?.since ?? Date.now(),
        });
      }
      if (!this.stopping) {
        this.report(payload.error);
      }
      // KafkaJS does not restart after errors it deems non-retriable; we do, from scratch.
      if (!payload.restart && !this.stopping && this.consumer === consumer) {
        this.launching = this.relaunch(consumer);
      }
    });
    return consumer;
  }

  /**
   * A refused batch's partition gets no batch, so nothing tells how far behind it is: ask
   * the topic's high watermarks (for a newly refused batch, else at most every 10 s) so
   * that /health shows it stalled.
   */
  private askHighWatermarks(newlyRefused: boolean): void {
    const now = Date.now();
    if (this.stopping) return;
    if (!newlyRefused && now - this.watermarksAskedAt < WATERMARKS_EVERY_MS) return;
    this.watermarksAskedAt = now;
    this.connectedWatermarkAdmin()
      .then((admin) => admin.fetchTopicOffsets(this.options.topic))
      .then((offsets) => {
        for (const { partition, high } of offsets) {
          const next = this.positions.get(partition)?.next;
          this.book.sawHighWatermark(partition, high, next == null ? undefined : String(next));
        }
      })
      .catch((error: unknown) => {
        const { message } = asError(error);
        this.report(
          new Error(`the high watermarks could not be asked: ${message}`, { cause: error }),
        );
      });
  }

  private connectedWatermarkAdmin(): Promise<Admin> {
    this.watermarkAdmin ??= connectAdmin(this.kafka.admin()).catch((error: unknown) => {
      this.watermarkAdmin = undefined;
      throw error;
    });
    return this.watermarkAdmin;
  }

  /** One partition's log bounds, to check its stored position against. */
  private async boundsOf(partition: number): Promise<LogBounds | undefined> {
    const admin = await this.connectedWatermarkAdmin();
    const offsets = await admin.fetchTopicOffsets(this.options.topic);
    const found = offsets.find((entry) => entry.partition === partition);
    return found && { low: BigInt(found.low), high: BigInt(found.high) };
  }

  /**
   * The partition's position, loaded from the database with every assigned partition not
   * known yet when it is not known; with the log's bounds, asked for its first batch since,
   * when stored positions are checked (resetPosition).
   */
  private async positionOf(partition: number): Promise<PartitionPosition> {
    let position = this.positions.get(partition);
    if (position === undefined) {
      const toLoad = this.positions.unknown([...this.assigned, partition]);
      const stored = await this.options.startOffsets(toLoad);
      // A concurrent batch of another partition may have loaded or advanced some of them
      // meanwhile: keep those (an advanced position is newer than this read).
      this.positions.load(this.positions.unknown(toLoad), stored, !!this.options.resetPosition);
      position = this.positions.get(partition);
    }
    if (position === undefined) {
      throw new Error(`no position for partition ${partition} after loading it`);
    }
    if (position.toCheck !== undefined && position.toCheck.bounds === undefined) {
      // Asked after the position: a log that grows meanwhile only moves its end further.
      let bounds = await this.boundsOf(partition);
      // An end below the position may be a new leader's high watermark catching up after a
      // failover (it trails the old leader's for a moment), not a log created again: asked
      // again before it counts, so a failover never sends a partition back to its start.
      for (
        let ask = 0;
        ask < LOG_END_ASKS_AGAIN &&
        bounds !== undefined &&
        position.next !== null &&
        position.next > bounds.high &&
        !this.stopping;
        ask++
      ) {
        await this.pause(LOG_END_ASK_AGAIN_MS);
        bounds = await this.boundsOf(partition);
      }
      position.toCheck.bounds = bounds;
    }
    return position;
  }

  private async relaunch(crashed: Consumer): Promise<void> {
    await crashed.disconnect().catch(() => undefined);
    await this.pause(retryDelayMs(this.failures++, this.retryDelay));
    await this.launch();
  }

  /** Sleeps between two launches of the consumer, waking early on stop(). */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) {
      try {
        await sleep(Math.min(1_000, until - Date.now()), undefined, {
          signal: this.stopController.signal,
        });
      } catch {
        return; // aborted by stop()
      }
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    if (!payload.isRunning() || payload.isStale()) {
      return;
    }
    let heartbeatError: Error | undefined;
    const control: BatchControl = {
      heartbeat: async () => {
        try {
          await payload.heartbeat();
        } catch (error) {
          heartbeatError = asError(error);
          throw heartbeatError;
        }
      },
      isStale: () => heartbeatError !== undefined || payload.isStale() || !payload.isRunning(),
    };

    try {
      let decision: BatchDecision;
      for (let attempt = 0; ; attempt++) {
        const position = await this.positionOf(partition);
        const { next } = position;
        decision = decideBatch(
          position,
          batch.messages.map((message) => message.offset),
          () => recordDigest(batch.messages[0]),
        );
        if (decision.kind === 'recheck' && attempt === 0) {
          // Kafka's position went back below ours (KafkaJS resets an offset out of range to
          // the earliest one): load ours again and check it against the log.
          this.positions.forget(partition);
          continue;
        }
        if (decision.kind === 'gap') {
          // Past a gap (transaction markers, compaction, or messages deleted unread while
          // we lagged behind retention, which KafkaJS's reset to the earliest offset hides).
          const bounds = this.options.resetPosition ? await this.boundsOf(partition) : undefined;
          const verdict = bounds && next !== null ? checkStoredPosition(next, bounds) : undefined;
          if (verdict?.kind === 'reset' && next !== null) {
            await this.resetPosition(partition, next, bounds, verdict);
            return;
          }
          decision = { kind: 'process', from: decision.from };
        }
        if (decision.kind === 'reset' && next !== null) {
          await this.resetPosition(partition, next, position.toCheck?.bounds, decision);
          return;
        }
        break;
      }
      if (decision.kind === 'seek') {
        // KafkaJS drops in-flight data for a partition with a pending seek, so the next
        // batch of this partition starts exactly at the database's offset.
        this.consumer?.seek({ topic, partition, offset: decision.offset });
        this.positions.markSought(partition);
        return;
      }
      if (decision.kind !== 'skip' && decision.kind !== 'process') {
        // Still below our position once loaded again: load it at the next batch.
        this.positions.forget(partition);
        return;
      }
      this.positions.checked(partition);
      if (decision.kind === 'skip') {
        payload.resolveOffset(batch.lastOffset());
        return;
      }

      const messages = batch.messages.slice(decision.from).map((message): ConsumedMessage => ({
        offset: message.offset,
        key: message.key,
        value: message.value,
        timestamp: message.timestamp,
        headerCount: headerCountOf(message),
      }));
      await this.options.handleBatch({ topic, partition, messages }, control);
      const lastOffset = messages[messages.length - 1].offset;
      // The runner commits resolved offsets to Kafka right after this returns.
      payload.resolveOffset(lastOffset);
      this.positions.advance(partition, lastOffset);
      this.book.advanced(
        partition,
        (BigInt(lastOffset) + 1n).toString(),
        batch.highWatermark,
        Date.now(),
      );
    } catch (error) {
      if (heartbeatError !== undefined) {
        // The group is rebalancing (or the coordinator is gone): KafkaJS must rejoin.
        throw heartbeatError;
      }
      this.report(error);
      // Whether the failed transaction committed or not, the database knows: ask it again.
      this.positions.forget(partition);
      const inARow = this.book.failed(
        partition,
        batch.firstOffset() ?? batch.highWatermark,
        batch.highWatermark,
        Date.now(),
      );
      // Not resolved, so KafkaJS fetches the same messages again once resumed. Only this
      // partition waits: sleeping here would hold up every partition of this member.
      this.pausePartition(topic, partition, retryDelayMs(inARow, this.retryDelay));
    }
  }

  /**
   * Moves the stored position to the log's earliest offset (resetPosition, the database's
   * compare-and-set), then reads from there; when another member moved it first, loads it
   * again at the next batch.
   */
  private async resetPosition(
    partition: number,
    stored: bigint,
    bounds: LogBounds | undefined,
    decision: { to: string; cause: PositionResetCause; lost: number },
  ): Promise<void> {
    const reset: PositionReset = {
      topic: this.options.topic,
      partition,
      cause: decision.cause,
      storedOffset: stored.toString(),
      resumedAt: decision.to,
      earliestOffset: (bounds?.low ?? BigInt(decision.to)).toString(),
      highWatermark: (bounds?.high ?? BigInt(decision.to)).toString(),
      lost: decision.lost,
      at: Date.now(),
    };
    const moved = (await this.options.resetPosition?.(reset)) ?? false;
    if (!moved) {
      this.positions.forget(partition);
      return;
    }
    this.resets.push(reset);
    if (this.resets.length > RESETS_KEPT) this.resets.shift();
    this.positions.moved(partition, decision.to);
    this.consumer?.seek({ topic: this.options.topic, partition, offset: decision.to });
    this.positions.markSought(partition);
    this.book.advanced(partition, decision.to, reset.highWatermark, Date.now());
  }

  private pausePartition(topic: string, partition: number, ms: number): void {
    const consumer = this.consumer;
    if (consumer === undefined || this.stopping) return;
    consumer.pause([{ topic, partitions: [partition] }]);
    clearTimeout(this.resumeTimers.get(partition));
    const timer = setTimeout(() => {
      this.resumeTimers.delete(partition);
      if (!this.stopping && this.consumer === consumer) {
        consumer.resume([{ topic, partitions: [partition] }]);
      }
    }, ms);
    timer.unref();
    this.resumeTimers.set(partition, timer);
  }
}
