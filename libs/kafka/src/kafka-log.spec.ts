import { Writable } from 'node:stream';
import pino from 'pino';
import { kafkaLogTo } from './kafka-client';

describe('kafkaLogTo', () => {
  it("should write KafkaJS's lines into the app's pino logger at their level, named by namespace", () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const log = kafkaLogTo(pino({ level: 'info' }, sink));
    log({
      level: 'error',
      namespace: 'Connection',
      message: 'Connection error: connect ECONNREFUSED 127.0.0.1:1',
      extra: { broker: '127.0.0.1:1', clientId: 'scantrail-ingest' },
    });
    log({ level: 'warn', namespace: 'Runner', message: 'rebalancing', extra: {} });
    log({ level: 'debug', namespace: 'Fetcher', message: 'below the level', extra: {} });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        logger: 'kafkajs.Connection',
        broker: '127.0.0.1:1',
        clientId: 'scantrail-ingest',
        msg: 'Connection error: connect ECONNREFUSED 127.0.0.1:1',
      }),
      expect.objectContaining({ level: 40, logger: 'kafkajs.Runner', msg: 'rebalancing' }),
    ]);
  });
});
