// The built ingest as the attacks on its consumer run it (decompression bombs, header
// floods): its own process over one test file's database and topic, with /health on a
// port of its own, started and waited for until it joined its group; and the positions it
// committed per partition, which tell which partitions kept flowing.
import { e2eServices, eventually } from './test-env';
import type { E2eStack } from './e2e-stack';
import { ingestEnvironment, startIngestProcess, type IngestProcess } from './ingest-process';

export interface AttackedIngestOptions {
  dataDir: string;
  healthPort: number;
  /** Names the consumer group (with the time) and the ledger's origin. */
  name: string;
  /** Whether /health says the ingest joined its group. */
  joined: () => Promise<boolean>;
}

/** Starts the built ingest over `stack` (INGEST_STALL_S 5) and waits until it joined. */
export async function startAttackedIngest(
  stack: E2eStack,
  options: AttackedIngestOptions,
): Promise<IngestProcess> {
  const environment = ingestEnvironment({
    databaseUrl: stack.db.url,
    brokers: e2eServices().brokers,
    topic: stack.topic,
    groupId: `${options.name}-${Date.now()}`,
    dataDir: options.dataDir,
    origin: `${options.name}.scantrail.test/ledger`,
  });
  const proc = startIngestProcess({
    env: { ...environment.env, INGEST_PORT: String(options.healthPort), INGEST_STALL_S: '5' },
    label: 'ingest',
  });
  try {
    await eventually(
      async () => ((await options.joined()) ? true : undefined),
      60_000,
      `the ingest joined its group (${proc.output()})`,
    );
  } catch (error) {
    await proc.terminate();
    throw error;
  }
  return proc;
}

/** The next offset the ingest committed for each partition of the stack's topic. */
export async function partitionOffsets(stack: E2eStack): Promise<Record<number, string>> {
  const rows = await stack.db.dataSource.query<{ partition: number; next_offset: string }[]>(
    'SELECT partition, next_offset::text AS next_offset FROM ingest_offsets WHERE topic = $1',
    [stack.topic],
  );
  return Object.fromEntries(rows.map((r) => [r.partition, r.next_offset]));
}
