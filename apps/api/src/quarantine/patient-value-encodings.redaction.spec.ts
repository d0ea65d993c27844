import { redactQuarantinedMessage } from './patient-value.redaction';

/**
 * Attack: a patient identifier in a refused message, in shapes a producer of imaging events
 * sends without thinking of us: CloudEvents' own binary form (`data_base64`, JSON format
 * 3.1.1, what SDKs emit for non-JSON data; our decoder refuses it and the quarantine keeps
 * it) and the DICOM JSON model (PS3.18 F.2: attributes keyed by tag, e.g. "00100020" for
 * Patient ID, as DICOMweb QIDO/WADO metadata gives them). A role without clear identifiers
 * must not be able to read the identifier back (CONTRACT 1, 3; STYLE: parse, then redact,
 * and show nothing of what cannot be parsed).
 */
const MRN = 'MRN-004211';
const NAME = 'Doe^Jane';

function shown(message: object): string {
  const result = redactQuarantinedMessage(Buffer.from(JSON.stringify(message)));
  return result.kind === 'redacted' ? result.json : '';
}

/** Every base64 string of the view decoded, beside the view itself. */
function readable(json: string): string {
  const decoded = [...json.matchAll(/"([A-Za-z0-9+/=]{16,})"/g)].map(([, b64]) =>
    Buffer.from(b64, 'base64').toString('utf8'),
  );
  return [json, ...decoded].join('\n');
}

const envelope = {
  specversion: '1.0',
  id: 'evt-1',
  source: 'urn:test:producer',
  type: 'org.scantrail.study.registered',
  time: '2024-05-01T00:00:00Z',
};

describe('redactQuarantinedMessage against encoded and DICOM-shaped identifiers', () => {
  it('should leave no patient value readable when the data comes as data_base64', () => {
    const data = {
      studyInstanceUid: '1.2.3',
      patient: { system: 'urn:oid:1', value: MRN },
      modality: 'CT',
    };
    const message = {
      ...envelope,
      datacontenttype: 'application/json',
      data_base64: Buffer.from(JSON.stringify(data)).toString('base64'),
    };
    expect(readable(shown(message))).not.toContain(MRN);
  });

  it('should leave no patient value when the data carries DICOM JSON keyed by tag', () => {
    const message = {
      ...envelope,
      data: {
        studyInstanceUid: '1.2.3',
        dicom: {
          '00100010': { vr: 'PN', Value: [{ Alphabetic: NAME }] },
          '00100020': { vr: 'LO', Value: [MRN] },
          '00081030': { vr: 'LO', Value: ['CT HEAD'] },
        },
      },
    };
    const out = shown(message);
    expect(out).not.toContain(MRN);
    expect(out).not.toContain(NAME);
  });
});
