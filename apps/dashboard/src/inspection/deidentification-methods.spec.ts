import { methodInWords } from './deidentification-methods';

describe('de-identification methods in words', () => {
  it.each([
    ['113100', 'Basic profile (113100)'],
    ['113102', 'Clean recognizable visual features (113102)'],
    ['113111', 'Retain safe private attributes (113111)'],
  ])('should name %s with its code when it is a CID 7050 method', (code, words) => {
    expect(methodInWords(code)).toBe(words);
  });

  it('should give a code it does not know as recorded', () => {
    expect(methodInWords('999999')).toBe('999999');
    expect(methodInWords('constructor')).toBe('constructor');
  });
});
