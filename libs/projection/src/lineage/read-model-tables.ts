// One definition per lineage read-model table: its columns with the PostgreSQL type each
// is cast to, and how a batch's rows meet the stored ones. The INSERT/UPSERT statements
// and the row types the handlers fill are built from these (row-writer.ts), so the column
// lists of the migrations are repeated here once, not per statement.

/** The PostgreSQL types read-model columns use (the casts of jsonb_to_recordset). */
export type ColumnType =
  'text' | 'text[]' | 'timestamptz' | 'bigint' | 'integer' | 'boolean' | 'jsonb';

type ValueOf<T extends ColumnType> = T extends 'text' | 'timestamptz'
  ? string
  : T extends 'text[]'
    ? readonly string[]
    : T extends 'bigint' | 'integer'
      ? number
      : T extends 'boolean'
        ? boolean
        : unknown;

export type Columns = Readonly<Record<string, ColumnType>>;

/**
 * How the rows of one batch and the stored rows combine:
 * - `every`: one row per ledger entry (keyed by its sequence), inserted as they come;
 * - `latest`: one row per `key`, the latest (event_time, ledger_sequence) wins, so arrival
 *   order never matters;
 * - `earliest`: one row per `key` columns, the smallest `by` wins.
 */
export type Keep =
  | { kind: 'every' }
  | { kind: 'latest'; key: string }
  | { kind: 'earliest'; key: readonly string[]; by: string };

export interface ReadModelTable<C extends Columns = Columns> {
  name: string;
  columns: C;
  keep: Keep;
  /**
   * Columns no handler gives: the projection computes them after the batch's write, and a
   * bulk load after its merge (the row writer and the loader's COPY leave them out).
   */
  computed?: Columns;
}

/** Set on every row from its ledger entry, never by a handler. */
export type EntryColumn = 'event_time' | 'ledger_sequence';

/** What a handler gives for a row of `table`: every column but the entry's own. */
export type RowOf<T extends ReadModelTable> = {
  [K in Exclude<keyof T['columns'], EntryColumn>]: ValueOf<T['columns'][K]> | null;
};

const table = <C extends Columns>(
  name: string,
  columns: C,
  keep: Keep,
  computed?: Columns,
): ReadModelTable<C> => ({ name, columns, keep, ...(computed ? { computed } : {}) });
const latest = (key: string): Keep => ({ kind: 'latest', key });
const EVERY: Keep = { kind: 'every' };

/** Columns of a row that an event aims at one study or one dataset. */
const TARGETED = {
  ledger_sequence: 'bigint',
  event_id: 'text',
  occurred_at: 'timestamptz',
  target_study_uid: 'text',
  target_dataset_id: 'text',
} as const;

export const VENDORS = table(
  'rm_vendors',
  {
    vendor_id: 'text',
    name: 'text',
    address: 'text',
    country: 'text',
    role: 'text',
    parent_vendor_id: 'text',
    event_time: 'timestamptz',
    ledger_sequence: 'bigint',
  },
  latest('vendor_id'),
);

export const AGREEMENTS = table(
  'rm_agreements',
  {
    agreement_id: 'text',
    vendor_id: 'text',
    kind: 'text',
    permitted_purposes: 'text[]',
    effective_from: 'timestamptz',
    expires_at: 'timestamptz',
    allows_onward_transfer: 'boolean',
    event_time: 'timestamptz',
    ledger_sequence: 'bigint',
  },
  latest('agreement_id'),
);

/**
 * Every vendor an agreement was signed for (rm_agreements keeps the latest signing only):
 * when one is signed again under another vendor, the findings of both are re-evaluated.
 */
export const AGREEMENT_SIGNERS = table(
  'rm_agreement_signers',
  { agreement_id: 'text', vendor_id: 'text', event_time: 'timestamptz', ledger_sequence: 'bigint' },
  { kind: 'earliest', key: ['agreement_id', 'vendor_id'], by: 'event_time' },
);

/**
 * Every signing of an agreement, as rm_agreements keeps the latest: the findings worker
 * tells from them what a round's signings changed, and re-evaluates only there.
 */
export const AGREEMENT_SIGNINGS = table(
  'rm_agreement_signings',
  {
    ledger_sequence: 'bigint',
    agreement_id: 'text',
    vendor_id: 'text',
    permitted_purposes: 'text[]',
    effective_from: 'timestamptz',
    expires_at: 'timestamptz',
    allows_onward_transfer: 'boolean',
    event_time: 'timestamptz',
  },
  EVERY,
);

export const AGREEMENT_TERMINATIONS = table(
  'rm_agreement_terminations',
  { ledger_sequence: 'bigint', agreement_id: 'text', terminated_at: 'timestamptz', reason: 'text' },
  EVERY,
);

export const STUDIES = table(
  'rm_studies',
  {
    study_uid: 'text',
    patient: 'text',
    patient_system: 'text',
    accession_number: 'text',
    modality: 'text',
    body_part: 'text',
    study_date: 'text',
    facility: 'text',
    description: 'text',
    patient_value_pseudonym: 'text',
    event_time: 'timestamptz',
    ledger_sequence: 'bigint',
  },
  latest('study_uid'),
);

export const DERIVATIONS = table(
  'rm_derivations',
  {
    derived_uid: 'text',
    source_uid: 'text',
    method_codes: 'text[]',
    tool_name: 'text',
    tool_version: 'text',
    performed_by: 'text',
    event_id: 'text',
    occurred_at: 'timestamptz',
    event_time: 'timestamptz',
    ledger_sequence: 'bigint',
  },
  latest('derived_uid'),
  // The registered study that labels the derivative (1764107500000-study-labels).
  { label_uid: 'text' },
);

export const DATASETS = table(
  'rm_datasets',
  {
    dataset_id: 'text',
    name: 'text',
    purpose: 'text',
    event_time: 'timestamptz',
    ledger_sequence: 'bigint',
  },
  latest('dataset_id'),
);

/** A member counts from the earliest event that added it. */
export const DATASET_MEMBERS = table(
  'rm_dataset_members',
  {
    dataset_id: 'text',
    study_uid: 'text',
    added_at: 'timestamptz',
    event_id: 'text',
    ledger_sequence: 'bigint',
  },
  { kind: 'earliest', key: ['dataset_id', 'study_uid'], by: 'added_at' },
);

export const CONSENTS = table(
  'rm_consents',
  {
    consent_id: 'text',
    patient: 'text',
    decision: 'text',
    purposes: 'text[]',
    vendor_ids: 'text[]',
    scope_study_uids: 'text[]',
    scope_modalities: 'text[]',
    valid_from: 'timestamptz',
    valid_until: 'timestamptz',
    document_ref: 'text',
    event_time: 'timestamptz',
    ledger_sequence: 'bigint',
  },
  latest('consent_id'),
);

/**
 * Every recording of a consent, as rm_consents keeps the latest: what decides which
 * disclosures it can cover, so the findings worker re-evaluates only those.
 */
export const CONSENT_RECORDINGS = table(
  'rm_consent_recordings',
  {
    ledger_sequence: 'bigint',
    consent_id: 'text',
    patient: 'text',
    decision: 'text',
    purposes: 'text[]',
    vendor_ids: 'text[]',
  },
  EVERY,
);

export const CONSENT_REVOCATIONS = table(
  'rm_consent_revocations',
  { ledger_sequence: 'bigint', consent_id: 'text', revoked_at: 'timestamptz', reason: 'text' },
  EVERY,
);

export const DISCLOSURES = table(
  'rm_disclosures',
  {
    ...TARGETED,
    disclosure_id: 'text',
    recipient_vendor_id: 'text',
    purpose: 'text',
    legal_basis: 'text',
    agreement_id: 'text',
    channel: 'text',
    description: 'text',
    approved_by: 'text',
    // The CloudEvent's source, beside its id: the accounting's letter names both without
    // reading the ledger's entries (1764102500000-event-source-of-receipts).
    event_source: 'text',
  },
  EVERY,
);

export const TRANSFERS = table(
  'rm_transfers',
  {
    ...TARGETED,
    transfer_id: 'text',
    from_vendor_id: 'text',
    to_vendor_id: 'text',
    purpose: 'text',
    event_source: 'text',
  },
  EVERY,
);

export const MODELS = table(
  'rm_models',
  {
    ...TARGETED,
    vendor_id: 'text',
    model_id: 'text',
    model_version: 'text',
    usage: 'text',
  },
  EVERY,
);

export const DELETIONS = table(
  'rm_deletions',
  { ...TARGETED, vendor_id: 'text', method: 'text', certificate_ref: 'text' },
  EVERY,
);

/**
 * The four tables above in one, by target, with what a lineage edge needs (`trace` reads
 * this one; 1764106500000-target-events): `kind` is the edge's kind.
 */
export const TARGET_EVENTS = table(
  'rm_target_events',
  {
    ...TARGETED,
    kind: 'text',
    from_vendor_id: 'text',
    to_id: 'text',
    actor: 'text',
    version: 'text',
    channel: 'text',
  },
  EVERY,
);

export const DELETION_REQUESTS = table(
  'rm_deletion_requests',
  {
    request_id: 'text',
    patient: 'text',
    patient_system: 'text',
    requested_at: 'timestamptz',
    due_by: 'timestamptz',
    scope_study_uids: 'text[]',
    legal_ground: 'text',
    channel: 'text',
    event_id: 'text',
    event_time: 'timestamptz',
    ledger_sequence: 'bigint',
  },
  latest('request_id'),
);

export const BREACHES = table(
  'rm_breaches',
  {
    breach_id: 'text',
    vendor_id: 'text',
    discovered_at: 'timestamptz',
    exposure_from: 'timestamptz',
    exposure_to: 'timestamptz',
    affected_study_uids: 'text[]',
    affected_dataset_ids: 'text[]',
    description: 'text',
    event_id: 'text',
    event_time: 'timestamptz',
    ledger_sequence: 'bigint',
  },
  latest('breach_id'),
);

export const INSPECTIONS = table(
  'rm_inspections',
  {
    ledger_sequence: 'bigint',
    inspection_id: 'text',
    study_uid: 'text',
    event_id: 'text',
    occurred_at: 'timestamptz',
    tool_name: 'text',
    tool_version: 'text',
    instances: 'integer',
    result: 'text',
    issues: 'jsonb',
    method_codes_found: 'text[]',
    patient_identifiers_found: 'jsonb',
    event_time: 'timestamptz',
  },
  EVERY,
);

/** Every lineage table, in the order a batch writes them. */
export const LINEAGE_TABLES: readonly ReadModelTable[] = [
  VENDORS,
  AGREEMENTS,
  AGREEMENT_SIGNERS,
  AGREEMENT_SIGNINGS,
  AGREEMENT_TERMINATIONS,
  STUDIES,
  DERIVATIONS,
  DATASETS,
  DATASET_MEMBERS,
  CONSENTS,
  CONSENT_RECORDINGS,
  CONSENT_REVOCATIONS,
  DISCLOSURES,
  TRANSFERS,
  MODELS,
  DELETIONS,
  TARGET_EVENTS,
  DELETION_REQUESTS,
  BREACHES,
  INSPECTIONS,
];
