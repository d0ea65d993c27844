// The world bench:attack's letters scenario asks letters about: one vendor per script of
// SCRIPT_SAMPLES (Polish, Greek, Cyrillic, Japanese, Chinese, Korean, Arabic, Hebrew, mixed),
// each sent a study of one patient, a deletion request of that patient (its letter names the
// eleven holders) and a breach at each vendor (a one-page summary naming it). The letters a
// privacy officer downloads about them draw every fallback font the letters have.
import {
  subjectOf,
  type EventDataMap,
  type EventType,
  type LineageEvent,
} from '@scantrail/contract';
import type { DemoMessage } from '@scantrail/demo';
import { SCRIPT_SAMPLES } from '@scantrail/reports/testing';

const SOURCE = 'https://letters-load.bench.scantrail.local/events';
const DAY_MS = 86_400_000;

export const LETTERS_PATIENT = {
  system: 'urn:oid:2.16.840.1.113883.3.7',
  value: 'MRN-BENCH-LETTERS',
} as const;
export const LETTERS_REQUEST_ID = 'del-bench-letters';
const STUDY_UID = '1.2.826.0.1.3680043.10.543.1';

const vendorId = (i: number): string => `vnd-bench-letters-${i}`;
const breachId = (i: number): string => `brc-bench-letters-${i}`;

/** One letter as the report routes take it: the path and its JSON body. */
export interface LetterRequest {
  /** What the letter is, for the tallies: `accounting`, `deletion` or `breach <script>`. */
  name: string;
  path: string;
  body: unknown;
}

/**
 * The letters of the world, in the order an attacker cycles through them: the accounting
 * (eleven recipients in eleven scripts), the deletion letter (the same eleven holders), and a
 * breach summary per script.
 */
export function letterRequests(): LetterRequest[] {
  return [
    {
      name: 'accounting',
      path: '/reports/accounting',
      body: { patient: LETTERS_PATIENT, format: 'pdf' },
    },
    {
      name: 'deletion',
      path: '/reports/deletion-request',
      body: { requestId: LETTERS_REQUEST_ID, format: 'pdf' },
    },
    ...SCRIPT_SAMPLES.map((s, i) => ({
      name: `breach ${s.script}`,
      path: '/reports/breach',
      body: { breachId: breachId(i), format: 'pdf' },
    })),
  ];
}

/** The world's events, `now` the end of its history (the deletion request is still open). */
export function lettersEvents(now = Date.now()): DemoMessage[] {
  let at = now - 60 * DAY_MS;
  let ids = 0;
  const emit = <T extends EventType>(type: T, data: EventDataMap[T]): DemoMessage => {
    at += 60_000;
    const event = {
      specversion: '1.0',
      id: `bench-letters-${++ids}`,
      source: SOURCE,
      type,
      time: new Date(at).toISOString(),
      datacontenttype: 'application/json',
      data,
    } as LineageEvent;
    return { key: subjectOf(event), value: Buffer.from(JSON.stringify(event)), kind: 'event' };
  };
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  const out: DemoMessage[] = [
    emit('org.scantrail.study.registered', {
      studyInstanceUid: STUDY_UID,
      patient: { ...LETTERS_PATIENT },
      modality: 'CT',
      bodyPart: 'CHEST',
      studyDate: day(at),
      facility: 'Bench General Hospital',
    }),
  ];
  SCRIPT_SAMPLES.forEach((sample, i) => {
    out.push(
      emit('org.scantrail.vendor.registered', {
        vendorId: vendorId(i),
        name: sample.name,
        address: sample.address,
        role: 'CLOUD_HOST',
      }),
      emit('org.scantrail.agreement.signed', {
        agreementId: `agr-bench-letters-${i}`,
        vendorId: vendorId(i),
        kind: 'BAA',
        permittedPurposes: ['TREATMENT', 'HEALTHCARE_OPERATIONS'],
        effectiveFrom: day(at - 365 * DAY_MS),
        allowsOnwardTransfer: false,
      }),
      emit('org.scantrail.disclosure.recorded', {
        disclosureId: `dsc-bench-letters-${i}`,
        recipientVendorId: vendorId(i),
        target: { studyInstanceUid: STUDY_UID },
        purpose: 'HEALTHCARE_OPERATIONS',
        legalBasis: 'HEALTHCARE_OPERATIONS',
        agreementId: `agr-bench-letters-${i}`,
        description: `Hosting for ${sample.name}`,
      }),
    );
  });
  out.push(
    emit('org.scantrail.deletion.requested', {
      requestId: LETTERS_REQUEST_ID,
      patient: { ...LETTERS_PATIENT },
      dueBy: day(now + 30 * DAY_MS),
      legalGround: 'RGPD art. 17, droit à l’effacement',
    }),
  );
  SCRIPT_SAMPLES.forEach((sample, i) => {
    out.push(
      emit('org.scantrail.breach.reported', {
        breachId: breachId(i),
        vendorId: vendorId(i),
        discoveredAt: day(at),
        description: `Bucket of ${sample.address}`,
      }),
    );
  });
  return out;
}
