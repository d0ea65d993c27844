import type { AccountingReport } from '../accounting/accounting-report';
import { renderAccountingReportPdf } from '../accounting/accounting-report.pdf';
import type { BreachReport, DeletionRequestReport } from '../patient-rights/patient-rights-report';
import {
  renderBreachSummaryPdf,
  renderDeletionRequestPdf,
} from '../patient-rights/patient-rights-report.pdf';

/**
 * A PDF letter to draw: which one, and the plain data it shows (dates, maps, arrays: what a
 * worker thread receives intact by structured clone).
 */
export type LetterJob =
  | { kind: 'accounting'; report: AccountingReport }
  | { kind: 'deletion-request'; report: DeletionRequestReport }
  | { kind: 'breach-summary'; report: BreachReport };

export type LetterKind = LetterJob['kind'];

/** Draws the letter on this thread. */
export function renderLetter(job: LetterJob): Promise<Buffer> {
  switch (job.kind) {
    case 'accounting':
      return renderAccountingReportPdf(job.report);
    case 'deletion-request':
      return renderDeletionRequestPdf(job.report);
    case 'breach-summary':
      return renderBreachSummaryPdf(job.report);
  }
}

/** Draws letters: on the caller's thread (the CLI, tests) or on render threads (the API). */
export interface LetterRenderer {
  render(job: LetterJob): Promise<Buffer>;
}

/** Each letter drawn on the caller's thread as it asks. */
export const IN_PROCESS_LETTERS: LetterRenderer = { render: renderLetter };
