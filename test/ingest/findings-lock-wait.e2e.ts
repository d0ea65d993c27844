// "No message stalls a partition, silently" (README, operating it), for the findings: the
// findings worker evaluates under the findings lock (FINDINGS_LOCK_CLASS 0x5c7b, the log's
// key), and a session that holds it (a forgotten psql, a hung `verify --read-models`, or
// anyone with the apps' role) made the worker wait for ever: no log line and no metric, only
// a stalled findings worker on /health after INGEST_STALL_S. Reproduce:
//   psql "$DATABASE_URL" -c 'SELECT pg_advisory_lock(23675, <lockKey>)' and leave it open
// (23675 = 0x5c7b; the key: new LedgerLog(origin).lockKey): findings stop, nothing is said.
// Here the lock is held by another session while events arrive: the ingest must say who
// holds it (pid, user, application_name, since) and count the wait, store no finding
// meanwhile, and, once the lock is released, complete the findings exactly (equal to a
// from-scratch evaluation: none lost, none doubled), quarantining nothing.
import { demoEvents } from '@scantrail/demo';
import { FINDINGS_LOCK_CLASS } from '@scantrail/projection';
import { LedgerLog } from '@scantrail/storage';
import { E2eStack } from '../support/e2e-stack';
import { lineNamingHolder, lockHolder, metricValue, type LockHolder } from '../support/held-lock';
import { eventually, testSettings } from '../support/test-env';
import { wholeRecompute, type StoredFindingRow } from '../support/whole-recompute';

const byKey = (a: StoredFindingRow, b: StoredFindingRow): number =>
  a.event_id + a.study_uid + a.code < b.event_id + b.study_uid + b.code ? -1 : 1;

describe('the findings worker waiting for the findings lock another session holds', () => {
  const settings = testSettings({ ingestPort: 0 });
  const lockKey = new LedgerLog(settings.ledgerOrigin).lockKey;
  // The demo's messages meant for the quarantine are left out: here nothing may be quarantined.
  const messages = [...demoEvents({ events: 300, seed: 38 })].filter((m) => m.kind !== 'invalid');
  let stack: E2eStack;
  let holder: LockHolder;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    stack = await E2eStack.open(1);
    holder = await lockHolder(stack.db.url, 'e2e-findings-holder');
  });

  afterAll(async () => {
    await stack.ingest?.stop();
    await holder?.client.end();
    await stack.close();
  });

  it('should log who holds it and count the wait, then complete the findings exactly when it is released', async () => {
    const { pid } = holder;
    await holder.client.query('SELECT pg_advisory_lock($1, $2)', [FINDINGS_LOCK_CLASS, lockKey]);

    const ingest = await stack.startIngestLoggingTo(settings, lines, 'e2e-findings-lock-wait');
    await stack.produceTo(
      messages.map((m) => ({ partition: 0, key: m.key, value: m.value })),
      'findings-lock-wait-e2e',
    );
    await stack.consumedThrough(messages.length, 1, 90_000, 'every event recorded');

    const said = await lineNamingHolder(
      lines,
      pid,
      'a log line naming the session that holds the findings lock',
    );
    expect(said.level).toBe(40); // warn
    expect(said.msg).toMatch(/findings lock/);
    const named = (said.holders as Record<string, unknown>[]).find((h) => h.pid === pid);
    expect(named).toMatchObject({
      user: new URL(stack.db.url).username,
      application_name: 'e2e-findings-holder',
    });
    expect(typeof named?.since).toBe('string');
    const waits = await metricValue(ingest, 'scantrail_findings_lock_waits_total');
    expect(waits).toBeGreaterThanOrEqual(1);
    // A wait is not a failed round: nothing was wrong with the findings.
    expect(await metricValue(ingest, 'scantrail_findings_round_failures_total')).toBe(0);
    const [{ n: early }] = await stack.db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM rm_findings',
    );
    expect(early).toBe(0);

    await holder.client.query('SELECT pg_advisory_unlock($1, $2)', [FINDINGS_LOCK_CLASS, lockKey]);
    const [{ head }] = await stack.db.dataSource.query<{ head: number }[]>(
      'SELECT max(sequence)::int AS head FROM ledger_entries',
    );
    await eventually(
      async () => {
        const f = await ingest.findings();
        return f.completeThrough === head ? f : undefined;
      },
      60_000,
      'findings complete through the head after the release',
    );
    const stored = await stack.db.dataSource.query<StoredFindingRow[]>(
      'SELECT event_id, study_uid, code, vendor_id, detail FROM rm_findings',
    );
    expect(stored.length).toBeGreaterThan(10);
    expect([...stored].sort(byKey)).toEqual(
      (await wholeRecompute(stack.db.dataSource)).sort(byKey),
    );
    const [{ n }] = await stack.db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM quarantined_messages',
    );
    expect(n).toBe(0);
  }, 180_000);
});
