import {
  chainHash,
  decodeLeafData,
  encodeLeafData,
  hashesToAppend,
  leafDataAt,
  leafDataTemplate,
  leafHash,
  leafHashOfPrefixed,
  MAX_ENTRY_LENGTH,
  rightEdgeIndexes,
  storedHashCount,
  ZERO_CHAIN_HASH,
  type LeafDataTemplate,
  type LeafFields,
} from '@scantrail/ledger';
import type { ClientBase } from 'pg';
import type { EntityManager } from 'typeorm';
import type { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { BinaryCopyEncoder } from '../copy/binary-copy.encoder';
import { copyIn, copyInParts } from '../copy/copy-in';
import { rfc3339Micros } from '../copy/timestamp-micros';
import { type LedgerLog } from './ledger-log';
import { takeLedgerLockSql } from './ledger-lock';
import { storedHashReader } from './stored-hash-reader';

/** An event ready to be recorded: validated, with patient identifiers pseudonymized. */
export type PendingEntry = Omit<LeafFields, 'sequence'>;

export interface RecordedEntry extends PendingEntry {
  sequence: number;
  leafData: string;
  leafHash: Buffer;
  chainHash: Buffer;
}

export interface OversizedEntry {
  entry: PendingEntry;
  /** Bytes of the leaf data it would have had. */
  leafBytes: number;
}

export interface AppendResult {
  appended: RecordedEntry[];
  /** Entries whose (source, id) was already recorded, or repeated within the batch. */
  duplicates: number;
  /**
   * Entries refused because their leaf data would exceed what a C2SP entry bundle frames
   * (CONTRACT section 4): they take no sequence; the caller quarantines them.
   */
  oversized: OversizedEntry[];
  /**
   * Duplicates whose content is not that of the entry recorded (or kept earlier in the batch)
   * under their (source, id): the first stays and these are dropped, as every duplicate is
   * (CONTRACT section 1), but a producer re-used an event id, which an operator should hear.
   * Content is everything but the digest of the bytes received: a re-published event in
   * other JSON formatting is the same event.
   */
  conflicts: DuplicateConflict[];
}

export interface DuplicateConflict {
  entry: PendingEntry;
  /** The sequence of the entry recorded under its (source, id); absent: one of this batch. */
  recordedSequence?: number;
}

/**
 * An entry's content as recorded, but for its sequence and the digest of its bytes. A
 * spread: it carries no prepared template (prepareLeafData's is not enumerable), and it runs
 * for duplicates only, where V8's slower spread does not matter.
 */
function contentOf(entry: PendingEntry): string {
  return encodeLeafData({ ...entry, payloadDigest: '', sequence: 0 });
}

/** The key of an event in the ledger: its (source, id). */
function keyOf(entry: PendingEntry): string {
  return `${entry.source}\u0000${entry.id}`;
}

/**
 * Whether `entry`'s leaf data passes MAX_ENTRY_LENGTH even at a one-digit sequence, from its
 * prepared template (false when it has none: then only numbering finds out).
 */
function tooLargeAtAnySequence(entry: PendingEntry): boolean {
  const made = (entry as Prepared)[LEAF_TEMPLATE];
  return made != null && made.head.length + made.tail.length + 1 > MAX_ENTRY_LENGTH;
}

/**
 * The copies among `entries` (each of an event the ledger holds under its (source, id))
 * whose stored entry has other content: one read of their stored leaves, only when a batch
 * holds such copies.
 */
async function conflictsWithLedger(
  client: ClientBase,
  entries: readonly PendingEntry[],
): Promise<DuplicateConflict[]> {
  const { rows } = await client.query<{
    sequence: string;
    source: string;
    event_id: string;
    leaf_data: string;
  }>(
    `SELECT e.sequence::text AS sequence, e.source, e.event_id, e.leaf_data FROM ledger_entries e
       JOIN unnest($1::text[], $2::text[]) AS u(source, event_id)
         ON e.source = u.source AND e.event_id = u.event_id`,
    [entries.map((e) => e.source), entries.map((e) => e.id)],
  );
  const stored = new Map<string, { sequence: number; content: string }>();
  for (const r of rows) {
    let content: string;
    try {
      content = contentOf(decodeLeafData(r.leaf_data));
    } catch {
      // A stored leaf that does not decode is verify's to report; this batch must go on (a
      // throw here would fail it again at every retry and stall the partition).
      continue;
    }
    stored.set(`${r.source}\u0000${r.event_id}`, { sequence: Number(r.sequence), content });
  }
  const conflicts: DuplicateConflict[] = [];
  for (const entry of entries) {
    const found = stored.get(`${entry.source}\u0000${entry.id}`);
    if (found !== undefined && found.content !== contentOf(entry)) {
      conflicts.push({ entry, recordedSequence: found.sequence });
    }
  }
  return conflicts;
}

/**
 * Where prepareLeafData keeps an entry's template: a non-enumerable property, so that a
 * copy of the entry (a spread, a changed field) does not carry it. (A WeakMap by entry
 * did the same, but its ephemerons cost the garbage collector more than the template saved.)
 */
const LEAF_TEMPLATE = Symbol('leafTemplate');

/** An entry's leaf data template, its two parts also as UTF-8 (copied, not encoded, later). */
interface PreparedLeaf {
  template: LeafDataTemplate;
  head: Buffer;
  tail: Buffer;
}
type Prepared = PendingEntry & { readonly [LEAF_TEMPLATE]?: PreparedLeaf | null };

/**
 * Makes the part of `entry`'s leaf data that does not depend on its sequence (the canonical
 * JSON of its fields, leafDataTemplate, and its UTF-8 bytes) now, so that appendBatch,
 * under the log's lock, only joins it with the sequence. For entries made outside a
 * transaction (the ingest decodes a batch while the one before it is in PostgreSQL). Returns
 * the entry, frozen: it must not change after it (nor its data, which is not frozen).
 */
export function prepareLeafData(entry: PendingEntry): PendingEntry {
  // Prepared already, or frozen by its maker (left as it is: made under the lock).
  if (Object.hasOwn(entry, LEAF_TEMPLATE) || Object.isFrozen(entry)) return entry;
  const template = leafDataTemplate(entry);
  const prepared: PreparedLeaf | null = template
    ? {
        template,
        head: Buffer.from(template.head, 'utf8'),
        tail: Buffer.from(template.tail, 'utf8'),
      }
    : null;
  Object.defineProperty(entry, LEAF_TEMPLATE, { value: prepared });
  // Its text fields can no longer change under the template (its data is the caller's word).
  return Object.freeze(entry);
}

/** The canonical leaf data of CONTRACT.md section 4 that `entry` gets at `sequence`. */
export function leafDataOf(entry: PendingEntry, sequence: number): string {
  const made = (entry as Prepared)[LEAF_TEMPLATE];
  const template = made === undefined ? leafDataTemplate(entry) : made?.template;
  return template
    ? leafDataAt(template, sequence)
    : encodeLeafData({
        data: entry.data,
        id: entry.id,
        payloadDigest: entry.payloadDigest,
        sequence,
        source: entry.source,
        subject: entry.subject,
        time: entry.time,
        type: entry.type,
      });
}

interface BatchHead {
  head_sequence: string | null;
  head_chain: Buffer | null;
  /** 1-based positions (in the unique entries) whose (source, id) is already recorded. */
  recorded: number[];
}

/** The last entry's sequence and chain hash (nulls when the log is empty). */
const HEAD_SQL = `SELECT (SELECT e.sequence::text FROM ledger_entries e ORDER BY e.sequence DESC LIMIT 1) AS head_sequence,
        (SELECT e.chain_hash FROM ledger_entries e ORDER BY e.sequence DESC LIMIT 1) AS head_chain`;

const ENTRY_COLUMNS =
  'sequence, source, event_id, type, time, occurred_at, subject, leaf_data, leaf_hash, chain_hash';

/** The pg client under a TypeORM transaction: COPY is not reachable through `query`. */
async function transactionClient(manager: EntityManager): Promise<ClientBase> {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) {
    throw new Error('appendBatch must run inside a transaction (dataSource.transaction)');
  }
  return (await (runner as PostgresQueryRunner).connect()) as ClientBase;
}

/**
 * What this process last appended to a log: the tree's size, its head chain hash and the
 * stored hashes of its right edge (the maximal complete subtrees). Only a hint: it is used
 * when the head read under the lock has exactly that size and chain hash, and the chain
 * hash commits to every entry before it, so the tree (and its right edge) is the same one,
 * whichever process wrote it; after another writer, a rollback or a restart it simply
 * does not match and the stored hashes are read instead.
 */
interface AppendedTip {
  size: number;
  chain: Buffer;
  rightEdge: Map<number, Buffer>;
  /** Batches in a row whose entries were all new (none already recorded). */
  allNew: number;
}

/**
 * After this many batches in a row with nothing already recorded, a batch skips the
 * duplicate check and lets the unique constraint find a recorded (source, id) instead,
 * inside a savepoint; if it does, the batch is rolled back to the savepoint and appended
 * the checked way, and the count starts again.
 */
const UNCHECKED_AFTER = 8;
const SAVEPOINT = 'scantrail_append_batch';
const tips = new WeakMap<LedgerLog, AppendedTip>();

/** The entries from `from` on, numbered from `sequence` after the chain hash `previous`. */
interface Numbering {
  appended: RecordedEntry[];
  oversized: OversizedEntry[];
  /** appended/oversized as they stood before each entry, to resume from there. */
  marks: { appended: number; oversized: number; chain: Buffer }[];
  chain: Buffer;
}

function number(
  entries: readonly PendingEntry[],
  from: number,
  firstSequence: number,
  previousChain: Buffer,
  into: Numbering,
  until = entries.length,
): void {
  let previous = previousChain;
  for (let i = from; i < until; i++) {
    into.marks[i] = {
      appended: into.appended.length,
      oversized: into.oversized.length,
      chain: previous,
    };
    const entry = entries[i];
    const sequence = firstSequence + into.appended.length;
    const leafData = leafDataOf(entry, sequence);
    const leafBytes = Buffer.byteLength(leafData, 'utf8');
    if (leafBytes > MAX_ENTRY_LENGTH) {
      into.oversized.push({ entry, leafBytes });
      continue;
    }
    const leaf = leafHash(leafData);
    previous = chainHash(previous, leaf);
    into.appended.push(recorded(entry, sequence, leafData, leaf, previous));
  }
  into.chain = previous;
}

/** The entry as recorded: its fields, its sequence, leaf data and hashes. */
function recorded(
  entry: PendingEntry,
  sequence: number,
  leafData: string,
  leafHash: Buffer,
  chainHash: Buffer,
): RecordedEntry {
  return {
    source: entry.source,
    id: entry.id,
    type: entry.type,
    time: entry.time,
    subject: entry.subject,
    data: entry.data,
    payloadDigest: entry.payloadDigest,
    sequence,
    leafData,
    leafHash,
    chainHash,
  };
}

/** The leaf prefix 0x00 and a leaf's UTF-8 bytes, grown to the longest leaf so far. */
let leafScratch = Buffer.alloc(4096);

/**
 * Writes the leaf prefix and `entry`'s leaf data at `sequence` into leafScratch; returns
 * the text and where its bytes end. A prepared entry's bytes are copied from its template's
 * (prepareLeafData); any other's text is made and written in one UTF-8 write (joining the
 * template's parts first costs less than three writes).
 */
function leafInScratch(entry: PendingEntry, sequence: number): { leafData: string; end: number } {
  const prepared = (entry as Prepared)[LEAF_TEMPLATE];
  if (prepared) {
    const digits = String(sequence); // ASCII: a byte each
    const headEnd = 1 + prepared.head.length;
    const end = headEnd + digits.length + prepared.tail.length;
    growLeafScratch(end);
    leafScratch[0] = 0x00;
    prepared.head.copy(leafScratch, 1);
    leafScratch.write(digits, headEnd, 'latin1');
    prepared.tail.copy(leafScratch, headEnd + digits.length);
    return { leafData: leafDataAt(prepared.template, sequence), end };
  }
  const leafData = leafDataOf(entry, sequence);
  growLeafScratch(1 + 3 * leafData.length);
  leafScratch[0] = 0x00;
  return { leafData, end: 1 + leafScratch.write(leafData, 1, 'utf8') };
}

function growLeafScratch(bytes: number): void {
  if (leafScratch.length < bytes)
    leafScratch = Buffer.alloc(Math.max(bytes, 2 * leafScratch.length));
}

/**
 * Numbers the entries [from, until) of a batch whose instants are all read (`instants`,
 * by position) after `into.chain`, and writes each one's row into `rows` as it goes. The
 * leaf data is encoded once, as UTF-8 after the leaf prefix; the leaf hash is taken over
 * those bytes and the row's leaf_data copies them (it was encoded for the hash, counted,
 * and encoded again for the row). The same rows, hashes and entries as `number` followed
 * by `encodeEntry`; entries too long take no sequence and no row (oversized).
 */
function numberAndEncode(
  rows: BinaryCopyEncoder,
  entries: readonly PendingEntry[],
  instants: readonly (bigint | undefined)[],
  from: number,
  until: number,
  firstSequence: number,
  into: Numbering,
): void {
  let previous = into.chain;
  for (let i = from; i < until; i++) {
    const entry = entries[i];
    const sequence = firstSequence + into.appended.length;
    const { leafData, end } = leafInScratch(entry, sequence);
    const leafBytes = end - 1;
    if (leafBytes > MAX_ENTRY_LENGTH) {
      into.oversized.push({ entry, leafBytes });
      continue;
    }
    const leaf = leafHashOfPrefixed(leafScratch.subarray(0, end));
    previous = chainHash(previous, leaf);
    into.appended.push(recorded(entry, sequence, leafData, leaf, previous));
    rows
      .row(10)
      .int8(sequence)
      .text(entry.source)
      .text(entry.id)
      .text(entry.type)
      .text(entry.time)
      .timestamptzMicros(instants[i] as bigint)
      .text(entry.subject)
      .textFrom(leafScratch, 1, end)
      .bytea(leaf)
      .bytea(previous);
  }
  into.chain = previous;
}

/**
 * Numbers, hashes and writes a batch in the caller's transaction. The advisory lock makes
 * one sequencer at a time per log, across processes, until the transaction ends; the
 * (source, id) idempotency check happens under it, so concurrent ingests cannot both
 * record an event. Rows go in by binary COPY (the same rows an INSERT would write, and the
 * same unique constraint and triggers apply).
 *
 * While PostgreSQL runs the duplicate check, the entries are numbered and hashed on the
 * guess that none is recorded yet and that the log still ends where this process's last
 * append left it; the check's answer keeps that work up to the first entry it changes.
 */
export async function appendBatch(
  manager: EntityManager,
  log: LedgerLog,
  entries: readonly PendingEntry[],
): Promise<AppendResult> {
  if (entries.length === 0) return { appended: [], duplicates: 0, oversized: [], conflicts: [] };
  const client = await transactionClient(manager);

  const seen = new Map<string, PendingEntry>();
  // Later copies of an event in this batch, with the first one, which they do not replace.
  const copies: { entry: PendingEntry; first: PendingEntry }[] = [];
  const unique = entries.filter((e) => {
    // A copy too large for any entry does not claim its (source, id): a later copy that
    // fits is recorded in its place, as it would be had the two come in different batches.
    if (tooLargeAtAnySequence(e)) return true;
    const key = keyOf(e);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, e);
      return true;
    }
    copies.push({ entry: e, first });
    return false;
  });
  /** Copies of a first one that is not recorded already, with other content than it. */
  const conflictsInBatch = (firstRecorded: (first: PendingEntry) => boolean): DuplicateConflict[] =>
    copies
      .filter(({ entry, first }) => !firstRecorded(first) && contentOf(first) !== contentOf(entry))
      .map(({ entry }) => ({ entry }));
  const lastTip = tips.get(log);
  if (lastTip && lastTip.allNew >= UNCHECKED_AFTER) {
    // Takes the lock; undefined when the batch is to be appended the checked way. Appended
    // this way, no (source, id) of the batch was recorded before.
    const result = await appendUnchecked(client, log, lastTip, unique, entries.length);
    if (result) return { ...result, conflicts: conflictsInBatch(() => false) };
  } else {
    await client.query(takeLedgerLockSql(log.lockKey));
  }
  const tip = tips.get(log);
  // One round trip for the duplicate check and the head, after the lock (READ COMMITTED:
  // this statement's snapshot sees every append committed before the lock was granted).
  const checking = client.query<BatchHead>(
    `SELECT (SELECT e.sequence::text FROM ledger_entries e ORDER BY e.sequence DESC LIMIT 1) AS head_sequence,
            (SELECT e.chain_hash FROM ledger_entries e ORDER BY e.sequence DESC LIMIT 1) AS head_chain,
            ARRAY(SELECT u.ord::int
                    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(source, event_id, ord)
                   WHERE EXISTS (SELECT 1 FROM ledger_entries e
                                  WHERE e.source = u.source AND e.event_id = u.event_id)) AS recorded`,
    [unique.map((e) => e.source), unique.map((e) => e.id)],
  );
  const guess: Numbering = {
    appended: [],
    oversized: [],
    marks: [],
    chain: ZERO_CHAIN_HASH,
  };
  if (tip) number(unique, 0, tip.size, tip.chain, guess);
  const { rows } = await checking;
  const { head_sequence: headSequence, head_chain: headChain, recorded } = rows[0];
  const oldSize = headSequence === null ? 0 : Number(headSequence) + 1;
  const headKnown =
    tip !== undefined && tip.size === oldSize && tip.chain.equals(headChain ?? ZERO_CHAIN_HASH);

  const known = new Set(recorded);
  const fresh = unique.filter((_, i) => !known.has(i + 1));
  const duplicates = entries.length - fresh.length;
  // Counted for the next batches; kept only while the head is this process's tip.
  const allNew = recorded.length === 0 && headKnown ? tip.allNew + 1 : 0;
  if (tip) tip.allNew = headKnown ? allNew : 0;
  // A copy of an event recorded before is compared with that entry, whichever copy of the
  // batch came first: a faithful re-publication after a rewritten one is no conflict.
  const recordedKeys = new Set(recorded.map((ord) => keyOf(unique[ord - 1])));
  const conflicts = conflictsInBatch((first) => recordedKeys.has(keyOf(first)));
  const ofRecorded = [
    ...recorded.map((ord) => unique[ord - 1]),
    ...copies.filter(({ first }) => recordedKeys.has(keyOf(first))).map(({ entry }) => entry),
  ];
  if (ofRecorded.length > 0) conflicts.push(...(await conflictsWithLedger(client, ofRecorded)));
  if (fresh.length === 0) return { appended: [], duplicates, oversized: [], conflicts };

  // The guess holds for the unique entries before the first recorded one; from there on
  // (or from the start, when the head is not the one guessed) they are numbered again.
  // A reduce, not Math.min(...recorded): a batch of more than ~125,000 repeats (a raised
  // INGEST_BATCH_BYTES) would pass each as an argument, past what V8 takes (RangeError).
  const kept = headKnown
    ? recorded.length === 0
      ? unique.length
      : recorded.reduce((a, b) => Math.min(a, b)) - 1
    : 0;
  let numbering = guess;
  if (kept < unique.length) {
    const mark =
      kept > 0
        ? guess.marks[kept]
        : { appended: 0, oversized: 0, chain: headChain ?? ZERO_CHAIN_HASH };
    numbering = {
      appended: guess.appended.slice(0, mark.appended),
      oversized: guess.oversized.slice(0, mark.oversized),
      marks: [],
      chain: mark.chain,
    };
    // fresh starts with the kept entries (none of them is recorded), then the rest.
    number(fresh, kept, oldSize, mark.chain, numbering);
  }
  const { appended, oversized } = numbering;
  if (appended.length === 0) return { appended, duplicates, oversized, conflicts };

  const edge = headKnown ? tip.rightEdge : await readRightEdge(client, oldSize);
  await writeBatch(client, log, oldSize, appended, edge, allNew);
  return { appended, duplicates, oversized, conflicts };
}

/** Entries numbered, encoded and sent per part of an unchecked batch's COPY. */
const COPY_PART = 200;

/**
 * The batch appended without the duplicate check, when the head is still this process's
 * tip; undefined (and nothing written) when the head differs or an entry turns out to be
 * recorded already, for the checked way to do it. Either way the lock is held after it.
 * The entries are numbered and hashed a part at a time, each part sent to the COPY as soon
 * as it is made, so PostgreSQL loads one part while the next is made.
 */
async function appendUnchecked(
  client: ClientBase,
  log: LedgerLog,
  tip: AppendedTip,
  unique: readonly PendingEntry[],
  entryCount: number,
): Promise<Omit<AppendResult, 'conflicts'> | undefined> {
  // The lock, a savepoint after it (so a rollback to it keeps the lock) and the head, in
  // one round trip: a simple query, so the key is written into it (an integer, checked).
  const reading = client.query(
    `${takeLedgerLockSql(log.lockKey)}; SAVEPOINT ${SAVEPOINT}; ${HEAD_SQL}`,
  ) as unknown as Promise<{ rows: Omit<BatchHead, 'recorded'>[] }[]>;
  // A time only PostgreSQL reads exactly sends the whole batch by INSERT (writeEntries).
  const instants = unique.map((e) => rfc3339Micros(e.time));
  const streamed = instants.every((t) => t !== undefined);
  const numbering: Numbering = {
    appended: [],
    oversized: [],
    marks: [],
    chain: tip.chain,
  };
  // Streamed: each part numbered straight into the COPY's rows (the first while the lock
  // and the head are on their way).
  const rows = streamed ? new BinaryCopyEncoder(COPY_PART * 1024) : undefined;
  let numbered = streamed ? Math.min(COPY_PART, unique.length) : unique.length;
  if (rows) numberAndEncode(rows, unique, instants, 0, numbered, tip.size, numbering);
  else number(unique, 0, tip.size, tip.chain, numbering, numbered);
  const results = await reading;
  const [head] = results[results.length - 1].rows;
  const size = head.head_sequence === null ? 0 : Number(head.head_sequence) + 1;
  if (size !== tip.size || !tip.chain.equals(head.head_chain ?? ZERO_CHAIN_HASH)) {
    tip.allNew = 0;
    await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return undefined;
  }
  const duplicates = entryCount - unique.length;
  try {
    if (rows) {
      let sent = 0;
      let ended = false;
      let hashing: Promise<HashRows> | undefined;
      await copyInParts(
        client,
        `COPY ledger_entries (${ENTRY_COLUMNS}) FROM STDIN (FORMAT binary)`,
        () => {
          if (ended) return undefined;
          // The first part is numbered already; each later call numbers the next.
          if (sent > 0 && numbered < unique.length) {
            const until = Math.min(numbered + COPY_PART, unique.length);
            numberAndEncode(rows, unique, instants, numbered, until, tip.size, numbering);
            numbered = until;
          }
          sent++;
          if (numbered < unique.length) return rows.take();
          ended = true;
          // Every leaf hash is known: the stored hashes are made while PostgreSQL loads
          // the last part, not after it.
          if (numbering.appended.length > 0) {
            hashing = hashRowsOf(tip.size, numbering.appended, tip.rightEdge, tip.allNew + 1);
            hashing.catch(() => undefined); // awaited below, unless the COPY fails first
          }
          return rows.finish();
        },
      );
      if (hashing) await sendHashes(client, log, await hashing);
    } else if (numbering.appended.length > 0) {
      await writeBatch(client, log, tip.size, numbering.appended, tip.rightEdge, tip.allNew + 1);
    }
  } catch (error) {
    const { code, constraint } = error as { code?: string; constraint?: string };
    if (code !== '23505' || constraint !== 'ledger_entries_source_id') throw error;
    await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    tip.allNew = 0;
    return undefined;
  }
  await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
  return { appended: numbering.appended, duplicates, oversized: numbering.oversized };
}

/** Writes the entries and their stored hashes; this process's tip is then their end. */
async function writeBatch(
  client: ClientBase,
  log: LedgerLog,
  oldSize: number,
  appended: readonly RecordedEntry[],
  edge: ReadonlyMap<number, Buffer>,
  allNew: number,
): Promise<void> {
  await writeEntries(client, appended);
  await writeHashes(client, log, oldSize, appended, edge, allNew);
}

/** Writes the stored hashes of entries just written; this process's tip is then their end. */
async function writeHashes(
  client: ClientBase,
  log: LedgerLog,
  oldSize: number,
  appended: readonly RecordedEntry[],
  edge: ReadonlyMap<number, Buffer>,
  allNew: number,
): Promise<void> {
  await sendHashes(client, log, await hashRowsOf(oldSize, appended, edge, allNew));
}

/** The stored hashes of a batch as COPY rows, and this process's tip once they are written. */
interface HashRows {
  payload: Buffer;
  tip: AppendedTip;
}

/** Computes and encodes the stored hashes that `appended` adds to the tree of `oldSize`. */
async function hashRowsOf(
  oldSize: number,
  appended: readonly RecordedEntry[],
  edge: ReadonlyMap<number, Buffer>,
  allNew: number,
): Promise<HashRows> {
  const hashes = await hashesToAppend(
    oldSize,
    appended.map((e) => e.leafHash),
    (indexes) => Promise.resolve(indexes.map((i) => edgeHash(edge, i))),
  );
  const hashRows = new BinaryCopyEncoder(hashes.length * 50 + 64);
  for (const h of hashes) hashRows.row(2).int8(h.index).bytea(h.hash);
  const newSize = oldSize + appended.length;
  const firstNew = storedHashCount(oldSize);
  return {
    payload: hashRows.finish(),
    tip: {
      size: newSize,
      chain: appended[appended.length - 1].chainHash,
      rightEdge: new Map(
        rightEdgeIndexes(newSize).map((i) => [
          i,
          i >= firstNew ? hashes[i - firstNew].hash : edgeHash(edge, i),
        ]),
      ),
      allNew,
    },
  };
}

/** Writes a batch's stored hashes; this process's tip is then the batch's end. */
async function sendHashes(client: ClientBase, log: LedgerLog, rows: HashRows): Promise<void> {
  await copyIn(client, 'COPY ledger_hashes (idx, hash) FROM STDIN (FORMAT binary)', rows.payload);
  tips.set(log, rows.tip);
}

/** The stored hashes of the right edge of the tree of `size` (one query, none when empty). */
async function readRightEdge(client: ClientBase, size: number): Promise<Map<number, Buffer>> {
  const indexes = rightEdgeIndexes(size);
  const hashes = await storedHashReader({
    query: async (sql, values): Promise<unknown> => (await client.query(sql, values)).rows,
  })(indexes);
  return new Map(indexes.map((index, i) => [index, hashes[i]]));
}

function edgeHash(edge: ReadonlyMap<number, Buffer>, index: number): Buffer {
  const hash = edge.get(index);
  if (!hash)
    throw new Error(`appendBatch: stored hash ${index} is not on the right edge (internal error)`);
  return hash;
}

/**
 * Binary COPY of the entries. `occurred_at` is the `time` text as PostgreSQL reads it; a
 * batch holding a time that only PostgreSQL can read exactly (a leap second, say) goes in
 * by INSERT instead, so the stored instant never depends on the path.
 */
async function writeEntries(client: ClientBase, appended: readonly RecordedEntry[]): Promise<void> {
  const instants = appended.map((e) => rfc3339Micros(e.time));
  if (instants.some((t) => t === undefined)) {
    await insertEntries(client, 'ledger_entries', appended);
    return;
  }
  await copyEntries(client, 'ledger_entries', appended, instants as bigint[]);
}

/**
 * The entries as rows of `table` (ledger_entries, or a benchmark's twin of it) by one
 * INSERT over unnest: PostgreSQL reads `occurred_at` from the `time` text.
 */
export async function insertEntries(
  client: ClientBase,
  table: string,
  entries: readonly RecordedEntry[],
): Promise<void> {
  await client.query(
    `INSERT INTO ${table} (${ENTRY_COLUMNS})
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                          $6::timestamptz[], $7::text[], $8::text[], $9::bytea[], $10::bytea[])`,
    [
      entries.map((e) => e.sequence),
      entries.map((e) => e.source),
      entries.map((e) => e.id),
      entries.map((e) => e.type),
      entries.map((e) => e.time),
      entries.map((e) => e.time),
      entries.map((e) => e.subject),
      entries.map((e) => e.leafData),
      entries.map((e) => e.leafHash),
      entries.map((e) => e.chainHash),
    ],
  );
}

/**
 * The entries as rows of `table` by one binary COPY, `occurred_at` from `instants` (each
 * entry's `time` in microseconds since 1970, as rfc3339Micros reads it).
 */
export async function copyEntries(
  client: ClientBase,
  table: string,
  entries: readonly RecordedEntry[],
  instants: readonly bigint[],
): Promise<void> {
  const rows = new BinaryCopyEncoder(entries.length * 1024);
  entries.forEach((e, i) => encodeEntry(rows, e, instants[i]));
  await copyIn(
    client,
    `COPY ${table} (${ENTRY_COLUMNS}) FROM STDIN (FORMAT binary)`,
    rows.finish(),
  );
}

/** One ledger_entries row (ENTRY_COLUMNS), `occurred_at` from `instant` (rfc3339Micros). */
function encodeEntry(rows: BinaryCopyEncoder, e: RecordedEntry, instant: bigint): void {
  rows
    .row(10)
    .int8(e.sequence)
    .text(e.source)
    .text(e.id)
    .text(e.type)
    .text(e.time)
    .timestamptzMicros(instant)
    .text(e.subject)
    .text(e.leafData)
    .bytea(e.leafHash)
    .bytea(e.chainHash);
}
