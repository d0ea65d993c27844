import type { PatientIdentifierInput, AccountingEntryView } from '@scantrail/queries';

export const REPORT_FORMATS = ['pdf', 'csv', 'fhir'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * The signed ledger checkpoint a report was produced at: every entry of the report is in
 * the tree of this size, so a reader can ask for inclusion proofs against `rootHash` and
 * check the note's signature with `verifierKey` (C2SP signed-note).
 */
export interface ReportCheckpoint {
  origin: string;
  treeSize: number;
  /** Standard base64 of the RFC 9162 root hash. */
  rootHash: string;
  /** The C2SP signed note (checkpoint text, blank line, signature lines). */
  note: string;
  /** `<name>+<hex key id>+<base64 key>`. */
  verifierKey: string;
}

/** An accounting entry with what the ledger entry behind it adds (for the FHIR export). */
/** One line of the letter: what the accounting says of one (disclosure or transfer, study). */
export type AccountingReportEntry = AccountingEntryView;

/**
 * Everything a rendered report shows, as plain data: renderers are pure functions of it.
 * `patient` is the identifier in clear, as the privacy officer entered it: the report is
 * a document for the patient and is never stored.
 */
export interface AccountingReport {
  organisation: string;
  patient: PatientIdentifierInput;
  from: Date;
  to: Date;
  generatedAt: Date;
  /** Who asked (the token's `sub`, or `cli:<user>`). */
  requestedBy: string;
  entries: readonly AccountingReportEntry[];
  checkpoint: ReportCheckpoint;
}

/** One signature line of a signed note: `— <key name> <base64(key id || signature)>`. */
export interface NoteSignatureLine {
  line: string;
  keyName: string;
  /** The first 4 bytes of the signature blob, as 8 hex digits (matches the verifier key). */
  keyId: string;
}

const SIGNATURE_LINE = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/;

/** The signature lines of a C2SP signed note (empty when the note carries none). */
export function noteSignatureLines(note: string): NoteSignatureLine[] {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return [];
  return note
    .slice(split + 2)
    .split('\n')
    .flatMap((line) => {
      const m = SIGNATURE_LINE.exec(line);
      if (m === null) return [];
      const blob = Buffer.from(m[2], 'base64');
      if (blob.length < 5) return [];
      return [{ line, keyName: m[1], keyId: blob.subarray(0, 4).toString('hex') }];
    });
}

/** YYYY-MM-DD of an instant, in UTC (the report states that dates are UTC). */
export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** An attachment name that does not carry the patient identifier (downloads are listed). */
export function reportFilename(
  report: Pick<AccountingReport, 'from' | 'to'>,
  format: ReportFormat,
): string {
  const extension = format === 'fhir' ? 'fhir.json' : format;
  return `accounting-of-disclosures_${utcDate(report.from)}_${utcDate(report.to)}.${extension}`;
}

export const REPORT_CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = {
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8; header=present',
  fhir: 'application/fhir+json; charset=utf-8',
};
