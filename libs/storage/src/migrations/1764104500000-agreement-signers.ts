import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every vendor an agreement was ever signed for. rm_agreements keeps only the latest
 * signing of each agreement, so when an agreement was signed again under another vendor (a
 * correction), the findings worker re-evaluated the new vendor's events only: the old
 * vendor's disclosures kept the findings of an agreement it no longer holds, unlike a whole
 * recompute. The worker now re-evaluates every vendor of the agreement. Existing rows: the
 * vendor each agreement holds now (an earlier vendor of an agreement moved before this
 * migration is not known here; `cli rebuild` replays the ledger and finds it, and
 * `verify --read-models` lists the findings it changes).
 */
export class AgreementSigners1764104500000 implements MigrationInterface {
  name = 'AgreementSigners1764104500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_agreement_signers (
        agreement_id text NOT NULL, vendor_id text NOT NULL,
        event_time timestamptz NOT NULL, ledger_sequence bigint NOT NULL,
        PRIMARY KEY (agreement_id, vendor_id))`);
    await q.query(`
      INSERT INTO rm_agreement_signers (agreement_id, vendor_id, event_time, ledger_sequence)
      SELECT agreement_id, vendor_id, event_time, ledger_sequence FROM rm_agreements`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rm_agreement_signers');
  }
}
