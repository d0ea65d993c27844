import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models: projections of the ledger that `cli rebuild` can drop and replay. Times
 * are timestamptz at millisecond precision; period bounds are resolved at projection.
 */
export class ReadModels1764070100000 implements MigrationInterface {
  name = 'ReadModels1764070100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_vendors (
        vendor_id text PRIMARY KEY, name text NOT NULL, address text, country text,
        role text NOT NULL, parent_vendor_id text,
        event_time timestamptz NOT NULL, ledger_sequence bigint NOT NULL)`);
    await q.query(`
      CREATE TABLE rm_agreements (
        agreement_id text PRIMARY KEY, vendor_id text NOT NULL, kind text NOT NULL,
        permitted_purposes text[] NOT NULL, effective_from timestamptz NOT NULL,
        expires_at timestamptz, allows_onward_transfer boolean NOT NULL,
        event_time timestamptz NOT NULL, ledger_sequence bigint NOT NULL)`);
    await q.query('CREATE INDEX rm_agreements_vendor ON rm_agreements (vendor_id)');
    await q.query(`
      CREATE TABLE rm_agreement_terminations (
        ledger_sequence bigint PRIMARY KEY, agreement_id text NOT NULL,
        terminated_at timestamptz NOT NULL, reason text)`);
    await q.query(
      'CREATE INDEX rm_agreement_terminations_agreement ON rm_agreement_terminations (agreement_id)',
    );
    await q.query(`
      CREATE TABLE rm_studies (
        study_uid text PRIMARY KEY, patient text NOT NULL, patient_system text NOT NULL,
        accession_number text, modality text NOT NULL, body_part text NOT NULL,
        study_date text NOT NULL, facility text NOT NULL, description text,
        event_time timestamptz NOT NULL, ledger_sequence bigint NOT NULL)`);
    await q.query('CREATE INDEX rm_studies_patient ON rm_studies (patient)');
    await q.query(`
      CREATE TABLE rm_derivations (
        derived_uid text PRIMARY KEY, source_uid text NOT NULL, method_codes text[] NOT NULL,
        tool_name text NOT NULL, tool_version text NOT NULL, performed_by text,
        event_id text NOT NULL, occurred_at timestamptz NOT NULL,
        event_time timestamptz NOT NULL, ledger_sequence bigint NOT NULL)`);
    await q.query('CREATE INDEX rm_derivations_source ON rm_derivations (source_uid)');
    await q.query(`
      CREATE TABLE rm_datasets (
        dataset_id text PRIMARY KEY, name text NOT NULL, purpose text,
        event_time timestamptz NOT NULL, ledger_sequence bigint NOT NULL)`);
    await q.query(`
      CREATE TABLE rm_dataset_members (
        dataset_id text NOT NULL, study_uid text NOT NULL, added_at timestamptz NOT NULL,
        event_id text NOT NULL, ledger_sequence bigint NOT NULL,
        PRIMARY KEY (dataset_id, study_uid))`);
    await q.query('CREATE INDEX rm_dataset_members_study ON rm_dataset_members (study_uid)');
    await q.query(`
      CREATE TABLE rm_consents (
        consent_id text PRIMARY KEY, patient text NOT NULL, decision text NOT NULL,
        purposes text[] NOT NULL, vendor_ids text[], scope_study_uids text[], scope_modalities text[],
        valid_from timestamptz NOT NULL, valid_until timestamptz, document_ref text,
        event_time timestamptz NOT NULL, ledger_sequence bigint NOT NULL)`);
    await q.query('CREATE INDEX rm_consents_patient ON rm_consents (patient)');
    await q.query(`
      CREATE TABLE rm_consent_revocations (
        ledger_sequence bigint PRIMARY KEY, consent_id text NOT NULL,
        revoked_at timestamptz NOT NULL, reason text)`);
    await q.query(
      'CREATE INDEX rm_consent_revocations_consent ON rm_consent_revocations (consent_id)',
    );
    for (const [table, extra] of [
      [
        'rm_disclosures',
        `disclosure_id text NOT NULL, recipient_vendor_id text NOT NULL, purpose text NOT NULL,
         legal_basis text NOT NULL, agreement_id text, channel text, description text, approved_by text`,
      ],
      [
        'rm_transfers',
        'transfer_id text NOT NULL, from_vendor_id text NOT NULL, to_vendor_id text NOT NULL, purpose text NOT NULL',
      ],
      [
        'rm_models',
        'vendor_id text NOT NULL, model_id text NOT NULL, model_version text NOT NULL, usage text NOT NULL',
      ],
      ['rm_deletions', 'vendor_id text NOT NULL, method text, certificate_ref text'],
    ]) {
      await q.query(`
        CREATE TABLE ${table} (
          ledger_sequence bigint PRIMARY KEY, event_id text NOT NULL, occurred_at timestamptz NOT NULL,
          target_study_uid text, target_dataset_id text, ${extra},
          CHECK ((target_study_uid IS NULL) <> (target_dataset_id IS NULL)))`);
      await q.query(
        `CREATE INDEX ${table}_study ON ${table} (target_study_uid) WHERE target_study_uid IS NOT NULL`,
      );
      await q.query(
        `CREATE INDEX ${table}_dataset ON ${table} (target_dataset_id) WHERE target_dataset_id IS NOT NULL`,
      );
    }
    await q.query('CREATE INDEX rm_disclosures_recipient ON rm_disclosures (recipient_vendor_id)');
    await q.query('CREATE INDEX rm_transfers_from ON rm_transfers (from_vendor_id)');
    await q.query('CREATE INDEX rm_transfers_to ON rm_transfers (to_vendor_id)');
    await q.query(`
      CREATE TABLE rm_findings (
        ledger_sequence bigint NOT NULL, study_uid text NOT NULL, code text NOT NULL,
        vendor_id text NOT NULL, event_id text NOT NULL, occurred_at timestamptz NOT NULL,
        detail text NOT NULL,
        PRIMARY KEY (ledger_sequence, study_uid, code))`);
    await q.query('CREATE INDEX rm_findings_study ON rm_findings (study_uid)');
    await q.query('CREATE INDEX rm_findings_vendor ON rm_findings (vendor_id, ledger_sequence)');
    await q.query('CREATE INDEX rm_findings_code ON rm_findings (code, ledger_sequence)');
    await q.query(`
      CREATE TABLE access_log (
        id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), actor text NOT NULL,
        roles text[] NOT NULL, operation text NOT NULL, patient_pseudonym text NOT NULL)`);
    await q.query(`
      CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
      FOR EACH ROW EXECUTE FUNCTION scantrail_refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access_log, rm_findings, rm_deletions, rm_models, rm_transfers,
      rm_disclosures, rm_consent_revocations, rm_consents, rm_dataset_members, rm_datasets,
      rm_derivations, rm_studies, rm_agreement_terminations, rm_agreements, rm_vendors`);
  }
}
