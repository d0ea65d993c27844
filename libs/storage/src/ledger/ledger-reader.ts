import { proveConsistency, proveInclusion, treeHash, type LeafFields } from '@scantrail/ledger';
import { storedHashReader } from './stored-hash-reader';
import type { Queryable } from '../database/queryable';

/** An entry as stored: the fields of its leaf data beside the leaf data itself. */
export interface StoredEntry extends Omit<LeafFields, 'data' | 'payloadDigest'> {
  leafData: string;
  leafHash: Buffer;
  chainHash: Buffer;
  recordedAt: Date;
}

interface EntryRow {
  sequence: string;
  source: string;
  event_id: string;
  type: string;
  time: string;
  subject: string;
  leaf_data: string;
  leaf_hash: Buffer;
  chain_hash: Buffer;
  recorded_at: Date;
}

function toEntry(r: EntryRow): StoredEntry {
  return {
    sequence: Number(r.sequence),
    source: r.source,
    id: r.event_id,
    type: r.type,
    time: r.time,
    subject: r.subject,
    leafData: r.leaf_data,
    leafHash: r.leaf_hash,
    chainHash: r.chain_hash,
    recordedAt: r.recorded_at,
  };
}

const ENTRY_COLUMNS =
  'sequence::text AS sequence, source, event_id, type, time, subject, leaf_data, leaf_hash, chain_hash, recorded_at';

/** Read side of the ledger: size, roots, entries and proofs from stored subtree hashes. */
export class LedgerReader {
  constructor(private readonly db: Queryable) {}

  async treeSize(): Promise<number> {
    const rows = (await this.db.query(
      'SELECT COALESCE(MAX(sequence) + 1, 0)::text AS size FROM ledger_entries',
    )) as { size: string }[];
    return Number(rows[0].size);
  }

  rootHash(treeSize: number): Promise<Buffer> {
    return treeHash(treeSize, storedHashReader(this.db));
  }

  async entry(sequence: number): Promise<StoredEntry | undefined> {
    const rows = (await this.db.query(
      `SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE sequence = $1`,
      [sequence],
    )) as EntryRow[];
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  /** Entries with sequence in [from, from + limit), in order. */
  async entries(from: number, limit: number): Promise<StoredEntry[]> {
    const rows = (await this.db.query(
      `SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE sequence >= $1 ORDER BY ledger_entries.sequence LIMIT $2`,
      [from, limit],
    )) as EntryRow[];
    return rows.map(toEntry);
  }

  inclusionProof(index: number, treeSize: number): Promise<Buffer[]> {
    return proveInclusion(treeSize, index, storedHashReader(this.db));
  }

  consistencyProof(fromSize: number, toSize: number): Promise<Buffer[]> {
    return proveConsistency(fromSize, toSize, storedHashReader(this.db));
  }

  /** Stored hashes by linear index (for C2SP tiles), in the order asked. */
  storedHashes(indexes: readonly number[]): Promise<readonly Buffer[]> {
    return storedHashReader(this.db)(indexes);
  }
}
