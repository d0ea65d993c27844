-- Per vendor ($1 text[]): distinct studies it received (rm_vendor_receipts: disclosed or
-- transferred to it, a dataset with the members it held at the event's time) and distinct
-- patients of those studies (of the registered studies on each one's derivation chain), as
-- the projection keeps them in rm_vendor_stats (libs/projection vendor-statistics.sql). A
-- vendor that received nothing has no row.
SELECT s.vendor_id, s.studies_received, s.patients_affected
  FROM rm_vendor_stats s
 WHERE s.vendor_id = ANY($1::text[])
