import type { OutgoingMessage } from '@scantrail/kafka';

/** A CloudEvent the bridge publishes (CONTRACT section 1, structured JSON mode). */
export interface BridgeEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

export function bridgeEvent(
  source: string,
  type: string,
  id: string,
  time: string,
  subject: string,
  data: Record<string, unknown>,
): BridgeEvent {
  return {
    specversion: '1.0',
    id,
    source,
    type,
    time,
    subject,
    datacontenttype: 'application/json',
    data,
  };
}

/** Keyed by subject, so one study's events keep their order within a partition. */
export function toMessage(event: BridgeEvent): OutgoingMessage {
  return { key: event.subject, value: JSON.stringify(event) };
}
