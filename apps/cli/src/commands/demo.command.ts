import { demoEvents } from '@scantrail/demo';
import type { KafkaClient } from '@scantrail/kafka';
import { Progress } from '../progress';

const CHUNK = 1000;

/** Produces the deterministic demo stream to the topic, keyed by subject. */
export async function produceDemo(
  kafka: KafkaClient,
  topic: string,
  events: number,
  seed: number,
  partitions = 3,
): Promise<number> {
  await kafka.ensureTopic(topic, partitions);
  const producer = await kafka.producer();
  const progress = new Progress('producing', events);
  let sent = 0;
  try {
    let chunk: { key: string; value: Buffer }[] = [];
    for (const message of demoEvents({ events, seed })) {
      chunk.push(message);
      if (chunk.length === CHUNK) {
        await producer.send(topic, chunk);
        sent += chunk.length;
        progress.update(sent);
        chunk = [];
      }
    }
    if (chunk.length > 0) {
      await producer.send(topic, chunk);
      sent += chunk.length;
    }
  } finally {
    progress.done();
    await producer.disconnect();
  }
  return sent;
}
