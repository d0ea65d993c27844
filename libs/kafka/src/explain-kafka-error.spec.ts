import { explainKafkaError, type KafkaSecurity } from './kafka-client';

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

  it('should pass any other error through unchanged', () => {
    const other = new Error('Closed connection');
    expect(explainKafkaError(other, secured)).toBe(other);
  });
});
