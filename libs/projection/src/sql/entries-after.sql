-- The next entries after the findings position, in sequence order: their leaf data is
-- all the findings worker needs to know which studies they can change. Ordered by the
-- column, not by the text alias of the same name (which would put 1000 before 999 and
-- move the position past entries never read).
SELECT e.sequence::text AS sequence, e.leaf_data
  FROM ledger_entries e WHERE e.sequence > $1 ORDER BY e.sequence LIMIT $2
