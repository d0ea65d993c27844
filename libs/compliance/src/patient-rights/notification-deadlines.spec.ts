import {
  individualNoticeDeadline,
  notificationDeadlines,
  yearEndHhsDeadline,
} from './notification-deadlines';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

describe('notificationDeadlines', () => {
  it.each([
    ['2025-01-10T00:00:00.000Z', '2025-03-11T00:00:00.000Z'],
    ['2024-01-10T00:00:00.000Z', '2024-03-10T00:00:00.000Z'],
    ['2025-11-15T13:45:00.000Z', '2026-01-14T13:45:00.000Z'],
  ])('should give discovery + 60 days for individuals when discovered at %s', (found, due) => {
    expect(iso(individualNoticeDeadline(at(found)))).toBe(due);
  });

  it.each([
    ['2025-06-01T00:00:00.000Z', '2026-03-01T23:59:59.999Z'],
    ['2023-01-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z'],
    ['2023-12-31T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
    ['2024-02-29T12:00:00.000Z', '2025-03-01T23:59:59.999Z'],
    ['2099-07-04T00:00:00.000Z', '2100-03-01T23:59:59.999Z'],
    ['2399-07-04T00:00:00.000Z', '2400-02-29T23:59:59.999Z'],
  ])(
    'should end the HHS year-end window on the 60th day after December 31 when discovered at %s',
    (found, due) => {
      expect(iso(yearEndHhsDeadline(at(found)))).toBe(due);
    },
  );

  it.each([
    [0, false, false],
    [499, false, false],
    [500, true, false],
    [501, true, true],
  ])(
    'should apply the 500-patient thresholds when %i patients are to be notified',
    (patients, hhsNow, media) => {
      const found = at('2025-05-20T08:00:00.000Z');
      const deadlines = notificationDeadlines(found, patients);
      expect(iso(deadlines.individualNoticeDeadline)).toBe('2025-07-19T08:00:00.000Z');
      expect(iso(deadlines.hhsNoticeDeadline)).toBe(
        hhsNow ? '2025-07-19T08:00:00.000Z' : '2026-03-01T23:59:59.999Z',
      );
      expect(deadlines.mediaNoticeMayBeRequired).toBe(media);
    },
  );
});
