// What of an error may reach a log line. pino's standard `err` serializer copies every
// enumerable property, and TypeORM's QueryFailedError carries the statement's `parameters`
// (whole ledger entries) and the driver error; PostgreSQL's messages quote the refused value
// ('invalid input syntax for type ...: "<value>"'). Logs keep the kind, the SQLSTATE and
// the message with quoted values withheld: enough to act on, nothing of the event.
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';

/** Words after which PostgreSQL quotes a name (of a schema object), not a value. */
const NAME_BEFORE_QUOTE =
  /\b(?:relation|constraint|column|table|index|function|type|schema|trigger|sequence|domain|database|role|operator|extension|publication|savepoint|cursor|statement)\s+$/i;

/** Replaces every double-quoted value in a PostgreSQL message by "…", keeping quoted names. */
export function withholdQuotedValues(message: string): string {
  return message.replace(/"(?:[^"]|"")*"/g, (quoted, at: number) =>
    NAME_BEFORE_QUOTE.test(message.slice(Math.max(0, at - 40), at)) && quoted.length <= 65
      ? quoted
      : '"…"',
  );
}

/**
 * A quarantine reason as a log line may carry it: its category and what it says, with every
 * JSON string it quotes withheld. The decoder quotes a few attribute values of the envelope
 * (an unknown `type`, a `time` it cannot read) for whoever inspects the quarantined message,
 * which holds the raw bytes anyway; a log reaches more people, so it names the fault only.
 * A database refusal's reason is already without values (withholdQuotedValues keeps the names
 * of constraints and columns), so it stays as it is.
 */
export function logSafeReason(reason: string, maxLength = 200): string {
  const safe = reason.startsWith('rejected_by_database: ')
    ? reason
    : reason.replace(/"(?:[^"\\]|\\.)*"?/g, '"…"');
  return safe.slice(0, maxLength);
}

/** A PostgreSQL SQLSTATE: five digits or upper-case letters. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export interface SafeErrorFields {
  type: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: SafeErrorFields;
}

const MAX_CAUSE_DEPTH = 3;

/** The loggable fields of an error: never its properties (parameters, query, driverError). */
export function safeErrorFields(error: unknown, depth = 0): SafeErrorFields {
  if (!(error instanceof Error)) {
    return { type: typeof error, message: 'a non-Error value was thrown' };
  }
  const code = sqlStateOf(error) ?? stringCode(error);
  // Messages of database errors may quote values; other messages are written by code.
  const message = sqlStateOf(error) ? withholdQuotedValues(error.message) : error.message;
  const fields: SafeErrorFields = { type: error.name, message };
  if (code !== undefined) fields.code = code;
  // The stack's first line repeats the message: keep only the frames.
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line));
  if (frames && frames.length > 0) fields.stack = frames.join('\n');
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH)
    fields.cause = safeErrorFields(error.cause, depth + 1);
  return fields;
}

function stringCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  // Node's own codes (ECONNREFUSED, ERR_...) say what happened and carry no data.
  return typeof code === 'string' && /^[A-Z_0-9]{2,40}$/.test(code) ? code : undefined;
}

/**
 * Where our code failed on an input, for the operator who must fix it (the ingest's
 * `unprocessable` messages, before `cli quarantine-replay --reason unprocessable`): the
 * error's kind and the places in our code and Node's it was thrown through
 * (file:line:column). Nothing an error's message or a function's name could carry from the
 * input, unlike safeErrorFields, which keeps a message written by code and the frames' names.
 */
export interface Fault {
  type: string;
  frames: string[];
}

/** At most this many frames are kept (V8 records 10 by default: Error.stackTraceLimit). */
const FAULT_FRAMES = 10;

/** An error's kind as code names it: an identifier, else `Error`. */
const KIND = /^[A-Za-z_$][\w$]{0,63}$/;

/**
 * The fault of `error`, never throwing (a throw here would leave the message to be retried
 * for ever). V8's stack is the error's text (which may quote the content, over several lines)
 * and then its frames; only what follows that text is read, and only when every line of it
 * is a frame (so a stack extended by hand, or a message shortened after the throw that left
 * lines of the old one, gives none). Of each frame only its place is kept, and only a place
 * in a file of this machine or in Node itself: a function's name may come from the content
 * (`{ [key]: () => ... }`), and so may a file named in a message line that imitates a frame.
 */
export function faultOf(error: unknown): Fault {
  try {
    if (!(error instanceof Error)) return { type: typeof error, frames: [] };
    const name: unknown = error.name;
    const type = typeof name === 'string' && KIND.test(name) ? name : 'Error';
    const stack: unknown = error.stack;
    const message: unknown = error.message;
    if (typeof stack !== 'string' || typeof message !== 'string' || typeof name !== 'string') {
      return { type, frames: [] };
    }
    const text = message === '' ? name : `${name}: ${message}`;
    const rest = stack.slice(text.length);
    if (!stack.startsWith(text) || !(rest === '' || rest.startsWith('\n'))) {
      return { type, frames: [] };
    }
    const lines = rest.split('\n').slice(1);
    const places = lines.map(placeOf);
    if (places.some((place) => place === undefined)) return { type, frames: [] };
    return { type, frames: (places as string[]).slice(0, FAULT_FRAMES) };
  } catch {
    return { type: 'Error', frames: [] };
  }
}

/**
 * `    at fn (place)` or `    at place`: the place (file:line:column) when its file is Node's
 * own or one on this machine (read only on a fault), else `?`; undefined: not a frame.
 */
function placeOf(line: string): string | undefined {
  const frame = /^\s+at (?:.*\((.+)\)|(.+))$/.exec(line);
  if (frame === null) return undefined;
  const place = (frame[1] ?? frame[2]).trim();
  const at = /^(.+):(\d+):(\d+)$/.exec(place);
  if (at === null) return place === 'native' || place === '<anonymous>' ? place : '?';
  const file = at[1];
  const known = file.startsWith('node:') || (isAbsolute(file) && existsSync(file));
  return known ? place : '?';
}
