import PDFDocument from 'pdfkit';
import { renderLetter } from '../letters/letter-job';
import { scriptLetterJobs, withoutDrawingTime } from '../testing/script-letters';
import { useLetterFonts } from './letter-fonts';

// The fonts are parsed once per thread and handed to one document at a time, their glyph
// caches emptied. Kept from one letter to the next, fontkit's cache had a later letter lose
// characters from its text layer (the Arabic sad, after a letter whose subset took the glyph
// as a component). A letter drawn after all the others, in any order, must be byte for byte
// the letter drawn with fonts parsed for it alone.

const letters = scriptLetterJobs();

/** Each letter drawn with fonts of its own: another document holds the shared ones meanwhile. */
async function drawnAlone(): Promise<Map<string, string>> {
  const holder = new PDFDocument();
  useLetterFonts(holder);
  const alone = new Map<string, string>();
  for (const { name, job } of letters) alone.set(name, withoutDrawingTime(await renderLetter(job)));
  holder.end();
  return alone;
}

describe('letters drawn with the fonts parsed once', () => {
  let alone: Map<string, string>;

  beforeAll(async () => {
    alone = await drawnAlone();
  }, 60_000);

  it.each([
    ['in order', letters],
    ['in reverse order', [...letters].reverse()],
    [
      'each after a breach summary in every other script',
      letters.flatMap((l) => [...letters.slice(2), l]),
    ],
  ])(
    'should draw every letter as with fonts of its own when drawn %s after the others',
    async (_, sequence) => {
      for (const { name, job } of sequence) {
        expect({ name, pdf: withoutDrawingTime(await renderLetter(job)) }).toEqual({
          name,
          pdf: alone.get(name),
        });
      }
    },
    120_000,
  );

  it('should draw a letter begun while another is open with fonts of its own', async () => {
    const [first, second] = letters;
    const open = new PDFDocument();
    useLetterFonts(open);
    open.font('scantrail-arabic-Regular').text('شركة التصوير الطبي');
    const pdf = withoutDrawingTime(await renderLetter(second.job));
    open.end();
    expect(pdf).toEqual(alone.get(second.name));
    expect(withoutDrawingTime(await renderLetter(first.job))).toEqual(alone.get(first.name));
  });
});
