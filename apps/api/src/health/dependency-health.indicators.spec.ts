import { HealthIndicatorService } from '@nestjs/terminus';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { DatabaseHealthIndicator } from './dependency-health.indicators';

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
