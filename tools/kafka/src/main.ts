// CLI for the local broker:
//   node dist/tools/kafka/src/main.js start [--data-dir DIR] [--heap-mb N]
//                                           [--broker-port P --controller-port C]
//   node dist/tools/kafka/src/main.js fetch    (only download the jars)
// `start` prints "KAFKA_BROKERS=127.0.0.1:PORT" on stdout once the broker accepts clients,
// and stays up until SIGINT/SIGTERM. Progress goes to stderr.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureKafkaJars, kafkaToolDir } from './kafka-jars';
import { startLocalKafka } from './local-kafka';

const USAGE = `usage: main.js start [--data-dir DIR] [--heap-mb N] [--broker-port P --controller-port C]
       main.js fetch`;

function log(line: string): void {
  process.stderr.write(`[local-kafka] ${line}\n`);
}

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new Error(`--${name} must be a positive integer, got "${value}"`);
  }
  return parsed;
}

async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      'heap-mb': { type: 'string' },
      'broker-port': { type: 'string' },
      'controller-port': { type: 'string' },
    },
  });
  const brokerPort = positiveInteger('broker-port', values['broker-port']);
  const controllerPort = positiveInteger('controller-port', values['controller-port']);
  if ((brokerPort === undefined) !== (controllerPort === undefined)) {
    throw new Error('--broker-port and --controller-port go together');
  }
  const dataDir = values['data-dir'] ?? join(kafkaToolDir(), '..', '..', '.data', 'kafka');
  const kafka = await startLocalKafka({
    dataDir,
    log,
    heapMb: positiveInteger('heap-mb', values['heap-mb']),
    ports:
      brokerPort !== undefined && controllerPort !== undefined
        ? { broker: brokerPort, controller: controllerPort }
        : undefined,
  });
  process.stdout.write(`KAFKA_BROKERS=${kafka.brokers.join(',')}\n`);

  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const outcome = await Promise.race([signalled, kafka.exited]);
  if (typeof outcome === 'string') {
    log(`${outcome}: stopping the broker`);
    await kafka.stop();
    return 0;
  }
  log(
    `the broker exited by itself (code ${outcome.code}, signal ${outcome.signal}); see ${dataDir}/logs`,
  );
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'fetch':
      log(`jars ready in ${await ensureKafkaJars({ log })}`);
      return 0;
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
