import { HealthIndicatorService } from '@nestjs/terminus';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { DatabaseHealthIndicator, KafkaHealthIndicator } from './dependency-health.indicators';

/**
 * A data source whose pool opens connections (as the health check opens its own) that
 * answer as `answer` says, or fails to open one as node-pg does when the server is away;
 * `ended` counts the connections closed.
 */
function fakeDataSource(answer: () => Promise<unknown>, connectError?: Error) {
  const counts = { opened: 0, ended: 0 };
  class FakeClient {
    connect(): Promise<void> {
      if (connectError) return Promise.reject(connectError);
      counts.opened += 1;
      return Promise.resolve();
    }
    query = answer;
    end(): Promise<void> {
      counts.ended += 1;
      return Promise.resolve();
    }
    on(): this {
      return this;
    }
  }
  const dataSource = {
    driver: { master: { Client: FakeClient, options: {} } },
  } as unknown as DataSource;
  return { dataSource, counts };
}

function recordingLogger(): { logger: Logger; warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;
  return { logger, warnings };
}

/** A database indicator over `dataSource`, its warnings unheard. */
const databaseIndicator = (dataSource: DataSource): DatabaseHealthIndicator =>
  new DatabaseHealthIndicator(new HealthIndicatorService(), dataSource, recordingLogger().logger);

describe('DatabaseHealthIndicator', () => {
  it.each([
    ['connection refused', 'connect ECONNREFUSED 10.20.30.40:6543', 'ECONNREFUSED'],
    ['a wrong password', 'password authentication failed for user "scantrail_app"', '28P01'],
    ['an unknown database', 'database "hospital_ledger_prod" does not exist', '3D000'],
  ])(
    'should report %s without the driver message on the public /health',
    async (_name, message, code) => {
      const error = Object.assign(new Error(message), { code });
      const { logger, warnings } = recordingLogger();
      const indicator = new DatabaseHealthIndicator(
        new HealthIndicatorService(),
        fakeDataSource(() => Promise.resolve([]), error).dataSource,
        logger,
      );
      const result = await indicator.check('database');
      expect(result).toEqual({
        database: { status: 'down', message: 'PostgreSQL does not answer', code },
      });
      // The operator still learns why, in the log.
      expect(warnings).toEqual([[{ err: error }, '/health: PostgreSQL does not answer']]);
    },
  );

  it('should report up when PostgreSQL answers, every check on the one connection it holds', async () => {
    const db = fakeDataSource(() => Promise.resolve([{ '?column?': 1 }]));
    const indicator = databaseIndicator(db.dataSource);
    indicator.onApplicationBootstrap();
    for (let i = 0; i < 3; i += 1) {
      expect(await indicator.check('database')).toEqual({ database: { status: 'up' } });
    }
    expect(db.counts).toEqual({ opened: 1, ended: 0 });
    await indicator.onApplicationShutdown();
    expect(db.counts).toEqual({ opened: 1, ended: 1 });
    // A check that comes after the API closed opens nothing that would keep the process up.
    expect(await indicator.check('database')).toMatchObject({ database: { status: 'down' } });
    expect(db.counts).toEqual({ opened: 1, ended: 1 });
  });

  it('should close a connection whose query failed, and check the next time on a new one', async () => {
    const lost = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    let fail = true;
    const db = fakeDataSource(() => (fail ? Promise.reject(lost) : Promise.resolve([])));
    const indicator = databaseIndicator(db.dataSource);
    expect(await indicator.check('database')).toEqual({
      database: { status: 'down', message: 'PostgreSQL does not answer', code: '57P01' },
    });
    fail = false;
    expect(await indicator.check('database')).toEqual({ database: { status: 'up' } });
    // Closed, then a new one.
    expect(db.counts).toEqual({ opened: 2, ended: 1 });
  });

  it('should try a held connection that failed once more on a new one, and no more', async () => {
    const lost = new Error('Connection terminated unexpectedly');
    let fail = false;
    const db = fakeDataSource(() => (fail ? Promise.reject(lost) : Promise.resolve([])));
    const indicator = databaseIndicator(db.dataSource);
    expect(await indicator.check('database')).toEqual({ database: { status: 'up' } });
    fail = true;
    expect(await indicator.check('database')).toEqual({
      database: { status: 'down', message: 'PostgreSQL does not answer' },
    });
    expect(db.counts).toEqual({ opened: 2, ended: 2 });
  });
});

describe('KafkaHealthIndicator', () => {
  it('should say Kafka refused this client, with a code, when the broker refuses its credentials, and log why', async () => {
    const why = new Error(
      'Kafka refused the SASL credentials of user "api": check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
    );
    const { logger, warnings } = recordingLogger();
    const indicator = new KafkaHealthIndicator(
      new HealthIndicatorService(),
      {
        reachability: () =>
          Promise.resolve({ reachable: false, refusal: 'SASL_AUTHENTICATION_FAILED', error: why }),
      },
      logger,
    );
    expect(await indicator.check('kafka')).toEqual({
      kafka: {
        status: 'down',
        message: 'Kafka refused this client',
        code: 'SASL_AUTHENTICATION_FAILED',
      },
    });
    expect(warnings).toEqual([[{ err: why }, '/health: Kafka refused this client']]);
  });

  it('should say no broker is reachable when none answers, and log why', async () => {
    const why = new Error('connect ECONNREFUSED 10.0.0.1:9093');
    const { logger, warnings } = recordingLogger();
    const indicator = new KafkaHealthIndicator(
      new HealthIndicatorService(),
      { reachability: () => Promise.resolve({ reachable: false, error: why }) },
      logger,
    );
    expect(await indicator.check('kafka')).toEqual({
      kafka: { status: 'down', message: 'no Kafka broker reachable' },
    });
    expect(warnings).toEqual([[{ err: why }, '/health: no Kafka broker reachable']]);
  });

  it('should report up when a broker answers', async () => {
    const { logger } = recordingLogger();
    const indicator = new KafkaHealthIndicator(
      new HealthIndicatorService(),
      { reachability: () => Promise.resolve({ reachable: true }) },
      logger,
    );
    expect(await indicator.check('kafka')).toEqual({ kafka: { status: 'up' } });
  });
});
