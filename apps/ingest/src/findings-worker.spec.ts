import { setTimeout as sleep } from 'node:timers/promises';
import type { FindingsRound } from '@scantrail/projection';
import { LedgerLog } from '@scantrail/storage';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { FindingsWorker, restAfter } from './findings-worker';

/** A worker whose rounds take `roundMs` and evaluate what `evaluated` says, with their times kept. */
function workerWith(options: {
  roundMs: number;
  evaluated: (round: number) => number;
  maxRestMs: number;
  roundEntries?: number;
  ingestBusy?: () => boolean;
}) {
  const rounds: { start: number; end: number }[] = [];
  const worker = new FindingsWorker(
    undefined as unknown as DataSource, // never used: the round is replaced
    new LedgerLog('test.example/findings-worker'),
    pino({ level: 'silent' }),
    {
      roundEntries: options.roundEntries ?? 1_000,
      maxRestMs: options.maxRestMs,
      ingestBusy: options.ingestBusy,
      idleMs: 5_000,
      round: async (): Promise<FindingsRound> => {
        const start = Date.now();
        await sleep(options.roundMs);
        rounds.push({ start, end: Date.now() });
        const evaluated = options.evaluated(rounds.length - 1);
        return { from: 0, completeThrough: evaluated, evaluated };
      },
    },
  );
  return { worker, rounds };
}

describe('FindingsWorker', () => {
  it('should rest as long as a round took before the next when nudged during it', async () => {
    const { worker, rounds } = workerWith({ roundMs: 80, evaluated: () => 10, maxRestMs: 1_000 });
    worker.start();
    await sleep(20);
    worker.nudge(); // during the first round
    while (rounds.length < 2) await sleep(5);
    await worker.stop();
    const gap = rounds[1].start - rounds[0].end;
    expect(gap).toBeGreaterThanOrEqual(70);
    expect(gap).toBeLessThan(400);
  });

  it('should rest no longer than maxRestMs when rounds take longer', async () => {
    const { worker, rounds } = workerWith({ roundMs: 400, evaluated: () => 10, maxRestMs: 30 });
    worker.start();
    await sleep(20);
    worker.nudge();
    while (rounds.length < 2) await sleep(5);
    await worker.stop();
    const gap = rounds[1].start - rounds[0].end;
    expect(gap).toBeGreaterThanOrEqual(25);
    expect(gap).toBeLessThan(300); // a rest as long as the round: 400 ms
  });

  it('should start the next round at once when a round was full', async () => {
    const { worker, rounds } = workerWith({
      roundMs: 250,
      evaluated: (i) => (i === 0 ? 1_000 : 0),
      maxRestMs: 1_000,
    });
    worker.start();
    while (rounds.length < 2) await sleep(5);
    await worker.stop();
    // A rest would be as long as the round (250 ms); the margin is for a loaded machine.
    expect(rounds[1].start - rounds[0].end).toBeLessThan(150);
  });

  it('should not rest when the ingest has no batch in hand', async () => {
    const { worker, rounds } = workerWith({
      roundMs: 250,
      evaluated: () => 10,
      maxRestMs: 1_000,
      ingestBusy: () => false,
    });
    worker.start();
    await sleep(20);
    worker.nudge();
    while (rounds.length < 2) await sleep(5);
    await worker.stop();
    expect(rounds[1].start - rounds[0].end).toBeLessThan(150); // a rest: 250 ms
  });

  it('should end a rest when the ingest says it has no batch in hand', async () => {
    const { worker, rounds } = workerWith({ roundMs: 500, evaluated: () => 10, maxRestMs: 1_000 });
    worker.start();
    await sleep(20);
    worker.nudge();
    while (rounds.length < 1) await sleep(5);
    await sleep(10); // resting now (500 ms)
    worker.ingestIdle();
    while (rounds.length < 2) await sleep(5);
    await worker.stop();
    expect(rounds[1].start - rounds[0].end).toBeLessThan(300);
  });

  it('should stop during a rest when asked to', async () => {
    const { worker, rounds } = workerWith({ roundMs: 50, evaluated: () => 10, maxRestMs: 5_000 });
    worker.start();
    await sleep(10);
    worker.nudge();
    while (rounds.length < 1) await sleep(5);
    const asked = Date.now();
    await worker.stop();
    expect(Date.now() - asked).toBeLessThan(1_000); // its rest, then the idle wait: 5 s
    expect(rounds).toHaveLength(1);
  });
});

describe('FindingsWorker waiting for the findings lock', () => {
  it('should count the wait and name the holders, not count a failure, when a round gives up waiting', async () => {
    const holder = {
      pid: 4242,
      user: 'scantrail_app',
      application_name: 'psql',
      since: new Date(0),
    };
    const asked: unknown[][] = [];
    const lines: Record<string, unknown>[] = [];
    let attempts = 0;
    const worker = new FindingsWorker(
      {
        query: (sql: string, parameters: unknown[]) => {
          asked.push(parameters);
          return Promise.resolve(sql.includes('pg_locks') ? [holder] : []);
        },
      } as unknown as DataSource,
      new LedgerLog('test.example/findings-worker'),
      pino(
        { level: 'warn' },
        { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
      ),
      {
        retryMs: 5,
        idleMs: 5_000,
        round: (): Promise<FindingsRound> => {
          attempts += 1;
          if (attempts === 1) {
            return Promise.reject(
              Object.assign(new Error('canceling statement due to lock timeout'), {
                code: '55P03',
              }),
            );
          }
          return Promise.resolve({ from: -1, completeThrough: 9, evaluated: 10 });
        },
      },
    );
    worker.start();
    while (worker.last === undefined) await sleep(5);
    await worker.stop();
    expect(worker.lockWaits).toBe(1);
    expect(worker.failures).toBe(0);
    expect(asked).toEqual([[0x5c7b, new LedgerLog('test.example/findings-worker').lockKey]]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      holders: [{ pid: 4242, application_name: 'psql' }],
    });
    expect(lines[0].msg).toMatch(/findings lock/);
  });
});

describe('restAfter', () => {
  it.each([
    { roundMs: 0, maxRestMs: 1_000, rest: 0 },
    { roundMs: 250, maxRestMs: 1_000, rest: 250 },
    { roundMs: 1_000, maxRestMs: 1_000, rest: 1_000 },
    { roundMs: 4_000, maxRestMs: 1_000, rest: 1_000 },
    { roundMs: -5, maxRestMs: 1_000, rest: 0 },
  ])(
    'should rest $rest ms when a round took $roundMs ms and the most is $maxRestMs',
    ({ roundMs, maxRestMs, rest }) => {
      expect(restAfter(roundMs, maxRestMs)).toBe(rest);
    },
  );
});
