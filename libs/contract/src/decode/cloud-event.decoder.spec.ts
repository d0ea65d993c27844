import fc from 'fast-check';
import { EVENT_TYPES } from '../events/event-types';
import { TEST_PATIENT, cloudEvent, encodeEvent, exampleData } from '../testing/event-factory';
import {
  DEFAULT_MAX_EVENT_BYTES,
  decodeEventMessage,
  firstInvalidUtf8Offset,
} from './cloud-event.decoder';

const STUDY = 'org.scantrail.study.registered';

function validEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return cloudEvent(STUDY, exampleData(STUDY), overrides);
}

function without(name: string): Record<string, unknown> {
  const event = validEvent();
  delete event[name];
  return event;
}

function reasonOf(value: Buffer | null, maxBytes?: number): string {
  const result = decodeEventMessage(value, maxBytes === undefined ? undefined : { maxBytes });
  if (result.ok) throw new Error('expected the message to be refused');
  return result.reason;
}

const valid = encodeEvent(validEvent()).toString('utf8');

describe('decodeEventMessage poison list', () => {
  const POISON: [string, Buffer | null, string][] = [
    ['a null value (tombstone)', null, 'empty'],
    ['a zero-length value', Buffer.alloc(0), 'empty'],
    ['a 0xFF byte', Buffer.from([0x7b, 0xff, 0x7d]), 'not_utf8'],
    ['an overlong encoding', Buffer.from([0x22, 0xc0, 0xaf, 0x22]), 'not_utf8'],
    ['an encoded surrogate', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), 'not_utf8'],
    ['a truncated multi-byte character', Buffer.from([0x22, 0xe2, 0x82]), 'not_utf8'],
    ['truncated JSON', Buffer.from(valid.slice(0, valid.length - 10)), 'not_json'],
    ['text that is not JSON', Buffer.from('hello, kafka'), 'not_json'],
    ['trailing data after the object', Buffer.from(`${valid} {}`), 'not_json'],
    ['a trailing comma', Buffer.from('{"a":1,}'), 'not_json'],
    ['single quotes', Buffer.from("{'a':1}"), 'not_json'],
    ['a raw control character in a string', Buffer.from('{"a":"x\ty"}'), 'not_json'],
    ['a NaN literal', Buffer.from('{"a":NaN}'), 'not_json'],
    ['a leading zero', Buffer.from('{"a":01}'), 'not_json'],
    ['a \\u0000 escape', Buffer.from('{"a":"\\u0000"}'), 'not_json'],
    ['a lone high surrogate escape', Buffer.from('{"a":"\\ud800x"}'), 'not_json'],
    ['a lone low surrogate escape', Buffer.from('{"a":"\\udc00"}'), 'not_json'],
    ['100k-deep arrays', Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)), 'too_deep'],
    ['100k-deep unclosed arrays', Buffer.from('['.repeat(100_000)), 'too_deep'],
    ['100k-deep objects', Buffer.from('{"a":'.repeat(100_000)), 'too_deep'],
    ['65 levels of nesting', Buffer.from('['.repeat(65) + ']'.repeat(65)), 'too_deep'],
    ['a 2 MB value', Buffer.alloc(2 * 1024 * 1024, 0x20), 'too_large'],
    [
      'a duplicate top-level key',
      Buffer.from(valid.replace('{', '{"id":"other",')),
      'duplicate_key',
    ],
    [
      'a duplicate key in data',
      Buffer.from(valid.replace('"data":{', '"data":{"modality":"MR",')),
      'duplicate_key',
    ],
    [
      'a duplicate key spelled with an escape',
      Buffer.from('{"id":1,"\\u0069d":2}'),
      'duplicate_key',
    ],
    ['a JSON array (batch format)', Buffer.from(`[${valid}]`), 'not_cloudevent'],
    ['a JSON string', Buffer.from('"event"'), 'not_cloudevent'],
    ['a missing specversion', encodeEvent(without('specversion')), 'not_cloudevent'],
    ['specversion 0.3', encodeEvent(validEvent({ specversion: '0.3' })), 'not_cloudevent'],
    ['specversion as a number', encodeEvent(validEvent({ specversion: 1.0 })), 'not_cloudevent'],
    ['a missing id', encodeEvent(without('id')), 'not_cloudevent'],
    ['an empty id', encodeEvent(validEvent({ id: '' })), 'not_cloudevent'],
    ['a numeric id', encodeEvent(validEvent({ id: 42 })), 'not_cloudevent'],
    ['a missing source', encodeEvent(without('source')), 'not_cloudevent'],
    ['a source with spaces', encodeEvent(validEvent({ source: 'my system' })), 'not_cloudevent'],
    [
      'a source with a bad percent escape',
      encodeEvent(validEvent({ source: '/a%zz' })),
      'not_cloudevent',
    ],
    ['a missing type', encodeEvent(without('type')), 'not_cloudevent'],
    ['a missing time', encodeEvent(without('time')), 'not_cloudevent'],
    [
      'a time without offset',
      encodeEvent(validEvent({ time: '2024-05-01T12:00:00' })),
      'not_cloudevent',
    ],
    [
      'a time on Feb 30',
      encodeEvent(validEvent({ time: '2024-02-30T12:00:00Z' })),
      'not_cloudevent',
    ],
    [
      'a time in month 13',
      encodeEvent(validEvent({ time: '2024-13-01T12:00:00Z' })),
      'not_cloudevent',
    ],
    ['a time as epoch millis', encodeEvent(validEvent({ time: 1714564800000 })), 'not_cloudevent'],
    ['a missing data', encodeEvent(without('data')), 'not_cloudevent'],
    [
      'data_base64 instead of data',
      encodeEvent({ ...without('data'), data_base64: 'e30=' }),
      'not_cloudevent',
    ],
    ['data as a string', encodeEvent(validEvent({ data: '{"a":1}' })), 'not_cloudevent'],
    ['data as an array', encodeEvent(validEvent({ data: [] })), 'not_cloudevent'],
    ['data null', encodeEvent(validEvent({ data: null })), 'not_cloudevent'],
    ['an empty subject', encodeEvent(validEvent({ subject: '' })), 'not_cloudevent'],
    [
      'a non-JSON datacontenttype',
      encodeEvent(validEvent({ datacontenttype: 'application/xml' })),
      'not_cloudevent',
    ],
    [
      'a relative dataschema',
      encodeEvent(validEvent({ dataschema: '/schemas/x.json' })),
      'not_cloudevent',
    ],
    [
      'an unknown type',
      encodeEvent(validEvent({ type: 'org.scantrail.study.archived' })),
      'unknown_type',
    ],
    [
      'a type in the wrong case',
      encodeEvent(validEvent({ type: 'org.scantrail.Study.Registered' })),
      'unknown_type',
    ],
    [
      'missing data fields',
      encodeEvent(validEvent({ data: { studyInstanceUid: '1.2.3' } })),
      'invalid_data',
    ],
    [
      'wrong data field types',
      encodeEvent(validEvent({ data: { ...exampleData(STUDY), modality: 7 } })),
      'invalid_data',
    ],
  ];

  it.each(POISON)('should refuse %s with category %s', (_name, value, category) => {
    const reason = reasonOf(value);
    expect(reason.startsWith(`${category}: `)).toBe(true);
    expect(reason.length).toBeGreaterThan(category.length + 4);
    expect(reason.length).toBeLessThan(600);
  });

  it('should state the size and the limit when the value is too large', () => {
    expect(reasonOf(Buffer.alloc(2 * 1024 * 1024, 0x20))).toBe(
      `too_large: 2097152 bytes > ${DEFAULT_MAX_EVENT_BYTES}`,
    );
    expect(reasonOf(Buffer.from(valid), 100)).toBe(
      `too_large: ${Buffer.byteLength(valid)} bytes > 100`,
    );
  });

  it('should give the byte offset when the UTF-8 is invalid', () => {
    expect(reasonOf(Buffer.from([0x7b, 0x22, 0xc3, 0x28]))).toBe(
      'not_utf8: invalid UTF-8 byte sequence at byte offset 2',
    );
  });

  it('should give the JSON path when a key is duplicated', () => {
    expect(reasonOf(Buffer.from('{"a":[{"b":{"c":1,"c":2}}]}'))).toBe('duplicate_key: $.a[0].b.c');
    expect(reasonOf(Buffer.from('{"a b":{"x":1,"x":1}}'))).toBe('duplicate_key: $["a b"].x');
  });

  it('should give the position when the JSON is truncated', () => {
    expect(reasonOf(Buffer.from('{"a":[1,2'))).toBe(
      "not_json: expected ',' or ']' at position 9, found end of input",
    );
  });

  it.each([
    ['specversion', without('specversion'), 'not_cloudevent: specversion is missing'],
    ['id', validEvent({ id: 42 }), 'not_cloudevent: id must be a string, got a number'],
    ['source', validEvent({ source: '' }), 'not_cloudevent: source must not be empty'],
    ['type', without('type'), 'not_cloudevent: type is missing'],
    ['time', without('time'), 'not_cloudevent: time is missing'],
    ['data', without('data'), 'not_cloudevent: data is missing'],
    ['data', validEvent({ data: 'x' }), 'not_cloudevent: data must be a JSON object, got a string'],
  ])('should name %s when that attribute is wrong', (_name, event, reason) => {
    expect(reasonOf(encodeEvent(event))).toBe(reason);
  });

  it('should refuse a __proto__ member in data when one is sent', () => {
    const text = valid.replace('"data":{', '"data":{"__proto__":{"polluted":true},');
    expect(reasonOf(Buffer.from(text))).toBe('invalid_data: data: unknown field "__proto__"');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  // The canary sweep (test/privacy/canary-sweep.e2e.ts): a reason is stored and shown to
  // auditors, who see quarantined messages only redacted.
  it.each([
    [
      'the time',
      { time: 'mrn-004211' },
      'not_cloudevent: time must be an RFC 3339 date-time with an offset (e.g. 2024-05-01T12:00:00Z), got "[patient value]"',
    ],
    [
      'inside the type',
      { type: `org.scantrail.study.registered.${TEST_PATIENT.value}` },
      'unknown_type: "org.scantrail.study.registered.[patient value]"',
    ],
  ])('should withhold the patient value when it is %s', (_name, attributes, reason) => {
    const study = 'org.scantrail.study.registered';
    expect(reasonOf(encodeEvent(cloudEvent(study, exampleData(study), attributes)))).toBe(reason);
  });

  it('should withhold an unknown member named by the patient value and quote the others', () => {
    const study = 'org.scantrail.study.registered';
    const data = { ...exampleData(study), [TEST_PATIENT.value]: 1, vendorID: 'x' };
    expect(reasonOf(encodeEvent(cloudEvent(study, data)))).toBe(
      'invalid_data: data: unknown fields "[patient value]", "vendorID"',
    );
  });

  it('should quote the type when it is unknown', () => {
    expect(reasonOf(encodeEvent(validEvent({ type: 'com.example.other' })))).toBe(
      'unknown_type: "com.example.other"',
    );
  });

  it('should list a few issues and count the rest when data breaks several rules', () => {
    const data = {
      patient: TEST_PATIENT,
      modality: 'x',
      bodyPart: 1,
      studyDate: 'today',
      extra: 1,
    };
    expect(reasonOf(encodeEvent(validEvent({ data })))).toMatch(
      /^invalid_data: data\.studyInstanceUid: is required; data\.modality: .+; data\.bodyPart: .+ \(\+3 more\)$/,
    );
  });
});

describe('decodeEventMessage and what PostgreSQL stores', () => {
  const AGREEMENT = 'org.scantrail.agreement.signed';
  it.each([
    [
      'time with offset +16:00',
      { time: '2024-05-01T12:00:00+16:00' },
      /^invalid_data: time: .*offset \+16:00/,
    ],
    ['time in year 0000', { time: '0000-01-01T00:00:00Z' }, /^invalid_data: time: .*year 0000/],
    [
      'time past year 9999 in UTC',
      { time: '9999-12-31T23:00:00-05:00' },
      /^invalid_data: time: .*storable range/,
    ],
  ])('should quarantine as invalid_data when given a %s', (_name, overrides, reason) => {
    expect(reasonOf(encodeEvent(validEvent(overrides)))).toMatch(reason);
  });

  it('should name the field when a period bound is in year 0000', () => {
    const event = cloudEvent(AGREEMENT, { ...exampleData(AGREEMENT), effectiveFrom: '0000-01-01' });
    expect(reasonOf(encodeEvent(event))).toMatch(/^invalid_data: data\.effectiveFrom: .*year 0000/);
  });

  it('should name the field when a period bound has an offset PostgreSQL refuses', () => {
    const event = cloudEvent(AGREEMENT, {
      ...exampleData(AGREEMENT),
      expiresAt: '2030-01-01T00:00:00-16:30',
    });
    expect(reasonOf(encodeEvent(event))).toMatch(/^invalid_data: data\.expiresAt: .*offset -16:30/);
  });
});

describe('decodeEventMessage envelope', () => {
  it.each(EVENT_TYPES)('should decode a %s event when it is valid', (type) => {
    const event = cloudEvent(type, exampleData(type));
    expect(decodeEventMessage(encodeEvent(event))).toEqual({ ok: true, event });
  });

  it('should keep the optional attributes when they are given', () => {
    const event = validEvent({
      subject: '1.2.3',
      datacontenttype: 'application/json; charset=utf-8',
      dataschema: 'https://schemas.example.org/study.registered.json',
    });
    expect(decodeEventMessage(encodeEvent(event))).toEqual({ ok: true, event });
  });

  it('should ignore extension attributes and null optional attributes when present', () => {
    const event = validEvent();
    const result = decodeEventMessage(
      encodeEvent({
        ...event,
        traceparent: '00-abc',
        partitionkey: 7,
        subject: null,
        dataschema: null,
      }),
    );
    expect(result).toEqual({ ok: true, event });
  });

  it.each([
    'application/json',
    'text/json',
    'application/fhir+json',
    'APPLICATION/JSON ; charset=UTF-8',
  ])('should accept datacontenttype %s when it declares JSON', (datacontenttype) => {
    expect(decodeEventMessage(encodeEvent(validEvent({ datacontenttype }))).ok).toBe(true);
  });

  it.each([
    'urn:scantrail:pacs',
    '/pacs/events',
    'https://pacs.example.org/events?x=1#f',
    '//host/path',
    'pacs',
  ])('should accept source %s when it is a URI-reference', (source) => {
    expect(decodeEventMessage(encodeEvent(validEvent({ source }))).ok).toBe(true);
  });

  it.each(['2024-05-01T12:00:00.123456+05:30', '2024-05-01t12:00:00z', '2016-12-31T23:59:60Z'])(
    'should accept time %s when it is RFC 3339',
    (time) => {
      expect(decodeEventMessage(encodeEvent(validEvent({ time }))).ok).toBe(true);
    },
  );

  it('should accept a value when it starts with a UTF-8 byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)]);
    expect(decodeEventMessage(bytes).ok).toBe(true);
  });

  it('should accept a value when it is exactly the size limit', () => {
    const bytes = Buffer.from(valid);
    expect(decodeEventMessage(bytes, { maxBytes: bytes.length }).ok).toBe(true);
  });

  it('should accept non-ASCII text when it is valid UTF-8', () => {
    const data = { ...exampleData(STUDY), facility: 'Klinikum Süd – Radiologie 放射線科' };
    const event = validEvent({ data });
    expect(decodeEventMessage(encodeEvent(event))).toEqual({ ok: true, event });
  });
});

describe('decodeEventMessage and patient identifiers', () => {
  const MRN = 'MRN-7734219';
  const patient = { system: TEST_PATIENT.system, value: MRN };

  const LEAKY: [string, string][] = [
    [
      'a patient value of the wrong type',
      JSON.stringify(
        validEvent({ data: { ...exampleData(STUDY), patient: { system: 's', value: 7734219 } } }),
      ),
    ],
    [
      'the patient given as a bare string',
      JSON.stringify(validEvent({ data: { ...exampleData(STUDY), patient: MRN } })),
    ],
    [
      'an identifier used as a member name',
      JSON.stringify(
        validEvent({ data: { ...exampleData(STUDY), patient: { ...patient, [MRN]: true } } }),
      ),
    ],
    [
      'a duplicated identifier member name',
      valid.replace('"patient":{', `"patient":{"${MRN}":1,"${MRN}":2,`),
    ],
    [
      "a duplicated member named as the message's own identifier, outside the patient",
      valid
        .replace('"MRN-004211"', `"${MRN}"`)
        .replace('"data":{', `"data":{"seen":{"${MRN}":1,"${MRN}":2},`),
    ],
    [
      'a missing patient system',
      JSON.stringify(validEvent({ data: { ...exampleData(STUDY), patient: { value: MRN } } })),
    ],
    [
      'a truncated message',
      JSON.stringify(validEvent({ data: { ...exampleData(STUDY), patient } })).slice(0, 200),
    ],
    ['a bad character after the identifier', valid.replace('"MRN-004211"', `"${MRN}"x`)],
    ['an identifier as a bare token', valid.replace('"MRN-004211"', MRN)],
    [
      'a consent with an unknown patient field',
      JSON.stringify(
        cloudEvent('org.scantrail.consent.recorded', {
          ...exampleData('org.scantrail.consent.recorded'),
          patient: { ...patient, mrn: MRN },
        }),
      ),
    ],
  ];

  it.each(LEAKY)('should keep the identifier out of the reason when given %s', (_name, text) => {
    const reason = reasonOf(Buffer.from(text));
    expect(reason).not.toContain(MRN);
    expect(reason).not.toContain('7734219');
  });

  it('should keep any identifier out of the reason when patient members hold arbitrary values', () => {
    const marker = fc.stringMatching(/^ZQ[0-9A-F]{10}$/);
    fc.assert(
      fc.property(
        marker,
        fc.constantFrom(STUDY, 'org.scantrail.consent.recorded'),
        fc.constantFrom('value', 'system', 'key', 'both'),
        fc.anything({ maxDepth: 2 }),
        (mark, type, where, junk) => {
          const base = exampleData(type) as unknown as Record<string, unknown>;
          const patientValue =
            where === 'value'
              ? { system: junk, value: mark }
              : where === 'system'
                ? { system: mark, value: junk }
                : where === 'key'
                  ? { system: 's', value: 'v', [mark]: junk }
                  : { [mark]: mark, value: [mark, junk] };
          const data = { ...base, patient: patientValue, modality: junk };
          const result = decodeEventMessage(encodeEvent(cloudEvent(type, data)));
          if (!result.ok) expect(result.reason).not.toContain(mark);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('firstInvalidUtf8Offset', () => {
  it('should agree with a fatal TextDecoder when given arbitrary bytes', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        let valid = true;
        try {
          decoder.decode(bytes);
        } catch {
          valid = false;
        }
        expect(firstInvalidUtf8Offset(bytes) === -1).toBe(valid);
      }),
      { numRuns: 1000 },
    );
  });
});
