// KafkaJS directly, only to create a topic with max.message.bytes (the adapter's ensureTopic
// takes no topic configuration), so that the broker accepts values or headers of megabytes.
import { Kafka, logLevel } from 'kafkajs';
import { e2eServices } from './test-env';

/** The largest message such a topic accepts. */
export const LARGE_MESSAGE_BYTES = 8 * 1024 * 1024;

/** Creates a one-partition topic taking messages up to LARGE_MESSAGE_BYTES. */
export async function createLargeMessageTopic(topic: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'e2e-topic-admin',
    brokers: e2eServices().brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'max.message.bytes', value: String(LARGE_MESSAGE_BYTES) }],
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}
