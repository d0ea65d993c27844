-- The earliest time from which the deletion requests of a batch's attesting vendors may have
-- moved: for each (vendor, study) of the batch's new holdings rows ($1 vendors, $2 studies,
-- $3 the earliest new row of each, $4 whether one of them is an attestation), a pair with a
-- new attestation gives the vendor's latest attestation of the study before its new rows,
-- and a pair of receipts alone gives its earliest receipt. A request made at or before an
-- earlier attestation p keeps its obligation of that vendor: the attestation fulfilled it
-- (the first in [request, then) is at or before p, before every new one), the holding it
-- saw ended by p, and a later receipt holds no request made before it. Null when a pair
-- with a new attestation has no earlier one: every request may have moved.
SELECT CASE WHEN bool_and(p.bound IS NOT NULL) THEN min(p.bound) END AS since
  FROM (SELECT CASE WHEN n.attested THEN x.at ELSE n.since END AS bound
          FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::boolean[])
               AS n(vendor_id, study_uid, since, attested)
          LEFT JOIN LATERAL (
            SELECT h.at FROM rm_vendor_holdings h
             WHERE h.vendor_id = n.vendor_id AND h.study_uid COLLATE "C" = n.study_uid
               AND h.kind = 'X' AND h.at < n.since
             ORDER BY h.at DESC LIMIT 1) x ON n.attested) p
