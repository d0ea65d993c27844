/**
 * The identity of one log: its origin (checkpoint origin line and signer name) and the
 * advisory-lock key that makes its sequencer single. Everything that touches "the" ledger
 * takes one of these, so one log per organisation can come later without a rewrite.
 */
export class LedgerLog {
  constructor(
    readonly origin: string,
    readonly lockKey = 1,
  ) {}
}

/** Advisory lock class for ledger sequencers (the first half of the two-int key). */
export const LEDGER_LOCK_CLASS = 0x5c7a;
