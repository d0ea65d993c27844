import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// Reads a PDF the way a patient's viewer does, with a tool that is not PDFKit: Poppler's
// pdftotext (Debian poppler-utils, installed by .ci/run). Renders pages to PNG likewise.

function withPdf<T>(pdf: Buffer, use: (path: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'scantrail-pdf-'));
  try {
    const path = join(dir, 'letter.pdf');
    writeFileSync(path, pdf);
    return use(path, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of every page as pdftotext extracts it (UTF-8, pages split by form feeds). */
export function pdfText(pdf: Buffer): string {
  return withPdf(pdf, (path) =>
    execFileSync('pdftotext', ['-enc', 'UTF-8', path, '-'], { encoding: 'utf8' }),
  );
}

/** Page 1 as a PNG (pdftoppm), written to `out`. */
export function renderFirstPage(pdf: Buffer, out: string, dpi = 80): void {
  withPdf(pdf, (path, dir) => {
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      String(dpi),
      '-f',
      '1',
      '-l',
      '1',
      '-singlefile',
      path,
      join(dir, 'page'),
    ]);
    mkdirSync(dirname(out), { recursive: true });
    copyFileSync(join(dir, 'page.png'), out);
  });
}
