import {
  isEventType,
  parseRfc3339DateTime,
  periodEnd,
  periodStart,
  type EventDataOf,
  type EventType,
  type Target,
} from '@scantrail/contract';
import type { LeafFields } from '@scantrail/ledger';
import type { FindingSeeds } from '../findings/findings-seeds';
import {
  AGREEMENT_SIGNERS,
  AGREEMENT_SIGNINGS,
  AGREEMENT_TERMINATIONS,
  AGREEMENTS,
  BREACHES,
  CONSENT_RECORDINGS,
  CONSENT_REVOCATIONS,
  CONSENTS,
  DATASET_MEMBERS,
  DATASETS,
  DELETION_REQUESTS,
  DELETIONS,
  DERIVATIONS,
  DISCLOSURES,
  INSPECTIONS,
  MODELS,
  STUDIES,
  TARGET_EVENTS,
  TRANSFERS,
  VENDORS,
  type ReadModelTable,
  type RowOf,
} from './read-model-tables';

/** Where a handler puts what one entry changes. */
export interface EntryOutput {
  /**
   * A row of `table`; its event_time and ledger_sequence come from the entry. `values` is a
   * fresh object the output may keep and extend (never one a handler passes twice).
   */
  row<T extends ReadModelTable>(table: T, values: RowOf<T>): void;
  /**
   * What the entry can change of the stored findings (see findings-refresh.ts): gathered
   * by the findings worker only; the ingest's projection leaves it out (hot path).
   */
  readonly seeds?: FindingSeeds;
}

type Handler<T extends EventType> = (
  data: EventDataOf<T>,
  entry: LeafFields,
  out: EntryOutput,
) => void;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * An entry's `time` as the UTC text of the instant the contract reads (parseRfc3339DateTime):
 * `new Date(text)` refuses a leap second (":60", which RFC 3339 and the decoder allow), and
 * its RangeError, not being a database refusal, failed the batch on every retry.
 */
export function eventTimeIso(time: string): string {
  const ms = parseRfc3339DateTime(time);
  if (ms === undefined) throw new Error(`an entry's time is not RFC 3339: ${JSON.stringify(time)}`);
  return iso(ms);
}

// Rows are object literals, never `{ ...targeted(e, t), more }`: in V8 (node 20) a spread
// followed by members its source lacks takes a slow path (about 0.8 us a member, bench/HISTORY.md
// "Session 16 (issue 15): the ingest's CPU a message"), and every targeted event makes two rows.

/** A row of rm_target_events: the edge `kind` to `toId`; the other columns null unless given. */
const targetEvent = (
  e: LeafFields,
  occurredAt: string,
  target: Target,
  kind: 'DISCLOSED' | 'ONWARD_TRANSFER' | 'TRAINED' | 'DELETED',
  toId: string,
  more: {
    fromVendorId?: string;
    actor?: string;
    version?: string;
    channel?: string | null;
  } = {},
) => ({
  event_id: e.id,
  occurred_at: occurredAt,
  target_study_uid: target.studyInstanceUid ?? null,
  target_dataset_id: target.datasetId ?? null,
  kind,
  from_vendor_id: more.fromVendorId ?? null,
  to_id: toId,
  actor: more.actor ?? null,
  version: more.version ?? null,
  channel: more.channel ?? null,
});

/**
 * What an event aimed at a study or a dataset carries: its findings may change; a transfer's
 * or a deletion's (`retention`) also the retention of the target's patient-authorized
 * disclosures.
 */
const carry = (out: EntryOutput, target: Target, e: LeafFields, retention = false): void => {
  const carried = out.seeds?.carried;
  if (carried === undefined) return;
  if (target.studyInstanceUid) carried.studies.add(target.studyInstanceUid);
  if (target.datasetId) carried.datasets.add(target.datasetId);
  carried.events.add(e.sequence);
  if (!retention) return;
  if (target.studyInstanceUid) carried.retention.studies.add(target.studyInstanceUid);
  if (target.datasetId) carried.retention.datasets.add(target.datasetId);
};

/** One handler per event type, each typed by its event's data (validated at ingest). */
export const LINEAGE_HANDLERS: { readonly [T in EventType]: Handler<T> } = {
  'org.scantrail.vendor.registered': (d, _e, out) => {
    out.row(VENDORS, {
      vendor_id: d.vendorId,
      name: d.name,
      address: d.address ?? null,
      country: d.country ?? null,
      role: d.role,
      parent_vendor_id: d.parentVendorId ?? null,
    });
  },

  'org.scantrail.agreement.signed': (d, _e, out) => {
    const signing = {
      agreement_id: d.agreementId,
      vendor_id: d.vendorId,
      permitted_purposes: d.permittedPurposes,
      effective_from: iso(periodStart(d.effectiveFrom)),
      expires_at: d.expiresAt ? iso(periodEnd(d.expiresAt)) : null,
      allows_onward_transfer: d.allowsOnwardTransfer,
    };
    out.row(AGREEMENTS, { ...signing, kind: d.kind });
    out.row(AGREEMENT_SIGNINGS, signing);
    out.row(AGREEMENT_SIGNERS, { agreement_id: d.agreementId, vendor_id: d.vendorId });
    out.seeds?.vendors.add(d.vendorId);
    // Signed again under another vendor: the earlier vendors' findings move too.
    out.seeds?.agreements.add(d.agreementId);
  },

  'org.scantrail.agreement.terminated': (d, e, out) => {
    out.row(AGREEMENT_TERMINATIONS, {
      agreement_id: d.agreementId,
      terminated_at: eventTimeIso(e.time),
      reason: d.reason ?? null,
    });
    out.seeds?.agreements.add(d.agreementId);
  },

  'org.scantrail.study.registered': (d, _e, out) => {
    out.row(STUDIES, {
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
    });
    out.seeds?.studies.add(d.studyInstanceUid);
  },

  'org.scantrail.study.deidentified': (d, e, out) => {
    out.row(DERIVATIONS, {
      derived_uid: d.derivedStudyInstanceUid,
      source_uid: d.sourceStudyInstanceUid,
      method_codes: d.methodCodes,
      tool_name: d.tool.name,
      tool_version: d.tool.version,
      performed_by: d.performedBy ?? null,
      event_id: e.id,
      occurred_at: eventTimeIso(e.time),
    });
    out.seeds?.studies.add(d.derivedStudyInstanceUid);
    out.seeds?.studies.add(d.sourceStudyInstanceUid);
  },

  'org.scantrail.consent.recorded': (d, _e, out) => {
    out.row(CONSENTS, {
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
    });
    out.row(CONSENT_RECORDINGS, {
      consent_id: d.consentId,
      patient: d.patient.value,
      decision: d.decision,
      purposes: d.purposes,
      vendor_ids: d.vendorIds ?? null,
    });
    out.seeds?.consents.add(d.consentId);
  },

  'org.scantrail.consent.revoked': (d, e, out) => {
    out.row(CONSENT_REVOCATIONS, {
      consent_id: d.consentId,
      revoked_at: eventTimeIso(e.time),
      reason: d.reason ?? null,
    });
    out.seeds?.consents.add(d.consentId);
  },

  'org.scantrail.dataset.assembled': (d, e, out) => {
    out.row(DATASETS, { dataset_id: d.datasetId, name: d.name, purpose: d.purpose ?? null });
    for (const uid of d.studyInstanceUids) {
      out.row(DATASET_MEMBERS, {
        dataset_id: d.datasetId,
        study_uid: uid,
        added_at: eventTimeIso(e.time),
        event_id: e.id,
      });
      // A member changes only what the dataset's own disclosures and transfers
      // carry, and the retention of the member's patient-authorized disclosures.
      out.seeds?.carried.studies.add(uid);
      out.seeds?.carried.retention.studies.add(uid);
    }
    out.seeds?.carried.eventsOfDatasets.add(d.datasetId);
  },

  'org.scantrail.disclosure.recorded': (d, e, out) => {
    const occurredAt = eventTimeIso(e.time);
    out.row(DISCLOSURES, {
      event_id: e.id,
      occurred_at: occurredAt,
      target_study_uid: d.target.studyInstanceUid ?? null,
      target_dataset_id: d.target.datasetId ?? null,
      disclosure_id: d.disclosureId,
      recipient_vendor_id: d.recipientVendorId,
      purpose: d.purpose,
      legal_basis: d.legalBasis,
      agreement_id: d.agreementId ?? null,
      channel: d.channel ?? null,
      description: d.description ?? null,
      approved_by: d.approvedBy ?? null,
      event_source: e.source,
    });
    out.row(
      TARGET_EVENTS,
      targetEvent(e, occurredAt, d.target, 'DISCLOSED', d.recipientVendorId, {
        channel: d.channel,
      }),
    );
    carry(out, d.target, e);
  },

  'org.scantrail.transfer.onward': (d, e, out) => {
    const occurredAt = eventTimeIso(e.time);
    out.row(TRANSFERS, {
      event_id: e.id,
      occurred_at: occurredAt,
      target_study_uid: d.target.studyInstanceUid ?? null,
      target_dataset_id: d.target.datasetId ?? null,
      transfer_id: d.transferId,
      from_vendor_id: d.fromVendorId,
      to_vendor_id: d.toVendorId,
      purpose: d.purpose,
      event_source: e.source,
    });
    out.row(
      TARGET_EVENTS,
      targetEvent(e, occurredAt, d.target, 'ONWARD_TRANSFER', d.toVendorId, {
        fromVendorId: d.fromVendorId,
      }),
    );
    carry(out, d.target, e, true);
  },

  'org.scantrail.model.trained': (d, e, out) => {
    const occurredAt = eventTimeIso(e.time);
    out.row(MODELS, {
      event_id: e.id,
      occurred_at: occurredAt,
      target_study_uid: d.target.studyInstanceUid ?? null,
      target_dataset_id: d.target.datasetId ?? null,
      vendor_id: d.vendorId,
      model_id: d.modelId,
      model_version: d.modelVersion,
      usage: d.usage,
    });
    out.row(
      TARGET_EVENTS,
      targetEvent(e, occurredAt, d.target, 'TRAINED', d.modelId, {
        actor: d.vendorId,
        version: d.modelVersion,
      }),
    );
  },

  'org.scantrail.deletion.attested': (d, e, out) => {
    const occurredAt = eventTimeIso(e.time);
    out.row(DELETIONS, {
      event_id: e.id,
      occurred_at: occurredAt,
      target_study_uid: d.target.studyInstanceUid ?? null,
      target_dataset_id: d.target.datasetId ?? null,
      vendor_id: d.vendorId,
      method: d.method ?? null,
      certificate_ref: d.certificateRef ?? null,
    });
    out.row(TARGET_EVENTS, targetEvent(e, occurredAt, d.target, 'DELETED', d.vendorId));
    carry(out, d.target, e, true);
  },

  'org.scantrail.deletion.requested': (d, e, out) => {
    out.row(DELETION_REQUESTS, {
      request_id: d.requestId,
      patient: d.patient.value,
      patient_system: d.patient.system,
      requested_at: eventTimeIso(e.time),
      due_by: iso(periodEnd(d.dueBy)),
      scope_study_uids: d.scope?.studyInstanceUids ?? null,
      legal_ground: d.legalGround ?? null,
      channel: d.channel ?? null,
      event_id: e.id,
    });
  },

  'org.scantrail.breach.reported': (d, e, out) => {
    const targets = d.affectedTargets;
    out.row(BREACHES, {
      breach_id: d.breachId,
      vendor_id: d.vendorId,
      discovered_at: iso(periodStart(d.discoveredAt)),
      exposure_from: d.exposureFrom ? iso(periodStart(d.exposureFrom)) : null,
      exposure_to: iso(d.exposureTo ? periodEnd(d.exposureTo) : periodStart(d.discoveredAt)),
      // Both null: all the vendor held; otherwise the listed targets of each kind.
      affected_study_uids: targets
        ? targets.flatMap((t) => (t.studyInstanceUid ? [t.studyInstanceUid] : []))
        : null,
      affected_dataset_ids: targets
        ? targets.flatMap((t) => (t.datasetId ? [t.datasetId] : []))
        : null,
      description: d.description ?? null,
      event_id: e.id,
    });
  },

  'org.scantrail.deidentification.inspected': (d, e, out) => {
    out.row(INSPECTIONS, {
      inspection_id: d.inspectionId,
      study_uid: d.studyInstanceUid,
      event_id: e.id,
      occurred_at: eventTimeIso(e.time),
      tool_name: d.tool.name,
      tool_version: d.tool.version,
      instances: d.instances,
      result: d.result,
      issues: d.issues ?? [],
      method_codes_found: d.methodCodesFound ?? [],
      patient_identifiers_found: d.patientIdentifiersFound ?? [],
    });
    // The study's latest inspection may change the inspection findings of every disclosure
    // carrying it, and nothing else.
    out.seeds?.inspected.add(d.studyInstanceUid);
  },
};

/**
 * Runs the handler of the entry's type over its data (the ingest validated it before it
 * was recorded); an entry of a type without one is refused, naming `who` (the caller).
 */
export function handleEntry(entry: LeafFields, out: EntryOutput, who: string): void {
  if (!isEventType(entry.type)) {
    throw new Error(
      `${who}: no projection for event type ${entry.type} (sequence ${entry.sequence})`,
    );
  }
  handle(entry.type, entry, out);
}

function handle<T extends EventType>(type: T, entry: LeafFields, out: EntryOutput): void {
  const handler: Handler<T> = LINEAGE_HANDLERS[type];
  handler(entry.data as EventDataOf<T>, entry, out);
}
