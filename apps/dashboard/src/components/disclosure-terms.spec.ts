import { legalBasisWords, purposeWords } from './disclosure-terms';

describe('disclosure terms', () => {
  it.each([
    ['AI_TRAINING', 'AI training'],
    ['HEALTHCARE_OPERATIONS', 'Health care operations'],
    ['REQUIRED_BY_LAW', 'Required by law'],
  ])('should give the purpose %s in words when it is in the contract', (code, words) => {
    expect(purposeWords(code)).toBe(words);
  });

  it.each([
    ['PATIENT_AUTHORIZATION', 'Patient’s authorization'],
    ['DEIDENTIFIED', 'De-identified data'],
    ['IRB_WAIVER', 'IRB waiver'],
    ['ONWARD_TRANSFER', 'Onward transfer'],
  ])('should give the legal basis %s in words when it is in the contract', (code, words) => {
    expect(legalBasisWords(code)).toBe(words);
  });

  it('should show a code it does not know as recorded, not guess', () => {
    expect(purposeWords('MARKETING')).toBe('MARKETING');
    expect(legalBasisWords('constructor')).toBe('constructor');
  });
});
