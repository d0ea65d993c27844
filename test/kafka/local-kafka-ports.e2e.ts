// The local Kafka picks free ports, writes them down, then starts a JVM: a port can be taken
// in between (another server of the machine picked the same free port). The broker then
// exits at start with "Address already in use"; the launcher picks other ports and starts it
// again instead of failing `npm start` or a test run. Starts its own broker.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka } from '@scantrail/kafka';
import { startLocalKafka, type LocalKafka } from '@scantrail/local-kafka';
import { pickedPort } from '../support/picked-ports';

describe('local Kafka whose picked port is taken before the broker binds it', () => {
  let dataDir: string;
  let kafka: LocalKafka | undefined;
  let blocker: Server | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scantrail-kafka-ports-'));
  });
  afterAll(async () => {
    await kafka?.stop();
    await new Promise((done) => (blocker ? blocker.close(done) : done(undefined)));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('should start on other ports, saying so, when its broker port is taken as it starts', async () => {
    const lines: string[] = [];
    const starting = startLocalKafka({ dataDir, log: (line) => lines.push(line) });
    // The ports are written before the JVM starts: take the broker's as soon as it is known.
    const portsFile = join(dataDir, 'ports.json');
    const taken = await pickedPort(portsFile, 'broker');
    // Connections to it (the first broker's own controller, a probe) are dropped at once.
    const server = createServer((socket) => socket.destroy());
    blocker = server;
    await new Promise<void>((listening) => server.listen(taken, '127.0.0.1', listening));

    kafka = await starting;
    expect(kafka.ports.broker).not.toBe(taken);
    expect(lines.some((l) => l.includes(`ports ${taken}/`) && l.includes('were taken'))).toBe(true);
    const client = createKafka({
      brokers: kafka.brokers,
      clientId: 'ports-test',
      logLevel: 'nothing',
    });
    try {
      expect(await client.isReachable()).toBe(true);
    } finally {
      await client.disconnect();
    }
    // The data folder remembers the ports it runs on now, for the next start.
    expect(JSON.parse(readFileSync(portsFile, 'utf8'))).toEqual(kafka.ports);
  }, 180_000);
});
