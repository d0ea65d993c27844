import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every signing of an agreement (rm_agreement_signings; rm_agreements keeps the latest
 * only), so that the findings worker can tell what a round's signings and terminations
 * changed (a period, the purposes, the onward rule) and re-evaluate only the events of
 * those vendors, sides, purposes and times, instead of each vendor's whole history. The
 * vendor indexes of disclosures and transfers take the event's time as a second column
 * for those ranges. Existing rows: the latest signing of each agreement (earlier ones are
 * not known here: the worker compares with the agreement as it stands, which is what
 * those earlier signings made of it; `cli rebuild` replays every one).
 */
export class AgreementSignings1764105000000 implements MigrationInterface {
  name = 'AgreementSignings1764105000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_agreement_signings (
        ledger_sequence bigint PRIMARY KEY, agreement_id text NOT NULL, vendor_id text NOT NULL,
        permitted_purposes text[] NOT NULL, effective_from timestamptz NOT NULL,
        expires_at timestamptz, allows_onward_transfer boolean NOT NULL,
        event_time timestamptz NOT NULL)`);
    await q.query(
      'CREATE INDEX rm_agreement_signings_agreement ON rm_agreement_signings (agreement_id)',
    );
    await q.query(`
      INSERT INTO rm_agreement_signings (ledger_sequence, agreement_id, vendor_id,
        permitted_purposes, effective_from, expires_at, allows_onward_transfer, event_time)
      SELECT ledger_sequence, agreement_id, vendor_id, permitted_purposes, effective_from,
             expires_at, allows_onward_transfer, event_time
        FROM rm_agreements`);
    await q.query(
      'CREATE INDEX rm_disclosures_recipient_time ON rm_disclosures (recipient_vendor_id, occurred_at)',
    );
    await q.query('DROP INDEX rm_disclosures_recipient');
    await q.query(
      'CREATE INDEX rm_transfers_from_time ON rm_transfers (from_vendor_id, occurred_at)',
    );
    await q.query('DROP INDEX rm_transfers_from');
    await q.query('CREATE INDEX rm_transfers_to_time ON rm_transfers (to_vendor_id, occurred_at)');
    await q.query('DROP INDEX rm_transfers_to');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX rm_transfers_to ON rm_transfers (to_vendor_id)');
    await q.query('DROP INDEX rm_transfers_to_time');
    await q.query('CREATE INDEX rm_transfers_from ON rm_transfers (from_vendor_id)');
    await q.query('DROP INDEX rm_transfers_from_time');
    await q.query('CREATE INDEX rm_disclosures_recipient ON rm_disclosures (recipient_vendor_id)');
    await q.query('DROP INDEX rm_disclosures_recipient_time');
    await q.query('DROP TABLE rm_agreement_signings');
  }
}
