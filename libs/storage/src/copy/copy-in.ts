import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * Runs `COPY ... FROM STDIN (FORMAT binary)` with a payload built in memory, on `client`
 * (inside its transaction, if one is open); resolves to the number of rows copied.
 */
export async function copyIn(client: ClientBase, sql: string, payload: Buffer): Promise<number> {
  const stream = client.query(copyFrom(sql));
  await pipeline(Readable.from([payload]), stream);
  return stream.rowCount;
}

/**
 * Runs `COPY ... FROM STDIN (FORMAT binary)` with a payload made in parts by `nextPart`
 * (undefined when there is no more): each part is sent as soon as it is made, so the server
 * loads one part while the next is made. Resolves to the number of rows copied; rejects
 * with the server's error (the rest of the parts then unmade).
 */
export async function copyInParts(
  client: ClientBase,
  sql: string,
  nextPart: () => Buffer | undefined,
): Promise<number> {
  const stream = client.query(copyFrom(sql));
  let failure: Error | undefined;
  const failed = new Promise<never>((_, reject) => {
    stream.once('error', (error: Error) => {
      failure = error;
      reject(error);
    });
  });
  failed.catch(() => undefined);
  for (let part = nextPart(); part !== undefined; part = nextPart()) {
    stream.write(part);
    // Lets the server's answers in (the COPY's start, or an error) before the next part;
    // after an error the stream is left unended (node-pg has already moved on).
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (failure) throw failure;
  }
  stream.end();
  await Promise.race([once(stream, 'finish'), failed]);
  return stream.rowCount;
}
