-- The next entries after the findings position, in sequence order: their leaf data is
-- all the findings worker needs to know which studies they can change.
SELECT sequence::text AS sequence, leaf_data
  FROM ledger_entries WHERE sequence > $1 ORDER BY sequence LIMIT $2
