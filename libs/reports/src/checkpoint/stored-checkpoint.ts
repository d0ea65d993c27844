import { signedCheckpointProblem } from '@scantrail/ledger';
import type { ReportCheckpoint } from '../accounting/accounting-report';

/** A checkpoint as the ingest stored it (CheckpointStore.latest fits). */
export interface SignedCheckpoint {
  treeSize: number;
  rootHash: Buffer;
  note: string;
}

/** Where a report finds the checkpoint it cites: reports never sign, the sequencer does. */
export interface StoredCheckpointSource {
  /** The latest checkpoint the ingest signed and stored (CheckpointStore.latest). */
  latestCheckpoint(): Promise<SignedCheckpoint | undefined>;
  /**
   * How long to wait for a checkpoint that covers the newest entry a report relies on (the
   * ingest signs one within CHECKPOINT_INTERVAL_S); default 15 s.
   */
  checkpointWaitMs?: number;
  ledgerOrigin: string;
  verifierKey: string;
}

/** The settings a report's sign-off reads (fields of @scantrail/config's Settings). */
export interface ReportSignOffSettings {
  checkpointIntervalS: number;
  ledgerOrigin: string;
  ledgerVerifierKey: string;
  reportOrganisation: string;
}

/**
 * What every report cites, in the API and the CLI alike: the latest checkpoint the ingest
 * stored (reports never sign), waited for up to one checkpoint interval and 5 s more, and
 * the letterhead.
 */
export function reportSignOff(
  settings: ReportSignOffSettings,
  checkpoints: { latest(): Promise<SignedCheckpoint | undefined> },
): StoredCheckpointSource & { organisation: string } {
  return {
    latestCheckpoint: async () => {
      const latest = await checkpoints.latest();
      const problem =
        latest &&
        signedCheckpointProblem(latest, settings.ledgerVerifierKey, settings.ledgerOrigin);
      // Any row the apps' role inserted would otherwise be cited as signed.
      if (latest && problem !== undefined) {
        throw new Error(
          `the latest stored checkpoint (tree size ${latest.treeSize}) does not verify with LEDGER_VERIFIER_KEY (${problem}); run verify`,
        );
      }
      return latest;
    },
    checkpointWaitMs: settings.checkpointIntervalS * 1000 + 5000,
    ledgerOrigin: settings.ledgerOrigin,
    verifierKey: settings.ledgerVerifierKey,
    organisation: settings.reportOrganisation,
  };
}

/** No signed checkpoint covers the report yet (the ingest has not signed since). */
export class CheckpointPendingError extends Error {
  constructor(
    readonly highestSequence: number,
    readonly checkpointSize: number,
  ) {
    super(
      highestSequence < 0 && checkpointSize === 0
        ? 'no signed checkpoint yet: the ingest signs one (of size 0 on an empty ledger) when it starts, try again once it runs'
        : `no signed checkpoint covers ledger entry ${highestSequence} yet (latest covers ${checkpointSize} entries); the ingest signs one within CHECKPOINT_INTERVAL_S, try again`,
    );
  }
}

/**
 * The latest stored checkpoint, once it covers `highestSequence`: an entry recorded moments
 * ago is covered by the ingest's next checkpoint, so wait for it (bounded).
 */
export async function checkpointCovering(
  source: StoredCheckpointSource,
  highestSequence: number,
): Promise<ReportCheckpoint> {
  const deadline = Date.now() + (source.checkpointWaitMs ?? 15_000);
  let latest = await source.latestCheckpoint();
  while ((latest?.treeSize ?? 0) <= highestSequence && Date.now() < deadline) {
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
    latest = await source.latestCheckpoint();
  }
  if (latest === undefined || latest.treeSize <= highestSequence) {
    throw new CheckpointPendingError(highestSequence, latest?.treeSize ?? 0);
  }
  return {
    origin: source.ledgerOrigin,
    treeSize: latest.treeSize,
    rootHash: latest.rootHash.toString('base64'),
    note: latest.note,
    verifierKey: source.verifierKey,
  };
}
