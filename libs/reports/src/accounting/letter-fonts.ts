import { readFileSync } from 'node:fs';
import { isWinAnsi, toWinAnsi } from './win-ansi-text';

// The letters name vendors, addresses, datasets and legal grounds in whatever script they
// were recorded in. Text that Windows-1252 holds is drawn in the standard fonts as before
// (Helvetica, Courier: nothing embedded, the same look). Any other character falls back, per
// run of text, to the first of these fonts that has a glyph for it (fontkit's
// hasGlyphForCodePoint); PDFKit embeds only the glyphs used (a subset). Right-to-left runs
// are put in display order per line with the Unicode bidi algorithm (bidi-js); fontkit
// shapes Arabic and draws an RTL run right to left. A character no font has (an emoji, a bidi
// override, a control) is reduced by toWinAnsi, as before: a base letter, a space or "?".
//
// The fonts are Noto Sans, Sans Arabic and Sans Hebrew (SIL Open Font License 1.1) from
// Debian's fonts-noto-core, and for Chinese, Japanese and Korean Droid Sans Fallback (Apache
// 2.0) from fonts-droid-fallback (.ci/run and the Dockerfile install them). Droid is
// TrueType (glyf outlines): fontkit subsets it in milliseconds to a few KB, where Noto Sans
// CJK (a 20 MB CFF collection) cost about 0.4 s and 45 KB per face in every letter. Its
// DroidSansFallbackFull.ttf has the unified Han characters (Extension A too) and kana, but
// no hangul; DroidSansFallback.ttf, beside it in the package, has the hangul. Droid has one
// weight (bold CJK text is drawn stroked, a synthetic bold) and one shape per unified Han character (no
// Japanese or Korean glyph variants). Where a file is missing, its scripts fall back to "?"
// as they did before: the letter is still produced.
//
// Each file is read and parsed (fontkit.create) once per thread, and the document being drawn
// is handed the parsed fonts: decoding a Noto font's tables again for every letter cost a
// Polish or Greek letter about 57 ms against 14. fontkit caches each glyph with the code points
// of its first request, and its subsetter requests the components of composite glyphs with
// none: a glyph cache kept from one letter to the next lost such a character from a later
// letter's ToUnicode map (pdftotext dropped the Arabic sad). So each document starts with the
// glyph caches emptied, as a fresh parse has them, and only one document at a time draws with
// the shared fonts: PDFKit lays out and subsets from the first text to end(), and a document
// begun while another is still open parses its own copies, as every letter did before.

type Doc = PDFKit.PDFDocument;

interface FallbackFont {
  /** Name registered on each document. */
  name: string;
  path: string;
  /** A font with one weight, drawn in bold text with its outline stroked too. */
  strokeBold?: boolean;
}

const NOTO = '/usr/share/fonts/truetype/noto';
const DROID_FULL = '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf';
const DROID_HANGUL = '/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf';

function fallbacks(weight: 'Regular' | 'Bold'): FallbackFont[] {
  return [
    { name: `scantrail-noto-${weight}`, path: `${NOTO}/NotoSans-${weight}.ttf` },
    { name: `scantrail-arabic-${weight}`, path: `${NOTO}/NotoSansArabic-${weight}.ttf` },
    { name: `scantrail-hebrew-${weight}`, path: `${NOTO}/NotoSansHebrew-${weight}.ttf` },
    { name: 'scantrail-cjk', path: DROID_FULL, strokeBold: weight === 'Bold' },
    { name: 'scantrail-hangul', path: DROID_HANGUL, strokeBold: weight === 'Bold' },
  ];
}

interface LoadedFont extends FallbackFont {
  data: Buffer;
  /** The parsed font, handed to one document at a time (see above). */
  face: FontkitFont;
  hasGlyph(codePoint: number): boolean;
}

type FontkitFont = {
  hasGlyphForCodePoint(codePoint: number): boolean;
  /** fontkit's glyph cache (by glyph id), kept with the code points of each glyph's first request. */
  _glyphs: Record<number, unknown>;
};

let loaded: Map<string, LoadedFont[]> | undefined;

/** Fonts are read and parsed once per thread, on its first letter; a file once for both weights. */
function loadFonts(): Map<string, LoadedFont[]> {
  if (loaded) return loaded;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fontkit = require('fontkit') as { create(buffer: Buffer): FontkitFont };
  type Parsed = Pick<LoadedFont, 'data' | 'face' | 'hasGlyph'>;
  const files = new Map<string, Parsed | null>();
  const open = (path: string): Parsed | null => {
    if (!files.has(path)) {
      let data: Buffer;
      try {
        data = readFileSync(path);
      } catch {
        files.set(path, null);
        return null;
      }
      const face = fontkit.create(data);
      const cmap = new Map<number, boolean>();
      files.set(path, {
        data,
        face,
        hasGlyph: (cp) => {
          let has = cmap.get(cp);
          if (has === undefined) cmap.set(cp, (has = face.hasGlyphForCodePoint(cp)));
          return has;
        },
      });
    }
    return files.get(path) ?? null;
  };
  loaded = new Map();
  for (const weight of ['Regular', 'Bold'] as const) {
    const fonts: LoadedFont[] = [];
    for (const font of fallbacks(weight)) {
      const parsed = open(font.path);
      if (parsed !== null) fonts.push({ ...font, ...parsed });
    }
    loaded.set(weight, fonts);
  }
  return loaded;
}

/** The document drawing with the parsed fonts now, until its end(). */
let sharedBy: Doc | undefined;

/**
 * Hands `doc` the parsed fonts, their glyph caches emptied, when no other document has them;
 * they come back when `doc` ends. False: another document is open, and `doc` parses its own.
 */
function takeSharedFonts(doc: Doc, fonts: Map<string, LoadedFont[]>): boolean {
  if (sharedBy !== undefined) return false;
  sharedBy = doc;
  for (const list of fonts.values()) for (const f of list) f.face._glyphs = {};
  const end = doc.end.bind(doc);
  doc.end = () => {
    if (sharedBy === doc) sharedBy = undefined;
    return end();
  };
  return true;
}

/**
 * For a thread that draws one letter at a time, before each: a letter that failed half-way
 * never reached end(), and must not keep the next ones parsing their own fonts.
 */
export function releaseLetterFonts(): void {
  sharedBy = undefined;
}

/** Reads and parses the fonts now (a render thread, as it starts) rather than on the first letter. */
export function loadLetterFonts(): void {
  loadFonts();
}

/** Bidi controls are the letter's to decide: shown as "?" (toWinAnsi), never obeyed. */
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** Text the letter can draw: each character kept if a font has it, else as toWinAnsi has it. */
export function drawableText(text: string): string {
  const fonts = loadFonts().get('Regular') ?? [];
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || isWinAnsi(ch)) out += ch;
    else if (/\p{Cc}/u.test(ch) || BIDI_CONTROL.test(ch) || /\p{Cs}/u.test(ch))
      out += toWinAnsi(ch);
    else if (fonts.some((f) => f.hasGlyph(cp))) out += ch;
    else out += toWinAnsi(ch);
  }
  return out;
}

interface Run {
  text: string;
  /** Index into the document's fallbacks; -1 for the standard font in use. */
  font: number;
  level: number;
}

const STANDARD_BOLD = /Bold/;

type BidiApi = {
  getEmbeddingLevels(text: string, direction: 'ltr' | 'rtl'): { levels: Uint8Array };
};

let bidi: BidiApi | undefined;
function bidiApi(): BidiApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  bidi ??= (require('bidi-js') as () => BidiApi)();
  return bidi;
}

type PdfFont = { name?: string; ascender: number };
type DocInternals = Doc & {
  _font: PdfFont;
  _fontSize: number;
  _fillColor?: [PDFKit.Mixins.ColorValue, number?];
  _fragment(text: string, x: number, y: number, options: Record<string, unknown>): void;
};

/**
 * Lets `doc` draw any text drawableText returns: each line is split into runs by font
 * coverage and bidi level; widths (so wrapping, cutting with an ellipsis, aligning) add up
 * the runs. Text of the standard font alone is drawn exactly as before.
 */
export function useLetterFonts(document: Doc): void {
  const doc = document as DocInternals;
  const fonts = loadFonts();
  const opened = new Map<string, PdfFont>();
  const shared = takeSharedFonts(doc, fonts);
  for (const list of fonts.values()) {
    for (const f of list) doc.registerFont(f.name, shared ? (f.face as unknown as Buffer) : f.data);
  }
  const fallbackFor = (): LoadedFont[] => {
    const name = doc._font.name ?? '';
    return fonts.get(STANDARD_BOLD.test(name) ? 'Bold' : 'Regular') ?? [];
  };
  const pdfFont = (font: LoadedFont): PdfFont => {
    let f = opened.get(font.name);
    if (!f) {
      const current = doc._font;
      doc.font(font.name);
      f = doc._font;
      doc._font = current;
      opened.set(font.name, f);
    }
    return f;
  };

  /** Runs of one font each, in logical order. */
  const fontRuns = (text: string, list: LoadedFont[]): Run[] => {
    const runs: Run[] = [];
    let current: Run | undefined;
    const covers = (font: number, ch: string): boolean =>
      font === -1 ? isWinAnsi(ch) || ch === '\n' : list[font].hasGlyph(ch.codePointAt(0) ?? 0);
    for (const ch of text) {
      // Letters the standard font has stay in it (the letter's look); spaces, digits and
      // punctuation stay with the run they are in, so an Arabic or CJK phrase is one run.
      const standard = covers(-1, ch) && /\p{L}/u.test(ch);
      if (current && covers(current.font, ch) && (current.font === -1 || !standard)) {
        current.text += ch;
        continue;
      }
      const font = covers(-1, ch) ? -1 : list.findIndex((_, i) => covers(i, ch));
      if (current && current.font === font) current.text += ch;
      else runs.push((current = { text: ch, font, level: 0 }));
    }
    return runs;
  };

  const plain = (runs: Run[]): boolean => runs.every((r) => r.font === -1);

  const originalWidth = doc.widthOfString.bind(doc);
  doc.widthOfString = (text: string, options?: PDFKit.Mixins.TextOptions): number => {
    const list = fallbackFor();
    const runs = fontRuns(text, list);
    if (plain(runs)) return originalWidth(text, options);
    const primary = doc._font;
    let width = 0;
    for (const run of runs) {
      if (run.font !== -1) doc._font = pdfFont(list[run.font]);
      width += originalWidth(run.text, options);
      doc._font = primary;
    }
    return width;
  };

  const originalFragment = doc._fragment.bind(doc);
  doc._fragment = (text, x, y, options) => {
    const line = `${text}`.replace(/\n/g, '');
    const list = fallbackFor();
    const byFont = fontRuns(line, list);
    if (line.length === 0 || plain(byFont)) {
      originalFragment(text, x, y, options);
      return;
    }
    // Split the font runs where the bidi level changes, then order them for display (L2).
    // The letters are in English: every line is a left-to-right paragraph.
    const { levels } = bidiApi().getEmbeddingLevels(line, 'ltr');
    const runs: Run[] = [];
    let offset = 0;
    for (const run of byFont) {
      for (const ch of run.text) {
        const level = levels[offset];
        offset += ch.length;
        const last = runs[runs.length - 1];
        if (last && last.font === run.font && last.level === level) last.text += ch;
        else runs.push({ text: ch, font: run.font, level });
      }
    }
    const highest = Math.max(...runs.map((r) => r.level));
    const lowestOdd = Math.min(...runs.map((r) => r.level).filter((l) => l % 2 === 1), highest + 1);
    for (let level = highest; level >= lowestOdd; level -= 1) {
      for (let i = 0; i < runs.length;) {
        if (runs[i].level < level) {
          i += 1;
          continue;
        }
        let j = i;
        while (j < runs.length && runs[j].level >= level) j += 1;
        runs.splice(i, j - i, ...runs.slice(i, j).reverse());
        i = j;
      }
    }
    const primary = doc._font;
    const size = doc._fontSize;
    const baseline = -(primary.ascender / 1000) * size;
    const total = doc.widthOfString(line.replace(/\s+$/, ''), options);
    const align = (options.align as string | undefined) ?? 'left';
    const lineWidth = (options.lineWidth as number | undefined) ?? 0;
    let at = x;
    if (options.width && align === 'right') at += lineWidth - total;
    else if (options.width && align === 'center') at += lineWidth / 2 - total / 2;
    for (const run of runs) {
      const font = run.font === -1 ? primary : pdfFont(list[run.font]);
      // fontkit draws a run of an RTL script right to left; other text at an odd level
      // (spaces, digits' neighbours, punctuation) is turned here.
      const rtlScript = /[\p{Script=Arabic}\p{Script=Hebrew}]/u.test(run.text);
      const shown =
        run.level % 2 === 1 && (run.font === -1 || !rtlScript)
          ? [...run.text].reverse().join('')
          : run.text;
      doc._font = font;
      const width = originalWidth(shown, options);
      // Droid has no bold: a bold run is filled and stroked in its fill colour (synthetic
      // bold, as browsers do), inside save/restore so the stroke state does not leak.
      const strokeBold = run.font !== -1 && list[run.font].strokeBold === true;
      if (strokeBold) {
        doc.save();
        doc.strokeColor(...(doc._fillColor ?? (['black'] as const)));
        doc.lineWidth(size / 30);
      }
      originalFragment(shown, at, y, {
        ...options,
        align: 'left',
        baseline,
        textWidth: width,
        wordCount: shown.trim() ? shown.trim().split(/\s+/).length : 0,
        ...(strokeBold ? { fill: true, stroke: true } : {}),
      });
      if (strokeBold) doc.restore();
      doc._font = primary;
      at += width;
    }
  };
}
