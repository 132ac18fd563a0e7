/** Time-series charts drawn by uPlot, each with a text summary and a data table beside it. */

import uPlot from 'uplot';

import { h, table } from './dom.js';

// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
];
const DASHES = [[], [6, 3], [2, 3], [8, 3, 2, 3], [12, 4], [3, 6], [1, 2]];
const HEIGHT_PX = 220;

/** `2026-12-03` or `3 Dec 09:00` in UTC, for a point start in ms. */
export function pointLabel(ms, hourly) {
  const iso = new Date(ms).toISOString();
  return hourly ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso.slice(0, 10);
}

/**
 * A figure with a uPlot line chart of `series` over `starts` (ms), a visually hidden summary
 * and a data table in a disclosure. `format` turns a value into text for the summary and table.
 * The canvas is hidden from assistive technology: the table carries the same numbers.
 */
export function timeChart({
  id,
  title,
  starts,
  series,
  format,
  hourly = false,
  yLabel = '',
  integer = false,
}) {
  const plotBox = h('div', { class: 'chart', 'aria-hidden': 'true' });
  const summaryText = summarize(title, starts, series, format, hourly);
  const rows = starts.map((start, i) => [
    pointLabel(start, hourly),
    ...series.map((s) => format(s.values[i])),
  ]);
  const figure = h(
    'figure',
    { class: 'chart-figure', id, dataset: { points: String(starts.length) } },
    h('figcaption', {}, title),
    plotBox,
    h('p', { class: 'visually-hidden chart-summary' }, summaryText),
    h(
      'details',
      { class: 'chart-data' },
      h('summary', {}, `${title}: data table`),
      table(title, [hourly ? 'Hour' : 'Day', ...series.map((s) => s.label)], rows, {
        numeric: series.map((_, i) => i + 1),
        captionHidden: true,
      }),
    ),
  );
  mountWhenSized(
    plotBox,
    (width) =>
      new uPlot(
        options(width, series, format, yLabel, integer, hourly),
        [starts.map((ms) => ms / 1000), ...series.map((s) => s.values)],
        plotBox,
      ),
  );
  return figure;
}

// Tick steps for counts: whole numbers only.
const INTEGER_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 1e5, 1e6,
];

function options(width, series, format, yLabel, integer, hourly) {
  // One point alone would stretch the time axis over years: show its day (or hour) around it.
  const halfStepS = hourly ? 1800 : 43200;
  return {
    width,
    height: HEIGHT_PX,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false } },
    legend: { live: false },
    scales: {
      x: {
        time: true,
        range: (u, min, max) => (min === max ? [min - halfStepS, max + halfStepS] : [min, max]),
      },
      y: {
        range: (u, min, max) => [
          0,
          max > 0 ? (integer ? Math.max(1, Math.ceil(max * 1.1)) : max * 1.1) : 1,
        ],
      },
    },
    axes: [
      { stroke: '#333', grid: { stroke: '#e4e4e4' } },
      {
        stroke: '#333',
        grid: { stroke: '#e4e4e4' },
        label: yLabel,
        size: 60,
        incrs: integer ? INTEGER_STEPS : undefined,
        values: (u, ticks) => ticks.map((t) => format(t)),
      },
    ],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        dash: DASHES[i % DASHES.length],
        width: 2,
        points: { size: 5 },
      })),
    ],
  };
}

/** Build the chart once the box has a width, and follow the box's width afterwards. */
function mountWhenSized(box, create) {
  let chart = null;
  const observer = new ResizeObserver(() => {
    const width = Math.floor(box.clientWidth);
    if (!box.isConnected) {
      observer.disconnect();
      chart?.destroy();
      return;
    }
    if (width <= 0) return;
    if (!chart) chart = create(width);
    else if (Math.abs(chart.width - width) > 2) chart.setSize({ width, height: HEIGHT_PX });
  });
  observer.observe(box);
}

/** One sentence per series: its total or peak, for screen readers. */
function summarize(title, starts, series, format, hourly) {
  if (!starts.length) return `${title}: no data in this range.`;
  const span = `from ${pointLabel(starts[0], hourly)} to ${pointLabel(starts.at(-1), hourly)}`;
  const parts = series.map((s) => {
    let peak = 0;
    s.values.forEach((v, i) => {
      if ((v ?? 0) > (s.values[peak] ?? 0)) peak = i;
    });
    return `${s.label}: highest ${format(s.values[peak] ?? 0)} at ${pointLabel(starts[peak], hourly)}`;
  });
  return `${title}, ${starts.length} points ${span}. ${parts.join('; ')}.`;
}
