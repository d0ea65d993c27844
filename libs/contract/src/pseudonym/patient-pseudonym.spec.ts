import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { EVENT_TYPES } from '../events/event-types';
import type { LineageEvent } from '../events/lineage-event.types';
import { TEST_PATIENT, cloudEvent, exampleData } from '../testing/event-factory';
import { subjectOf } from '../events/event-subject';
import { patientPseudonym, patientValuePseudonym, pseudonymizeEvent } from './patient-pseudonym';

const KEY = Buffer.alloc(32, 7);
const OTHER_KEY = Buffer.alloc(32, 8);

describe('patientPseudonym', () => {
  it('should be HMAC-SHA256 over the JSON pair when computed', () => {
    const expected = createHmac('sha256', KEY)
      .update('["urn:oid:2.16.840.1.113883.3.7","MRN-004211"]')
      .digest('base64url');
    expect(patientPseudonym(TEST_PATIENT, KEY)).toBe(`pp_${expected}`);
  });

  it('should be stable when computed again', () => {
    expect(patientPseudonym({ ...TEST_PATIENT }, KEY)).toBe(patientPseudonym(TEST_PATIENT, KEY));
  });

  it('should depend on the key when the identifier is the same', () => {
    expect(patientPseudonym(TEST_PATIENT, KEY)).not.toBe(patientPseudonym(TEST_PATIENT, OTHER_KEY));
  });

  it('should depend on the system when the value is the same', () => {
    const other = { ...TEST_PATIENT, system: 'urn:oid:2.16.840.1.113883.3.7.2' };
    expect(patientPseudonym(other, KEY)).not.toBe(patientPseudonym(TEST_PATIENT, KEY));
  });

  it('should keep system and value apart when their text could be re-split', () => {
    const a = patientPseudonym({ system: 'urn:a","b', value: 'c' }, KEY);
    const b = patientPseudonym({ system: 'urn:a', value: 'b","c' }, KEY);
    const c = patientPseudonym({ system: 'urn:ab', value: 'c' }, KEY);
    const d = patientPseudonym({ system: 'urn:a', value: 'bc' }, KEY);
    expect(new Set([a, b, c, d]).size).toBe(4);
  });

  it('should be a prefixed 256-bit base64url token without the value when given any identifier', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 4 }), (system, value) => {
        const pseudonym = patientPseudonym({ system, value }, KEY);
        expect(pseudonym).toMatch(/^pp_[A-Za-z0-9_-]{43}$/);
        expect(pseudonym).toBe(patientPseudonym({ system, value }, KEY));
      }),
      { numRuns: 200 },
    );
  });
});

describe('pseudonymizeEvent', () => {
  it.each([
    'org.scantrail.study.registered',
    'org.scantrail.consent.recorded',
    'org.scantrail.deletion.requested',
  ] as const)('should replace only the patient value when given a %s event', (type) => {
    const event = cloudEvent(type, exampleData(type)) as LineageEvent;
    const before = JSON.stringify(event);
    const result = pseudonymizeEvent(event, KEY);
    expect(JSON.stringify(result)).not.toContain(TEST_PATIENT.value);
    expect(result).toEqual({
      ...event,
      data: {
        ...event.data,
        patient: { system: TEST_PATIENT.system, value: patientPseudonym(TEST_PATIENT, KEY) },
        ...(type === 'org.scantrail.study.registered'
          ? { patientValuePseudonym: patientValuePseudonym(TEST_PATIENT.value, KEY) }
          : {}),
      },
    });
    expect(JSON.stringify(event)).toBe(before);
  });

  // A guard for the event types to come: one whose example names the patient must be taught
  // to patientValuesOf and pseudonymizedCopy, or this fails.
  it.each(EVENT_TYPES)('should leave no clear patient value in a %s event', (type) => {
    const event = cloudEvent(type, exampleData(type) as never) as LineageEvent;
    expect(JSON.stringify(pseudonymizeEvent(event, KEY))).not.toContain(TEST_PATIENT.value);
  });

  it.each(
    EVENT_TYPES.filter(
      (t) =>
        t !== 'org.scantrail.study.registered' &&
        t !== 'org.scantrail.consent.recorded' &&
        t !== 'org.scantrail.deletion.requested' &&
        t !== 'org.scantrail.deidentification.inspected',
    ),
  )('should return an equal copy when given a %s event', (type) => {
    const event = cloudEvent(type, exampleData(type) as never) as LineageEvent;
    const result = pseudonymizeEvent(event, KEY);
    expect(result).toEqual(event);
    expect(result).not.toBe(event);
  });

  it('should pseudonymize found identifiers by system and value, or by value alone', () => {
    const type = 'org.scantrail.deidentification.inspected';
    const event = cloudEvent(type, exampleData(type));
    const result = pseudonymizeEvent(event, KEY);
    if (result.type !== type) throw new Error('type changed');
    expect(JSON.stringify(result)).not.toMatch(/MRN-004211|OLD-77/);
    expect(result.data.patientIdentifiersFound).toEqual([
      { system: TEST_PATIENT.system, value: patientPseudonym(TEST_PATIENT, KEY) },
      { value: patientValuePseudonym('OLD-77', KEY) },
    ]);
    expect({ ...result, data: { ...result.data, patientIdentifiersFound: [] } }).toEqual({
      ...event,
      data: { ...event.data, patientIdentifiersFound: [] },
    });
  });

  it('should give a study the value-only pseudonym an issuer-less found identifier gets', () => {
    const study = pseudonymizeEvent(
      cloudEvent('org.scantrail.study.registered', exampleData('org.scantrail.study.registered')),
      KEY,
    );
    if (study.type !== 'org.scantrail.study.registered') throw new Error('type changed');
    expect(study.data.patientValuePseudonym).toBe(patientValuePseudonym(TEST_PATIENT.value, KEY));
    expect(study.data.patientValuePseudonym).toMatch(/^pv_[A-Za-z0-9_-]{43}$/);
  });

  it('should give the same pseudonym in studies and consents when the patient is the same', () => {
    const study = pseudonymizeEvent(
      cloudEvent('org.scantrail.study.registered', exampleData('org.scantrail.study.registered')),
      KEY,
    );
    const consent = pseudonymizeEvent(
      cloudEvent('org.scantrail.consent.recorded', exampleData('org.scantrail.consent.recorded')),
      KEY,
    );
    if (study.type !== 'org.scantrail.study.registered') throw new Error('type changed');
    if (consent.type !== 'org.scantrail.consent.recorded') throw new Error('type changed');
    expect(study.data.patient.value).toBe(consent.data.patient.value);
  });

  // CONTRACT 1: the subject never carries a patient identifier; 4: values are pseudonymized.
  it.each([
    ['org.scantrail.study.registered', TEST_PATIENT.value],
    ['org.scantrail.consent.recorded', TEST_PATIENT.value],
    ['org.scantrail.deletion.requested', ` ${TEST_PATIENT.value} `],
    ['org.scantrail.deidentification.inspected', 'OLD-77'],
  ] as const)(
    'should drop a %s subject that is a patient identifier value, leaving the main id',
    (type, subject) => {
      const event = cloudEvent(type, exampleData(type), { subject }) as LineageEvent;
      const result = pseudonymizeEvent(event, KEY);
      expect(result.subject).toBeUndefined();
      expect(subjectOf(result)).toBe(subjectOf({ ...event, subject: undefined }));
      expect(JSON.stringify({ ...result, subject: subjectOf(result) })).not.toContain(
        subject.trim(),
      );
      expect(event.subject).toBe(subject);
    },
  );

  it.each([
    ['the main id', (e: LineageEvent) => subjectOf(e)],
    ['another id', () => 'not-a-patient-value'],
  ])('should keep a subject that is %s as it is', (_name, subjectFor) => {
    const type = 'org.scantrail.study.registered';
    const plain = cloudEvent(type, exampleData(type)) as LineageEvent;
    const subject = subjectFor(plain);
    const result = pseudonymizeEvent({ ...plain, subject }, KEY);
    expect(result.subject).toBe(subject);
    expect(subjectOf(result)).toBe(subject);
  });
});

describe('pseudonymizeEvent, free text naming the patient', () => {
  const pv = patientValuePseudonym(TEST_PATIENT.value, KEY);

  it('should replace the identifier a study description or facility repeats, in any case', () => {
    const event = cloudEvent('org.scantrail.study.registered', {
      ...exampleData('org.scantrail.study.registered'),
      description: 'CT HEAD for MRN-004211 (mrn-004211, again)',
      facility: 'Northfield, ward of MRN-004211',
    }) as LineageEvent;
    const result = pseudonymizeEvent(event, KEY);
    expect(JSON.stringify(result)).not.toMatch(/004211/);
    expect(result.data).toMatchObject({
      description: `CT HEAD for ${pv} (${pv}, again)`,
      facility: `Northfield, ward of ${pv}`,
      studyInstanceUid: '1.2.840.113619.2.55.3.1001',
      accessionNumber: 'ACC-1001',
    });
    expect(JSON.stringify(event)).toContain('CT HEAD for MRN-004211');
  });

  it("should replace it in a consent's document reference and a deletion request's ground and channel", () => {
    const consent = cloudEvent('org.scantrail.consent.recorded', {
      ...exampleData('org.scantrail.consent.recorded'),
      documentRef: 'dms://consents/MRN-004211/form.pdf',
    }) as LineageEvent;
    expect(pseudonymizeEvent(consent, KEY).data).toMatchObject({
      documentRef: `dms://consents/${pv}/form.pdf`,
    });
    const request = cloudEvent('org.scantrail.deletion.requested', {
      ...exampleData('org.scantrail.deletion.requested'),
      legalGround: 'CCPA request of MRN-004211',
      channel: 'letter from MRN-004211',
    }) as LineageEvent;
    const stored = JSON.stringify(pseudonymizeEvent(request, KEY));
    expect(stored).not.toContain('MRN-004211');
    expect(stored).toContain(`CCPA request of ${pv}`);
  });

  it('should match a short identifier as a whole token only', () => {
    const event = cloudEvent('org.scantrail.study.registered', {
      ...exampleData('org.scantrail.study.registered'),
      patient: { system: TEST_PATIENT.system, value: '42' },
      description: 'patient 42, 1420 slices, 42mm',
    }) as LineageEvent;
    const short = patientValuePseudonym('42', KEY);
    expect((pseudonymizeEvent(event, KEY).data as { description: string }).description).toBe(
      `patient ${short}, 1420 slices, 42mm`,
    );
  });

  it('should leave free text that does not name the patient as it was', () => {
    const event = cloudEvent(
      'org.scantrail.study.registered',
      exampleData('org.scantrail.study.registered'),
    ) as LineageEvent;
    expect(pseudonymizeEvent(event, KEY).data).toMatchObject({
      description: 'CT HEAD WITHOUT CONTRAST',
      facility: 'Northfield General Hospital',
    });
  });

  it('should store an event id that is the patient identifier as its pseudonym, the same each time', () => {
    const event = cloudEvent(
      'org.scantrail.consent.recorded',
      exampleData('org.scantrail.consent.recorded'),
    ) as LineageEvent;
    const keyed = { ...event, id: ` ${TEST_PATIENT.value}` } as LineageEvent;
    const first = pseudonymizeEvent(keyed, KEY);
    expect(first.id).toBe(pv);
    expect(pseudonymizeEvent({ ...keyed }, KEY).id).toBe(first.id);
    expect(JSON.stringify(first)).not.toContain(TEST_PATIENT.value);
    expect(pseudonymizeEvent(event, KEY).id).toBe(event.id);
  });

  it('should replace a hostile identifier (tens of kilobytes, regular expression syntax) without failing', () => {
    const value = `${'a'.repeat(29_999)}(b+)*[`;
    const event = cloudEvent('org.scantrail.study.registered', {
      ...exampleData('org.scantrail.study.registered'),
      patient: { system: TEST_PATIENT.system, value },
      description: `${value.toUpperCase()} ${'a'.repeat(29_999)}`,
    }) as LineageEvent;
    const stored = pseudonymizeEvent(event, KEY).data as { description: string };
    expect(stored.description).toBe(`${patientValuePseudonym(value, KEY)} ${'a'.repeat(29_999)}`);
  });

  it('should keep positions right around a character whose lower case is longer', () => {
    const event = cloudEvent('org.scantrail.study.registered', {
      ...exampleData('org.scantrail.study.registered'),
      description: 'İstanbul İ MRN-004211 end',
    }) as LineageEvent;
    expect((pseudonymizeEvent(event, KEY).data as { description: string }).description).toBe(
      `İstanbul İ ${pv} end`,
    );
  });

  it('should replace the identifier inside an event id and drop a subject holding it, the same each time', () => {
    const event = cloudEvent(
      'org.scantrail.deletion.requested',
      exampleData('org.scantrail.deletion.requested'),
      { id: 'deletion-mrn-004211-1', subject: 'Patient/MRN-004211' },
    ) as LineageEvent;
    const stored = pseudonymizeEvent(event, KEY);
    expect(stored.id).toBe(`deletion-${pv}-1`);
    expect(pseudonymizeEvent({ ...event }, KEY).id).toBe(stored.id);
    expect(stored.subject).toBeUndefined();
    expect(subjectOf(stored)).toBe('del-req-7');
    expect(JSON.stringify(stored).toLowerCase()).not.toContain('mrn-004211');
    expect(event.id).toBe('deletion-mrn-004211-1');
  });

  it('should look for the identifier in an id or subject as a whole token of four characters or more only', () => {
    const event = (id: string, subject: string, value: string): LineageEvent =>
      cloudEvent(
        'org.scantrail.deletion.requested',
        {
          ...(exampleData('org.scantrail.deletion.requested') as object),
          patient: { system: 'urn:oid:2.16.840.1.113883.3.7', value },
        },
        { id, subject },
      ) as unknown as LineageEvent;
    // A short value is an identifier by equality alone: "evt-12" of patient "12" keeps its id.
    const short = pseudonymizeEvent(event('evt-12', 'Patient/12', '12'), KEY);
    expect(short.id).toBe('evt-12');
    expect(short.subject).toBe('Patient/12');
    const equal = pseudonymizeEvent(event('12', '12', '12'), KEY);
    expect(equal.id).toMatch(/^pv_/);
    expect(equal.subject).toBeUndefined();
    // Inside another token the value is not the identifier: "evt-1004211" of "004211".
    const inside = pseudonymizeEvent(event('evt-1004211', 'Patient/1004211', '004211'), KEY);
    expect(inside.id).toBe('evt-1004211');
    expect(inside.subject).toBe('Patient/1004211');
    // Between separators it is, in any letter case.
    const token = pseudonymizeEvent(
      event('del.mrn-004211_x', 'Patient/MRN-004211', 'MRN-004211'),
      KEY,
    );
    expect(token.id).toMatch(/^del\.pv_[A-Za-z0-9_-]+_x$/);
    expect(token.subject).toBeUndefined();
  });

  it('should take an id or subject that is the identifier in another letter case for the identifier', () => {
    const event = cloudEvent(
      'org.scantrail.consent.recorded',
      exampleData('org.scantrail.consent.recorded'),
      { subject: 'mrn-004211' },
    ) as LineageEvent;
    const stored = pseudonymizeEvent({ ...event, id: 'mrn-004211' }, KEY);
    expect(stored.id).toBe(pv);
    expect(stored.subject).toBeUndefined();
  });
});
