import {
  healthAnswer,
  itCapsConnectionsPerAddress,
  itRefusesHandWrittenHttp,
  pipelined,
} from '@scantrail/config/testing';
import type { PositionReset, PositionResetCause } from '@scantrail/kafka';
import pino from 'pino';
import {
  ingestHealth,
  startIngestHttpServer,
  type IngestHttpServer,
  type KeptLoss,
} from './ingest-http.server';
import { IngestMetrics } from './ingest-metrics';

// Attack (session 15, "noticed, left alone"): the API caps connections per address
// (API_CONNECTIONS_PER_ADDRESS) because 12,000 slow-header connections from one address grew
// its RSS from 146 to 385 MB; the ingest's /health and /metrics port had no cap, so one
// client could hold any number of connections with partial headers for headersTimeout (60 s)
// each. Reproduce: open a few hundred sockets to INGEST_PORT from one address, each sending
// headers that never end: every one stays open.

const idleConsumer = {
  progress: () => [],
  stalled: () => [],
  isJoined: () => true,
  undecodableBatch: () => undefined,
};
const freshness = { completeThrough: 0, lagEntries: 0, lagSeconds: 0 };

/**
 * A /health and /metrics port over a consumer and findings with nothing to report; `read`
 * stands for each database read behind them (default: answered at once).
 */
async function quietServer(
  options: {
    host?: string;
    read?: <T>(what: 'findings' | 'freshness', value: T) => Promise<T>;
  } = {},
): Promise<{ server: IngestHttpServer; metrics: IngestMetrics }> {
  const read = options.read ?? (<T>(_what: string, value: T) => Promise.resolve(value));
  const metrics = new IngestMetrics(idleConsumer, 60_000, {
    freshness: () => read('freshness', freshness),
    failures: () => 0,
    lockWaits: () => 0,
  });
  const server = await startIngestHttpServer({
    port: 0,
    ...(options.host === undefined ? {} : { host: options.host }),
    consumer: idleConsumer,
    metrics,
    stallMs: 60_000,
    findings: () => read('findings', { ...freshness, secondsSinceRound: 0, stalled: false }),
    logger: pino({ level: 'silent' }),
  });
  return { server, metrics };
}

describe('the ingest /health and /metrics port under slow header senders from one address', () => {
  let server: IngestHttpServer;
  let metrics: IngestMetrics;

  beforeAll(async () => {
    ({ server, metrics } = await quietServer());
  });

  afterAll(async () => {
    await server?.close();
  });

  itCapsConnectionsPerAddress(
    () => server.port,
    () => metrics.registry.metrics(),
    'scantrail_ingest_connections_refused_total',
  );
});

// The port listened on every interface, with no way to keep it to loopback or one network
// (session 16, "not reached"). HEALTH_HOST names the address; unset, every interface as before.
describe('the ingest /health and /metrics port address', () => {
  it.each([
    ['127.0.0.1', /^127\.0\.0\.1$/],
    [undefined, /^(::|0\.0\.0\.0)$/], // every interface, as before
  ])('should listen on %s when HEALTH_HOST says so (address %s)', async (host, listened) => {
    const { server: started } = await quietServer({ host });
    try {
      expect(started.address).toMatch(listened);
      expect(await healthAnswer(started.port)).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      await started.close();
    }
  });
});

/** Findings complete and fresh: the health then turns on the consumer alone. */
const findings = {
  completeThrough: null,
  lagEntries: 0,
  lagSeconds: 0,
  secondsSinceRound: 0,
  stalled: false,
};

describe('the ingest health', () => {
  const consumer = (since?: number): Parameters<typeof ingestHealth>[0] => ({
    progress: () => [{ partition: 0, lag: 0, retries: 0, failuresInARow: 0, lastAdvancedAt: 0 }],
    stalled: () => [],
    isJoined: () => true,
    undecodableBatch: () =>
      since === undefined
        ? undefined
        : { codec: 'zstd', message: 'a zstd record batch ...', since },
  });

  it('should be ok when no fetch fails on an undecodable batch', () => {
    const health = ingestHealth(consumer(), 60_000, findings, 1_000);
    expect(health.status).toBe('ok');
    expect(health).not.toHaveProperty('undecodableBatch');
  });

  it('should be degraded and say so when fetches fail on an undecodable batch, whatever the partitions show', () => {
    const health = ingestHealth(consumer(1_000), 60_000, findings, 31_000);
    expect(health.status).toBe('degraded');
    expect(health.undecodableBatch).toEqual({
      codec: 'zstd',
      message: 'a zstd record batch ...',
      secondsSince: 30,
    });
    expect(health.partitions.map((p) => p.stalled)).toEqual([false]);
  });
});

describe('ingest /health after stored positions were moved to the log start', () => {
  const reset = (cause: PositionResetCause, lost: number): PositionReset => ({
    topic: 'events',
    partition: 2,
    cause,
    storedOffset: '14',
    resumedAt: cause === 'deleted_unread' ? '17' : '0',
    earliestOffset: cause === 'deleted_unread' ? '17' : '0',
    highWatermark: '20',
    lost,
    at: 1_000,
  });
  const consumer = (resets: PositionReset[]): Parameters<typeof ingestHealth>[0] => ({
    progress: () => [],
    stalled: () => [],
    isJoined: () => true,
    undecodableBatch: () => undefined,
    positionResets: () => resets,
  });

  it('should name a topic created again and stay ok when nothing was lost', () => {
    const health = ingestHealth(
      consumer([reset('log_end_before_position', 0), reset('record_changed', 0)]),
      60_000,
      findings,
      11_000,
    );
    expect(health.status).toBe('ok');
    expect(health.positionResets).toEqual([
      expect.objectContaining({ cause: 'log_end_before_position', partition: 2, secondsSince: 10 }),
      expect.objectContaining({ cause: 'record_changed', storedOffset: '14', resumedAt: '0' }),
    ]);
  });

  it('should be degraded and name the partition and offsets when messages were deleted unread', () => {
    const health = ingestHealth(consumer([reset('deleted_unread', 3)]), 60_000, findings, 1_000);
    expect(health.status).toBe('degraded');
    expect(health.positionResets).toEqual([
      {
        topic: 'events',
        partition: 2,
        cause: 'deleted_unread',
        storedOffset: '14',
        resumedAt: '17',
        earliestOffset: '17',
        highWatermark: '20',
        lost: 3,
        secondsSince: 0,
      },
    ]);
  });

  it('should say nothing of resets when there were none', () => {
    expect(ingestHealth(consumer([]), 60_000, findings, 1_000)).not.toHaveProperty(
      'positionResets',
    );
  });
});

// s35-lost: the loss is kept in ingest_gaps, so /health reads it from there. A restart
// (an empty positionResets) no longer erases the alarm; it ends LOSS_WINDOW after the
// newest loss of this group and topic was noticed, by any instance.
describe('ingest /health after messages were lost to the ledger (kept in ingest_gaps)', () => {
  const HOUR = 3_600_000;
  const now = Date.parse('2026-12-07T12:00:00Z');
  const quiet = {
    progress: () => [],
    stalled: () => [],
    isJoined: () => true,
    undecodableBatch: () => undefined,
    positionResets: () => [],
  };
  const kept = (hoursAgo: number): KeptLoss => ({
    topic: 'events',
    partition: 0,
    fromOffset: '14',
    toOffset: '17',
    count: 3,
    noticedAt: new Date(now - hoursAgo * HOUR),
  });

  it('should be degraded after a restart while a kept loss is newer than the window, naming it', () => {
    const health = ingestHealth(quiet, 60_000, findings, now, [kept(2)]);
    expect(health.status).toBe('degraded');
    expect(health.unreadMessagesLost).toEqual([
      {
        topic: 'events',
        partition: 0,
        fromOffset: '14',
        toOffset: '17',
        count: 3,
        noticedAt: '2026-12-07T10:00:00.000Z',
        secondsSince: 7200,
      },
    ]);
  });

  it('should be ok again when no kept loss is newer than the window', () => {
    const health = ingestHealth(quiet, 60_000, findings, now, []);
    expect(health.status).toBe('ok');
    expect(health).not.toHaveProperty('unreadMessagesLost');
  });

  it('should stay degraded for a loss this process noticed when the kept ones could not be read', () => {
    const lostHere: PositionReset = {
      topic: 'events',
      partition: 2,
      cause: 'deleted_unread',
      storedOffset: '14',
      resumedAt: '17',
      earliestOffset: '17',
      highWatermark: '20',
      lost: 3,
      at: now - HOUR,
    };
    const health = ingestHealth(
      { ...quiet, positionResets: () => [lostHere] },
      60_000,
      findings,
      now,
      null,
    );
    expect(health.status).toBe('degraded');
  });
});

// Attack (session 31, helper): a hostile client writing HTTP by hand to INGEST_PORT. On main,
// Node's parser refused a 100 KB header with a bare 431 and garbage with a bare 400 (no body
// a client could read), and a client trickling a header byte a second was let go only after
// 89.6 s (headersTimeout 60 s, checked every 30 s).
describe('the ingest /health and /metrics port against a client writing HTTP by hand', () => {
  let server: IngestHttpServer;

  beforeAll(async () => {
    ({ server } = await quietServer());
  });

  afterAll(async () => {
    await server?.close();
  });

  itRefusesHandWrittenHttp(() => server.port);
});

// Attack (session 31, helper): /health and /metrics of INGEST_PORT read the findings position
// from PostgreSQL at each request, on the ledger writer's own pool. Pipelined on one
// connection, Node starts every request at once: on main 1,000 /health and 1,000 /metrics
// made 1,000 and 1,000 reads, all at once.
describe('the ingest /health and /metrics port under a pipelined flood', () => {
  const FLOOD = 1_000;
  let server: IngestHttpServer;
  const reads = { findings: 0, freshness: 0 };

  beforeAll(async () => {
    // A read takes 20 ms, as a query through a busy pool may.
    const read = async <T>(what: keyof typeof reads, value: T): Promise<T> => {
      reads[what] += 1;
      await new Promise((resolveRead) => setTimeout(resolveRead, 20));
      return value;
    };
    ({ server } = await quietServer({ read }));
  });

  afterAll(async () => {
    await server?.close();
  });

  it('should answer every request of the flood and read the database a few times, not once a request', async () => {
    const [health, metrics] = await Promise.all([
      pipelined(server.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', FLOOD),
      pipelined(server.port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n', FLOOD),
    ]);
    expect([health.statuses, metrics.statuses]).toEqual([{ 200: FLOOD }, { 200: FLOOD }]);
    expect(reads.findings).toBeLessThanOrEqual(10);
    expect(reads.freshness).toBeLessThanOrEqual(10);
  }, 30_000);
});
