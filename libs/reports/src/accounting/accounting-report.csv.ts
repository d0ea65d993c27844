import {
  noteSignatureLines,
  type AccountingReport,
  type AccountingReportEntry,
} from './accounting-report';

// The accounting as one RFC 4180 table: a header row, then one row per entry. Every row
// also carries the report's context (organisation, patient, period) and the ledger
// checkpoint it was produced at, so the file stays rectangular and any row can be checked
// on its own. A report without entries has one row whose entry columns are empty, so the
// checkpoint is never lost. The signed note is rebuilt exactly as
//   `${checkpoint_origin}\n${checkpoint_tree_size}\n${checkpoint_root_hash}\n\n${checkpoint_signature}\n`.

type Column = readonly [
  header: string,
  value: (entry: AccountingReportEntry | undefined, report: AccountingReport) => string,
  /** Text that came from outside (events, the caller) is neutralised against formulas. */
  untrusted: boolean,
];

const ifEntry =
  (pick: (e: AccountingReportEntry) => string) =>
  (e: AccountingReportEntry | undefined): string =>
    e === undefined ? '' : pick(e);

const COLUMNS: readonly Column[] = [
  ['date', ifEntry((e) => e.date.toISOString()), false],
  ['recipient_name', ifEntry((e) => e.recipientName), true],
  ['recipient_address', ifEntry((e) => e.recipientAddress ?? ''), true],
  ['description', ifEntry((e) => e.description), true],
  ['purpose', ifEntry((e) => e.purpose), true],
  ['legal_basis', ifEntry((e) => e.legalBasis), true],
  ['required_in_hipaa_accounting', ifEntry((e) => String(!e.exempt)), false],
  ['disclosure_id', ifEntry((e) => e.disclosureId), true],
  ['study_instance_uid', ifEntry((e) => e.studyInstanceUid), true],
  ['ledger_sequence', ifEntry((e) => String(e.ledgerSequence)), false],
  ['organisation', (_, r) => r.organisation, true],
  ['patient_system', (_, r) => r.patient.system, true],
  ['patient_value', (_, r) => r.patient.value, true],
  ['period_from', (_, r) => r.from.toISOString(), false],
  ['period_to', (_, r) => r.to.toISOString(), false],
  ['generated_at', (_, r) => r.generatedAt.toISOString(), false],
  ['checkpoint_origin', (_, r) => r.checkpoint.origin, false],
  ['checkpoint_tree_size', (_, r) => String(r.checkpoint.treeSize), false],
  ['checkpoint_root_hash', (_, r) => r.checkpoint.rootHash, false],
  [
    'checkpoint_signature',
    (_, r) =>
      noteSignatureLines(r.checkpoint.note)
        .map((s) => s.line)
        .join('\n'),
    false,
  ],
  ['verifier_key', (_, r) => r.checkpoint.verifierKey, false],
];

export const ACCOUNTING_CSV_HEADERS: readonly string[] = COLUMNS.map(([header]) => header);

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A spreadsheet runs a cell that starts with = + - @ (OWASP "CSV injection"); a vendor
 * name comes from an event, so such text is prefixed with a single quote. Hashes and
 * keys we made ourselves are left exact (base64 may start with '+').
 */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** RFC 4180 section 2: a field with a comma, a quote or a line break is quoted, quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** The report as RFC 4180 CSV (UTF-8, CRLF line ends, header row). */
export function renderAccountingReportCsv(report: AccountingReport): string {
  const rows: (AccountingReportEntry | undefined)[] =
    report.entries.length === 0 ? [undefined] : [...report.entries];
  const body = rows.map((entry) =>
    csvRecord(
      COLUMNS.map(([, value, untrusted]) => {
        const text = value(entry, report);
        return untrusted ? neutraliseFormula(text) : text;
      }),
    ),
  );
  return csvRecord(ACCOUNTING_CSV_HEADERS) + body.join('');
}
