import { createHash } from 'node:crypto';
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { LedgerReader } from '@scantrail/storage';
import { E2eStack } from '../support/e2e-stack';
import { eventually, testSettings } from '../support/test-env';

describe('ingest from a real Kafka broker into a real PostgreSQL', () => {
  let stack: E2eStack;
  // One group and one pseudonym key for every test: a second would read the topic again.
  const settings = testSettings({ ingestPort: 0 });

  beforeAll(async () => {
    stack = await E2eStack.open(3);
  });

  afterAll(() => stack.close());

  it('should record a produced event in the ledger and quarantine a malformed one when consumed', async () => {
    const { db, kafka, topic } = stack;
    await stack.startIngest(settings);
    const vendor = cloudEvent(
      'org.scantrail.vendor.registered',
      exampleData('org.scantrail.vendor.registered', { vendorId: 'vnd-smoke' }),
    );
    const producer = await kafka.producer();
    await producer.send(topic, [
      { key: 'vnd-smoke', value: encodeEvent(vendor) },
      { key: 'vnd-smoke', value: encodeEvent(vendor) }, // redelivered: recorded once
      { key: 'junk', value: Buffer.from('{"not": "a cloud event"') },
    ]);
    await producer.disconnect();

    const reader = new LedgerReader(db.dataSource);
    await eventually(
      async () => ((await reader.treeSize()) === 1 ? true : undefined),
      30000,
      'the event in the ledger',
    );
    const entry = await reader.entry(0);
    expect(JSON.parse(entry!.leafData)).toMatchObject({
      sequence: 0,
      id: vendor.id,
      type: vendor.type,
      data: { vendorId: 'vnd-smoke' },
    });
    const quarantined = await eventually(
      async () => {
        const rows = await db.dataSource.query<{ reason: string; raw_value: Buffer }[]>(
          'SELECT reason, raw_value FROM quarantined_messages',
        );
        return rows.length === 1 ? rows : undefined;
      },
      30000,
      'the malformed message in quarantine',
    );
    expect(quarantined[0].reason).toMatch(/^not_json/);
    expect(quarantined[0].raw_value.toString()).toBe('{"not": "a cloud event"');
    // Counted by its reason's category, for an operator's alert.
    const ingest = stack.ingest;
    if (ingest === undefined) throw new Error('the ingest is not running');
    const metrics = await (await fetch(`http://127.0.0.1:${ingest.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/^scantrail_ingest_quarantined_total\{category="not_json"\} 1$/m);
    const vendors = await db.dataSource.query<{ name: string }[]>(
      'SELECT name FROM rm_vendors WHERE vendor_id = $1',
      ['vnd-smoke'],
    );
    expect(vendors).toEqual([{ name: 'Acme Imaging AI' }]);
    await eventually(
      async () => {
        const rows = await db.dataSource.query<{ n: number }[]>(
          'SELECT count(*)::int AS n FROM ledger_checkpoints WHERE tree_size = 1',
        );
        return rows[0].n === 1 ? true : undefined;
      },
      10000,
      'a checkpoint covering the log',
    );
  });

  // CONTRACT 1: the subject is stored as is, "so it never carries a patient identifier". A
  // producer keying its messages by the patient (the MRN as key and subject) must not put
  // the MRN into the ledger in clear: the entry's subject is the event's main id instead.
  // The same when the producer repeats the identifier in the events' free text: it is
  // replaced by its pseudonym there too, so no table but the quarantine holds it.
  it('should record an event whose subject is the patient identifier under its main id, the identifier nowhere in the ledger', async () => {
    const { db, kafka, topic } = stack;
    if (stack.ingest === undefined) await stack.startIngest(settings);
    const mrn = 'MRN-SUBJECT-7731';
    const patient = { system: 'urn:oid:2.16.840.1.113883.3.7', value: mrn };
    const study = cloudEvent(
      'org.scantrail.study.registered',
      exampleData('org.scantrail.study.registered', {
        studyInstanceUid: '2.25.77310001',
        patient,
        description: `CT HEAD of ${mrn.toLowerCase()}, see ${mrn}`,
      }),
      { subject: mrn },
    );
    const request = cloudEvent(
      'org.scantrail.deletion.requested',
      exampleData('org.scantrail.deletion.requested', {
        requestId: 'del-subject-7731',
        patient,
        legalGround: `request letter of ${mrn}`,
      }),
      { subject: mrn },
    );
    // A producer numbering its events by the patient: the id itself is the MRN.
    const consent = cloudEvent(
      'org.scantrail.consent.recorded',
      exampleData('org.scantrail.consent.recorded', {
        consentId: 'cns-subject-7731',
        patient,
        documentRef: `DocumentReference/${mrn}`,
      }),
      { id: mrn },
    );
    const producer = await kafka.producer();
    await producer.send(topic, [
      { key: mrn, value: encodeEvent(study) },
      { key: mrn, value: encodeEvent(request) },
      { key: mrn, value: encodeEvent(consent) },
    ]);
    await producer.disconnect();

    const rows = await eventually(
      async () => {
        const found = await db.dataSource.query<{ id: string; subject: string; leaf: string }[]>(
          'SELECT event_id AS id, subject, leaf_data AS leaf FROM ledger_entries WHERE event_id = ANY($1)',
          [[study.id, request.id]],
        );
        return found.length === 2 ? found : undefined;
      },
      30000,
      'both events in the ledger',
    );
    const subjects = Object.fromEntries(rows.map((r) => [r.id, r.subject]));
    expect(subjects).toEqual({ [study.id]: '2.25.77310001', [request.id]: 'del-subject-7731' });
    for (const r of rows) expect(r.leaf).not.toContain(mrn);
    const consents = await eventually(
      async () => {
        const found = await db.dataSource.query<{ id: string }[]>(
          'SELECT event_id AS id FROM ledger_entries WHERE subject = $1',
          ['cns-subject-7731'],
        );
        return found.length === 1 ? found : undefined;
      },
      30000,
      'the consent numbered by the MRN in the ledger',
    );
    expect(consents[0].id).toMatch(/^pv_[A-Za-z0-9_-]{43}$/);
    const clear = await db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ledger_entries
        WHERE subject LIKE '%' || $1 || '%' OR leaf_data LIKE '%' || $1 || '%'`,
      [mrn],
    );
    expect(clear).toEqual([{ n: 0 }]);
    // Every row of every table (read models included) as text: the quarantine aside, none
    // holds the identifier in any letter case.
    const tables = await db.dataSource.query<{ name: string }[]>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
          AND c.relname <> 'quarantined_messages'`,
    );
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['rm_studies']));
    const holding: string[] = [];
    for (const { name } of tables) {
      const [{ n }] = await db.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM "${name.replace(/"/g, '""')}" t WHERE t::text ILIKE '%' || $1 || '%'`,
        [mrn],
      );
      if (n > 0) holding.push(name);
    }
    expect(holding).toEqual([]);
    const [{ description }] = await db.dataSource.query<{ description: string }[]>(
      'SELECT description FROM rm_studies WHERE study_uid = $1',
      ['2.25.77310001'],
    );
    expect(description).toMatch(/^CT HEAD of pv_[A-Za-z0-9_-]{43}, see pv_[A-Za-z0-9_-]{43}$/);
  });

  // CONTRACT 1: a duplicate is recorded once and not quarantined. One whose content is not
  // the recorded event's (a producer re-used an id) is dropped the same way, and counted.
  it('should keep the first of two events with one id and other content, counting the second in /metrics', async () => {
    const { db, kafka, topic } = stack;
    const ingest = stack.ingest ?? (await stack.startIngest(settings));
    const base = `http://127.0.0.1:${ingest.httpPort}`;
    const counted = async (): Promise<{ conflicts: number; duplicates: number }> => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? 0);
      return {
        conflicts: value(/^scantrail_ingest_duplicate_conflicts_total (\d+)$/m),
        duplicates: value(/^scantrail_ingest_messages_total\{outcome="duplicate"\} (\d+)$/m),
      };
    };
    const before = await counted();
    const first = cloudEvent(
      'org.scantrail.vendor.registered',
      exampleData('org.scantrail.vendor.registered', { vendorId: 'vnd-reused', name: 'First' }),
    );
    const second = { ...first, data: { ...first.data, name: 'Second' } };
    const producer = await kafka.producer();
    await producer.send(topic, [{ key: 'vnd-reused', value: encodeEvent(first) }]);
    await producer.send(topic, [{ key: 'vnd-reused', value: encodeEvent(second) }]);
    await producer.disconnect();
    const after = await eventually(
      async () => {
        const now = await counted();
        return now.conflicts > before.conflicts ? now : undefined;
      },
      30000,
      'the second event counted as a conflicting duplicate',
    );
    expect(after).toEqual({ conflicts: before.conflicts + 1, duplicates: before.duplicates + 1 });
    const rows = await db.dataSource.query<{ leaf_data: string }[]>(
      'SELECT leaf_data FROM ledger_entries WHERE event_id = $1',
      [first.id],
    );
    expect(
      rows.map((r) => (JSON.parse(r.leaf_data) as { data: { name: string } }).data.name),
    ).toEqual(['First']);
    const quarantined = await db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM quarantined_messages WHERE raw_value::text LIKE '%vnd-reused%'`,
    );
    expect(quarantined).toEqual([{ n: 0 }]);
    // Kept for auditors (the API's duplicateConflicts): where it sat, the entry it did not
    // replace and the digest of its bytes, once.
    const kept = await db.dataSource.query<
      { topic: string; event_id: string; recorded_sequence: string; payload_digest: string }[]
    >(
      `SELECT topic, event_id, recorded_sequence::text AS recorded_sequence, payload_digest
         FROM ingest_duplicate_conflicts WHERE event_id = $1`,
      [first.id],
    );
    const [{ sequence }] = await db.dataSource.query<{ sequence: string }[]>(
      'SELECT sequence::text AS sequence FROM ledger_entries WHERE event_id = $1',
      [first.id],
    );
    expect(kept).toEqual([
      {
        topic,
        event_id: first.id,
        recorded_sequence: sequence,
        payload_digest: createHash('sha256').update(encodeEvent(second)).digest('hex'),
      },
    ]);
  });
});
