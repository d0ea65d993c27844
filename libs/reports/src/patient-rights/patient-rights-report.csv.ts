import { csvField, neutraliseFormula } from '../accounting/accounting-report.csv';
import type { ReportCheckpoint } from '../accounting/accounting-report';
import type { BreachReport, DeletionRequestReport } from './patient-rights-report';
import type { DeletionRequestView } from '@scantrail/queries';

// RFC 4180 tables, one row per item; every row carries the checkpoint the data was read at,
// so any row can be checked on its own (as the accounting CSV does). Text that came from
// events is neutralised against spreadsheet formulas.

type Cell = readonly [text: string, untrusted: boolean];

const csvRecord = (cells: readonly Cell[]): string =>
  `${cells.map(([text, untrusted]) => csvField(untrusted ? neutraliseFormula(text) : text)).join(',')}\r\n`;

const iso = (at: Date | null): string => (at === null ? '' : at.toISOString());

const CHECKPOINT_HEADERS = ['checkpoint_origin', 'checkpoint_tree_size', 'checkpoint_root_hash'];
const checkpointCells = (c: ReportCheckpoint): Cell[] => [
  [c.origin, false],
  [String(c.treeSize), false],
  [c.rootHash, false],
];

function table(headers: readonly string[], rows: readonly Cell[][]): string {
  return csvRecord(headers.map((h) => [h, false])) + rows.map(csvRecord).join('');
}

const LETTER_HEADERS = [
  'request_id',
  'requested_at',
  'due_by',
  'as_of',
  'request_status',
  'holder_id',
  'holder_name',
  'study_instance_uid',
  'held_since',
  'status',
  'deletion_attested',
  'attested_at',
  'attestation_event_id',
  ...CHECKPOINT_HEADERS,
];

/** The status letter's table: each holder, what it held, attested or not, by when. */
export function renderDeletionRequestCsv(report: DeletionRequestReport): string {
  const r = report.request;
  const head: Cell[] = [
    [r.requestId, true],
    [iso(r.requestedAt), false],
    [iso(r.dueBy), false],
    [iso(r.asOf), false],
    [r.status, false],
  ];
  const rows: Cell[][] = r.obligations.map((o) => [
    ...head,
    [o.vendorId, true],
    [report.holders.get(o.vendorId)?.name ?? o.vendorId, true],
    [o.studyInstanceUid, true],
    [iso(o.receivedAt), false],
    [o.status, false],
    [String(o.status === 'FULFILLED'), false],
    [iso(o.attestedAt), false],
    [o.attestationEventId ?? '', true],
    ...checkpointCells(report.checkpoint),
  ]);
  if (rows.length === 0) {
    rows.push([
      ...head,
      ...Array<Cell>(8).fill(['', false]),
      ...checkpointCells(report.checkpoint),
    ]);
  }
  return table(LETTER_HEADERS, rows);
}

const OPEN_HEADERS = [
  'vendor_id',
  'request_id',
  'study_instance_uid',
  'held_since',
  'requested_at',
  'due_by',
  'status',
];

/** Open and overdue obligations, grouped by vendor (to send each vendor its list). */
export function renderOpenObligationsCsv(
  requests: readonly Omit<DeletionRequestView, 'asOf'>[],
): string {
  const rows = requests
    .flatMap((r) =>
      r.obligations
        .filter((o) => o.status === 'OPEN' || o.status === 'OVERDUE')
        .map((o) => ({ r, o })),
    )
    .sort(
      (a, b) =>
        (a.o.vendorId < b.o.vendorId ? -1 : a.o.vendorId > b.o.vendorId ? 1 : 0) ||
        a.r.dueBy.getTime() - b.r.dueBy.getTime() ||
        (a.r.requestId < b.r.requestId ? -1 : a.r.requestId > b.r.requestId ? 1 : 0),
    )
    .map(({ r, o }): Cell[] => [
      [o.vendorId, true],
      [r.requestId, true],
      [o.studyInstanceUid, true],
      [iso(o.receivedAt), false],
      [iso(r.requestedAt), false],
      [iso(r.dueBy), false],
      [o.status, false],
    ]);
  return table(OPEN_HEADERS, rows);
}

const WORKLIST_HEADERS = [
  'study_instance_uid',
  'accession_number',
  'patient_pseudonym',
  'received_at',
  'deidentified',
  'notification_required',
  'breach_id',
  'vendor_id',
  ...CHECKPOINT_HEADERS,
];

/** The breach notification worklist: one row per affected study. */
export function renderBreachWorklistCsv(report: BreachReport): string {
  const b = report.breach;
  const rows: Cell[][] = report.affected.map((a) => [
    [a.studyInstanceUid, true],
    [a.accessionNumber ?? '', true],
    [a.patientPseudonym ?? '', false],
    [iso(a.receivedAt), false],
    [String(a.deidentified), false],
    [String(a.notificationRequired), false],
    [b.breachId, true],
    [b.vendorId, true],
    ...checkpointCells(report.checkpoint),
  ]);
  return table(WORKLIST_HEADERS, rows);
}
