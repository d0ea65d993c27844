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
   * started (the log no longer held what it said was read); degraded while one of them
   * lost messages (deleted before they were read), until the ingest restarts.
   */
  positionResets?: (Omit<PositionReset, 'at'> & { secondsSince: number })[];
}

/**
 * ok, or degraded (with the partitions that stopped advancing, no group membership, or a
 * findings worker that is stuck; findings merely behind after a burst are not degraded).
 */
export function ingestHealth(
  consumer: IngestHealthSource,
  stallMs: number,
  findings: FindingsHealth | null,
  now = Date.now(),
): IngestHealth {
  const stalled = new Set(consumer.stalled(stallMs).map((p) => p.partition));
  const joined = consumer.isJoined();
  const findingsOk = findings !== null && !findings.stalled;
  // No partition shows it (no batch of theirs arrives), so it is said on its own.
  const undecodable = consumer.undecodableBatch();
  const resets = consumer.positionResets?.() ?? [];
  const lost = resets.some((reset) => reset.lost > 0);
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
      readFindings().then((findings) => {
        const health = ingestHealth(consumer, stallMs, findings);
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
