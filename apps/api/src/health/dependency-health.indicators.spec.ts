import { HealthIndicatorService } from '@nestjs/terminus';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { DatabaseHealthIndicator, KafkaHealthIndicator } from './dependency-health.indicators';

/** A data source whose every query fails as node-pg fails when the server is away. */
function failingDataSource(error: Error): DataSource {
  return { query: () => Promise.reject(error) } as unknown as DataSource;
}

function recordingLogger(): { logger: Logger; warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;
  return { logger, warnings };
}

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
        failingDataSource(error),
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

  it('should report up when PostgreSQL answers', async () => {
    const ds = { query: () => Promise.resolve([{ '?column?': 1 }]) } as unknown as DataSource;
    const { logger } = recordingLogger();
    const indicator = new DatabaseHealthIndicator(new HealthIndicatorService(), ds, logger);
    expect(await indicator.check('database')).toEqual({ database: { status: 'up' } });
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
