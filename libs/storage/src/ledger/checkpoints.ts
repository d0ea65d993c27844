import {
  formatCheckpoint,
  signedCheckpointProblem,
  signNote,
  verifyConsistency,
  type NoteSigner,
} from '@scantrail/ledger';
import { LedgerReader } from './ledger-reader';
import type { LedgerLog } from './ledger-log';
import type { Queryable } from '../database/queryable';

export interface StoredCheckpoint {
  treeSize: number;
  rootHash: Buffer;
  note: string;
  createdAt: Date;
}

interface CheckpointRow {
  tree_size: string;
  root_hash: Buffer;
  note: string;
  created_at: Date;
}

const toCheckpoint = (r: CheckpointRow): StoredCheckpoint => ({
  treeSize: Number(r.tree_size),
  rootHash: r.root_hash,
  note: r.note,
  createdAt: r.created_at,
});

/**
 * For a reader that serves checkpoints (the API): rows the verifier key does not open for
 * their own origin, size and root are passed over (any holder of the apps' role can insert
 * a row), and told to `onUnsigned`.
 */
export interface CheckpointTrust {
  verifierKey: string;
  onUnsigned(row: StoredCheckpoint, problem: string): void;
}

/**
 * How many of the newest rows a trusting reader looks through for one the key opens. When
 * none of them opens (right after a signing-key rotation, before the new key has signed), it
 * serves the newest row as an untrusting reader does, as the runbook says.
 */
const TRUST_WINDOW = 16;

/**
 * Signed C2SP checkpoints of one log. Everyone reads the stored ones; only the sequencer's
 * checkpointer (the ingest) is built with the signer and signs new ones.
 */
export class CheckpointStore {
  private readonly reader: LedgerReader;
  /** Notes already checked with the trusted key (a note's check is an Ed25519 verify). */
  private readonly opened = new Map<string, string | undefined>();

  constructor(
    private readonly db: Queryable,
    private readonly log: LedgerLog,
    private readonly signer?: NoteSigner,
    private readonly trust?: CheckpointTrust,
  ) {
    this.reader = new LedgerReader(db);
  }

  /**
   * The newest stored checkpoint; with `trust`, the newest one its key opens among the
   * newest rows (see TRUST_WINDOW), the rows above it told to `trust.onUnsigned`.
   */
  async latest(): Promise<StoredCheckpoint | undefined> {
    const rows = (
      (await this.db.query(
        'SELECT tree_size::text AS tree_size, root_hash, note, created_at FROM ledger_checkpoints ORDER BY ledger_checkpoints.tree_size DESC LIMIT $1',
        [this.trust ? TRUST_WINDOW : 1],
      )) as CheckpointRow[]
    ).map(toCheckpoint);
    if (!this.trust || rows.length === 0) return rows[0];
    const unsigned: [StoredCheckpoint, string][] = [];
    for (const row of rows) {
      const problem = this.problemOf(row, this.trust.verifierKey);
      if (problem === undefined) {
        for (const [bad, why] of unsigned) this.trust.onUnsigned(bad, why);
        return row;
      }
      unsigned.push([row, problem]);
    }
    return rows[0];
  }

  private problemOf(row: StoredCheckpoint, verifierKey: string): string | undefined {
    const key = `${row.treeSize}\u0000${row.rootHash.toString('base64')}\u0000${row.note}`;
    if (this.opened.has(key)) return this.opened.get(key);
    const problem = CheckpointStore.checkNote(row, verifierKey, this.log.origin);
    if (this.opened.size >= 4 * TRUST_WINDOW) this.opened.clear();
    this.opened.set(key, problem);
    return problem;
  }

  async all(): Promise<StoredCheckpoint[]> {
    const rows = (await this.db.query(
      'SELECT tree_size::text AS tree_size, root_hash, note, created_at FROM ledger_checkpoints ORDER BY ledger_checkpoints.tree_size',
    )) as CheckpointRow[];
    return rows.map(toCheckpoint);
  }

  private signedNote(treeSize: number, rootHash: Buffer): string {
    if (this.signer === undefined) {
      throw new Error('ledger: this process holds no signing key; only the ingest signs');
    }
    return signNote(
      formatCheckpoint({ origin: this.log.origin, size: treeSize, rootHash }),
      this.signer,
    );
  }

  /**
   * Signs and stores a checkpoint of the log as it is now, unless one of that size exists.
   * Before signing, checks (from the stored subtree hashes) that the tree extends the latest
   * stored checkpoint, so history that checkpoint covers is not signed over once changed.
   * Entries appended since are signed as they stand: `verify` recomputes them from the leaves.
   */
  async checkpointNow(): Promise<StoredCheckpoint | undefined> {
    const size = await this.reader.treeSize();
    const previous = await this.latest();
    // A row beyond the log was not signed by us over this log (the apps' role may insert
    // rows): said at every tick rather than silently never signing again.
    if (previous && previous.treeSize > size) {
      throw new Error(
        `ledger: the latest stored checkpoint claims ${previous.treeSize} entries but the log holds ${size}; refusing to sign (run verify)`,
      );
    }
    if (previous && previous.treeSize >= size) return undefined;
    const rootHash = await this.reader.rootHash(size);
    if (previous && previous.treeSize > 0) {
      const proof = await this.reader.consistencyProof(previous.treeSize, size);
      if (!verifyConsistency(previous.treeSize, size, proof, previous.rootHash, rootHash)) {
        throw new Error(
          `ledger: tree of size ${size} is not consistent with checkpoint ${previous.treeSize}; refusing to sign (run verify)`,
        );
      }
    }
    const note = this.signedNote(size, rootHash);
    await this.db.query(
      'INSERT INTO ledger_checkpoints (tree_size, root_hash, note) VALUES ($1, $2, $3) ON CONFLICT (tree_size) DO NOTHING',
      [size, rootHash, note],
    );
    return { treeSize: size, rootHash, note, createdAt: new Date() };
  }

  /** Parses and checks a stored note's signature and body against its row. */
  static checkNote(
    checkpoint: StoredCheckpoint,
    verifierKey: string,
    origin: string,
  ): string | undefined {
    return signedCheckpointProblem(checkpoint, verifierKey, origin);
  }
}
