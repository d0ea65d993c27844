import { createHash } from 'node:crypto';
import type { AccountingReport, AccountingReportEntry } from './accounting-report';
import { legalBasisLabel, purposeLabel } from './accounting-report-labels';

// The accounting as a FHIR R4 Bundle (type "collection") of AuditEvents, one per entry,
// following IHE Basic Audit Log Patterns "Audit Event for Privacy Disclosure at Source"
// (https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Source):
// type DCM 110106 Export, subtype ISO 21089 "disclose", action R, outcome 0, a source agent
// that is also the audit source (val-audit-source), a recipient agent, a patient entity and
// a data entity (the study). The bundle ends with two Binary resources: the signed ledger
// checkpoint the report was produced at and its verifier key.

export const SCANTRAIL_FHIR_BASE = 'https://scantrail.local/fhir';
const BALP_PRIVACY_DISCLOSURE_SOURCE =
  'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Source';

export const FHIR_SYSTEMS = {
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  lifecycle: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  snomed: 'http://snomed.info/sct',
  entityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  sourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  dicomUid: 'urn:dicom:uid',
  /** Our Purpose codes, kept beside the HL7 one (AI_TRAINING says more than HRESCH). */
  purpose: `${SCANTRAIL_FHIR_BASE}/CodeSystem/purpose`,
  vendor: `${SCANTRAIL_FHIR_BASE}/vendor-id`,
  organisation: `${SCANTRAIL_FHIR_BASE}/organisation`,
} as const;

export interface Coding {
  system: string;
  code: string;
  display?: string;
}
export interface CodeableConcept {
  coding: Coding[];
  text?: string;
}
export interface Identifier {
  system?: string;
  value: string;
}
export interface Reference {
  reference?: string;
  type?: string;
  identifier?: Identifier;
  display?: string;
}
export interface AuditEventAgent {
  type: CodeableConcept;
  who: Reference;
  name?: string;
  requestor: boolean;
  network?: { address: string; type: '1' | '2' | '3' | '4' | '5' };
}
export interface AuditEventEntity {
  what: Reference;
  type: Coding;
  role: Coding;
  name?: string;
  description?: string;
  detail?: { type: string; valueString: string }[];
}
export interface AuditEvent {
  resourceType: 'AuditEvent';
  id: string;
  meta: { profile: string[] };
  type: Coding;
  subtype: Coding[];
  action: 'R';
  period: { start: string; end: string };
  recorded: string;
  outcome: '0';
  purposeOfEvent: CodeableConcept[];
  agent: AuditEventAgent[];
  source: { site: string; observer: Reference; type: Coding[] };
  entity: AuditEventEntity[];
}
export interface Binary {
  resourceType: 'Binary';
  id: string;
  contentType: string;
  data: string;
}
export interface Bundle {
  resourceType: 'Bundle';
  id: string;
  meta: { lastUpdated: string };
  identifier: Identifier;
  type: 'collection';
  timestamp: string;
  entry: { fullUrl: string; resource: AuditEvent | Binary }[];
}

/**
 * HL7 v3 PurposeOfUse (ActReason) for our purposes. HL7 has no code for AI work or
 * product development: those are the vendor's research and development, so HRESCH
 * ("healthcare research"), with our own code beside it in the same CodeableConcept.
 */
export const PURPOSE_OF_USE: Readonly<Record<string, Coding>> = {
  TREATMENT: { system: FHIR_SYSTEMS.actReason, code: 'TREAT', display: 'treatment' },
  PAYMENT: { system: FHIR_SYSTEMS.actReason, code: 'HPAYMT', display: 'healthcare payment' },
  HEALTHCARE_OPERATIONS: {
    system: FHIR_SYSTEMS.actReason,
    code: 'HOPERAT',
    display: 'healthcare operations',
  },
  QUALITY_IMPROVEMENT: {
    system: FHIR_SYSTEMS.actReason,
    code: 'HQUALIMP',
    display: 'health quality improvement',
  },
  RESEARCH: { system: FHIR_SYSTEMS.actReason, code: 'HRESCH', display: 'healthcare research' },
  AI_TRAINING: { system: FHIR_SYSTEMS.actReason, code: 'HRESCH', display: 'healthcare research' },
  AI_VALIDATION: { system: FHIR_SYSTEMS.actReason, code: 'HRESCH', display: 'healthcare research' },
  PRODUCT_DEVELOPMENT: {
    system: FHIR_SYSTEMS.actReason,
    code: 'HRESCH',
    display: 'healthcare research',
  },
  PUBLIC_HEALTH: { system: FHIR_SYSTEMS.actReason, code: 'PUBHLTH', display: 'public health' },
  REQUIRED_BY_LAW: { system: FHIR_SYSTEMS.actReason, code: 'HLEGAL', display: 'legal' },
};

function purposeOfEvent(purpose: string): CodeableConcept {
  const hl7 = PURPOSE_OF_USE[purpose];
  const ours: Coding = {
    system: FHIR_SYSTEMS.purpose,
    code: purpose,
    display: purposeLabel(purpose),
  };
  return { coding: hl7 === undefined ? [ours] : [hl7, ours], text: purposeLabel(purpose) };
}

/** A stable id (and urn:uuid) per entry: the same report gives the same bundle. */
function stableUuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  // RFC 9562 layout with version 8 (custom) and the variant bits set.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function vendorReference(vendorId: string | null, name: string): Reference {
  return vendorId === null
    ? { type: 'Organization', display: name }
    : {
        type: 'Organization',
        identifier: { system: FHIR_SYSTEMS.vendor, value: vendorId },
        display: name,
      };
}

/**
 * No network address of a vendor is known; the profile needs one (agent.network 1..1), so
 * the vendor's registry URN stands in (type 5: URI).
 */
function vendorNetwork(vendorId: string | null, name: string): AuditEventAgent['network'] {
  return { address: `urn:scantrail:vendor:${vendorId ?? encodeURIComponent(name)}`, type: '5' };
}

function auditEvent(
  report: AccountingReport,
  entry: AccountingReportEntry,
  id: string,
): AuditEvent {
  const at = entry.date.toISOString();
  const transfer = entry.legalBasis === 'ONWARD_TRANSFER';
  const organisation: Reference = {
    type: 'Organization',
    identifier: { system: FHIR_SYSTEMS.organisation, value: report.checkpoint.origin },
    display: report.organisation,
  };
  // The source of a disclosure is the hospital; of an onward transfer, the sending vendor,
  // which reported it. Either way the audit source is the same party (val-audit-source).
  const sender: Reference = transfer
    ? vendorReference(
        entry.senderVendorId,
        entry.senderName ?? entry.senderVendorId ?? 'the sending vendor',
      )
    : organisation;
  const sourceAgent: AuditEventAgent = {
    type: {
      coding: [{ system: FHIR_SYSTEMS.dicom, code: '110153', display: 'Source Role ID' }],
    },
    who: sender,
    requestor: false,
    network: transfer
      ? vendorNetwork(entry.senderVendorId, entry.senderName ?? 'sender')
      : { address: `urn:scantrail:ledger:${report.checkpoint.origin}`, type: '5' },
  };
  const recipientAgent: AuditEventAgent = {
    type: {
      coding: [{ system: FHIR_SYSTEMS.dicom, code: '110152', display: 'Destination Role ID' }],
    },
    who: vendorReference(entry.recipientVendorId, entry.recipientName),
    name: entry.recipientName,
    requestor: false,
    network: vendorNetwork(entry.recipientVendorId, entry.recipientName),
  };
  const agents = [sourceAgent, recipientAgent];
  if (!transfer) {
    agents.push({
      type: {
        coding: [
          {
            system: FHIR_SYSTEMS.snomed,
            code: '159541003',
            display: 'Record keeping/library clerk',
          },
        ],
      },
      who: organisation,
      requestor: false,
    });
  }
  const details: [string, string][] = [
    ['legalBasis', entry.legalBasis],
    ['legalBasisDisplay', legalBasisLabel(entry.legalBasis)],
    ['requiredInHipaaAccounting', String(!entry.exempt)],
    [transfer ? 'transferId' : 'disclosureId', entry.disclosureId],
    ['ledgerSequence', String(entry.ledgerSequence)],
  ];
  if (entry.failedInspection) details.push(['deidentificationFailedInspection', 'true']);
  if (entry.eventId !== null) details.push(['cloudEventId', entry.eventId]);
  if (entry.eventSource !== null) details.push(['cloudEventSource', entry.eventSource]);
  if (entry.recipientAddress !== null) details.push(['recipientAddress', entry.recipientAddress]);
  return {
    resourceType: 'AuditEvent',
    id,
    meta: { profile: [BALP_PRIVACY_DISCLOSURE_SOURCE] },
    type: { system: FHIR_SYSTEMS.dicom, code: '110106', display: 'Export' },
    subtype: [
      {
        system: FHIR_SYSTEMS.lifecycle,
        code: 'disclose',
        display: 'Disclose Record Lifecycle Event',
      },
    ],
    action: 'R',
    period: { start: at, end: at },
    recorded: at,
    outcome: '0',
    purposeOfEvent: [purposeOfEvent(entry.purpose)],
    agent: agents,
    source: {
      site: sender.display ?? report.organisation,
      observer: sender,
      type: [{ system: FHIR_SYSTEMS.sourceType, code: '4', display: 'Application Server' }],
    },
    entity: [
      {
        what: {
          type: 'Patient',
          identifier: { system: report.patient.system, value: report.patient.value },
        },
        type: { system: FHIR_SYSTEMS.entityType, code: '1', display: 'Person' },
        role: { system: FHIR_SYSTEMS.objectRole, code: '1', display: 'Patient' },
      },
      {
        what: {
          type: 'ImagingStudy',
          identifier: { system: FHIR_SYSTEMS.dicomUid, value: `urn:oid:${entry.studyInstanceUid}` },
        },
        type: { system: FHIR_SYSTEMS.entityType, code: '2', display: 'System Object' },
        role: { system: FHIR_SYSTEMS.objectRole, code: '3', display: 'Report' },
        description: entry.description,
        detail: details.map(([type, valueString]) => ({ type, valueString })),
      },
    ],
  };
}

/** The report as a FHIR R4 collection Bundle (JSON object; serialise with JSON.stringify). */
export function accountingReportBundle(report: AccountingReport): Bundle {
  const { checkpoint } = report;
  const bundleId = stableUuid(
    'bundle',
    report.patient.system,
    report.patient.value,
    report.from.toISOString(),
    report.to.toISOString(),
    String(checkpoint.treeSize),
  );
  const events = report.entries.map((entry, index) => {
    const uuid = stableUuid(
      bundleId,
      String(entry.ledgerSequence),
      entry.studyInstanceUid,
      String(index),
    );
    return { fullUrl: `urn:uuid:${uuid}`, resource: auditEvent(report, entry, uuid) };
  });
  const binary = (name: string, text: string): { fullUrl: string; resource: Binary } => {
    const uuid = stableUuid(bundleId, name);
    return {
      fullUrl: `urn:uuid:${uuid}`,
      resource: {
        resourceType: 'Binary',
        id: uuid,
        contentType: 'text/plain; charset=utf-8',
        data: Buffer.from(text, 'utf8').toString('base64'),
      },
    };
  };
  return {
    resourceType: 'Bundle',
    id: bundleId,
    meta: { lastUpdated: report.generatedAt.toISOString() },
    identifier: {
      system: `${SCANTRAIL_FHIR_BASE}/ledger-checkpoint`,
      value: `${checkpoint.origin}/${checkpoint.treeSize}/${checkpoint.rootHash}`,
    },
    type: 'collection',
    timestamp: report.generatedAt.toISOString(),
    entry: [
      ...events,
      binary('ledger-checkpoint', checkpoint.note),
      binary('verifier-key', `${checkpoint.verifierKey}\n`),
    ],
  };
}
