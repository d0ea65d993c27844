-- Removes the detail of each (event $1, code $2) that has no finding row left: run after
-- write-findings.sql removed rows of those codes, as its own statement so that it sees
-- what that one removed and wrote.
DELETE FROM rm_finding_details d
 USING unnest($1::bigint[], $2::text[]) AS g(ledger_sequence, code)
 WHERE d.ledger_sequence = g.ledger_sequence AND d.code = g.code
   AND NOT EXISTS (SELECT 1 FROM rm_finding_rows r
                    WHERE r.ledger_sequence = d.ledger_sequence AND r.code = d.code)
