import { InvalidArgumentError } from '../errors/read-errors';

/** `instant`: epoch milliseconds a Date can hold (the key of a timestamptz column). */
type Part = 'string' | 'number' | 'instant';
const MAX_DATE_MS = 8.64e15;
type Shape = readonly Part[];
/** The key tuple a shape describes: ['number', 'string'] -> [number, string]. */
export type CursorKey<S extends Shape> = {
  -readonly [I in keyof S]: S[I] extends 'number' | 'instant' ? number : string;
};

/**
 * Opaque keyset cursors: base64url of a JSON array [list name, ...key]. The list name
 * makes a cursor of one list useless in another; decoding checks every part's type, so
 * a forged cursor is refused with BAD_USER_INPUT rather than reaching SQL.
 */
export class CursorCodec<S extends Shape> {
  constructor(
    readonly list: string,
    private readonly shape: S,
  ) {}

  encode(key: CursorKey<S>): string {
    return Buffer.from(JSON.stringify([this.list, ...(key as unknown[])]), 'utf8').toString(
      'base64url',
    );
  }

  /** The key a page starts after: `after` decoded, or undefined when absent (the first page). */
  after(after: string | null | undefined): CursorKey<S> | undefined {
    return after === null || after === undefined ? undefined : this.decode(after);
  }

  /** The error for a cursor this list did not give (BAD_USER_INPUT). */
  refusal(argument = 'after'): InvalidArgumentError {
    return new InvalidArgumentError(
      `${argument}: not a cursor of this ${this.list} list (use an endCursor or edge cursor it returned)`,
    );
  }

  decode(cursor: string, argument = 'after'): CursorKey<S> {
    const invalid = this.refusal(argument);
    if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) throw invalid;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw invalid;
    }
    if (
      !Array.isArray(parsed) ||
      parsed.length !== this.shape.length + 1 ||
      parsed[0] !== this.list
    ) {
      throw invalid;
    }
    const key = parsed.slice(1) as unknown[];
    key.forEach((part, i) => {
      const ok =
        this.shape[i] === 'string'
          ? typeof part === 'string'
          : typeof part === 'number' &&
            Number.isSafeInteger(part) &&
            // A safe integer past a Date's range would reach SQL as an Invalid Date.
            (this.shape[i] === 'number' || Math.abs(part) <= MAX_DATE_MS);
      if (!ok) throw invalid;
    });
    return key as CursorKey<S>;
  }
}
