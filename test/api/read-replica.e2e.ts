import { mintToken } from '@scantrail/access';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { createDataSource } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import { startReplica, type PostgresReplica } from '../support/postgres-replica';
import {
  createTestDatabase,
  DirectRecorder,
  e2eServices,
  eventually,
  signCheckpoint,
  testLogger,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { PATIENT_P, S1, scenarioEvents } from './api-scenario';

// READ_DATABASE_URL: the API reads from a real streaming hot standby of the e2e server,
// writes its access log to the primary, and during replica lag answers as of the last
// replayed commit (README, "Reading from a replica").

const settings = testSettings();
const OFFICER = mintToken({
  secret: settings.authJwtSecret,
  sub: 'officer-replica',
  roles: ['privacy_officer'],
  ttlSeconds: 600,
});
const LATE_STUDY = '1.2.840.99.77';

let db: TestDatabase;
let replica: PostgresReplica;
let readDataSource: DataSource;
let api: RunningApi;
let recorder: DirectRecorder;

interface Gql<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<Gql<T>> {
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OFFICER}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Gql<T>;
}

const treeSizeSeen = async (): Promise<number> =>
  (await gql<{ ledger: { treeSize: number } }>('{ ledger { treeSize } }')).data!.ledger.treeSize;

const primaryCount = async (table: 'ledger_entries' | 'access_log'): Promise<number> =>
  Number(
    (await db.dataSource.query<{ n: string }[]>(`SELECT count(*)::text AS n FROM ${table}`))[0].n,
  );

beforeAll(async () => {
  db = await createTestDatabase();
  recorder = new DirectRecorder(db.dataSource, settings);
  await recorder.record(Object.values(scenarioEvents()));
  await signCheckpoint(db.dataSource, settings); // the ingest's part: the API only reads it
  replica = await startReplica();
  readDataSource = createDataSource(replica.urlOf(db.name), { name: 'e2e-read', poolSize: 3 });
  await readDataSource.initialize();
  api = await startApi({
    settings: { ...settings, ledgerSigner: undefined },
    dataSource: db.dataSource,
    readDataSource,
    kafkaBrokers: e2eServices().brokers,
    logger: testLogger,
  });
}, 300000);

afterAll(async () => {
  await api?.close();
  if (readDataSource?.isInitialized) await readDataSource.destroy();
  await replica?.stop();
  await db?.drop();
});

describe('API over a read replica (READ_DATABASE_URL)', () => {
  it('should answer from the standby what the primary holds once the standby has caught up', async () => {
    const size = await primaryCount('ledger_entries');
    await eventually(
      async () => ((await treeSizeSeen()) === size ? true : undefined),
      60000,
      'the replica',
    );
    const trace = await gql<{ trace: { nodes: { id: string }[] } }>(
      'query($uid: String!) { trace(studyInstanceUid: $uid) { nodes { id } } }',
      { uid: S1 },
    );
    expect(trace.errors).toBeUndefined();
    expect(trace.data!.trace.nodes.length).toBeGreaterThan(1);
  });

  it('should answer as of the last replayed commit when the replica lags, and catch up when replay resumes', async () => {
    const before = await primaryCount('ledger_entries');
    await eventually(
      async () => ((await treeSizeSeen()) === before ? true : undefined),
      60000,
      'the replica',
    );
    await replica.pauseReplay();
    try {
      await recorder.record([
        cloudEvent(
          'org.scantrail.study.registered',
          exampleData('org.scantrail.study.registered', {
            studyInstanceUid: LATE_STUDY,
            patient: PATIENT_P,
          }),
          { time: '2024-06-01T00:00:00Z' },
        ),
      ]);
      await signCheckpoint(db.dataSource, settings);
      expect(await primaryCount('ledger_entries')).toBe(before + 1);

      // The standby has not replayed the new entry: the client sees the older tree, whole.
      expect(await treeSizeSeen()).toBe(before);
      const entry = await gql<{ ledgerEntry: unknown }>(
        'query($s: Int!) { ledgerEntry(sequence: $s) { sequence } }',
        { s: before },
      );
      expect(entry.errors ?? []).toEqual([]);
      expect(entry.data!.ledgerEntry).toBeNull();
      const proof = await gql(
        'query($s: Int!, $n: Int!) { inclusionProof(sequence: $s, treeSize: $n) }',
        {
          s: 0,
          n: before + 1,
        },
      );
      expect(proof.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

      // A lookup that names a patient still works: its access-log record goes to the primary.
      const logged = await primaryCount('access_log');
      const accounting = await gql<{ accountingOfDisclosures: { entries: unknown[] } }>(
        'query($p: PatientIdentifierInput!) { accountingOfDisclosures(patient: $p) { entries { disclosureId } } }',
        { p: PATIENT_P },
      );
      expect(accounting.errors).toBeUndefined();
      expect(await primaryCount('access_log')).toBe(logged + 1);
      const log = await gql<{ accessLog: { totalCount: number } }>('{ accessLog { totalCount } }');
      expect(log.data!.accessLog.totalCount).toBe(logged + 1);
    } finally {
      await replica.resumeReplay();
    }
    await eventually(
      async () => ((await treeSizeSeen()) === before + 1 ? true : undefined),
      60000,
      'the replica to replay the new entry',
    );
    const entry = await gql<{ ledgerEntry: { sequence: number } | null }>(
      'query($s: Int!) { ledgerEntry(sequence: $s) { sequence } }',
      { s: before },
    );
    expect(entry.data!.ledgerEntry).toEqual({ sequence: before });
  });
});
