// @scantrail/kafka: the KafkaJS adapter used by the apps, and the local broker used by
// `npm start` and the end-to-end tests.
export {
  createKafka,
  type BatchConsumer,
  type BatchConsumerOptions,
  type BatchControl,
  type ConsumedBatch,
  type ConsumedMessage,
  type EnsureTopicOptions,
  type KafkaClient,
  type KafkaLogEntry,
  type KafkaLogLevel,
  type KafkaSettings,
  type OutgoingMessage,
  type Producer,
  type ProducerOptions,
} from './kafka-client';
export {
  startLocalKafka,
  type LocalKafka,
  type LocalKafkaExit,
  type LocalKafkaOptions,
} from './local-kafka';
export { type BrokerPorts } from './broker-config';
export { type RetryDelayOptions } from './retry-delay';
export { type PartitionProgress } from './partition-progress';
export { ensureKafkaJars, kafkaToolDir } from './kafka-jars';
