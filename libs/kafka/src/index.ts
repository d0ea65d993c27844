// @scantrail/kafka: the KafkaJS adapter used by the apps (batch consumer, producer, topics).
export {
  createKafka,
  kafkaLogTo,
  kafkaRefusalOf,
  type KafkaReachability,
  type KafkaRefusal,
  type BatchConsumer,
  type BatchConsumerOptions,
  type BatchControl,
  type ConsumedBatch,
  type ConsumedMessage,
  type EnsureTopicOptions,
  type KafkaClient,
  type KafkaLogEntry,
  type KafkaLogLevel,
  type KafkaSecurity,
  type KafkaSettings,
  type LevelLogger,
  type OutgoingMessage,
  type PositionReset,
  type StoredPartitionPosition,
  type Producer,
  type ProducerOptions,
  type UndecodableBatch,
} from './kafka-client';
export {
  registerCompressionCodecs,
  undecodableBatchCause,
  UndecodableBatchError,
  type CompressionCodecName,
} from './compression-codecs';
export { recordDigest, type PositionResetCause } from './batch-position';
export { type RetryDelayOptions } from './retry-delay';
export { type PartitionProgress } from './partition-progress';
