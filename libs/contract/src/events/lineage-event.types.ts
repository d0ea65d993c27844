import type {
  AgreementSigned,
  AgreementTerminated,
  ConsentRecorded,
  ConsentRevoked,
  DatasetAssembled,
  DeidentificationInspected,
  DeletionAttested,
  DeletionRequested,
  BreachReported,
  DisclosureRecorded,
  ModelTrained,
  StudyDeidentified,
  StudyRegistered,
  TransferOnward,
  VendorRegistered,
} from './event-data.types';
import type { EventType } from './event-types';

/** The `data` shape of each event type. */
export interface EventDataMap {
  'org.scantrail.vendor.registered': VendorRegistered;
  'org.scantrail.agreement.signed': AgreementSigned;
  'org.scantrail.agreement.terminated': AgreementTerminated;
  'org.scantrail.study.registered': StudyRegistered;
  'org.scantrail.study.deidentified': StudyDeidentified;
  'org.scantrail.consent.recorded': ConsentRecorded;
  'org.scantrail.consent.revoked': ConsentRevoked;
  'org.scantrail.dataset.assembled': DatasetAssembled;
  'org.scantrail.disclosure.recorded': DisclosureRecorded;
  'org.scantrail.transfer.onward': TransferOnward;
  'org.scantrail.model.trained': ModelTrained;
  'org.scantrail.deletion.attested': DeletionAttested;
  'org.scantrail.deletion.requested': DeletionRequested;
  'org.scantrail.breach.reported': BreachReported;
  'org.scantrail.deidentification.inspected': DeidentificationInspected;
}

export type EventDataOf<T extends EventType> = EventDataMap[T];

/** The CloudEvents 1.0 context attributes kept from a message (extensions are dropped). */
export interface CloudEventAttributes {
  specversion: '1.0';
  id: string;
  /** URI-reference of the emitting system; (source, id) is the idempotency key. */
  source: string;
  /** RFC 3339 date-time: when it happened in the world. */
  time: string;
  subject?: string;
  datacontenttype?: string;
  dataschema?: string;
}

/** A validated event of one type; `type` discriminates `data`. */
export type LineageEventOf<T extends EventType> = CloudEventAttributes & {
  type: T;
  data: EventDataMap[T];
};

export type LineageEvent = { [T in EventType]: LineageEventOf<T> }[EventType];

export type DecodeResult = { ok: true; event: LineageEvent } | { ok: false; reason: string };
