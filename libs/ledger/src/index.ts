// @scantrail/ledger: pure ledger cryptography (no framework, no I/O).
export { canonicalJson } from './canonical-json/canonical-json';
export {
  EMPTY_TREE_HASH,
  HASH_SIZE,
  ZERO_CHAIN_HASH,
  chainHash,
  hashesEqual,
  leafHash,
  leafHashOfPrefixed,
  nodeHash,
  sha256,
} from './hashing/ledger-hashes';
export {
  consistencyProofInMemory,
  inclusionProofInMemory,
  merkleTreeHash,
} from './merkle/merkle-reference';
export { verifyConsistency, verifyInclusion } from './merkle/merkle-verify';
export { splitStoredHashIndex, storedHashCount, storedHashIndex } from './merkle/stored-hash-index';
export {
  hashesToAppend,
  proveConsistency,
  proveInclusion,
  rightEdgeIndexes,
  treeHash,
} from './merkle/stored-hash-tree';
export type { HashReader, StoredHash } from './merkle/stored-hash-tree';
export {
  TILE_HEIGHT,
  TILE_WIDTH,
  earlierPartialWidths,
  entryBundlePath,
  parseEntryBundlePath,
  parseTilePath,
  tileHashIndexes,
  tilePath,
  tileWidth,
} from './tiles/tile-path';
export type { EntryBundleRef, TileRef } from './tiles/tile-path';
export { MAX_ENTRY_LENGTH, decodeEntryBundle, encodeEntryBundle } from './tiles/entry-bundle';
export { formatCheckpoint, parseCheckpoint } from './checkpoint/checkpoint';
export type { Checkpoint } from './checkpoint/checkpoint';
export { signedCheckpointProblem } from './checkpoint/signed-checkpoint';
export type { CheckpointRow } from './checkpoint/signed-checkpoint';
export {
  generateSignerKey,
  isValidKeyName,
  noteKeyId,
  parseSignerKey,
  parseVerifierKey,
} from './signed-note/note-keys';
export type { NoteSigner, NoteVerifier } from './signed-note/note-keys';
export { openNote, signNote } from './signed-note/signed-note';
export type { OpenedNote } from './signed-note/signed-note';
export {
  LeafDataError,
  decodeLeafData,
  encodeLeafData,
  leafDataAt,
  leafDataTemplate,
} from './leaf/leaf-data';
export type { LeafDataTemplate, LeafFields } from './leaf/leaf-data';
