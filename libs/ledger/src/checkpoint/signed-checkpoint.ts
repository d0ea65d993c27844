import { parseVerifierKey } from '../signed-note/note-keys';
import { openNote } from '../signed-note/signed-note';
import { parseCheckpoint } from './checkpoint';

/** A stored checkpoint row: its size and root, and the signed note said to carry them. */
export interface CheckpointRow {
  treeSize: number;
  rootHash: Buffer;
  note: string;
}

/**
 * Why `row` is not a checkpoint that `verifierKey` signed for `origin` with the row's own
 * size and root (a row anyone with the apps' role could have inserted); undefined when it is.
 */
export function signedCheckpointProblem(
  row: CheckpointRow,
  verifierKey: string,
  origin: string,
): string | undefined {
  try {
    const { text } = openNote(row.note, [parseVerifierKey(verifierKey)]);
    const body = parseCheckpoint(text);
    if (body.origin !== origin) return `origin is "${body.origin}", expected "${origin}"`;
    if (body.size !== row.treeSize) return `note says size ${body.size}, row says ${row.treeSize}`;
    if (!body.rootHash.equals(row.rootHash))
      return 'note root hash differs from the stored root hash';
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
