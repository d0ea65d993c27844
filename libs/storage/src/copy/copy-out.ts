import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** The fields of one row of a binary COPY: byte ranges in `buffer` (start -1 for NULL). */
export interface BinaryCopyRow {
  buffer: Buffer;
  /** Start of field i's bytes at [2i], its length at [2i + 1]. */
  fields: Int32Array;
}

const HEADER = 11 + 4 + 4;

/**
 * Streams `COPY (...) TO STDOUT (FORMAT binary)` on its own pooled connection, handing
 * each row's raw field bytes to `onRow` (valid only during the call): no text decoding,
 * no hex for bytea. The COPY runs in a read-only transaction of its own, and `settings`
 * are set local to it (set_config): values for the statement, since COPY takes no bind
 * parameters, and planner settings, none of which outlives the COPY on the pooled
 * connection. Stopping early (the consumer returns, or throws) closes that connection
 * rather than reading the rest.
 */
export async function* copyOutRows(
  db: DataSource,
  sql: string,
  settings: Record<string, string>,
  fieldCount: number,
): AsyncIterable<(onRow: (row: BinaryCopyRow) => void) => void> {
  const pool = (db.driver as PostgresDriver).master as {
    connect(): Promise<PoolClient>;
  };
  const client = await pool.connect();
  let finished = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for (const [name, value] of Object.entries(settings)) {
      await client.query('SELECT set_config($1, $2, true)', [name, value]);
    }
    const stream = client.query(copyTo(sql));
    let rest: Buffer = Buffer.alloc(0);
    let headerRead = false;
    let ended = false;
    const fields = new Int32Array(2 * fieldCount);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buffer = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
      let at = 0;
      if (!headerRead) {
        if (buffer.length < HEADER) {
          rest = buffer;
          continue;
        }
        at = HEADER + buffer.readInt32BE(15);
        headerRead = true;
      }
      const rows: number[] = [];
      // Find the complete rows of this chunk first, then hand them over in one call.
      for (;;) {
        if (at + 2 > buffer.length) break;
        const count = buffer.readInt16BE(at);
        if (count === -1) {
          ended = true;
          at += 2;
          break;
        }
        if (count !== fieldCount)
          throw new Error(`COPY row has ${count} fields, expected ${fieldCount}`);
        let end = at + 2;
        let complete = true;
        for (let f = 0; f < fieldCount; f++) {
          if (end + 4 > buffer.length) {
            complete = false;
            break;
          }
          const length = buffer.readInt32BE(end);
          end += 4 + Math.max(length, 0);
        }
        if (!complete || end > buffer.length) break;
        rows.push(at);
        at = end;
      }
      rest = buffer.subarray(at);
      if (rows.length > 0) {
        yield (onRow) => {
          const row = { buffer, fields };
          for (const start of rows) {
            let p = start + 2;
            for (let f = 0; f < fieldCount; f++) {
              const length = buffer.readInt32BE(p);
              fields[2 * f] = length < 0 ? -1 : p + 4;
              fields[2 * f + 1] = Math.max(length, 0);
              p += 4 + Math.max(length, 0);
            }
            onRow(row);
          }
        };
      }
    }
    if (!ended) throw new Error('COPY ended without its trailer');
    await client.query('COMMIT');
    finished = true;
  } finally {
    // A COPY left mid-way would leave the connection busy: close it instead of reusing it.
    client.release(finished ? undefined : true);
  }
}
