import { inflateSync } from 'node:zlib';
import type { BreachReport, DeletionRequestReport } from './patient-rights-report';
import { renderBreachSummaryPdf, renderDeletionRequestPdf } from './patient-rights-report.pdf';
import { exampleBreachReport } from '../testing/breach-report.example';
import { exampleDeletionRequestReport } from '../testing/deletion-request-report.example';

/** The pages of a PDF (page streams deflated), each as the text of its TJ operators. */
function pdfPages(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  return [...raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)]
    .map((m) => {
      const bytes = Buffer.from(m[1], 'latin1');
      try {
        return inflateSync(bytes).toString('latin1');
      } catch {
        return bytes.toString('latin1');
      }
    })
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

const letter = (address: string): DeletionRequestReport =>
  exampleDeletionRequestReport(
    [
      { vendorId: 'vnd-a', studyInstanceUid: '1.2.826.0.1.4', name: 'Acme AI', address },
      { vendorId: 'vnd-b', studyInstanceUid: '1.2.826.0.1.5', name: 'Beta Cloud', address: null },
    ],
    { checkpoint: CHECKPOINT },
  );

describe('renderDeletionRequestPdf', () => {
  it('should keep each holder on the same page as its study and status when its address is very long', async () => {
    // Attack: a vendor registers itself with a 5,400-character address (vendor.registered
    // bounds neither name nor address). The letter's grid wrote the holder cell with
    // pdfkit's flowing text, which ran on over two more pages, then wrote the row's other
    // cells at the row's first y on the page the flow ended on: on main the patient saw
    // "Acme AI" on page 1 and its study, "Not yet confirmed" and "-" on page 3, printed over
    // the address. Reproduce: renderDeletionRequestPdf with this letter.
    const pages = pdfPages(await renderDeletionRequestPdf(letter('Suite 1, '.repeat(600))));
    for (const [name, uid] of [
      ['Acme AI', '1.2.826.0.1.4'],
      ['Beta Cloud', '1.2.826.0.1.5'],
    ]) {
      const namePage = pages.findIndex((page) => page.includes(name));
      const uidPage = pages.findIndex((page) => page.includes(uid));
      expect({ name, page: uidPage }).toEqual({ name, page: namePage });
    }
  });

  it('should show every holder, study and status of a short letter on its first page', async () => {
    const [first] = pdfPages(await renderDeletionRequestPdf(letter('1 Main St')));
    for (const text of ['Acme AI', '1 Main St', '1.2.826.0.1.4', 'Beta Cloud', '1.2.826.0.1.5']) {
      expect(first).toContain(text);
    }
  });
});

const CHECKPOINT = {
  origin: 'hospital.example/ledger',
  treeSize: 6,
  rootHash: 'AAAA',
  note: 'hospital.example/ledger\n6\nAAAA\n\n\u2014 k abc=\n',
  verifierKey: 'k+1+abc',
};

const breach = (vendorName: string, description: string): BreachReport =>
  exampleBreachReport(vendorName, description, CHECKPOINT);

describe('renderBreachSummaryPdf', () => {
  it('should stay one page with its deadlines when the vendor name and description are very long', async () => {
    // Attack: vendor.registered bounds no name and breach.reported no description. With
    // 5,000 characters in each (no space, as a hostile vendor registers itself), pdfkit flowed
    // the opening paragraph over three pages: on main the "one-page summary with the three
    // notice deadlines" (README) was 4 pages, its counts and deadlines on page 4 (20 pages
    // with 30,000 characters). Reproduce: renderBreachSummaryPdf with this breach.
    const wall = (what: string): string => `${what} 😈 ${'W'.repeat(5_000)}`;
    const pages = pdfPages(await renderBreachSummaryPdf(breach(wall('Acme'), wall('Bucket'))));
    expect(pages.length).toBe(1);
    for (const text of ['Individuals', '2024-07-09 00:00 UTC', 'HHS', '2025-03-01 23:59 UTC']) {
      expect(pages[0]).toContain(text);
    }
    // What is cut says so: an ellipsis (WinAnsi 0x85) after the W's shown.
    expect(pages[0]).toMatch(/W+\x85/);
  });

  it('should show a short vendor name and description whole', async () => {
    const pages = pdfPages(
      await renderBreachSummaryPdf(breach('Acme AI', 'Misconfigured storage bucket.')),
    );
    expect(pages).toHaveLength(1);
    const text = pages[0].replace(/\n/g, ' ');
    expect(text).toContain('Acme AI (vnd-a) reported a breach');
    expect(text).toContain('Misconfigured storage bucket.');
  });
});
