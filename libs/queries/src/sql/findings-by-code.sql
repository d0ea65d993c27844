-- Findings per code (for the metrics endpoint).
SELECT f.code, count(*)::int AS n FROM rm_findings f GROUP BY f.code
