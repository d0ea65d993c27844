// JSON Schema (draft 2020-12) of each event, envelope and data, for producers. Generated
// from the same zod schemas the decoder uses; docs/schemas/<type>.json holds the output and
// a unit test keeps it current. Calendar checks (Feb 30) and the exactly-one rule of a
// Target are expressed by `format` and `oneOf`; the decoder remains the final word.
import { z } from 'zod';
import { EVENT_DATA_SCHEMAS, rfc3339DateTimeSchema } from './event-data.schemas';
import { EVENT_TYPES, type EventType } from './event-types';

const DESCRIPTIONS: Record<EventType, string> = {
  'org.scantrail.vendor.registered':
    'A vendor (recipient of images) and its details; re-sending replaces them (latest time wins).',
  'org.scantrail.agreement.signed':
    'An agreement with a vendor (BAA, DUA, LDS DUA, research) and the purposes it permits.',
  'org.scantrail.agreement.terminated': 'An agreement ended early, at the event time.',
  'org.scantrail.study.registered': 'An imaging study and the patient it belongs to.',
  'org.scantrail.study.deidentified':
    'A de-identified derivative of a study, with the DICOM CID 7050 methods applied.',
  'org.scantrail.consent.recorded':
    "A patient's consent (PERMIT) or objection (DENY) for purposes, recipients and studies.",
  'org.scantrail.consent.revoked': 'A consent revoked at the event time.',
  'org.scantrail.dataset.assembled':
    'A dataset of studies (1..500 per event); later events with the same datasetId add members.',
  'org.scantrail.disclosure.recorded':
    'A study or dataset disclosed to a vendor, for a purpose, on a legal basis.',
  'org.scantrail.transfer.onward':
    'A vendor passed a study or dataset on to another vendor (sub-processor or buyer).',
  'org.scantrail.model.trained':
    'A vendor used a study or dataset to train, validate or test a model.',
  'org.scantrail.deletion.attested': 'A vendor attests that it deleted a study or dataset.',
  'org.scantrail.deletion.requested':
    "A patient's request that every holder delete their studies (and derivatives) by dueBy.",
  'org.scantrail.breach.reported':
    "A breach of a vendor's systems: when it was discovered, the exposure window, what it touched.",
  'org.scantrail.deidentification.inspected':
    "What a reader of a study's DICOM files saw: PASS, or FAIL with issue codes (v1.1).",
};

function envelopeSchema(type: EventType): z.ZodType {
  // Loose: unknown top-level members are CloudEvents extensions, accepted and ignored.
  return z
    .looseObject({
      specversion: z.literal('1.0'),
      id: z.string().min(1),
      source: z.string().min(1).meta({ format: 'uri-reference' }),
      type: z.literal(type),
      time: rfc3339DateTimeSchema,
      subject: z.string().min(1).optional(),
      datacontenttype: z
        .string()
        .meta({
          pattern: '^[A-Za-z0-9!#$&^_.+-]+/([A-Za-z0-9!#$&^_.+-]*\\+)?[Jj][Ss][Oo][Nn]\\s*(;.*)?$',
        })
        .optional(),
      dataschema: z.string().min(1).meta({ format: 'uri' }).optional(),
      data: EVENT_DATA_SCHEMAS[type],
    })
    .meta({
      title: type,
      description: `CloudEvents 1.0, JSON structured mode (application/cloudevents+json). ${DESCRIPTIONS[type]}`,
    });
}

/** JSON Schema of each event type (envelope and data), keyed by type. */
export function eventJsonSchemas(): Record<EventType, object> {
  const out = {} as Record<EventType, object>;
  for (const type of EVENT_TYPES) {
    out[type] = z.toJSONSchema(envelopeSchema(type), { target: 'draft-2020-12' });
  }
  return out;
}
