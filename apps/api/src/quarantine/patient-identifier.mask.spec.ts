import { maskPatientIdentifiers } from './patient-identifier.mask';

const mask = (text: string): string =>
  maskPatientIdentifiers(Buffer.from(text, 'latin1')).toString('latin1');

describe('maskPatientIdentifiers', () => {
  it.each([
    [
      '{"data":{"patient":{"system":"urn:oid:1","value":"MRN-004211"},"modality":"CT"}}',
      '{"data":{"patient":{"system":"urn:oid:1","value":"***"},"modality":"CT"}}',
    ],
    [
      '{"patient": { "value" : 12345 , "system":"s"}}',
      '{"patient": { "value" : "***" , "system":"s"}}',
    ],
    ['{"patient":"MRN-1","x":1}', '{"patient":"***","x":1}'],
    ['{"patient":{"system":"s","value":"MRN-\\"odd', '{"patient":{"system":"s","value":"***"'],
    ['{"value":"not a patient"}', '{"value":"not a patient"}'],
    ['not json at all', 'not json at all'],
  ])('should turn %s into %s', (input, output) => {
    expect(mask(input)).toBe(output);
  });

  it('should keep every other byte when the message is not UTF-8', () => {
    const raw = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    expect(maskPatientIdentifiers(raw).equals(raw)).toBe(true);
  });
});
