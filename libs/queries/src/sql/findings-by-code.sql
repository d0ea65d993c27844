-- Findings per code (for the metrics endpoint), from the counts the findings worker keeps.
SELECT c.code, sum(c.n)::int AS n FROM rm_findings_counts c GROUP BY c.code
