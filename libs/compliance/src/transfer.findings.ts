import {
  ALLOWS_ONWARD_TRANSFER,
  explainAgreementGap,
  hasAgreementFor,
  permitsPurpose,
} from './agreement.rules';
import type { ComplianceIndex } from './compliance.index';
import type { Finding, TransferFact } from './facts';
import { formatInstant, type FindingIssue } from './finding-detail';

/**
 * UNAUTHORIZED_ONWARD_TRANSFER (the only code on a transfer): the sender has no agreement
 * in force at t allowing onward transfer, or the receiver none in force at t permitting
 * the purpose. One finding per study carried, whichever side (or both) failed.
 */
export function findingsForTransfer(transfer: TransferFact, index: ComplianceIndex): Finding[] {
  const issue = transferAgreementIssue(transfer, index);
  if (issue === undefined) return [];
  return index.studiesCarried(transfer.target, transfer.at).map((studyInstanceUid) => ({
    code: issue.code,
    studyInstanceUid,
    vendorId: transfer.fromVendorId,
    eventId: transfer.eventId,
    ledgerSequence: transfer.ledgerSequence,
    occurredAt: transfer.at,
    detail: issue.detail,
  }));
}

/**
 * The transfer's UNAUTHORIZED_ONWARD_TRANSFER issue, if it has one: it depends on the two
 * vendors' agreements only, never on the studies carried, which share it.
 */
export function transferAgreementIssue(
  transfer: TransferFact,
  index: ComplianceIndex,
): FindingIssue | undefined {
  const t = transfer.at;
  const when = formatInstant(t);
  const gaps: string[] = [];
  const senderAgreements = index.agreementsOf(transfer.fromVendorId);
  if (!hasAgreementFor(senderAgreements, t, ALLOWS_ONWARD_TRANSFER)) {
    gaps.push(
      `sender ${transfer.fromVendorId} had no agreement in force on ${when} ` +
        `${ALLOWS_ONWARD_TRANSFER.description} ` +
        `(${explainAgreementGap(senderAgreements, t, ALLOWS_ONWARD_TRANSFER)})`,
    );
  }
  const receiverAgreements = index.agreementsOf(transfer.toVendorId);
  const receiverNeed = permitsPurpose(transfer.purpose);
  if (!hasAgreementFor(receiverAgreements, t, receiverNeed)) {
    gaps.push(
      `receiver ${transfer.toVendorId} had no agreement in force on ${when} ` +
        `${receiverNeed.description} (${explainAgreementGap(receiverAgreements, t, receiverNeed)})`,
    );
  }
  if (gaps.length === 0) return undefined;
  return { code: 'UNAUTHORIZED_ONWARD_TRANSFER', detail: `Onward transfer: ${gaps.join('; ')}.` };
}
