import { createHash } from 'node:crypto';
import { mintToken, type Role } from '@scantrail/access';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { startTestApi } from '../support/e2e-stack';

// Quarantined messages hold what was refused before pseudonymization, so a clear patient
// identifier can sit in them in any encoding or shape a producer chose. Each variant is
// recorded through the real ingest path, then read back through the API as each role.

const MRN = 'MRN-QX-80017';
const NAME = 'Doe^Quarantina';
const settings = testSettings();
let db: TestDatabase;
let api: RunningApi;

function token(roles: Role[], sub: string, vendorId?: string): string {
  return mintToken({ secret: settings.authJwtSecret, sub, roles, vendorId, ttlSeconds: 600 });
}
const OFFICER = token(['privacy_officer'], 'officer-1');
const AUDITOR = token(['auditor'], 'auditor-1');
const VENDOR = token(['vendor'], 'vendor-1', 'acme');

/** A study.registered refused by its schema (no modality), carrying the identifier. */
function refusedStudy(id: string, patient: unknown, extra: object = {}): object {
  return {
    specversion: '1.0',
    id,
    source: 'urn:test:quarantine',
    type: 'org.scantrail.study.registered',
    time: '2024-05-01T00:00:00Z',
    data: {
      studyInstanceUid: `1.2.826.0.1.${id.length}`,
      patient,
      bodyPart: 'HEAD',
      studyDate: '2024-05-01',
      facility: 'Radiology',
      ...extra,
    },
  };
}
const patient = { system: 'urn:oid:2.16.840.1.113883.3.7', value: MRN };

function utf16(text: string, bigEndian: boolean): Buffer {
  const le = Buffer.from(text, 'utf16le');
  const body = bigEndian ? Buffer.from(le).swap16() : le;
  return Buffer.concat([Buffer.from(bigEndian ? [0xfe, 0xff] : [0xff, 0xfe]), body]);
}

function utf32(text: string, bigEndian: boolean): Buffer {
  const points = [...text].map((ch) => ch.codePointAt(0) ?? 0);
  const out = Buffer.alloc(4 * (points.length + 1));
  const write = (value: number, at: number): number =>
    bigEndian ? out.writeUInt32BE(value, at) : out.writeUInt32LE(value, at);
  write(0xfeff, 0);
  points.forEach((p, i) => write(p, 4 * (i + 1)));
  return out;
}

type Shown = 'REDACTED_JSON' | 'WITHHELD';
// name, the bytes as produced, what an auditor is shown
const variants: [string, Buffer, Shown][] = [
  ['plain UTF-8', Buffer.from(JSON.stringify(refusedStudy('q-utf8', patient))), 'REDACTED_JSON'],
  [
    'UTF-8 with a byte order mark',
    Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify(refusedStudy('q-bom', patient))),
    ]),
    'REDACTED_JSON',
  ],
  ['UTF-16LE', utf16(JSON.stringify(refusedStudy('q-16le', patient)), false), 'REDACTED_JSON'],
  ['UTF-16BE', utf16(JSON.stringify(refusedStudy('q-16be', patient)), true), 'REDACTED_JSON'],
  ['UTF-32LE', utf32(JSON.stringify(refusedStudy('q-32le', patient)), false), 'REDACTED_JSON'],
  ['UTF-32BE', utf32(JSON.stringify(refusedStudy('q-32be', patient)), true), 'REDACTED_JSON'],
  [
    'an escaped key',
    Buffer.from(
      JSON.stringify(refusedStudy('q-escaped', { system: 's', value: MRN })).replace(
        '"patient"',
        '"p\\u0061tient"',
      ),
    ),
    'REDACTED_JSON',
  ],
  [
    'escaped characters in the value',
    Buffer.from(
      JSON.stringify(refusedStudy('q-escval', patient)).replace(
        MRN,
        [...MRN].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
      ),
    ),
    'REDACTED_JSON',
  ],
  [
    'a patient array',
    Buffer.from(JSON.stringify(refusedStudy('q-array', [patient, { value: NAME }]))),
    'REDACTED_JSON',
  ],
  [
    'identifiers in other places',
    Buffer.from(
      JSON.stringify(
        refusedStudy('q-elsewhere', 'see below', {
          referral: { system: 'urn:other', value: MRN },
          PatientName: NAME,
          patientIdentifiersFound: [{ value: MRN }],
          note: JSON.stringify({ patient }),
        }),
      ),
    ),
    'REDACTED_JSON',
  ],
  [
    'a duplicate patient key',
    Buffer.from(
      `{"specversion":"1.0","id":"q-dup","data":{"patient":{"value":"${MRN}"},"patient":"x"}}`,
    ),
    'REDACTED_JSON',
  ],
  [
    'truncated JSON',
    Buffer.from(JSON.stringify(refusedStudy('q-cut', patient)).slice(0, 150)),
    'WITHHELD',
  ],
  ['plain text', Buffer.from(`patient ${MRN} ${NAME}`), 'WITHHELD'],
  [
    'invalid UTF-8',
    Buffer.concat([Buffer.from(`{"patient":"${MRN}`), Buffer.from([0xc3, 0x28, 0x22, 0x7d])]),
    'WITHHELD',
  ],
];

interface Row {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  rawBase64: string;
  rawForm: string;
  rawEncoding: string | null;
  byteLength: number;
  sha256: string;
}
const QUERY = `{ quarantine(first: 100) { totalCount edges { node {
  topic partition offset reason rawBase64 rawForm rawEncoding byteLength sha256 } } } }`;

async function quarantine(bearer: string): Promise<{ rows: Row[]; text: string; codes: string[] }> {
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query: QUERY }),
  });
  const text = await response.text();
  const body = JSON.parse(text) as {
    data?: { quarantine: { edges: { node: Row }[] } | null };
    errors?: { extensions?: { code?: string } }[];
  };
  return {
    rows: body.data?.quarantine?.edges.map((e) => e.node) ?? [],
    text,
    codes: (body.errors ?? []).map((e) => e.extensions?.code ?? ''),
  };
}

/** The identifier and the name in every encoding a message may use. */
const secrets = [MRN, NAME].flatMap((s) => [
  Buffer.from(s, 'utf8'),
  Buffer.from(s, 'utf16le'),
  Buffer.from(s, 'utf16le').swap16(),
  utf32(s, false).subarray(4),
  utf32(s, true).subarray(4),
]);

beforeAll(async () => {
  db = await createTestDatabase();
  const outcome = await new DirectRecorder(db.dataSource, settings).record(
    variants.map(([, raw]) => raw),
  );
  expect(outcome.quarantined).toHaveLength(variants.length);
  api = await startTestApi(settings, db.dataSource);
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('quarantine for a privacy officer', () => {
  it('should give every message as received, byte for byte', async () => {
    const { rows } = await quarantine(OFFICER);
    expect(rows.map((r) => Buffer.from(r.rawBase64, 'base64'))).toEqual(variants.map(([, b]) => b));
    expect(rows.every((r) => r.rawForm === 'AS_RECEIVED')).toBe(true);
  });
});

describe('quarantine for an auditor', () => {
  it.each(variants.map(([name], i) => [name, i] as const))(
    'should show no patient value when the message has %s',
    async (_name, index) => {
      const { rows, text } = await quarantine(AUDITOR);
      const row = rows[index];
      const [, original, shown] = variants[index];
      expect(row.rawForm).toBe(shown);
      const bytes = Buffer.from(row.rawBase64, 'base64');
      for (const secret of secrets) expect(bytes.includes(secret)).toBe(false);
      expect(text).not.toContain(MRN);
      expect(text).not.toContain(NAME);
      // Always known: coordinates, reason, length and digest of the bytes as received.
      expect(row).toMatchObject({
        topic: 'direct',
        partition: 0,
        offset: String(index),
        byteLength: original.length,
        sha256: createHash('sha256').update(original).digest('hex'),
      });
      expect(row.reason.length).toBeGreaterThan(0);
      if (shown === 'WITHHELD') {
        expect([row.rawBase64, row.rawEncoding]).toEqual(['', null]);
      } else {
        // Redacted, not emptied: the rest of the message is there to diagnose it.
        const parsed = JSON.parse(bytes.toString('utf8')) as { id?: string; data?: object };
        expect(parsed.id).toMatch(/^q-/);
        expect(JSON.stringify(parsed)).toContain('[redacted]');
      }
    },
  );

  it('should name the encoding a redacted message came in', async () => {
    const { rows } = await quarantine(AUDITOR);
    expect(rows.slice(0, 6).map((r) => r.rawEncoding)).toEqual([
      'utf-8',
      'utf-8',
      'utf-16le',
      'utf-16be',
      'utf-32le',
      'utf-32be',
    ]);
  });

  it('should keep the study uid and the identifier system readable', async () => {
    const { rows } = await quarantine(AUDITOR);
    const parsed = JSON.parse(Buffer.from(rows[2].rawBase64, 'base64').toString('utf8')) as {
      data: { studyInstanceUid: string; patient: { system: string; value: string } };
    };
    expect(parsed.data.patient).toEqual({ system: patient.system, value: '[redacted]' });
    expect(parsed.data.studyInstanceUid).toMatch(/^1\.2\.826/);
  });
});

describe('quarantine for a vendor', () => {
  it('should be FORBIDDEN and show nothing', async () => {
    const { rows, codes, text } = await quarantine(VENDOR);
    expect(codes).toEqual(['FORBIDDEN']);
    expect(rows).toEqual([]);
    expect(text).not.toContain(MRN);
  });
});
