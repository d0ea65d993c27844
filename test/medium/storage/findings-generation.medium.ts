import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { Client } from 'pg';
import { attemptRolledBack } from '../../support/database-role';
import {
  connectedClient,
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';

/**
 * findings_generation (migration 1764107000000): moves in the transaction of every change
 * to the findings (rm_finding_rows, and rm_finding_details since migration 1764112000000)
 * or rm_findings_counts, whoever makes it, and only then; the apps' role
 * (the user of DATABASE_URL) reads it and can move it only by writing findings.
 */
const settings = testSettings();

async function generationOf(client: Client): Promise<bigint> {
  const { rows } = await client.query<{ g: string }>(
    'SELECT generation::text AS g FROM findings_generation',
  );
  expect(rows).toHaveLength(1);
  return BigInt(rows[0].g);
}

const FINDING = `('9001', '2.25.77', 'NO_CONSENT', 'vnd-x', 'ev-x', '2024-01-01T00:00:00Z', 'd')`;
const FINDING_COLUMNS =
  '(ledger_sequence, study_uid, code, vendor_id, event_id, occurred_at, detail)';

describe('findings_generation', () => {
  let db: TestDatabase;
  let app: Client;
  let owner: Client;
  let other: Client;
  let recorder: DirectRecorder;

  beforeAll(async () => {
    db = await createTestDatabase();
    recorder = new DirectRecorder(db.dataSource, settings);
    app = await connectedClient(db.url);
    owner = await connectedClient(db.ownerUrl);
    other = await connectedClient(db.url);
  });

  afterAll(async () => {
    await Promise.all([app.end(), owner.end(), other.end()]);
    await db.drop();
  });

  it('should move when a findings round changes a finding, and stay when a round changes none', async () => {
    const before = await generationOf(app);
    // A de-identified disclosure of a study never derived, to a vendor without agreement.
    await recorder.record([
      cloudEvent(
        'org.scantrail.disclosure.recorded',
        exampleData('org.scantrail.disclosure.recorded', {
          disclosureId: 'dsc-gen-1',
          recipientVendorId: 'vnd-gen',
          agreementId: undefined,
          target: { studyInstanceUid: '2.25.5001' },
        }),
      ),
    ]);
    const { rows: found } = await app.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM rm_findings',
    );
    expect(found[0].n).toBeGreaterThan(0);
    const afterFinding = await generationOf(app);
    expect(afterFinding).toBeGreaterThan(before);

    // The ledger grows and the findings worker evaluates it, without a finding changing.
    const progress = async (): Promise<string> =>
      (await app.query<{ p: string }>('SELECT complete_through::text AS p FROM findings_progress'))
        .rows[0].p;
    const position = await progress();
    await recorder.record([
      cloudEvent(
        'org.scantrail.vendor.registered',
        exampleData('org.scantrail.vendor.registered', { vendorId: 'vnd-quiet' }),
      ),
      cloudEvent(
        'org.scantrail.study.registered',
        exampleData('org.scantrail.study.registered', { studyInstanceUid: '2.25.5002' }),
      ),
    ]);
    expect(await progress()).not.toBe(position);
    expect(await generationOf(app)).toBe(afterFinding);
  });

  it.each([
    [
      'INSERT into rm_finding_rows',
      `INSERT INTO rm_finding_rows ${FINDING_COLUMNS} VALUES ${FINDING}`,
    ],
    ['UPDATE of rm_finding_rows', `UPDATE rm_finding_rows SET detail = detail || '.'`],
    [
      'INSERT into rm_finding_details',
      `INSERT INTO rm_finding_details (ledger_sequence, code, detail) VALUES (9001, 'NO_AGREEMENT', 'd')`,
    ],
    ['UPDATE of rm_finding_details', `UPDATE rm_finding_details SET detail = detail || '.'`],
    ['DELETE from rm_finding_details', 'DELETE FROM rm_finding_details'],
    ['DELETE from rm_finding_rows', 'DELETE FROM rm_finding_rows'],
    [
      'INSERT into rm_findings_counts',
      `INSERT INTO rm_findings_counts (code, vendor_id, n) VALUES ('NO_CONSENT', 'vnd-x', 1)`,
    ],
    ['UPDATE of rm_findings_counts', 'UPDATE rm_findings_counts SET n = n + 1'],
    ['DELETE from rm_findings_counts', 'DELETE FROM rm_findings_counts'],
    [
      'INSERT ... ON CONFLICT DO UPDATE of rm_finding_rows',
      `INSERT INTO rm_finding_rows ${FINDING_COLUMNS}
       SELECT ledger_sequence, study_uid, code, vendor_id, event_id, occurred_at, detail FROM rm_finding_rows
       ON CONFLICT (ledger_sequence, study_uid, code) DO UPDATE SET detail = EXCLUDED.detail || '!'`,
    ],
  ])(
    'should move in the transaction of the apps role %s, seen by others at its commit',
    async (_, statement) => {
      const before = await generationOf(app);
      await app.query('BEGIN');
      try {
        const { rowCount } = await app.query(statement);
        expect(rowCount).toBeGreaterThan(0);
        const inside = await generationOf(app);
        expect(inside).toBeGreaterThan(before);
        // Another session sees the old generation until the change commits, then the new.
        expect(await generationOf(other)).toBe(before);
        await app.query('ROLLBACK');
      } catch (error) {
        await app.query('ROLLBACK');
        throw error;
      }
      expect(await generationOf(other)).toBe(before);
      await app.query('BEGIN');
      await app.query(statement);
      const written = await generationOf(app);
      await app.query('COMMIT');
      expect(await generationOf(other)).toBe(written);
      // Put the findings back as the rounds left them (a later case needs rows to change).
      if (statement.startsWith('DELETE FROM rm_findings_counts'))
        await owner.query(
          `INSERT INTO rm_findings_counts (code, vendor_id, n)
           SELECT code, vendor_id, count(*)::int FROM rm_findings GROUP BY code, vendor_id`,
        );
      if (statement.startsWith('DELETE FROM rm_finding_rows'))
        await recorder.record([
          cloudEvent(
            'org.scantrail.disclosure.recorded',
            exampleData('org.scantrail.disclosure.recorded', {
              recipientVendorId: 'vnd-gen',
              agreementId: undefined,
              target: { studyInstanceUid: '2.25.5003' },
            }),
          ),
        ]);
    },
  );

  it.each([
    ['UPDATE', `UPDATE rm_finding_rows SET detail = 'x' WHERE false`],
    ['UPDATE of a detail', `UPDATE rm_finding_details SET detail = 'x' WHERE false`],
    ['DELETE', `DELETE FROM rm_findings_counts WHERE code = 'none'`],
    [
      'INSERT',
      `INSERT INTO rm_finding_rows ${FINDING_COLUMNS} SELECT 9002, 'a', 'b', 'c', 'd', now(), 'e' WHERE false`,
    ],
  ])('should stay on a %s that changes no row', async (_, statement) => {
    const before = await generationOf(app);
    await app.query(statement);
    expect(await generationOf(app)).toBe(before);
  });

  it('should move on TRUNCATE of each table (cli rebuild empties the read models)', async () => {
    for (const table of ['rm_finding_rows', 'rm_finding_details', 'rm_findings_counts']) {
      const before = await generationOf(owner);
      await owner.query('BEGIN');
      await owner.query(`TRUNCATE ${table}`);
      expect(await generationOf(owner)).toBeGreaterThan(before);
      await owner.query('ROLLBACK');
      expect(await generationOf(owner)).toBe(before);
    }
  });

  it('should refuse the apps role every way of moving, resetting or silencing the counter', async () => {
    const before = await generationOf(app);
    const refusals: [string, string][] = [
      ['UPDATE findings_generation SET generation = 0', '42501'],
      ['UPDATE findings_generation SET generation = generation + 1', '42501'],
      ['DELETE FROM findings_generation', '42501'],
      ['INSERT INTO findings_generation (singleton, generation) VALUES (false, 1)', '42501'],
      ['TRUNCATE findings_generation', '42501'],
      ['ALTER TABLE rm_finding_rows DISABLE TRIGGER rm_finding_rows_generation_insert', '42501'],
      ['ALTER TABLE rm_finding_details DISABLE TRIGGER ALL', '42501'],
      ['ALTER TABLE rm_findings_counts DISABLE TRIGGER ALL', '42501'],
      ['DROP TRIGGER rm_finding_rows_generation_delete ON rm_finding_rows', '42501'],
      [
        `CREATE OR REPLACE FUNCTION scantrail_findings_changed() RETURNS trigger
         LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
        '42501',
      ],
      ['SET session_replication_role = replica', '42501'],
      // A trigger function cannot be called as a function.
      ['SELECT scantrail_findings_truncated()', '0A000'],
    ];
    for (const [sql, code] of refusals) {
      const refused = await attemptRolledBack(app, sql);
      expect({ sql, code: refused?.code }).toEqual({ sql, code });
    }
    expect(await generationOf(app)).toBe(before);
  });
});
