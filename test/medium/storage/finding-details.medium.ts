import { AGREEMENT_CODES, FINDING_CODES } from '@scantrail/compliance';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { createDataSource, migrateAs } from '@scantrail/storage';
import type { Client } from 'pg';
import {
  connectedClient,
  createTestDatabase,
  DirectRecorder,
  testSettings,
  undoMigrationsThrough,
  type TestDatabase,
} from '../../support/test-env';

/**
 * An agreement finding's detail is kept once per (event, code) (migration
 * 1764112000000-finding-details): every study an event carried shares it. What a reader of
 * `rm_findings` sees is each study's row with its event's detail, as before; a detail goes
 * with its event's last row; the migration moves stored details both ways. Real PostgreSQL,
 * the findings worker's rounds as the ingest runs them.
 */
const settings = testSettings();
const MEMBERS = ['2.25.8101', '2.25.8102', '2.25.8103'];

interface Seen {
  rows: { study_uid: string; code: string; detail: string | null }[];
  details: { code: string; detail: string }[];
  view: { study_uid: string; code: string; detail: string }[];
}

/** The stored NO_AGREEMENT findings: the rows, the details and what the view shows. */
async function seen(client: Client): Promise<Seen> {
  const rows = await client.query<Seen['rows'][number]>(
    `SELECT study_uid, code, detail FROM rm_finding_rows WHERE code = 'NO_AGREEMENT'
      ORDER BY study_uid`,
  );
  const details = await client.query<Seen['details'][number]>(
    'SELECT code, detail FROM rm_finding_details ORDER BY ledger_sequence, code',
  );
  const view = await client.query<Seen['view'][number]>(
    `SELECT study_uid, code, detail FROM rm_findings WHERE code = 'NO_AGREEMENT'
      ORDER BY study_uid`,
  );
  return { rows: rows.rows, details: details.rows, view: view.rows };
}

describe("an agreement finding's detail, once per event and code (medium: PostgreSQL)", () => {
  let db: TestDatabase;
  let owner: Client;
  let recorder: DirectRecorder;

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = await connectedClient(db.ownerUrl);
    recorder = new DirectRecorder(db.dataSource, settings);
    // A dataset of three de-identified studies disclosed to a vendor with no agreement.
    await recorder.record([
      cloudEvent(
        'org.scantrail.vendor.registered',
        exampleData('org.scantrail.vendor.registered', { vendorId: 'vnd-detail' }),
      ),
      cloudEvent(
        'org.scantrail.dataset.assembled',
        exampleData('org.scantrail.dataset.assembled', {
          datasetId: 'ds-detail',
          studyInstanceUids: MEMBERS,
        }),
      ),
      cloudEvent(
        'org.scantrail.disclosure.recorded',
        exampleData('org.scantrail.disclosure.recorded', {
          disclosureId: 'dsc-detail',
          recipientVendorId: 'vnd-detail',
          agreementId: undefined,
          target: { datasetId: 'ds-detail' },
        }),
      ),
    ]);
  });

  afterAll(async () => {
    await owner?.end();
    await db?.drop();
  });

  it('should store one detail for the studies of an event and show it on each of their rows', async () => {
    const { rows, details, view } = await seen(owner);
    expect(rows).toEqual(
      MEMBERS.map((uid) => ({ study_uid: uid, code: 'NO_AGREEMENT', detail: null })),
    );
    expect(details).toHaveLength(1);
    expect(details[0].code).toBe('NO_AGREEMENT');
    expect(view).toEqual(
      MEMBERS.map((uid) => ({ study_uid: uid, code: 'NO_AGREEMENT', detail: details[0].detail })),
    );
  });

  it('should keep every study of the event on one detail when an agreement changes it', async () => {
    const before = await seen(owner);
    // An agreement of the vendor that does not permit the disclosure's purpose: the finding
    // stays, and its detail now names that agreement.
    await recorder.record([
      cloudEvent(
        'org.scantrail.agreement.signed',
        exampleData('org.scantrail.agreement.signed', {
          agreementId: 'agr-detail-validation',
          vendorId: 'vnd-detail',
          permittedPurposes: ['AI_VALIDATION'],
        }),
      ),
    ]);
    const after = await seen(owner);
    expect(after.rows).toEqual(before.rows);
    expect(after.details).toHaveLength(1);
    expect(after.details[0].detail).not.toBe(before.details[0].detail);
    expect(after.details[0].detail).toContain('agr-detail-validation');
    expect(after.view.map((r) => r.detail)).toEqual(MEMBERS.map(() => after.details[0].detail));
  });

  it('should move the details onto the rows and back when the migration is undone and applied again', async () => {
    const before = await seen(owner);
    await undoMigrationsThrough(db.ownerUrl, 'FindingDetails1764112000000');
    // Undone: one table again, each row with its detail.
    const { rows: table } = await owner.query<Seen['view'][number]>(
      `SELECT study_uid, code, detail FROM rm_findings WHERE code = 'NO_AGREEMENT'
        ORDER BY study_uid`,
    );
    expect(table).toEqual(before.view);
    const { rows: kind } = await owner.query<{ kind: string }>(
      "SELECT relkind AS kind FROM pg_class WHERE relname = 'rm_findings'",
    );
    expect(kind).toEqual([{ kind: 'r' }]);

    // Applied again as the owner alone: `migrate` grants TABLE_RIGHTS only after every
    // migration, and the apps read the view meanwhile with the rights they had on the table.
    const redoing = await createDataSource(db.ownerUrl, { name: 'redo' }).initialize();
    try {
      const applied = await redoing.runMigrations({ transaction: 'each' });
      expect(applied.map((m) => m.name)).toContain('FindingDetails1764112000000');
    } finally {
      await redoing.destroy();
    }
    for (const url of [db.url, db.apiUrl]) {
      const reader = await connectedClient(url);
      try {
        const { rows: read } = await reader.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM rm_findings WHERE detail IS NOT NULL',
        );
        expect(read[0].n).toBeGreaterThan(0);
      } finally {
        await reader.end();
      }
    }
    expect(await migrateAs(db.ownerUrl, db.url, db.apiUrl, db.bridgeUrl)).toEqual([]);
    expect(await seen(owner)).toEqual(before);
  });

  it('should refuse a detail on the row of an agreement finding, and none on another', async () => {
    const refused = await owner
      .query(`UPDATE rm_finding_rows SET detail = 'x' WHERE code = 'NO_AGREEMENT'`)
      .catch((error: { code?: string }) => error.code);
    expect(refused).toBe('23514');
    const app = await connectedClient(db.url);
    try {
      const noDetail = await app
        .query(
          `INSERT INTO rm_finding_rows (ledger_sequence, study_uid, code, vendor_id, event_id,
                                        occurred_at, detail)
           VALUES (1, '2.25.1', 'NO_CONSENT', 'vnd-x', 'ev-x', now(), NULL)`,
        )
        .catch((error: { code?: string }) => error.code);
      expect(noDetail).toBe('23514');
    } finally {
      await app.end();
    }
  });

  it("should hold exactly AGREEMENT_CODES' rows without a detail (the CHECK follows the rules' list)", async () => {
    const withoutDetail: string[] = [];
    for (const code of FINDING_CODES) {
      await owner.query('BEGIN');
      try {
        await owner.query(
          `INSERT INTO rm_finding_rows (ledger_sequence, study_uid, code, vendor_id, event_id,
                                        occurred_at, detail)
           VALUES (2, '2.25.2', $1, 'vnd-x', 'ev-x', now(), NULL)`,
          [code],
        );
        withoutDetail.push(code);
      } catch (error) {
        expect((error as { code?: string }).code).toBe('23514');
      } finally {
        await owner.query('ROLLBACK');
      }
    }
    expect(withoutDetail.sort()).toEqual([...AGREEMENT_CODES].sort());
  });

  it('should remove the detail with the last row of its event when the finding goes', async () => {
    // An agreement permitting the purpose, in force at the disclosure's time.
    await recorder.record([
      cloudEvent(
        'org.scantrail.agreement.signed',
        exampleData('org.scantrail.agreement.signed', {
          agreementId: 'agr-detail-training',
          vendorId: 'vnd-detail',
          permittedPurposes: ['AI_TRAINING'],
        }),
      ),
    ]);
    expect(await seen(owner)).toEqual({ rows: [], details: [], view: [] });
  });
});
