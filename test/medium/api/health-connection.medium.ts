// /health's PostgreSQL check against a real server, as the API's own role: it answers from
// the connection it holds while every other connection of the pool is busy, and when the
// server ended that connection it checks on a new one.
// Before (session 38): the check took a connection from the pool each time, so with the pool
// busy it waited, and under a flood of pipelined requests opening one took longer than
// its 2 s: /health said PostgreSQL did not answer, in three fresh-ci runs of seven.
// Reproduce: npx jest --config jest.medium.config.js test/medium/api/health-connection.medium.ts
import { HealthIndicatorService } from '@nestjs/terminus';
import { createLogger } from '@scantrail/config';
import { createDataSource } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { DatabaseHealthIndicator } from '../../../apps/api/src/health/dependency-health.indicators';
import { CapturedLog } from '../../support/captured-log';
import { createTestDatabase, type TestDatabase } from '../../support/test-env';

const APPLICATION = 'health-connection';

describe("/health's PostgreSQL check (medium)", () => {
  let db: TestDatabase;
  let api: DataSource;
  let superuser: DataSource;
  let indicator: DatabaseHealthIndicator;
  const log = new CapturedLog();

  /** Backends of the API's pool, by pid. */
  const backends = async (): Promise<number[]> =>
    (
      await superuser.query<{ pid: number }[]>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid',
        [APPLICATION],
      )
    ).map((row) => row.pid);

  beforeAll(async () => {
    db = await createTestDatabase();
    api = createDataSource(db.apiUrl, { name: APPLICATION, poolSize: 2 });
    superuser = createDataSource(db.superuserUrl, { name: 'health-admin', poolSize: 1 });
    await Promise.all([api.initialize(), superuser.initialize()]);
    indicator = new DatabaseHealthIndicator(
      new HealthIndicatorService(),
      api,
      createLogger('scantrail-api', 'warn', log),
    );
    indicator.onApplicationBootstrap();
  });

  afterAll(async () => {
    await indicator?.onApplicationShutdown();
    // Would wait for ever if the indicator still held its connection.
    await api?.destroy();
    await superuser?.destroy();
    await db?.drop();
  });

  it('should answer up at once while every other connection of the pool is busy and queries wait for one', async () => {
    expect(await indicator.check('database')).toEqual({ database: { status: 'up' } });
    // The pool's other connection sleeps 2.5 s, and another query waits for it.
    const busy = Promise.all([1, 2].map(() => api.query('SELECT pg_sleep(2.5)')));
    await new Promise((resolveSoon) => setTimeout(resolveSoon, 300));
    const started = Date.now();
    const result = await indicator.check('database');
    const took = Date.now() - started;
    await busy;
    expect(result).toEqual({ database: { status: 'up' } });
    // The check's own deadline is 2 s; a check that queued for the pool
    // waited 2.2 s or more.
    expect(took).toBeLessThan(2_000);
  }, 30_000);

  it('should answer up on a new connection when the server ended the one it held', async () => {
    const before = await backends();
    // The idle pool connection is ended too: only the held one is tested here.
    await superuser.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [APPLICATION],
    );
    await new Promise((resolveSoon) => setTimeout(resolveSoon, 300));
    const result = await indicator.check('database');
    const after = await backends();

    expect(result).toEqual({ database: { status: 'up' } });
    expect(before.length).toBeGreaterThan(0);
    expect(after).toHaveLength(1);
    expect(before).not.toContain(after[0]);
    expect(log.text).toBe('');
  }, 30_000);
});
