// "No message stalls its partition, silently" (README, operating it): the ingest appends
// under the ledger's advisory lock (LEDGER_LOCK_CLASS 23674, key 1), and a session that
// holds it (a forgotten psql, a hung `cli rebuild`, or anyone allowed to call
// pg_advisory_lock) made every partition wait for ever with nothing logged and nothing on
// /metrics. Reproduce: psql "$DATABASE_URL" -c 'SELECT pg_advisory_lock(23674, 1)' and
// leave it open: the ingest records nothing more and says nothing. Here the lock is held
// by another session while events arrive: the ingest must say who holds it (pid, user,
// application_name) and count the wait, record nothing meanwhile, and, once the lock is
// released, record every event exactly once, quarantining none.
import { LEDGER_LOCK_CLASS } from '@scantrail/storage';
import { E2eStack } from '../support/e2e-stack';
import {
  lineNamingHolder,
  lockHolder,
  metricValue,
  studyRegistrations,
  type LockHolder,
} from '../support/held-lock';
import { testSettings } from '../support/test-env';

const EVENTS = 20;

describe('the ingest waiting for the ledger lock another session holds', () => {
  let stack: E2eStack;
  let holder: LockHolder;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    stack = await E2eStack.open(1);
    holder = await lockHolder(stack.db.url, 'e2e-lock-holder');
  });

  afterAll(async () => {
    await stack.ingest?.stop();
    await holder?.client.end();
    await stack.close();
  });

  it('should log who holds it and count the wait, then record every event exactly once when it is released', async () => {
    const { pid } = holder;
    await holder.client.query('SELECT pg_advisory_lock($1, 1)', [LEDGER_LOCK_CLASS]);

    const ingest = await stack.startIngestLoggingTo(
      testSettings({ ingestPort: 0 }),
      lines,
      'e2e-lock-wait',
    );
    const { ids, messages } = studyRegistrations(EVENTS);
    await stack.produceTo(messages, 'ledger-lock-wait-e2e');

    const said = await lineNamingHolder(
      lines,
      pid,
      'a log line naming the session that holds the ledger lock',
    );
    expect(said.level).toBe(40); // warn
    expect(said.msg).toMatch(/ledger lock/);
    expect((said.holders as Record<string, unknown>[]).find((h) => h.pid === pid)).toMatchObject({
      user: new URL(stack.db.url).username,
      application_name: 'e2e-lock-holder',
    });
    const waits = await metricValue(ingest, 'scantrail_ingest_ledger_lock_waits_total');
    expect(waits).toBeGreaterThanOrEqual(1);
    expect(await stack.ledgerEventIds()).toEqual([]);

    await holder.client.query('SELECT pg_advisory_unlock($1, 1)', [LEDGER_LOCK_CLASS]);
    await stack.consumedThrough(EVENTS, 1, 90_000, 'every event recorded after the release');
    const recorded = await stack.ledgerEventIds();
    expect([...recorded].sort()).toEqual([...ids].sort()); // each once
    const [{ n }] = await stack.db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM quarantined_messages',
    );
    expect(n).toBe(0);
  }, 180_000);
});
