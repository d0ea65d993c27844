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
