-- How far the findings are complete (the worker holds the findings lock when it reads this).
SELECT complete_through::text AS complete_through FROM findings_progress
