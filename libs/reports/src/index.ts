// @scantrail/reports: documents for people. The accounting of disclosures (accounting/) as a
// PDF letter, CSV and FHIR bundle; deletion requests and breaches (patient-rights/) as the
// patient's status letter, vendor obligations, breach worklist and summary; one folder per
// kind of report; letters/ draws the PDF letters, on the caller's thread or on render
// threads (LetterPool).
export {
  REPORT_CONTENT_TYPES,
  REPORT_FORMATS,
  noteSignatureLines,
  reportFilename,
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
  renderReport,
  type AccountingReportDependencies,
  type RenderedReport,
} from './accounting/accounting-report.service';
export {
  CheckpointPendingError,
  checkpointCovering,
  reportSignOff,
  type ReportSignOffSettings,
  type SignedCheckpoint,
  type StoredCheckpointSource,
} from './checkpoint/stored-checkpoint';
export {
  PatientRightsReportService,
  parseRightsAsOf,
  parseRightsReportFormat,
  type PatientRightsReportDependencies,
  type RenderedRightsReport,
  type RightsReportFormat,
} from './patient-rights/patient-rights-report.service';
export {
  renderBreachWorklistCsv,
  renderDeletionRequestCsv,
  renderOpenObligationsCsv,
} from './patient-rights/patient-rights-report.csv';
export {
  renderBreachSummaryPdf,
  renderDeletionRequestPdf,
} from './patient-rights/patient-rights-report.pdf';
export {
  IN_PROCESS_LETTERS,
  renderLetter,
  type LetterJob,
  type LetterKind,
  type LetterRenderer,
} from './letters/letter-job';
export {
  LetterPool,
  LetterQueueFullError,
  LetterRenderError,
  LetterTooLargeError,
  type LetterPoolOptions,
} from './letters/letter-pool';
export type {
  BreachReport,
  DeletionRequestReport,
  HolderName,
} from './patient-rights/patient-rights-report';
