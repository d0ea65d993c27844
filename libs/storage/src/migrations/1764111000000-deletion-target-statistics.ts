import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The findings worker looks up the deletion attestations of a round's studies and datasets
 * with `target_study_uid = ANY($1)` and `target_dataset_id = ANY($2)`, a few thousand keys
 * a call (deletions-of-targets.sql). Planning such a statement estimates every key against
 * the column's most-common-values list, and a study deleted by several vendors puts it
 * there: 52 values at the default statistics target on the 1M-entry bench ledger, 8-14 ms
 * of planning a call for 2,000 keys against 4-7 ms of execution (pg_stat_statements: 42-352
 * ms of planning a bench run). With a target of 10 the lists are short, planning takes a
 * quarter of that and the plan is the same two bitmap index scans (session 20,
 * bench/HISTORY.md). The sub-select form that session 19 gave four other lookups made this
 * one execute slower, and a join to the keys (LATERAL index probes) executed at several
 * times the bitmap scans. Forward only: the setting changes no answer.
 */
export class DeletionTargetStatistics1764111000000 implements MigrationInterface {
  name = 'DeletionTargetStatistics1764111000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE rm_deletions ALTER COLUMN target_study_uid SET STATISTICS 10,
                                ALTER COLUMN target_dataset_id SET STATISTICS 10`,
    );
    await q.query('ANALYZE rm_deletions');
  }

  down(): Promise<void> {
    return Promise.reject(new Error('DeletionTargetStatistics1764111000000 is forward-only'));
  }
}
