// How scantrail reaches a Kafka that requires TLS and SASL (v1.1 settings of our design,
// beside CONTRACT section 5's KAFKA_BROKERS, KAFKA_TOPIC and KAFKA_GROUP_ID, which are
// unchanged). All optional: none set is today's plaintext, unauthenticated connection.
// Every refusal names the setting; none repeats a password or a key file's content.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SettingsError } from './settings';

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** What the Kafka client is given (createKafka's `security`); secrets included, never logged. */
export interface KafkaSecuritySettings {
  /** KAFKA_SSL=true: TLS to every broker. PEM texts; no `ca`: the system's trusted CAs. */
  tls?: { ca?: string; cert?: string; key?: string };
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
  /** KAFKA_SASL_ALLOW_PLAINTEXT=true let SASL go without TLS: the apps warn at start. */
  saslOverPlaintext?: true;
}

/** The start-up warning of KAFKA_SASL_ALLOW_PLAINTEXT=true, or undefined. */
export function kafkaSecurityWarning(
  security: KafkaSecuritySettings | undefined,
): string | undefined {
  return security?.saslOverPlaintext
    ? 'KAFKA_SASL_ALLOW_PLAINTEXT=true: SASL to Kafka without TLS; events travel unencrypted'
    : undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The names of every setting read here (for "needs KAFKA_BROKERS"). */
const NAMES = [
  'KAFKA_SSL',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SSL_CERT_FILE',
  'KAFKA_SSL_KEY_FILE',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_PASSWORD_FILE',
  'KAFKA_SASL_ALLOW_PLAINTEXT',
] as const;

/** Trimmed value; unset or blank: undefined. */
function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function flag(env: Env, name: string): boolean {
  const raw = text(env, name);
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new SettingsError(name, `must be true or false, got "${raw}"`);
}

/** A file's text; the error names the setting and the path, never the content. */
function fileText(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new SettingsError(name, `cannot read ${path} (${code})`);
  }
}

function pemFile(name: string, path: string, kind: 'certificate' | 'private key'): string {
  const content = fileText(name, path);
  const pattern =
    kind === 'certificate'
      ? /-----BEGIN CERTIFICATE-----/
      : /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;
  if (!pattern.test(content)) throw new SettingsError(name, `holds no PEM ${kind} (${path})`);
  return content;
}

function password(env: Env): string | undefined {
  // Not trimmed: spaces may be part of a password. Blank counts as unset.
  const given = env.KAFKA_SASL_PASSWORD;
  const inline = given === undefined || given.trim() === '' ? undefined : given;
  const file = text(env, 'KAFKA_SASL_PASSWORD_FILE');
  if (inline !== undefined && file !== undefined) {
    throw new SettingsError(
      'KAFKA_SASL_PASSWORD_FILE',
      'give KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both',
    );
  }
  if (file === undefined) return inline;
  // A mounted secret usually ends with a line break that is no part of the password.
  const content = fileText('KAFKA_SASL_PASSWORD_FILE', file).replace(/\r?\n$/, '');
  if (content.trim() === '')
    throw new SettingsError('KAFKA_SASL_PASSWORD_FILE', `is empty (${file})`);
  return content;
}

function sasl(env: Env): KafkaSecuritySettings['sasl'] {
  const raw = text(env, 'KAFKA_SASL_MECHANISM');
  const username = text(env, 'KAFKA_SASL_USERNAME');
  const secret = password(env);
  if (raw === undefined) {
    // Credentials without a mechanism would silently connect unauthenticated.
    const given = username !== undefined ? 'KAFKA_SASL_USERNAME' : 'KAFKA_SASL_PASSWORD';
    if (username !== undefined || secret !== undefined) {
      throw new SettingsError('KAFKA_SASL_MECHANISM', `is required with ${given}`);
    }
    return undefined;
  }
  const mechanism = raw.toLowerCase() as KafkaSaslMechanism;
  if (!KAFKA_SASL_MECHANISMS.includes(mechanism)) {
    throw new SettingsError(
      'KAFKA_SASL_MECHANISM',
      `must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}, got "${raw}"`,
    );
  }
  if (username === undefined) {
    throw new SettingsError('KAFKA_SASL_USERNAME', 'is required with KAFKA_SASL_MECHANISM');
  }
  if ([...username].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    throw new SettingsError('KAFKA_SASL_USERNAME', 'must not contain control characters');
  }
  if (secret === undefined) {
    throw new SettingsError(
      'KAFKA_SASL_PASSWORD',
      'is required with KAFKA_SASL_MECHANISM (or KAFKA_SASL_PASSWORD_FILE)',
    );
  }
  return { mechanism, username, password: secret };
}

function tls(env: Env): KafkaSecuritySettings['tls'] {
  const enabled = flag(env, 'KAFKA_SSL');
  const caFile = text(env, 'KAFKA_SSL_CA_FILE');
  const certFile = text(env, 'KAFKA_SSL_CERT_FILE');
  const keyFile = text(env, 'KAFKA_SSL_KEY_FILE');
  if (!enabled) {
    const given = [
      ['KAFKA_SSL_CA_FILE', caFile],
      ['KAFKA_SSL_CERT_FILE', certFile],
      ['KAFKA_SSL_KEY_FILE', keyFile],
    ].find(([, value]) => value !== undefined);
    if (given) throw new SettingsError(given[0]!, 'needs KAFKA_SSL=true');
    return undefined;
  }
  if (certFile !== undefined && keyFile === undefined) {
    throw new SettingsError('KAFKA_SSL_KEY_FILE', 'is required with KAFKA_SSL_CERT_FILE');
  }
  if (keyFile !== undefined && certFile === undefined) {
    throw new SettingsError('KAFKA_SSL_CERT_FILE', 'is required with KAFKA_SSL_KEY_FILE');
  }
  return {
    ...(caFile === undefined ? {} : { ca: pemFile('KAFKA_SSL_CA_FILE', caFile, 'certificate') }),
    ...(certFile === undefined || keyFile === undefined
      ? {}
      : clientCertificate(certFile, keyFile)),
  };
}

/**
 * The mutual-TLS pair, checked here because Node only opens it when KafkaJS connects: an
 * encrypted key or another certificate's key would fail every connection, retried for
 * about 25 s, with OpenSSL's words ("bad decrypt", "key values mismatch") and no setting.
 */
function clientCertificate(certFile: string, keyFile: string): { cert: string; key: string } {
  const cert = pemFile('KAFKA_SSL_CERT_FILE', certFile, 'certificate');
  const key = pemFile('KAFKA_SSL_KEY_FILE', keyFile, 'private key');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new SettingsError('KAFKA_SSL_CERT_FILE', `holds no readable certificate (${certFile})`);
  }
  // PKCS#8 and the older PKCS#1 form say so in clear; Node's own error for them varies.
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key)) {
    throw new SettingsError(
      'KAFKA_SSL_KEY_FILE',
      `holds an encrypted private key and there is no passphrase setting: give the key unencrypted, readable by the app only (${keyFile})`,
    );
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new SettingsError('KAFKA_SSL_KEY_FILE', `holds no readable private key (${keyFile})`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new SettingsError(
      'KAFKA_SSL_KEY_FILE',
      `does not match KAFKA_SSL_CERT_FILE: the key of another certificate (${keyFile})`,
    );
  }
  return { cert, key };
}

/**
 * KAFKA_SSL*, KAFKA_SASL_*: undefined when none is set (plaintext, as before). SASL without
 * TLS is refused unless KAFKA_SASL_ALLOW_PLAINTEXT=true, for every mechanism: PLAIN would
 * send the password in clear, and even SCRAM, which does not, would leave the events
 * (pseudonymized patient data) readable and the session open to hijacking on the wire.
 */
export function kafkaSecuritySetting(
  env: Env,
  brokersGiven: boolean,
): KafkaSecuritySettings | undefined {
  const allowPlaintext = flag(env, 'KAFKA_SASL_ALLOW_PLAINTEXT');
  const security: KafkaSecuritySettings = {};
  const tlsOptions = tls(env);
  if (tlsOptions) security.tls = tlsOptions;
  const saslOptions = sasl(env);
  if (saslOptions) security.sasl = saslOptions;
  if (saslOptions && !tlsOptions) {
    if (!allowPlaintext) {
      throw new SettingsError(
        'KAFKA_SSL',
        `SASL without TLS sends the events (and, with plain, the password) in clear: set KAFKA_SSL=true, or KAFKA_SASL_ALLOW_PLAINTEXT=true on a network that encrypts for you`,
      );
    }
    security.saslOverPlaintext = true;
  }
  const given = NAMES.find((name) => text(env, name) !== undefined);
  if (given === undefined) return undefined;
  if (!brokersGiven) {
    throw new SettingsError(
      given,
      'needs KAFKA_BROKERS (the local development Kafka started without it is plaintext)',
    );
  }
  return tlsOptions || saslOptions ? security : undefined;
}
