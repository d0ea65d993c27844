import fc from 'fast-check';
import { DAY_MS, DemoTimeline, dayWeight } from './demo-timeline';

const START = Date.UTC(2024, 0, 1);

describe('DemoTimeline', () => {
  const timeline = new DemoTimeline(START, 730);

  it('should begin at the start and end within the span', () => {
    expect(timeline.at(0)).toBe(START);
    expect(timeline.at(1)).toBeLessThanOrEqual(START + 730 * DAY_MS);
    expect(timeline.at(1)).toBeGreaterThan(START + 729 * DAY_MS);
  });

  it('should never go back in time as the fraction grows', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          return timeline.at(lo) <= timeline.at(hi);
        },
      ),
    );
  });

  it('should put most of a day in working hours', () => {
    const hours = Array.from({ length: 1000 }, (_, i) =>
      new Date(timeline.at(i / 1000)).getUTCHours(),
    );
    const working = hours.filter((h) => h >= 7 && h < 19).length;
    expect(working / hours.length).toBeGreaterThan(0.75);
  });

  it('should refuse a span that is not positive', () => {
    expect(() => new DemoTimeline(START, 0)).toThrow(/positive span/);
  });
});

describe('dayWeight', () => {
  const span = 730 * DAY_MS;
  it('should weigh a weekday more than the weekend around it', () => {
    const saturday = Date.UTC(2025, 2, 8);
    const monday = Date.UTC(2025, 2, 10);
    expect(dayWeight(monday, START, span)).toBeGreaterThan(2 * dayWeight(saturday, START, span));
  });

  it('should weigh the same weekday more a year later (growth) and less in summer', () => {
    const wednesdayJan2024 = Date.UTC(2024, 0, 24);
    const wednesdayJan2025 = Date.UTC(2025, 0, 22);
    const wednesdayJul2025 = Date.UTC(2025, 6, 23);
    expect(dayWeight(wednesdayJan2025, START, span)).toBeGreaterThan(
      dayWeight(wednesdayJan2024, START, span),
    );
    expect(dayWeight(wednesdayJul2025, START, span)).toBeLessThan(
      dayWeight(wednesdayJan2025, START, span),
    );
  });
});
