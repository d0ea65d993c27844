/**
 * The identity of one log: its origin (checkpoint origin line and signer name) and the
 * advisory-lock key that makes its sequencer single. The sequencer and the checkpoints take
 * one; the tables hold one log today (no log column), so several logs per database would
 * need that column too (docs/scaling.md).
 */
export class LedgerLog {
  constructor(
    readonly origin: string,
    readonly lockKey = 1,
  ) {}
}

/** Advisory lock class for ledger sequencers (the first half of the two-int key). */
export const LEDGER_LOCK_CLASS = 0x5c7a;
