import { InvalidArgumentError } from '@scantrail/queries';
import { parseRightsAsOf } from './patient-rights-report.service';

describe('parseRightsAsOf', () => {
  it.each([
    ['2025-04-15', '2025-04-15T23:59:59.999Z'],
    ['2025-04-15T10:00:00+02:00', '2025-04-15T08:00:00.000Z'],
    ['0001-01-01', '0001-01-01T23:59:59.999Z'],
    ['9999-12-31', '9999-12-31T23:59:59.999Z'],
  ])('should read %s as %s', (value, expected) => {
    expect(parseRightsAsOf(value)?.toISOString()).toBe(expected);
  });

  it.each(['0000-01-01', '0000-12-31T23:00:00Z', '9999-12-31T23:00:00-02:00', 'last tuesday'])(
    'should refuse %s as a bad argument, as the API refuses the same DateTime',
    (value) => {
      expect(() => parseRightsAsOf(value)).toThrow(InvalidArgumentError);
      expect(() => parseRightsAsOf(value)).toThrow(/^asOf /);
    },
  );
});
