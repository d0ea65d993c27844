// What a privacy officer takes home about a deletion request or a breach: the data and the
// ledger checkpoint it was read at, rendered as CSV (patient-rights-report.csv.ts) or PDF
// (patient-rights-report.pdf.ts).
import type { ReportCheckpoint } from '../accounting/accounting-report';
import type { BreachAffectedView, BreachImpactView, DeletionRequestView } from '@scantrail/queries';

/** A holder as a letter names it. */
export interface HolderName {
  vendorId: string;
  name: string;
  address: string | null;
}

export interface DeletionRequestReport {
  organisation: string;
  request: DeletionRequestView;
  /** By vendor id, for every holder of an obligation. */
  holders: ReadonlyMap<string, HolderName>;
  generatedAt: Date;
  checkpoint: ReportCheckpoint;
}

export interface BreachReport {
  organisation: string;
  breach: BreachImpactView;
  /** Every affected study, by uid (the worklist's rows). */
  affected: readonly BreachAffectedView[];
  vendor: HolderName;
  generatedAt: Date;
  checkpoint: ReportCheckpoint;
}

/** The rule behind each notice deadline, as the summary prints it. */
export const DEADLINE_RULES = {
  individual: '45 CFR 164.404(b): no later than 60 calendar days after discovery.',
  hhsImmediate:
    '45 CFR 164.408(b): 500 or more individuals, at the same time as the individual notices.',
  hhsYearEnd:
    '45 CFR 164.408(c): fewer than 500 individuals, within 60 days after the end of the calendar year of discovery.',
  media:
    '45 CFR 164.406: more than 500 residents of one State or jurisdiction (the ledger does not know residence: check).',
} as const;
