import { isRfc3339DateTime } from '@scantrail/contract';
import { defaultPeriodStart } from './disclosure-accounting.service';

/**
 * Attack: accountingOfDisclosures(patient, to: "0003-06-01T00:00:00Z") without `from`. The
 * default period is the six years up to `to`; from a `to` in the first six years of the
 * calendar it started in year -3, and DisclosureAccounting.from was served as
 * "-000003-06-01T00:00:00.000Z": not RFC 3339 (CONTRACT 3: scalar DateTime), outside the
 * 0001..9999 the DateTime scalar describes and accepts as input.
 */
describe('defaultPeriodStart', () => {
  it.each(['0001-01-01T00:00:00Z', '0003-06-01T00:00:00Z', '0006-12-31T23:59:59.999Z'])(
    'should start within the DateTime range when to is %s',
    (to) => {
      const from = defaultPeriodStart(new Date(to)).toISOString();
      expect({ from, rfc3339: isRfc3339DateTime(from) }).toEqual({
        from: '0001-01-01T00:00:00.000Z',
        rfc3339: true,
      });
    },
  );

  it('should start six years before to when that is within the range', () => {
    expect(defaultPeriodStart(new Date('2026-03-01T10:00:00Z')).toISOString()).toBe(
      '2020-03-01T10:00:00.000Z',
    );
  });
});
