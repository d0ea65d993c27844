// The PDF uses the 14 standard fonts (nothing to embed or ship), whose encoding is
// WinAnsi: Latin-1 plus a few typographic signs. Other characters would be drawn as
// garbage, so they are reduced to their base letter where one exists ("ł" stays "?",
// "ő" becomes "o") and otherwise shown as "?". The CSV and FHIR exports keep the exact text.

const WIN_ANSI_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const COMBINING_MARK = /\p{M}/gu;

export function isWinAnsi(ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0;
  return (
    (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.has(ch)
  );
}

/** Text that the standard PDF fonts can draw: line breaks kept, other controls as spaces. */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    if (ch === '\n') out += ch;
    else if (isWinAnsi(ch)) out += ch;
    else if (/\p{Cc}/u.test(ch)) out += ' ';
    else {
      const base = ch.normalize('NFKD').replace(COMBINING_MARK, '');
      out += base !== '' && [...base].every(isWinAnsi) ? base : '?';
    }
  }
  return out;
}
