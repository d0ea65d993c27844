import { mintToken } from '@scantrail/access';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { startTestApi } from '../support/e2e-stack';

// Quarantine pages are capped in bytes as well as rows (issue 10, item 8): a page stops
// adding messages once their raw bytes would pass API_QUARANTINE_PAGE_BYTES, still holds at
// least one message however large, and pageInfo lets the client page on to the end.

const PAGE_BYTES = 10_000;
const settings = testSettings();
const capped = {
  ...settings,
  apiLimits: { ...settings.apiLimits, quarantinePageBytes: PAGE_BYTES },
};
let db: TestDatabase;
let api: RunningApi;
let uncapped: RunningApi;

const OFFICER = mintToken({
  secret: settings.authJwtSecret,
  sub: 'officer-paging',
  roles: ['privacy_officer'],
  ttlSeconds: 600,
});

/** Bytes that are not JSON (so they are quarantined), each with its own first letter. */
const blob = (size: number, letter: string): Buffer =>
  Buffer.concat([Buffer.from(letter), Buffer.alloc(size - 1, 'x')]);
// Sizes chosen around the 10,000-byte cap: 4,000 + 4,000 fit, a third would not; the
// 30,000-byte message is alone on its page; the small ones share the last page.
const MESSAGES = [
  blob(4_000, 'a'),
  blob(4_000, 'b'),
  blob(4_000, 'c'),
  blob(30_000, 'd'),
  blob(100, 'e'),
  blob(100, 'f'),
];

interface QuarantinePage {
  edges: { cursor: string; node: { offset: string; byteLength: number; rawBase64: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

async function page(url: string, first: number, after: string | null): Promise<QuarantinePage> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OFFICER}` },
    body: JSON.stringify({
      query: `query($first: Int, $after: String) { quarantine(first: $first, after: $after) {
        edges { cursor node { offset byteLength rawBase64 } }
        pageInfo { hasNextPage endCursor } totalCount } }`,
      variables: { first, after },
    }),
  });
  const body = (await response.json()) as {
    data?: { quarantine: QuarantinePage };
    errors?: unknown;
  };
  expect(body.errors).toBeUndefined();
  return body.data!.quarantine;
}

/** Every page from the start: the sizes of each page's messages, and all bytes in order. */
async function walk(url: string, first: number): Promise<{ pages: number[][]; bytes: Buffer[] }> {
  const pages: number[][] = [];
  const bytes: Buffer[] = [];
  let after: string | null = null;
  for (;;) {
    const current = await page(url, first, after);
    expect(current.totalCount).toBe(MESSAGES.length);
    pages.push(current.edges.map((e) => e.node.byteLength));
    for (const e of current.edges) bytes.push(Buffer.from(e.node.rawBase64, 'base64'));
    if (!current.pageInfo.hasNextPage) break;
    expect(current.pageInfo.endCursor).toBe(current.edges.at(-1)?.cursor);
    after = current.pageInfo.endCursor;
    expect(pages.length).toBeLessThan(MESSAGES.length + 2); // a page that never ends
  }
  return { pages, bytes };
}

beforeAll(async () => {
  db = await createTestDatabase();
  const outcome = await new DirectRecorder(db.dataSource, settings).record(MESSAGES);
  expect(outcome.quarantined).toHaveLength(MESSAGES.length);
  const start = (s: typeof settings): Promise<RunningApi> => startTestApi(s, db.dataSource);
  api = await start(capped);
  uncapped = await start(settings);
});

afterAll(async () => {
  await api?.close();
  await uncapped?.close();
  await db?.drop();
});

describe('quarantine pages capped in bytes', () => {
  it('should end a page before its messages pass API_QUARANTINE_PAGE_BYTES and let the client page on to every message', async () => {
    const { pages, bytes } = await walk(api.url, 50);
    expect(pages).toEqual([[4_000, 4_000], [4_000], [30_000], [100, 100]]);
    expect(bytes).toEqual(MESSAGES);
  });

  it('should still honour first when fewer messages than the byte cap allows are asked for', async () => {
    const { pages, bytes } = await walk(api.url, 1);
    expect(pages).toEqual([[4_000], [4_000], [4_000], [30_000], [100], [100]]);
    expect(bytes).toEqual(MESSAGES);
  });

  it('should give every message on one page when they fit under the default cap', async () => {
    const { pages, bytes } = await walk(uncapped.url, 50);
    expect(pages).toEqual([MESSAGES.map((m) => m.length)]);
    expect(bytes).toEqual(MESSAGES);
  });
});
