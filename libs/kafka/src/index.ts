// @scantrail/kafka: the KafkaJS adapter used by the apps (batch consumer, producer, topics).
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
export { type RetryDelayOptions } from './retry-delay';
export { type PartitionProgress } from './partition-progress';
