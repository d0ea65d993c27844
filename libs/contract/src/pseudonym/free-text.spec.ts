import fc from 'fast-check';
import {
  foldedCase,
  MAX_REDACTED_CHARS,
  RedactedTextTooLarge,
  replaceMentions,
  sameIdentifier,
} from './free-text';

const X = (): string => '<x>';

/** The same replacement by the simplest means: every position, left to right. */
function naive(text: string, value: string): string {
  const t = foldedCase(text);
  const v = foldedCase(value.trim());
  if (v === '') return text;
  let out = '';
  let i = 0;
  let replaced = false;
  while (i < text.length) {
    if (t.startsWith(v, i)) {
      out += '<x>';
      i += v.length;
      replaced = true;
    } else {
      out += text[i];
      i += 1;
    }
  }
  return replaced ? out : text;
}

describe('replaceMentions', () => {
  it('should replace what a plain left-to-right search finds, for any text over a small alphabet', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[abAB]{0,40}$/),
        fc.stringMatching(/^[abAB]{4,6}$/),
        (text, value) => {
          expect(replaceMentions(text, value, X)).toBe(naive(text, value));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('should find the identifier in a text built to make a naive search quadratic', () => {
    // indexOf takes haystack x needle on this shape: 39 s for a megabyte's message.
    const value = `${'a'.repeat(999)}b${'a'.repeat(19_000)}`;
    const text = `${'a'.repeat(40_000)}${value.toUpperCase()}`;
    expect(replaceMentions(text, value, X)).toBe(`${'a'.repeat(40_000)}<x>`);
    expect(replaceMentions('a'.repeat(500_000), value, X)).toBe('a'.repeat(500_000));
  });

  it('should fold the final sigma like any sigma, also around a character whose lower case is longer', () => {
    expect(replaceMentions('see ABCΣ now', 'abcσ', X)).toBe('see <x> now');
    expect(replaceMentions('οδοσ12', 'ΟΔΟΣ12', X)).toBe('<x>');
    expect(replaceMentions('ref ΑΒΓΣΔ', 'ΑΒΓΣ', X)).toBe('ref <x>Δ');
    expect(replaceMentions('İ ABCΣ', 'ABCΣ', X)).toBe('İ <x>');
  });

  it('should match composed and decomposed accents alike', () => {
    expect(replaceMentions('patient JOSE\u03011234', 'JOSÉ1234', X)).toBe('patient <x>');
    expect(replaceMentions('patient JOSÉ1234', 'JOSE\u03011234', X)).toBe('patient <x>');
  });

  it('should refuse to build a field no entry can hold', () => {
    expect(() => replaceMentions('a '.repeat(40_000), 'a', X)).toThrow(RedactedTextTooLarge);
    expect(replaceMentions('a '.repeat(10), 'a', X)).toBe('<x> '.repeat(10));
    expect(MAX_REDACTED_CHARS).toBe(65_535);
  });
});

describe('sameIdentifier', () => {
  it('should take letter case, composition and surrounding spaces as the same identifier', () => {
    expect(sameIdentifier('MRN-004211', ' mrn-004211 ')).toBe(true);
    expect(sameIdentifier('JOSÉ1', 'jose\u03011')).toBe(true);
    expect(sameIdentifier('MRN-004211', 'MRN-004212')).toBe(false);
  });
});
