// The deletion-request status letter to the patient and the one-page breach summary, as
// A4 PDFs in the standard fonts (text reduced to WinAnsi, like the accounting letter),
// each with the ledger checkpoint it was read at in the footer.
import type { ReportCheckpoint } from '../accounting/accounting-report';
import { drawableText as toWinAnsi, useLetterFonts } from '../accounting/letter-fonts';
import {
  DEADLINE_RULES,
  type BreachReport,
  type DeletionRequestReport,
} from './patient-rights-report';

type Doc = PDFKit.PDFDocument;

const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const INK = '#1b1f24';
const MUTED = '#5b6570';
const ACCENT = '#1f3a5f';
const ALERT = '#8a1c1c';
const LEFT = 56;
const WIDTH = 595.28 - 2 * LEFT;

const day = (at: Date): string => at.toISOString().slice(0, 10);
const instant = (at: Date): string => `${at.toISOString().replace('T', ' ').slice(0, 16)} UTC`;

async function newDocument(title: string): Promise<Doc> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 56, bottom: 80, left: LEFT, right: LEFT },
    info: { Title: title, Producer: 'scantrail' },
    bufferPages: true,
  });
  useLetterFonts(doc);
  return doc;
}

function heading(doc: Doc, organisation: string, title: string): void {
  doc.font(BOLD).fontSize(9).fillColor(MUTED).text(toWinAnsi(organisation.toUpperCase()));
  doc.moveDown(0.3);
  doc.font(BOLD).fontSize(17).fillColor(ACCENT).text(toWinAnsi(title));
  doc.moveDown(0.6);
}

/** A paragraph; with `maxLines`, what does not fit in that many lines is cut with an ellipsis. */
function paragraph(
  doc: Doc,
  text: string,
  options: { color?: string; bold?: boolean; maxLines?: number } = {},
): void {
  doc
    .font(options.bold ? BOLD : FONT)
    .fontSize(10)
    .fillColor(options.color ?? INK);
  const height =
    options.maxLines === undefined ? undefined : options.maxLines * doc.currentLineHeight(true);
  doc.text(toWinAnsi(text), { width: WIDTH, height, ellipsis: height !== undefined });
  doc.moveDown(0.5);
}

/** At most `max` characters of a recorded value, cut with an ellipsis. */
function atMost(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * Rows of fixed-width columns, header in bold, a new page (and header) when a row does not
 * fit. A row is at most what a page holds under the header: longer cells (a vendor's name
 * and address come from events, unbounded) end in an ellipsis instead of running on over
 * pages while the row's other cells stay behind.
 */
function grid(
  doc: Doc,
  widths: readonly number[],
  header: readonly string[],
  rows: readonly string[][],
): void {
  const bottom = (): number => doc.page.height - doc.page.margins.bottom;
  const heightOf = (cells: readonly string[], bold: boolean): number => {
    doc.font(bold ? BOLD : FONT).fontSize(8.5);
    return Math.max(
      ...cells.map((cell, i) =>
        doc.heightOfString(toWinAnsi(cell), { width: widths[i] * WIDTH - 6 }),
      ),
    );
  };
  const headerHeight = heightOf(header, true) + 5;
  const maxRow = bottom() - doc.page.margins.top - headerHeight - 5;
  const draw = (cells: readonly string[], bold: boolean, height: number): void => {
    const top = doc.y;
    let x = LEFT;
    doc
      .font(bold ? BOLD : FONT)
      .fontSize(8.5)
      .fillColor(INK);
    cells.forEach((cell, i) => {
      const w = widths[i] * WIDTH;
      doc.text(toWinAnsi(cell), x + 3, top, { width: w - 6, height, ellipsis: true });
      x += w;
    });
    doc.x = LEFT;
    doc.y = top + height + 5;
    doc
      .moveTo(LEFT, doc.y - 2)
      .lineTo(LEFT + WIDTH, doc.y - 2)
      .lineWidth(0.4)
      .strokeColor('#c9d1da')
      .stroke();
  };
  if (doc.y + headerHeight + 20 > bottom()) doc.addPage();
  draw(header, true, headerHeight - 5);
  let rowsOnPage = 0;
  for (const row of rows) {
    let height = Math.min(heightOf(row, false), maxRow);
    const room = bottom() - doc.y - 5;
    if (height > room) {
      // Right under the header, a long row takes what is left rather than a page of its own.
      if (rowsOnPage === 0 && room >= 40) height = room;
      else {
        doc.addPage();
        draw(header, true, headerHeight - 5);
        rowsOnPage = 0;
      }
    }
    draw(row, false, height);
    rowsOnPage += 1;
  }
  doc.moveDown(0.6);
}

function footers(doc: Doc, checkpoint: ReportCheckpoint): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const top = doc.page.height - 62;
    doc.font(FONT).fontSize(6.5).fillColor(MUTED);
    doc.text(
      toWinAnsi(
        `Read at ledger checkpoint ${checkpoint.origin}, tree size ${checkpoint.treeSize}, root ${checkpoint.rootHash}. ` +
          `Verifier key: ${checkpoint.verifierKey}`,
      ),
      LEFT,
      top,
      { width: WIDTH - 60 },
    );
    doc.font(BOLD).fontSize(8).fillColor(INK);
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, LEFT, top, {
      width: WIDTH,
      align: 'right',
      lineBreak: false,
    });
    doc.page.margins.bottom = bottom;
  }
}

function finish(doc: Doc): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

const STATUS_WORDS: Record<string, string> = {
  FULFILLED: 'Deletion confirmed',
  EXEMPT: 'Exempt: properly de-identified copy',
  OVERDUE: 'Not confirmed: overdue',
  OPEN: 'Not yet confirmed',
};

/** The status letter to the patient: each holder, what it held, attested or not, by when. */
export async function renderDeletionRequestPdf(report: DeletionRequestReport): Promise<Buffer> {
  const r = report.request;
  const doc = await newDocument(`Deletion request ${r.requestId}`);
  heading(doc, report.organisation, 'Your request to delete your imaging records');
  paragraph(
    doc,
    `Request ${r.requestId}, received ${day(r.requestedAt)}${r.legalGround ? ` under ${r.legalGround}` : ''}. ` +
      `Every company that held a copy of your images on that day had to delete it by ${day(r.dueBy)}. ` +
      `This letter shows where each copy stood on ${instant(r.asOf)}.`,
  );
  const overall =
    r.status === 'FULFILLED'
      ? 'Every holder has confirmed deletion (or held only a properly de-identified copy, which the law does not require to be deleted).'
      : r.status === 'OVERDUE'
        ? 'Some holders have not confirmed deletion and the deadline has passed. We are following up with them.'
        : 'Some holders have not yet confirmed deletion; the deadline has not passed.';
  paragraph(doc, overall, { bold: true, color: r.status === 'OVERDUE' ? ALERT : INK });
  if (r.obligations.length === 0) {
    paragraph(doc, 'No company held a copy of your images when you made the request.');
  } else {
    grid(
      doc,
      [0.24, 0.3, 0.14, 0.18, 0.14],
      ['Holder', 'Study (what it held)', 'Held since', 'Status', 'Confirmed on'],
      r.obligations.map((o) => {
        const holder = report.holders.get(o.vendorId);
        return [
          holder ? `${holder.name}${holder.address ? `\n${holder.address}` : ''}` : o.vendorId,
          o.studyInstanceUid,
          day(o.receivedAt),
          STATUS_WORDS[o.status] ?? o.status,
          o.attestedAt === null ? '-' : day(o.attestedAt),
        ];
      }),
    );
  }
  paragraph(
    doc,
    'Copies passed on by a company to its own sub-processors or buyers are listed under the company that received them. ' +
      'These facts come from a tamper-evident ledger; the footer names the checkpoint they were read at.',
    { color: MUTED },
  );
  footers(doc, report.checkpoint);
  return finish(doc);
}

/** The one-page breach summary: counts, the three deadlines and the rule behind each. */
export async function renderBreachSummaryPdf(report: BreachReport): Promise<Buffer> {
  const b = report.breach;
  const doc = await newDocument(`Breach ${b.breachId}`);
  heading(doc, report.organisation, `Breach ${b.breachId}: notification duties`);
  // One page whatever the events say: the vendor's name (unbounded in vendor.registered) and
  // the description (unbounded in breach.reported) are cut with an ellipsis past a few lines.
  paragraph(
    doc,
    `${atMost(report.vendor.name, 200)} (${b.vendorId}) reported a breach discovered ${instant(b.discoveredAt)}. ` +
      `Exposure window: ${b.exposureFrom === null ? 'from the first receipt' : instant(b.exposureFrom)} to ${instant(b.exposureTo)}.`,
  );
  if (b.description) paragraph(doc, b.description, { maxLines: 12 });
  grid(
    doc,
    [0.7, 0.3],
    ['Count', 'Value'],
    [
      ['Studies the vendor held in the window', String(b.studiesAffected)],
      ['Patients affected', String(b.patientsAffected)],
      ['Patients to notify (a copy not properly de-identified)', String(b.patientsToNotify)],
      [
        'Studies that were properly de-identified copies (no notice)',
        String(b.studiesDeidentified),
      ],
    ],
  );
  const hhsRule =
    b.patientsToNotify >= 500 ? DEADLINE_RULES.hhsImmediate : DEADLINE_RULES.hhsYearEnd;
  grid(
    doc,
    [0.22, 0.26, 0.52],
    ['Notice', 'Deadline', 'Rule'],
    [
      ['Individuals', instant(b.individualNoticeDeadline), DEADLINE_RULES.individual],
      ['HHS', instant(b.hhsNoticeDeadline), hhsRule],
      [
        'Media',
        b.mediaNoticeMayBeRequired
          ? `May be required, by ${instant(b.individualNoticeDeadline)}`
          : 'Not required',
        DEADLINE_RULES.media,
      ],
    ],
  );
  paragraph(
    doc,
    'The notification worklist (CSV) lists each affected study with its accession number, patient pseudonym, ' +
      'when the vendor received it, and whether notice is required.',
    { color: MUTED },
  );
  footers(doc, report.checkpoint);
  return finish(doc);
}
