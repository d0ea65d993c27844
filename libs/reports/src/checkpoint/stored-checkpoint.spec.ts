import { CheckpointPendingError, checkpointCovering } from './stored-checkpoint';

const SIGNED = (treeSize: number) => ({
  treeSize,
  rootHash: Buffer.alloc(32, 1),
  note: `origin\n${treeSize}\nroot\n\n\u2014 origin AAAA\n`,
});
const SOURCE = { ledgerOrigin: 'origin', verifierKey: 'origin+key', checkpointWaitMs: 0 };

describe('checkpointCovering', () => {
  it('should cite the size-0 checkpoint for a report of an empty ledger', async () => {
    const cited = await checkpointCovering(
      { ...SOURCE, latestCheckpoint: () => Promise.resolve(SIGNED(0)) },
      -1,
    );
    expect(cited.treeSize).toBe(0);
  });

  it('should say no checkpoint is signed yet, not name entry -1, before the ingest ever signed', async () => {
    const pending = checkpointCovering(
      { ...SOURCE, latestCheckpoint: () => Promise.resolve(undefined) },
      -1,
    );
    await expect(pending).rejects.toThrow(CheckpointPendingError);
    await expect(pending).rejects.toThrow(
      /^no signed checkpoint yet: the ingest signs one \(of size 0 on an empty ledger\) when it starts/,
    );
    await expect(pending).rejects.not.toThrow(/-1/);
  });

  it('should name the entry a stale checkpoint leaves out', async () => {
    await expect(
      checkpointCovering({ ...SOURCE, latestCheckpoint: () => Promise.resolve(SIGNED(10)) }, 26),
    ).rejects.toThrow(
      /no signed checkpoint covers ledger entry 26 yet \(latest covers 10 entries\)/,
    );
  });
});
