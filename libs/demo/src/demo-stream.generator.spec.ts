import { createHash } from 'node:crypto';
import {
  decodeEventMessage,
  subjectOf,
  EVENT_TYPES,
  LEGAL_BASES,
  type LineageEvent,
  parseRfc3339DateTime,
} from '@scantrail/contract';
import { demoEvents, type DemoMessage } from './demo-stream.generator';
import { DEMO_SPAN_DAYS } from './demo-timeline';

const DAY = 86_400_000;

const COUNT = 5000;

function digest(messages: Iterable<DemoMessage>): string {
  const hash = createHash('sha256');
  for (const m of messages) hash.update(m.kind).update(m.key).update(m.value);
  return hash.digest('hex');
}

interface Decoded {
  message: DemoMessage;
  event?: LineageEvent;
  reason?: string;
}

function decodeAll(messages: Iterable<DemoMessage>): Decoded[] {
  const out: Decoded[] = [];
  for (const message of messages) {
    const result = decodeEventMessage(message.value);
    out.push(result.ok ? { message, event: result.event } : { message, reason: result.reason });
  }
  return out;
}

describe('demoEvents', () => {
  const decoded = decodeAll(demoEvents({ events: COUNT, seed: 42 }));
  const events = decoded.flatMap((d) => (d.event !== undefined ? [d.event] : []));
  const ofType = <T extends LineageEvent['type']>(type: T) =>
    events.filter((e): e is Extract<LineageEvent, { type: T }> => e.type === type);

  it('should give the same bytes when the seed and end are the same', () => {
    const endTime = new Date('2026-03-01T00:00:00Z');
    expect(digest(demoEvents({ events: 2000, seed: 7, endTime }))).toBe(
      digest(demoEvents({ events: 2000, seed: 7, endTime })),
    );
  });

  it('should give other bytes when the seed differs', () => {
    expect(digest(demoEvents({ events: 500, seed: 7 }))).not.toBe(
      digest(demoEvents({ events: 500, seed: 8 })),
    );
  });

  it.each([0, 1, 14, 15, 16, 999])('should yield exactly %d messages when asked for them', (n) => {
    expect([...demoEvents({ events: n, seed: 1 })]).toHaveLength(n);
  });

  it('should refuse a negative or fractional count when given one', () => {
    expect(() => [...demoEvents({ events: -1, seed: 1 })]).toThrow(/non-negative integer/);
    expect(() => [...demoEvents({ events: 1.5, seed: 1 })]).toThrow(/non-negative integer/);
  });

  it('should stream lazily when the stream is huge', () => {
    const stream = demoEvents({ events: 1_000_000_000, seed: 1 });
    for (let i = 0; i < 100; i++) expect(stream.next().done).toBe(false);
  });

  it('should decode every message meant to be valid and key it by its subject', () => {
    for (const d of decoded.filter((x) => x.message.kind !== 'invalid')) {
      expect(d.reason).toBeUndefined();
      expect(d.message.key).toBe(subjectOf(d.event as LineageEvent));
    }
  });

  it('should have every message meant for the quarantine refused', () => {
    const invalid = decoded.filter((d) => d.message.kind === 'invalid');
    expect(invalid.length).toBeGreaterThan(COUNT * 0.01);
    expect(invalid.length).toBeLessThan(COUNT * 0.06);
    for (const d of invalid) expect(d.reason).toMatch(/^[a-z0-9_]+: /);
    const categories = new Set(invalid.map((d) => d.reason?.split(':')[0]));
    for (const category of [
      'not_json',
      'not_utf8',
      'duplicate_key',
      'not_cloudevent',
      'unknown_type',
      'invalid_data',
    ]) {
      expect(categories).toContain(category);
    }
  });

  it('should re-send exact copies of earlier messages when it makes duplicates', () => {
    const seen = new Set<string>();
    let duplicates = 0;
    for (const { message } of decoded) {
      const h = createHash('sha256').update(message.value).digest('hex');
      if (message.kind === 'duplicate') {
        duplicates++;
        expect(seen.has(h)).toBe(true);
      } else if (message.kind === 'event') {
        expect(seen.has(h)).toBe(false);
      }
      seen.add(h);
    }
    expect(duplicates).toBeGreaterThan(10);
  });

  it('should keep (source, id) unique when messages are not duplicates', () => {
    const ids = decoded
      .filter((d) => d.message.kind === 'event')
      .map((d) => `${d.event?.source} ${d.event?.id}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('should cover every event type when long enough', () => {
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
  });

  it('should move forward in time when events are new', () => {
    const times = decoded
      .filter((d) => d.message.kind === 'event')
      .map((d) => parseRfc3339DateTime(d.event?.time ?? '') ?? NaN);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
  });

  it('should start at startTime when one is given', () => {
    const [first] = decodeAll(
      demoEvents({ events: 1, seed: 3, startTime: new Date('2030-06-01T00:00:00Z') }),
    );
    expect(parseRfc3339DateTime(first.event?.time ?? '')).toBe(Date.UTC(2030, 5, 1));
  });

  it('should span two years ending a few days before today when no time is given', () => {
    const times = events.map((e) => Date.parse(e.time));
    const today = Math.floor(Date.now() / DAY) * DAY;
    const first = Math.min(...times);
    const last = Math.max(...times);
    expect(last).toBeLessThanOrEqual(Date.now());
    expect(last).toBeGreaterThan(today - 10 * DAY);
    expect(first).toBeGreaterThanOrEqual(today - (DEMO_SPAN_DAYS + 10) * DAY);
    expect(first).toBeLessThan(today - (DEMO_SPAN_DAYS - 10) * DAY);
  });

  it('should grow over the span, dip at weekends and in summer, as a hospital does', () => {
    const endTime = new Date('2026-01-01T00:00:00Z');
    const times = decodeAll(demoEvents({ events: 20_000, seed: 5, endTime })).flatMap((d) =>
      d.event === undefined ? [] : [new Date(d.event.time)],
    );
    const inYear = (year: number, months: number[]) =>
      times.filter((t) => t.getUTCFullYear() === year && months.includes(t.getUTCMonth())).length;
    // Two years (2024 and 2025): the second busier than the first, every month present.
    expect(new Set(times.map((t) => t.toISOString().slice(0, 7))).size).toBe(24);
    expect(inYear(2025, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toBeGreaterThan(
      1.3 * inYear(2024, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    );
    // Within one year, winter busier than summer.
    expect(inYear(2025, [0, 1])).toBeGreaterThan(1.1 * inYear(2025, [6, 7]));
    const weekend = times.filter((t) => t.getUTCDay() === 0 || t.getUTCDay() === 6).length;
    expect(weekend / times.length).toBeLessThan(0.2);
  });

  it('should leave one deletion request open and one overdue relative to now', () => {
    const now = Date.now();
    const due = ofType('org.scantrail.deletion.requested').map((r) => Date.parse(r.data.dueBy));
    expect(due.some((d) => d > now)).toBe(true);
    expect(due.some((d) => d < now)).toBe(true);
  });

  it('should model the vendor landscape when it sets the scene', () => {
    const vendors = ofType('org.scantrail.vendor.registered');
    expect(new Set(vendors.map((v) => v.data.vendorId)).size).toBeGreaterThanOrEqual(6);
    expect(vendors.some((v) => v.data.parentVendorId !== undefined)).toBe(true);
    const agreements = ofType('org.scantrail.agreement.signed');
    expect(new Set(agreements.map((a) => a.data.kind))).toEqual(
      new Set(['BAA', 'DUA', 'LDS_DUA', 'RESEARCH_AGREEMENT']),
    );
    expect(agreements.some((a) => a.data.expiresAt !== undefined)).toBe(true);
    expect(ofType('org.scantrail.agreement.terminated')).toHaveLength(1);
    const withAgreement = new Set(agreements.map((a) => a.data.vendorId));
    expect(
      ofType('org.scantrail.transfer.onward').some((t) => !withAgreement.has(t.data.toVendorId)),
    ).toBe(true);
  });

  it('should tell a deletion and breach story: four requests, a breach holding an original and a de-identified copy', () => {
    const requests = ofType('org.scantrail.deletion.requested');
    expect(requests).toHaveLength(4);
    const [breach] = ofType('org.scantrail.breach.reported');
    expect(ofType('org.scantrail.breach.reported')).toHaveLength(1);
    const discovered = Date.parse(breach.data.discoveredAt);
    const from = Date.parse(breach.data.exposureFrom ?? '');
    const copies = new Map(
      ofType('org.scantrail.study.deidentified').map((e) => [
        e.data.derivedStudyInstanceUid,
        e.data.methodCodes,
      ]),
    );
    const toBreached = ofType('org.scantrail.transfer.onward').filter(
      (t) =>
        t.data.toVendorId === breach.data.vendorId &&
        Date.parse(t.time) >= from &&
        Date.parse(t.time) <= discovered,
    );
    const uids = toBreached.map((t) => t.data.target.studyInstanceUid ?? '');
    // An onward recipient holding a properly de-identified copy (no notice) and an original.
    expect(uids.some((uid) => copies.get(uid)?.includes('113100'))).toBe(true);
    expect(uids.some((uid) => !copies.has(uid))).toBe(true);
    // Every request names a registered patient, and the due dates include one far ahead.
    const now = Date.parse(requests[0].time);
    expect(requests.some((r) => Date.parse(r.data.dueBy) > now + 365 * 86_400_000)).toBe(true);
  });

  it('should model studies, derivatives and consents when it runs', () => {
    const modalities = new Set(
      ofType('org.scantrail.study.registered').map((s) => s.data.modality),
    );
    for (const m of ['CT', 'MR', 'CR', 'MG']) expect(modalities).toContain(m);
    const studies = new Map(
      ofType('org.scantrail.study.registered').map((s) => [s.data.studyInstanceUid, s.data]),
    );
    const faceLeft = ofType('org.scantrail.study.deidentified').filter((d) => {
      const source = studies.get(d.data.sourceStudyInstanceUid);
      return (
        source !== undefined &&
        ['CT', 'MR'].includes(source.modality) &&
        ['HEAD', 'BRAIN'].includes(source.bodyPart) &&
        !d.data.methodCodes.includes('113102')
      );
    });
    expect(faceLeft.length).toBeGreaterThan(0);
    const consents = ofType('org.scantrail.consent.recorded');
    expect(new Set(consents.map((c) => c.data.decision))).toEqual(new Set(['PERMIT', 'DENY']));
    expect(consents.some((c) => c.data.scope !== undefined)).toBe(true);
    expect(consents.some((c) => c.data.vendorIds !== undefined)).toBe(true);
    expect(ofType('org.scantrail.consent.revoked').length).toBeGreaterThan(0);
    expect(
      ofType('org.scantrail.dataset.assembled').some((d) => d.data.studyInstanceUids.length > 1),
    ).toBe(true);
  });

  it('should disclose on every legal basis when it runs', () => {
    const bases = new Set(
      ofType('org.scantrail.disclosure.recorded').map((d) => d.data.legalBasis),
    );
    expect(bases).toEqual(new Set(LEGAL_BASES));
  });
});
