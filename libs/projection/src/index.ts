// @scantrail/projection: the read-model writer. Turns recorded ledger entries into the
// lineage tables (lineage/: one handler per event type, one definition per table) and keeps
// the stored findings of the studies they touch fresh (findings/). Its SQL sits in sql/.
export * from './lineage/lineage-projection';
export { LINEAGE_TABLES, type ReadModelTable } from './lineage/read-model-tables';
export * from './findings/findings-refresh';
