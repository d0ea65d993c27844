// `cli quarantine-replay`: quarantined messages of one reason category sent to Kafka again,
// as received, once what refused them has changed (here: rows as an earlier version of the
// ingest left them, refused by a fault of ours). Real Kafka, real PostgreSQL, the built CLI
// as an operator runs it. The ledger records each event once however often it is replayed;
// a message still refused is quarantined again; the producer's own faults are not replayed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { E2eStack } from '../support/e2e-stack';
import { cli } from '../support/cli-process';
import { e2eServices, eventually, testSettings } from '../support/test-env';

const settings = testSettings();

describe('cli quarantine-replay (real Kafka, real PostgreSQL)', () => {
  let stack: E2eStack;
  let dataDir: string;
  let env: Record<string, string>;
  const study = cloudEvent(
    'org.scantrail.study.registered',
    exampleData('org.scantrail.study.registered', { studyInstanceUid: '2.25.6060601' }),
  );
  const vendor = cloudEvent(
    'org.scantrail.vendor.registered',
    exampleData('org.scantrail.vendor.registered', { vendorId: 'vnd-replay' }),
  );

  const quarantineRows = async (): Promise<{ reason: string; offset: string }[]> =>
    stack.db.dataSource.query(
      `SELECT reason, kafka_offset::text AS offset FROM quarantined_messages ORDER BY id`,
    );
  const recorded = async (id: string): Promise<number> => {
    const [{ n }] = await stack.db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM ledger_entries WHERE event_id = $1',
      [id],
    );
    return n;
  };

  beforeAll(async () => {
    stack = await E2eStack.open(1);
    await stack.startIngest(settings);
    dataDir = mkdtempSync(join(tmpdir(), 'scantrail-replay-'));
    env = {
      DATABASE_URL: stack.db.url,
      KAFKA_BROKERS: e2eServices().brokers.join(','),
      LEDGER_ORIGIN: settings.ledgerOrigin,
      LEDGER_VERIFIER_KEY: settings.ledgerVerifierKey,
      PSEUDONYM_KEY: settings.pseudonymKey.toString('hex'),
      AUTH_JWT_SECRET: settings.authJwtSecret.toString('hex'),
      SCANTRAIL_DATA_DIR: dataDir,
      NODE_ENV: 'production',
    };
    // What an earlier ingest left: a valid event it failed on, a message that is not JSON it
    // failed on too, and a valid event refused as the producer's fault (not replayable).
    await stack.db.dataSource.query(
      `INSERT INTO quarantined_messages (topic, partition, kafka_offset, reason, raw_key, raw_value)
       VALUES ($1, 0, 9001, 'unprocessable: preparing the ledger entry failed (RangeError)', $2, $3),
              ($1, 0, 9002, 'unprocessable: preparing the ledger entry failed (TypeError)', NULL, $4),
              ($1, 0, 9003, 'invalid_data: data.role: invalid value', NULL, $5)`,
      [
        stack.topic,
        Buffer.from('study-key'),
        encodeEvent(study),
        Buffer.from('{"not": "json"'),
        encodeEvent(vendor),
      ],
    );
  });

  afterAll(async () => {
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should list what it would send on a dry run and send nothing', async () => {
    const run = await cli(['quarantine-replay', '--reason', 'unprocessable', '--dry-run'], env);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`would send #1 (${stack.topic} / 0 / 9001`);
    expect(run.out).toContain(`would send #2 (${stack.topic} / 0 / 9002`);
    expect(run.out).toContain('2 quarantined messages would be sent (dry run: nothing sent)');
    expect(run.out).not.toContain('#3');
    expect(await quarantineRows()).toHaveLength(3);
    expect(await recorded(study.id)).toBe(0);
  });

  it('should have the ingest record a replayed event once, however often it is replayed, and quarantine again what is still refused', async () => {
    for (let time = 1; time <= 2; time++) {
      const run = await cli(['quarantine-replay', '--reason', 'unprocessable'], env);
      expect(run.code).toBe(0);
      expect(run.out).toContain('2 quarantined messages sent');
      // Each replay's "not JSON" message is quarantined again, at its new coordinates.
      await eventually(
        async () => ((await quarantineRows()).length === 3 + time ? true : undefined),
        60_000,
        `replay ${time} consumed`,
      );
      expect(await recorded(study.id)).toBe(1);
    }
    const rows = await quarantineRows();
    expect(rows.slice(3).map((r) => r.reason.split(':', 1)[0])).toEqual(['not_json', 'not_json']);
    // The history stays: the rows replayed are still there, as they were.
    expect(rows.slice(0, 3).map((r) => r.offset)).toEqual(['9001', '9002', '9003']);
    expect(await recorded(vendor.id)).toBe(0);
  });

  it("should refuse to replay the producer's own faults, saying which categories it replays", async () => {
    const run = await cli(['quarantine-replay', '--reason', 'invalid_data'], env);
    expect(run.code).not.toBe(0);
    expect(run.out).toContain('unprocessable, rejected_by_database, too_large');
  });
});
