import type { Viewer } from '@scantrail/access';
import type { AccountingRequest, DisclosureAccountingService } from '@scantrail/queries';
import {
  REPORT_CONTENT_TYPES,
  reportFilename,
  type AccountingReport,
  type ReportFormat,
} from './accounting-report';
import { renderAccountingReportCsv } from './accounting-report.csv';
import { accountingReportBundle } from './accounting-report.fhir';
import { checkpointCovering, type StoredCheckpointSource } from '../checkpoint/stored-checkpoint';
import { IN_PROCESS_LETTERS, type LetterRenderer } from '../letters/letter-job';

export interface AccountingReportDependencies extends StoredCheckpointSource {
  accounting: DisclosureAccountingService;
  /** Printed at the head of the report (REPORT_ORGANISATION). */
  organisation: string;
  /** Draws the PDF letter; by default on the caller's thread (the API: render threads). */
  letters?: LetterRenderer;
}

export interface RenderedReport {
  format: ReportFormat;
  contentType: string;
  filename: string;
  body: Buffer;
  entries: number;
  treeSize: number;
}

/**
 * The accounting of disclosures as a document (PDF, CSV or FHIR) for the patient. Only a
 * privacy officer may produce one, since it shows the patient identifier in clear. The
 * request is written to the access log (operation `accountingReport`) before anything is
 * read, by the accounting service; the report is signed off by the ledger checkpoint it
 * was produced at, which covers every entry it lists.
 */
export class AccountingReportService {
  static readonly OPERATION = 'accountingReport';

  constructor(private readonly deps: AccountingReportDependencies) {}

  async report(
    viewer: Viewer,
    request: AccountingRequest,
    now: Date = new Date(),
  ): Promise<AccountingReport> {
    viewer.require('clear-identifiers', AccountingReportService.OPERATION);
    const accounting = await this.deps.accounting.accounting(
      viewer,
      request,
      AccountingReportService.OPERATION,
      now,
    );
    const highest = Math.max(-1, ...accounting.entries.map((e) => e.ledgerSequence));
    const checkpoint = await checkpointCovering(this.deps, highest);
    return {
      organisation: this.deps.organisation,
      patient: { system: request.patient.system, value: request.patient.value },
      from: accounting.from,
      to: accounting.to,
      generatedAt: now,
      requestedBy: viewer.subject,
      entries: accounting.entries,
      checkpoint,
    };
  }

  async render(
    viewer: Viewer,
    request: AccountingRequest,
    format: ReportFormat,
    now: Date = new Date(),
  ): Promise<RenderedReport> {
    const report = await this.report(viewer, request, now);
    return {
      format,
      contentType: REPORT_CONTENT_TYPES[format],
      filename: reportFilename(report, format),
      body: await renderReport(report, format, this.deps.letters),
      entries: report.entries.length,
      treeSize: report.checkpoint.treeSize,
    };
  }
}

/** Renders a report in one of the formats; the PDF letter with `letters`. */
export async function renderReport(
  report: AccountingReport,
  format: ReportFormat,
  letters: LetterRenderer = IN_PROCESS_LETTERS,
): Promise<Buffer> {
  switch (format) {
    case 'pdf':
      return letters.render({ kind: 'accounting', report });
    case 'csv':
      return Buffer.from(renderAccountingReportCsv(report), 'utf8');
    case 'fhir':
      return Buffer.from(`${JSON.stringify(accountingReportBundle(report), null, 2)}\n`, 'utf8');
  }
}
