import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import type { ConsumedBatch } from '@scantrail/kafka';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Client } from 'pg';
import { LineageProjection } from '@scantrail/projection';
import {
  createDataSource,
  isAppendOrderWait,
  isLedgerLockWait,
  isOffsetLockWait,
  LEDGER_LOCK_CLASS,
  LEDGER_LOCK_WAIT_MS,
  LedgerLog,
  OFFSET_LOCK_WAIT_MS,
  OffsetStore,
} from '@scantrail/storage';
import { BatchRecorder, type BatchOutcome } from '../../../apps/ingest/src/batch-recorder';
import { BatchSplittingRecorder } from '../../../apps/ingest/src/batch-splitting-recorder';
import {
  databaseCheckpoints,
  databaseEntries,
  databaseStoredHashes,
} from '../../../apps/cli/src/verify/ledger-sources';
import { describeProblem, verifyLedger } from '../../../apps/cli/src/verify/ledger-verifier';
import {
  connectedClient,
  createTestDatabase,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';
import { refuseOffsetUpdates } from '../../support/offset-refusal';

// Small batches of several partitions given to the recorder together share one transaction
// (their fixed cost is paid once); each still gets its own outcome, and each partition's
// offset commits with its rows.
const STUDY = 'org.scantrail.study.registered';

/** Ends a test's transaction without committing it. */
class Rollback extends Error {}

function study(uid: string, description = 'CT head') {
  return cloudEvent(STUDY, exampleData(STUDY, { studyInstanceUid: uid, description }));
}

function batch(partition: number, firstOffset: number, values: (object | Buffer)[]): ConsumedBatch {
  return {
    topic: 'groups',
    partition,
    messages: values.map((v, i) => ({
      offset: String(firstOffset + i),
      key: null,
      value: Buffer.isBuffer(v) ? v : encodeEvent(v),
      timestamp: '0',
      headerCount: 0,
    })),
  };
}

/** Gives the recorder the batches together: how each settled, and when the last did (ms). */
async function recordTogether(
  recorder: BatchRecorder,
  batches: ConsumedBatch[],
): Promise<{ settled: PromiseSettledResult<BatchOutcome>[]; lastSettledMs: number }> {
  const started = Date.now();
  const settled = await Promise.allSettled(batches.map((b) => recorder.record(b)));
  return { settled, lastSettledMs: Date.now() - started };
}

/**
 * A TCP relay to PostgreSQL that, once armed, loses the reply to the next COMMIT: the server
 * has committed, the client's connection ends before it hears so.
 */
async function commitReplyLoser(
  target: URL,
): Promise<{ url: (from: string) => string; arm(): void; lost(): number; close(): Promise<void> }> {
  // CommandComplete (tag 'C', length 11) "COMMIT\0", what the server sends for a commit.
  const commitComplete = Buffer.concat([Buffer.from([0x43, 0, 0, 0, 11]), Buffer.from('COMMIT\0')]);
  let armed = false;
  let lost = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (armed && chunk.includes(commitComplete)) {
        armed = false;
        lost += 1;
        upstream.destroy();
        client.destroy();
        return;
      }
      client.write(chunk);
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (from) => {
      const u = new URL(from);
      u.host = `127.0.0.1:${port}`;
      return u.toString();
    },
    arm: () => {
      armed = true;
    },
    lost: () => lost,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('batches of several partitions in one transaction (medium: PostgreSQL)', () => {
  const settings = testSettings();
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  const recorderOf = (group: string, groupBytes?: number): BatchRecorder =>
    new BatchRecorder(
      db.dataSource,
      new LedgerLog(settings.ledgerOrigin),
      new OffsetStore(group, 'groups'),
      new LineageProjection(),
      settings.pseudonymKey,
      { groupBytes },
    );

  /** `verify` over the database: 'ok', or its first problem in words. */
  const verdict = async (): Promise<string> => {
    const report = await verifyLedger({
      origin: settings.ledgerOrigin,
      verifierKey: settings.ledgerVerifierKey,
      entries: databaseEntries(db.dataSource),
      storedHashes: databaseStoredHashes(db.dataSource),
      checkpoints: await databaseCheckpoints(db.dataSource),
    });
    return report.ok ? 'ok' : describeProblem(report.problem!);
  };

  const offsetsOf = async (group: string): Promise<[number, string][]> =>
    (
      await db.dataSource.query<{ partition: number; next_offset: string }[]>(
        `SELECT partition, next_offset::text AS next_offset FROM ingest_offsets
          WHERE group_id = $1 ORDER BY partition`,
        [group],
      )
    ).map((r) => [r.partition, r.next_offset]);

  /** How many of these events' ids the ledger holds. */
  const entriesOf = async (ids: string[]): Promise<number> => {
    const [{ n }] = await db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM ledger_entries WHERE event_id = ANY($1)',
      [ids],
    );
    return n;
  };

  it('should record small batches given together in one transaction, each with its own outcome and offset', async () => {
    const recorder = recorderOf('g1');
    const first = study('1.2.40.1');
    const rewritten = { ...first, data: { ...first.data, description: 'MR knee' } };
    const given = [
      batch(0, 0, [first, study('1.2.40.2')]),
      batch(1, 5, [study('1.2.40.3'), Buffer.from('not json')]),
      // A copy of partition 0's event, and one with other content under its id.
      batch(2, 7, [first, rewritten]),
    ];
    const outcomes = await Promise.all(given.map((b) => recorder.record(b)));

    expect(outcomes.map((o) => [o.recorded, o.duplicates, o.quarantined.length])).toEqual([
      [2, 0, 0],
      [1, 0, 1],
      [0, 2, 0],
    ]);
    expect(outcomes[1].quarantined.map((q) => [q.partition, q.offset])).toEqual([[1, '6']]);
    const [kept] = await db.dataSource.query<{ sequence: number }[]>(
      'SELECT sequence::int AS sequence FROM ledger_entries WHERE event_id = $1',
      [first.id],
    );
    expect(outcomes[2].conflicts?.map((c) => [c.partition, c.offset, c.recordedSequence])).toEqual([
      [2, '8', kept.sequence],
    ]);
    expect(outcomes[0].lastSequence).toBe(kept.sequence + 1);
    expect(outcomes[1].lastSequence).toBe(kept.sequence + 2);
    // recorded_at is its transaction's start: one transaction for the three batches.
    const [{ n }] = await db.dataSource.query<{ n: number }[]>(
      'SELECT count(DISTINCT recorded_at)::int AS n FROM ledger_entries',
    );
    expect(n).toBe(1);
    expect(await offsetsOf('g1')).toEqual([
      [0, '2'],
      [1, '7'],
      [2, '9'],
    ]);

    // Given again (a replay after a crash): nothing is recorded twice.
    const again = await Promise.all(given.map((b) => recorder.record(b)));
    expect(again.map((o) => [o.recorded, o.duplicates, o.quarantined.length])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('should record batches that do not fit in groupBytes together one a transaction', async () => {
    const recorder = recorderOf('g2', 1);
    const events = [study('1.2.41.1'), study('1.2.41.2')];
    const outcomes = await Promise.all(
      events.map((event, partition) => recorder.record(batch(partition, 0, [event]))),
    );
    expect(outcomes.map((o) => o.recorded)).toEqual([1, 1]);
    const [{ n }] = await db.dataSource.query<{ n: number }[]>(
      'SELECT count(DISTINCT recorded_at)::int AS n FROM ledger_entries WHERE event_id = ANY($1)',
      [events.map((e) => e.id)],
    );
    expect(n).toBe(2);
    expect(await offsetsOf('g2')).toEqual([
      [0, '1'],
      [1, '1'],
    ]);
  });

  it('should record the other partitions of a group when one cannot commit, and retry only that one, alone', async () => {
    // The failure is the partition's, not its data's: its offset update is refused with a
    // serialization failure (as the e2e of issue 10 does), so it would fail alone too.
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    const allow = await refuseOffsetUpdates(
      owner,
      'medium_refuse_partition',
      "NEW.group_id = 'g4' AND NEW.partition = 1",
    );
    try {
      const recorder = recorderOf('g4');
      const settled = await Promise.allSettled([
        recorder.record(batch(0, 0, [study('1.2.43.1')])),
        recorder.record(batch(1, 0, [study('1.2.43.2')])),
        recorder.record(batch(2, 0, [study('1.2.43.3')])),
      ]);
      expect(settled.map((s) => (s.status === 'fulfilled' ? s.value.recorded : s.status))).toEqual([
        1,
        'rejected',
        1,
      ]);
      expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(
        /simulated serialization failure/,
      );

      // Its retry goes alone: the other partition's batch given with it is one transaction,
      // never failed (and retried) again for it.
      const transaction = jest.spyOn(db.dataSource, 'transaction');
      const retried = await Promise.allSettled([
        recorder.record(batch(0, 1, [study('1.2.43.4')])),
        recorder.record(batch(1, 0, [study('1.2.43.2')])),
      ]);
      expect(retried.map((s) => s.status)).toEqual(['fulfilled', 'rejected']);
      expect(transaction).toHaveBeenCalledTimes(2);
      transaction.mockRestore();

      await allow();
      expect((await recorder.record(batch(1, 0, [study('1.2.43.2')]))).recorded).toBe(1);
      expect(await offsetsOf('g4')).toEqual([
        [0, '2'],
        [1, '1'],
        [2, '1'],
      ]);
    } finally {
      await allow();
      await owner.end();
    }
  });

  it('should give up a group waiting for the ledger lock after one wait, every batch with entries with it, and group them again once it is free', async () => {
    // Another session holds the ledger lock (a forgotten psql, a hung cli rebuild): every
    // batch with entries to append would wait for it, alone or together. Retried alone, each
    // waited as long again after the group: nothing was reported for twice
    // LEDGER_LOCK_WAIT_MS, longer than the consumer's session lasts without a batch ending
    // (10 s, then it is put out of its group). A batch with nothing to append (only refused
    // messages here) does not wait for the lock: it is recorded.
    const recorder = recorderOf('g5');
    const holder = await connectedClient(db.url, 'medium-lock-holder');
    await holder.query('SELECT pg_advisory_lock($1, $2)', [
      LEDGER_LOCK_CLASS,
      new LedgerLog(settings.ledgerOrigin).lockKey,
    ]);
    const events = [0, 1, 2].map((p) => study(`1.2.44.${p}`));
    const given = events.map((event, partition) => batch(partition, 0, [event]));
    try {
      const { settled, lastSettledMs } = await recordTogether(recorder, [
        ...given,
        batch(3, 0, [Buffer.from('not json')]),
      ]);
      expect(
        settled.map((s) =>
          s.status === 'rejected'
            ? isLedgerLockWait(s.reason)
            : s.value.quarantined.map((q) => [q.partition, q.offset]),
        ),
      ).toEqual([true, true, true, [[3, '0']]]);
      expect(lastSettledMs).toBeLessThan(1.5 * LEDGER_LOCK_WAIT_MS);
    } finally {
      await holder.end();
    }

    // The wait was no partition's own: given again together, they share a transaction.
    const outcomes = await Promise.all(given.map((b) => recorder.record(b)));
    expect(outcomes.map((o) => o.recorded)).toEqual([1, 1, 1]);
    const [{ n }] = await db.dataSource.query<{ n: number }[]>(
      `SELECT count(DISTINCT recorded_at)::int AS n FROM ledger_entries
        WHERE event_id = ANY($1)`,
      [events.map((e) => e.id)],
    );
    expect(n).toBe(1);
    expect(await offsetsOf('g5')).toEqual([
      [0, '1'],
      [1, '1'],
      [2, '1'],
      [3, '1'],
    ]);
  }, 90_000);

  it("should give up a group waiting for the quarantine's append lock after one wait, the quarantining batch with it, and record the others", async () => {
    // Another session appended to the quarantine and sat in its transaction: a batch that
    // quarantines waits for it (the append lock of migration 1764113000000), alone or in a
    // group. Retried alone after the group, it waited as long again while holding the ledger
    // lock: 20 s before its partition was told, past the consumer's session.
    const recorder = recorderOf('g10');
    const holder = await connectedClient(db.url, 'medium-append-holder');
    await holder.query('BEGIN');
    await holder.query(
      `INSERT INTO quarantined_messages (topic, partition, kafka_offset, reason, raw_key, raw_value)
       VALUES ('elsewhere', 0, 1, 'not_json: held', NULL, NULL)`,
    );
    try {
      const { settled, lastSettledMs } = await recordTogether(recorder, [
        batch(0, 0, [study('1.2.50.0')]),
        batch(1, 0, [study('1.2.50.1'), Buffer.from('not json')]),
        batch(2, 0, [study('1.2.50.2')]),
      ]);
      expect(
        settled.map((s) =>
          s.status === 'rejected' ? isAppendOrderWait(s.reason) : s.value.recorded,
        ),
      ).toEqual([1, true, 1]);
      expect(lastSettledMs).toBeLessThan(15_000);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    const outcome = await recorder.record(
      batch(1, 0, [study('1.2.50.1'), Buffer.from('not json')]),
    );
    expect([outcome.recorded, outcome.quarantined.map((q) => q.offset)]).toEqual([1, ['1']]);
  }, 60_000);

  it("should give up waiting for an offset row another session holds, and record the group's other partitions", async () => {
    // A session left a transaction open on partition 1's offset row (a SELECT ... FOR UPDATE
    // typed by hand). Unbounded, the group's transaction waited for it forever: partitions 0
    // and 2 stalled with it, no batch ended (the consumer's session lost) and nothing said.
    const recorder = recorderOf('g9');
    await Promise.all([0, 1, 2].map((p) => recorder.record(batch(p, 0, [study(`1.2.48.${p}`)]))));
    const holder = await connectedClient(db.url, 'medium-offset-holder');
    await holder.query('BEGIN');
    await holder.query(
      `SELECT * FROM ingest_offsets WHERE group_id = 'g9' AND partition = 1 FOR UPDATE`,
    );
    try {
      const { settled, lastSettledMs } = await recordTogether(
        recorder,
        [0, 1, 2].map((p) => batch(p, 1, [study(`1.2.49.${p}`)])),
      );
      expect(
        settled.map((s) =>
          s.status === 'rejected'
            ? [isOffsetLockWait(s.reason), isLedgerLockWait(s.reason)]
            : s.value.recorded,
        ),
      ).toEqual([1, [true, false], 1]);
      // One wait in the group, one alone: within the consumer's 10 s session.
      expect(lastSettledMs).toBeLessThan(2.5 * OFFSET_LOCK_WAIT_MS);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect((await recorder.record(batch(1, 1, [study('1.2.49.1')]))).recorded).toBe(1);
    expect(await offsetsOf('g9')).toEqual([
      [0, '2'],
      [1, '2'],
      [2, '2'],
    ]);
    // The bound is the offset rows' alone: what follows in the transaction waits unbounded
    // again (the ledger lock and the append locks set their own).
    await db.dataSource
      .transaction(async (manager) => {
        const next = await new OffsetStore('g9', 'groups').lockPartitions(manager, [2, 0, 7]);
        expect([...next]).toEqual([
          [0, 2n],
          [2, 2n],
          [7, 0n],
        ]);
        const [{ lock_timeout }] =
          await manager.query<{ lock_timeout: string }[]>('SHOW lock_timeout');
        expect(lock_timeout).toBe('0');
        throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
  }, 60_000);

  it('should record two batches of one partition given together one after the other, in their order, never in one transaction', async () => {
    const recorder = recorderOf('g8');
    const events = ['1.2.47.1', '1.2.47.2', '1.2.47.3', '1.2.47.4'].map((uid) => study(uid));
    const outcomes = await Promise.all([
      recorder.record(batch(0, 0, [events[0], events[1]])),
      recorder.record(batch(0, 2, [events[2]])),
      recorder.record(batch(1, 0, [events[3]])),
    ]);
    expect(outcomes.map((o) => o.recorded)).toEqual([2, 1, 1]);
    const rows = await db.dataSource.query<{ event_id: string; recorded_at: string }[]>(
      `SELECT event_id, recorded_at::text AS recorded_at FROM ledger_entries
        WHERE event_id = ANY($1) ORDER BY sequence`,
      [events.map((e) => e.id)],
    );
    // Partition 0's messages in their offsets' order; its second batch shares a transaction
    // with partition 1's, not with its first.
    expect(rows.map((r) => r.event_id)).toEqual(events.map((e) => e.id));
    expect(new Set(rows.map((r) => r.recorded_at)).size).toBe(2);
    expect(rows[0].recorded_at).toBe(rows[1].recorded_at);
    expect(rows[2].recorded_at).toBe(rows[3].recorded_at);
    expect(await offsetsOf('g8')).toEqual([
      [0, '3'],
      [1, '1'],
    ]);
  });

  it('should record every event once, with no deadlock, when two instances record groups of the same partitions at once', async () => {
    // Two ingest processes (each its own recorder and log) briefly holding the same partitions
    // during a rebalance, given the same batches in opposite orders: the offset rows are
    // locked in partition order, so neither holds a row the other waits for while it waits.
    const instances = [recorderOf('g6'), recorderOf('g6')];
    const ids: string[] = [];
    // Each instance's group is one transaction that never fails (a deadlock would fail
    // one, after deadlock_timeout, and its batches would be retried alone).
    const transaction = jest.spyOn(db.dataSource, 'transaction');
    for (let round = 0; round < 10; round++) {
      const given = [0, 1, 2].map((partition) => {
        const event = study(`1.2.45.${round}.${partition}`);
        ids.push(event.id);
        return batch(partition, round, [event]);
      });
      const settled = await Promise.allSettled([
        ...given.map((b) => instances[0].record(b)),
        ...[...given].reverse().map((b) => instances[1].record(b)),
      ]);
      expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
      const recorded = settled.map((s) => (s.status === 'fulfilled' ? s.value.recorded : 0));
      expect(recorded.reduce((a, b) => a + b)).toBe(3);
    }
    expect(transaction).toHaveBeenCalledTimes(2 * 10);
    transaction.mockRestore();
    const [{ n, events }] = await db.dataSource.query<{ n: number; events: number }[]>(
      `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS events FROM ledger_entries
        WHERE event_id = ANY($1)`,
      [ids],
    );
    expect([n, events]).toEqual([ids.length, ids.length]);
    expect(await offsetsOf('g6')).toEqual([
      [0, '10'],
      [1, '10'],
      [2, '10'],
    ]);
    expect(await verdict()).toBe('ok');
  });

  it('should record every batch of a group once when its connection drops in the middle of the shared transaction', async () => {
    // The backend ends while the group's second offset is stored, its rows appended: the
    // transaction is lost whole, and each batch, retried alone on a new connection, is
    // recorded once, numbered after what the ledger really holds.
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    await owner.query('CREATE SEQUENCE medium_drop_once');
    await owner.query(
      `GRANT USAGE, SELECT ON SEQUENCE medium_drop_once TO ${new URL(db.url).username}`,
    );
    await owner.query(`
      CREATE FUNCTION medium_drop_connection() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('medium_drop_once') = 1 THEN
          PERFORM pg_terminate_backend(pg_backend_pid());
          PERFORM pg_sleep(5);
        END IF;
        RETURN NEW;
      END $$`);
    await owner.query(`
      CREATE TRIGGER medium_drop_connection BEFORE UPDATE ON ingest_offsets
      FOR EACH ROW WHEN (NEW.group_id = 'g7' AND NEW.partition = 1 AND NEW.next_offset <> OLD.next_offset)
      EXECUTE FUNCTION medium_drop_connection()`);
    try {
      const recorder = recorderOf('g7');
      // The offset rows exist: the drop comes at the store, after the append.
      await Promise.all([0, 1, 2].map((p) => recorder.record(batch(p, 0, [study(`1.2.46.${p}`)]))));
      const events = [0, 1, 2].map((p) => [study(`1.2.46.${p}.1`), study(`1.2.46.${p}.2`)]);
      const outcomes = await Promise.all(
        events.map((pair, partition) => recorder.record(batch(partition, 1, pair))),
      );
      expect(outcomes.map((o) => o.recorded)).toEqual([2, 2, 2]);
      const ids = events.flat().map((e) => e.id);
      expect(await entriesOf(ids)).toBe(ids.length);
      expect(await offsetsOf('g7')).toEqual([
        [0, '3'],
        [1, '3'],
        [2, '3'],
      ]);
      // The connection did drop: the sequence was taken.
      const [{ taken }] = await db.dataSource.query<{ taken: boolean }[]>(
        'SELECT is_called AS taken FROM medium_drop_once',
      );
      expect(taken).toBe(true);
      expect(await verdict()).toBe('ok');
    } finally {
      await owner.query('DROP TRIGGER IF EXISTS medium_drop_connection ON ingest_offsets');
      await owner.query('DROP FUNCTION IF EXISTS medium_drop_connection()');
      await owner.end();
    }
  });

  it("should say a retried batch's messages were handled by the earlier transaction whose COMMIT reply was lost, and record each once", async () => {
    // The commit succeeds but its reply never arrives: the recorder sees a failed transaction.
    // Its retry finds the partitions' offsets already past the batches. Before, the retry
    // said recorded 0 and duplicates 0, so the messages counted under no outcome at all.
    const relay = await commitReplyLoser(new URL(db.url));
    const relayed = createDataSource(relay.url(db.url), { name: 'medium-relay', poolSize: 3 });
    await relayed.initialize();
    try {
      const recorder = new BatchRecorder(
        relayed,
        new LedgerLog(settings.ledgerOrigin),
        new OffsetStore('g11', 'groups'),
        new LineageProjection(),
        settings.pseudonymKey,
      );
      // Alone: the failure reaches the caller (the consumer), which gives the batch again.
      const aloneEvents = [study('1.2.49.0.1'), study('1.2.49.0.2')];
      const alone = batch(0, 0, aloneEvents);
      relay.arm();
      await expect(recorder.record(alone)).rejects.toThrow();
      expect(relay.lost()).toBe(1);
      const retried = await recorder.record(alone);
      expect(retried).toMatchObject({ recorded: 0, duplicates: 0, alreadyHandled: 2 });
      expect(retried.quarantined).toEqual([]);

      // In a group: the recorder retries each batch alone itself.
      const groupEvents = [1, 2, 3].map((p) => [study(`1.2.49.${p}.1`), study(`1.2.49.${p}.2`)]);
      relay.arm();
      const outcomes = await Promise.all(
        groupEvents.map((pair, i) => recorder.record(batch(i + 1, 0, pair))),
      );
      expect(relay.lost()).toBe(2);
      expect(outcomes.map((o) => [o.recorded, o.duplicates, o.alreadyHandled])).toEqual([
        [0, 0, 2],
        [0, 0, 2],
        [0, 0, 2],
      ]);

      // Each event once in the ledger, each offset past its batch, the chain whole.
      const ids = [...aloneEvents, ...groupEvents.flat()].map((e) => e.id);
      expect(await entriesOf(ids)).toBe(ids.length);
      expect(await offsetsOf('g11')).toEqual([
        [0, '2'],
        [1, '2'],
        [2, '2'],
        [3, '2'],
      ]);
      expect(await verdict()).toBe('ok');
    } finally {
      await relayed.destroy();
      await relay.close();
    }
  });

  // Last: the constraint stays on the table.
  it('should record the other batches of a group alone when PostgreSQL refuses the data of one, and split only that one', async () => {
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    await owner.query(
      `ALTER TABLE ledger_entries ADD CONSTRAINT refuses_marked CHECK (leaf_data NOT LIKE '%refused-by-the-test%')`,
    );
    await owner.end();
    const recorder = recorderOf('g3');
    const given = [
      batch(0, 0, [study('1.2.42.1'), study('1.2.42.2')]),
      batch(1, 0, [study('1.2.42.3'), study('1.2.42.4', 'refused-by-the-test'), study('1.2.42.5')]),
      batch(2, 0, [study('1.2.42.6')]),
    ];
    const outcomes = await Promise.all(
      given.map((b) => new BatchSplittingRecorder(recorder).record(b)),
    );
    expect(outcomes.map((o) => [o.recorded, o.quarantined.map((q) => q.offset)])).toEqual([
      [2, []],
      [2, ['1']],
      [1, []],
    ]);
    expect(outcomes[1].quarantined[0].reason).toMatch(/^rejected_by_database: 23514 /);
    expect(await offsetsOf('g3')).toEqual([
      [0, '2'],
      [1, '3'],
      [2, '1'],
    ]);
  });
});
