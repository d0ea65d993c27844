// node dist/bench/explain.js --pg-dir DIR --db NAME   (or DATABASE_URL=... --db NAME)
//
// EXPLAIN (ANALYZE, BUFFERS) of the read path's hot statements on a database bench:api
// loaded and kept (issue 16): the SQL the API runs for trace, accountingOfDisclosures,
// findings(first: 50), the vendors page with its statistics, the dashboard's overview,
// deletionRequests and breachImpact, each with the parameters of a heavy subject of that
// database. Each statement runs once before its EXPLAIN (the API's cache is warm as well);
// the output is what bench/README.md's plans at 10M show.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BREACH_AFFECTED_PAGE,
  BREACH_BY_ID,
  KEPT_AS_OF,
  PATIENT_FAMILIES,
  REQUESTS_MADE_BY,
  REQUESTS_PAGE,
  STATUS_PAGE,
  VENDOR_COUNTS_AS_OF,
  VENDOR_PAGE,
} from '@scantrail/queries';
import { withClient } from '@scantrail/local-postgres';
import {
  BY_MONTH_SQL,
  MONTHS_FROM_SQL,
  monthsBefore,
} from '../apps/api/src/dashboard/finding-counts.service';
import { MAX_MONTHS } from '../apps/dashboard/src/charts/month-series';
import { repositoryRoot } from '../test/support/ingest-process';
import { openBenchServer } from './support/bench-database';
import type { ClientBase } from 'pg';

function sqlFile(name: string): string {
  return readFileSync(
    join(repositoryRoot(), 'libs', 'queries', 'src', 'sql', `${name}.sql`),
    'utf8',
  );
}

async function one<T>(client: ClientBase, sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await client.query(sql, params);
  return rows[0] as T;
}

async function explain(
  client: ClientBase,
  title: string,
  sql: string,
  params: unknown[],
): Promise<void> {
  await client.query(sql, params);
  const plan = await client.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, BUFFERS) ${sql}`,
    params,
  );
  console.log(`\n${title}\n`);
  for (const row of plan.rows) console.log(`  ${row['QUERY PLAN']}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'pg-dir': { type: 'string' },
      db: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'node dist/bench/explain.js --pg-dir DIR --db NAME   (or DATABASE_URL=... --db NAME)\n' +
        "EXPLAIN (ANALYZE, BUFFERS) of the read path's hot statements on a database bench:api\n" +
        'loaded and kept, each with the parameters of a heavy subject. See bench/README.md.',
    );
    return;
  }
  if (values.db === undefined || !/^[a-z_][a-z0-9_]{0,62}$/.test(values.db)) {
    throw new Error('--db NAME: the database bench:api loaded and kept');
  }
  const server = await openBenchServer({ pgDir: values['pg-dir'] });
  try {
    await withClient(server.openDatabase(values.db).url, async (client) => {
      const { entries } = await one<{ entries: string }>(
        client,
        'SELECT count(*)::text AS entries FROM ledger_entries',
      );
      console.log(`${values.db}: ${entries} entries, ${server.postgresVersion}`);

      // trace: the study with the most disclosures naming it directly.
      const { study } = await one<{ study: string }>(
        client,
        `SELECT target_study_uid AS study FROM rm_disclosures WHERE target_study_uid IS NOT NULL
          GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
      );
      await explain(client, `trace.sql, study ${study}`, sqlFile('trace'), [study]);

      // accounting: the patient with the most registered studies, over the ledger's span.
      const { patient } = await one<{ patient: string }>(
        client,
        'SELECT patient FROM rm_studies GROUP BY 1 ORDER BY count(*) DESC LIMIT 1',
      );
      const span = await one<{ from: Date; to: Date }>(
        client,
        'SELECT min(occurred_at) AS from, max(occurred_at) AS to FROM rm_disclosures',
      );
      await explain(
        client,
        'accounting.sql, the patient with the most studies, the ledger span',
        sqlFile('accounting'),
        [patient, span.from, span.to],
      );

      // findings(first: 50): the page and its totalCount.
      await explain(
        client,
        'findings-page.sql, first 50 (51 fetched), no filter',
        sqlFile('findings-page'),
        [null, null, null, null, null, null, 51],
      );
      await explain(client, 'findings-count-kept.sql, no filter', sqlFile('findings-count-kept'), [
        null,
        null,
      ]);

      // The vendors page with its statistics, and the overview's vendor table and months.
      await explain(client, 'vendors-page.sql, first 50', sqlFile('vendors-page'), [
        null,
        null,
        51,
      ]);
      const page = (
        await client.query<{ vendor_id: string }>(
          'SELECT vendor_id FROM rm_vendors ORDER BY vendor_id COLLATE "C" LIMIT 50',
        )
      ).rows.map((r) => r.vendor_id);
      await explain(client, "vendor-stats.sql, the page's vendors", sqlFile('vendor-stats'), [
        page,
      ]);
      await explain(
        client,
        "vendor-findings-counts.sql, the page's vendors",
        sqlFile('vendor-findings-counts'),
        [page],
      );
      await explain(client, 'findings per month, every month, all vendors', BY_MONTH_SQL, [
        null,
        null,
      ]);
      // What the chart asks: the latest MAX_MONTHS months (findingCountsByMonth lastMonths).
      const { latest } = await one<{ latest: string | null }>(
        client,
        'SELECT max(month) AS latest FROM rm_findings_months',
      );
      if (latest !== null) {
        await explain(
          client,
          `the overview's findings per month, the latest ${MAX_MONTHS} (MONTHS_FROM_SQL)`,
          MONTHS_FROM_SQL,
          [null, null, monthsBefore(latest, MAX_MONTHS - 1)],
        );
      }

      // deletionRequests(first: 50) as of the latest request: the count and the page, then
      // the page's patients' families (the first of the facts loaded for them).
      const { asOf } = await one<{ asOf: Date | null }>(
        client,
        'SELECT max(requested_at) AS "asOf" FROM rm_deletion_requests',
      );
      if (asOf !== null) {
        await explain(
          client,
          'deletion requests made by asOf (REQUESTS_MADE_BY)',
          REQUESTS_MADE_BY,
          [asOf],
        );
        const pageParams = [asOf, '-infinity', '', 51];
        await explain(
          client,
          'deletion requests, first 50 (REQUESTS_PAGE)',
          REQUESTS_PAGE,
          pageParams,
        );
        const patients = (
          await client.query<{ patient: string }>(REQUESTS_PAGE, pageParams)
        ).rows.map((r) => r.patient);
        await explain(
          client,
          "the page's patients' families (PATIENT_FAMILIES)",
          PATIENT_FAMILIES,
          [patients],
        );
        // The filtered lists and the obligations per vendor, from the kept statuses (the
        // dashboard's deletion page and the vendor page's panel), after KEPT_AS_OF says
        // the kept rows answer for asOf.
        await explain(client, 'whether the kept statuses answer (KEPT_AS_OF)', KEPT_AS_OF, [asOf]);
        await explain(client, 'OVERDUE requests, first 50 (STATUS_PAGE)', STATUS_PAGE, [
          asOf,
          '',
          'OVERDUE',
          '-infinity',
          '',
          51,
        ]);
        const { vendor } = await one<{ vendor: string | null }>(
          client,
          `SELECT vendor_id AS vendor FROM rm_deletion_eventual WHERE vendor_id <> ''
            GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
        );
        if (vendor !== null) {
          await explain(
            client,
            `the requests of the vendor with most, first 50 (VENDOR_PAGE), ${vendor}`,
            VENDOR_PAGE,
            [asOf, vendor, '-infinity', '', 51],
          );
        }
        await explain(
          client,
          'deletionObligationsByVendor (VENDOR_COUNTS_AS_OF)',
          VENDOR_COUNTS_AS_OF,
          [asOf],
        );
      }

      // breachImpact: the breach whose vendor holds the most studies.
      const breach = await one<{ breach_id: string; vendor_id: string } | undefined>(
        client,
        `SELECT b.breach_id, b.vendor_id FROM rm_breaches b
          ORDER BY (SELECT count(*) FROM rm_vendor_receipts r WHERE r.vendor_id = b.vendor_id) DESC,
                   b.breach_id LIMIT 1`,
      );
      if (breach !== undefined) {
        const subject = `${breach.breach_id} of ${breach.vendor_id}`;
        await explain(
          client,
          `breach impact with its kept counts (BREACH_BY_ID), ${subject}`,
          BREACH_BY_ID,
          [breach.breach_id],
        );
        await explain(
          client,
          `breach affected, first 50 (BREACH_AFFECTED_PAGE), ${subject}`,
          BREACH_AFFECTED_PAGE,
          [breach.breach_id, '', 51],
        );
      }
    });
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
