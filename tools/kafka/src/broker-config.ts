// Pure pieces of the local broker's set-up: server.properties, the logging configuration
// and the KRaft cluster id. Kept free of I/O so they can be unit-tested.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export interface BrokerPorts {
  broker: number;
  controller: number;
  /** The secured broker's mutual-TLS client listener, when it has one. */
  mutualTls?: number;
}

export interface BrokerConfigInput {
  ports: BrokerPorts;
  /** Where the broker keeps its partitions and the KRaft metadata log. */
  logDir: string;
  /** A hospital-like broker instead of the plaintext one (secureProperties). */
  secure?: SecureBrokerInput;
}

/** What the secured broker needs: its TLS files and its two built-in identities. */
export interface SecureBrokerInput {
  /** PEM: the broker's PKCS#8 private key followed by its certificate (ssl.keystore.type=PEM). */
  keystoreFile: string;
  /** PEM: the CA that signed the broker's certificate (ssl.truststore.type=PEM). */
  caFile: string;
  /** SCRAM-SHA-512 user `admin`, the only super user besides the controller: topics and ACLs. */
  adminPassword: string;
  /** PLAIN user `controller` of the controller listener (KRaft cannot use SCRAM there). */
  controllerPassword: string;
  /**
   * SASL mechanisms the client listener takes besides SCRAM-SHA-512 (the brokers' own).
   * SCRAM users live in the metadata log; PLAIN's are listed in its JAAS (`plainUsers`).
   */
  extraMechanisms?: readonly ExtraSaslMechanism[];
  /** Users and passwords that PLAIN accepts (with `extraMechanisms` holding PLAIN). */
  plainUsers?: readonly { name: string; password: string }[];
}

/** The SASL mechanism of the secured broker's inter-broker traffic, always on for clients. */
export const SECURE_CLIENT_MECHANISM = 'SCRAM-SHA-512';

/** The other mechanisms a secured broker can offer its clients (SASL names, as Kafka spells them). */
export type ExtraSaslMechanism = 'SCRAM-SHA-256' | 'PLAIN';

/** The listener that requires a client certificate; its clients are named by their certificate's CN. */
const MUTUAL_TLS_LISTENER = 'MUTUAL_TLS';

/** A single-node KRaft broker tuned to start fast and stay small (one test machine). */
export function serverProperties({
  ports,
  logDir,
  secure,
}: BrokerConfigInput): Map<string, string> {
  const host = '127.0.0.1'; // never "localhost": it may resolve to ::1 first and stall clients
  const properties = new Map<string, string>([
    ['process.roles', 'broker,controller'],
    ['node.id', '1'],
    ['controller.quorum.voters', `1@${host}:${ports.controller}`],
    ['listeners', `PLAINTEXT://${host}:${ports.broker},CONTROLLER://${host}:${ports.controller}`],
    ['advertised.listeners', `PLAINTEXT://${host}:${ports.broker}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['log.dirs', logDir],
    // One node: internal topics cannot have more than one replica.
    ['offsets.topic.replication.factor', '1'],
    ['transaction.state.log.replication.factor', '1'],
    ['transaction.state.log.min.isr', '1'],
    ['default.replication.factor', '1'],
    ['min.insync.replicas', '1'],
    // Few internal partitions: creating 50 __consumer_offsets partitions costs seconds.
    ['offsets.topic.num.partitions', '4'],
    ['transaction.state.log.num.partitions', '4'],
    // Tests join groups all the time; the default 3 s delay would slow every one of them.
    ['group.initial.rebalance.delay.ms', '0'],
    // Topics are created explicitly (and waited for); a typo must not create a topic.
    ['auto.create.topics.enable', 'false'],
    ['num.partitions', '1'],
    // The broker refuses less than 1 MiB per cleaner thread; the default takes 128 MiB.
    ['log.cleaner.dedupe.buffer.size', String(2 * 1024 * 1024)],
    ['log.cleaner.threads', '1'],
    // Small thread pools and segments: a dev/test broker on a 2-core machine.
    ['num.network.threads', '2'],
    ['num.io.threads', '4'],
    ['num.recovery.threads.per.data.dir', '1'],
    ['background.threads', '4'],
    ['log.segment.bytes', String(64 * 1024 * 1024)],
  ]);
  if (secure) {
    for (const [key, value] of secureProperties(ports, secure)) properties.set(key, value);
  }
  return properties;
}

const jaasQuoted = (value: string): string => {
  if (!/^[A-Za-z0-9._~+/=-]+$/.test(value)) {
    throw new Error('broker passwords must be base64url-like (they are written into JAAS)');
  }
  return `"${value}"`;
};

/**
 * A broker as a hospital runs it: clients only over SASL_SSL (TLS, then SCRAM-SHA-512
 * users created at format time, and the `extraMechanisms`), ACLs enforced by KRaft's
 * StandardAuthorizer with nothing allowed unless an ACL says so, and only `admin` (and the
 * controller itself) super users. With `ports.mutualTls`, a second client listener over
 * TLS that requires a certificate signed by the CA instead of SASL, its CN the principal
 * (CN=ingest is User:ingest, so one set of ACLs serves both listeners). The controller
 * listener is SASL_SSL too, with a PLAIN identity of its own: no listener of this broker
 * answers without TLS and either a password or a trusted client certificate.
 */
export function secureProperties(
  ports: BrokerPorts,
  secure: SecureBrokerInput,
): Map<string, string> {
  const host = '127.0.0.1';
  const scram = SECURE_CLIENT_MECHANISM.toLowerCase();
  const extra = secure.extraMechanisms ?? [];
  const clients = [`SASL_SSL://${host}:${ports.broker}`];
  if (ports.mutualTls !== undefined) {
    clients.push(`${MUTUAL_TLS_LISTENER}://${host}:${ports.mutualTls}`);
  }
  const protocols = ['SASL_SSL:SASL_SSL', 'CONTROLLER:SASL_SSL'];
  if (ports.mutualTls !== undefined) protocols.splice(1, 0, `${MUTUAL_TLS_LISTENER}:SSL`);
  const properties = new Map<string, string>([
    ['listeners', `${clients.join(',')},CONTROLLER://${host}:${ports.controller}`],
    ['advertised.listeners', clients.join(',')],
    ['inter.broker.listener.name', 'SASL_SSL'],
    ['listener.security.protocol.map', protocols.join(',')],
    ['ssl.keystore.type', 'PEM'],
    ['ssl.keystore.location', secure.keystoreFile],
    ['ssl.truststore.type', 'PEM'],
    ['ssl.truststore.location', secure.caFile],
    ['ssl.client.auth', 'none'],
    [
      'listener.name.sasl_ssl.sasl.enabled.mechanisms',
      [SECURE_CLIENT_MECHANISM, ...extra].join(','),
    ],
    ['sasl.mechanism.inter.broker.protocol', SECURE_CLIENT_MECHANISM],
    [
      `listener.name.sasl_ssl.${scram}.sasl.jaas.config`,
      `org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password=${jaasQuoted(secure.adminPassword)};`,
    ],
    ['listener.name.controller.sasl.enabled.mechanisms', 'PLAIN'],
    ['sasl.mechanism.controller.protocol', 'PLAIN'],
    [
      'listener.name.controller.plain.sasl.jaas.config',
      `org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password=${jaasQuoted(secure.controllerPassword)} user_controller=${jaasQuoted(secure.controllerPassword)};`,
    ],
    ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
    ['allow.everyone.if.no.acl.found', 'false'],
    ['super.users', 'User:admin;User:controller'],
  ]);
  if (extra.includes('SCRAM-SHA-256')) {
    properties.set(
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config',
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    );
  }
  if (extra.includes('PLAIN')) {
    // PLAIN has no store of its own in Kafka: its users are the JAAS entries `user_<name>`.
    const users = (secure.plainUsers ?? []).map(
      ({ name, password }) => `user_${jaasName(name)}=${jaasQuoted(password)}`,
    );
    properties.set(
      'listener.name.sasl_ssl.plain.sasl.jaas.config',
      `org.apache.kafka.common.security.plain.PlainLoginModule required ${users.join(' ')};`,
    );
  }
  if (ports.mutualTls !== undefined) {
    const listener = MUTUAL_TLS_LISTENER.toLowerCase();
    properties.set(`listener.name.${listener}.ssl.client.auth`, 'required');
    // The certificate's subject is "CN=<user>": the principal is User:<user>, as over SASL.
    properties.set('ssl.principal.mapping.rules', 'RULE:^CN=([A-Za-z0-9._-]+)$/$1/,DEFAULT');
  }
  return properties;
}

const jaasName = (name: string): string => {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new Error(
      'broker user names must be letters, digits and ._- (they are written into JAAS)',
    );
  }
  return name;
};

export function renderProperties(properties: Map<string, string>): string {
  const lines = ['# Written by tools/kafka (local-kafka.ts) on every start; edits are lost.'];
  for (const [key, value] of properties) {
    // Backslashes are escapes in .properties files; Windows paths would need doubling.
    lines.push(`${key}=${value.replace(/\\/g, '\\\\')}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * reload4j (Kafka 3.x) configuration: everything to a size-capped file in the data
 * directory, nothing on the console.
 */
export function log4jProperties(logsDir: string): string {
  const file = join(logsDir, 'server.log').replace(/\\/g, '/');
  return [
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.RollingFileAppender',
    `log4j.appender.file.File=${file}`,
    'log4j.appender.file.MaxFileSize=10MB',
    'log4j.appender.file.MaxBackupIndex=2',
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    // Per-request and state-change chatter is useless here and costs disk.
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.state.change.logger=WARN',
    'log4j.logger.kafka.log.LogCleaner=WARN',
    'log4j.logger.org.apache.kafka.raft=WARN',
    '',
  ].join('\n');
}

/** log4j2 configuration for Kafka 4.x, which replaced reload4j; same shape as above. */
export function log4j2Properties(logsDir: string): string {
  const file = join(logsDir, 'server.log').replace(/\\/g, '/');
  return [
    'appender.file.type=RollingFile',
    'appender.file.name=file',
    `appender.file.fileName=${file}`,
    `appender.file.filePattern=${file}.%i`,
    'appender.file.layout.type=PatternLayout',
    'appender.file.layout.pattern=[%d] %p %m (%c)%n',
    'appender.file.policies.type=Policies',
    'appender.file.policies.size.type=SizeBasedTriggeringPolicy',
    'appender.file.policies.size.size=10MB',
    'appender.file.strategy.type=DefaultRolloverStrategy',
    'appender.file.strategy.max=2',
    'rootLogger.level=INFO',
    'rootLogger.appenderRef.file.ref=file',
    'logger.request.name=kafka.request.logger',
    'logger.request.level=WARN',
    'logger.statechange.name=state.change.logger',
    'logger.statechange.level=WARN',
    'logger.raft.name=org.apache.kafka.raft',
    'logger.raft.level=WARN',
    '',
  ].join('\n');
}

/**
 * A KRaft cluster id: 16 random bytes in unpadded base64url, as Kafka's Uuid prints them.
 * Kafka itself never hands out ids that start with '-' (they read like CLI flags).
 */
export function newClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) {
      return id;
    }
  }
}

/** JVM flags: Kafka's own defaults (G1, short pauses) with a heap sized for a test box. */
export function jvmArguments(options: { heapMb: number; log4jFile: string; log4j2File: string }) {
  return [
    `-Xmx${options.heapMb}m`,
    `-Xms${Math.min(128, options.heapMb)}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${options.log4jFile}`,
    `-Dlog4j2.configurationFile=${options.log4j2File}`,
  ];
}
