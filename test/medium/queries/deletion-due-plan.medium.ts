import { Client } from 'pg';
import { DUE_PAGE } from '@scantrail/queries';
import { createTestDatabase, type TestDatabase } from '../../support/test-env';

/**
 * deletionRequests(orderBy: DUE_DATE) at a realistic size: a vendor with 300,000 kept
 * requests, 6,000 of them still overdue, the rest fulfilled. A page by due date must be a
 * keyset range of the overdue rows that stops after the page (rm_deletion_eventual_due_open,
 * migration 1764120000000), not a walk of the vendor's rows in due order that skips the
 * fulfilled ones, nor a sort of every overdue row.
 */
const ROWS = 300_000;
const OVERDUE_EVERY = 50;
const PAGE = 100;
const VENDOR = 'vnd-big';

interface PlanTree {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanTree[];
}

/**
 * Rows read from rm_deletion_eventual by every scan of it in the plan (those it returned and
 * those its filter dropped), and the indexes used.
 */
function scans(node: PlanTree, out = { rows: 0, indexes: new Set<string>() }) {
  if (node['Relation Name'] === 'rm_deletion_eventual') {
    out.rows +=
      ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) *
      (node['Actual Loops'] ?? 1);
    if (node['Index Name'] !== undefined) out.indexes.add(node['Index Name']);
  }
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}

describe('the deletion list by due date at 300,000 requests (medium: EXPLAIN)', () => {
  let db: TestDatabase;
  let owner: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    await owner.query(
      `INSERT INTO rm_deletion_eventual
              (request_id, vendor_id, requested_at, due_by, attested_until, status, fulfilled, exempt, overdue)
       SELECT 'del-' || lpad(i::text, 7, '0'), v.id,
              due - interval '30 days', due,
              CASE WHEN i % ${OVERDUE_EVERY} = 0 THEN NULL ELSE due - interval '1 day' END,
              CASE WHEN i % ${OVERDUE_EVERY} = 0 THEN 'OVERDUE' ELSE 'FULFILLED' END,
              CASE WHEN i % ${OVERDUE_EVERY} = 0 THEN 0 ELSE 1 END, 0,
              CASE WHEN i % ${OVERDUE_EVERY} = 0 THEN 1 ELSE 0 END
         FROM generate_series(1, ${ROWS}) AS i
        CROSS JOIN LATERAL (SELECT timestamptz '2025-01-01' + (i % 997) * interval '1 hour' AS due) d
        CROSS JOIN (VALUES (''), ('${VENDOR}')) AS v(id)`,
    );
    await owner.query(
      `INSERT INTO rm_deletion_counts (vendor_id, status, requests, obligations)
       VALUES ('', 'OVERDUE', $1, $1), ('', 'FULFILLED', $2, $2),
              ('${VENDOR}', 'OVERDUE', $1, $1), ('${VENDOR}', 'FULFILLED', $2, $2)`,
      [ROWS / OVERDUE_EVERY, ROWS - ROWS / OVERDUE_EVERY],
    );
    await owner.query('ANALYZE rm_deletion_eventual');
  }, 120_000);

  afterAll(async () => {
    await owner?.end();
    await db?.drop();
  });

  async function explain(after: [string, string]): Promise<{ plan: PlanTree; ms: number }> {
    const [row] = (
      await owner.query<{ 'QUERY PLAN': { Plan: PlanTree; 'Execution Time': number }[] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${DUE_PAGE}`,
        ['2026-01-01T00:00:00Z', VENDOR, ['OVERDUE', 'OPEN'], ...after, PAGE + 1],
      )
    ).rows;
    return { plan: row['QUERY PLAN'][0].Plan, ms: row['QUERY PLAN'][0]['Execution Time'] };
  }

  it('should read about one page of rows by the partial index, on the first page and after a cursor', async () => {
    for (const after of [
      ['-infinity', ''],
      ['2025-01-20T00:00:00Z', 'del-0150000'],
    ] as [string, string][]) {
      const { plan, ms } = await explain(after);
      const read = scans(plan);
      process.stdout.write(
        `\nDUE_PAGE after ${after[0]}: ${read.rows} rows of rm_deletion_eventual by ${[...read.indexes].join(', ')} in ${ms.toFixed(2)} ms\n`,
      );
      expect(read.indexes).toContain('rm_deletion_eventual_due_open');
      expect(read.rows).toBeLessThanOrEqual(3 * (PAGE + 1));
    }
  });

  it('should have read many more rows without the index (what the migration is for)', async () => {
    await owner.query('BEGIN');
    try {
      await owner.query('DROP INDEX rm_deletion_eventual_due_open');
      const { plan, ms } = await explain(['-infinity', '']);
      const read = scans(plan);
      process.stdout.write(
        `\nDUE_PAGE without the index: ${read.rows} rows by ${[...read.indexes].join(', ') || 'a sequential scan'} in ${ms.toFixed(2)} ms\n`,
      );
      expect(read.rows).toBeGreaterThan(10 * (PAGE + 1));
    } finally {
      await owner.query('ROLLBACK');
    }
  });
});
