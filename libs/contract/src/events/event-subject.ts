import type { Target } from './event-data.types';
import type { LineageEvent } from './lineage-event.types';

function targetId(target: Target): string {
  return target.studyInstanceUid ?? target.datasetId;
}

/**
 * The event's main id (CONTRACT.md section 1), used as the Kafka key and stored as the
 * subject: the producer's `subject` when given, else derived from `data`. It never carries
 * a patient identifier (a de-identified study is keyed by its source study's uid).
 */
export function subjectOf(event: LineageEvent): string {
  if (event.subject !== undefined) return event.subject;
  switch (event.type) {
    case 'org.scantrail.vendor.registered':
    case 'org.scantrail.agreement.signed':
      return event.data.vendorId;
    case 'org.scantrail.agreement.terminated':
      return event.data.agreementId;
    case 'org.scantrail.study.registered':
    case 'org.scantrail.deidentification.inspected':
      return event.data.studyInstanceUid;
    case 'org.scantrail.study.deidentified':
      return event.data.sourceStudyInstanceUid;
    case 'org.scantrail.consent.recorded':
    case 'org.scantrail.consent.revoked':
      return event.data.consentId;
    case 'org.scantrail.dataset.assembled':
      return event.data.datasetId;
    case 'org.scantrail.disclosure.recorded':
    case 'org.scantrail.transfer.onward':
    case 'org.scantrail.model.trained':
    case 'org.scantrail.deletion.attested':
      return targetId(event.data.target);
    case 'org.scantrail.deletion.requested':
      return event.data.requestId;
    case 'org.scantrail.breach.reported':
      return event.data.breachId;
  }
}
