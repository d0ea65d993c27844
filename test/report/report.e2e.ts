import { lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken, type Role } from '@scantrail/access';
import { createLogger } from '@scantrail/config';
import { patientPseudonym } from '@scantrail/contract';
import {
  leafHash,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  verifyInclusion,
} from '@scantrail/ledger';
import { ACCOUNTING_CSV_HEADERS, type AuditEvent, type Bundle } from '@scantrail/reports';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import { writePatientRightsFile } from '../../apps/cli/src/commands/patient-rights.command';
import { writeAccountingReport } from '../../apps/cli/src/commands/report.command';
import { ACME, D1, D2, PATIENT_P, S1, S2, scenarioEvents } from '../api/api-scenario';
import { startTestApi } from '../support/e2e-stack';
import { CapturedLog } from '../support/captured-log';
import {
  createTestDatabase,
  DirectRecorder,
  e2eServices,
  signCheckpoint,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { balpPrivacyDisclosureSourceProblems, bundleProblems } from './fhir-r4-structure';
import { removeScratchDirs, scratchDir } from '../support/scratch';

afterAll(removeScratchDirs);

// The report downloads end to end: the API scenario recorded through the real ingest path,
// the API in-process, and the documents checked as a patient and a verifier would use them.

const settings = testSettings();
let db: TestDatabase;
let api: RunningApi;
let base: string;

function token(roles: Role[], sub: string, vendorId?: string): string {
  return mintToken({ secret: settings.authJwtSecret, sub, roles, vendorId, ttlSeconds: 300 });
}

const OFFICER = token(['privacy_officer'], 'officer-1');
const AUDITOR = token(['auditor'], 'auditor-1');
const VENDOR = token(['vendor'], 'acme-user', ACME);
const PERIOD = { from: '2024-01-01', to: '2024-12-31' };

const patientParams = (format: string): Record<string, string> => ({
  system: PATIENT_P.system,
  value: PATIENT_P.value,
  ...PERIOD,
  format,
});

/** `POST /reports/accounting` with the parameters as its JSON body. */
async function download(
  bearer: string | undefined,
  params: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const { system, value, ...rest } = params;
  const response = await fetch(`${base}/reports/accounting`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
    },
    body: JSON.stringify({ patient: { system, value }, ...rest }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

async function gql<T>(bearer: string, query: string, variables: object = {}): Promise<T> {
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query, variables }),
  });
  const parsed = (await response.json()) as { data?: T; errors?: unknown[] };
  if (parsed.errors) throw new Error(JSON.stringify(parsed.errors));
  return parsed.data as T;
}

interface AccessEntry {
  actor: string;
  roles: string[];
  operation: string;
  patientPseudonym: string;
}

async function accessLog(): Promise<AccessEntry[]> {
  const { accessLog } = await gql<{ accessLog: { edges: { node: AccessEntry }[] } }>(
    OFFICER,
    '{ accessLog(first: 500) { edges { node { actor roles operation patientPseudonym } } } }',
  );
  return accessLog.edges.map((e) => e.node);
}

/** RFC 4180 records (the renderer writes CRLF; fields may hold quoted line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  const pattern = /("(?:[^"]|"")*"|[^,\r\n]*)(,|\r\n)/g;
  let record: string[] = [];
  for (const m of text.matchAll(pattern)) {
    const raw = m[1];
    record.push(raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw);
    if (m[2] === '\r\n') {
      records.push(record);
      record = [];
    }
  }
  return records;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await new DirectRecorder(db.dataSource, settings).record(Object.values(scenarioEvents()));
  await signCheckpoint(db.dataSource, settings);
  api = await startTestApi({ ...settings, ledgerSigner: undefined }, db.dataSource);
  base = api.url.replace(/\/graphql$/, '');
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('the accounting report, POST /reports/accounting', () => {
  it('should hand a privacy officer a PDF attachment when format is pdf', async () => {
    const { status, headers, body } = await download(OFFICER, patientParams('pdf'));
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/pdf');
    expect(headers.get('content-disposition')).toBe(
      'attachment; filename="accounting-of-disclosures_2024-01-01_2024-12-31.pdf"',
    );
    expect(headers.get('cache-control')).toBe('private, no-store');
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // To look at it: REPORT_E2E_OUT=<dir> npm run test:e2e -- test/report
    const out = process.env.REPORT_E2E_OUT;
    if (out) {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'accounting-report.e2e.pdf'), body);
    }
  });

  it('should list in CSV exactly the entries of the GraphQL accounting, each provably in the signed tree', async () => {
    const { status, headers, body } = await download(OFFICER, patientParams('csv'));
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    const [header, ...rows] = parseCsv(body.toString('utf8'));
    expect(header).toEqual(ACCOUNTING_CSV_HEADERS);
    const at = (row: string[], name: string): string => row[header.indexOf(name)];

    const { accountingOfDisclosures } = await gql<{
      accountingOfDisclosures: {
        entries: {
          disclosureId: string;
          studyInstanceUid: string;
          exempt: boolean;
          ledgerSequence: number;
          recipientName: string;
        }[];
      };
    }>(
      OFFICER,
      `query($p: PatientIdentifierInput!, $from: DateTime, $to: DateTime) {
        accountingOfDisclosures(patient: $p, from: $from, to: $to) {
          entries { disclosureId studyInstanceUid exempt ledgerSequence recipientName } } }`,
      { p: PATIENT_P, from: '2024-01-01T00:00:00Z', to: '2024-12-31T23:59:59.999Z' },
    );
    expect(
      rows.map((r) => [
        at(r, 'disclosure_id'),
        at(r, 'study_instance_uid'),
        at(r, 'required_in_hipaa_accounting'),
        Number(at(r, 'ledger_sequence')),
        at(r, 'recipient_name'),
      ]),
    ).toEqual(
      accountingOfDisclosures.entries.map((e) => [
        e.disclosureId,
        e.studyInstanceUid,
        String(!e.exempt),
        e.ledgerSequence,
        e.recipientName,
      ]),
    );
    expect(rows.map((r) => [at(r, 'disclosure_id'), at(r, 'study_instance_uid')])).toEqual([
      ['dsc-1', D1],
      ['trf-1', D1],
      ['dsc-2', S1],
      ['dsc-3', S2],
      ['dsc-5', S2],
      ['dsc-6', D2],
    ]);
    expect(at(rows[1], 'recipient_name')).toBe('Cloud Host Inc');
    expect(at(rows[0], 'patient_value')).toBe(PATIENT_P.value);

    // A verifier with only the CSV and the ledger's proofs.
    const row = rows[0];
    const note = `${at(row, 'checkpoint_origin')}\n${at(row, 'checkpoint_tree_size')}\n${at(row, 'checkpoint_root_hash')}\n\n${at(row, 'checkpoint_signature')}\n`;
    const checkpoint = parseCheckpoint(
      openNote(note, [parseVerifierKey(at(row, 'verifier_key'))]).text,
    );
    expect(checkpoint.size).toBe(Object.keys(scenarioEvents()).length);
    for (const r of rows) {
      const sequence = Number(at(r, 'ledger_sequence'));
      const proof = await gql<{ ledgerEntry: { leafData: string }; inclusionProof: string[] }>(
        OFFICER,
        'query($s: Int!, $n: Int!) { ledgerEntry(sequence: $s) { leafData } inclusionProof(sequence: $s, treeSize: $n) }',
        { s: sequence, n: checkpoint.size },
      );
      const included = verifyInclusion(
        leafHash(proof.ledgerEntry.leafData),
        sequence,
        checkpoint.size,
        proof.inclusionProof.map((h) => Buffer.from(h, 'base64')),
        checkpoint.rootHash,
      );
      expect(included).toBe(true);
    }
  });

  it('should give a structurally valid R4 Bundle of BALP AuditEvents when format is fhir', async () => {
    const { status, headers, body } = await download(OFFICER, patientParams('fhir'));
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(headers.get('content-disposition')).toContain('.fhir.json"');
    const bundle = JSON.parse(body.toString('utf8')) as Bundle;
    expect(bundleProblems(bundle)).toEqual([]);
    const events = bundle.entry
      .map((e) => e.resource)
      .filter((r): r is AuditEvent => r.resourceType === 'AuditEvent');
    expect(events).toHaveLength(6);
    for (const event of events) {
      expect(
        balpPrivacyDisclosureSourceProblems(event as unknown as Record<string, unknown>),
      ).toEqual([]);
    }
    const transfer = events[1];
    expect(transfer.source.observer).toMatchObject({
      identifier: { value: ACME },
      display: 'Acme Imaging AI',
    });
    expect(transfer.agent.find((a) => a.type.coding[0].code === '110152')?.name).toBe(
      'Cloud Host Inc',
    );
  });

  it.each<[string, string | undefined, number, RegExp]>([
    ['an auditor', AUDITOR, 403, /accountingReport is not available to role auditor/],
    ['a vendor', VENDOR, 403, /accountingReport is not available to role vendor/],
    ['no token', undefined, 401, /missing bearer token/],
    ['a forged token', `${OFFICER.slice(0, -4)}AAAA`, 401, /signature/],
  ])(
    'should refuse %s with the right status and nothing logged',
    async (_, bearer, code, message) => {
      const before = (await accessLog()).length;
      const { status, body } = await download(bearer, patientParams('pdf'));
      expect(status).toBe(code);
      expect((JSON.parse(body.toString('utf8')) as { message: string }).message).toMatch(message);
      expect(await accessLog()).toHaveLength(before);
    },
  );

  it.each<[string, Record<string, string>, string]>([
    [
      'an unknown format',
      { ...patientParams('pdf'), format: 'docx' },
      'format must be one of pdf, csv, fhir',
    ],
    [
      'a bad date',
      { ...patientParams('pdf'), from: '2024-13-01' },
      'from must be a YYYY-MM-DD date',
    ],
    ['no value', { system: PATIENT_P.system }, 'patient value is required'],
    [
      'a period that ends before it starts',
      { ...patientParams('csv'), from: '2025-01-01' },
      'must not be after',
    ],
  ])('should answer 400 with a clear message when given %s', async (_, params, message) => {
    const before = (await accessLog()).length;
    const { status, body } = await download(OFFICER, params);
    expect(status).toBe(400);
    expect((JSON.parse(body.toString('utf8')) as { message: string }).message).toContain(message);
    expect(await accessLog()).toHaveLength(before);
  });

  it('should record each report in the access log with the pseudonym when one is produced', async () => {
    const before = (await accessLog()).length;
    await download(OFFICER, patientParams('csv'));
    const log = await accessLog();
    expect(log).toHaveLength(before + 1);
    expect(log[log.length - 1]).toEqual({
      actor: 'officer-1',
      roles: ['privacy_officer'],
      operation: 'accountingReport',
      patientPseudonym: patientPseudonym(PATIENT_P, settings.pseudonymKey),
    });
    // The clear identifier is never stored.
    expect(JSON.stringify(log)).not.toContain(PATIENT_P.value);
  });
});

describe('POST /reports/accounting', () => {
  async function postReport(
    bearer: string | undefined,
    body: unknown,
  ): Promise<{ status: number; headers: Headers; body: Buffer }> {
    const response = await fetch(`${base}/reports/accounting`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
      },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: Buffer.from(await response.arrayBuffer()),
    };
  }

  it('should hand over the CSV of the patient named in the JSON body', async () => {
    const posted = await postReport(OFFICER, { patient: PATIENT_P, ...PERIOD, format: 'csv' });
    expect(posted.status).toBe(200);
    expect(posted.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(posted.headers.get('cache-control')).toBe('private, no-store');
    expect(posted.body.toString('utf8')).toContain('dsc-6');
  });

  it('should give a PDF by default and log the report with the pseudonym only', async () => {
    const before = (await accessLog()).length;
    const posted = await postReport(OFFICER, { patient: PATIENT_P });
    expect(posted.status).toBe(200);
    expect(posted.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const log = await accessLog();
    expect(log).toHaveLength(before + 1);
    expect(log[log.length - 1]).toMatchObject({
      operation: 'accountingReport',
      patientPseudonym: patientPseudonym(PATIENT_P, settings.pseudonymKey),
    });
  });

  it.each([
    ['no patient', { format: 'csv' }, 400],
    ['a patient without value', { patient: { system: PATIENT_P.system } }, 400],
    ['a patient value that is not text', { patient: { system: 's', value: 4211 } }, 400],
    ['a body that is a list', [PATIENT_P], 400],
  ])('should answer %s with 400 and log nothing', async (_name, body, status) => {
    const before = (await accessLog()).length;
    const answer = await postReport(OFFICER, body);
    expect(answer.status).toBe(status);
    expect(answer.body.toString('utf8')).not.toContain('4211');
    expect(await accessLog()).toHaveLength(before);
  });

  it.each([
    ['an auditor', AUDITOR, 403],
    ['a vendor', VENDOR, 403],
    ['no token', undefined, 401],
  ])('should refuse %s', async (_name, bearer, status) => {
    const answer = await postReport(bearer, { patient: PATIENT_P, format: 'csv' });
    expect(answer.status).toBe(status);
    expect(answer.body.toString('utf8')).not.toContain(PATIENT_P.value);
  });
});

describe('GET /reports/accounting, with the identifier in the URL (removed: proxies log URLs)', () => {
  // An API of its own whose every log line is kept, to grep for the identifier.
  const captured = new CapturedLog();
  let logged: RunningApi;
  let root: string;

  beforeAll(async () => {
    logged = await startApi({
      settings: { ...settings, ledgerSigner: undefined },
      dataSource: db.dataSource,
      kafkaBrokers: e2eServices().brokers,
      logger: createLogger('scantrail-api', 'debug', captured),
    });
    root = logged.url.replace(/\/graphql$/, '');
  });

  afterAll(async () => {
    await logged?.close();
  });

  const query = new URLSearchParams({ ...PATIENT_P, ...PERIOD, format: 'csv' }).toString();

  it('should answer 405 saying to POST a JSON body, with no report, no access-log line, and the identifier nowhere in the answer or the logs', async () => {
    const before = (await accessLog()).length;
    const response = await fetch(`${root}/reports/accounting?${query}`, {
      headers: { authorization: `Bearer ${OFFICER}` },
    });
    const text = await response.text();
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect((JSON.parse(text) as { message: string }).message).toMatch(
      /POST \/reports\/accounting with a JSON body/,
    );
    expect(text).not.toContain(PATIENT_P.value);
    expect(await accessLog()).toHaveLength(before);
    // Without a token, or with one that may not ask, it is refused before anything else.
    for (const [bearer, status] of [
      [undefined, 401],
      [AUDITOR, 405],
      [`${OFFICER.slice(0, -4)}AAAA`, 401],
    ] as const) {
      const refused = await fetch(`${root}/reports/accounting?${query}`, {
        headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
      });
      expect(refused.status).toBe(status);
      expect(await refused.text()).not.toContain(PATIENT_P.value);
    }
    expect(captured.text).not.toContain(PATIENT_P.value);
  });

  it('should not echo the query string of an unknown report route either', async () => {
    const response = await fetch(`${root}/reports/accounting-letter?${query}`, {
      headers: { authorization: `Bearer ${OFFICER}` },
    });
    const text = await response.text();
    expect(response.status).toBe(404);
    expect(text).toContain('/reports/accounting-letter');
    expect(text).not.toContain(PATIENT_P.value);
    expect(captured.text).not.toContain(PATIENT_P.value);
  });
});

describe('cli report', () => {
  it('should write the report file and log the operator when run against the database', async () => {
    const dir = scratchDir('scantrail-report-');
    const out = join(dir, 'report.csv');
    const database = db.database;
    const report = await writeAccountingReport(settings, database, {
      patient: `${PATIENT_P.system}|${PATIENT_P.value}`,
      from: PERIOD.from,
      to: PERIOD.to,
      format: 'csv',
      out,
    });
    expect(report.entries).toBe(6);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8').split('\r\n')[0]).toBe(ACCOUNTING_CSV_HEADERS.join(','));
    const last = (await accessLog()).at(-1);
    expect(last?.actor).toMatch(/^cli:.+/);
    expect(last?.operation).toBe('accountingReport');
    expect(last?.roles).toEqual(['privacy_officer']);
  });

  // "created readable by its owner only" (cli report --help): writeFile's mode applies
  // only to a file it creates, so an --out that already exists (an older report, or one
  // left in a shared folder such as /tmp) kept its mode 0644 and the patient's report was
  // readable by every local user; a symlink was followed to its target. Reproduce:
  // touch /tmp/r.csv; chmod 644 /tmp/r.csv; npm run cli -- report --patient 'S|V'
  // --format csv --out /tmp/r.csv; ls -l /tmp/r.csv: -rw-r--r--.
  it('should leave the report readable by its owner only when --out already exists with another mode', async () => {
    const dir = scratchDir('scantrail-report-');
    const out = join(dir, 'report.csv');
    writeFileSync(out, 'an older report\n', { mode: 0o644 });
    await writeAccountingReport(settings, db.database, {
      patient: `${PATIENT_P.system}|${PATIENT_P.value}`,
      from: PERIOD.from,
      to: PERIOD.to,
      format: 'csv',
      out,
    });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toContain(ACCOUNTING_CSV_HEADERS.join(','));
  });

  it('should write the report itself, not through a symlink, when --out is a symlink', async () => {
    const dir = scratchDir('scantrail-report-');
    const target = join(dir, 'elsewhere.csv');
    writeFileSync(target, 'not a report\n', { mode: 0o644 });
    const out = join(dir, 'report.csv');
    symlinkSync(target, out);
    await writeAccountingReport(settings, db.database, {
      patient: `${PATIENT_P.system}|${PATIENT_P.value}`,
      from: PERIOD.from,
      to: PERIOD.to,
      format: 'csv',
      out,
    });
    expect(readFileSync(target, 'utf8')).toBe('not a report\n');
    expect(lstatSync(out).isSymbolicLink()).toBe(false);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('should leave an open-obligations list readable by its owner only when --out already exists', async () => {
    const dir = scratchDir('scantrail-report-');
    const out = join(dir, 'open.csv');
    writeFileSync(out, 'an older list\n', { mode: 0o644 });
    await writePatientRightsFile(settings, db.database, { kind: 'open-obligations' }, out);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('should refuse a malformed patient without logging when the token has no bar', async () => {
    const before = (await accessLog()).length;
    const database = db.database;
    await expect(
      writeAccountingReport(settings, database, {
        patient: 'MRN-004211',
        format: 'pdf',
        out: join(tmpdir(), 'never-written.pdf'),
      }),
    ).rejects.toThrow('patient must be written SYSTEM|VALUE');
    expect(await accessLog()).toHaveLength(before);
  });
});
