// @scantrail/projection: the read-model writer. Turns recorded ledger entries into the
// lineage tables (lineage/) and keeps the stored findings of the studies they touch fresh
// (findings/). Its SQL sits in sql/. One handler folder per kind of read model.
export * from './lineage/lineage-projection';
export * from './findings/findings-refresh';
