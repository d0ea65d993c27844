import { createHmac } from 'node:crypto';
import type { PatientIdentifier } from '../events/event-data.types';
import type { LineageEvent } from '../events/lineage-event.types';

export const PSEUDONYM_PREFIX = 'pp_';

/**
 * Keyed pseudonym of a patient identifier: "pp_" + base64url(HMAC-SHA256(key, JCS([system,
 * value]))). The JSON array keeps the pair unambiguous ("a|b" + "c" cannot collide with
 * "a" + "b|c"); for an array of two strings JSON.stringify is already the RFC 8785 form.
 */
export function patientPseudonym(identifier: PatientIdentifier, key: Buffer): string {
  const message = JSON.stringify([identifier.system, identifier.value]);
  return PSEUDONYM_PREFIX + createHmac('sha256', key).update(message, 'utf8').digest('base64url');
}

/**
 * A copy of the event with every patient identifier value replaced by its pseudonym; the
 * identifier's system and everything else stay as they were. The input is not modified.
 */
export function pseudonymizeEvent(event: LineageEvent, key: Buffer): LineageEvent {
  switch (event.type) {
    case 'org.scantrail.study.registered':
      return {
        ...event,
        data: {
          ...event.data,
          patient: { ...event.data.patient, value: patientPseudonym(event.data.patient, key) },
        },
      };
    case 'org.scantrail.consent.recorded':
      return {
        ...event,
        data: {
          ...event.data,
          patient: { ...event.data.patient, value: patientPseudonym(event.data.patient, key) },
        },
      };
    case 'org.scantrail.deletion.requested':
      return {
        ...event,
        data: {
          ...event.data,
          patient: { ...event.data.patient, value: patientPseudonym(event.data.patient, key) },
        },
      };
    default:
      return { ...event };
  }
}
