// PostgreSQL binary COPY FROM STDIN over node-pg, without pg-copy-streams (not installed):
// an encoder for the binary tuple format and a minimal node-pg Submittable that speaks the
// COPY sub-protocol (CopyInResponse -> CopyData... -> CopyDone) with a payload in memory.
// Benchmark-only: it leans on node-pg's Connection methods that pg-copy-streams uses too.
import type { Client, Connection, Submittable } from 'pg';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);

/** Rows in PostgreSQL's binary COPY format (header, tuples, trailer), built in one buffer. */
export class BinaryCopyEncoder {
  private buffer: Buffer;
  private length = 0;
  private rows = 0;

  constructor(initialBytes = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialBytes, 64));
    SIGNATURE.copy(this.buffer, 0);
    this.buffer.writeInt32BE(0, 11); // flags: no OIDs
    this.buffer.writeInt32BE(0, 15); // header extension length
    this.length = 19;
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Starts a tuple of `fields` columns. */
  row(fields: number): this {
    this.reserve(2);
    this.buffer.writeInt16BE(fields, this.length);
    this.length += 2;
    this.rows += 1;
    return this;
  }

  int8(value: number): this {
    this.reserve(12);
    this.buffer.writeInt32BE(8, this.length);
    this.buffer.writeBigInt64BE(BigInt(value), this.length + 4);
    this.length += 12;
    return this;
  }

  text(value: string): this {
    const bytes = Buffer.byteLength(value, 'utf8');
    this.reserve(4 + bytes);
    this.buffer.writeInt32BE(bytes, this.length);
    this.buffer.write(value, this.length + 4, bytes, 'utf8');
    this.length += 4 + bytes;
    return this;
  }

  bytea(value: Uint8Array): this {
    this.reserve(4 + value.length);
    this.buffer.writeInt32BE(value.length, this.length);
    this.buffer.set(value, this.length + 4);
    this.length += 4 + value.length;
    return this;
  }

  /** timestamptz: microseconds since 2000-01-01 UTC (integer datetimes). */
  timestamptz(epochMs: number): this {
    this.reserve(12);
    this.buffer.writeInt32BE(8, this.length);
    this.buffer.writeBigInt64BE(
      BigInt(Math.round((epochMs - POSTGRES_EPOCH_MS) * 1000)),
      this.length + 4,
    );
    this.length += 12;
    return this;
  }

  /** The finished payload (trailer added); the encoder must not be used afterwards. */
  finish(): Buffer {
    this.reserve(2);
    this.buffer.writeInt16BE(-1, this.length);
    this.length += 2;
    return this.buffer.subarray(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }
}

/** The node-pg Connection methods of the COPY sub-protocol (present since pg 7, untyped). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

function copyConnection(connection: Connection): CopyConnection {
  const c = connection as unknown as Partial<CopyConnection>;
  if (typeof c.sendCopyFromChunk !== 'function' || typeof c.endCopyFrom !== 'function') {
    throw new Error('this node-pg version has no COPY methods on its Connection');
  }
  return c as CopyConnection;
}

const CHUNK = 1 << 20;

/** One COPY ... FROM STDIN statement; node-pg calls these handlers as the server answers. */
class CopyFromStdin implements Submittable {
  private copied = 0;

  constructor(
    private readonly sql: string,
    private readonly payload: Buffer,
    private readonly resolve: (rows: number) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  submit(connection: Connection): void {
    copyConnection(connection).query(this.sql);
  }

  handleCopyInResponse(connection: Connection): void {
    const c = copyConnection(connection);
    for (let offset = 0; offset < this.payload.length; offset += CHUNK) {
      c.sendCopyFromChunk(this.payload.subarray(offset, offset + CHUNK));
    }
    c.endCopyFrom();
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /^COPY (\d+)$/.exec(message.text ?? '');
    this.copied = match ? Number(match[1]) : 0;
  }

  handleReadyForQuery(): void {
    this.resolve(this.copied);
  }

  handleError(error: Error): void {
    this.reject(error);
  }

  // A COPY FROM statement returns no rows; these exist because node-pg calls them.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(_message: unknown, connection: Connection): void {
    copyConnection(connection).sendCopyFail('COPY TO is not supported here');
  }
}

/** Runs `COPY <table> (<columns>) FROM STDIN (FORMAT binary)` with `payload`; resolves to the rows copied. */
export function copyIn(client: Client, sql: string, payload: Buffer): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    client.query(new CopyFromStdin(sql, payload, resolve, reject));
  });
}
