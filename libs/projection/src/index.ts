// @scantrail/projection: the read-model writer. Turns recorded ledger entries into the
// lineage tables (lineage/: one handler per event type, one definition per table), and
// evaluates the findings they can change (findings/): the ingest's findings worker does that
// after the commit, in rounds that keep their own position. Its SQL sits in sql/.
export * from './lineage/lineage-projection';
export {
  LINEAGE_TABLES,
  type ColumnType,
  type Columns,
  type ReadModelTable,
} from './lineage/read-model-tables';
export { keptRows, type BatchRow } from './lineage/row-writer';
export * from './findings/findings-seeds';
export * from './findings/findings-refresh';
export * from './findings/findings-catch-up';
