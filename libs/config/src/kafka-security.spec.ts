// KAFKA_SSL*, KAFKA_SASL_* (v1.1 settings of our design): how scantrail reaches a Kafka
// that requires TLS and SASL. Every refusal names the setting, never a secret's value.
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from '@scantrail/local-kafka';
import { loadSettings } from './settings';

const SECRET = 'Kafka-S3cret-never-shown';
const dir = mkdtempSync(join(tmpdir(), 'scantrail-kafka-security-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
};
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----\n`;
const caFile = file('ca.pem', CA);

const dataDirs: string[] = [dir];
const env = (vars: Record<string, string>): Record<string, string> => {
  dataDirs.push(mkdtempSync(join(tmpdir(), 'scantrail-settings-')));
  return {
    SCANTRAIL_DATA_DIR: dataDirs[dataDirs.length - 1],
    KAFKA_BROKERS: 'kafka-1:9093,kafka-2:9093',
    ...vars,
  };
};
afterAll(() => {
  for (const made of dataDirs) rmSync(made, { recursive: true, force: true });
});
const secured = (vars: Record<string, string> = {}): Record<string, string> =>
  env({
    KAFKA_SSL: 'true',
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'svc-ingest',
    KAFKA_SASL_PASSWORD: SECRET,
    ...vars,
  });

/** The refusal's message; fails the test when there was none or it shows the secret. */
function refusal(vars: Record<string, string>): string {
  let message: string | undefined;
  try {
    loadSettings(vars);
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toBeDefined();
  expect(message).not.toContain(SECRET);
  return message!;
}

describe('loadSettings: Kafka TLS and SASL', () => {
  it('should connect as today, plaintext and unauthenticated, when none is set', () => {
    expect(loadSettings(env({})).kafkaSecurity).toBeUndefined();
  });

  it('should take TLS with the system CAs when KAFKA_SSL=true alone', () => {
    expect(loadSettings(env({ KAFKA_SSL: 'true' })).kafkaSecurity).toEqual({ tls: {} });
    expect(loadSettings(env({ KAFKA_SSL: 'false' })).kafkaSecurity).toBeUndefined();
  });

  it('should take TLS with a CA bundle and SCRAM credentials', () => {
    const security = loadSettings(secured({ KAFKA_SSL_CA_FILE: caFile })).kafkaSecurity;
    expect(security).toEqual({
      tls: { ca: CA },
      sasl: { mechanism: 'scram-sha-512', username: 'svc-ingest', password: SECRET },
    });
  });

  it.each([
    ['PLAIN', 'plain'],
    ['SCRAM-SHA-256', 'scram-sha-256'],
    ['scram-sha-512', 'scram-sha-512'],
  ])('should take the mechanism %s', (given, mechanism) => {
    const security = loadSettings(secured({ KAFKA_SASL_MECHANISM: given })).kafkaSecurity;
    expect(security?.sasl?.mechanism).toBe(mechanism);
  });

  it('should read the password from KAFKA_SASL_PASSWORD_FILE, without its final line break', () => {
    const { KAFKA_SASL_PASSWORD: _password, ...rest } = secured();
    const passwordFile = file('password', `${SECRET}\n`);
    const security = loadSettings({
      ...rest,
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
    }).kafkaSecurity;
    expect(security?.sasl?.password).toBe(SECRET);
  });

  describe('a client certificate for mutual TLS', () => {
    // Real pairs, made by openssl: the key is checked against the certificate.
    const pair = (name: string) => ({
      certFile: join(dir, `${name}.pem`),
      keyFile: join(dir, `${name}-key.pem`),
    });
    const client = pair('client');
    const other = pair('other');
    beforeAll(async () => {
      for (const [name, files] of [
        ['client', client],
        ['other', other],
      ] as const) {
        await selfSignedCertificate({ dir, subject: `/CN=${name}`, ...files });
      }
    });
    const withPair = (certFile: string, keyFile: string) =>
      env({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: certFile, KAFKA_SSL_KEY_FILE: keyFile });
    /** A refusal that quotes no line of the key's body either. */
    const keyRefusal = (certFile: string, keyFile: string): string => {
      const message = refusal(withPair(certFile, keyFile));
      const body = readFileSync(keyFile, 'utf8').split('\n')[1];
      expect(message).not.toContain(body);
      return message;
    };

    it('should take a certificate and its key', () => {
      expect(loadSettings(withPair(client.certFile, client.keyFile)).kafkaSecurity).toEqual({
        tls: {
          cert: readFileSync(client.certFile, 'utf8'),
          key: readFileSync(client.keyFile, 'utf8'),
        },
      });
    });

    it('should refuse the key of another certificate, naming KAFKA_SSL_KEY_FILE', () => {
      expect(keyRefusal(client.certFile, other.keyFile)).toContain(
        'setting KAFKA_SSL_KEY_FILE: does not match KAFKA_SSL_CERT_FILE',
      );
    });

    it('should refuse an encrypted key: there is no passphrase setting to open it', () => {
      const encrypted = file(
        'encrypted-key.pem',
        createPrivateKey(readFileSync(client.keyFile, 'utf8')).export({
          type: 'pkcs8',
          format: 'pem',
          cipher: 'aes-256-cbc',
          passphrase: SECRET,
        }) as string,
      );
      expect(keyRefusal(client.certFile, encrypted)).toContain(
        'setting KAFKA_SSL_KEY_FILE: holds an encrypted private key and there is no passphrase setting',
      );
    });

    it('should refuse PEM markers around no key or certificate, naming the file', () => {
      expect(refusal(withPair(client.certFile, file('client.key', KEY)))).toContain(
        'setting KAFKA_SSL_KEY_FILE: holds no readable private key',
      );
      expect(refusal(withPair(file('client-fake.pem', CA), client.keyFile))).toContain(
        'setting KAFKA_SSL_CERT_FILE: holds no readable certificate',
      );
    });
  });

  it.each([
    [{ KAFKA_SSL: 'yes' }, 'setting KAFKA_SSL: must be true or false'],
    [{ KAFKA_SSL_CA_FILE: caFile }, 'setting KAFKA_SSL_CA_FILE: needs KAFKA_SSL=true'],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') },
      'setting KAFKA_SSL_CA_FILE: cannot read',
    ],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: file('not-pem', 'hello') },
      'setting KAFKA_SSL_CA_FILE: holds no PEM certificate',
    ],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: caFile },
      'setting KAFKA_SSL_KEY_FILE: is required with KAFKA_SSL_CERT_FILE',
    ],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_KEY_FILE: file('only.key', KEY) },
      'setting KAFKA_SSL_CERT_FILE: is required with KAFKA_SSL_KEY_FILE',
    ],
    [
      {
        KAFKA_SSL: 'true',
        KAFKA_SSL_CERT_FILE: caFile,
        KAFKA_SSL_KEY_FILE: file('bad.key', `${SECRET}\n`),
      },
      'setting KAFKA_SSL_KEY_FILE: holds no PEM private key',
    ],
  ])('should refuse TLS settings %j', (vars, message) => {
    expect(refusal(env(vars))).toContain(message);
  });

  it.each([
    [
      { KAFKA_SASL_MECHANISM: 'gssapi' },
      'setting KAFKA_SASL_MECHANISM: must be one of plain, scram-sha-256, scram-sha-512',
    ],
    [
      { KAFKA_SASL_USERNAME: '' },
      'setting KAFKA_SASL_USERNAME: is required with KAFKA_SASL_MECHANISM',
    ],
    [
      { KAFKA_SASL_PASSWORD: '' },
      'setting KAFKA_SASL_PASSWORD: is required with KAFKA_SASL_MECHANISM (or KAFKA_SASL_PASSWORD_FILE)',
    ],
    [
      { KAFKA_SASL_PASSWORD_FILE: file('password-too', SECRET) },
      'setting KAFKA_SASL_PASSWORD_FILE: give KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both',
    ],
    [
      { KAFKA_SASL_PASSWORD: '', KAFKA_SASL_PASSWORD_FILE: join(dir, 'no-such-file') },
      'setting KAFKA_SASL_PASSWORD_FILE: cannot read',
    ],
    [
      { KAFKA_SASL_PASSWORD: '', KAFKA_SASL_PASSWORD_FILE: file('empty', '\n') },
      'setting KAFKA_SASL_PASSWORD_FILE: is empty',
    ],
  ])('should refuse SASL settings %j', (vars, message) => {
    expect(refusal(secured(vars))).toContain(message);
  });

  it('should refuse credentials without a mechanism rather than connect unauthenticated', () => {
    expect(
      refusal(env({ KAFKA_SSL: 'true', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: SECRET })),
    ).toContain('setting KAFKA_SASL_MECHANISM: is required with KAFKA_SASL_USERNAME');
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'])(
    'should refuse %s over plaintext unless KAFKA_SASL_ALLOW_PLAINTEXT=true',
    (mechanism) => {
      const vars = secured({ KAFKA_SSL: 'false', KAFKA_SASL_MECHANISM: mechanism });
      expect(refusal(vars)).toContain(
        'setting KAFKA_SSL: SASL without TLS sends the events (and, with plain, the password) in clear',
      );
      const allowed = loadSettings({ ...vars, KAFKA_SASL_ALLOW_PLAINTEXT: 'true' }).kafkaSecurity;
      expect(allowed).toEqual({
        sasl: { mechanism, username: 'svc-ingest', password: SECRET },
        saslOverPlaintext: true,
      });
    },
  );

  it('should refuse KAFKA_SASL_ALLOW_PLAINTEXT when it is neither true nor false', () => {
    expect(refusal(secured({ KAFKA_SASL_ALLOW_PLAINTEXT: 'ok' }))).toContain(
      'setting KAFKA_SASL_ALLOW_PLAINTEXT: must be true or false',
    );
  });

  it('should refuse security settings without KAFKA_BROKERS: the local Kafka is plaintext', () => {
    const { KAFKA_BROKERS: _brokers, ...vars } = secured();
    expect(refusal(vars)).toContain('setting KAFKA_SSL: needs KAFKA_BROKERS');
  });
});
