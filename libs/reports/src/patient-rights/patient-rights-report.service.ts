import type { Viewer } from '@scantrail/access';
import { periodEnd, unstorableDateOrDateTimeProblem } from '@scantrail/contract';
import {
  InvalidArgumentError,
  type DeletionRequestView,
  type PatientRightsReadService,
  type VendorReadService,
} from '@scantrail/queries';
import { checkpointCovering, type StoredCheckpointSource } from '../checkpoint/stored-checkpoint';
import { IN_PROCESS_LETTERS, type LetterRenderer } from '../letters/letter-job';
import type { BreachReport, DeletionRequestReport, HolderName } from './patient-rights-report';
import {
  renderBreachWorklistCsv,
  renderDeletionRequestCsv,
  renderOpenObligationsCsv,
} from './patient-rights-report.csv';

export interface PatientRightsReportDependencies extends StoredCheckpointSource {
  rights: PatientRightsReadService;
  vendors: VendorReadService;
  /** Printed at the head of the letters (REPORT_ORGANISATION). */
  organisation: string;
  /** Draws the PDF letters; by default on the caller's thread (the API: render threads). */
  letters?: LetterRenderer;
}

export type RightsReportFormat = 'pdf' | 'csv';

export interface RenderedRightsReport {
  contentType: string;
  filename: string;
  body: Buffer;
}

const CONTENT_TYPES: Record<RightsReportFormat, string> = {
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
};

/** `pdf` (default) or `csv`; anything else is a bad argument. */
export function parseRightsReportFormat(format: string | undefined): RightsReportFormat {
  if (format === undefined || format === 'pdf' || format === 'csv') return format ?? 'pdf';
  throw new InvalidArgumentError('format must be pdf or csv');
}

/**
 * `asOf` as a person writes it: an RFC 3339 date-time, or a YYYY-MM-DD date meaning its last
 * instant (the whole day has happened); absent means now. Years 0001 to 9999 only, as the
 * API's DateTime takes them (year 0000 is a valid RFC 3339 date that no answer can be about).
 */
export function parseRightsAsOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  let ms: number;
  try {
    ms = periodEnd(value);
  } catch {
    throw new InvalidArgumentError('asOf must be a YYYY-MM-DD date or an RFC 3339 date-time');
  }
  const problem = unstorableDateOrDateTimeProblem(value);
  if (problem !== undefined) throw new InvalidArgumentError(`asOf ${problem}`);
  return new Date(ms);
}

/** A file name safe in a Content-Disposition header: ids may hold anything. */
const safe = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);

/**
 * The take-home files of section 3.1, for privacy officers: the status letter of a
 * deletion request (PDF, CSV), the open obligations per vendor (CSV), a breach's
 * notification worklist (CSV) and one-page summary (PDF). Each cites the latest checkpoint
 * the ingest signed, once it covers the request's or breach's own ledger entry. The letter
 * names a patient: it goes through `deletionRequest`, which writes the access log first.
 */
export class PatientRightsReportService {
  static readonly LETTER_OPERATION = 'deletionRequestReport';

  private readonly letters: LetterRenderer;

  constructor(private readonly deps: PatientRightsReportDependencies) {
    this.letters = deps.letters ?? IN_PROCESS_LETTERS;
  }

  async deletionRequest(
    viewer: Viewer,
    requestId: string,
    asOf: Date | undefined,
    format: RightsReportFormat,
    now = new Date(),
  ): Promise<RenderedRightsReport | null> {
    viewer.require('clear-identifiers', PatientRightsReportService.LETTER_OPERATION);
    const request = await this.deps.rights.deletionRequest(
      viewer,
      requestId,
      asOf ?? now,
      PatientRightsReportService.LETTER_OPERATION,
    );
    if (request === null) return null;
    const report: DeletionRequestReport = {
      organisation: this.deps.organisation,
      request,
      holders: await this.holders(
        viewer,
        request.obligations.map((o) => o.vendorId),
      ),
      generatedAt: now,
      checkpoint: await checkpointCovering(this.deps, request.ledgerSequence),
    };
    return {
      contentType: CONTENT_TYPES[format],
      filename: `deletion-request-${safe(requestId)}.${format}`,
      body:
        format === 'pdf'
          ? await this.letters.render({ kind: 'deletion-request', report })
          : Buffer.from(renderDeletionRequestCsv(report), 'utf8'),
    };
  }

  /** Every open or overdue obligation as of asOf, by vendor (CSV). */
  async openObligations(viewer: Viewer, asOf: Date | undefined): Promise<RenderedRightsReport> {
    viewer.require('clear-identifiers', 'openObligationsReport');
    const requests: Omit<DeletionRequestView, 'asOf'>[] = [];
    for (let after: string | null = null; ;) {
      const page = await this.deps.rights.deletionRequests(viewer, { asOf, first: 500, after });
      requests.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    return {
      contentType: CONTENT_TYPES.csv,
      filename: 'open-deletion-obligations.csv',
      body: Buffer.from(renderOpenObligationsCsv(requests), 'utf8'),
    };
  }

  async breach(
    viewer: Viewer,
    breachId: string,
    format: RightsReportFormat,
    now = new Date(),
  ): Promise<RenderedRightsReport | null> {
    viewer.require('clear-identifiers', 'breachReport');
    const breach = await this.deps.rights.breachImpact(viewer, breachId);
    if (breach === null) return null;
    const report: BreachReport = {
      organisation: this.deps.organisation,
      breach,
      // The summary prints counts only; the worklist lists every affected study.
      affected: format === 'csv' ? await this.deps.rights.breachAffectedAll(viewer, breach) : [],
      vendor: (await this.holders(viewer, [breach.vendorId])).get(breach.vendorId) as HolderName,
      generatedAt: now,
      checkpoint: await checkpointCovering(this.deps, breach.ledgerSequence),
    };
    return {
      contentType: CONTENT_TYPES[format],
      filename: `breach-${safe(breachId)}-${format === 'pdf' ? 'summary' : 'worklist'}.${format}`,
      body:
        format === 'pdf'
          ? await this.letters.render({ kind: 'breach-summary', report })
          : Buffer.from(renderBreachWorklistCsv(report), 'utf8'),
    };
  }

  private async holders(viewer: Viewer, ids: readonly string[]): Promise<Map<string, HolderName>> {
    const found = await this.deps.vendors.vendors(viewer, ids);
    return new Map(
      [...new Set(ids)].map((id) => {
        const v = found.get(id);
        return [id, { vendorId: id, name: v?.name ?? id, address: v?.address ?? null }];
      }),
    );
  }
}
