// A render thread of LetterPool (piscina loads this file): one letter at a time. PDFKit and
// the fonts are loaded as the thread starts, so its first letter does not wait for them.
import 'pdfkit';
import { loadLetterFonts, releaseLetterFonts } from '../accounting/letter-fonts';
import { renderLetter, type LetterJob } from './letter-job';

loadLetterFonts();

export default function drawLetter(job: LetterJob): Promise<Uint8Array> {
  releaseLetterFonts();
  return renderLetter(job);
}
