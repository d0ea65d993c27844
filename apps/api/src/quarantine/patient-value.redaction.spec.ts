import {
  detectJsonEncoding,
  redactQuarantinedMessage,
  redactReason,
  REDACTED,
  type JsonEncoding,
} from './patient-value.redaction';

const MRN = 'MRN-004211';

function encode(text: string, encoding: JsonEncoding, bom: boolean): Buffer {
  const units: Buffer[] = [];
  for (const ch of text) {
    const point = ch.codePointAt(0) ?? 0;
    if (encoding === 'utf-8') units.push(Buffer.from(ch, 'utf8'));
    if (encoding === 'utf-16le') units.push(Buffer.from(ch, 'utf16le'));
    if (encoding === 'utf-16be') units.push(Buffer.from(ch, 'utf16le').swap16());
    if (encoding === 'utf-32le' || encoding === 'utf-32be') {
      const b = Buffer.alloc(4);
      if (encoding === 'utf-32le') b.writeUInt32LE(point);
      else b.writeUInt32BE(point);
      units.push(b);
    }
  }
  const body = Buffer.concat(units);
  if (!bom) return body;
  const marks: Record<JsonEncoding, number[]> = {
    'utf-8': [0xef, 0xbb, 0xbf],
    'utf-16le': [0xff, 0xfe],
    'utf-16be': [0xfe, 0xff],
    'utf-32le': [0xff, 0xfe, 0, 0],
    'utf-32be': [0, 0, 0xfe, 0xff],
  };
  return Buffer.concat([Buffer.from(marks[encoding]), body]);
}

/** The redacted JSON of a message that must parse. */
function redacted(raw: Buffer | string): unknown {
  const result = redactQuarantinedMessage(typeof raw === 'string' ? Buffer.from(raw) : raw);
  if (result.kind !== 'redacted') throw new Error('expected the message to be redacted');
  expect(result.json).not.toContain(MRN);
  return JSON.parse(result.json);
}

const event = {
  specversion: '1.0',
  type: 'org.scantrail.study.registered',
  data: { studyInstanceUid: '1.2.3', patient: { system: 'urn:oid:1', value: MRN } },
};

describe('redactQuarantinedMessage', () => {
  it('should mask the patient value and keep everything else when the message is plain UTF-8', () => {
    expect(redacted(JSON.stringify(event))).toEqual({
      ...event,
      data: { studyInstanceUid: '1.2.3', patient: { system: 'urn:oid:1', value: REDACTED } },
    });
  });

  const encodings: [JsonEncoding, boolean][] = [
    ['utf-8', true],
    ['utf-16le', true],
    ['utf-16be', true],
    ['utf-32le', true],
    ['utf-32be', true],
    ['utf-16le', false],
    ['utf-16be', false],
    ['utf-32le', false],
    ['utf-32be', false],
  ];
  it.each(encodings)('should decode %s (byte order mark: %s) before redacting', (encoding, bom) => {
    const raw = encode(JSON.stringify({ ...event, note: 'Zoë 🩻' }), encoding, bom);
    expect(detectJsonEncoding(raw).encoding).toBe(encoding);
    // Byte-wise, a UTF-16 or UTF-32 identifier is not the ASCII text a regex would look for.
    expect(raw.includes(Buffer.from(MRN))).toBe(encoding === 'utf-8');
    const result = redactQuarantinedMessage(raw);
    expect(result).toMatchObject({ kind: 'redacted', encoding });
    expect(redacted(raw)).toMatchObject({ note: 'Zoë 🩻', data: { patient: { value: REDACTED } } });
  });

  it.each([
    ['an escaped key', `{"data":{"p\\u0061tient":{"system":"s","value":"${MRN}"}}}`],
    ['an escaped value', `{"patient":{"system":"s","value":"MRN-\\u0030\\u0030\\u00304211"}}`],
    ['a patient array', `{"data":{"patient":[{"system":"s","value":"${MRN}"},{"value":"x"}]}}`],
    ['a patient string', `{"data":{"patient":"${MRN}"}}`],
    ['a patient number', '{"data":{"patient":{"value":4211}}}'],
    ['an identifier found', `{"data":{"patientIdentifiersFound":[{"value":"${MRN}"}]}}`],
    ['an identifier elsewhere', `{"data":{"holder":{"system":"urn:x","value":"${MRN}"}}}`],
    ['another patient key', `{"data":{"PatientID":"${MRN}","patient_name":"Doe^Jane"}}`],
    ['a duplicate key', `{"data":{"patient":{"value":"${MRN}"},"patient":{"value":"x"}}}`],
    ['JSON inside a string', JSON.stringify({ data: JSON.stringify(event) })],
    ['a top-level array', JSON.stringify([event, event])],
  ])('should leave no patient value when the message has %s', (_name, text) => {
    const out = JSON.stringify(redacted(text));
    expect(out).not.toMatch(/MRN|4211|Doe/);
    expect(out).toContain(REDACTED);
  });

  it('should keep the identifier system and non-patient fields readable', () => {
    const out = redacted(
      `{"data":{"patient":[{"system":"urn:oid:1","value":"${MRN}"}],"modality":"CT"}}`,
    );
    expect(out).toEqual({
      data: { patient: [{ system: 'urn:oid:1', value: REDACTED }], modality: 'CT' },
    });
  });

  it.each([
    ['text that is not JSON', Buffer.from(`patient ${MRN}`)],
    ['truncated JSON', Buffer.from(`{"data":{"patient":{"value":"${MRN}"`)],
    [
      'invalid UTF-8',
      Buffer.concat([Buffer.from(`{"patient":"${MRN}`), Buffer.from([0xff, 0x22, 0x7d])]),
    ],
    ['a bare JSON string', Buffer.from(`"${MRN}"`)],
    ['a bare JSON number', Buffer.from('4211')],
    [
      'odd UTF-16',
      Buffer.concat([encode(JSON.stringify(event), 'utf-16le', true), Buffer.from([0x41])]),
    ],
    ['a lone UTF-16 surrogate', Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x00, 0xd8, 0x7d, 0x00])],
    ['nesting beyond reason', Buffer.from(`${'['.repeat(5000)}"${MRN}"${']'.repeat(5000)}`)],
    ['an empty message', Buffer.alloc(0)],
  ])('should withhold %s', (_name, raw) => {
    expect(redactQuarantinedMessage(raw)).toEqual({ kind: 'withheld' });
  });
});

// The canary sweep (test/privacy/canary-sweep.e2e.ts): the message's own patient value
// repeated outside its patient key reached auditors through the "redacted" bytes.
describe('redactQuarantinedMessage and the patient value elsewhere', () => {
  it('should mask the value as the time, inside the type, in free text and as a member name', () => {
    const message = {
      ...event,
      type: `org.scantrail.study.registered.${MRN}`,
      time: MRN.toLowerCase(),
      data: {
        ...event.data,
        description: `refused, ${MRN} head CT`,
        [MRN]: 'unknown member',
        [`${MRN.toLowerCase()}`]: 'another',
      },
    };
    const shown = redacted(JSON.stringify(message));
    expect(JSON.stringify(shown).toLowerCase()).not.toContain(MRN.toLowerCase());
    expect(shown).toEqual({
      specversion: '1.0',
      type: `org.scantrail.study.registered.${REDACTED}`,
      time: REDACTED,
      data: {
        studyInstanceUid: '1.2.3',
        patient: { system: 'urn:oid:1', value: REDACTED },
        description: `refused, ${REDACTED} head CT`,
        // Named like an MRN, so masked whole as any patient-like key's value is.
        [REDACTED]: REDACTED,
        [`${REDACTED} 2`]: REDACTED,
      },
    });
  });

  it("should withhold the message's patient value from its reason", () => {
    const raw = Buffer.from(JSON.stringify({ ...event, time: MRN }));
    expect(redactReason(`not_cloudevent: time must be ..., got "${MRN}"`, raw)).toBe(
      `not_cloudevent: time must be ..., got "${REDACTED}"`,
    );
    expect(redactReason('not_json: at position 3', Buffer.from('{"a'))).toBe(
      'not_json: at position 3',
    );
  });
});
