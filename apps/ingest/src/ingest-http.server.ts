import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardHealthServer, sharedWhileRunning } from '@scantrail/config';
import type { PositionReset, UndecodableBatch } from '@scantrail/kafka';
import type { FindingsFreshness } from '@scantrail/queries';
import type { Logger } from 'pino';
import type { ConsumerProgressSource, IngestMetrics } from './ingest-metrics';

export interface IngestHealthSource extends ConsumerProgressSource {
  isJoined(): boolean;
  undecodableBatch(): UndecodableBatch | undefined;
  /** Stored positions moved since the consumer started (none when absent). */
  positionResets?(): PositionReset[];
}

/** The findings worker, as /health shows it. */
export interface FindingsHealth extends FindingsFreshness {
  /** Seconds since the worker's last round ended (null: none yet). */
  secondsSinceRound: number | null;
  /** Entries are waiting and no round has succeeded for the stall time: the worker is stuck. */
  stalled: boolean;
}

export interface IngestHealth {
  status: 'ok' | 'degraded';
  joined: boolean;
  /** Null when the database could not be asked (the ingest cannot record then either). */
  findings: FindingsHealth | null;
  partitions: {
    partition: number;
    lag: number;
    failuresInARow: number;
    secondsSinceAdvance: number;
    stalled: boolean;
  }[];
  /** Present while fetches fail on a record batch that cannot be decompressed. */
  undecodableBatch?: { codec: string; message: string; secondsSince: number };
  /**
   * Present once a stored position was moved to its log's earliest offset since the ingest
   * started (the log no longer held what it said was read). Messages lost so are also kept
   * in ingest_gaps, which is what degrades (unreadMessagesLost).
   */
  positionResets?: (Omit<PositionReset, 'at'> & { secondsSince: number })[];
  /**
   * Present while messages of this group's topic were deleted before they were read, noticed
   * (by any instance, before or since a restart) within INGEST_LOSS_DEGRADED_S: degraded
   * meanwhile. The ledger lacks offsets fromOffset to toOffset - 1 of the partition; the
   * API's ingestGaps keeps every such loss for good.
   */
  unreadMessagesLost?: (Omit<KeptLoss, 'noticedAt'> & {
    noticedAt: string;
    secondsSince: number;
  })[];
}

/** A loss kept in ingest_gaps (IngestGapStore.lossesSince), as /health names it. */
export interface KeptLoss {
  topic: string;
  partition: number;
  fromOffset: string;
  toOffset: string;
  count: number;
  noticedAt: Date;
}

/**
 * ok, or degraded (with the partitions that stopped advancing, no group membership, a
 * findings worker that is stuck, or messages lost to the ledger lately; findings merely
 * behind after a burst are not degraded). `losses`: the kept losses noticed within the
 * window; null when they could not be read (then a loss this process noticed degrades, as
 * the database's own failure does through `findings`).
 */
export function ingestHealth(
  consumer: IngestHealthSource,
  stallMs: number,
  findings: FindingsHealth | null,
  now = Date.now(),
  losses: readonly KeptLoss[] | null = null,
): IngestHealth {
  const stalled = new Set(consumer.stalled(stallMs).map((p) => p.partition));
  const joined = consumer.isJoined();
  const findingsOk = findings !== null && !findings.stalled;
  // No partition shows it (no batch of theirs arrives), so it is said on its own.
  const undecodable = consumer.undecodableBatch();
  const resets = consumer.positionResets?.() ?? [];
  const lost = losses === null ? resets.some((reset) => reset.lost > 0) : losses.length > 0;
  return {
    status: joined && stalled.size === 0 && findingsOk && !undecodable && !lost ? 'ok' : 'degraded',
    joined,
    findings,
    partitions: consumer.progress().map((p) => ({
      partition: p.partition,
      lag: p.lag,
      failuresInARow: p.failuresInARow,
      secondsSinceAdvance: Math.round((now - p.lastAdvancedAt) / 1000),
      stalled: stalled.has(p.partition),
    })),
    ...(undecodable && {
      undecodableBatch: {
        codec: undecodable.codec,
        message: undecodable.message,
        secondsSince: Math.round((now - undecodable.since) / 1000),
      },
    }),
    ...(resets.length > 0 && {
      positionResets: resets.map(({ at, ...reset }) => ({
        ...reset,
        secondsSince: Math.round((now - at) / 1000),
      })),
    }),
    ...(losses !== null &&
      losses.length > 0 && {
        unreadMessagesLost: losses.map(({ noticedAt, ...loss }) => ({
          ...loss,
          noticedAt: noticedAt.toISOString(),
          secondsSince: Math.round((now - noticedAt.getTime()) / 1000),
        })),
      }),
  };
}

export interface IngestHttpServer {
  port: number;
  /** The address listened on ('::' or '0.0.0.0': every interface). */
  address: string;
  close(): Promise<void>;
}

/**
 * The ingest's own /health (200 ok, 503 degraded) and /metrics (Prometheus text): the
 * ingest has no other HTTP surface, and neither route shows event content.
 */
export async function startIngestHttpServer(options: {
  port: number;
  /** Address to listen on (HEALTH_HOST); unset: every interface. */
  host?: string;
  consumer: IngestHealthSource;
  metrics: IngestMetrics;
  stallMs: number;
  /** The findings worker's state, read from the database at each request. */
  findings: () => Promise<FindingsHealth>;
  /** The kept losses within the window (ingest_gaps), read at each request; absent: none read. */
  losses?: () => Promise<KeptLoss[]>;
  logger: Logger;
}): Promise<IngestHttpServer> {
  const { consumer, metrics, stallMs, logger } = options;
  // Both read PostgreSQL on the ledger writer's pool: one read at a time, shared by the
  // requests meanwhile (a pipelined flood starts them all at once); a failure logged once.
  const readFindings = sharedWhileRunning(() =>
    options.findings().catch((error: unknown) => {
      logger.warn({ err: error }, 'health: the findings position could not be read');
      return null;
    }),
  );
  const readLosses = sharedWhileRunning(async (): Promise<KeptLoss[] | null> => {
    if (options.losses === undefined) return null;
    return options.losses().catch((error: unknown) => {
      logger.warn({ err: error }, 'health: the messages lost to the ledger could not be read');
      return null;
    });
  });
  const scrape = sharedWhileRunning(() => metrics.registry.metrics());
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end();
      return;
    }
    if (path === '/health') {
      Promise.all([readFindings(), readLosses()]).then(([findings, losses]) => {
        const health = ingestHealth(consumer, stallMs, findings, Date.now(), losses);
        res
          .writeHead(health.status === 'ok' ? 200 : 503, { 'Content-Type': 'application/json' })
          .end(JSON.stringify(health));
      }, logger.error.bind(logger));
      return;
    }
    if (path === '/metrics') {
      scrape().then(
        (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
        (error: unknown) => {
          logger.error({ err: error }, 'ingest metrics could not be collected');
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n');
        },
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  });
  guardHealthServer(server, metrics);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  logger.info({ port, address }, 'ingest /health and /metrics listening');
  return {
    port,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
