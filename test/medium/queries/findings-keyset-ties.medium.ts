import { Client } from 'pg';
import { Viewer } from '@scantrail/access';
import { FindingsReadService } from '@scantrail/queries';
import { createTestDatabase, type TestDatabase } from '../../support/test-env';

/**
 * Findings pages over ties of ledger sequence (several studies and codes per sequence),
 * sequences 9/10 and past 2^31, study uids that differ by case and by astral characters,
 * with each filter, 1 to 7 a page: every row once, in (sequence, study "C", code "C") order
 * (a helper's check of every keyset page, session 26: sound).
 */
const officer = new Viewer('officer', ['privacy_officer']);
const SEQS = [9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 5, 2 ** 40];
const STUDIES = ['1.2.9', '1.2.10', 'a', 'B', '\uFF21', '\u{1F600}'];
const CODES = ['NO_CONSENT', 'CONSENT_REVOKED', 'NOT_DEIDENTIFIED'];
const VENDORS = ['vnd-a', 'vnd-b'];

describe('findings keyset pages with ties and large sequences (medium)', () => {
  let db: TestDatabase;
  const all: { seq: number; study: string; code: string; vendor: string }[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    let i = 0;
    for (const seq of SEQS)
      for (const study of STUDIES)
        for (const code of CODES) {
          const vendor = VENDORS[i++ % 2];
          all.push({ seq, study, code, vendor });
          await owner.query(
            `INSERT INTO rm_finding_rows (ledger_sequence, study_uid, code, vendor_id, event_id, occurred_at, detail)
             VALUES ($1, $2, $3, $4, $5, now(), 'd')`,
            [seq, study, code, vendor, `e-${seq}`],
          );
        }
    await owner.end();
  });
  afterAll(() => db.drop());

  const cmp = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
  const key = (f: { seq: number; study: string; code: string }): string =>
    `${f.seq}|${f.study}|${f.code}`;

  interface FindingsPage {
    edges: { node: { ledgerSequence: number; studyInstanceUid: string; code: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  }
  /** Every finding's key, page after page, until the last page (at most 1,000 pages). */
  const drain = async (
    pageAfter: (after: string | null) => Promise<FindingsPage>,
  ): Promise<string[]> => {
    const keys: string[] = [];
    let after: string | null = null;
    for (let n = 0; n < 1000; n++) {
      const page = await pageAfter(after);
      keys.push(
        ...page.edges.map((e) =>
          key({ seq: e.node.ledgerSequence, study: e.node.studyInstanceUid, code: e.node.code }),
        ),
      );
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    return keys;
  };

  it.each([1, 2, 3, 7])(
    'should page every finding once in order, %i a page, with each filter',
    async (size) => {
      const svc = new FindingsReadService(db.dataSource);
      for (const filter of [
        {},
        { code: 'NO_CONSENT' },
        { vendorId: 'vnd-b' },
        { studyInstanceUid: 'B' },
      ]) {
        const expected = all
          .filter((f) =>
            Object.entries(filter).every(
              ([k, v]) => (k === 'code' ? f.code : k === 'vendorId' ? f.vendor : f.study) === v,
            ),
          )
          .sort((a, b) => a.seq - b.seq || cmp(a.study, b.study) || cmp(a.code, b.code))
          .map(key);
        const got = await drain((after) => svc.page(officer, filter, { first: size, after }));
        expect(got).toEqual(expected);
        const vendorPages = await drain(async (after) => {
          const page = (await svc.pagesOfVendors(officer, ['vnd-a'], { first: size, after })).get(
            'vnd-a',
          );
          if (page === undefined) throw new Error('no page for vnd-a');
          return page;
        });
        expect(vendorPages).toEqual(
          all
            .filter((f) => f.vendor === 'vnd-a')
            .sort((a, b) => a.seq - b.seq || cmp(a.study, b.study) || cmp(a.code, b.code))
            .map(key),
        );
      }
    },
  );
});
