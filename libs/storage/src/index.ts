export * from './database/data-source';
export * from './ledger/ledger-log';
export * from './ledger/append-batch';
export * from './ledger/ledger-lock';
export * from './ledger/ledger-reader';
export * from './ledger/checkpoints';
export * from './ledger/stored-hash-reader';
export * from './ingest/offset-store';
export * from './ingest/quarantine-store';
export * from './ingest/duplicate-conflict-store';
export * from './ingest/ingest-gap-store';
export * from './ledger/projection';
export * from './database/database-setup';
export * from './copy/binary-copy.encoder';
export * from './copy/copy-in';
export { rfc3339Micros } from './copy/timestamp-micros';
export * from './database/database-refusal';
export * from './database/table-rights';
export * from './database/queryable';
export * from './database/advisory-lock-wait';
export { ALL_VENDOR_HOLDINGS } from './migrations/1764095000000-vendor-holdings';
export { ALL_RESOLVED_STUDIES } from './migrations/1764101000000-resolved-studies';
export { ALL_STUDY_LABELS, KEEP_STUDY_LABELS } from './migrations/1764107500000-study-labels';
export {
  ADD_ACCOUNTING_EVENTS,
  ADD_ACCOUNTING_MEMBERS,
  ALL_ACCOUNTING_ROWS,
  RELEASE_ACCOUNTING_STUDIES,
  WRITE_ACCOUNTING_STUDIES,
} from './migrations/1764108500000-accounting-rows';
export {
  REFRESH_BREACH_IMPACT,
  allBreachImpact,
  computeBreachesWhole,
} from './migrations/1764102000000-breach-impact';
export { ALL_VENDOR_STATISTICS } from './migrations/1764100000000-vendor-statistics';
export { ALL_FINDINGS_COUNTS } from './migrations/1764100100000-findings-counts';
export { ALL_FINDINGS_MONTHS } from './migrations/1764100200000-findings-months';
export { ALL_TARGET_EVENTS } from './migrations/1764106500000-target-events';
export * from './copy/copy-out';
export {
  APPEND_ORDER_LOCK_CLASS,
  APPEND_ORDERED_TABLES,
} from './migrations/1764113000000-appends-in-commit-order';
export { INGEST_GAPS_APPEND_KEY } from './migrations/1764118500000-ingest-gaps';
