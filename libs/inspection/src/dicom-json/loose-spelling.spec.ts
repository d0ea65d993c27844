import fc from 'fast-check';
import { copyLooseKeys, originalLooseKeys, skeleton, skeletonFull } from './loose-spelling';

describe('skeleton', () => {
  it("should give ASCII text the full skeleton's answer (the shortcut is exact)", () => {
    // Every ASCII character, the upper and lower case comparableText's folds leave included.
    const asciiText = fc.string({
      unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
    });
    fc.assert(fc.property(asciiText, (text) => skeleton(text) === skeletonFull(text)));
  });

  it("should map look-alikes to Unicode's prototypes (confusables.txt)", () => {
    expect(skeleton('\u0420ETER')).toBe(skeleton('PETER')); // Cyrillic Р
    expect(skeleton('MRN-OO42II')).toBe(skeleton('MRN-004211'));
    expect(skeleton('MILLER')).not.toBe(skeleton('MULLER'));
  });
});

describe('loose keys', () => {
  it("should fold the original's diacritics away, never the copy's", () => {
    expect(originalLooseKeys('JOSÉ')).toContain(copyLooseKeys('JOSE')[0]);
    expect(originalLooseKeys('JOSE')).not.toContain(copyLooseKeys('JOSÉ')[0]);
    expect(copyLooseKeys('JOSÉ').every((key) => key.includes('\u0301'))).toBe(true);
  });

  it("should romanize a copy's Cyrillic or kana, not its ideographs", () => {
    expect(copyLooseKeys('ИВАНОВ')).toEqual(expect.arrayContaining(originalLooseKeys('IVANOV')));
    expect(copyLooseKeys('ヤマダ')).toEqual(expect.arrayContaining(originalLooseKeys('YAMADA')));
    expect(copyLooseKeys('汪')).not.toEqual(expect.arrayContaining(originalLooseKeys('WANG')));
  });
});
