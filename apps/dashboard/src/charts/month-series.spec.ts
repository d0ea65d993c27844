import { codeTotals, monthSeries, niceStep } from './month-series';

describe('monthSeries', () => {
  it('should fill the months without findings when the counts have gaps', () => {
    const series = monthSeries([
      { month: '2024-11', code: 'NO_CONSENT', count: 2 },
      { month: '2025-02', code: 'NO_CONSENT', count: 1 },
      { month: '2025-02', code: 'NO_AGREEMENT', count: 3 },
    ]);
    expect(series.map((c) => [c.month, c.total])).toEqual([
      ['2024-11', 2],
      ['2024-12', 0],
      ['2025-01', 0],
      ['2025-02', 4],
    ]);
    expect(series[3].byCode.get('NO_AGREEMENT')).toBe(3);
  });

  it('should keep only the latest months when the span is longer than the limit', () => {
    const series = monthSeries(
      [
        { month: '2000-01', code: 'NO_CONSENT', count: 1 },
        { month: '2025-12', code: 'NO_CONSENT', count: 1 },
      ],
      12,
    );
    expect(series).toHaveLength(12);
    expect(series[0].month).toBe('2025-01');
  });

  it('should span the whole limit, empty months first, when only the latest months were asked and findings exist before them', () => {
    const all = [
      { month: '2000-01', code: 'NO_CONSENT', count: 1 },
      { month: '2025-06', code: 'NO_CONSENT', count: 2 },
      { month: '2025-12', code: 'NO_CONSENT', count: 1 },
    ];
    const latest = all.filter((r) => r.month >= '2025-01');
    // What the chart drew from every month, drawn from the latest twelve alone.
    expect(monthSeries(latest, 12, true)).toEqual(monthSeries(all, 12));
    expect(monthSeries(latest, 12, true)[0].month).toBe('2025-01');
    // Without earlier findings the series starts at the first month with one.
    expect(monthSeries(latest, 12, false)[0].month).toBe('2025-06');
  });

  it('should be empty when there are no findings', () => {
    expect(monthSeries([])).toEqual([]);
  });
});

describe('niceStep', () => {
  it.each([
    [0, 1],
    [3, 1],
    [10, 2.5],
    [97, 25],
    [1234, 500],
  ])('should give a round step when the largest bar is %d', (max, step) => {
    expect(niceStep(max)).toBe(step);
  });
});

describe('codeTotals', () => {
  it('should sum each code and put the largest first when codes repeat over months', () => {
    expect(
      codeTotals([
        { month: '2025-01', code: 'A', count: 1 },
        { month: '2025-02', code: 'B', count: 5 },
        { month: '2025-03', code: 'A', count: 1 },
      ]),
    ).toEqual([
      ['B', 5],
      ['A', 2],
    ]);
  });
});
