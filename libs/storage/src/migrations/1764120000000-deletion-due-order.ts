import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * deletionRequests(orderBy: DUE_DATE) (the vendor page's open and overdue obligations, most
 * overdue first): the requests of a vendor ('' : whole requests) whose eventual status is
 * OVERDUE, by due date then request id in code-point order, so that a page is a keyset range
 * that stops after its rows, whatever the number of fulfilled requests (DUE_PAGE).
 */
export class DeletionDueOrder1764120000000 implements MigrationInterface {
  name = 'DeletionDueOrder1764120000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX rm_deletion_eventual_due_open
                     ON rm_deletion_eventual (vendor_id, due_by, request_id COLLATE "C")
                  WHERE status = 'OVERDUE'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX rm_deletion_eventual_due_open');
  }
}
