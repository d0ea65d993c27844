// @scantrail/reports: documents for people. The accounting of disclosures (accounting/) as a
// PDF letter, CSV and FHIR bundle; one folder per kind of report.
export {
  DEFAULT_REPORT_ORGANISATION,
  REPORT_CONTENT_TYPES,
  REPORT_FORMATS,
  noteSignatureLines,
  reportFilename,
  reportOrganisation,
  utcDate,
  type AccountingReport,
  type AccountingReportEntry,
  type NoteSignatureLine,
  type ReportCheckpoint,
  type ReportFormat,
} from './accounting/accounting-report';
export {
  parsePeriodBound,
  parseReportFormat,
  patientFromParts,
  patientFromToken,
} from './accounting/accounting-report-request';
export { legalBasisLabel, purposeLabel } from './accounting/accounting-report-labels';
export {
  ACCOUNTING_CSV_HEADERS,
  csvField,
  neutraliseFormula,
  renderAccountingReportCsv,
} from './accounting/accounting-report.csv';
export {
  renderAccountingReportPdf,
  type PdfRenderOptions,
} from './accounting/accounting-report.pdf';
export {
  FHIR_SYSTEMS,
  PURPOSE_OF_USE,
  SCANTRAIL_FHIR_BASE,
  accountingReportBundle,
  type AuditEvent,
  type AuditEventAgent,
  type AuditEventEntity,
  type Binary,
  type Bundle,
  type CodeableConcept,
  type Coding,
  type Identifier,
  type Reference,
} from './accounting/accounting-report.fhir';
export {
  AccountingReportService,
  CheckpointPendingError,
  ledgerFacts,
  renderReport,
  type AccountingReportDependencies,
  type RenderedReport,
  type ReportLedger,
  type SignedCheckpoint,
} from './accounting/accounting-report.service';
