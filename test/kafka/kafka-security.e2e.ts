// A hospital's Kafka: TLS and SCRAM-SHA-512 required, ACLs enforced, least privilege. The
// ingest may read the topic and use its group, a producer (the bridge, `cli inspect
// --publish`) may write the topic, nothing more. The BUILT ingest runs as an operator
// would start it (environment only). What an operator checks: the ingest records events
// over TLS+SCRAM; a wrong password fails the start clearly (naming the setting, never the
// password) and records nothing; each identity can do only its own job; a client without
// TLS, or without trust in the CA, gets nowhere. Then every other way in that the settings
// offer, on the same broker: SASL PLAIN and SCRAM-SHA-256 on its SASL_SSL listener, and
// mutual TLS (a client certificate, no SASL) on a second listener that requires one; each
// records events, and each wrong credential stops the start naming its setting. Starts its
// own secured broker; every key and certificate is made at test time.
import { createPrivateKey, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
// KafkaJS directly, only as the cluster's administrator (topics and ACLs): the adapter under
// test has no ACL calls, and the set-up must not go through the code it checks.
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type Admin,
} from 'kafkajs';
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { buildInstance, testUid } from '@scantrail/inspection/testing';
import { createKafka, type KafkaSecurity } from '@scantrail/kafka';
import { selfSignedCertificate, startLocalKafka, type LocalKafka } from '@scantrail/local-kafka';
import { freePort } from '@scantrail/local-postgres';
import { startLocalOrthanc, uploadStudy } from '@scantrail/orthanc-local';
import { startBuiltApi } from '../support/built-api';
import {
  ingestEnvironment,
  repositoryRoot,
  startIngestProcess,
  type IngestProcess,
} from '../support/ingest-process';
import { cli } from '../support/cli-process';
import { createTestDatabase, eventually, type TestDatabase } from '../support/test-env';

const TOPIC = 'hospital.lineage.events';
const GROUP = 'scantrail-ingest-secured';
const STUDY = 'org.scantrail.study.registered';
const EVENTS = 20;

describe('scantrail against a Kafka that requires TLS, SCRAM and ACLs', () => {
  const passwords = {
    ingest: randomBytes(18).toString('base64url'),
    producer: randomBytes(18).toString('base64url'),
    api: randomBytes(18).toString('base64url'),
    wrong: randomBytes(18).toString('base64url'),
  };
  let dataDir: string;
  let kafka: LocalKafka;
  let admin: Admin;
  let db: TestDatabase;
  let ca: string;
  const ingests: IngestProcess[] = [];
  const produced: string[] = [];

  const securityOf = (username: 'ingest' | 'producer' | 'api'): KafkaSecurity => ({
    tls: { ca },
    sasl: { mechanism: 'scram-sha-512', username, password: passwords[username] },
  });

  /** The ingest's environment: CONTRACT section 5 plus the v1.1 Kafka security settings. */
  const ingestEnv = (kafkaSettings: Record<string, string>): Record<string, string> => ({
    ...ingestEnvironment({
      databaseUrl: db.url,
      brokers: kafka.brokers,
      topic: TOPIC,
      groupId: GROUP,
      dataDir,
      logLevel: 'info',
    }).env,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: kafka.security!.caFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'ingest',
    ...kafkaSettings,
  });

  /** How many records the topic holds, all partitions together (the admin's view). */
  const topicEnd = async (): Promise<number> =>
    (await admin.fetchTopicOffsets(TOPIC)).reduce((sum, p) => sum + Number(p.high), 0);

  /** Events written by the producer identity over `security`, their ids kept in `produced`. */
  const produce = async (count: number, security: KafkaSecurity, brokers = kafka.brokers) => {
    const client = createKafka({
      brokers,
      clientId: 'secured-producer',
      logLevel: 'nothing',
      security,
    });
    try {
      const producer = await client.producer();
      const messages = Array.from({ length: count }, (_, i) => {
        const id = randomUUID();
        produced.push(id);
        return {
          key: `study-${i}`,
          value: encodeEvent(cloudEvent(STUDY, exampleData(STUDY), { id })),
        };
      });
      await producer.send(TOPIC, messages);
      await producer.disconnect();
    } finally {
      await client.disconnect();
    }
  };

  /**
   * The built ingest refused at start within 10 s (a refusal is final: no reconnecting): exit 1 with a 'failed to start' line (what
   * Kafka refused), or 2 with a 'setting' line (what the settings refused), naming `setting`;
   * none of `secrets` anywhere in its output, the ledger as it was.
   */
  const expectRefusedStart = async (
    env: Record<string, string>,
    label: string,
    failure: { setting: string; cause: RegExp; secrets: string[]; exit?: 1 | 2 },
  ): Promise<string> => {
    const before = await ledgerCount();
    const ingest = startIngestProcess({ env, label });
    ingests.push(ingest);
    const exit = await Promise.race([
      ingest.exited,
      sleep(10_000, undefined, { ref: false }).then(() => undefined),
    ]);
    const output = ingest.output();
    const code = failure.exit ?? 1;
    expect({ exit, output }).toMatchObject({ exit: { code } });
    const refusal = code === 1 ? 'failed to start: ' : 'scantrail: setting ';
    const failed = output.split('\n').filter((line) => line.includes(refusal));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain(failure.setting);
    expect(failed[0]).toMatch(failure.cause);
    for (const secret of failure.secrets) expect(output).not.toContain(secret);
    expect(await ledgerCount()).toBe(before);
    return failed[0];
  };

  /** The built ingest started with `env` records every event produced so far, then stops cleanly. */
  const expectRecordsAll = async (
    env: Record<string, string>,
    label: string,
    secrets: string[],
  ) => {
    const ingest = startIngestProcess({ env, label });
    ingests.push(ingest);
    await eventually(
      async () => {
        if (ingest.exit()) throw new Error(`the ingest exited:\n${ingest.output()}`);
        return (await ledgerCount()) === produced.length ? true : undefined;
      },
      40_000,
      'every event in the ledger',
    );
    const rows = await db.dataSource.query<{ event_id: string }[]>(
      'SELECT event_id FROM ledger_entries',
    );
    expect(new Set(rows.map((row) => row.event_id))).toEqual(new Set(produced));
    expect(await ingest.terminate()).toEqual({ code: 0, signal: null });
    for (const secret of secrets) expect(ingest.output()).not.toContain(secret);
  };

  const ledgerCount = async (): Promise<number> => {
    const [row] = await db.dataSource.query<{ n: string }[]>(
      'SELECT count(*)::text AS n FROM ledger_entries',
    );
    return Number(row.n);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scantrail-kafka-secured-'));
    [kafka, db] = await Promise.all([
      startLocalKafka({
        dataDir: join(dataDir, 'kafka'),
        secure: {
          users: [
            { name: 'ingest', password: passwords.ingest },
            { name: 'producer', password: passwords.producer },
            { name: 'api', password: passwords.api }, // no ACL at all
          ],
          mechanisms: ['plain', 'scram-sha-256'],
          mutualTls: true,
        },
      }),
      createTestDatabase(),
    ]);
    ca = kafka.security!.ca;
    const { sasl } = kafka.security!.admin;
    admin = new Kafka({
      clientId: 'secured-admin',
      brokers: kafka.brokers,
      ssl: { ca },
      sasl: { mechanism: 'scram-sha-512', username: sasl!.username, password: sasl!.password },
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    // The operator creates the topic: neither application identity may.
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 2 }],
      waitForLeaders: true,
    });
    const allow = (
      principal: string,
      resourceType: AclResourceTypes,
      resourceName: string,
      operation: AclOperationTypes,
    ) => ({
      principal,
      host: '*',
      resourceType,
      resourceName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    });
    await admin.createAcls({
      acl: [
        allow('User:ingest', AclResourceTypes.TOPIC, TOPIC, AclOperationTypes.READ),
        allow('User:ingest', AclResourceTypes.TOPIC, TOPIC, AclOperationTypes.DESCRIBE),
        allow('User:ingest', AclResourceTypes.GROUP, GROUP, AclOperationTypes.READ),
        allow('User:producer', AclResourceTypes.TOPIC, TOPIC, AclOperationTypes.WRITE),
        allow('User:producer', AclResourceTypes.TOPIC, TOPIC, AclOperationTypes.DESCRIBE),
      ],
    });
    // ACLs reach the authorizer through the metadata log: wait until they are in force.
    await eventually(
      async () =>
        (
          await admin.describeAcls({
            resourceType: AclResourceTypes.ANY,
            host: '*',
            permissionType: AclPermissionTypes.ANY,
            operation: AclOperationTypes.ANY,
            resourcePatternType: ResourcePatternTypes.ANY,
          })
        ).resources.length >= 2
          ? true
          : undefined,
      10_000,
      'the ACLs in force',
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(ingests.map((ingest) => ingest.terminate(10_000)));
    await admin?.disconnect();
    await kafka?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('should let the producer identity write events to the topic', async () => {
    await produce(EVENTS, securityOf('producer'));
    expect(await topicEnd()).toBe(EVENTS);
  });

  it('should stop the ingest at start with a wrong password, naming KAFKA_SASL_PASSWORD and never the password, recording nothing', async () => {
    await expectRefusedStart(
      ingestEnv({ KAFKA_SASL_PASSWORD: passwords.wrong }),
      'ingest-wrong-password',
      {
        setting: 'KAFKA_SASL_PASSWORD',
        cause: /authentication/i,
        secrets: [passwords.wrong, passwords.ingest],
      },
    );
  });

  it('should record every event over TLS and SCRAM with KAFKA_SASL_PASSWORD_FILE', async () => {
    const passwordFile = join(dataDir, 'ingest-password');
    await writeFile(passwordFile, `${passwords.ingest}\n`, { mode: 0o600 });
    await expectRecordsAll(
      ingestEnv({ KAFKA_SASL_PASSWORD_FILE: passwordFile }),
      'ingest-secured',
      [passwords.ingest],
    );
  });

  it("should refuse to write with the ingest's credentials (it may only read)", async () => {
    const client = createKafka({
      brokers: kafka.brokers,
      clientId: 'ingest-as-producer',
      logLevel: 'nothing',
      security: securityOf('ingest'),
    });
    try {
      const producer = await client.producer();
      await expect(producer.send(TOPIC, [{ key: 'x', value: 'forged' }])).rejects.toThrow(
        /not authorized|authorization/i,
      );
      await producer.disconnect();
    } finally {
      await client.disconnect();
    }
    expect(await topicEnd()).toBe(EVENTS);
  });

  it("should refuse to consume with the producer's credentials (it may only write)", async () => {
    const client = createKafka({
      brokers: kafka.brokers,
      clientId: 'producer-as-consumer',
      logLevel: 'nothing',
      security: securityOf('producer'),
    });
    const errors: Error[] = [];
    let handled = 0;
    const consumer = client.batchConsumer({
      groupId: GROUP,
      topic: TOPIC,
      retryDelay: { initialMs: 200, maxMs: 1_000 },
      startOffsets: () => Promise.resolve(new Map()),
      handleBatch: (batch) => {
        handled += batch.messages.length;
        return Promise.resolve();
      },
      onError: (error) => errors.push(error),
    });
    try {
      await consumer.start();
      await eventually(
        () =>
          Promise.resolve(
            errors.some((e) => /not authorized|authorization/i.test(e.message)) ? true : undefined,
          ),
        20_000,
        'an authorization error',
      );
      // It backs off between relaunches (200 ms doubling to 1 s here) rather than retrying
      // at the first delay for ever: at most 1 + 5 relaunches in 2.5 s.
      const seen = errors.length;
      await sleep(2_500);
      expect(errors.length - seen).toBeLessThanOrEqual(6);
      expect(errors.map((e) => e.message).join('\n')).toContain(`READ on group "${GROUP}"`);
      expect(handled).toBe(0);
      expect(consumer.isJoined()).toBe(false);
    } finally {
      await consumer.stop();
      await client.disconnect();
    }
  });

  it('should not connect without TLS, without trust in the CA, or without SASL', async () => {
    const reachable = async (security: KafkaSecurity | undefined): Promise<boolean> => {
      const client = createKafka({
        brokers: kafka.brokers,
        clientId: 'reachability',
        logLevel: 'nothing',
        security,
      });
      try {
        return await client.isReachable();
      } finally {
        await client.disconnect();
      }
    };
    const { sasl } = securityOf('ingest');
    expect(await reachable(undefined)).toBe(false); // plaintext
    expect(await reachable({ sasl })).toBe(false); // SASL without TLS
    expect(await reachable({ tls: {}, sasl })).toBe(false); // the system CAs only
    expect(await reachable({ tls: { ca } })).toBe(false); // TLS without SASL
    expect(await reachable({ tls: { ca }, sasl })).toBe(true); // as configured
    // The API's /health probe needs no ACL: a user without any is reachable.
    expect(await reachable(securityOf('api'))).toBe(true);
  });

  describe.each([
    ['plain', 'PLAIN'],
    ['scram-sha-256', 'SCRAM-SHA-256'],
  ] as const)('over SASL %s', (mechanism, name) => {
    const over = (username: 'ingest' | 'producer'): KafkaSecurity => ({
      tls: { ca },
      sasl: { mechanism, username, password: passwords[username] },
    });

    it(`should stop the ingest at start with a wrong ${name} password, naming KAFKA_SASL_PASSWORD, recording nothing`, async () => {
      await produce(5, over('producer'));
      await expectRefusedStart(
        ingestEnv({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_PASSWORD: passwords.wrong }),
        `ingest-wrong-${mechanism}`,
        {
          setting: 'KAFKA_SASL_PASSWORD',
          cause: /authentication/i,
          secrets: [passwords.wrong, passwords.ingest],
        },
      );
    });

    it(`should record every event over TLS and ${name} with KAFKA_SASL_PASSWORD_FILE`, async () => {
      const passwordFile = join(dataDir, `ingest-password-${mechanism}`);
      await writeFile(passwordFile, `${passwords.ingest}\n`, { mode: 0o600 });
      await expectRecordsAll(
        ingestEnv({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_PASSWORD_FILE: passwordFile }),
        `ingest-${mechanism}`,
        [passwords.ingest],
      );
    });
  });

  describe('over mutual TLS (a client certificate, no SASL)', () => {
    /** The ingest's environment on the listener requiring a client certificate. */
    const mutualTlsEnv = (certificate: Record<string, string>): Record<string, string> => {
      const env = ingestEnv(certificate);
      delete env.KAFKA_SASL_MECHANISM;
      delete env.KAFKA_SASL_USERNAME;
      return { ...env, KAFKA_BROKERS: kafka.security!.mutualTls!.brokers.join(',') };
    };
    const certificateOf = (user: 'ingest' | 'producer') =>
      kafka.security!.mutualTls!.certificates[user];
    // CN=ingest, as the trusted one, but self-signed: only the signature can tell them apart.
    const untrusted = () => ({
      certFile: join(dataDir, 'untrusted-ingest.pem'),
      keyFile: join(dataDir, 'untrusted-ingest-key.pem'),
    });

    it('should stop the ingest at start with a certificate the broker does not trust, naming KAFKA_SSL_CERT_FILE and never the key, recording nothing', async () => {
      const { certFile, keyFile } = certificateOf('producer');
      await produce(
        5,
        {
          tls: { ca, cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') },
        },
        kafka.security!.mutualTls!.brokers,
      );
      const { certFile: untrustedCert, keyFile: untrustedKey } = untrusted();
      await selfSignedCertificate({
        dir: dataDir,
        subject: '/CN=ingest',
        keyFile: untrustedKey,
        certFile: untrustedCert,
      });
      const key = await readFile(untrustedKey, 'utf8');
      await expectRefusedStart(
        mutualTlsEnv({ KAFKA_SSL_CERT_FILE: untrustedCert, KAFKA_SSL_KEY_FILE: untrustedKey }),
        'ingest-untrusted-certificate',
        { setting: 'KAFKA_SSL_CERT_FILE', cause: /certificate/i, secrets: [keyBody(key)] },
      );
    });

    it('should stop the ingest at start without a client certificate where the broker requires one, naming KAFKA_SSL_CERT_FILE', async () => {
      await expectRefusedStart(mutualTlsEnv({}), 'ingest-no-certificate', {
        setting: 'KAFKA_SSL_CERT_FILE',
        cause: /certificate/i,
        secrets: [],
      });
    });

    it.each([
      ['the key of another certificate', /does not match KAFKA_SSL_CERT_FILE/],
      ['its key encrypted (there is no passphrase setting)', /encrypted/],
    ])(
      'should stop the ingest at start with %s, naming KAFKA_SSL_KEY_FILE, recording nothing',
      async (_case, cause) => {
        const { certFile, keyFile } = certificateOf('ingest');
        const given = join(dataDir, `given-key-${randomUUID()}.pem`);
        const key = cause.source.includes('encrypted')
          ? createPrivateKey(await readFile(keyFile, 'utf8')).export({
              type: 'pkcs8',
              format: 'pem',
              cipher: 'aes-256-cbc',
              passphrase: passwords.wrong,
            })
          : await readFile(certificateOf('producer').keyFile, 'utf8');
        await writeFile(given, key, { mode: 0o600 });
        await expectRefusedStart(
          mutualTlsEnv({ KAFKA_SSL_CERT_FILE: certFile, KAFKA_SSL_KEY_FILE: given }),
          'ingest-wrong-key',
          { setting: 'KAFKA_SSL_KEY_FILE', cause, secrets: [keyBody(key.toString())], exit: 2 },
        );
      },
    );

    it('should record every event with its certificate and key from KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE', async () => {
      const { certFile, keyFile } = certificateOf('ingest');
      await expectRecordsAll(
        mutualTlsEnv({ KAFKA_SSL_CERT_FILE: certFile, KAFKA_SSL_KEY_FILE: keyFile }),
        'ingest-mutual-tls',
        [keyBody(await readFile(keyFile, 'utf8'))],
      );
    });

    it('should publish with `cli inspect --publish` and the producer certificate, after refusing one the broker does not trust', async () => {
      const folder = join(dataDir, 'inspected-copy');
      await mkdir(folder);
      await writeFile(
        join(folder, 'copy.dcm'),
        buildInstance({
          studyInstanceUid: testUid(),
          seriesInstanceUid: testUid(),
          patientIdentityRemoved: 'YES',
          methodCodes: ['113100'],
          bodyPart: 'HEAD',
        }),
      );
      const before = await topicEnd();
      const { certFile, keyFile } = untrusted();
      const started = Date.now();
      const refused = await cli(
        ['inspect', folder, '--publish'],
        mutualTlsEnv({ KAFKA_SSL_CERT_FILE: certFile, KAFKA_SSL_KEY_FILE: keyFile }),
      );
      expect(refused.code).toBe(2);
      expect(Date.now() - started).toBeLessThan(10_000);
      const failed = refused.out.split('\n').filter((line) => line.includes('publishing failed'));
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatch(/refused this client's certificate.*KAFKA_SSL_CERT_FILE/);
      expect(refused.out).not.toContain(keyBody(await readFile(keyFile, 'utf8')));
      expect(await topicEnd()).toBe(before);

      const producer = certificateOf('producer');
      const published = await cli(
        ['inspect', folder, '--publish'],
        mutualTlsEnv({
          KAFKA_SSL_CERT_FILE: producer.certFile,
          KAFKA_SSL_KEY_FILE: producer.keyFile,
        }),
      );
      expect(published).toMatchObject({ code: 0 });
      expect(published.out).toContain('published 1 inspection to');
      expect(await topicEnd()).toBe(before + 1);
    });
  });

  // The API's and the bridge's own probes over this broker, as the built apps (last in this
  // file: the bridge's events are not among `produced`).
  describe('the built API and the built bridge', () => {
    const secured = (username: 'api' | 'producer', password: string) => ({
      KAFKA_BROKERS: kafka.brokers.join(','),
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: kafka.security!.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: username,
      KAFKA_SASL_PASSWORD: password,
    });
    const healthOf = async (port: number) => {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        return { status: response.status, body: await response.text() };
      } catch {
        return undefined;
      }
    };

    it.each([
      ['its password (a user holding no ACL)', () => passwords.api, 200, { status: 'up' }],
      [
        'a wrong password',
        () => passwords.wrong,
        503,
        // Before session 35: 'no Kafka broker reachable', and nothing in the API's log.
        {
          status: 'down',
          message: 'Kafka refused this client',
          code: 'SASL_AUTHENTICATION_FAILED',
        },
      ],
    ])(
      "should answer the API's /health about Kafka over TLS and SCRAM with %s, naming no password, and say why in the log",
      async (_name, password, status, kafkaState) => {
        const api = await startBuiltApi('secured-api', {
          ...secured('api', password()),
          LOG_LEVEL: 'warn',
        });
        try {
          const health = await eventually(
            async () => {
              if (api.process.exit()) throw new Error(`the API exited:\n${api.process.output()}`);
              return healthOf(api.port);
            },
            30_000,
            "the API's /health",
          );
          expect(health.status).toBe(status);
          expect(JSON.parse(health.body)).toMatchObject({ details: { kafka: kafkaState } });
          if (status !== 200) {
            // The operator learns which settings to check from the API's log: the line
            // reaches this process through a pipe, possibly after /health has answered (the
            // fresh-ci of session 36 read the log empty once, under load).
            const refused =
              /Kafka refused the SASL credentials of user \\"api\\": check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/;
            await eventually(
              () => Promise.resolve(refused.test(api.process.output()) ? true : undefined),
              10_000,
              `the API's log to say why (${api.process.output()})`,
            ).catch(() => undefined);
            expect(api.process.output()).toMatch(refused);
          }
          for (const secret of Object.values(passwords)) {
            expect(health.body).not.toContain(secret);
            expect(api.process.output()).not.toContain(secret);
          }
        } finally {
          await api.stop();
        }
      },
    );

    it('should publish what Orthanc holds from the built bridge as the producer identity, /health ok, and stop at start with a wrong password naming KAFKA_SASL_PASSWORD', async () => {
      const orthanc = await startLocalOrthanc({
        dataDir: join(dataDir, 'orthanc'),
        name: 'Secured Hospital',
        stableAgeS: 1,
      });
      const destinations = join(dataDir, 'destinations.json');
      await writeFile(destinations, '{}');
      const bridgeEnv = async (password: string) => ({
        DATABASE_URL: db.url,
        BRIDGE_DATABASE_URL: db.bridgeUrl,
        KAFKA_TOPIC: TOPIC,
        PSEUDONYM_KEY: randomBytes(32).toString('hex'),
        AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
        SCANTRAIL_DATA_DIR: join(dataDir, 'bridge'),
        ORTHANC_URL: orthanc.url,
        BRIDGE_DESTINATIONS: destinations,
        BRIDGE_PORT: String(await freePort()),
        BRIDGE_POLL_MS: '200',
        LOG_LEVEL: 'info',
        ...secured('producer', password),
      });
      const bridgeEntry = join(repositoryRoot(), 'dist', 'apps', 'bridge', 'main.js');
      try {
        await uploadStudy(orthanc.url, {
          studyInstanceUid: testUid(),
          patientId: 'MRN-SECURED-1',
          studyDate: '20240105',
          series: [{ seriesInstanceUid: testUid(), seriesNumber: 1, modality: 'CT', instances: 1 }],
        });
        const refusedEnv = await bridgeEnv(passwords.wrong);
        const refused = startIngestProcess({
          entryPoint: bridgeEntry,
          env: refusedEnv,
          label: 'bridge',
        });
        ingests.push(refused);
        const exit = await Promise.race([
          refused.exited,
          sleep(15_000, undefined, { ref: false }).then(() => undefined),
        ]);
        expect({ exit, output: refused.output() }).toMatchObject({ exit: { code: 1 } });
        expect(refused.output()).toMatch(/failed to start: .*KAFKA_SASL_PASSWORD/);
        expect(refused.output()).not.toContain(passwords.wrong);

        const before = await topicEnd();
        const env = await bridgeEnv(passwords.producer);
        const bridge = startIngestProcess({ entryPoint: bridgeEntry, env, label: 'bridge' });
        ingests.push(bridge);
        await eventually(
          async () => {
            if (bridge.exit()) throw new Error(`the bridge exited:\n${bridge.output()}`);
            return (await topicEnd()) > before ? true : undefined;
          },
          60_000,
          'the bridge publishing over TLS and SCRAM',
        );
        const health = await healthOf(Number(env.BRIDGE_PORT));
        expect(health?.status).toBe(200);
        expect(JSON.parse(health?.body ?? '{}')).toMatchObject({
          status: 'ok',
          orthanc: 'reachable',
        });
        expect(health?.body).not.toContain('lastError');
        for (const secret of Object.values(passwords)) {
          expect(bridge.output()).not.toContain(secret);
        }
        expect(await bridge.terminate(10_000)).toEqual({ code: 0, signal: null });
      } finally {
        await orthanc.stop();
      }
    });
  });
});

/** A PEM key's base64 body, one line: what must never reach a log. */
function keyBody(pem: string): string {
  return pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'))[1];
}
