// Renders the example accounting report (exampleAccountingReport in @scantrail/reports/testing)
// to a PDF and its first pages to PNG with Poppler's pdftoppm, to look at the layout and
// to refresh docs/report-example. Not a test: run it by hand, see
// docs/report-example/README.md.
//   usage: render-example [out-dir=docs/report-example] [entries=7] [dpi=100] [pages=1]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleAccountingReport } from '@scantrail/reports/testing';
import { renderAccountingReportPdf } from '@scantrail/reports';

function havePdftoppm(): boolean {
  try {
    execFileSync('pdftoppm', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The page tree's count (pdfkit compresses page contents, never the object dictionaries). */
function pageCount(pdf: Buffer): number {
  const counts = [...pdf.toString('latin1').matchAll(/\/Type \/Pages\s*\/Count (\d+)/g)];
  return counts.length === 0 ? 1 : Number(counts[0][1]);
}

async function main(): Promise<void> {
  const [outDir = 'docs/report-example', entries = '7', dpi = '100', pages = '1'] =
    process.argv.slice(2);
  mkdirSync(outDir, { recursive: true });
  const pdf = await renderAccountingReportPdf(exampleAccountingReport(Number(entries)));
  const pdfPath = join(outDir, 'accounting-report.pdf');
  writeFileSync(pdfPath, pdf);
  process.stdout.write(`wrote ${pdfPath}\n`);
  if (!havePdftoppm()) {
    process.stderr.write(
      'pdftoppm not found: install Poppler (Debian: apt-get install -y poppler-utils) to render PNG pages\n',
    );
    process.exitCode = 1;
    return;
  }
  const last = Math.min(pageCount(pdf), pages === 'all' ? Infinity : Number(pages));
  for (let page = 1; page <= last; page += 1) {
    const prefix = join(outDir, `accounting-report-page${page}`);
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      dpi,
      '-f',
      `${page}`,
      '-l',
      `${page}`,
      '-singlefile',
      pdfPath,
      prefix,
    ]);
    process.stdout.write(`wrote ${prefix}.png at ${dpi} dpi\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
});
