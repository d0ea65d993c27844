// Zod schemas of each event's `data`. Every object is strict: an unknown field is refused
// rather than dropped, because a typo'd field (`validUtil`, `vendorID`) would otherwise lose
// its meaning silently and change compliance answers without anyone noticing.
import { z } from 'zod';
import {
  FULL_DATE_PATTERN,
  RFC3339_DATE_TIME_PATTERN,
  isDateOrDateTime,
  isFullDate,
  parseFullDate,
  parseRfc3339DateTime,
  unstorableDateOrDateTimeProblem,
  unstorableDateProblem,
  unstorableDateTimeProblem,
} from '../time/rfc3339';
import type { Target } from './event-data.types';
import {
  AGREEMENT_KINDS,
  CONSENT_DECISIONS,
  INSPECTION_RESULTS,
  LEGAL_BASES,
  MODEL_USAGES,
  PURPOSES,
  VENDOR_ROLES,
  type EventType,
} from './event-types';
import type { EventDataMap } from './lineage-event.types';

const id = z.string().min(1);
/**
 * The most characters of an identifier that read models key rows by, alone or with the ids
 * of other events (a breach's affected studies by (breachId, studyInstanceUid), deletion
 * obligations by (requestId, vendorId, studyInstanceUid)): three of them, at 4 bytes a
 * character, stay under btree's 2,704 bytes an index entry. Longer, an event that fits its
 * own rows would make PostgreSQL refuse later valid events that share a row with it.
 */
const MAX_KEY_ID_LENGTH = 200;
const key = id.max(MAX_KEY_ID_LENGTH);
const text = z.string();
/**
 * A count of DICOM instances: at most 2,147,483,647, what the read models (PostgreSQL's
 * integer) and GraphQL's Int (Inspection.instances) hold; more was refused by the database.
 */
const instanceCount = z.number().int().min(1).max(2_147_483_647);

/** Lists in events, when present, are never empty (CONTRACT.md section 2). */
function nonEmptyList<T extends z.ZodType>(item: T) {
  return z.array(item).min(1);
}

// DICOM VR "CS": upper-case letters, digits, underscore and inner spaces, at most 16 chars.
const dicomCodeString = z
  .string()
  .regex(/^[A-Z0-9_]+(?: [A-Z0-9_]+)*$/, {
    error: 'must be a DICOM code string (upper-case letters, digits, underscore, e.g. CT, HEAD)',
  })
  .max(16);

/** Refuses, with its precise reason, a valid date that PostgreSQL would refuse to store. */
function storable(problemOf: (value: string) => string | undefined) {
  return (value: string, ctx: z.core.$RefinementCtx<string>): void => {
    const problem = problemOf(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  };
}

export const rfc3339DateTimeSchema = z
  .string()
  .refine((v) => parseRfc3339DateTime(v) !== undefined, {
    error: 'must be an RFC 3339 date-time with an offset, e.g. 2024-05-01T12:00:00Z',
  })
  .superRefine(storable(unstorableDateTimeProblem))
  .meta({ format: 'date-time', pattern: RFC3339_DATE_TIME_PATTERN });

const fullDate = z
  .string()
  .refine(isFullDate, { error: 'must be a calendar date YYYY-MM-DD' })
  .superRefine(storable(unstorableDateProblem))
  .meta({ format: 'date', pattern: FULL_DATE_PATTERN });

const dateOrDateTime = z
  .string()
  .refine(isDateOrDateTime, {
    error: 'must be an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z) or a YYYY-MM-DD date',
  })
  .superRefine(storable(unstorableDateOrDateTimeProblem))
  .meta({
    anyOf: [
      { format: 'date', pattern: FULL_DATE_PATTERN },
      { format: 'date-time', pattern: RFC3339_DATE_TIME_PATTERN },
    ],
  });

const purpose = z.enum(PURPOSES);

const patientIdentifier = z.strictObject({ system: id, value: id });

const target = z
  .strictObject({ studyInstanceUid: key.optional(), datasetId: key.optional() })
  .superRefine((value, ctx) => {
    const hasStudy = value.studyInstanceUid !== undefined;
    const hasDataset = value.datasetId !== undefined;
    if (hasStudy !== hasDataset) return;
    ctx.addIssue({
      code: 'custom',
      message: `must have exactly one of studyInstanceUid or datasetId (${hasStudy ? 'both' : 'neither'} given)`,
    });
  })
  .meta({ oneOf: [{ required: ['studyInstanceUid'] }, { required: ['datasetId'] }] });
// The refinement above makes the looser inferred shape the exclusive union.
const targetSchema = target as unknown as z.ZodType<Target>;

function periodStartOf(value: string): number | undefined {
  return parseFullDate(value) ?? parseRfc3339DateTime(value);
}

function periodEndOf(value: string): number | undefined {
  const date = parseFullDate(value);
  return date !== undefined ? date + 86_399_999 : parseRfc3339DateTime(value);
}

/** A period that closes before it opens is a data error, not a "never in force" record. */
function periodOrder(from: string, until: string | undefined): boolean {
  if (until === undefined) return true;
  const start = periodStartOf(from);
  const end = periodEndOf(until);
  return start === undefined || end === undefined || end >= start;
}

/** Like periodOrder, when the closing value is an instant (a date: its first instant). */
function periodOrderAt(from: string, at: string): boolean {
  const start = periodStartOf(from);
  const end = periodStartOf(at);
  return start === undefined || end === undefined || end >= start;
}

const vendorRegistered = z.strictObject({
  vendorId: key,
  name: id,
  address: text.optional(),
  country: text.optional(),
  role: z.enum(VENDOR_ROLES),
  parentVendorId: key.optional(),
});

const agreementSigned = z
  .strictObject({
    agreementId: key,
    vendorId: key,
    kind: z.enum(AGREEMENT_KINDS),
    permittedPurposes: nonEmptyList(purpose),
    effectiveFrom: dateOrDateTime,
    expiresAt: dateOrDateTime.optional(),
    allowsOnwardTransfer: z.boolean(),
  })
  .refine((a) => periodOrder(a.effectiveFrom, a.expiresAt), {
    path: ['expiresAt'],
    error: 'must not be before effectiveFrom',
  });

const agreementTerminated = z.strictObject({ agreementId: key, reason: text.optional() });

const studyRegistered = z.strictObject({
  studyInstanceUid: key,
  patient: patientIdentifier,
  accessionNumber: text.optional(),
  modality: dicomCodeString,
  bodyPart: dicomCodeString,
  studyDate: fullDate,
  facility: id,
  description: text.optional(),
  patientValuePseudonym: text
    .optional()
    .meta({ description: 'Set by the ingest; a value sent is replaced. Producers omit it.' }),
});

const studyDeidentified = z
  .strictObject({
    sourceStudyInstanceUid: key,
    derivedStudyInstanceUid: key,
    methodCodes: nonEmptyList(id),
    tool: z.strictObject({ name: id, version: id }),
    performedBy: text.optional(),
  })
  .refine((d) => d.sourceStudyInstanceUid !== d.derivedStudyInstanceUid, {
    path: ['derivedStudyInstanceUid'],
    error: 'must differ from sourceStudyInstanceUid',
  });

const consentRecorded = z
  .strictObject({
    consentId: key,
    patient: patientIdentifier,
    decision: z.enum(CONSENT_DECISIONS),
    purposes: nonEmptyList(purpose),
    vendorIds: nonEmptyList(key).optional(),
    scope: z
      .strictObject({
        studyInstanceUids: nonEmptyList(key).optional(),
        modalities: nonEmptyList(dicomCodeString).optional(),
      })
      .optional(),
    validFrom: dateOrDateTime,
    validUntil: dateOrDateTime.optional(),
    documentRef: text.optional(),
  })
  .refine((c) => periodOrder(c.validFrom, c.validUntil), {
    path: ['validUntil'],
    error: 'must not be before validFrom',
  });

const consentRevoked = z.strictObject({ consentId: key, reason: text.optional() });

/** v1.1: 500 uids keep one dataset event well inside an entry of 65,535 bytes (CONTRACT section 4). */
export const MAX_DATASET_STUDIES = 500;

const datasetAssembled = z.strictObject({
  datasetId: key,
  name: id,
  studyInstanceUids: nonEmptyList(key).max(MAX_DATASET_STUDIES),
  purpose: purpose.optional(),
});

const disclosureRecorded = z.strictObject({
  disclosureId: key,
  recipientVendorId: key,
  target: targetSchema,
  purpose,
  legalBasis: z.enum(LEGAL_BASES),
  agreementId: key.optional(),
  channel: text.optional(),
  description: text.optional(),
  approvedBy: text.optional(),
});

const transferOnward = z.strictObject({
  transferId: key,
  fromVendorId: key,
  toVendorId: key,
  target: targetSchema,
  purpose,
});

const modelTrained = z.strictObject({
  vendorId: key,
  modelId: key,
  modelVersion: id,
  target: targetSchema,
  usage: z.enum(MODEL_USAGES),
});

const deletionAttested = z.strictObject({
  vendorId: key,
  target: targetSchema,
  method: text.optional(),
  certificateRef: text.optional(),
});

const deletionRequested = z.strictObject({
  requestId: key,
  patient: patientIdentifier,
  dueBy: dateOrDateTime,
  scope: z.strictObject({ studyInstanceUids: nonEmptyList(key) }).optional(),
  legalGround: text.optional(),
  channel: text.optional(),
});

const breachReported = z
  .strictObject({
    breachId: key,
    vendorId: key,
    discoveredAt: dateOrDateTime,
    exposureFrom: dateOrDateTime.optional(),
    exposureTo: dateOrDateTime.optional(),
    affectedTargets: nonEmptyList(targetSchema).optional(),
    description: text.optional(),
  })
  // Without exposureTo the window closes at discoveredAt (a date: its first instant).
  .refine(
    (b) =>
      b.exposureFrom === undefined ||
      (b.exposureTo !== undefined
        ? periodOrder(b.exposureFrom, b.exposureTo)
        : periodOrderAt(b.exposureFrom, b.discoveredAt)),
    { path: ['exposureFrom'], error: 'must not be later than exposureTo (or discoveredAt)' },
  )
  // Its notice deadlines (CONTRACT 3.1) run to March 1 of the year after discovery: found in
  // 9999, they would fall in year 10000, which no DateTime (RFC 3339) can show.
  .refine(
    (b) => {
      const discovered = periodStartOf(b.discoveredAt);
      return discovered === undefined || discovered < LAST_DISCOVERY_YEAR_START_MS;
    },
    {
      path: ['discoveredAt'],
      error: 'must be before 9999-01-01: its notice deadlines would fall after 9999-12-31',
    },
  );
/** 9999-01-01T00:00:00Z: a breach discovered from then on has deadlines in year 10000. */
const LAST_DISCOVERY_YEAR_START_MS = Date.UTC(9999, 0, 1);
const DICOM_TAG = /^[0-9A-F]{4},[0-9A-F]{4}$/;

const deidentificationInspected = z
  .strictObject({
    inspectionId: key,
    studyInstanceUid: key,
    tool: z.strictObject({ name: id, version: id }),
    instances: instanceCount,
    result: z.enum(INSPECTION_RESULTS),
    issues: nonEmptyList(
      z.strictObject({
        code: id,
        instances: instanceCount,
        keyword: id.optional(),
        tag: z
          .string()
          .regex(DICOM_TAG, { error: 'must be a DICOM tag GGGG,EEEE in upper-case hex' })
          .optional(),
      }),
    ).optional(),
    methodCodesFound: nonEmptyList(id).optional(),
    patientIdentifiersFound: nonEmptyList(
      z.strictObject({ system: id.optional(), value: id }),
    ).optional(),
  })
  .superRefine((inspection, ctx) => {
    if ((inspection.result === 'FAIL') !== (inspection.issues !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['issues'],
        message: 'must be present exactly when result is FAIL',
      });
    }
    inspection.issues?.forEach((issue, index) => {
      if (issue.instances > inspection.instances) {
        ctx.addIssue({
          code: 'custom',
          path: ['issues', index, 'instances'],
          message: 'must not exceed the inspection instances',
        });
      }
    });
  });

/** The schema of `data` for each event type. */
export const EVENT_DATA_SCHEMAS: { readonly [T in EventType]: z.ZodType<EventDataMap[T]> } = {
  'org.scantrail.vendor.registered': vendorRegistered,
  'org.scantrail.agreement.signed': agreementSigned,
  'org.scantrail.agreement.terminated': agreementTerminated,
  'org.scantrail.study.registered': studyRegistered,
  'org.scantrail.study.deidentified': studyDeidentified,
  'org.scantrail.consent.recorded': consentRecorded,
  'org.scantrail.consent.revoked': consentRevoked,
  'org.scantrail.dataset.assembled': datasetAssembled,
  'org.scantrail.disclosure.recorded': disclosureRecorded,
  'org.scantrail.transfer.onward': transferOnward,
  'org.scantrail.model.trained': modelTrained,
  'org.scantrail.deletion.attested': deletionAttested,
  'org.scantrail.deletion.requested': deletionRequested,
  'org.scantrail.breach.reported': breachReported,
  'org.scantrail.deidentification.inspected': deidentificationInspected,
};

// Compile-time guard: the hand-written interfaces and the schemas describe the same shapes
// (the map above only checks one direction).
type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SchemaOutputs = {
  'org.scantrail.vendor.registered': z.output<typeof vendorRegistered>;
  'org.scantrail.agreement.signed': z.output<typeof agreementSigned>;
  'org.scantrail.agreement.terminated': z.output<typeof agreementTerminated>;
  'org.scantrail.study.registered': z.output<typeof studyRegistered>;
  'org.scantrail.study.deidentified': z.output<typeof studyDeidentified>;
  'org.scantrail.consent.recorded': z.output<typeof consentRecorded>;
  'org.scantrail.consent.revoked': z.output<typeof consentRevoked>;
  'org.scantrail.dataset.assembled': z.output<typeof datasetAssembled>;
  'org.scantrail.disclosure.recorded': z.output<typeof disclosureRecorded>;
  'org.scantrail.transfer.onward': z.output<typeof transferOnward>;
  'org.scantrail.model.trained': z.output<typeof modelTrained>;
  'org.scantrail.deletion.attested': z.output<typeof deletionAttested>;
  'org.scantrail.deletion.requested': z.output<typeof deletionRequested>;
  'org.scantrail.breach.reported': z.output<typeof breachReported>;
  'org.scantrail.deidentification.inspected': z.output<typeof deidentificationInspected>;
};
const _shapesAgree: { [T in EventType]: SameShape<SchemaOutputs[T], EventDataMap[T]> } = {
  'org.scantrail.vendor.registered': true,
  'org.scantrail.agreement.signed': true,
  'org.scantrail.agreement.terminated': true,
  'org.scantrail.study.registered': true,
  'org.scantrail.study.deidentified': true,
  'org.scantrail.consent.recorded': true,
  'org.scantrail.consent.revoked': true,
  'org.scantrail.dataset.assembled': true,
  'org.scantrail.disclosure.recorded': true,
  'org.scantrail.transfer.onward': true,
  'org.scantrail.model.trained': true,
  'org.scantrail.deletion.attested': true,
  'org.scantrail.deletion.requested': true,
  'org.scantrail.breach.reported': true,
  'org.scantrail.deidentification.inspected': true,
};
