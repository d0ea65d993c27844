import type PDFDocumentClass from 'pdfkit';
import {
  noteSignatureLines,
  utcDate,
  type AccountingReport,
  type AccountingReportEntry,
} from './accounting-report';
import { legalBasisLabel, purposeLabel } from './accounting-report-labels';
import { drawableText as toWinAnsi, useLetterFonts } from './letter-fonts';

// The accounting as a letter to the patient: A4 portrait, a letterhead, who and which
// period, a table of every disclosure and onward transfer whose header repeats on each
// page, how to verify the report, and on every page a footer with the ledger checkpoint
// and "Page i of n". Only the standard fonts are used (see win-ansi-text.ts).

export interface PdfRenderOptions {
  /** Deflate page streams (default true); tests turn it off to read the text. */
  compress?: boolean;
}

const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const MONO = 'Courier';

const INK = '#1b1f24';
const MUTED = '#5b6570';
const ACCENT = '#1f3a5f';
const RULE = '#c9d1da';
const STRIPE = '#f3f5f8';
const PANEL = '#eef2f7';
const ALERT = '#8a1c1c';

const MARGIN = { top: 48, bottom: 84, left: 48, right: 48 };
const CELL_PAD_X = 4;
const CELL_PAD_Y = 4;
const BODY_SIZE = 8;
/** Hashes and keys in the verification section. */
const KEY_SIZE = 7;
const KEY_GAP = 2;
const FOOTER_SIZE = 6.3;

interface Run {
  text: string;
  font?: string;
  size?: number;
  color?: string;
}

interface TableColumn {
  header: string;
  width: number;
  cell(entry: AccountingReportEntry): Run[];
}

/** Column widths add up to the A4 text width (595.28 - 96). */
const COLUMNS: readonly TableColumn[] = [
  { header: 'Date (UTC)', width: 54, cell: (e) => [{ text: utcDate(e.date) }] },
  {
    header: 'Recipient',
    width: 108,
    cell: (e) => [
      { text: e.recipientName, font: BOLD },
      { text: e.recipientAddress ?? 'No address on record', color: MUTED, size: 7.5 },
    ],
  },
  { header: 'What was disclosed', width: 124, cell: (e) => [{ text: e.description }] },
  { header: 'Purpose', width: 62, cell: (e) => [{ text: purposeLabel(e.purpose) }] },
  { header: 'Legal basis', width: 64, cell: (e) => [{ text: legalBasisLabel(e.legalBasis) }] },
  {
    header: 'Required by HIPAA',
    width: 51,
    cell: (e) =>
      e.exempt
        ? [
            { text: 'No', color: MUTED },
            { text: '(exempt)', color: MUTED, size: 7 },
          ]
        : e.failedInspection
          ? [
              { text: 'Yes', font: BOLD, color: ALERT },
              { text: '(failed inspection)', color: ALERT, size: 7 },
            ]
          : [{ text: 'Yes', font: BOLD, color: ALERT }],
  },
  {
    header: 'Ledger entry',
    width: 36,
    cell: (e) => [{ text: String(e.ledgerSequence), font: MONO, size: 7.5 }],
  },
];

function entriesSummary(count: number, required: number): string {
  if (count === 0) return 'none in this period';
  if (count === 1) {
    return `1 disclosure or onward transfer, ${required === 1 ? '' : 'not '}required in the HIPAA accounting`;
  }
  return `${count} disclosures and onward transfers, ${required} of them required in the HIPAA accounting`;
}

class ReportPdf {
  readonly doc: PDFKit.PDFDocument;
  private readonly left = MARGIN.left;
  private readonly width: number;

  constructor(
    PDFDocument: typeof PDFDocumentClass,
    private readonly report: AccountingReport,
    options: PdfRenderOptions,
  ) {
    this.doc = new PDFDocument({
      size: 'A4',
      margins: MARGIN,
      bufferPages: true,
      compress: options.compress ?? true,
      info: {
        Title: 'Accounting of disclosures',
        Author: toWinAnsi(report.organisation),
        Subject: `Disclosures from ${utcDate(report.from)} to ${utcDate(report.to)}`,
        Creator: 'scantrail',
        CreationDate: report.generatedAt,
      },
    });
    useLetterFonts(this.doc);
    this.width = this.doc.page.width - MARGIN.left - MARGIN.right;
  }

  private get bottom(): number {
    return this.doc.page.height - MARGIN.bottom;
  }

  /** Writes a block of text at the cursor and moves the cursor below it. */
  private write(
    text: string,
    run: Omit<Run, 'text'> & { gap?: number; width?: number } = {},
  ): void {
    this.doc
      .font(run.font ?? FONT)
      .fontSize(run.size ?? 9)
      .fillColor(run.color ?? INK)
      .text(toWinAnsi(text), this.left, this.doc.y, {
        width: run.width ?? this.width,
        lineGap: 1.5,
      });
    this.doc.y += run.gap ?? 0;
  }

  private rule(y: number, color = RULE, weight = 0.75): void {
    this.doc
      .moveTo(this.left, y)
      .lineTo(this.left + this.width, y)
      .lineWidth(weight)
      .strokeColor(color)
      .stroke();
  }

  letterhead(): void {
    const { doc, report } = this;
    const top = MARGIN.top;
    doc.font(BOLD).fontSize(16).fillColor(ACCENT);
    doc.text(toWinAnsi(report.organisation), this.left, top, { width: this.width * 0.62 });
    doc
      .font(FONT)
      .fontSize(9)
      .fillColor(MUTED)
      .text('Privacy Office', this.left, doc.y + 1);
    const afterName = doc.y;
    const right = { width: this.width * 0.36, align: 'right' as const };
    const rightX = this.left + this.width * 0.64;
    doc.font(FONT).fontSize(8).fillColor(MUTED);
    doc.text(
      `Produced ${report.generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      rightX,
      top + 3,
      right,
    );
    doc.text(toWinAnsi(`On request, by ${report.requestedBy}`), rightX, doc.y + 1, right);
    const y = Math.max(afterName, doc.y) + 10;
    this.rule(y, ACCENT, 1.5);
    doc.y = y + 16;
  }

  introduction(): void {
    const { doc, report } = this;
    const required = report.entries.filter((e) => !e.exempt).length;
    this.write('Accounting of disclosures of your imaging studies', {
      font: BOLD,
      size: 17,
      color: INK,
      gap: 10,
    });

    const rows: [string, string][] = [
      ['Patient identifier', `${report.patient.system}|${report.patient.value}`],
      ['Period', `${utcDate(report.from)} to ${utcDate(report.to)} (dates in UTC)`],
      ['Entries', entriesSummary(report.entries.length, required)],
    ];
    const labelWidth = 92;
    const valueWidth = this.width - labelWidth - 20;
    doc.font(FONT).fontSize(9.5);
    const heights = rows.map(([, v]) =>
      Math.max(
        14,
        doc.font(BOLD).fontSize(9.5).heightOfString(toWinAnsi(v), { width: valueWidth }) + 4,
      ),
    );
    const panelTop = doc.y;
    const panelHeight = heights.reduce((a, b) => a + b, 0) + 12;
    doc.rect(this.left, panelTop, this.width, panelHeight).fill(PANEL);
    doc.rect(this.left, panelTop, 3, panelHeight).fill(ACCENT);
    let y = panelTop + 8;
    rows.forEach(([label, value], i) => {
      doc
        .font(FONT)
        .fontSize(9)
        .fillColor(MUTED)
        .text(label, this.left + 12, y + 0.5, { width: labelWidth });
      doc
        .font(BOLD)
        .fontSize(9.5)
        .fillColor(INK)
        .text(toWinAnsi(value), this.left + 12 + labelWidth, y, { width: valueWidth });
      y += heights[i];
    });
    doc.y = panelTop + panelHeight + 12;

    this.write(
      `This letter lists every disclosure of your imaging studies that ${report.organisation} recorded ` +
        'in the period above, and every onward transfer that a recipient reported to us: a copy ' +
        'passed on by the organisation that received it. A de-identified copy (names and ' +
        'identifiers removed) appears too, so that you can see everywhere your scans went.',
      { size: 9, gap: report.entries.length === 0 ? 12 : 4 },
    );
    if (report.entries.length === 0) return;
    this.write(
      'The column "Required by HIPAA" says whether 45 CFR 164.528 requires the ' +
        'disclosure in an accounting of disclosures. Disclosures for treatment and health care ' +
        'operations, with your valid authorization, of de-identified copies and of limited data ' +
        'sets are exempt from that rule; we list them anyway.',
      { size: 9, gap: 12 },
    );
    const failed = report.entries.filter((e) => e.failedInspection).length;
    if (failed > 0) {
      this.write(
        `${failed === 1 ? 'One copy' : `${failed} copies`} sent as de-identified did not pass when ` +
          'we read the files: they still held information that could identify you, such as your ' +
          `record number or other details about you. We do not treat ${failed === 1 ? 'it' : 'them'} ` +
          `as de-identified: ${failed === 1 ? 'it is' : 'they are'} marked "failed inspection" ` +
          'below and count as required in the accounting.',
        { size: 9, gap: 12 },
      );
    }
  }

  /** The table header at the cursor, which it moves below the header. */
  private tableHeader(): void {
    const { doc } = this;
    doc.font(BOLD).fontSize(7.5);
    const height =
      Math.max(
        ...COLUMNS.map((c) => doc.heightOfString(c.header, { width: c.width - 2 * CELL_PAD_X })),
      ) +
      2 * CELL_PAD_Y;
    const top = doc.y;
    doc.rect(this.left, top, this.width, height).fill(ACCENT);
    let x = this.left;
    for (const column of COLUMNS) {
      doc
        .font(BOLD)
        .fontSize(7.5)
        .fillColor('#ffffff')
        .text(column.header, x + CELL_PAD_X, top + CELL_PAD_Y, {
          width: column.width - 2 * CELL_PAD_X,
        });
      x += column.width;
    }
    doc.y = top + height;
  }

  private runHeight(run: Run, width: number): number {
    return this.doc
      .font(run.font ?? FONT)
      .fontSize(run.size ?? BODY_SIZE)
      .heightOfString(toWinAnsi(run.text), { width, lineGap: 1 });
  }

  private cellHeight(runs: Run[], width: number): number {
    return runs.reduce((sum, run, i) => sum + this.runHeight(run, width) + (i > 0 ? 1.5 : 0), 0);
  }

  /** Pages 2 and on: who the page is about, so loose pages are not mixed up. */
  private runningHeader(): void {
    const { doc, report } = this;
    doc.font(FONT).fontSize(7.5).fillColor(MUTED);
    doc.text(
      toWinAnsi(`${report.organisation} - Accounting of disclosures (continued)`),
      this.left,
      MARGIN.top,
      {
        width: this.width * 0.55,
        lineBreak: false,
      },
    );
    doc.text(
      toWinAnsi(`Patient ${report.patient.system}|${report.patient.value}`),
      this.left + this.width * 0.45,
      MARGIN.top,
      { width: this.width * 0.55, align: 'right', lineBreak: false },
    );
    this.rule(MARGIN.top + 12);
    doc.y = MARGIN.top + 20;
  }

  private newPage(): void {
    this.doc.addPage();
    this.runningHeader();
  }

  table(): void {
    const { doc, report } = this;
    if (report.entries.length === 0) {
      this.write(
        'No disclosure or onward transfer of your imaging studies was recorded in this period.',
        {
          font: BOLD,
          size: 10,
          gap: 12,
        },
      );
      return;
    }
    if (doc.y + 60 > this.bottom) this.newPage();
    this.tableHeader();
    const maxRow = this.bottom - MARGIN.top - 60;
    report.entries.forEach((entry, index) => {
      const cells = COLUMNS.map((c) => c.cell(entry));
      const natural =
        Math.max(
          ...cells.map((runs, i) => this.cellHeight(runs, COLUMNS[i].width - 2 * CELL_PAD_X)),
        ) +
        2 * CELL_PAD_Y;
      const height = Math.min(natural, maxRow);
      if (doc.y + height > this.bottom) {
        this.newPage();
        this.tableHeader();
      }
      const top = doc.y;
      if (index % 2 === 1) doc.rect(this.left, top, this.width, height).fill(STRIPE);
      let x = this.left;
      cells.forEach((runs, i) => {
        const width = COLUMNS[i].width - 2 * CELL_PAD_X;
        let y = top + CELL_PAD_Y;
        for (const run of runs) {
          const room = top + height - CELL_PAD_Y - y;
          if (room <= 0) break;
          doc
            .font(run.font ?? FONT)
            .fontSize(run.size ?? BODY_SIZE)
            .fillColor(run.color ?? INK)
            .text(toWinAnsi(run.text), x + CELL_PAD_X, y, {
              width,
              lineGap: 1,
              height: room,
              ellipsis: true,
            });
          y = doc.y + 1.5;
        }
        x += COLUMNS[i].width;
      });
      this.rule(top + height);
      doc.y = top + height;
    });
    doc.y += 14;
  }

  closing(): void {
    const { doc, report } = this;
    const text =
      `If something in this list is unclear or looks wrong to you, please contact the Privacy ` +
      `Office of ${report.organisation}. You may ask for this accounting once a year free of charge.`;
    doc.font(FONT).fontSize(9);
    if (doc.y + doc.heightOfString(toWinAnsi(text), { width: this.width }) > this.bottom)
      this.newPage();
    this.write(text, { size: 9, gap: 12 });
  }

  verification(): void {
    const { doc, report } = this;
    const { checkpoint } = report;
    const signatures = noteSignatureLines(checkpoint.note);
    const fields: [string, string][] = [
      ['Ledger', checkpoint.origin],
      ['Tree size', String(checkpoint.treeSize)],
      ['Root hash', checkpoint.rootHash],
      [
        'Signed by key',
        signatures.map((s) => `${s.keyName} (key id ${s.keyId})`).join(', ') || 'unsigned',
      ],
      ['Signature', signatures.map((s) => s.line).join('\n') || 'none'],
      ['Verifier key', checkpoint.verifierKey],
    ];
    const labelWidth = 70;
    const valueWidth = this.width - labelWidth;
    const intro =
      'Every row names its entry in our tamper-evident ledger. The checkpoint below (a Merkle tree ' +
      'size and root hash, RFC 9162) holds all of them and is signed (C2SP signed note): with the ' +
      "verifier key anyone can check the signature, and with the ledger's inclusion proofs that each " +
      'entry is in this tree, so the report cannot be altered unnoticed.';
    doc.font(FONT).fontSize(8.5);
    const needed =
      24 +
      doc.heightOfString(intro, { width: this.width, lineGap: 1.5 }) +
      fields.reduce(
        (sum, [, v]) =>
          sum +
          doc.font(MONO).fontSize(KEY_SIZE).heightOfString(toWinAnsi(v), { width: valueWidth }) +
          KEY_GAP,
        0,
      );
    if (doc.y + needed > this.bottom) this.newPage();

    this.write('How to verify this report', { font: BOLD, size: 11, color: ACCENT, gap: 4 });
    this.write(intro, { size: 8.5, color: INK, gap: 6 });
    for (const [label, value] of fields) {
      const y = doc.y;
      doc
        .font(FONT)
        .fontSize(8)
        .fillColor(MUTED)
        .text(label, this.left, y + 0.5, { width: labelWidth });
      doc
        .font(MONO)
        .fontSize(KEY_SIZE)
        .fillColor(INK)
        .text(toWinAnsi(value), this.left + labelWidth, y, { width: valueWidth });
      doc.y += KEY_GAP;
    }
  }

  /** Footers go on last, when the page count is known. */
  footers(): void {
    const { doc, report } = this;
    const { checkpoint } = report;
    const signature = noteSignatureLines(checkpoint.note)[0];
    const lines = [
      `Produced at ledger checkpoint ${checkpoint.origin}, tree size ${checkpoint.treeSize}, root hash ${checkpoint.rootHash}`,
      `Signature: ${signature?.line ?? 'none'}`,
      `Verifier key: ${checkpoint.verifierKey}`,
    ];
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i += 1) {
      doc.switchToPage(i);
      // Writing below the bottom margin would start a new page: lift it while drawing.
      const margin = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      const top = doc.page.height - MARGIN.bottom + 22;
      this.rule(top);
      doc.font(BOLD).fontSize(8).fillColor(INK);
      doc.text(`Page ${i - range.start + 1} of ${range.count}`, this.left, top + 5, {
        width: this.width,
        align: 'right',
        lineBreak: false,
      });
      lines.forEach((line, n) => {
        // A long origin must not run into the margin: shrink the line to fit instead.
        const room = this.width - 62;
        const natural = doc.font(FONT).fontSize(FOOTER_SIZE).widthOfString(toWinAnsi(line));
        const size = natural > room ? (FOOTER_SIZE * room) / natural : FOOTER_SIZE;
        doc.fontSize(size).fillColor(MUTED);
        doc.text(toWinAnsi(line), this.left, top + 5 + n * 8.5, { width: room, lineBreak: false });
      });
      doc.page.margins.bottom = margin;
    }
  }

  finish(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    return new Promise((resolve, reject) => {
      this.doc.on('data', (chunk: Buffer) => chunks.push(chunk));
      this.doc.on('end', () => resolve(Buffer.concat(chunks)));
      this.doc.on('error', reject);
      this.doc.end();
    });
  }
}

/**
 * The report as a PDF letter (A4). pdfkit is loaded on first use: it takes a noticeable
 * time and memory to load, and most importers of this library never print.
 */
export async function renderAccountingReportPdf(
  report: AccountingReport,
  options: PdfRenderOptions = {},
): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const pdf = new ReportPdf(PDFDocument, report, options);
  pdf.letterhead();
  pdf.introduction();
  pdf.table();
  pdf.closing();
  pdf.verification();
  pdf.footers();
  return pdf.finish();
}
