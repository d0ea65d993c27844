// PostgreSQL's binary COPY format (PostgreSQL docs, "COPY", "Binary Format"): a header,
// one tuple per row (field count, then each field as length + bytes in the type's binary
// send format), and a trailer. Built in one growing buffer: the rows of a ledger batch are
// small and many, and a stream object per row costs more than the encoding itself.

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01 (UTC). */
const POSTGRES_EPOCH_MICROS = 946_684_800_000_000n;
/** pg_type.oid of text, the element type of text[]. */
const TEXT_OID = 25;

/** Rows in PostgreSQL's binary COPY format, built in one buffer. */
export class BinaryCopyEncoder {
  private buffer: Buffer;
  private length = 0;
  private rows = 0;

  constructor(initialBytes = 1 << 16) {
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

  int8(value: number | bigint): this {
    this.reserve(12);
    this.buffer.writeInt32BE(8, this.length);
    if (typeof value === 'number' && Number.isSafeInteger(value)) {
      // Two 32-bit halves: no BigInt per value (high half signed, two's complement).
      const high = Math.floor(value / 2 ** 32);
      this.buffer.writeInt32BE(high, this.length + 4);
      this.buffer.writeUInt32BE(value - high * 2 ** 32, this.length + 8);
    } else {
      this.buffer.writeBigInt64BE(BigInt(value), this.length + 4);
    }
    this.length += 12;
    return this;
  }

  text(value: string): this {
    // One pass over the text when room for its longest UTF-8 form (3 bytes per UTF-16
    // unit) is left: written first, its length after.
    let bytes: number;
    if (this.length + 4 + 3 * value.length <= this.buffer.length) {
      bytes = this.buffer.write(value, this.length + 4, 'utf8');
    } else {
      bytes = Buffer.byteLength(value, 'utf8');
      this.reserve(4 + bytes);
      this.buffer.write(value, this.length + 4, bytes, 'utf8');
    }
    this.buffer.writeInt32BE(bytes, this.length);
    this.length += 4 + bytes;
    return this;
  }

  /** text from its UTF-8 bytes, source[start, end) (framed as bytea is: length, bytes). */
  textFrom(source: Buffer, start: number, end: number): this {
    const bytes = end - start;
    this.reserve(4 + bytes);
    this.buffer.writeInt32BE(bytes, this.length);
    source.copy(this.buffer, this.length + 4, start, end);
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

  /** SQL NULL, in any column. */
  null(): this {
    this.reserve(4);
    this.buffer.writeInt32BE(-1, this.length);
    this.length += 4;
    return this;
  }

  int4(value: number): this {
    this.reserve(8);
    this.buffer.writeInt32BE(4, this.length);
    this.buffer.writeInt32BE(value, this.length + 4);
    this.length += 8;
    return this;
  }

  bool(value: boolean): this {
    this.reserve(5);
    this.buffer.writeInt32BE(1, this.length);
    this.buffer.writeUInt8(value ? 1 : 0, this.length + 4);
    this.length += 5;
    return this;
  }

  /** jsonb from its JSON text (binary format version 1, then the text). */
  jsonb(json: string): this {
    const bytes = Buffer.byteLength(json, 'utf8');
    this.reserve(5 + bytes);
    this.buffer.writeInt32BE(bytes + 1, this.length);
    this.buffer.writeUInt8(1, this.length + 4);
    this.buffer.write(json, this.length + 5, bytes, 'utf8');
    this.length += 5 + bytes;
    return this;
  }

  /** text[] of one dimension (array_send: dimensions, null flag, element type, elements). */
  textArray(values: readonly (string | null)[]): this {
    const elements = values.map((v) => (v === null ? -1 : Buffer.byteLength(v, 'utf8')));
    const body =
      12 + (values.length > 0 ? 8 : 0) + elements.reduce((n, b) => n + 4 + Math.max(b, 0), 0);
    this.reserve(4 + body);
    let at = this.length;
    this.buffer.writeInt32BE(body, at);
    this.buffer.writeInt32BE(values.length > 0 ? 1 : 0, at + 4);
    this.buffer.writeInt32BE(values.includes(null) ? 1 : 0, at + 8);
    this.buffer.writeInt32BE(TEXT_OID, at + 12);
    at += 16;
    if (values.length > 0) {
      this.buffer.writeInt32BE(values.length, at);
      this.buffer.writeInt32BE(1, at + 4);
      at += 8;
    }
    values.forEach((v, i) => {
      this.buffer.writeInt32BE(elements[i], at);
      at += 4;
      if (v !== null) at += this.buffer.write(v, at, elements[i], 'utf8');
    });
    this.length = at;
    return this;
  }

  /** timestamptz from microseconds since 1970-01-01 UTC (sent as micros since 2000-01-01). */
  timestamptzMicros(unixMicros: bigint): this {
    this.reserve(12);
    this.buffer.writeInt32BE(8, this.length);
    this.buffer.writeBigInt64BE(unixMicros - POSTGRES_EPOCH_MICROS, this.length + 4);
    this.length += 12;
    return this;
  }

  /** timestamptz from epoch milliseconds. */
  timestamptz(epochMs: number): this {
    return this.timestamptzMicros(BigInt(Math.round(epochMs * 1000)));
  }

  /**
   * The bytes so far (the header, the first time), handed over: the encoder goes on in a
   * new buffer, so a COPY can send rows while later ones are encoded. `finish` then gives
   * the rest and the trailer.
   */
  take(): Buffer {
    const part = this.buffer.subarray(0, this.length);
    this.buffer = Buffer.allocUnsafe(this.buffer.length);
    this.length = 0;
    return part;
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
