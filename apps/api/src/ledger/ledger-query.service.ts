import { AccessDeniedError, type Viewer } from '@scantrail/access';
import {
  findingsFreshness,
  InvalidArgumentError,
  type FindingsFreshness,
  type Queryable,
} from '@scantrail/queries';
import { EMPTY_TREE_HASH } from '@scantrail/ledger';
import type { CheckpointStore, LedgerReader } from '@scantrail/storage';
import { terminatedAgreement, vendorsNamedBy } from './ledger-entry-scope';

export interface LedgerState {
  treeSize: number;
  rootHash: string;
  checkpoint: string;
}

export interface LedgerEntryView {
  sequence: number;
  leafData: string;
  leafHash: string;
  chainHash: string;
}

const base64 = (hash: Buffer): string => hash.toString('base64');

/**
 * The transparency side of the API: log size, root, signed checkpoint, entries and
 * RFC 9162 proofs. Hashes, proofs and checkpoints are open to every role (they reveal
 * no event); an entry's leaf data is an event, so a vendor reads only entries that name
 * it. Arguments outside the log are BAD_USER_INPUT with the reason.
 */
export class LedgerQueryService {
  constructor(
    private readonly db: Queryable,
    private readonly reader: LedgerReader,
    private readonly checkpoints: CheckpointStore,
    readonly verifierKey: string,
  ) {}

  /**
   * The log as of the latest checkpoint the ingest signed and stored: size, root and note
   * always agree. Before the first checkpoint: the empty tree, and an empty checkpoint
   * text (nothing has been signed yet). The API never signs.
   */
  async state(): Promise<LedgerState> {
    const latest = await this.checkpoints.latest();
    if (latest === undefined)
      return {
        treeSize: 0,
        rootHash: Buffer.from(EMPTY_TREE_HASH).toString('base64'),
        checkpoint: '',
      };
    return {
      treeSize: latest.treeSize,
      rootHash: base64(latest.rootHash),
      checkpoint: latest.note,
    };
  }

  /** How far behind the ledger the stored findings are (same for every role). */
  findingsFreshness(): Promise<FindingsFreshness> {
    return findingsFreshness(this.db);
  }

  async entry(viewer: Viewer, sequence: number): Promise<LedgerEntryView | null> {
    if (!Number.isSafeInteger(sequence) || sequence < 0) return null;
    const stored = await this.reader.entry(sequence);
    if (stored === undefined) return null;
    const scope = viewer.vendorScope;
    if (scope !== undefined && !(await this.names(stored.leafData, scope))) {
      throw new AccessDeniedError(`ledger entry ${sequence} does not concern vendor ${scope}`);
    }
    return {
      sequence: stored.sequence,
      leafData: stored.leafData,
      leafHash: base64(stored.leafHash),
      chainHash: base64(stored.chainHash),
    };
  }

  private async names(leafData: string, vendorId: string): Promise<boolean> {
    const agreementId = terminatedAgreement(leafData);
    let agreementVendor: string | undefined;
    if (agreementId !== undefined) {
      const rows = (await this.db.query(
        'SELECT vendor_id FROM rm_agreements WHERE agreement_id = $1',
        [agreementId],
      )) as { vendor_id: string }[];
      agreementVendor = rows[0]?.vendor_id;
    }
    return vendorsNamedBy(leafData, () => agreementVendor).includes(vendorId);
  }

  async inclusionProof(sequence: number, treeSize: number): Promise<string[]> {
    if (treeSize < 1)
      throw new InvalidArgumentError(`treeSize must be at least 1, got ${treeSize}`);
    const size = await this.reader.treeSize();
    if (treeSize > size) {
      throw new InvalidArgumentError(`treeSize ${treeSize} is larger than the log (size ${size})`);
    }
    if (sequence < 0)
      throw new InvalidArgumentError(`sequence must not be negative, got ${sequence}`);
    if (sequence >= treeSize) {
      throw new InvalidArgumentError(
        `sequence ${sequence} is not in a tree of size ${treeSize} (sequence >= treeSize)`,
      );
    }
    return (await this.reader.inclusionProof(sequence, treeSize)).map(base64);
  }

  async consistencyProof(fromSize: number, toSize: number): Promise<string[]> {
    if (fromSize < 1)
      throw new InvalidArgumentError(`fromSize must be at least 1, got ${fromSize}`);
    if (fromSize > toSize) {
      throw new InvalidArgumentError(`fromSize ${fromSize} is larger than toSize ${toSize}`);
    }
    const size = await this.reader.treeSize();
    if (toSize > size)
      throw new InvalidArgumentError(`toSize ${toSize} is larger than the log (size ${size})`);
    if (fromSize === toSize) return [];
    return (await this.reader.consistencyProof(fromSize, toSize)).map(base64);
  }
}
