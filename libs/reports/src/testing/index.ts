// @scantrail/reports/testing: a complete example report for tests and visual checks; not
// part of the production exports.
export { exampleAccountingReport, exampleCheckpoint } from './accounting-report.example';
