import { writeOwnerOnlyFile } from '../owner-only-file';
import { userInfo } from 'node:os';
import { AccessLogService, Viewer } from '@scantrail/access';
import type { Settings } from '@scantrail/config';
import { patientPseudonym } from '@scantrail/contract';
import {
  AccountingReportService,
  parsePeriodBound,
  parseReportFormat,
  patientFromToken,
  reportSignOff,
  type RenderedReport,
} from '@scantrail/reports';
import { DisclosureAccountingService } from '@scantrail/queries';
import { CheckpointStore, LedgerLog, type Database } from '@scantrail/storage';

export interface ReportCommandOptions {
  /** `SYSTEM|VALUE`. */
  patient: string;
  from?: string;
  to?: string;
  format?: string;
  out: string;
}

/** The reports' sign-off (libs/reports), over the checkpoints of the CLI's own connection. */
export function cliReportSignOff(settings: Settings, db: Database) {
  return reportSignOff(
    settings,
    new CheckpointStore(db.dataSource, new LedgerLog(settings.ledgerOrigin)),
  );
}

/** The operator at the terminal, as the access log names them. */
export function operator(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // No passwd entry (some containers): fall back to the environment.
    return `cli:${process.env.USER ?? process.env.LOGNAME ?? 'unknown'}`;
  }
}

/**
 * Writes a patient's accounting of disclosures (PDF, CSV or FHIR) to a file, read straight
 * from the database. The operator acts as a privacy officer; the report is recorded in the
 * access log as `accountingReport` with actor `cli:<os user>`, like one asked over HTTP.
 */
export async function writeAccountingReport(
  settings: Settings,
  db: Database,
  options: ReportCommandOptions,
): Promise<RenderedReport> {
  // Arguments first: a mistyped date must not leave an access log entry.
  const format = parseReportFormat(options.format);
  const patient = patientFromToken(options.patient);
  const from = parsePeriodBound(options.from, 'from');
  const to = parsePeriodBound(options.to, 'to');

  const reports = new AccountingReportService({
    accounting: new DisclosureAccountingService(db.dataSource, new AccessLogService(), (p) =>
      patientPseudonym(p, settings.pseudonymKey),
    ),
    ...cliReportSignOff(settings, db),
  });
  const viewer = new Viewer(operator(), ['privacy_officer']);
  const report = await reports.render(viewer, { patient, from, to }, format);
  // It names a patient: readable by its owner only.
  await writeOwnerOnlyFile(options.out, report.body);
  return report;
}
