-- Rewrites the detail of stored agreement findings: the event ($1) with the code ($2) gets
-- the detail ($3), which every study it carried shares (one row in rm_finding_details).
-- For an event that keeps its finding with another detail (an agreement of its vendor
-- signed or terminated). Counts do not move: the rows, their codes, vendors and times stay.
UPDATE rm_finding_details f
   SET detail = u.detail
  FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(ledger_sequence, code, detail)
 WHERE f.ledger_sequence = u.ledger_sequence AND f.code = u.code AND f.detail <> u.detail
