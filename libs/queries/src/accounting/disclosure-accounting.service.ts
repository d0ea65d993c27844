import type { AccessLogService, Viewer } from '@scantrail/access';
import type { FoundIdentifier, PatientKey } from '@scantrail/compliance';
import { STORABLE_MIN_MS } from '@scantrail/contract';
import {
  describeDisclosure,
  describeTransfer,
  isExemptDisclosure,
  isExemptTransfer,
  type DisclosedStudy,
} from './accounting-entry';
import { InvalidArgumentError } from '../errors/read-errors';
import { readSql } from '../sql/read-sql';
import { readAll, rows, type Queryable } from '../sql/queryable';
import type { AccountingEntryView, DisclosureAccountingView } from '../views/read-views';

/** A patient as a caller names one (FHIR Identifier style), in clear. */
export interface PatientIdentifierInput {
  system: string;
  value: string;
}

export interface AccountingRequest {
  patient: PatientIdentifierInput;
  from?: Date | null;
  to?: Date | null;
}

interface AccountingRow {
  kind: 'DISCLOSURE' | 'TRANSFER';
  ledger_sequence: string;
  occurred_at: Date;
  reference: string;
  recipient_id: string;
  recipient_name: string | null;
  recipient_address: string | null;
  sender_id: string | null;
  sender_name: string | null;
  purpose: string;
  legal_basis: string | null;
  event_source: string;
  event_id: string;
  study_uid: string;
  dataset_id: string | null;
  dataset_name: string | null;
  is_derivative: boolean;
  method_codes: string[];
  modality: string | null;
  body_part: string | null;
  study_date: string | null;
  patient: string | null;
  patient_system: string | null;
  patient_value_pseudonym: string | null;
  inspection_result: 'PASS' | 'FAIL' | null;
  inspection_found: FoundIdentifier[] | null;
  finding_codes: string[];
}

function patientKey(r: AccountingRow): PatientKey | undefined {
  if (r.patient === null) return undefined;
  const key: PatientKey = { value: r.patient };
  if (r.patient_system !== null) key.system = r.patient_system;
  if (r.patient_value_pseudonym !== null) key.valuePseudonym = r.patient_value_pseudonym;
  return key;
}

/**
 * The default period: the six years up to `to` (45 CFR 164.528(a)), from 0001-01-01 at the
 * earliest (a DateTime holds no earlier year).
 */
export function defaultPeriodStart(to: Date): Date {
  const from = new Date(to.getTime());
  from.setUTCFullYear(from.getUTCFullYear() - 6);
  return from.getTime() < STORABLE_MIN_MS ? new Date(STORABLE_MIN_MS) : from;
}

export function toAccountingEntry(r: AccountingRow): AccountingEntryView {
  const study: DisclosedStudy = {
    modality: r.modality,
    bodyPart: r.body_part,
    studyDate: r.study_date,
    isDerivative: r.is_derivative,
    datasetName: r.dataset_id === null ? null : (r.dataset_name ?? r.dataset_id),
  };
  const transfer = r.kind === 'TRANSFER';
  const exempt = transfer
    ? isExemptTransfer(
        r.is_derivative,
        r.method_codes,
        r.inspection_result === null
          ? null
          : { result: r.inspection_result, patientIdentifiersFound: r.inspection_found ?? [] },
        patientKey(r),
      )
    : isExemptDisclosure(r.legal_basis ?? '', r.finding_codes);
  const failedInspection = transfer
    ? r.is_derivative && r.method_codes.includes('113100') && !exempt
    : r.legal_basis === 'DEIDENTIFIED' &&
      r.finding_codes.some((c) => c === 'DEIDENTIFICATION_FAILED' || c === 'PATIENT_IDENTIFIABLE');
  return {
    date: r.occurred_at,
    recipientName: r.recipient_name ?? r.recipient_id,
    recipientAddress: r.recipient_address,
    description: transfer
      ? describeTransfer(study, r.sender_name ?? r.sender_id ?? 'an unknown vendor')
      : describeDisclosure(study),
    purpose: r.purpose,
    legalBasis: transfer ? 'ONWARD_TRANSFER' : (r.legal_basis ?? ''),
    disclosureId: r.reference,
    studyInstanceUid: r.study_uid,
    exempt,
    ledgerSequence: Number(r.ledger_sequence),
    eventId: r.event_id,
    eventSource: r.event_source,
    recipientVendorId: r.recipient_id,
    senderVendorId: transfer ? r.sender_id : null,
    senderName: transfer ? r.sender_name : null,
    ...(failedInspection ? { failedInspection } : {}),
  };
}

/**
 * A patient's accounting of disclosures (CONTRACT.md section 3). The lookup names a
 * patient, so it is written to the access log (with the records of concurrent lookups, see
 * AccessLogService.record) while it is read, and answered only once its record has
 * committed: no answer leaves without its record, and a lookup whose record failed gets the
 * error. Only the pseudonym is stored or queried.
 */
export class DisclosureAccountingService {
  constructor(
    private readonly db: Queryable,
    private readonly accessLog: AccessLogService,
    private readonly pseudonymOf: (patient: PatientIdentifierInput) => string,
  ) {}

  async accounting(
    viewer: Viewer,
    request: AccountingRequest,
    operation = 'accountingOfDisclosures',
    now: Date = new Date(),
  ): Promise<DisclosureAccountingView> {
    viewer.require('patient-accounting', operation);
    const { system, value } = request.patient;
    if (system.trim() === '') throw new InvalidArgumentError('patient.system must not be empty');
    if (value.trim() === '') throw new InvalidArgumentError('patient.value must not be empty');
    const to = request.to ?? now;
    const from = request.from ?? defaultPeriodStart(to);
    if (from.getTime() > to.getTime()) {
      throw new InvalidArgumentError(
        `from (${from.toISOString()}) must not be after to (${to.toISOString()})`,
      );
    }
    const patientPseudonym = this.pseudonymOf({ system, value });
    const lookup = { actor: viewer.subject, roles: viewer.roles, operation, patientPseudonym };
    // The record and the read at once; the answer only after the record has committed.
    const [, found] = await readAll<[void, AccountingRow[]]>(this.db, [
      () => this.accessLog.record(this.db, lookup),
      () => rows<AccountingRow>(this.db, readSql('accounting'), [patientPseudonym, from, to]),
    ]);
    return { from, to, entries: found.map(toAccountingEntry) };
  }
}
