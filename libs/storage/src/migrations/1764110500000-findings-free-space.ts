import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Free space in rm_findings' pages: when an agreement is terminated or signed again, the
 * findings worker rewrites the detail of every stored finding that names it (the demo
 * stream's termination: 88,064 rows of a 1M ledger), and an update that finds room on its
 * row's page, changing no indexed column (detail is in none), is a HOT update: no new entry
 * in any of the table's four indexes. Full pages (a table filled by inserts alone) make
 * every such update a new row version in each index. CLUSTER rewrites the table once with
 * the new fill factor (an exclusive lock for its length: 3.7 s at 954,553 entries, session
 * 18), in (event, study, code) order, so an event's rows share pages; later pages keep the
 * free space as they fill. Forward only: the setting changes no answer. (Written in session
 * 17 as 1764109000000, landed after 1764110000000 under this later number.)
 */
export class FindingsFreeSpace1764110500000 implements MigrationInterface {
  name = 'FindingsFreeSpace1764110500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE rm_findings SET (fillfactor = 80)');
    await q.query('CLUSTER rm_findings USING rm_findings_pkey');
  }

  down(): Promise<void> {
    return Promise.reject(new Error('FindingsFreeSpace1764110500000 is forward-only'));
  }
}
