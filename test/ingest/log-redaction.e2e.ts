// Logs carry error codes and messages, never SQL parameters or event bodies (issue 10,
// item 6). The ingest and the API run with marker identifiers in events (a patient value,
// an accession number) and are driven through their error paths: a transient database
// failure while recording the markers' rows, a message the database refuses, and a
// GraphQL query naming the patient that fails inside PostgreSQL. The captured logs must
// show each error by its code and never the markers nor the patient's pseudonym.
import { mintToken } from '@scantrail/access';
import { createLogger } from '@scantrail/config';
import { patientPseudonym } from '@scantrail/contract';
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import type { KafkaClient } from '@scantrail/kafka';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import { startIngest, type RunningIngest } from '../../apps/ingest/src/ingest';
import { CapturedLog } from '../support/captured-log';
import {
  createTestDatabase,
  createTestTopic,
  e2eServices,
  eventually,
  testSettings,
  type TestDatabase,
} from '../support/test-env';

const STUDY = 'org.scantrail.study.registered';

describe('logs of the ingest and the API on error paths (real Kafka, real PostgreSQL)', () => {
  const settings = testSettings();
  const mark = randomBytes(4).toString('hex').toUpperCase();
  const patient = { system: 'urn:oid:2.16.840.1.113883.3.7', value: `MRN-LOGMARK-${mark}` };
  const accession = `ACC-LOGMARK-${mark}`;
  const refusedAccession = `ACC-REFUSE-${mark}`;
  const pseudonym = patientPseudonym(patient, settings.pseudonymKey);
  const ingestLog = new CapturedLog();
  const apiLog = new CapturedLog();
  let db: TestDatabase;
  let kafka: KafkaClient;
  let topic: string;
  let ingest: RunningIngest | undefined;
  let api: RunningApi | undefined;
  // Schema changes, the switch and its trigger are the owner's: the apps' role (which the
  // ingest and the API use) owns nothing and cannot touch them.
  let owner: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ topic, kafka } = await createTestTopic(1));
    owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    // A transient failure (serialization, 40001) while the switch row exists, raised when
    // the projection writes the markers' study row: its statement carries them all. The
    // function runs as its owner, so the apps' role needs no right on the switch.
    await owner.query('CREATE TABLE e2e_fail_switch (on_ boolean)');
    await owner.query('INSERT INTO e2e_fail_switch VALUES (true)');
    await owner.query(`
      CREATE FUNCTION e2e_fail_while_switched() RETURNS trigger LANGUAGE plpgsql
      SECURITY DEFINER SET search_path = public AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM e2e_fail_switch) THEN
          RAISE EXCEPTION 'e2e: simulated serialization failure' USING ERRCODE = 'serialization_failure';
        END IF;
        RETURN NEW;
      END $$`);
    await owner.query(`
      CREATE TRIGGER e2e_fail_while_switched BEFORE INSERT ON rm_studies
      FOR EACH ROW EXECUTE FUNCTION e2e_fail_while_switched()`);
    // A refusal validation cannot foresee, for the split-and-quarantine path.
    await owner.query(
      `ALTER TABLE ledger_entries ADD CONSTRAINT e2e_refuse CHECK (leaf_data NOT LIKE '%ACC-REFUSE-%')`,
    );
  });

  afterAll(async () => {
    await api?.close();
    await ingest?.stop();
    await kafka.disconnect();
    await owner?.end();
    await db.drop();
  });

  it('should log each failure by its code and never a marker identifier, accession number or pseudonym when the ingest and the API meet database errors', async () => {
    const study = (accessionNumber: string): object =>
      cloudEvent(STUDY, { ...exampleData(STUDY), patient, accessionNumber });
    const producer = await kafka.producer();
    await producer.send(topic, [
      { key: 'a', value: encodeEvent(study(accession)) },
      { key: 'a', value: encodeEvent(study(refusedAccession)) },
    ]);
    await producer.disconnect();

    ingest = await startIngest({
      settings: { ...settings, kafkaTopic: topic },
      dataSource: db.dataSource,
      kafkaBrokers: e2eServices().brokers,
      logger: createLogger('scantrail-ingest', 'debug', ingestLog),
      defaultPartitions: 1,
    });
    await eventually(
      () => Promise.resolve(ingestLog.text.includes('"code":"40001"') ? true : undefined),
      90_000,
      'the transient failure logged',
    );
    await owner.query('DELETE FROM e2e_fail_switch');
    await eventually(
      async () => {
        const rows = await db.dataSource.query<{ next_offset: string }[]>(
          'SELECT next_offset::text AS next_offset FROM ingest_offsets WHERE topic = $1',
          [topic],
        );
        return rows[0]?.next_offset === '2' ? true : undefined;
      },
      120_000,
      'both messages handled after recovery',
    );
    expect(ingestLog.text).toMatch(/rejected_by_database: 23514/);

    api = await startApi({
      settings,
      dataSource: db.dataSource,
      kafkaBrokers: e2eServices().brokers,
      logger: createLogger('scantrail-api', 'debug', apiLog),
    });
    const token = mintToken({
      secret: settings.authJwtSecret,
      sub: 'log-test',
      roles: ['privacy_officer'],
      ttlSeconds: 600,
    });
    // The accounting reads rm_accounting_rows (session 17); without it the query fails
    // inside PostgreSQL with the pseudonym among its parameters.
    await owner.query('ALTER TABLE rm_accounting_rows RENAME TO rm_accounting_rows_away');
    try {
      const response = await fetch(api.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          query:
            'query ($p: PatientIdentifierInput!) { accountingOfDisclosures(patient: $p) { entries { disclosureId } } }',
          variables: { p: patient },
        }),
      });
      const body = (await response.json()) as { errors?: unknown[] };
      expect(body.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(body)).not.toContain(patient.value);
    } finally {
      await owner.query('ALTER TABLE rm_accounting_rows_away RENAME TO rm_accounting_rows');
    }
    await eventually(
      () => Promise.resolve(apiLog.text.includes('"code":"42P01"') ? true : undefined),
      30_000,
      'the API failure logged',
    );

    for (const [name, log] of [
      ['ingest', ingestLog.text],
      ['api', apiLog.text],
    ] as const) {
      for (const marker of [patient.value, accession, refusedAccession, pseudonym]) {
        expect({ log: name, marker, found: log.includes(marker) }).toEqual({
          log: name,
          marker,
          found: false,
        });
      }
    }
  });
});
