import {
  periodEnd,
  periodStart,
  type AgreementSigned,
  type AgreementTerminated,
  type ConsentRecorded,
  type ConsentRevoked,
  type DatasetAssembled,
  type BreachReported,
  type DeidentificationInspected,
  type DeletionAttested,
  type DeletionRequested,
  type DisclosureRecorded,
  type ModelTrained,
  type StudyDeidentified,
  type StudyRegistered,
  type Target,
  type TransferOnward,
  type VendorRegistered,
} from '@scantrail/contract';
import type { LedgerProjection, RecordedEntry } from '@scantrail/storage';
import type { EntityManager } from 'typeorm';
import { emptySeeds, refreshFindings, type FindingSeeds } from '../findings/findings-refresh';
import { sql } from '../sql/sql-files';
import { insertRows, latestByKey, replaceIfLater, type Columns } from './row-writer';

const iso = (value: string | number): string => new Date(value).toISOString();

const VENDOR: Columns = {
  vendor_id: 'text',
  name: 'text',
  address: 'text',
  country: 'text',
  role: 'text',
  parent_vendor_id: 'text',
  event_time: 'timestamptz',
  ledger_sequence: 'bigint',
};
const AGREEMENT: Columns = {
  agreement_id: 'text',
  vendor_id: 'text',
  kind: 'text',
  permitted_purposes: 'text[]',
  effective_from: 'timestamptz',
  expires_at: 'timestamptz',
  allows_onward_transfer: 'boolean',
  event_time: 'timestamptz',
  ledger_sequence: 'bigint',
};
const TERMINATION: Columns = {
  ledger_sequence: 'bigint',
  agreement_id: 'text',
  terminated_at: 'timestamptz',
  reason: 'text',
};
const STUDY: Columns = {
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
};
const INSPECTION: Columns = {
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
};
const DERIVATION: Columns = {
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
};
const DATASET: Columns = {
  dataset_id: 'text',
  name: 'text',
  purpose: 'text',
  event_time: 'timestamptz',
  ledger_sequence: 'bigint',
};
const MEMBER: Columns = {
  dataset_id: 'text',
  study_uid: 'text',
  added_at: 'timestamptz',
  event_id: 'text',
  ledger_sequence: 'bigint',
};
const CONSENT: Columns = {
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
};
const REVOCATION: Columns = {
  ledger_sequence: 'bigint',
  consent_id: 'text',
  revoked_at: 'timestamptz',
  reason: 'text',
};
const TARGETED: Columns = {
  ledger_sequence: 'bigint',
  event_id: 'text',
  occurred_at: 'timestamptz',
  target_study_uid: 'text',
  target_dataset_id: 'text',
};
const DISCLOSURE: Columns = {
  ...TARGETED,
  disclosure_id: 'text',
  recipient_vendor_id: 'text',
  purpose: 'text',
  legal_basis: 'text',
  agreement_id: 'text',
  channel: 'text',
  description: 'text',
  approved_by: 'text',
};
const TRANSFER: Columns = {
  ...TARGETED,
  transfer_id: 'text',
  from_vendor_id: 'text',
  to_vendor_id: 'text',
  purpose: 'text',
};
const MODEL: Columns = {
  ...TARGETED,
  vendor_id: 'text',
  model_id: 'text',
  model_version: 'text',
  usage: 'text',
};
const DELETION: Columns = {
  ...TARGETED,
  vendor_id: 'text',
  method: 'text',
  certificate_ref: 'text',
};

const DELETION_REQUEST: Columns = {
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
};
const BREACH: Columns = {
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
};

type Row = Record<string, unknown> & { event_time: string; ledger_sequence: number };

const targeted = (e: RecordedEntry, target: Target): Record<string, unknown> => ({
  ledger_sequence: e.sequence,
  event_id: e.id,
  occurred_at: iso(e.time),
  target_study_uid: target.studyInstanceUid ?? null,
  target_dataset_id: target.datasetId ?? null,
});

/**
 * Projects ledger entries into the lineage read models, then re-evaluates exactly the
 * findings the entries can change (see findings-refresh.ts). Order-independent: every
 * "latest wins" rule compares event times, never arrival.
 */
export class LineageProjection implements LedgerProjection {
  async project(manager: EntityManager, entries: readonly RecordedEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = new Map<string, Row[]>();
    const add = (table: string, row: Record<string, unknown>, e: RecordedEntry): void => {
      const list = rows.get(table) ?? [];
      list.push({ ...row, event_time: iso(e.time), ledger_sequence: e.sequence });
      rows.set(table, list);
    };
    const seeds: FindingSeeds = emptySeeds();
    const addTarget = (t: Target, e: RecordedEntry): void => {
      if (t.studyInstanceUid) seeds.carried.studies.add(t.studyInstanceUid);
      if (t.datasetId) seeds.carried.datasets.add(t.datasetId);
      seeds.carried.events.add(e.sequence);
    };

    for (const e of entries) {
      switch (e.type) {
        case 'org.scantrail.vendor.registered': {
          const d = e.data as VendorRegistered;
          add(
            'rm_vendors',
            {
              vendor_id: d.vendorId,
              name: d.name,
              address: d.address ?? null,
              country: d.country ?? null,
              role: d.role,
              parent_vendor_id: d.parentVendorId ?? null,
            },
            e,
          );
          break;
        }
        case 'org.scantrail.agreement.signed': {
          const d = e.data as AgreementSigned;
          add(
            'rm_agreements',
            {
              agreement_id: d.agreementId,
              vendor_id: d.vendorId,
              kind: d.kind,
              permitted_purposes: d.permittedPurposes,
              effective_from: iso(periodStart(d.effectiveFrom)),
              expires_at: d.expiresAt ? iso(periodEnd(d.expiresAt)) : null,
              allows_onward_transfer: d.allowsOnwardTransfer,
            },
            e,
          );
          seeds.vendors.add(d.vendorId);
          break;
        }
        case 'org.scantrail.agreement.terminated': {
          const d = e.data as AgreementTerminated;
          add(
            'rm_agreement_terminations',
            { agreement_id: d.agreementId, terminated_at: iso(e.time), reason: d.reason ?? null },
            e,
          );
          seeds.agreements.add(d.agreementId);
          break;
        }
        case 'org.scantrail.study.registered': {
          const d = e.data as StudyRegistered;
          add(
            'rm_studies',
            {
              study_uid: d.studyInstanceUid,
              patient: d.patient.value,
              patient_system: d.patient.system,
              accession_number: d.accessionNumber ?? null,
              modality: d.modality,
              body_part: d.bodyPart,
              study_date: d.studyDate,
              facility: d.facility,
              description: d.description ?? null,
              patient_value_pseudonym: d.patientValuePseudonym ?? null,
            },
            e,
          );
          seeds.studies.add(d.studyInstanceUid);
          break;
        }
        case 'org.scantrail.study.deidentified': {
          const d = e.data as StudyDeidentified;
          add(
            'rm_derivations',
            {
              derived_uid: d.derivedStudyInstanceUid,
              source_uid: d.sourceStudyInstanceUid,
              method_codes: d.methodCodes,
              tool_name: d.tool.name,
              tool_version: d.tool.version,
              performed_by: d.performedBy ?? null,
              event_id: e.id,
              occurred_at: iso(e.time),
            },
            e,
          );
          seeds.studies.add(d.derivedStudyInstanceUid);
          seeds.studies.add(d.sourceStudyInstanceUid);
          break;
        }
        case 'org.scantrail.consent.recorded': {
          const d = e.data as ConsentRecorded;
          add(
            'rm_consents',
            {
              consent_id: d.consentId,
              patient: d.patient.value,
              decision: d.decision,
              purposes: d.purposes,
              vendor_ids: d.vendorIds ?? null,
              scope_study_uids: d.scope?.studyInstanceUids ?? null,
              scope_modalities: d.scope?.modalities ?? null,
              valid_from: iso(periodStart(d.validFrom)),
              valid_until: d.validUntil ? iso(periodEnd(d.validUntil)) : null,
              document_ref: d.documentRef ?? null,
            },
            e,
          );
          seeds.patients.add(d.patient.value);
          break;
        }
        case 'org.scantrail.consent.revoked': {
          const d = e.data as ConsentRevoked;
          add(
            'rm_consent_revocations',
            { consent_id: d.consentId, revoked_at: iso(e.time), reason: d.reason ?? null },
            e,
          );
          seeds.consents.add(d.consentId);
          break;
        }
        case 'org.scantrail.dataset.assembled': {
          const d = e.data as DatasetAssembled;
          add(
            'rm_datasets',
            { dataset_id: d.datasetId, name: d.name, purpose: d.purpose ?? null },
            e,
          );
          for (const uid of d.studyInstanceUids) {
            add(
              'rm_dataset_members',
              { dataset_id: d.datasetId, study_uid: uid, added_at: iso(e.time), event_id: e.id },
              e,
            );
            // A member changes only what the dataset's own disclosures and transfers
            // carry, and the retention of the member's patient-authorized disclosures.
            seeds.carried.studies.add(uid);
          }
          seeds.carried.eventsOfDatasets.add(d.datasetId);
          break;
        }
        case 'org.scantrail.disclosure.recorded': {
          const d = e.data as DisclosureRecorded;
          add(
            'rm_disclosures',
            {
              ...targeted(e, d.target),
              disclosure_id: d.disclosureId,
              recipient_vendor_id: d.recipientVendorId,
              purpose: d.purpose,
              legal_basis: d.legalBasis,
              agreement_id: d.agreementId ?? null,
              channel: d.channel ?? null,
              description: d.description ?? null,
              approved_by: d.approvedBy ?? null,
            },
            e,
          );
          addTarget(d.target, e);
          break;
        }
        case 'org.scantrail.transfer.onward': {
          const d = e.data as TransferOnward;
          add(
            'rm_transfers',
            {
              ...targeted(e, d.target),
              transfer_id: d.transferId,
              from_vendor_id: d.fromVendorId,
              to_vendor_id: d.toVendorId,
              purpose: d.purpose,
            },
            e,
          );
          addTarget(d.target, e);
          break;
        }
        case 'org.scantrail.model.trained': {
          const d = e.data as ModelTrained;
          add(
            'rm_models',
            {
              ...targeted(e, d.target),
              vendor_id: d.vendorId,
              model_id: d.modelId,
              model_version: d.modelVersion,
              usage: d.usage,
            },
            e,
          );
          break;
        }
        case 'org.scantrail.deletion.attested': {
          const d = e.data as DeletionAttested;
          add(
            'rm_deletions',
            {
              ...targeted(e, d.target),
              vendor_id: d.vendorId,
              method: d.method ?? null,
              certificate_ref: d.certificateRef ?? null,
            },
            e,
          );
          addTarget(d.target, e);
          break;
        }
        case 'org.scantrail.deletion.requested': {
          const d = e.data as DeletionRequested;
          add(
            'rm_deletion_requests',
            {
              request_id: d.requestId,
              patient: d.patient.value,
              patient_system: d.patient.system,
              requested_at: iso(e.time),
              due_by: iso(periodEnd(d.dueBy)),
              scope_study_uids: d.scope?.studyInstanceUids ?? null,
              legal_ground: d.legalGround ?? null,
              channel: d.channel ?? null,
              event_id: e.id,
            },
            e,
          );
          break;
        }
        case 'org.scantrail.breach.reported': {
          const d = e.data as BreachReported;
          const targets = d.affectedTargets;
          add(
            'rm_breaches',
            {
              breach_id: d.breachId,
              vendor_id: d.vendorId,
              discovered_at: iso(periodStart(d.discoveredAt)),
              exposure_from: d.exposureFrom ? iso(periodStart(d.exposureFrom)) : null,
              exposure_to: iso(
                d.exposureTo ? periodEnd(d.exposureTo) : periodStart(d.discoveredAt),
              ),
              // Both null: all the vendor held; otherwise the listed targets of each kind.
              affected_study_uids: targets
                ? targets.flatMap((t) => (t.studyInstanceUid ? [t.studyInstanceUid] : []))
                : null,
              affected_dataset_ids: targets
                ? targets.flatMap((t) => (t.datasetId ? [t.datasetId] : []))
                : null,
              description: d.description ?? null,
              event_id: e.id,
            },
            e,
          );
          break;
        }
        case 'org.scantrail.deidentification.inspected': {
          const d = e.data as DeidentificationInspected;
          add(
            'rm_inspections',
            {
              inspection_id: d.inspectionId,
              study_uid: d.studyInstanceUid,
              event_id: e.id,
              occurred_at: iso(e.time),
              tool_name: d.tool.name,
              tool_version: d.tool.version,
              instances: d.instances,
              result: d.result,
              issues: d.issues ?? [],
              method_codes_found: d.methodCodesFound ?? [],
              patient_identifiers_found: d.patientIdentifiersFound ?? [],
            },
            e,
          );
          // The study's latest inspection may change the findings of every disclosure of it.
          seeds.studies.add(d.studyInstanceUid);
          break;
        }
        default:
          throw new Error(
            `lineage: no projection for event type ${e.type} (sequence ${e.sequence})`,
          );
      }
    }

    const get = (table: string): Row[] => rows.get(table) ?? [];
    await insertRows(
      manager,
      'rm_vendors',
      VENDOR,
      latestByKey(get('rm_vendors'), (r) => String(r.vendor_id)),
      replaceIfLater('rm_vendors', 'vendor_id', VENDOR),
    );
    await insertRows(
      manager,
      'rm_agreements',
      AGREEMENT,
      latestByKey(get('rm_agreements'), (r) => String(r.agreement_id)),
      replaceIfLater('rm_agreements', 'agreement_id', AGREEMENT),
    );
    await insertRows(
      manager,
      'rm_agreement_terminations',
      TERMINATION,
      get('rm_agreement_terminations'),
    );
    await insertRows(
      manager,
      'rm_studies',
      STUDY,
      latestByKey(get('rm_studies'), (r) => String(r.study_uid)),
      replaceIfLater('rm_studies', 'study_uid', STUDY),
    );
    await insertRows(
      manager,
      'rm_derivations',
      DERIVATION,
      latestByKey(get('rm_derivations'), (r) => String(r.derived_uid)),
      replaceIfLater('rm_derivations', 'derived_uid', DERIVATION),
    );
    await insertRows(
      manager,
      'rm_datasets',
      DATASET,
      latestByKey(get('rm_datasets'), (r) => String(r.dataset_id)),
      replaceIfLater('rm_datasets', 'dataset_id', DATASET),
    );
    // A member counts from the earliest event that added it.
    const earliestMembers = new Map<string, Row>();
    for (const m of get('rm_dataset_members')) {
      const key = `${String(m.dataset_id)}\u0000${String(m.study_uid)}`;
      const current = earliestMembers.get(key);
      if (!current || String(m.added_at) < String(current.added_at)) earliestMembers.set(key, m);
    }
    await insertRows(
      manager,
      'rm_dataset_members',
      MEMBER,
      [...earliestMembers.values()],
      `ON CONFLICT (dataset_id, study_uid) DO UPDATE SET added_at = EXCLUDED.added_at, event_id = EXCLUDED.event_id,
         ledger_sequence = EXCLUDED.ledger_sequence WHERE EXCLUDED.added_at < rm_dataset_members.added_at`,
    );
    await insertRows(
      manager,
      'rm_consents',
      CONSENT,
      latestByKey(get('rm_consents'), (r) => String(r.consent_id)),
      replaceIfLater('rm_consents', 'consent_id', CONSENT),
    );
    await insertRows(manager, 'rm_consent_revocations', REVOCATION, get('rm_consent_revocations'));
    await insertRows(manager, 'rm_disclosures', DISCLOSURE, get('rm_disclosures'));
    await insertRows(manager, 'rm_transfers', TRANSFER, get('rm_transfers'));
    await insertRows(manager, 'rm_models', MODEL, get('rm_models'));
    await insertRows(manager, 'rm_deletions', DELETION, get('rm_deletions'));
    await insertRows(
      manager,
      'rm_deletion_requests',
      DELETION_REQUEST,
      latestByKey(get('rm_deletion_requests'), (r) => String(r.request_id)),
      replaceIfLater('rm_deletion_requests', 'request_id', DELETION_REQUEST),
    );
    await insertRows(
      manager,
      'rm_breaches',
      BREACH,
      latestByKey(get('rm_breaches'), (r) => String(r.breach_id)),
      replaceIfLater('rm_breaches', 'breach_id', BREACH),
    );
    await insertRows(manager, 'rm_inspections', INSPECTION, get('rm_inspections'));

    await manager.query(sql('vendor-receipts'), [
      get('rm_disclosures').map((r) => r.ledger_sequence),
      get('rm_transfers').map((r) => r.ledger_sequence),
      [...earliestMembers.values()].map((m) => m.dataset_id),
      [...earliestMembers.values()].map((m) => m.study_uid),
    ]);
    await refreshFindings(manager, seeds);
  }
}
