-- Vendors by id ($1 text[]): registered ones with their latest details, and vendors never
-- registered but named by some event (they show with their id as name). Others: no row.
SELECT u.vendor_id, v.name, v.address, v.role
  FROM (SELECT DISTINCT x.vendor_id FROM unnest($1::text[]) AS x(vendor_id)) u
  LEFT JOIN rm_vendors v ON v.vendor_id = u.vendor_id
 WHERE v.vendor_id IS NOT NULL
    OR EXISTS (SELECT 1 FROM rm_disclosures x WHERE x.recipient_vendor_id = u.vendor_id)
    OR EXISTS (SELECT 1 FROM rm_transfers x WHERE x.from_vendor_id = u.vendor_id)
    OR EXISTS (SELECT 1 FROM rm_transfers x WHERE x.to_vendor_id = u.vendor_id)
    OR EXISTS (SELECT 1 FROM rm_models x WHERE x.vendor_id = u.vendor_id)
    OR EXISTS (SELECT 1 FROM rm_deletions x WHERE x.vendor_id = u.vendor_id)
    OR EXISTS (SELECT 1 FROM rm_agreements x WHERE x.vendor_id = u.vendor_id)
