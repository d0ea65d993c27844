// Findings per month as stacked SVG bars, one colour per code, with a legend of totals.
import { codeColour, codeLabel, FINDING_CODES } from '../findings/finding-codes';
import { h, s } from '../dom/dom-builder';
import { MAX_MONTHS, codeTotals, monthSeries, niceStep, type MonthCountRow } from './month-series';

/** The latest months' counts and every month's totals per code (the legend). */
export interface ChartCounts {
  months: readonly MonthCountRow[];
  totals: readonly { code: string; count: number }[];
}

const HEIGHT = 260;
const MARGIN = { top: 14, right: 12, bottom: 34, left: 52 };
const MONTH_NAMES = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
];

function monthLabel(month: string, withYear: boolean): string {
  const [year, m] = month.split('-');
  const name = MONTH_NAMES[Number(m) - 1] ?? m;
  return withYear ? `${name} ${year}` : name;
}

const formatCount = (n: number): string => n.toLocaleString('en-US');

/**
 * The chart and its legend; `title` names it for screen readers. `width`: the pixels it
 * will get, so that text keeps its size (the drawing still scales if the window does).
 */
export function findingsChart(counts: ChartCounts, title: string, width = 960): HTMLElement {
  const WIDTH = Math.max(420, Math.round(width));
  const sum = (rows: readonly { count: number }[]): number => rows.reduce((n, r) => n + r.count, 0);
  // Findings outside the months asked for: the series spans all MAX_MONTHS, as it would
  // over every month.
  const series = monthSeries(counts.months, MAX_MONTHS, sum(counts.totals) > sum(counts.months));
  if (series.length === 0) {
    return h('p', { class: 'empty' }, 'No findings: nothing to chart.');
  }
  const max = Math.max(...series.map((c) => c.total));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const y = (v: number): number => MARGIN.top + plotH - (v / top) * plotH;
  const slot = plotW / series.length;
  const barW = Math.max(2, Math.min(48, slot * 0.72));

  const grid = [];
  for (let v = 0; v <= top + 1e-9; v += step) {
    grid.push(
      s('line', {
        class: 'gridline',
        x1: MARGIN.left,
        x2: WIDTH - MARGIN.right,
        y1: y(v),
        y2: y(v),
      }),
      s(
        'text',
        { class: 'tick', x: MARGIN.left - 8, y: y(v) + 4, 'text-anchor': 'end' },
        formatCount(v),
      ),
    );
  }

  const labelEvery = Math.max(1, Math.ceil(series.length / 14));
  const bars = series.map((column, i) => {
    const x = MARGIN.left + i * slot + (slot - barW) / 2;
    let base = 0;
    const segments = FINDING_CODES.filter((code) => column.byCode.has(code)).map((code) => {
      const count = column.byCode.get(code) ?? 0;
      const rect = s(
        'rect',
        {
          x,
          y: y(base + count),
          width: barW,
          height: Math.max(0, y(base) - y(base + count)),
          fill: codeColour(code),
        },
        s(
          'title',
          {},
          `${monthLabel(column.month, true)} · ${codeLabel(code)}: ${formatCount(count)}`,
        ),
      );
      base += count;
      return rect;
    });
    const showLabel = i % labelEvery === 0;
    // The year goes under the first labelled month of each year: January itself is not
    // labelled when labels skip months, and "Mar" alone could be any year.
    const firstOfYear =
      i < labelEvery || series[i - labelEvery].month.slice(0, 4) !== column.month.slice(0, 4);
    return s(
      'g',
      { class: 'bar', 'data-month': column.month, 'data-total': column.total },
      ...segments,
      showLabel
        ? s(
            'text',
            {
              class: 'tick',
              x: x + barW / 2,
              y: HEIGHT - MARGIN.bottom + 16,
              'text-anchor': 'middle',
            },
            monthLabel(column.month, false),
          )
        : null,
      showLabel && firstOfYear
        ? s(
            'text',
            {
              class: 'tick year',
              x: x + barW / 2,
              y: HEIGHT - MARGIN.bottom + 30,
              'text-anchor': 'middle',
            },
            column.month.slice(0, 4),
          )
        : null,
      column.total > 0 && series.length <= 24
        ? s(
            'text',
            {
              class: 'bar-total',
              x: x + barW / 2,
              y: y(column.total) - 4,
              'text-anchor': 'middle',
            },
            formatCount(column.total),
          )
        : null,
    );
  });

  const total = series.reduce((sum, c) => sum + c.total, 0);
  const busiest = series.reduce((a, b) => (b.total > a.total ? b : a));
  const description =
    `${formatCount(total)} findings from ${monthLabel(series[0].month, true)} to ` +
    `${monthLabel(series[series.length - 1].month, true)}; the most in ` +
    `${monthLabel(busiest.month, true)} (${formatCount(busiest.total)}).`;
  const svg = s(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-label': `${title}. ${description}`,
      preserveAspectRatio: 'xMidYMid meet',
    },
    s('title', {}, title),
    s('desc', {}, description),
    ...grid,
    s('line', {
      class: 'axis',
      x1: MARGIN.left,
      x2: WIDTH - MARGIN.right,
      y1: y(0),
      y2: y(0),
    }),
    ...bars,
  );

  const legend = h(
    'ul',
    { class: 'legend', 'aria-label': 'Findings by code' },
    ...codeTotals(counts.totals).map(([code, count]) =>
      h(
        'li',
        {},
        swatch(codeColour(code)),
        h('span', { class: 'legend-label' }, codeLabel(code)),
        h('span', { class: 'legend-count' }, formatCount(count)),
      ),
    ),
  );
  return h('figure', { class: 'chart-figure' }, svg, h('figcaption', {}, legend));
}

/** A small colour square (SVG, so no inline style is needed under the page's CSP). */
export function swatch(colour: string): SVGSVGElement {
  return s(
    'svg',
    { class: 'swatch', width: 12, height: 12, viewBox: '0 0 12 12', 'aria-hidden': 'true' },
    s('rect', { width: 12, height: 12, rx: 2, fill: colour }),
  );
}
