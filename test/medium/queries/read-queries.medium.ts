import { AccessLogService, Viewer, type AccessLogPosition } from '@scantrail/access';
import { patientPseudonym } from '@scantrail/contract';
import { cloudEvent, exampleData, TEST_PATIENT, TEST_SOURCE } from '@scantrail/contract/testing';
import {
  DisclosureAccountingService,
  FindingsReadService,
  TraceService,
  VendorReadService,
  type FindingView,
} from '@scantrail/queries';
import { createDataSource, MIGRATIONS } from '@scantrail/storage';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';

/**
 * The read SQL against a real PostgreSQL, with events recorded through the ingest's own
 * path (no Kafka): a change to a .sql file is checked here in seconds.
 */
const ORIGINAL = '1.2.840.113619.2.55.3.1001';
const COPY = '2.25.1001';
const SPREAD = 23; // studies disclosed to a vendor without an agreement: one finding each

const officer = new Viewer('officer', ['privacy_officer']);
const acme = new Viewer('acme', ['vendor'], 'vnd-acme');

const disclosure = cloudEvent(
  'org.scantrail.disclosure.recorded',
  exampleData('org.scantrail.disclosure.recorded'),
);
const transfer = cloudEvent(
  'org.scantrail.transfer.onward',
  exampleData('org.scantrail.transfer.onward'),
);

describe('read queries (medium: PostgreSQL, no Kafka)', () => {
  let db: TestDatabase;
  const settings = testSettings();

  beforeAll(async () => {
    db = await createTestDatabase();
    const recorder = new DirectRecorder(db.dataSource, settings);
    const spread = Array.from({ length: SPREAD }, (_, i) => `2.25.9${String(i).padStart(3, '0')}`);
    await recorder.record([
      cloudEvent('org.scantrail.vendor.registered', exampleData('org.scantrail.vendor.registered')),
      cloudEvent(
        'org.scantrail.vendor.registered',
        exampleData('org.scantrail.vendor.registered', {
          vendorId: 'vnd-cloud',
          name: 'Cloud Annotations',
          parentVendorId: undefined,
        }),
      ),
      cloudEvent('org.scantrail.agreement.signed', exampleData('org.scantrail.agreement.signed')),
      cloudEvent('org.scantrail.study.registered', exampleData('org.scantrail.study.registered')),
      cloudEvent(
        'org.scantrail.study.deidentified',
        exampleData('org.scantrail.study.deidentified'),
      ),
      cloudEvent('org.scantrail.dataset.assembled', exampleData('org.scantrail.dataset.assembled')),
      disclosure,
      transfer,
    ]);
    // A second batch: studies of other patients sent to vnd-cloud under no agreement.
    await recorder.record(
      spread.flatMap((uid, i) => [
        cloudEvent(
          'org.scantrail.study.registered',
          exampleData('org.scantrail.study.registered', {
            studyInstanceUid: uid,
            patient: { system: 'urn:oid:2.16.840.1.113883.3.7', value: `MRN-${i}` },
            accessionNumber: `ACC-${i}`,
          }),
        ),
        cloudEvent(
          'org.scantrail.disclosure.recorded',
          exampleData('org.scantrail.disclosure.recorded', {
            disclosureId: `dsc-spread-${i}`,
            recipientVendorId: 'vnd-cloud',
            target: { studyInstanceUid: uid },
            agreementId: undefined,
            legalBasis: 'PATIENT_AUTHORIZATION',
          }),
        ),
      ]),
    );
  });

  afterAll(() => db.drop());

  it('should trace a study to its copy, the vendor that got it and the vendor it was passed on to', async () => {
    const lineage = await new TraceService(db.dataSource).trace(officer, ORIGINAL);
    const edges = lineage.edges.map((e) => `${e.kind} ${e.from} -> ${e.to}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^DERIVED .*${ORIGINAL}.* -> .*${COPY}`)),
        expect.stringMatching(/^DISCLOSED .* -> .*vnd-acme/),
        expect.stringMatching(/^ONWARD_TRANSFER .*vnd-acme.* -> .*vnd-cloud/),
      ]),
    );
    // Every edge joins two nodes of the same answer.
    const ids = new Set(lineage.nodes.map((n) => n.id));
    for (const e of lineage.edges) expect([ids.has(e.from), ids.has(e.to)]).toEqual([true, true]);
  });

  it('should label each study of a trace by the registration closest to its original, and an unregistered one by its uid', async () => {
    const registered = (uid: string, modality: string, bodyPart: string) =>
      cloudEvent(
        'org.scantrail.study.registered',
        exampleData('org.scantrail.study.registered', {
          studyInstanceUid: uid,
          modality,
          bodyPart,
        }),
      );
    const derived = (source: string, derivative: string) =>
      cloudEvent(
        'org.scantrail.study.deidentified',
        exampleData('org.scantrail.study.deidentified', {
          sourceStudyInstanceUid: source,
          derivedStudyInstanceUid: derivative,
        }),
      );
    // 2.25.7001 is a derivative registered on its own (MR KNEE): its label and its
    // derivative's still come from the original's registration (CT HEAD).
    // Partition 1: the recorder of beforeAll has used partition 0's offsets.
    await new DirectRecorder(db.dataSource, settings, 1).record([
      registered('2.25.7000', 'CT', 'HEAD'),
      derived('2.25.7000', '2.25.7001'),
      registered('2.25.7001', 'MR', 'KNEE'),
      derived('2.25.7001', '2.25.7002'),
      derived('2.25.7100', '2.25.7101'),
    ]);
    const labels = async (uid: string): Promise<string[]> =>
      (await new TraceService(db.dataSource).trace(officer, uid)).nodes.map(
        (n) => `${n.kind} ${n.id}: ${n.label}`,
      );
    await expect(labels('2.25.7001')).resolves.toEqual([
      'STUDY 2.25.7001: CT HEAD 2024-04-30 (de-identified)',
      'STUDY 2.25.7002: CT HEAD 2024-04-30 (de-identified)',
    ]);
    await expect(labels('2.25.7000')).resolves.toEqual([
      'STUDY 2.25.7000: CT HEAD 2024-04-30',
      'STUDY 2.25.7001: CT HEAD 2024-04-30 (de-identified)',
      'STUDY 2.25.7002: CT HEAD 2024-04-30 (de-identified)',
    ]);
    await expect(labels('2.25.7100')).resolves.toEqual([
      'STUDY 2.25.7100: 2.25.7100',
      'STUDY 2.25.7101: 2.25.7101',
    ]);
  });

  it('should count studies and patients per vendor, and show a vendor only itself', async () => {
    const vendors = new VendorReadService(db.dataSource);
    const stats = await vendors.stats(officer, ['vnd-acme', 'vnd-cloud']);
    expect(stats.get('vnd-cloud')).toEqual({
      studiesReceived: SPREAD + 1,
      patientsAffected: SPREAD + 1,
    });
    expect(stats.get('vnd-acme')).toEqual({ studiesReceived: 1, patientsAffected: 1 });
    const seen = await vendors.page(acme, { first: 10 });
    expect(seen.edges.map((e) => e.node.vendorId)).toEqual(['vnd-acme']);
    expect(await seen.totalCount).toBe(1);
  });

  it('should walk every finding once through keyset pages, in ledger order', async () => {
    const findings = new FindingsReadService(db.dataSource);
    const first = await findings.page(officer, {}, { first: 5 });
    const total = await first.totalCount;
    expect(total).toBeGreaterThanOrEqual(SPREAD);
    const walked: FindingView[] = first.edges.map((e) => e.node);
    let page = first;
    while (page.pageInfo.hasNextPage) {
      page = await findings.page(officer, {}, { first: 5, after: page.pageInfo.endCursor });
      walked.push(...page.edges.map((e) => e.node));
    }
    expect(walked).toHaveLength(total);
    const keys = walked.map((f) => `${f.ledgerSequence} ${f.studyInstanceUid} ${f.code}`);
    expect(new Set(keys).size).toBe(total);
    const sequences = walked.map((f) => f.ledgerSequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  });

  it('should keep a vendor to its own findings, and refuse naming another vendor', async () => {
    const findings = new FindingsReadService(db.dataSource);
    const own = await findings.page(acme, {}, { first: 100 });
    expect(own.edges.every((e) => e.node.vendorId === 'vnd-acme')).toBe(true);
    await expect(findings.page(acme, { vendorId: 'vnd-cloud' }, { first: 1 })).rejects.toThrow(
      /only name its own vendor/,
    );
  });

  it("should give the patient's accounting the recorded event, the recipient and, for a transfer, the sender, each described by its original study's registration", async () => {
    const accounting = new DisclosureAccountingService(db.dataSource, new AccessLogService(), (p) =>
      patientPseudonym(p, settings.pseudonymKey),
    );
    const { entries } = await accounting.accounting(officer, {
      patient: TEST_PATIENT,
      from: new Date('2024-01-01T00:00:00Z'),
      to: new Date('2024-12-31T00:00:00Z'),
    });
    const lines = entries.map((e) => ({
      eventId: e.eventId,
      eventSource: e.eventSource,
      legalBasis: e.legalBasis,
      recipientVendorId: e.recipientVendorId,
      senderVendorId: e.senderVendorId,
      senderName: e.senderName,
      studyInstanceUid: e.studyInstanceUid,
      description: e.description,
      exempt: e.exempt,
    }));
    expect(lines).toEqual([
      {
        eventId: disclosure.id,
        eventSource: TEST_SOURCE,
        legalBasis: 'DEIDENTIFIED',
        recipientVendorId: 'vnd-acme',
        senderVendorId: null,
        senderName: null,
        studyInstanceUid: COPY,
        description: 'De-identified copy of a CT HEAD imaging study of 2024-04-30',
        exempt: true,
      },
      {
        eventId: transfer.id,
        eventSource: TEST_SOURCE,
        legalBasis: 'ONWARD_TRANSFER',
        recipientVendorId: 'vnd-cloud',
        senderVendorId: 'vnd-acme',
        senderName: 'Acme Imaging AI',
        studyInstanceUid: COPY,
        description:
          'De-identified copy of a CT HEAD imaging study of 2024-04-30, as part of dataset "Head CT 2024", passed on by Acme Imaging AI (onward transfer)',
        exempt: true,
      },
    ]);
  });

  it('should record the accounting lookup in the access log before answering, also when the read fails', async () => {
    const accessLog = new AccessLogService();
    const accounting = new DisclosureAccountingService(db.dataSource, accessLog, (p) =>
      patientPseudonym(p, settings.pseudonymKey),
    );
    const before = await accessLog.count(db.dataSource);
    const { entries } = await accounting.accounting(officer, { patient: TEST_PATIENT });
    expect(entries.length).toBeGreaterThan(0);
    const [logged] = await accessLog
      .page(db.dataSource, undefined, 1_000_000)
      .then((all) => all.entries.slice(-1));
    expect(await accessLog.count(db.dataSource)).toBe(before + 1);
    expect(logged).toMatchObject({
      actor: 'officer',
      roles: ['privacy_officer'],
      operation: 'accountingOfDisclosures',
      patientPseudonym: patientPseudonym(TEST_PATIENT, settings.pseudonymKey),
    });

    // A read PostgreSQL refuses (a start before 4713 BC): the lookup was made, so it stays
    // recorded; no answer leaves.
    await expect(
      accounting.accounting(officer, {
        patient: TEST_PATIENT,
        from: new Date(-8.64e15),
        to: new Date('2024-12-31T00:00:00Z'),
      }),
    ).rejects.toThrow();
    expect(await accessLog.count(db.dataSource)).toBe(before + 2);
  });

  it('should write the records of lookups made while a record is written in one insert, and fail every lookup of a group whose insert fails', async () => {
    const accessLog = new AccessLogService();
    const accounting = new DisclosureAccountingService(db.dataSource, accessLog, (p) =>
      patientPseudonym(p, settings.pseudonymKey),
    );
    // As the owner (the apps' role may not change tables): a trigger that refuses one
    // operation, so that one record fails its whole group's statement.
    const owner = createDataSource(db.ownerUrl, { name: 'owner-trigger', poolSize: 1 });
    await owner.initialize();
    await owner.query(`
      CREATE FUNCTION test_refuse_record() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.operation = 'refusedInTest' THEN RAISE EXCEPTION 'record refused'; END IF;
        RETURN NEW;
      END $$`);
    await owner.query(`CREATE TRIGGER test_refuse_record BEFORE INSERT ON access_log
      FOR EACH ROW EXECUTE FUNCTION test_refuse_record()`);
    try {
      const before = (await accessLog.page(db.dataSource, undefined, 1_000_000)).entries;
      const lookup = (viewer: Viewer, operation: string): Promise<unknown> =>
        accounting.accounting(viewer, { patient: TEST_PATIENT }, operation);
      const auditor = new Viewer('auditor-1', ['auditor']);
      // The first starts the first insert; the four made meanwhile wait and go in the next.
      const first = lookup(officer, 'accountingOfDisclosures');
      const group = [
        lookup(auditor, 'accountingOfDisclosures'),
        lookup(officer, 'refusedInTest'),
        lookup(officer, 'accountingOfDisclosures'),
        lookup(auditor, 'accountingOfDisclosures'),
      ];
      const outcomes = await Promise.allSettled([first, ...group]);
      expect(outcomes.map((o) => o.status)).toEqual([
        'fulfilled',
        'rejected',
        'rejected',
        'rejected',
        'rejected',
      ]);
      for (const o of outcomes.slice(1))
        expect(String((o as PromiseRejectedResult).reason)).toContain('record refused');
      const after = (await accessLog.page(db.dataSource, before.at(-1), 1_000)).entries;
      expect(after).toEqual([
        expect.objectContaining({
          actor: 'officer',
          operation: 'accountingOfDisclosures',
          patientPseudonym: patientPseudonym(TEST_PATIENT, settings.pseudonymKey),
        }),
      ]);

      // The next group is written: four lookups at once, four records, each its own.
      const next = await Promise.allSettled([
        lookup(officer, 'accountingOfDisclosures'),
        lookup(auditor, 'accountingOfDisclosures'),
        lookup(auditor, 'accountingOfDisclosures'),
        lookup(officer, 'deletionRequest'),
      ]);
      expect(next.map((o) => o.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);
      const written = (await accessLog.page(db.dataSource, after[0], 1_000)).entries;
      const key = (e: { actor: string; roles: readonly string[]; operation: string }): string =>
        `${e.actor} ${e.roles.join(',')} ${e.operation}`;
      expect(written.map(key).sort()).toEqual(
        [
          'auditor-1 auditor accountingOfDisclosures',
          'auditor-1 auditor accountingOfDisclosures',
          'officer privacy_officer accountingOfDisclosures',
          'officer privacy_officer deletionRequest',
        ].sort(),
      );
      // The last three were made while the first was written: one statement, one `now()`.
      expect(new Set(written.map((e) => e.at.getTime())).size).toBe(2);
    } finally {
      await owner.query('DROP TRIGGER test_refuse_record ON access_log');
      await owner.query('DROP FUNCTION test_refuse_record()');
      await owner.destroy();
    }
  });

  it('should fail only the lookup whose record PostgreSQL refuses for a value it holds, not the others written in its group', async () => {
    const accessLog = new AccessLogService();
    const accounting = new DisclosureAccountingService(db.dataSource, accessLog, (p) =>
      patientPseudonym(p, settings.pseudonymKey),
    );
    const before = (await accessLog.page(db.dataSource, undefined, 1_000_000)).entries;
    const lookup = (viewer: Viewer): Promise<unknown> =>
      accounting.accounting(viewer, { patient: TEST_PATIENT });
    // A NUL in a text: jsonb refuses it (22P05, a data exception). The token rules refuse such
    // a sub now; whatever else a record might hold, it must not fail the lookups beside it.
    const nul = new Viewer('officer\u0000forged', ['privacy_officer']);
    const auditor = new Viewer('auditor-2', ['auditor']);
    const first = lookup(officer);
    const group = [lookup(auditor), lookup(nul), lookup(officer)];
    const outcomes = await Promise.allSettled([first, ...group]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const written = (await accessLog.page(db.dataSource, before.at(-1), 1_000)).entries;
    expect(written.map((e) => e.actor).sort()).toEqual(['auditor-2', 'officer', 'officer']);
  });

  it('should fill the kept event source of existing disclosures and transfers from the ledger when the migration adds it, and answer the accounting the same', async () => {
    const accounting = new DisclosureAccountingService(db.dataSource, new AccessLogService(), (p) =>
      patientPseudonym(p, settings.pseudonymKey),
    );
    const ask = async (): Promise<unknown> =>
      (await accounting.accounting(officer, { patient: TEST_PATIENT })).entries;
    const before = await ask();
    const mismatched = async (table: string): Promise<{ rows: number; wrong: number }> =>
      (
        await db.dataSource.query<{ rows: number; wrong: number }[]>(
          `SELECT count(*)::int AS rows,
                  count(*) FILTER (WHERE x.event_source IS DISTINCT FROM e.source)::int AS wrong
             FROM ${table} x LEFT JOIN ledger_entries e ON e.sequence = x.ledger_sequence`,
        )
      )[0];
    // As the owner that migrates (the apps' role may not alter tables).
    const owner = createDataSource(db.ownerUrl, { name: 'owner', poolSize: 1 });
    await owner.initialize();
    const added = MIGRATIONS.find((m) => m.name === 'EventSourceOfReceipts1764102500000');
    if (added === undefined) throw new Error('the event-source migration is not in MIGRATIONS');
    const migration = new added();
    const runner = owner.createQueryRunner();
    try {
      await migration.down(runner);
      await migration.up(runner);
    } finally {
      await runner.release();
      await owner.destroy();
    }
    for (const table of ['rm_disclosures', 'rm_transfers']) {
      const { rows, wrong } = await mismatched(table);
      expect({ table, wrong }).toEqual({ table, wrong: 0 });
      expect(rows).toBeGreaterThan(0);
    }
    expect(await ask()).toEqual(before);
  });
  it('should walk the access log in commit order, page after page, past ids of more digits', async () => {
    const accessLog = new AccessLogService();
    for (let i = 0; i < 25; i++) {
      await accessLog.record(db.dataSource, {
        actor: `auditor-${i}`,
        roles: ['auditor'],
        operation: 'accountingOfDisclosures',
        patientPseudonym: `pseudonym-${i}`,
      });
    }
    const walked: AccessLogPosition[] = [];
    for (let after: AccessLogPosition | undefined; ;) {
      const { entries } = await accessLog.page(db.dataSource, after, 3);
      if (entries.length === 0) break;
      walked.push(...entries.map(({ xid, id }) => ({ xid, id })));
      after = entries[entries.length - 1];
    }
    expect(walked.length).toBe(await accessLog.count(db.dataSource));
    expect(walked.length).toBeGreaterThanOrEqual(25);
    const inOrder = [...walked].sort((a, b) => a.xid - b.xid || a.id - b.id);
    expect(walked).toEqual(inOrder);
    // One writer, one record at a time: its records' ids go up with their transactions.
    const ids = walked.map((p) => p.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });
});
