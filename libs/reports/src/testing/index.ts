// @scantrail/reports/testing: a complete example report for tests and visual checks, and
// names in the scripts letters must show; not part of the production exports.
export { exampleAccountingReport, exampleCheckpoint } from './accounting-report.example';
export { SCRIPT_SAMPLES, type ScriptSample } from './script-samples';
export { scriptLetterJobs, withoutDrawingTime } from './script-letters';
