import fc from 'fast-check';
import { comparableText, comparableTextFolded } from './dicom-json.values';

describe('comparableText', () => {
  it('should give an ASCII value the same comparable form by its shortcut as by the whole fold', () => {
    // The shortcut only folds white space and NUL: if an ASCII character were invisible,
    // another script's digit or a dash the fold rewrites, the two would differ here.
    const asciiText = fc.string({
      unit: fc.oneof(
        fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
        fc.constantFrom(' ', '\t', '\n', '\v', '\f', '\r', '\0', '-', '^'),
      ),
      maxLength: 40,
    });
    fc.assert(
      fc.property(asciiText, (text) => comparableText(text) === comparableTextFolded(text)),
      { numRuns: 20_000 },
    );
    for (let c = 0; c <= 0x7f; c++) {
      const text = ` a${String.fromCharCode(c)}b${String.fromCharCode(c)} `;
      expect(comparableText(text)).toBe(comparableTextFolded(text));
    }
  });

  it('should fold what a reader cannot see in a non-ASCII value, and keep ASCII ones as before', () => {
    expect(comparableText('Ro\u200be^Jane\u00ad')).toBe(comparableText('Roe^Jane'));
    expect(comparableText('MRN\u2011١٢٣')).toBe('MRN-123');
    expect(comparableText('  doe\0\0^john  ')).toBe('DOE ^JOHN');
  });
});
