import { sqlFiles } from '@scantrail/storage';

/**
 * The projection's reviewed .sql files, beside this module.
 *
 * Four of the findings worker's lookups (disclosures-of-targets, transfers-of-targets,
 * members-of-studies, stored-findings) match a batch's study and dataset keys as
 * `col = ANY((SELECT $1::text[])::text[])` rather than `col = ANY($1::text[])`. Given the
 * array itself, the planner estimates the selectivity of every element against the
 * column's most common values (these columns have long lists: a study disclosed or
 * flagged many times): 3-9 ms of planning a call for 2,000 keys on the 1M-entry bench
 * ledger against 0.4 ms behind the sub-select (an InitPlan, read when the statement runs).
 * The price: with the elements unseen, the planner assumes a few keys and always probes
 * the index, where with them it may hash the list over a small table; that was worth it
 * for these four only (per-statement pg_stat_statements over nine alternated runs, session
 * 19 in bench/HISTORY.md). The other lookups, whose columns have no such lists or whose plans
 * turned worse (latest-inspections, deletions-of-targets), keep `= ANY($1)`; for
 * deletions-of-targets, whose columns do have such lists, migration
 * 1764111000000-deletion-target-statistics keeps them short instead (session 20).
 */
export const sql = sqlFiles(__dirname);
