import type { AddressInfo } from 'node:net';
import { itCapsConnectionsPerAddress, itRefusesHandWrittenHttp } from '@scantrail/config/testing';
import { startHealthServer } from './bridge-health.server';
import { BridgeMetrics } from './bridge-metrics';

// Attack (session 15, "noticed, left alone"): the API caps connections per address
// (API_CONNECTIONS_PER_ADDRESS) because 12,000 slow-header connections from one address grew
// its RSS from 146 to 385 MB; the bridge's /health and /metrics port (BRIDGE_PORT) had no
// cap, so one client could hold any number of connections with partial headers for
// headersTimeout (60 s) each. Reproduce: open a few hundred sockets to BRIDGE_PORT from one
// address, each sending headers that never end: every one stays open.

/** A bridge with nothing held and Orthanc reachable: /health answers at once. */
const quietHealth = (): ReturnType<Parameters<typeof startHealthServer>[1]> => ({
  status: 'ok',
  orthanc: 'reachable',
  held: { sends: 0, studies: 0 },
  changeSeq: 0,
  jobHook: 'active',
});

describe('the bridge /health and /metrics port under slow header senders from one address', () => {
  let server: Awaited<ReturnType<typeof startHealthServer>>;
  let metrics: BridgeMetrics;

  beforeAll(async () => {
    metrics = new BridgeMetrics();
    server = await startHealthServer(0, quietHealth, metrics);
  });

  afterAll(async () => {
    server?.server.closeAllConnections();
    await server?.close();
  });

  itCapsConnectionsPerAddress(
    () => server.port,
    () => metrics.registry.metrics(),
    'scantrail_bridge_connections_refused_total',
  );
});

// The port listened on every interface, with no way to keep it to loopback or one network
// (session 16, "not reached"). HEALTH_HOST names the address; unset, every interface as before.
describe('the bridge /health and /metrics port address', () => {
  const ok = () => ({
    status: 'ok' as const,
    orthanc: 'reachable' as const,
    held: { sends: 0, studies: 0 },
    changeSeq: 0,
    jobHook: 'active' as const,
  });

  it.each([
    ['127.0.0.1', /^127\.0\.0\.1$/],
    [undefined, /^(::|0\.0\.0\.0)$/], // every interface, as before
  ])('should listen on %s when HEALTH_HOST says so (address %s)', async (host, listened) => {
    const started = await startHealthServer(0, ok, new BridgeMetrics(), host);
    try {
      expect((started.server.address() as AddressInfo).address).toMatch(listened);
    } finally {
      await started.close();
    }
  });
});

// Attack (session 31, helper): a hostile client writing HTTP by hand to BRIDGE_PORT. On main,
// Node's parser refused a 100 KB header with a bare 431 and garbage with a bare 400 (no body
// a client could read), and a client trickling a header byte a second was let go only after
// about 90 s (headersTimeout 60 s, checked every 30 s).
describe('the bridge /health and /metrics port against a client writing HTTP by hand', () => {
  let server: Awaited<ReturnType<typeof startHealthServer>>;

  beforeAll(async () => {
    server = await startHealthServer(0, quietHealth, new BridgeMetrics());
  });

  afterAll(async () => {
    server?.server.closeAllConnections();
    await server?.close();
  });

  itRefusesHandWrittenHttp(() => server.port);
});
