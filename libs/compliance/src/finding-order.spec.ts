import fc from 'fast-check';
import { compareStrings } from './finding-order';

/** Code-point order as PostgreSQL's COLLATE "C" gives it on UTF-8: the bytes' order. */
const byUtf8 = (a: string, b: string): number =>
  Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));

/** Characters where code-unit and code-point order part: ASCII, U+E000-U+FFFF, astral. */
const tricky = fc.constantFrom(
  'a',
  'B',
  '0',
  '\uE000',
  '\uFF21',
  '\uFFFD',
  '\u{1F600}',
  '\u{10000}',
  '\u{1F601}',
);
const trickyString = fc.array(tricky, { maxLength: 6 }).map((cs) => cs.join(''));

describe('compareStrings', () => {
  it('should order by code point, as PostgreSQL COLLATE "C" does, when given any strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(trickyString, fc.string({ unit: 'binary' })),
        fc.oneof(trickyString, fc.string({ unit: 'binary' })),
        (a, b) => {
          expect(compareStrings(a, b)).toBe(byUtf8(a, b));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('should put an astral character after one of U+E000-U+FFFF, which < does not', () => {
    expect('\u{1F600}' < '\uFF21').toBe(true); // UTF-16 code units
    expect(compareStrings('\u{1F600}', '\uFF21')).toBe(1);
    expect(compareStrings('del-\uFF21', 'del-\u{1F600}')).toBe(-1);
    expect(compareStrings('same', 'same')).toBe(0);
    expect(compareStrings('ab', 'abc')).toBe(-1);
  });
});
