import { log4jProperties, newClusterId, renderProperties, serverProperties } from './broker-config';

describe('serverProperties', () => {
  const properties = serverProperties({
    ports: { broker: 19092, controller: 19093 },
    logDir: '/tmp/kafka/data',
  });

  it.each([
    ['process.roles', 'broker,controller'],
    ['node.id', '1'],
    ['controller.quorum.voters', '1@127.0.0.1:19093'],
    ['listeners', 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093'],
    ['advertised.listeners', 'PLAINTEXT://127.0.0.1:19092'],
    ['controller.listener.names', 'CONTROLLER'],
    ['log.dirs', '/tmp/kafka/data'],
    ['offsets.topic.replication.factor', '1'],
    ['transaction.state.log.replication.factor', '1'],
    ['transaction.state.log.min.isr', '1'],
    ['offsets.topic.num.partitions', '4'],
    ['group.initial.rebalance.delay.ms', '0'],
    ['auto.create.topics.enable', 'false'],
    ['num.partitions', '1'],
  ])('should set %s to %s when given fixed ports', (key, value) => {
    expect(properties.get(key)).toBe(value);
  });

  it('should keep the log cleaner buffer above the 1 MiB per thread the broker requires', () => {
    const size = Number(properties.get('log.cleaner.dedupe.buffer.size'));
    const threads = Number(properties.get('log.cleaner.threads'));
    expect(size / threads).toBeGreaterThan(1024 * 1024);
    expect(size).toBeLessThanOrEqual(16 * 1024 * 1024);
  });

  it('should never use the name localhost when writing addresses', () => {
    expect(renderProperties(properties)).not.toContain('localhost');
  });
});

describe('renderProperties', () => {
  it('should write one key=value line per entry and escape backslashes when rendering', () => {
    const text = renderProperties(
      new Map([
        ['a', '1'],
        ['log.dirs', 'C:\\kafka'],
      ]),
    );
    expect(text.split('\n').slice(1)).toEqual(['a=1', 'log.dirs=C:\\\\kafka', '']);
  });
});

describe('log4jProperties', () => {
  it('should send the broker log to a file in the given directory and nothing to the console', () => {
    const text = log4jProperties('/data/logs');
    expect(text).toContain('log4j.appender.file.File=/data/logs/server.log');
    expect(text).not.toMatch(/ConsoleAppender/);
  });
});

describe('newClusterId', () => {
  it('should encode 16 bytes as 22 base64url characters when generating an id', () => {
    expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });

  it('should draw again when the id would start with a dash', () => {
    const draws = [Buffer.alloc(16, 0xfb), Buffer.alloc(16, 0x01)];
    const id = newClusterId(() => draws.shift() ?? Buffer.alloc(16));
    expect(draws).toHaveLength(0);
    expect(id.startsWith('-')).toBe(false);
  });
});

/** The secured broker's files and built-in identities, as local-kafka.ts gives them. */
const SECURE = {
  keystoreFile: '/tmp/kafka/tls/broker-keystore.pem',
  caFile: '/tmp/kafka/tls/ca.pem',
  adminPassword: 'admin-secret',
  controllerPassword: 'controller-secret',
};

describe('serverProperties of a secured broker', () => {
  const properties = serverProperties({
    ports: { broker: 19092, controller: 19093 },
    logDir: '/tmp/kafka/data',
    secure: SECURE,
  });

  it('should open no listener without TLS and SASL', () => {
    expect(properties.get('listeners')).toBe(
      'SASL_SSL://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093',
    );
    expect(properties.get('advertised.listeners')).toBe('SASL_SSL://127.0.0.1:19092');
    expect(properties.get('listener.security.protocol.map')).toBe(
      'SASL_SSL:SASL_SSL,CONTROLLER:SASL_SSL',
    );
    expect(renderProperties(properties)).not.toMatch(/PLAINTEXT/);
  });

  it('should take SCRAM-SHA-512 from clients and enforce ACLs with admin the only client super user', () => {
    expect(properties.get('listener.name.sasl_ssl.sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
    expect(properties.get('authorizer.class.name')).toBe(
      'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    );
    expect(properties.get('allow.everyone.if.no.acl.found')).toBe('false');
    expect(properties.get('super.users')).toBe('User:admin;User:controller');
  });

  it('should read the PEM keystore and truststore', () => {
    expect(properties.get('ssl.keystore.type')).toBe('PEM');
    expect(properties.get('ssl.keystore.location')).toBe('/tmp/kafka/tls/broker-keystore.pem');
    expect(properties.get('ssl.truststore.location')).toBe('/tmp/kafka/tls/ca.pem');
  });

  it('should refuse a password that would break out of the JAAS quotes', () => {
    expect(() =>
      serverProperties({
        ports: { broker: 1, controller: 2 },
        logDir: '/x',
        secure: {
          keystoreFile: 'k',
          caFile: 'c',
          adminPassword: 'a" user_evil="x',
          controllerPassword: 'c',
        },
      }),
    ).toThrow(/base64url-like/);
  });
});

describe('serverProperties of a secured broker with more ways in', () => {
  const properties = serverProperties({
    ports: { broker: 19092, controller: 19093, mutualTls: 19094 },
    logDir: '/tmp/kafka/data',
    secure: {
      ...SECURE,
      extraMechanisms: ['SCRAM-SHA-256', 'PLAIN'],
      plainUsers: [{ name: 'ingest', password: 'ingest-secret' }],
    },
  });

  it('should offer every mechanism on the SASL_SSL listener, PLAIN only to its listed users', () => {
    expect(properties.get('listener.name.sasl_ssl.sasl.enabled.mechanisms')).toBe(
      'SCRAM-SHA-512,SCRAM-SHA-256,PLAIN',
    );
    expect(properties.get('listener.name.sasl_ssl.plain.sasl.jaas.config')).toBe(
      'org.apache.kafka.common.security.plain.PlainLoginModule required user_ingest="ingest-secret";',
    );
  });

  it('should require a client certificate on the mutual-TLS listener only, its CN the principal', () => {
    expect(properties.get('listeners')).toBe(
      'SASL_SSL://127.0.0.1:19092,MUTUAL_TLS://127.0.0.1:19094,CONTROLLER://127.0.0.1:19093',
    );
    expect(properties.get('listener.security.protocol.map')).toBe(
      'SASL_SSL:SASL_SSL,MUTUAL_TLS:SSL,CONTROLLER:SASL_SSL',
    );
    expect(properties.get('ssl.client.auth')).toBe('none');
    expect(properties.get('listener.name.mutual_tls.ssl.client.auth')).toBe('required');
    expect(properties.get('ssl.principal.mapping.rules')).toMatch(/^RULE:\^CN=/);
    expect(renderProperties(properties)).not.toMatch(/PLAINTEXT/);
  });

  it('should refuse a PLAIN user name that would break out of the JAAS entry', () => {
    expect(() =>
      serverProperties({
        ports: { broker: 1, controller: 2 },
        logDir: '/x',
        secure: {
          ...SECURE,
          extraMechanisms: ['PLAIN'],
          plainUsers: [{ name: 'x="y" user_evil', password: 'p' }],
        },
      }),
    ).toThrow(/user names/);
  });
});
