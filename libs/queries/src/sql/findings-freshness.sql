-- How far the stored findings are behind the ledger: the position the findings worker
-- stored, the ledger's head, and how long ago the first entry not yet evaluated was
-- recorded (null when none is waiting). Index lookups only.
SELECT p.complete_through::text AS complete_through,
       (SELECT e.sequence::text FROM ledger_entries e ORDER BY e.sequence DESC LIMIT 1) AS head,
       (SELECT extract(epoch FROM clock_timestamp() - n.recorded_at)::float8
          FROM ledger_entries n WHERE n.sequence = p.complete_through + 1) AS waiting_seconds
  FROM findings_progress p
