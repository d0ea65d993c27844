import type { Viewer } from '@scantrail/access';
import type {
  AccountingRequest,
  DisclosureAccountingService,
  VendorReadService,
} from '@scantrail/queries';
import {
  REPORT_CONTENT_TYPES,
  reportFilename,
  type AccountingReport,
  type AccountingReportEntry,
  type ReportFormat,
} from './accounting-report';
import { renderAccountingReportCsv } from './accounting-report.csv';
import { accountingReportBundle } from './accounting-report.fhir';
import { renderAccountingReportPdf } from './accounting-report.pdf';
import { checkpointCovering, type StoredCheckpointSource } from '../checkpoint/stored-checkpoint';

/** What the report needs of the ledger (a LedgerReader fits). */
export interface ReportLedger {
  entry(sequence: number): Promise<{ leafData: string } | undefined>;
}

export interface AccountingReportDependencies extends StoredCheckpointSource {
  accounting: DisclosureAccountingService;
  vendors: VendorReadService;
  ledger: ReportLedger;
  /** Printed at the head of the report (REPORT_ORGANISATION). */
  organisation: string;
}

export interface RenderedReport {
  format: ReportFormat;
  contentType: string;
  filename: string;
  body: Buffer;
  entries: number;
  treeSize: number;
}

/** What a ledger entry adds to an accounting entry: ids the read model does not return. */
interface LedgerFacts {
  eventId: string | null;
  eventSource: string | null;
  recipientVendorId: string | null;
  senderVendorId: string | null;
}

const NO_FACTS: LedgerFacts = {
  eventId: null,
  eventSource: null,
  recipientVendorId: null,
  senderVendorId: null,
};

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Reads the contract's leaf data (CONTRACT.md section 4) for the ids it carries. */
export function ledgerFacts(leafData: string): LedgerFacts {
  let parsed: unknown;
  try {
    parsed = JSON.parse(leafData);
  } catch {
    return NO_FACTS;
  }
  if (typeof parsed !== 'object' || parsed === null) return NO_FACTS;
  const entry = parsed as Record<string, unknown>;
  const data = (typeof entry.data === 'object' && entry.data !== null ? entry.data : {}) as Record<
    string,
    unknown
  >;
  return {
    eventId: text(entry.id),
    eventSource: text(entry.source),
    recipientVendorId: text(data.recipientVendorId) ?? text(data.toVendorId),
    senderVendorId: text(data.fromVendorId),
  };
}

const LOOKUP_CONCURRENCY = 4;

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
    const facts = await this.factsOf(accounting.entries.map((e) => e.ledgerSequence));
    const senders = [
      ...new Set([...facts.values()].flatMap((f) => (f.senderVendorId ? [f.senderVendorId] : []))),
    ];
    const names = await this.deps.vendors.vendors(viewer, senders);
    const entries: AccountingReportEntry[] = accounting.entries.map((entry) => {
      const known = facts.get(entry.ledgerSequence) ?? NO_FACTS;
      const transfer = entry.legalBasis === 'ONWARD_TRANSFER';
      const senderVendorId = transfer ? known.senderVendorId : null;
      return {
        ...entry,
        ...known,
        senderVendorId,
        senderName: senderVendorId === null ? null : (names.get(senderVendorId)?.name ?? null),
      };
    });
    return {
      organisation: this.deps.organisation,
      patient: { system: request.patient.system, value: request.patient.value },
      from: accounting.from,
      to: accounting.to,
      generatedAt: now,
      requestedBy: viewer.subject,
      entries,
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
      body: await renderReport(report, format),
      entries: report.entries.length,
      treeSize: report.checkpoint.treeSize,
    };
  }

  private async factsOf(sequences: readonly number[]): Promise<Map<number, LedgerFacts>> {
    const unique = [...new Set(sequences)];
    const facts = new Map<number, LedgerFacts>();
    for (let i = 0; i < unique.length; i += LOOKUP_CONCURRENCY) {
      const batch = unique.slice(i, i + LOOKUP_CONCURRENCY);
      const found = await Promise.all(batch.map((s) => this.deps.ledger.entry(s)));
      batch.forEach((sequence, n) => {
        const stored = found[n];
        facts.set(sequence, stored === undefined ? NO_FACTS : ledgerFacts(stored.leafData));
      });
    }
    return facts;
  }
}

/** Renders a report in one of the formats. */
export async function renderReport(
  report: AccountingReport,
  format: ReportFormat,
): Promise<Buffer> {
  switch (format) {
    case 'pdf':
      return renderAccountingReportPdf(report);
    case 'csv':
      return Buffer.from(renderAccountingReportCsv(report), 'utf8');
    case 'fhir':
      return Buffer.from(`${JSON.stringify(accountingReportBundle(report), null, 2)}\n`, 'utf8');
  }
}
