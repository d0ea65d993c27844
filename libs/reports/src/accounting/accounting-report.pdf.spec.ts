import { exampleAccountingReport } from '../testing/accounting-report.example';
import { pdfText } from '../testing/pdf-text';
import { renderAccountingReportPdf } from './accounting-report.pdf';

/** The pages of an uncompressed PDF, each as the text of its TJ operators (one per line). */
function pdfPages(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  const streams = [...raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)].map((m) => m[1]);
  return streams
    .filter((s) => s.includes(' TJ'))
    .map((s) =>
      [...s.matchAll(/\[((?:<[0-9a-f]*>|[-\d.\s])*)\] TJ/g)]
        .map((tj) =>
          [...tj[1].matchAll(/<([0-9a-f]*)>/g)]
            .map((h) => Buffer.from(h[1], 'hex').toString('latin1'))
            .join(''),
        )
        .join('\n'),
    );
}

function pageCount(pdf: Buffer): number {
  const m = /\/Type \/Pages\s*\/Count (\d+)/.exec(pdf.toString('latin1'));
  if (m === null) throw new Error('no page tree');
  return Number(m[1]);
}

describe('renderAccountingReportPdf', () => {
  it('should produce a PDF document when given the example report', async () => {
    const pdf = await renderAccountingReportPdf(exampleAccountingReport());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toContain('%%EOF');
  });

  it('should show the organisation, patient, period, entries and checkpoint when rendered', async () => {
    const report = exampleAccountingReport();
    const text = pdfPages(await renderAccountingReportPdf(report, { compress: false })).join('\n');
    for (const expected of [
      'scantrail demo hospital',
      'urn:oid:2.16.840.1.113883.3.7|MRN-004211',
      '2018-01-01 to 2024-12-31',
      '7 disclosures and onward transfers, 2 of them required in the HIPAA accounting',
      'Acme Imaging AI',
      'Training an AI',
      'Passed on by',
      'Yes',
      '(exempt)',
      `tree size ${report.checkpoint.treeSize}`,
      report.checkpoint.rootHash,
      report.checkpoint.verifierKey,
      'Page 1 of 2',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it.each([
    [1, 1],
    [7, 2],
    [40, 5],
    [120, 12],
  ])(
    'should number every page, repeat the table header and draw each row once when %i entries fill %i pages',
    async (entries, pages) => {
      const report = exampleAccountingReport(entries);
      const pdf = await renderAccountingReportPdf(report, { compress: false });
      const texts = pdfPages(pdf);
      expect(pageCount(pdf)).toBe(pages);
      expect(texts).toHaveLength(pages);
      texts.forEach((text, i) => {
        expect(text).toContain(`Page ${i + 1} of ${pages}`);
        expect(text).toContain('Verifier key:');
      });
      // The table header is on every page that holds rows.
      const withRows = texts.filter((t) => t.includes('Acme Imaging AI'));
      withRows.forEach((text) => expect(text).toContain('What was disclosed'));
      const lines = texts
        .join('\n')
        .split('\n')
        .map((line) => line.trim());
      for (const entry of report.entries) {
        expect(lines.filter((line) => line === String(entry.ledgerSequence))).toHaveLength(1);
      }
    },
  );

  it('should wrap a long recipient name over several lines when it does not fit its column', async () => {
    const text = pdfPages(
      await renderAccountingReportPdf(exampleAccountingReport(), { compress: false }),
    ).join('\n');
    const lines = text.split('\n').map((line) => line.trim());
    // Drawn in pieces, never as one overflowing line.
    expect(text).not.toContain('Research Partner University, Department');
    expect(lines).toEqual(expect.arrayContaining(['Research Partner', 'Radiology']));
  });

  it('should say in plain words that a copy sent as de-identified failed inspection', async () => {
    const report = exampleAccountingReport();
    const [first, ...rest] = report.entries;
    if (!first) throw new Error('example has no entries');
    const failed = {
      ...report,
      entries: [{ ...first, exempt: false, failedInspection: true }, ...rest],
    };
    const text = pdfPages(await renderAccountingReportPdf(failed, { compress: false }))
      .join('\n')
      .replace(/\n/g, ' ');
    expect(text).toMatch(/Yes \(failed\s+inspection\)/);
    expect(text).toMatch(/One copy sent as de-identified did not pass when\s+we read the files/);
    expect(text).toMatch(/We do not treat it as de-identified/);
    const plain = pdfPages(await renderAccountingReportPdf(report, { compress: false })).join(' ');
    expect(plain).not.toContain('failed inspection');
  });

  it('should say that nothing was disclosed when the report has no entries', async () => {
    const report = { ...exampleAccountingReport(), entries: [] };
    const texts = pdfPages(await renderAccountingReportPdf(report, { compress: false }));
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('No disclosure or onward transfer');
    expect(texts[0]).not.toContain('What was disclosed');
  });

  it('should draw characters outside WinAnsi in a font that has them when a name has them', async () => {
    const report = exampleAccountingReport(1);
    const entry = { ...report.entries[0], recipientName: 'Őrség Képalkotó 北京' };
    const text = pdfText(await renderAccountingReportPdf({ ...report, entries: [entry] }));
    expect(text).toContain('Őrség Képalkotó 北京');
  });

  it('should cut a row at about one page with an ellipsis when its text is absurdly long', async () => {
    const report = exampleAccountingReport(3);
    const huge = 'a very long description '.repeat(900);
    const entries = report.entries.map((e) => ({ ...e, description: huge }));
    const pdf = await renderAccountingReportPdf({ ...report, entries }, { compress: false });
    // The introduction, then a page per row, then the verification section.
    expect(pageCount(pdf)).toBe(5);
    // WinAnsi 0x85 is the ellipsis.
    expect(pdfPages(pdf).join('\n')).toContain('\x85');
  });
});
