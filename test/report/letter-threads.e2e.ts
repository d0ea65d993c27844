import { mintToken } from '@scantrail/access';
import { createLogger } from '@scantrail/config';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import { CapturedLog } from '../support/captured-log';
import {
  createTestDatabase,
  DirectRecorder,
  e2eServices,
  signCheckpoint,
  testSettings,
  type TestDatabase,
} from '../support/test-env';

// The PDF letters drawn on the API's render threads, end to end: one thread, one letter
// waiting, 32 MB of heap (REPORT_RENDER_*). A flood of letters is answered 503 past them,
// a letter too large for its thread 500, and the letters after each are drawn as usual.

const settings = testSettings({ letterRendering: { threads: 1, queue: 1, heapMb: 32 } });
const SYSTEM = 'urn:oid:2.16.840.1.113883.3.7';
/** A patient whose letter lists 2,000 disclosures: more than a 32 MB thread can draw. */
const LARGE = { system: SYSTEM, value: 'MRN-LETTERS-LARGE' };
const SMALL = { system: SYSTEM, value: 'MRN-LETTERS-SMALL' };
const VENDOR = 'vnd-letters';

const OFFICER = mintToken({
  secret: settings.authJwtSecret,
  sub: 'officer-letters',
  roles: ['privacy_officer'],
  ttlSeconds: 300,
});

function events(): object[] {
  const at = (minute: number): string => new Date(Date.UTC(2024, 2, 1, 0, minute)).toISOString();
  const study = (uid: string, patient: typeof LARGE): object =>
    cloudEvent(
      'org.scantrail.study.registered',
      exampleData('org.scantrail.study.registered', { studyInstanceUid: uid, patient }),
      { time: at(0) },
    );
  const disclosure = (id: string, uid: string, minute: number): object =>
    cloudEvent(
      'org.scantrail.disclosure.recorded',
      exampleData('org.scantrail.disclosure.recorded', {
        disclosureId: id,
        recipientVendorId: VENDOR,
        target: { studyInstanceUid: uid },
        purpose: 'TREATMENT',
        legalBasis: 'TREATMENT',
        agreementId: undefined,
      }),
      { time: at(minute) },
    );
  return [
    cloudEvent(
      'org.scantrail.vendor.registered',
      exampleData('org.scantrail.vendor.registered', {
        vendorId: VENDOR,
        name: 'Letters Imaging',
        parentVendorId: undefined,
      }),
      { time: at(0) },
    ),
    study('1.2.840.77.1', LARGE),
    study('1.2.840.77.2', SMALL),
    ...Array.from({ length: 2_000 }, (_, i) => disclosure(`dsc-large-${i}`, '1.2.840.77.1', 1 + i)),
    disclosure('dsc-small-1', '1.2.840.77.2', 1),
  ];
}

const log = new CapturedLog();
let db: TestDatabase;
let api: RunningApi;
let base: string;

async function letter(
  patient: typeof LARGE,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(`${base}/reports/accounting`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OFFICER}` },
    body: JSON.stringify({ patient, from: '2024-01-01', to: '2024-12-31', format: 'pdf' }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

const isPdf = (body: Buffer): boolean => body.subarray(0, 5).toString('latin1') === '%PDF-';

beforeAll(async () => {
  db = await createTestDatabase();
  await new DirectRecorder(db.dataSource, settings).record(events());
  await signCheckpoint(db.dataSource, settings);
  api = await startApi({
    settings: { ...settings, ledgerSigner: undefined },
    dataSource: db.dataSource,
    kafkaBrokers: e2eServices().brokers,
    logger: createLogger('scantrail-api', 'info', log),
  });
  base = api.url.replace(/\/graphql$/, '');
}, 120_000);

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

describe('PDF letters on render threads', () => {
  it('should answer 503 with Retry-After to the letters past one drawn and one waiting, and draw the others', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => letter(SMALL)));
    const drawn = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    expect(drawn.length + refused.length).toBe(answers.length);
    expect(drawn.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of drawn) expect(isPdf(a.body)).toBe(true);
    for (const a of refused) {
      expect(a.headers.get('retry-after')).toBe('1');
      expect((JSON.parse(a.body.toString('utf8')) as { message: string }).message).toMatch(
        /too many letters are being drawn: 2 .*ask again in a moment/,
      );
    }
    expect(isPdf((await letter(SMALL)).body)).toBe(true);
  });

  it('should answer 500 saying so when a letter is too large for its thread, log why without the patient, and draw the next letter', async () => {
    const large = await letter(LARGE);
    expect(large.status).toBe(500);
    expect((JSON.parse(large.body.toString('utf8')) as { message: string }).message).toMatch(
      /larger than a render thread may hold \(REPORT_RENDER_HEAP_MB, 32 MB\) and nothing was sent: ask the operator to raise that setting or to draw it with cli report/,
    );
    const failure = log.text
      .split('\n')
      .filter((line) => line.includes('failed on its render thread'))
      .map((line) => JSON.parse(line) as { level: number; letter: string; reason: string });
    expect(failure).toEqual([
      expect.objectContaining({
        level: 50,
        letter: 'accounting',
        reason: 'ERR_WORKER_OUT_OF_MEMORY',
      }),
    ]);
    expect(log.text).not.toContain(LARGE.value);
    const next = await letter(SMALL);
    expect(next.status).toBe(200);
    expect(isPdf(next.body)).toBe(true);
  }, 120_000);
});
