// @scantrail/local-kafka: development tooling. An Apache Kafka broker under the data
// directory for `npm start`, the CLI on a laptop (no KAFKA_BROKERS), the end-to-end tests
// and the benchmarks. Production sets KAFKA_BROKERS.
export {
  startLocalKafka,
  type LocalKafka,
  type LocalKafkaExit,
  type LocalKafkaOptions,
  type LocalKafkaSecurity,
  type ScramUser,
} from './local-kafka';
export { type BrokerPorts } from './broker-config';
export { selfSignedCertificate } from './broker-tls';
export { ensureKafkaJars, kafkaToolDir } from './kafka-jars';
export { resolveKafkaBrokers, runningLocalBrokers, type ResolvedBrokers } from './local-brokers';
