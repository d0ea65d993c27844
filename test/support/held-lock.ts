// What the held-lock attacks on the ingest (test/ingest/*-lock-wait.e2e.ts,
// append-order-wait.e2e.ts) share: another session that holds a lock the ingest needs, the
// log line in which the ingest names that session, the wait counted on /metrics, and the
// events sent while it waits.
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { Client } from 'pg';
import type { RunningIngest } from '../../apps/ingest/src/ingest';
import { eventually } from './test-env';

export interface LockHolder {
  client: Client;
  /** Its backend's pid, as the ingest's log line names it. */
  pid: number;
}

/** A session of `url` under `applicationName`, which the ingest's log line must repeat. */
export async function lockHolder(url: string, applicationName: string): Promise<LockHolder> {
  const client = new Client({ connectionString: url, application_name: applicationName });
  client.on('error', () => undefined); // ended by the database's drop when a case failed
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return { client, pid: rows[0].pid };
}

/**
 * The first line of the ingest's log whose `holders` name the session `pid`, waited for up
 * to 60 s (`what` says which in the timeout). `sessionsOf` reads the sessions a line's
 * `holders` list; by default they are the list itself.
 */
export function lineNamingHolder(
  lines: readonly Record<string, unknown>[],
  pid: number,
  what: string,
  sessionsOf: (holders: unknown[]) => { pid: number }[] = (holders) => holders as { pid: number }[],
): Promise<Record<string, unknown>> {
  return eventually(
    async () =>
      Promise.resolve(
        lines.find(
          (l) => Array.isArray(l.holders) && sessionsOf(l.holders).some((h) => h.pid === pid),
        ),
      ),
    60_000,
    what,
  );
}

/** The value of the unlabelled metric `name` on the ingest's /metrics. */
export async function metricValue(ingest: RunningIngest, name: string): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${ingest.httpPort}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
}

/** `count` study registrations for partition 0, and their event ids in that order. */
export function studyRegistrations(count: number): {
  ids: string[];
  messages: { partition: number; value: Buffer }[];
} {
  const study = 'org.scantrail.study.registered';
  const ids: string[] = [];
  const messages = Array.from({ length: count }, () => {
    const event = cloudEvent(study, exampleData(study)) as { id: string };
    ids.push(event.id);
    return { partition: 0, value: encodeEvent(event) };
  });
  return { ids, messages };
}
