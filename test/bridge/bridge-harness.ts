// The Orthanc bridge against real parts: a hospital Orthanc (with the job journal hook)
// whose peer, DICOM modality and DICOMweb servers are a vendor Orthanc, the shared Kafka and PostgreSQL,
// ingest and API in this process, and the built bridge as a child process (so it can be
// killed -9 like a real one).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintToken, type Role } from '@scantrail/access';
import type { Logger, Settings } from '@scantrail/config';
import type { KafkaClient } from '@scantrail/kafka';
import {
  startLocalOrthanc,
  type DemoStudy,
  type LocalOrthanc,
  uploadStudy,
} from '@scantrail/orthanc-local';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import { startIngest, type RunningIngest } from '../../apps/ingest/src/ingest';
import { GraphqlClient } from '../scenario/graphql-client';
import { repositoryRoot, startIngestProcess, type IngestProcess } from '../support/ingest-process';
import { freePort } from '@scantrail/local-postgres';
import {
  createTestDatabase,
  createTestTopic,
  e2eServices,
  eventually,
  testLogger,
  testSettings,
  type TestDatabase,
} from '../support/test-env';

export const VENDOR_PEER = 'vendor-acme';
export const UNMAPPED_MODALITY = 'research-lab';
/** `DicomWeb.Servers` names of the hospital Orthanc, both the vendor's /dicom-web/ root. */
export const VENDOR_DICOMWEB = 'acme-cloud';
export const UNMAPPED_DICOMWEB = 'research-cloud';
export const HOSPITAL_NAME = 'St Elsewhere PACS';

export interface BridgeHealthBody {
  status: string;
  orthanc: string;
  held: { sends: number; studies: number };
  lastError?: string;
  jobHook: string;
}

export class BridgeHarness {
  dir!: string;
  hospital!: LocalOrthanc;
  vendor!: LocalOrthanc;
  settings!: Settings;
  db!: TestDatabase;
  api!: RunningApi;
  client!: GraphqlClient;
  topic!: string;
  bridge?: IngestProcess;
  bridgePort = 0;
  journal!: string;
  destinationsFile!: string;
  kafka!: KafkaClient;
  ingest?: RunningIngest;
  /** The Orthanc root the bridge is given (default the hospital's): e.g. a proxy before it. */
  bridgeOrthancUrl?: string;
  private hospitalOptions!: Parameters<typeof startLocalOrthanc>[0];

  constructor(
    private readonly options: {
      stableAgeS?: number;
      jobsHistorySize?: number;
      /** false: Orthanc without the job journal hook, the bridge without BRIDGE_JOB_JOURNAL. */
      jobHook?: boolean;
      /** Where the ingest and the API log (default: the silent test logger). */
      ingestLogger?: Logger;
      apiLogger?: Logger;
      /** Settings beside the test's own (e.g. `ingestPort: 0` for the ingest's /health). */
      settings?: Partial<Settings>;
      /** The bridge's settings beside (or instead of) the harness's, e.g. BRIDGE_SOURCE. */
      bridgeEnv?: Record<string, string>;
    } = {},
  ) {}

  async start(destinations: Record<string, unknown>): Promise<void> {
    this.dir = mkdtempSync(join(e2eServices().dir, 'bridge-'));
    this.journal = join(this.dir, 'job-journal.ndjson');
    this.destinationsFile = join(this.dir, 'destinations.json');
    this.writeDestinations(destinations);
    this.vendor = await startLocalOrthanc({
      dataDir: join(this.dir, 'vendor-orthanc'),
      name: 'Acme AI archive',
      aet: 'ACMEAI',
      acceptAnyStore: true,
    });
    this.hospitalOptions = {
      dataDir: join(this.dir, 'hospital-orthanc'),
      name: HOSPITAL_NAME,
      aet: 'HOSPITAL',
      stableAgeS: this.options.stableAgeS ?? 2,
      peers: { [VENDOR_PEER]: `${this.vendor.url}/` },
      modalities: {
        [UNMAPPED_MODALITY]: { aet: 'ACMEAI', host: '127.0.0.1', port: this.vendor.ports.dicom },
      },
      dicomWebServers: {
        [VENDOR_DICOMWEB]: `${this.vendor.url}/dicom-web/`,
        [UNMAPPED_DICOMWEB]: `${this.vendor.url}/dicom-web/`,
      },
      jobJournal: this.options.jobHook === false ? undefined : this.journal,
      jobsHistorySize: this.options.jobsHistorySize,
      acceptAnyStore: true,
    };
    this.hospital = await startLocalOrthanc(this.hospitalOptions);
    this.db = await createTestDatabase();
    ({ kafka: this.kafka, topic: this.topic } = await createTestTopic(3));
    this.settings = testSettings({ ...this.options.settings, kafkaTopic: this.topic });
    this.ingest = await startIngest({
      settings: this.settings,
      dataSource: this.db.dataSource,
      kafkaBrokers: e2eServices().brokers,
      logger: this.options.ingestLogger ?? testLogger,
    });
    this.api = await startApi({
      settings: this.settings,
      dataSource: this.db.dataSource,
      kafkaBrokers: e2eServices().brokers,
      logger: this.options.apiLogger ?? testLogger,
    });
    this.client = new GraphqlClient(this.api.url);
  }

  writeDestinations(destinations: Record<string, unknown>): void {
    writeFileSync(this.destinationsFile, JSON.stringify(destinations, null, 2));
  }

  /**
   * The bridge's environment: exactly the settings of CONTRACT sections 5 and 6, and (v1.1)
   * the bridge's own role, as `npm start` gives it.
   */
  bridgeEnv(): Record<string, string> {
    return {
      DATABASE_URL: this.db.url,
      BRIDGE_DATABASE_URL: this.db.bridgeUrl,
      KAFKA_BROKERS: e2eServices().brokers.join(','),
      KAFKA_TOPIC: this.topic,
      PSEUDONYM_KEY: this.settings.pseudonymKey.toString('hex'),
      AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
      SCANTRAIL_DATA_DIR: this.dir,
      ORTHANC_URL: this.bridgeOrthancUrl ?? this.hospital.url,
      BRIDGE_DESTINATIONS: this.destinationsFile,
      ...(this.options.jobHook === false ? {} : { BRIDGE_JOB_JOURNAL: this.journal }),
      BRIDGE_PORT: String(this.bridgePort),
      BRIDGE_POLL_MS: '200',
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'info',
      ...this.options.bridgeEnv,
    };
  }

  async startBridge(): Promise<IngestProcess> {
    const entryPoint = join(repositoryRoot(), 'dist', 'apps', 'bridge', 'main.js');
    if (!existsSync(entryPoint)) throw new Error(`${entryPoint} is missing: run npm run build`);
    // A port the system says is free (a random one once collided with another server's).
    if (this.bridgePort === 0) this.bridgePort = await freePort();
    this.bridge = startIngestProcess({
      env: this.bridgeEnv(),
      entryPoint,
      label: 'bridge',
      onOutput: process.env.E2E_ECHO ? (t) => process.stdout.write(t) : undefined,
    });
    const bridge = this.bridge;
    await Promise.race([
      eventually(async () => ((await this.health()) ? true : undefined), 60_000, 'bridge /health'),
      // A setting refused ends the bridge at once: no need to wait out the minute.
      bridge.exited.then((exit) => {
        throw new Error(`the bridge exited (${exit.code ?? exit.signal}) before /health answered`);
      }),
    ]).catch((error: unknown) => {
      // Say why: the bridge's own last lines (a port in use, a setting refused, ...).
      throw new Error(
        `${(error as Error).message}; the bridge wrote:\n${bridge.output().slice(-3000)}`,
      );
    });
    return bridge;
  }

  async health(): Promise<BridgeHealthBody | undefined> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.bridgePort}/health`);
      return (await response.json()) as BridgeHealthBody;
    } catch {
      return undefined;
    }
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.bridgePort}/metrics`)).text();
  }

  /** Restarts the hospital Orthanc on its ports; `freshDatabase`: on a new, empty database. */
  async restartHospital(options: { freshDatabase?: boolean } = {}): Promise<void> {
    await this.hospital.stop();
    if (options.freshDatabase) {
      this.hospitalOptions = {
        ...this.hospitalOptions,
        dataDir: mkdtempSync(join(this.dir, 'hospital-orthanc-')),
      };
    }
    this.hospital = await startLocalOrthanc({
      ...this.hospitalOptions,
      ports: this.hospital.ports,
    });
  }

  token(roles: Role[], vendorId?: string): string {
    return mintToken({
      secret: this.settings.authJwtSecret,
      sub: `bridge-e2e-${roles.join('-')}`,
      roles,
      vendorId,
      ttlSeconds: 3600,
    });
  }

  /** A GraphQL query as a privacy officer; fails the test on errors. */
  async query<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await this.client.send<T>(this.token(['privacy_officer']), query, variables);
    if (response.errors?.length || !response.data) {
      throw new Error(`GraphQL: ${response.text.slice(0, 500)}`);
    }
    return response.data;
  }

  async upload(study: DemoStudy): Promise<string> {
    return uploadStudy(this.hospital.url, study);
  }

  /** Orthanc REST call on the hospital Orthanc. */
  async orthanc<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.hospital.url}${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Orthanc's id of the study with this uid on the hospital Orthanc. */
  async orthancStudyId(studyInstanceUid: string): Promise<string> {
    const response = await fetch(`${this.hospital.url}/tools/lookup`, {
      method: 'POST',
      body: studyInstanceUid,
    });
    const found = (await response.json()) as { ID: string; Type: string }[];
    const id = found.find((r) => r.Type === 'Study')?.ID;
    if (!id) throw new Error(`no study ${studyInstanceUid} in the hospital Orthanc`);
    return id;
  }

  /** Ledger entries of one type, as stored (leaf data parsed). */
  async ledgerEvents(
    type: string,
  ): Promise<{ id: string; source: string; time: string; data: Record<string, unknown> }[]> {
    const rows = await this.db.dataSource.query<{ leaf: string }[]>(
      'SELECT leaf_data AS leaf FROM ledger_entries WHERE type = $1 ORDER BY sequence',
      [type],
    );
    return rows.map(
      (r) =>
        JSON.parse(r.leaf) as {
          id: string;
          source: string;
          time: string;
          data: Record<string, unknown>;
        },
    );
  }

  async stop(): Promise<void> {
    await this.bridge?.terminate(10_000);
    await this.ingest?.stop();
    await this.api?.close();
    await this.kafka?.disconnect();
    await this.db?.drop();
    await this.hospital?.stop();
    await this.vendor?.stop();
  }
}
