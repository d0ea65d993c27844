import { exampleData } from '@scantrail/contract/testing';
import { demoEvents } from '@scantrail/demo';
import type { EventDataMap, EventType } from '@scantrail/contract';
import { LINEAGE_TABLES, LineageProjection } from '@scantrail/projection';
import {
  ALL_STUDY_LABELS,
  ALL_TARGET_EVENTS,
  READ_MODEL_TABLES,
  type RecordedEntry,
} from '@scantrail/storage';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';
import { recordedEntry } from '../../support/recorded-entry';

/**
 * The projection's handlers and table definitions against the migrated schema: the rows
 * each event type writes, the "latest wins" and "earliest member" rules against stored
 * rows, and that batching never changes the tables.
 */
const T1 = '2024-05-01T12:00:00Z';
const T2 = '2024-05-02T12:00:00Z';
const T3 = '2024-05-03T12:00:00Z';

const entry = <T extends EventType>(
  sequence: number,
  type: T,
  data: EventDataMap[T],
  time = T1,
): RecordedEntry => recordedEntry(sequence, type, data, time);

describe('lineage projection (medium: PostgreSQL, no Kafka)', () => {
  let db: TestDatabase;
  const projection = new LineageProjection();

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  // Each case starts from empty read models (the apps' role may DELETE them, not TRUNCATE).
  beforeEach(async () => {
    for (const table of READ_MODEL_TABLES) await db.dataSource.query(`DELETE FROM ${table}`);
  });

  const project = (entries: RecordedEntry[]): Promise<void> =>
    db.dataSource.transaction((m) => projection.project(m, entries));
  const rowsOf = async (table: string): Promise<Record<string, unknown>[]> =>
    (
      await db.dataSource.query<{ r: Record<string, unknown> }[]>(
        `SELECT row_to_json(t) AS r FROM ${table} t ORDER BY ledger_sequence`,
      )
    ).map((x) => x.r);

  it('should define every lineage table with the columns and types the migrations create', async () => {
    const columns = await db.dataSource.query<{ table: string; column: string; type: string }[]>(
      `SELECT table_name AS table, column_name AS column,
              format_type(a.atttypid, a.atttypmod) AS type
         FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = c.table_name::regclass AND a.attname = c.column_name
        WHERE table_schema = 'public' AND table_name LIKE 'rm\\_%'`,
    );
    for (const table of LINEAGE_TABLES) {
      expect(READ_MODEL_TABLES).toContain(table.name);
      const stored = Object.fromEntries(
        columns.filter((c) => c.table === table.name).map((c) => [c.column, c.type]),
      );
      const defined = Object.fromEntries(
        Object.entries({ ...table.columns, ...table.computed }).map(([c, t]) => [
          c,
          t === 'timestamptz' ? 'timestamp with time zone' : t,
        ]),
      );
      expect({ table: table.name, columns: defined }).toEqual({
        table: table.name,
        columns: stored,
      });
    }
  });

  it.each<[EventType, string, Record<string, unknown>]>([
    [
      'org.scantrail.vendor.registered',
      'rm_vendors',
      { vendor_id: 'vnd-acme', country: 'US', parent_vendor_id: 'vnd-acme-holding' },
    ],
    [
      'org.scantrail.agreement.signed',
      'rm_agreements',
      {
        agreement_id: 'agr-acme-dua',
        permitted_purposes: ['AI_TRAINING', 'AI_VALIDATION'],
        effective_from: '2024-01-01T00:00:00+00:00',
        expires_at: '2025-12-31T23:59:59+00:00',
        allows_onward_transfer: false,
      },
    ],
    [
      'org.scantrail.agreement.terminated',
      'rm_agreement_terminations',
      {
        agreement_id: 'agr-acme-dua',
        terminated_at: '2024-05-01T12:00:00+00:00',
        reason: 'vendor breach',
      },
    ],
    [
      'org.scantrail.study.registered',
      'rm_studies',
      {
        study_uid: '1.2.840.113619.2.55.3.1001',
        patient: 'MRN-004211',
        modality: 'CT',
        patient_value_pseudonym: null,
      },
    ],
    [
      'org.scantrail.study.deidentified',
      'rm_derivations',
      {
        derived_uid: '2.25.1001',
        source_uid: '1.2.840.113619.2.55.3.1001',
        method_codes: ['113100', '113101', '113102'],
        tool_version: '3.4.1',
        event_id: 'evt-0',
      },
    ],
    [
      'org.scantrail.consent.recorded',
      'rm_consents',
      {
        consent_id: 'cns-1',
        scope_modalities: ['CT'],
        valid_from: '2024-01-01T00:00:00+00:00',
        valid_until: '2026-01-01T00:00:00+00:00',
      },
    ],
    [
      'org.scantrail.consent.revoked',
      'rm_consent_revocations',
      { consent_id: 'cns-1', reason: 'patient request' },
    ],
    [
      'org.scantrail.dataset.assembled',
      'rm_datasets',
      { dataset_id: 'ds-head-ct-2024', purpose: 'AI_TRAINING' },
    ],
    [
      'org.scantrail.disclosure.recorded',
      'rm_disclosures',
      {
        disclosure_id: 'dsc-1',
        target_study_uid: '2.25.1001',
        target_dataset_id: null,
        legal_basis: 'DEIDENTIFIED',
        occurred_at: '2024-05-01T12:00:00+00:00',
      },
    ],
    [
      'org.scantrail.transfer.onward',
      'rm_transfers',
      {
        transfer_id: 'trf-1',
        target_study_uid: null,
        target_dataset_id: 'ds-head-ct-2024',
        to_vendor_id: 'vnd-cloud',
      },
    ],
    ['org.scantrail.model.trained', 'rm_models', { model_id: 'mdl-ich-detect', usage: 'TRAINING' }],
    [
      'org.scantrail.deletion.attested',
      'rm_deletions',
      { vendor_id: 'vnd-acme', certificate_ref: 'CERT-42' },
    ],
    [
      'org.scantrail.deletion.requested',
      'rm_deletion_requests',
      {
        request_id: 'del-req-7',
        requested_at: '2024-05-01T12:00:00+00:00',
        due_by: '2024-06-30T23:59:59.999+00:00',
        scope_study_uids: ['1.2.840.113619.2.55.3.1001'],
      },
    ],
    [
      'org.scantrail.breach.reported',
      'rm_breaches',
      {
        breach_id: 'brc-acme-2024-1',
        discovered_at: '2024-05-10T00:00:00+00:00',
        exposure_from: '2024-04-01T00:00:00+00:00',
        exposure_to: '2024-05-09T23:59:59.999+00:00',
        affected_study_uids: [],
        affected_dataset_ids: ['ds-head-ct-2024'],
      },
    ],
    [
      'org.scantrail.deidentification.inspected',
      'rm_inspections',
      { inspection_id: 'insp-0001', instances: 24, result: 'FAIL', method_codes_found: ['113100'] },
    ],
  ])('should write the row of a %s entry into %s', async (type, table, expected) => {
    await project([entry(0, type, exampleData(type))]);
    const rows = await rowsOf(table);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ...expected, ledger_sequence: 0 });
  });

  it('should write a dataset member per study when a dataset is assembled', async () => {
    const data = exampleData('org.scantrail.dataset.assembled', {
      studyInstanceUids: ['2.25.1', '2.25.2'],
    });
    await project([entry(3, 'org.scantrail.dataset.assembled', data)]);
    expect(await rowsOf('rm_dataset_members')).toEqual([
      expect.objectContaining({ study_uid: '2.25.1', event_id: 'evt-3', ledger_sequence: 3 }),
      expect.objectContaining({ study_uid: '2.25.2', event_id: 'evt-3', ledger_sequence: 3 }),
    ]);
  });

  it('should keep the latest registration when an older one comes later, in a batch or after it', async () => {
    const vendor = (name: string) => exampleData('org.scantrail.vendor.registered', { name });
    await project([
      entry(0, 'org.scantrail.vendor.registered', vendor('Middle'), T2),
      entry(1, 'org.scantrail.vendor.registered', vendor('Oldest'), T1),
    ]);
    expect((await rowsOf('rm_vendors')).map((r) => r.name)).toEqual(['Middle']);
    await project([entry(2, 'org.scantrail.vendor.registered', vendor('Older again'), T1)]);
    expect((await rowsOf('rm_vendors')).map((r) => r.name)).toEqual(['Middle']);
    await project([entry(3, 'org.scantrail.vendor.registered', vendor('Same time, later'), T2)]);
    expect(await rowsOf('rm_vendors')).toEqual([
      expect.objectContaining({ name: 'Same time, later', ledger_sequence: 3 }),
    ]);
  });

  it('should count a member from the earliest assembly that added it', async () => {
    const dataset = exampleData('org.scantrail.dataset.assembled', {
      studyInstanceUids: ['2.25.1'],
    });
    await project([entry(0, 'org.scantrail.dataset.assembled', dataset, T2)]);
    await project([
      entry(1, 'org.scantrail.dataset.assembled', dataset, T3),
      entry(2, 'org.scantrail.dataset.assembled', dataset, T1),
    ]);
    await project([entry(3, 'org.scantrail.dataset.assembled', dataset, T3)]);
    expect(await rowsOf('rm_dataset_members')).toEqual([
      expect.objectContaining({
        added_at: '2024-05-01T12:00:00+00:00',
        event_id: 'evt-2',
        ledger_sequence: 2,
      }),
    ]);
  });

  it('should keep every revocation of a consent when it is revoked twice', async () => {
    const revoked = exampleData('org.scantrail.consent.revoked');
    await project([
      entry(0, 'org.scantrail.consent.revoked', revoked),
      entry(1, 'org.scantrail.consent.revoked', revoked, T2),
    ]);
    expect((await rowsOf('rm_consent_revocations')).map((r) => r.ledger_sequence)).toEqual([0, 1]);
  });

  describe('the label study of a derivative (rm_derivations.label_uid)', () => {
    const registered = (uid: string) =>
      entry(0, 'org.scantrail.study.registered', {
        ...exampleData('org.scantrail.study.registered'),
        studyInstanceUid: uid,
      });
    const derived = (uid: string, from: string) =>
      entry(0, 'org.scantrail.study.deidentified', {
        ...exampleData('org.scantrail.study.deidentified'),
        derivedStudyInstanceUid: uid,
        sourceStudyInstanceUid: from,
      });
    const labels = async (): Promise<Record<string, string | null>> =>
      Object.fromEntries(
        (
          await db.dataSource.query<{ derived_uid: string; label_uid: string | null }[]>(
            'SELECT derived_uid, label_uid FROM rm_derivations',
          )
        ).map((r) => [r.derived_uid, r.label_uid]),
      );
    // What trace read before the label was kept: each derivative's chain walked 64 deep
    // (the registered study furthest up it), computed here from scratch.
    const fromScratch = async (): Promise<Record<string, string | null>> =>
      Object.fromEntries(
        (
          await db.dataSource.query<{ uid: string; label: string | null }[]>(`
            WITH RECURSIVE chain(uid, ancestor, depth) AS (
              SELECT derived_uid, derived_uid, 0 FROM rm_derivations
              UNION ALL
              SELECT c.uid, d.source_uid, c.depth + 1
                FROM chain c JOIN rm_derivations d ON d.derived_uid = c.ancestor
               WHERE c.depth < 64
            )
            SELECT d.derived_uid AS uid,
                   (SELECT c.ancestor FROM chain c JOIN rm_studies s ON s.study_uid = c.ancestor
                     WHERE c.uid = d.derived_uid ORDER BY c.depth DESC LIMIT 1) AS label
              FROM rm_derivations d`)
        ).map((r) => [r.uid, r.label]),
      );
    // S <- D1 <- D2, and D3 <- D2: every order of these events, one a batch, must give the
    // same labels (a derivative may be recorded before its source is registered or derived).
    const events = [
      registered('2.25.9.1'),
      derived('2.25.9.2', '2.25.9.1'),
      derived('2.25.9.3', '2.25.9.2'),
      derived('2.25.9.4', '2.25.9.3'),
      registered('2.25.9.3'),
    ];
    const orders = [
      [0, 1, 2, 3, 4],
      [4, 3, 2, 1, 0],
      [3, 2, 4, 1, 0],
      [2, 0, 3, 4, 1],
    ];

    it.each(orders.map((order) => [order.join(', '), order] as const))(
      'should keep the registered study closest to the original when the events come as %s',
      async (_name, order) => {
        for (const [i, e] of order.entries()) await project([{ ...events[e], sequence: i }]);
        expect(await labels()).toEqual({
          '2.25.9.2': '2.25.9.1',
          '2.25.9.3': '2.25.9.1',
          '2.25.9.4': '2.25.9.1',
        });
        expect(await labels()).toEqual(await fromScratch());
      },
    );

    it('should label a derivative with none when no study up its chain is registered', async () => {
      await project([{ ...derived('2.25.9.2', '2.25.9.1'), sequence: 0 }]);
      await project([{ ...derived('2.25.9.3', '2.25.9.2'), sequence: 1 }]);
      expect(await labels()).toEqual({ '2.25.9.2': null, '2.25.9.3': null });
    });

    it('should walk a derivation cycle 64 steps deep, as trace did, not stop where it closes', async () => {
      // A <- B and B <- A, both registered: 64 steps up from A end at A, from B at B (a walk
      // that stops at the cycle, as rm_resolved_studies', would give B's label as A).
      await project([
        { ...registered('2.25.9.1'), sequence: 0 },
        { ...derived('2.25.9.2', '2.25.9.1'), sequence: 1 },
      ]);
      await project([{ ...registered('2.25.9.2'), sequence: 2 }]);
      await project([{ ...derived('2.25.9.1', '2.25.9.2'), sequence: 3 }]);
      expect(await labels()).toEqual({ '2.25.9.1': '2.25.9.1', '2.25.9.2': '2.25.9.2' });
      expect(await labels()).toEqual(await fromScratch());
    });
  });

  it('should refuse the whole batch, naming the sequence, when an entry has an unknown type', async () => {
    const known = entry(
      0,
      'org.scantrail.vendor.registered',
      exampleData('org.scantrail.vendor.registered'),
    );
    const unknown = { ...known, sequence: 1, type: 'org.scantrail.vendor.renamed' };
    await expect(project([known, unknown])).rejects.toThrow(
      'lineage: no projection for event type org.scantrail.vendor.renamed (sequence 1)',
    );
    expect(await rowsOf('rm_vendors')).toEqual([]);
  });
});

describe('lineage projection over a whole stream (medium)', () => {
  const databases: TestDatabase[] = [];
  const settings = testSettings();
  const values = [...demoEvents({ events: 1500, seed: 3 })].map((m) => m.value);

  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  async function tablesAfter(batchSizes: (i: number) => number): Promise<Record<string, string[]>> {
    const db = await createTestDatabase();
    databases.push(db);
    const recorder = new DirectRecorder(db.dataSource, settings);
    for (let i = 0, n = 0; i < values.length; n += 1) {
      const size = batchSizes(n);
      await recorder.record(values.slice(i, i + size));
      i += size;
    }
    const tables: Record<string, string[]> = {};
    for (const table of READ_MODEL_TABLES) {
      const rows = await db.dataSource.query<{ r: string }[]>(
        `SELECT row_to_json(t)::text AS r FROM ${table} t ORDER BY 1`,
      );
      tables[table] = rows.map((x) => x.r);
    }
    const fourTables = await db.dataSource.query<{ r: string }[]>(
      `SELECT row_to_json(t)::text AS r FROM (${ALL_TARGET_EVENTS}) t ORDER BY 1`,
    );
    tables['four event tables'] = fourTables.map((x) => x.r);
    // The labels as the migration and the bulk loader write them, from scratch, last (it
    // overwrites what the projection kept).
    await db.dataSource.query('UPDATE rm_derivations SET label_uid = NULL');
    await db.dataSource.query(ALL_STUDY_LABELS);
    const scratch = await db.dataSource.query<{ r: string }[]>(
      `SELECT row_to_json(t)::text AS r FROM rm_derivations t ORDER BY 1`,
    );
    tables['labels from scratch'] = scratch.map((x) => x.r);
    return tables;
  }

  it('should write the same tables when the stream comes in one batch or in many small ones', async () => {
    const whole = await tablesAfter(() => values.length);
    const pieces = await tablesAfter((n) => 1 + ((n * 37) % 61));
    // Every lineage table is reached by the stream.
    for (const table of LINEAGE_TABLES)
      expect([table.name, whole[table.name].length > 0]).toEqual([table.name, true]);
    expect(pieces).toEqual(whole);
  });

  it("should keep the derivatives' labels the migration and the bulk loader compute from scratch", async () => {
    const whole = await tablesAfter(() => values.length);
    expect(
      whole['rm_derivations'].filter((r) => r.includes('"label_uid":"')).length,
    ).toBeGreaterThan(0);
    expect(whole['rm_derivations']).toEqual(whole['labels from scratch']);
  });

  it('should write rm_target_events as the rows the four event tables hold, as its migration fills it', async () => {
    const whole = await tablesAfter(() => values.length);
    expect(whole['rm_target_events'].length).toBeGreaterThan(0);
    expect(whole['rm_target_events']).toEqual(whole['four event tables']);
  });
});
