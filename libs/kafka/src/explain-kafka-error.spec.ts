import { explainKafkaError, kafkaRefusalOf, type KafkaSecurity } from './kafka-client';

const PASSWORD = 'never-in-a-message';
const secured: KafkaSecurity = {
  tls: { ca: 'pem' },
  sasl: { mechanism: 'scram-sha-512', username: 'svc-ingest', password: PASSWORD },
};
const kafkaJsError = (name: string, message: string, type?: string): Error =>
  Object.assign(new Error(message), { name, type });

describe('explainKafkaError', () => {
  it('should name the credential settings, not the password, when SASL authentication fails', () => {
    const error = explainKafkaError(
      kafkaJsError('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA512 authentication failed'),
      secured,
    );
    expect(error.message).toMatch(/^Kafka refused the SASL credentials of user "svc-ingest"/);
    expect(error.message).toContain('KAFKA_SASL_PASSWORD');
    expect(error.message).not.toContain(PASSWORD);
    expect((error as Error & { cause?: unknown }).cause).toBeInstanceOf(Error);
  });

  it('should say which rights each app needs when an ACL refuses', () => {
    const error = explainKafkaError(
      kafkaJsError(
        'KafkaJSProtocolError',
        'Not authorized to access topics: [Topic authorization failed]',
        'TOPIC_AUTHORIZATION_FAILED',
      ),
      secured,
    );
    expect(error.message).toContain('the Kafka ACLs do not let user "svc-ingest" do this');
  });

  it('should point at the group ACL when KafkaJS reports a missing coordinator under SASL', () => {
    const missing = kafkaJsError(
      'KafkaJSGroupCoordinatorNotFound',
      'Failed to find group coordinator',
    );
    expect(explainKafkaError(missing, secured, 'g1').message).toContain('READ on group "g1"');
    // Without SASL (the local broker) it means what it says.
    expect(explainKafkaError(missing, undefined, 'g1')).toBe(missing);
  });

  it('should point at KAFKA_SSL_CA_FILE when the broker certificate is not trusted', () => {
    const error = explainKafkaError(
      kafkaJsError('KafkaJSConnectionError', 'self-signed certificate in certificate chain'),
      secured,
    );
    expect(error.message).toContain('KAFKA_SSL_CA_FILE');
  });

  it.each([
    [
      'no client certificate',
      'sslv3 alert bad certificate',
      undefined,
      'requires a client certificate',
    ],
    [
      'an untrusted one',
      'sslv3 alert certificate unknown',
      'pem',
      "refused this client's certificate",
    ],
    [
      'none under TLS 1.3',
      'tlsv13 alert certificate required',
      undefined,
      'requires a client certificate',
    ],
    ['an unknown CA', 'tlsv1 alert unknown ca', 'pem', "refused this client's certificate"],
  ])(
    'should point at KAFKA_SSL_CERT_FILE, not the CA file, when the broker refuses %s',
    (_case, alert, cert, says) => {
      const key = 'KEY-CONTENT-never-in-a-message';
      const error = explainKafkaError(
        kafkaJsError(
          'KafkaJSConnectionError',
          `Connection error: 80BC43FD2E7F0000:error:0A000416:SSL routines:ssl3_read_bytes:${alert}:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 46\n`,
        ),
        { tls: { ca: 'pem', ...(cert ? { cert, key } : {}) } },
      );
      expect(error.message).toContain(says);
      expect(error.message).toContain('KAFKA_SSL_CERT_FILE');
      expect(error.message).not.toContain('KAFKA_SSL_CA_FILE');
      expect(error.message).not.toContain(key);
      // One line: the apps print it after "failed to start: ".
      expect(error.message).not.toContain('\n');
    },
  );

  it('should pass any other error through unchanged', () => {
    const other = new Error('Closed connection');
    expect(explainKafkaError(other, secured)).toBe(other);
  });
});

describe('kafkaRefusalOf', () => {
  const withCertificate: KafkaSecurity = { tls: { ca: 'pem', cert: 'c', key: 'k' } };
  it.each<[string, Error, KafkaSecurity | undefined, string | undefined]>([
    [
      'SASL refused',
      kafkaJsError('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA512 authentication failed'),
      secured,
      'SASL_AUTHENTICATION_FAILED',
    ],
    [
      'the client certificate refused',
      new Error('ssl3_read_bytes:sslv3 alert certificate unknown'),
      withCertificate,
      'CLIENT_CERTIFICATE_REFUSED',
    ],
    [
      'a client certificate required',
      new Error('ssl3_read_bytes:sslv3 alert bad certificate'),
      secured,
      'CLIENT_CERTIFICATE_REQUIRED',
    ],
    [
      "the broker's certificate untrusted",
      new Error('self-signed certificate in certificate chain'),
      secured,
      'BROKER_CERTIFICATE_UNTRUSTED',
    ],
    ['the broker down', new Error('connect ECONNREFUSED 10.0.0.1:9093'), secured, undefined],
    ['a timeout', kafkaJsError('KafkaJSConnectionError', 'Connection timeout'), secured, undefined],
    ['a certificate word without TLS', new Error('certificate unknown'), undefined, undefined],
  ])('should name %s by its refusal code', (_name, error, security, code) => {
    expect(kafkaRefusalOf(error, security)).toBe(code);
  });
});
