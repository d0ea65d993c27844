import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import {
  decodeEventMessage,
  MAX_REDACTED_CHARS,
  pseudonymizeEvent,
  RedactedTextTooLarge,
  subjectOf,
} from '@scantrail/contract';
import { MAX_ENTRY_LENGTH } from '@scantrail/ledger';
import { prepareLeafData, type PendingEntry } from '@scantrail/storage';

/**
 * A Kafka message's value as the ledger records it (decoded, validated, pseudonymized,
 * its subject and the digest of the bytes received), or why it is refused. The ingest's
 * batch recorder and the benchmarks' loaders build entries only through this.
 */
export function pendingEntryOf(
  value: Buffer | null,
  pseudonymKey: Buffer,
): { entry: PendingEntry } | { reason: string; fault?: Fault } {
  try {
    return preparedEntryOf(value, pseudonymKey);
  } catch (error) {
    if (error instanceof RedactedTextTooLarge) {
      return {
        reason: `too_large: with the patient identifier its free text repeats replaced by its pseudonym, a field would pass ${MAX_REDACTED_CHARS} characters, more than an entry frames`,
      };
    }
    // A fault of ours that a message's content sets off must not stall its partition (the
    // consumer would retry it for ever): the message is quarantined, saying so. The error's
    // text may quote the content, so only its kind is kept, with its stack frames for the log.
    const fault = faultOf(error);
    return {
      reason: `${UNPROCESSABLE}: preparing the ledger entry failed (${fault.type})`,
      fault,
    };
  }
}

/**
 * Where our code failed on a message, for the operator who must fix it before replaying
 * (`cli quarantine-replay --reason unprocessable`): the error's kind and the places in our
 * code and Node's it was thrown through (file:line:column). Nothing an error's message or a
 * function's name could carry from the content.
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

/** The quarantine reason's category for a message our own code failed on. */
export const UNPROCESSABLE = 'unprocessable';

function preparedEntryOf(
  value: Buffer | null,
  pseudonymKey: Buffer,
): { entry: PendingEntry } | { reason: string } {
  const decoded = decodeEventMessage(value);
  if (!decoded.ok) return { reason: decoded.reason };
  const event = pseudonymizeEvent(decoded.event, pseudonymKey);
  return {
    // The leaf data's template made here, outside the transaction and its lock.
    entry: prepareLeafData({
      source: event.source,
      id: event.id,
      type: event.type,
      time: event.time,
      subject: subjectOf(event),
      data: event.data,
      payloadDigest: createHash('sha256')
        .update(value ?? Buffer.alloc(0))
        .digest('hex'),
    }),
  };
}

/** The quarantine reason of an entry appendBatch refused as oversized. */
export function tooLargeReason(leafBytes: number): string {
  return `too_large: its ledger entry would be ${leafBytes} bytes of leaf data > ${MAX_ENTRY_LENGTH} (the most a C2SP entry bundle frames)`;
}
