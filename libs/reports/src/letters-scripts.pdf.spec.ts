import { join } from 'node:path';
import { renderAccountingReportPdf } from './accounting/accounting-report.pdf';
import { renderLetter } from './letters/letter-job';
import { exampleAccountingReport } from './testing/accounting-report.example';
import { pdfText, renderFirstPage } from './testing/pdf-text';
import { scriptLetterJobs } from './testing/script-letters';
import { SCRIPT_SAMPLES } from './testing/script-samples';

// Attack: a Japanese hospital's letter named its vendor 株式会社ディープスキャン as
// "???????????" (the letters drew Helvetica only, WinAnsi). Each value below goes into
// each letter, the PDF is read back with Poppler's pdftotext (not PDFKit), and the value
// must be there as recorded. Right-to-left values are checked word by word: pdftotext gives
// each word in logical order (it orders a word's glyphs by their position on the page, so a
// word drawn left to right would come out reversed), but how it orders the words of a line
// that mixes directions is its own heuristic (it splits at an Arabic comma, for one), so the
// order of the words on the page and Arabic shaping are looked at in
// test/artifacts/letter-scripts.png, not asserted. Spaces, line breaks and pdftotext's
// embedding marks are ignored (a value may wrap in its column); no "?" may stand in for a
// character.

const squeeze = (text: string): string => text.replace(/[\s\u202a-\u202e]+/g, '');

function expectShown(text: string, value: string, rtl = false): void {
  const words = rtl ? value.split(/[\s,،]+/).filter((w) => w !== '') : [value];
  for (const word of words) expect(squeeze(text)).toContain(squeeze(word));
}

describe('the letters in the scripts vendors are named in', () => {
  let accounting: string;
  let deletion: string;
  const breaches = new Map<string, string>();

  beforeAll(async () => {
    // The accounting and deletion letters naming every sample, a breach summary per script.
    for (const { job, script } of scriptLetterJobs()) {
      const text = pdfText(await renderLetter(job));
      if (job.kind === 'accounting') accounting = text;
      else if (job.kind === 'deletion-request') deletion = text;
      else breaches.set(script ?? '', text);
    }
  }, 60_000);

  describe.each(SCRIPT_SAMPLES.map((s) => [s.script, s] as const))('%s', (_, sample) => {
    it('should name the recipient and its address in the accounting letter', () => {
      expectShown(accounting, sample.name, sample.rtl);
      expectShown(accounting, sample.address, sample.rtl);
    });

    it('should name the holder and its address in the deletion letter', () => {
      expectShown(deletion, sample.name, sample.rtl);
      expectShown(deletion, sample.address, sample.rtl);
    });

    it('should name the vendor and the description in the breach summary', () => {
      const text = breaches.get(sample.script) ?? '';
      expectShown(text, sample.name, sample.rtl);
      expectShown(text, `Bucket of ${sample.address}`, sample.rtl);
      expect(text).not.toContain('?');
    });
  });

  it('should show a legal ground with Latin diacritics in the deletion letter', () => {
    expectShown(deletion, 'RGPD art. 17, droit à l’effacement');
  });

  it('should replace no character by "?" in the accounting and deletion letters', () => {
    expect(accounting).not.toContain('?');
    expect(deletion).not.toContain('?');
  });

  it('should show a Japanese and an Arabic vendor on a letter a patient can read (test/artifacts/letter-scripts.png)', async () => {
    const report = exampleAccountingReport(2);
    const [japanese, arabic] = ['Japanese', 'Arabic'].map((script) => {
      const sample = SCRIPT_SAMPLES.find((s) => s.script === script);
      if (!sample) throw new Error(script);
      return sample;
    });
    const entries = report.entries.map((e, i) => ({
      ...e,
      recipientName: [japanese, arabic][i].name,
      recipientAddress: [japanese, arabic][i].address,
    }));
    const pdf = await renderAccountingReportPdf({
      ...report,
      organisation: '東京さくら総合病院',
      entries,
    });
    renderFirstPage(
      pdf,
      join(__dirname, '..', '..', '..', 'test', 'artifacts', 'letter-scripts.png'),
    );
    const text = pdfText(pdf);
    for (const value of ['東京さくら総合病院', japanese.name]) expectShown(text, value);
    expectShown(text, arabic.name, true);
  });
});
