-- Rewrites the detail of stored agreement findings: every row of the event ($1) with the
-- code ($2), one per study it carried, gets the detail ($3), which those studies share.
-- For an event that keeps its finding with another detail (an agreement of its vendor
-- signed or terminated), and for one whose finding a refresh just wrote for some of its
-- studies. Counts do not move: the rows, their codes, vendors and times stay.
UPDATE rm_findings f
   SET detail = u.detail
  FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(ledger_sequence, code, detail)
 WHERE f.ledger_sequence = u.ledger_sequence AND f.code = u.code AND f.detail <> u.detail
