-- Rewrites the detail of stored findings whose event keeps its finding with another detail
-- (an agreement of its vendor signed or terminated): every row of the event ($1) with the
-- code ($2), one per study it carried, gets the detail ($3). Counts do not move: the rows,
-- their codes, vendors and times stay.
UPDATE rm_findings f
   SET detail = u.detail
  FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(ledger_sequence, code, detail)
 WHERE f.ledger_sequence = u.ledger_sequence AND f.code = u.code AND f.detail <> u.detail
