import {
  canonicalJson,
  chainHash,
  hashesToAppend,
  leafHash,
  ZERO_CHAIN_HASH,
} from '@scantrail/ledger';
import type { EntityManager } from 'typeorm';
import { LEDGER_LOCK_CLASS, type LedgerLog } from './ledger-log';
import { storedHashReader } from './stored-hash-reader';

/** An event ready to be recorded: validated, with patient identifiers pseudonymized. */
export interface PendingEntry {
  source: string;
  id: string;
  type: string;
  /** The CloudEvent `time` as received (RFC 3339). */
  time: string;
  subject: string;
  data: unknown;
  /** SHA-256 of the Kafka message value as received, hex. */
  payloadDigest: string;
}

export interface RecordedEntry extends PendingEntry {
  sequence: number;
  leafData: string;
  leafHash: Buffer;
  chainHash: Buffer;
}

export interface AppendResult {
  appended: RecordedEntry[];
  /** Entries whose (source, id) was already recorded, or repeated within the batch. */
  duplicates: number;
}

/** The canonical leaf data of CONTRACT.md section 4. */
export function leafDataOf(entry: PendingEntry, sequence: number): string {
  return canonicalJson({
    sequence,
    source: entry.source,
    id: entry.id,
    type: entry.type,
    time: entry.time,
    subject: entry.subject,
    data: entry.data,
    payloadDigest: entry.payloadDigest,
  });
}

/**
 * Numbers, hashes and writes a batch in the caller's transaction. The advisory lock makes
 * one sequencer at a time per log, across processes, until the transaction ends; the
 * (source, id) idempotency check happens under it, so concurrent ingests cannot both
 * record an event.
 */
export async function appendBatch(
  manager: EntityManager,
  log: LedgerLog,
  entries: readonly PendingEntry[],
): Promise<AppendResult> {
  if (entries.length === 0) return { appended: [], duplicates: 0 };
  await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [LEDGER_LOCK_CLASS, log.lockKey]);

  const seen = new Set<string>();
  const unique = entries.filter((e) => {
    const key = `${e.source}\u0000${e.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const existing = await manager.query<{ source: string; event_id: string }[]>(
    `SELECT source, event_id FROM ledger_entries
      WHERE (source, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [unique.map((e) => e.source), unique.map((e) => e.id)],
  );
  const recorded = new Set(existing.map((r) => `${r.source}\u0000${r.event_id}`));
  const fresh = unique.filter((e) => !recorded.has(`${e.source}\u0000${e.id}`));
  const duplicates = entries.length - fresh.length;
  if (fresh.length === 0) return { appended: [], duplicates };

  const head = await manager.query<{ sequence: string; chain_hash: Buffer }[]>(
    'SELECT e.sequence::text AS sequence, e.chain_hash FROM ledger_entries e ORDER BY e.sequence DESC LIMIT 1',
  );
  const oldSize = head.length === 0 ? 0 : Number(head[0].sequence) + 1;
  let previous = head.length === 0 ? ZERO_CHAIN_HASH : head[0].chain_hash;

  const appended: RecordedEntry[] = fresh.map((entry, i) => {
    const sequence = oldSize + i;
    const leafData = leafDataOf(entry, sequence);
    const leaf = leafHash(leafData);
    previous = chainHash(previous, leaf);
    return { ...entry, sequence, leafData, leafHash: leaf, chainHash: previous };
  });

  await manager.query(
    `INSERT INTO ledger_entries
       (sequence, source, event_id, type, time, occurred_at, subject, leaf_data, leaf_hash, chain_hash)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                          $6::timestamptz[], $7::text[], $8::text[], $9::bytea[], $10::bytea[])`,
    [
      appended.map((e) => e.sequence),
      appended.map((e) => e.source),
      appended.map((e) => e.id),
      appended.map((e) => e.type),
      appended.map((e) => e.time),
      appended.map((e) => e.time),
      appended.map((e) => e.subject),
      appended.map((e) => e.leafData),
      appended.map((e) => e.leafHash),
      appended.map((e) => e.chainHash),
    ],
  );
  const hashes = await hashesToAppend(
    oldSize,
    appended.map((e) => e.leafHash),
    storedHashReader(manager),
  );
  await manager.query(
    'INSERT INTO ledger_hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])',
    [hashes.map((h) => h.index), hashes.map((h) => h.hash)],
  );
  return { appended, duplicates };
}
