import { createServer, type Server } from 'node:http';
import { guardHealthServer } from '@scantrail/config';
import type { BridgeHealth } from '../orthanc-bridge';
import type { BridgeMetrics } from './bridge-metrics';

/**
 * `/health` (JSON; 200 while Orthanc answers, `status` "degraded" while anything is held;
 * 503 while Orthanc, Kafka or PostgreSQL fail) and `/metrics` (Prometheus) on BRIDGE_PORT.
 */
export async function startHealthServer(
  port: number,
  health: () => BridgeHealth,
  metrics: BridgeMetrics,
  /** Address to listen on (HEALTH_HOST); unset: every interface. */
  host?: string,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    void (async () => {
      if (request.url === '/health') {
        const body = health();
        response.writeHead(body.status === 'down' ? 503 : 200, {
          'content-type': 'application/json',
        });
        response.end(JSON.stringify(body));
      } else if (request.url === '/metrics') {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(await metrics.registry.metrics());
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not found: try /health or /metrics\n');
      }
    })().catch(() => {
      response.writeHead(500);
      response.end();
    });
  });
  guardHealthServer(server, metrics);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
