import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Eventual statuses of the kept deletion requests (over 1764103000000-deletion-obligations),
 * so that a filtered deletion list is a keyset page and `deletionObligationsByVendor` reads
 * one row per vendor and status, instead of every kept obligation (552 and 156 ms at 10M).
 * An obligation's eventual status is its status once its request's due date has passed and
 * its attestation counts (FULFILLED when attested, else EXEMPT or OVERDUE); a request's (or
 * one vendor's part of it) is OVERDUE when one of its obligations is, else FULFILLED.
 * Nothing of asOf is stored: as of asOf, every request made by then that is due before it
 * and has no attestation after it has its eventual statuses; the others (few when asOf is
 * near the end of the ledger) are read through the indexes on their times and compared
 * with asOf when asked (libs/queries deletion-requests.sql.ts).
 *
 * - rm_deletion_eventual: per kept request one row with vendor '' and one per obligated
 *   vendor: the request's time, due date and latest attestation, the eventual status over
 *   the row's obligations and its obligations by eventual status;
 * - rm_deletion_counts: per vendor ('' for whole requests) and eventual status, the rows of
 *   rm_deletion_eventual and the obligations;
 * - rm_deletion_unkept: requests written but never evaluated (kept rows for another ledger
 *   sequence, or none: a ledger recorded before 1764103000000 and not yet kept with `cli
 *   keep-obligations`); while any is left the lists evaluate as before.
 *
 * Filled here from the kept rows; the keeper (the projection, per batch) keeps them since.
 */
export class DeletionEventualStatuses1764104000000 implements MigrationInterface {
  name = 'DeletionEventualStatuses1764104000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rm_deletion_eventual (
        request_id text NOT NULL, vendor_id text NOT NULL, requested_at timestamptz NOT NULL,
        due_by timestamptz NOT NULL, attested_until timestamptz, status text NOT NULL,
        fulfilled integer NOT NULL, exempt integer NOT NULL, overdue integer NOT NULL,
        PRIMARY KEY (request_id, vendor_id))`);
    await q.query(`CREATE INDEX rm_deletion_eventual_list
                     ON rm_deletion_eventual (vendor_id, status, requested_at, request_id)`);
    await q.query(`CREATE INDEX rm_deletion_eventual_made
                     ON rm_deletion_eventual (vendor_id, requested_at, request_id)`);
    await q.query(
      'CREATE INDEX rm_deletion_eventual_due ON rm_deletion_eventual (vendor_id, due_by)',
    );
    await q.query(`CREATE INDEX rm_deletion_eventual_attested
                     ON rm_deletion_eventual (vendor_id, attested_until)`);
    await q.query(`
      CREATE TABLE rm_deletion_counts (
        vendor_id text NOT NULL, status text NOT NULL, requests integer NOT NULL,
        obligations integer NOT NULL, PRIMARY KEY (vendor_id, status))`);
    await q.query('CREATE TABLE rm_deletion_unkept (request_id text PRIMARY KEY)');
    await q.query('CREATE INDEX rm_deletion_kept_settled ON rm_deletion_kept (settled_at)');
    await q.query(`CREATE INDEX rm_deletion_obligations_fulfilled ON rm_deletion_obligations (fulfilled_at)
                     WHERE fulfilled_at IS NOT NULL`);
    await q.query(`
      INSERT INTO rm_deletion_unkept (request_id)
      SELECT r.request_id FROM rm_deletion_requests r
       WHERE NOT EXISTS (SELECT 1 FROM rm_deletion_kept k
                          WHERE k.request_id = r.request_id AND k.request_sequence = r.ledger_sequence)`);
    await q.query(`
      WITH obligations AS (
        SELECT o.request_id, o.vendor_id, o.fulfilled_at,
               CASE WHEN o.fulfilled_at IS NOT NULL THEN 'FULFILLED' WHEN o.exempt THEN 'EXEMPT'
                    ELSE 'OVERDUE' END AS status
          FROM rm_deletion_obligations o
      )
      INSERT INTO rm_deletion_eventual
             (request_id, vendor_id, requested_at, due_by, attested_until, status, fulfilled, exempt, overdue)
      SELECT r.request_id, CASE WHEN GROUPING(o.vendor_id) = 1 THEN '' ELSE o.vendor_id END,
             r.requested_at, r.due_by, max(max(o.fulfilled_at)) OVER (PARTITION BY r.request_id),
             CASE WHEN bool_or(o.status = 'OVERDUE') THEN 'OVERDUE' ELSE 'FULFILLED' END,
             count(*) FILTER (WHERE o.status = 'FULFILLED'),
             count(*) FILTER (WHERE o.status = 'EXEMPT'),
             count(*) FILTER (WHERE o.status = 'OVERDUE')
        FROM rm_deletion_requests r
        JOIN rm_deletion_kept k ON k.request_id = r.request_id AND k.request_sequence = r.ledger_sequence
        LEFT JOIN obligations o ON o.request_id = r.request_id
       GROUP BY GROUPING SETS ((r.request_id, r.requested_at, r.due_by),
                               (r.request_id, r.requested_at, r.due_by, o.vendor_id))
      HAVING GROUPING(o.vendor_id) = 1 OR o.vendor_id IS NOT NULL`);
    await q.query(`
      INSERT INTO rm_deletion_counts (vendor_id, status, requests, obligations)
      SELECT e.vendor_id, s.status, sum(s.requests), sum(s.obligations)
        FROM rm_deletion_eventual e
       CROSS JOIN LATERAL (VALUES (e.status, 1, 0), ('FULFILLED', 0, e.fulfilled),
                                  ('EXEMPT', 0, e.exempt), ('OVERDUE', 0, e.overdue))
             AS s(status, requests, obligations)
       GROUP BY e.vendor_id, s.status
      HAVING sum(s.requests) <> 0 OR sum(s.obligations) <> 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX rm_deletion_obligations_fulfilled, rm_deletion_kept_settled');
    await q.query('DROP TABLE rm_deletion_unkept, rm_deletion_counts, rm_deletion_eventual');
  }
}
