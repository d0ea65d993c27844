import { InvalidArgumentError } from '@scantrail/queries';
import {
  parsePeriodBound,
  parseReportFormat,
  patientFromParts,
  patientFromToken,
} from './accounting-report-request';

describe('parseReportFormat', () => {
  it.each([
    [undefined, 'pdf'],
    ['', 'pdf'],
    ['pdf', 'pdf'],
    ['CSV', 'csv'],
    ['fhir', 'fhir'],
  ])('should read %j as %s when given', (input, expected) => {
    expect(parseReportFormat(input)).toBe(expected);
  });

  it('should refuse with the allowed formats when the format is unknown', () => {
    expect(() => parseReportFormat('docx')).toThrow(
      new InvalidArgumentError('format must be one of pdf, csv, fhir, got "docx"'),
    );
  });

  it('should name only the length of a format that is not a word (an identifier typed there)', () => {
    expect(() => parseReportFormat('MRN-004211')).toThrow(
      new InvalidArgumentError(
        'format must be one of pdf, csv, fhir, got 10 characters that are not a format',
      ),
    );
  });
});

describe('parsePeriodBound', () => {
  it.each<[string, 'from' | 'to', string]>([
    ['2024-01-01', 'from', '2024-01-01T00:00:00.000Z'],
    ['2024-01-01', 'to', '2024-01-01T23:59:59.999Z'],
    ['2024-03-01T10:00:00+02:00', 'from', '2024-03-01T08:00:00.000Z'],
  ])('should read %s as a %s bound of %s when given', (input, bound, expected) => {
    expect(parsePeriodBound(input, bound)?.toISOString()).toBe(expected);
  });

  it('should leave the bound open when it is absent', () => {
    expect(parsePeriodBound(undefined, 'from')).toBeNull();
  });

  it.each(['2024-02-30', 'yesterday', '2024-01-01T10:00:00'])(
    'should refuse %j with a clear message when it is not a date',
    (input) => {
      expect(() => parsePeriodBound(input, 'to')).toThrow(
        /^to must be a YYYY-MM-DD date or an RFC 3339 date-time/,
      );
    },
  );

  it('should not repeat what was given when it is not a date (a patient identifier in the wrong place)', () => {
    expect(() => parsePeriodBound('MRN-004211', 'from')).toThrow(
      new InvalidArgumentError(
        'from must be a YYYY-MM-DD date or an RFC 3339 date-time (the 10 characters given are neither)',
      ),
    );
  });

  it.each([
    ['0000-01-01', /^from has year 0000/],
    ['2024-05-01T12:00:00+16:00', /^from has the offset \+16:00/],
    ['0001-01-01T00:00:00+01:00', /^from is outside the storable range/],
  ])(
    'should refuse %s as InvalidArgumentError when PostgreSQL could not store it',
    (input, why) => {
      expect(() => parsePeriodBound(input, 'from')).toThrow(InvalidArgumentError);
      expect(() => parsePeriodBound(input, 'from')).toThrow(why);
    },
  );
});

describe('patientFromToken', () => {
  it.each([
    ['urn:oid:2.16.840.1.113883.3.7|MRN-004211', 'urn:oid:2.16.840.1.113883.3.7', 'MRN-004211'],
    ['http://hospital.example/mrn|A|B', 'http://hospital.example/mrn', 'A|B'],
  ])('should split %j at the first bar when given', (token, system, value) => {
    expect(patientFromToken(token)).toEqual({ system, value });
  });

  it.each([
    ['MRN-004211', 'patient must be written SYSTEM|VALUE'],
    ['|MRN-004211', 'patient system is required and must not be empty'],
    ['urn:oid:1.2|', 'patient value is required and must not be empty'],
  ])('should refuse %j without repeating it when it is malformed', (token, message) => {
    expect(() => patientFromToken(token)).toThrow(new InvalidArgumentError(message));
  });
});

describe('patientFromParts', () => {
  it('should refuse a blank value when one part is missing', () => {
    expect(() => patientFromParts('urn:x', '  ')).toThrow(InvalidArgumentError);
  });
});
