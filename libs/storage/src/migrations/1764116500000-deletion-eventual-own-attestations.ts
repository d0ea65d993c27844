import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A vendor's row of rm_deletion_eventual (1764104000000) carries the latest attestation of
 * that vendor's own obligations under the request, no longer the request's: a vendor's
 * status as of asOf depends only on its own attestations, and the request-wide value made
 * one vendor's attestation rewrite every other vendor's row of every request it fulfilled
 * (52,260 rows for one attestation under 1,000 requests and 50 vendors, session 33). The
 * request's row (vendor '') keeps the request's latest attestation, read again by one probe
 * of rm_deletion_obligations_attested when the vendor that held it changes
 * (KEEP_EVENTUAL_OF_VENDORS in libs/queries deletion-requests.sql.ts). And a patient's
 * requests by time (rm_deletion_requests_patient_time): receipts at r read only the requests
 * made at or after r (REQUESTS_MADE_SINCE).
 */
export class DeletionEventualOwnAttestations1764116500000 implements MigrationInterface {
  name = 'DeletionEventualOwnAttestations1764116500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX rm_deletion_requests_patient_time
                     ON rm_deletion_requests (patient, requested_at)`);
    await q.query(`CREATE INDEX rm_deletion_obligations_attested
                     ON rm_deletion_obligations (request_id, fulfilled_at)
                     WHERE fulfilled_at IS NOT NULL`);
    await q.query(`
      UPDATE rm_deletion_eventual e SET attested_until = o.attested_until
        FROM (SELECT request_id, vendor_id, max(fulfilled_at) AS attested_until
                FROM rm_deletion_obligations GROUP BY request_id, vendor_id) o
       WHERE e.vendor_id <> '' AND e.request_id = o.request_id AND e.vendor_id = o.vendor_id
         AND e.attested_until IS DISTINCT FROM o.attested_until`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE rm_deletion_eventual e SET attested_until = r.attested_until
        FROM rm_deletion_eventual r
       WHERE e.vendor_id <> '' AND r.vendor_id = '' AND r.request_id = e.request_id
         AND e.attested_until IS DISTINCT FROM r.attested_until`);
    await q.query('DROP INDEX rm_deletion_obligations_attested, rm_deletion_requests_patient_time');
  }
}
