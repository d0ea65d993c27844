import { createHmac } from 'node:crypto';
import type { PatientIdentifier } from '../events/event-data.types';
import type { LineageEvent } from '../events/lineage-event.types';
import { type MentionRule, replaceMentions, sameIdentifier } from './free-text';

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

/** Prefix of the pseudonym of an identifier value alone, without its system. */
export const VALUE_PSEUDONYM_PREFIX = 'pv_';

/**
 * Keyed pseudonym of an identifier value alone: "pv_" + base64url(HMAC-SHA256(key, JCS([value]))).
 * An inspection may find a Patient ID without Issuer (CONTRACT: "a found identifier without
 * system matches on value alone"); this lets the ledger match it without keeping the value.
 */
export function patientValuePseudonym(value: string, key: Buffer): string {
  return (
    VALUE_PSEUDONYM_PREFIX +
    createHmac('sha256', key)
      .update(JSON.stringify([value]), 'utf8')
      .digest('base64url')
  );
}

/** The clear patient identifier values an event carries (before pseudonymizeEvent). */
function patientValuesOf(event: LineageEvent): string[] {
  switch (event.type) {
    case 'org.scantrail.study.registered':
    case 'org.scantrail.consent.recorded':
    case 'org.scantrail.deletion.requested':
      return [event.data.patient.value];
    case 'org.scantrail.deidentification.inspected':
      return (event.data.patientIdentifiersFound ?? []).map((identifier) => identifier.value);
    default:
      return [];
  }
}

/**
 * A copy of the event with every patient identifier value replaced by its pseudonym; the
 * identifier's system and everything else stay as they were. The input is not modified.
 *
 * The same holds for an event id equal to such a value (stored as the value's pseudonym) or
 * holding it (each occurrence replaced by it), and for the value repeated in the event's
 * free text (redactFreeText).
 *
 * CONTRACT section 1: the subject is the event's main id and is stored as is, "so it never
 * carries a patient identifier". A producer that keys its messages by the patient (an MRN
 * as `subject`) would put that value in clear into the append-only ledger (section 4:
 * identifier values are pseudonymized before storage). A subject equal to a patient
 * identifier value the event carries, or holding one ("Patient/MRN-004211"), is therefore
 * dropped, and the entry's subject is the event's main id (subjectOf), as for an event sent
 * without one.
 */
export function pseudonymizeEvent(event: LineageEvent, key: Buffer): LineageEvent {
  const copy = pseudonymizedCopy(event, key);
  const values = patientValuesOf(event);
  if (values.length === 0) return copy;
  redactFreeText(copy, values, key);
  const subject = event.subject;
  if (
    subject !== undefined &&
    values.some((value) => sameIdentifier(value, subject) || mentions(subject, value))
  ) {
    copy.subject = undefined;
  }
  // An event id that is the patient's identifier (a producer numbering its events by MRN)
  // is stored as the value's pseudonym, and one that holds it ("consent-MRN-004211-2", an
  // integration engine building ids from it) with each occurrence replaced by it: the same
  // for every copy of the event, so a re-sent one is still recognized as the recorded event
  // (its source and id).
  const named = values.find((value) => sameIdentifier(value, event.id));
  if (named !== undefined) copy.id = patientValuePseudonym(named, key);
  else copy.id = redactMentions(event.id, values, key, 'token');
  return copy;
}

/** Whether an id or subject holds `value` as a whole token (MentionRule 'token'). */
function mentions(text: string, value: string): boolean {
  return value.trim() !== '' && replaceMentions(text, value, () => '', 'token') !== text;
}

/** `text` with every occurrence of each value replaced by the value's own pseudonym. */
function redactMentions(
  text: string,
  values: readonly string[],
  key: Buffer,
  rule: MentionRule,
): string {
  let out = text;
  for (const raw of values) {
    if (raw.trim() === '') continue;
    let pseudonym: string | undefined;
    out = replaceMentions(out, raw, () => (pseudonym ??= patientValuePseudonym(raw, key)), rule);
  }
  return out;
}

/** The free-text fields of the events that name a patient (CONTRACT section 2). */
const FREE_TEXT: Partial<Record<LineageEvent['type'], readonly string[]>> = {
  'org.scantrail.study.registered': ['description', 'facility'],
  'org.scantrail.consent.recorded': ['documentRef'],
  'org.scantrail.deletion.requested': ['legalGround', 'channel'],
};

/**
 * A producer that repeats the patient's identifier in a free-text field of the same event
 * ("CT head, MRN-004211", a consent document path holding it) would put it in clear into
 * the append-only ledger (section 4). Every occurrence, in any letter case or Unicode
 * composition, is replaced by the value's own pseudonym (patientValuePseudonym, as an
 * inspection's identifier without system is stored), in the copy only (free-text.ts).
 * Identifiers and codes (ids, UIDs, dates) are not free text and are left as they are.
 */
function redactFreeText(copy: LineageEvent, values: readonly string[], key: Buffer): void {
  const fields = FREE_TEXT[copy.type];
  if (fields === undefined) return;
  const data = copy.data as unknown as Record<string, unknown>;
  for (const field of fields) {
    const original = data[field];
    if (typeof original !== 'string') continue;
    data[field] = redactMentions(original, values, key, 'text');
  }
}

function pseudonymizedCopy(event: LineageEvent, key: Buffer): LineageEvent {
  switch (event.type) {
    case 'org.scantrail.study.registered': {
      // The copy's new member is set after the spread, not in it: in V8 (node 20) a spread
      // followed by a member the source lacks takes a slow path (about 0.8 µs a member).
      const data = {
        ...event.data,
        patient: { ...event.data.patient, value: patientPseudonym(event.data.patient, key) },
      };
      data.patientValuePseudonym = patientValuePseudonym(event.data.patient.value, key);
      return { ...event, data };
    }
    case 'org.scantrail.deidentification.inspected': {
      const found = event.data.patientIdentifiersFound;
      if (!found) return { ...event };
      return {
        ...event,
        data: {
          ...event.data,
          patientIdentifiersFound: found.map((identifier) =>
            identifier.system === undefined
              ? { value: patientValuePseudonym(identifier.value, key) }
              : {
                  system: identifier.system,
                  value: patientPseudonym(
                    { system: identifier.system, value: identifier.value },
                    key,
                  ),
                },
          ),
        },
      };
    }
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
