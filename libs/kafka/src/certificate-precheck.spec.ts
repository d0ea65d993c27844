// The hand-over from the TLS pre-check (one connection of the health client, no retries) to
// the normal client, with KafkaJS's Kafka replaced by a stand-in that records who connected:
// a refused client certificate must stop ensureTopic and producer at once, explained, with
// the normal client never tried; anything else must leave the connection to the normal
// client as before, and the check must run once per client, only with TLS.
import type { KafkaConfig } from 'kafkajs';
import { createKafka, type KafkaSecurity } from './kafka-client';

jest.mock('kafkajs', () => {
  const actual = jest.requireActual<typeof import('kafkajs')>('kafkajs');
  return { ...actual, Kafka: jest.fn() };
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Kafka } = require('kafkajs') as { Kafka: jest.Mock };

const TOPIC = 'imaging.lineage.events';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const REFUSED =
  'C0B7A1F1F17F0000:error:0A000416:SSL routines:ssl3_read_bytes:sslv3 alert certificate unknown';

/** What each client (the health one: no retries; the normal one) was asked to do. */
interface Calls {
  healthConnects: number;
  healthDisconnects: number;
  normalAdminConnects: number;
  producerConnects: number;
}

function standIn(healthConnect: () => Promise<void>): Calls {
  const calls: Calls = {
    healthConnects: 0,
    healthDisconnects: 0,
    normalAdminConnects: 0,
    producerConnects: 0,
  };
  Kafka.mockImplementation((config: KafkaConfig) => {
    const health = config.retry?.retries === 0;
    const admin = () => ({
      connect: async () => {
        if (health) {
          calls.healthConnects += 1;
          await healthConnect();
        } else calls.normalAdminConnects += 1;
      },
      disconnect: () => {
        if (health) calls.healthDisconnects += 1;
        return Promise.resolve();
      },
      listTopics: () => Promise.resolve([TOPIC]),
      fetchTopicMetadata: () =>
        Promise.resolve({
          topics: [{ name: TOPIC, partitions: [{ leader: 0, partitionErrorCode: 0 }] }],
        }),
      fetchTopicOffsets: () => Promise.resolve([]),
      describeCluster: () => Promise.resolve({ brokers: [{ nodeId: 0 }] }),
    });
    return {
      admin,
      producer: () => ({
        connect: () => {
          calls.producerConnects += 1;
          return Promise.resolve();
        },
        disconnect: () => Promise.resolve(),
        send: () => Promise.resolve([]),
      }),
    };
  });
  return calls;
}

const client = (security: KafkaSecurity | undefined) =>
  createKafka({ brokers: ['broker:9093'], clientId: 'test', security, logLevel: 'nothing' });

describe('the TLS pre-check and the normal client', () => {
  const withCertificate: KafkaSecurity = {
    tls: { ca: CA, cert: 'client-cert', key: 'client-key' },
  };

  it('should stop ensureTopic and producer at once when the broker refuses the certificate, never trying the normal client', async () => {
    const calls = standIn(() => Promise.reject(new Error(REFUSED)));
    const kafka = client(withCertificate);
    await expect(kafka.ensureTopic(TOPIC, 3)).rejects.toThrow(
      /the broker refused this client's certificate.*check KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE/,
    );
    await expect(kafka.producer()).rejects.toThrow(/the broker refused this client's certificate/);
    expect(calls).toEqual({
      healthConnects: 1,
      healthDisconnects: 1,
      normalAdminConnects: 0,
      producerConnects: 0,
    });
  });

  it('should say a certificate is required when the client has none', async () => {
    standIn(() =>
      Promise.reject(new Error(REFUSED.replace('certificate unknown', 'bad certificate'))),
    );
    await expect(client({ tls: { ca: CA } }).ensureTopic(TOPIC, 3)).rejects.toThrow(
      /the broker requires a client certificate/,
    );
  });

  it.each([
    ['the broker is down', 'connect ECONNREFUSED 10.0.0.1:9093'],
    ['the connection times out', 'Connection timeout'],
    ['SASL is refused (the normal client explains it)', 'SASL SCRAM SHA512 authentication failed'],
    [
      'the broker certificate fails our checks (local)',
      'self-signed certificate in certificate chain',
    ],
  ])(
    'should hand over to the normal client when the pre-check fails otherwise (%s)',
    async (_n, message) => {
      const calls = standIn(() => Promise.reject(new Error(message)));
      const kafka = client(withCertificate);
      await kafka.ensureTopic(TOPIC, 3);
      await kafka.producer();
      expect(calls).toEqual({
        healthConnects: 1,
        healthDisconnects: 1,
        normalAdminConnects: 1,
        producerConnects: 1,
      });
    },
  );

  it('should check once per client when the certificate is accepted, then use the normal client', async () => {
    const calls = standIn(() => Promise.resolve());
    const kafka = client(withCertificate);
    await Promise.all([kafka.ensureTopic(TOPIC, 3), kafka.producer(), kafka.producer()]);
    await kafka.ensureTopic(TOPIC, 3);
    expect(calls).toEqual({
      healthConnects: 1,
      healthDisconnects: 1,
      normalAdminConnects: 1,
      producerConnects: 2,
    });
  });

  it('should not pre-check without TLS (SASL alone or nothing)', async () => {
    const calls = standIn(() => Promise.reject(new Error(REFUSED)));
    await client(undefined).ensureTopic(TOPIC, 3);
    await client({
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    }).producer();
    expect(calls.healthConnects).toBe(0);
    expect(calls.normalAdminConnects).toBe(1);
    expect(calls.producerConnects).toBe(1);
  });

  it('should never repeat the key or a SASL password in the refusal', async () => {
    standIn(() => Promise.reject(new Error(REFUSED)));
    const secret: KafkaSecurity = {
      tls: { ca: CA, cert: 'client-cert', key: 'PRIVATE-KEY-MATERIAL' },
      sasl: { mechanism: 'scram-sha-512', username: 'ingest', password: 'S3cret-pw' },
    };
    const error = await client(secret)
      .ensureTopic(TOPIC, 3)
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error?.message).toMatch(/refused this client's certificate/);
    expect(error?.message).not.toMatch(/PRIVATE-KEY-MATERIAL|S3cret-pw/);
  });
});
