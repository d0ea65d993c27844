import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ConsumerProgressSource, IngestMetrics } from './ingest-metrics';

export interface IngestHealthSource extends ConsumerProgressSource {
  isJoined(): boolean;
}

export interface IngestHealth {
  status: 'ok' | 'degraded';
  joined: boolean;
  partitions: {
    partition: number;
    lag: number;
    failuresInARow: number;
    secondsSinceAdvance: number;
    stalled: boolean;
  }[];
}

/** ok, or degraded (with the partitions that stopped advancing, or no group membership). */
export function ingestHealth(
  consumer: IngestHealthSource,
  stallMs: number,
  now = Date.now(),
): IngestHealth {
  const stalled = new Set(consumer.stalled(stallMs).map((p) => p.partition));
  const joined = consumer.isJoined();
  return {
    status: joined && stalled.size === 0 ? 'ok' : 'degraded',
    joined,
    partitions: consumer.progress().map((p) => ({
      partition: p.partition,
      lag: p.lag,
      failuresInARow: p.failuresInARow,
      secondsSinceAdvance: Math.round((now - p.lastAdvancedAt) / 1000),
      stalled: stalled.has(p.partition),
    })),
  };
}

export interface IngestHttpServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The ingest's own /health (200 ok, 503 degraded) and /metrics (Prometheus text): the
 * ingest has no other HTTP surface, and neither route shows event content.
 */
export async function startIngestHttpServer(options: {
  port: number;
  consumer: IngestHealthSource;
  metrics: IngestMetrics;
  stallMs: number;
  logger: Logger;
}): Promise<IngestHttpServer> {
  const { consumer, metrics, stallMs, logger } = options;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end();
      return;
    }
    if (path === '/health') {
      const health = ingestHealth(consumer, stallMs);
      res
        .writeHead(health.status === 'ok' ? 200 : 503, { 'Content-Type': 'application/json' })
        .end(JSON.stringify(health));
      return;
    }
    if (path === '/metrics') {
      metrics.registry.metrics().then(
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'ingest /health and /metrics listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
