/** A click heatmap: the API's bins drawn on a canvas over a box as wide as the page. */

import { h } from './dom.js';
import { count } from './format.js';

// The API gives no page width for a heatmap; these are typical widths of each viewport class.
// Missing: a `widthPx` on Heatmap (e.g. the median load width); the box then grows to fit bins.
const NOMINAL_WIDTH_PX = { desktop: 1280, tablet: 820, mobile: 390, unknown: 1280 };
const MAX_CANVAS_WIDTH_PX = 720;

/**
 * The heatmap with `bins` as objects: the console asks for `cells` (x, y and count of each bin
 * in turn, one value: thousands of bin objects cost the API far more to send).
 */
export function withBins(heatmap) {
  if (heatmap.bins || !heatmap.cells) return heatmap;
  const bins = [];
  for (let i = 0; i + 2 < heatmap.cells.length; i += 3) {
    bins.push({ x: heatmap.cells[i], y: heatmap.cells[i + 1], count: heatmap.cells[i + 2] });
  }
  return { ...heatmap, bins };
}

/** Width and height in page pixels of the box that holds every bin. */
export function pageBox(given) {
  const heatmap = withBins(given);
  const binPx = heatmap.binPx || 40;
  const cols = Math.max(0, ...heatmap.bins.map((b) => b.x + 1));
  const rows = Math.max(0, ...heatmap.bins.map((b) => b.y + 1));
  const width = Math.max(NOMINAL_WIDTH_PX[heatmap.viewportClass] ?? 1280, cols * binPx);
  const height = Math.max(Math.round(width * 0.75), (rows + 2) * binPx);
  return { width, height, binPx };
}

function colour(share) {
  // From pale yellow to deep red as the bin's share of the busiest bin grows.
  const hue = 55 - 55 * share;
  return `hsla(${hue}, 95%, ${60 - 20 * share}%, ${0.35 + 0.6 * share})`;
}

/** The figure: canvas (hidden from assistive tech), a summary and the busiest bins as a table. */
export function heatmapFigure(given) {
  const heatmap = withBins(given);
  const { width, height, binPx } = pageBox(heatmap);
  const scale = Math.min(1, MAX_CANVAS_WIDTH_PX / width);
  const canvas = h('canvas', {
    id: 'heatmap-canvas',
    width: Math.round(width * scale),
    height: Math.round(height * scale),
    'aria-hidden': 'true',
    dataset: { bins: String(heatmap.bins.length), clicks: String(heatmap.clicks) },
  });
  draw(canvas, heatmap, scale, binPx);
  const busiest = [...heatmap.bins].sort((a, b) => b.count - a.count || a.y - b.y || a.x - b.x);
  const top = busiest[0];
  const summary = heatmap.clicks
    ? `${count(heatmap.clicks)} clicks in ${count(heatmap.bins.length)} cells of ${binPx} px. ` +
      `The busiest cell, ${count(top.count)} clicks, is ${top.x * binPx}–${(top.x + 1) * binPx} px ` +
      `from the left and ${top.y * binPx}–${(top.y + 1) * binPx} px from the top of the page.`
    : `No clicks recorded for ${heatmap.viewportClass} screens in this range.`;
  return h(
    'figure',
    { class: 'heatmap' },
    h('figcaption', {}, `Clicks on ${heatmap.viewportClass} screens, page width shown ${width} px`),
    h('div', { class: 'heatmap-box', style: { width: `${canvas.width}px` } }, canvas),
    h('p', { id: 'heatmap-summary' }, summary),
    h(
      'details',
      {},
      h('summary', {}, 'Busiest cells: data table'),
      h(
        'table',
        { id: 'heatmap-table' },
        h('caption', { class: 'visually-hidden' }, 'Busiest heatmap cells'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Left (px)', 'Top (px)', 'Clicks'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          busiest
            .slice(0, 15)
            .map((b) =>
              h(
                'tr',
                {},
                h('td', { class: 'num' }, String(b.x * binPx)),
                h('td', { class: 'num' }, String(b.y * binPx)),
                h('td', { class: 'num' }, count(b.count)),
              ),
            ),
        ),
      ),
    ),
  );
}

function draw(canvas, heatmap, scale, binPx) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#f7f7f7';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  // A faint grid every 200 page pixels, so positions can be read off the box.
  ctx.strokeStyle = '#e0e0e0';
  ctx.lineWidth = 1;
  for (let px = 200; px * scale < Math.max(canvas.width, canvas.height); px += 200) {
    ctx.beginPath();
    ctx.moveTo(px * scale + 0.5, 0);
    ctx.lineTo(px * scale + 0.5, canvas.height);
    ctx.moveTo(0, px * scale + 0.5);
    ctx.lineTo(canvas.width, px * scale + 0.5);
    ctx.stroke();
  }
  const max = Math.max(1, ...heatmap.bins.map((b) => b.count));
  const size = Math.max(1, binPx * scale);
  // A soft halo first, so small bins stay visible on a wide page; then the bin itself.
  for (const bin of heatmap.bins) {
    const cx = (bin.x + 0.5) * size;
    const cy = (bin.y + 0.5) * size;
    const glow = ctx.createRadialGradient(cx, cy, 0, cx, cy, size * 1.6);
    glow.addColorStop(0, colour(bin.count / max));
    glow.addColorStop(1, 'rgba(255, 255, 255, 0)');
    ctx.fillStyle = glow;
    ctx.fillRect(cx - size * 1.6, cy - size * 1.6, size * 3.2, size * 3.2);
  }
  for (const bin of heatmap.bins) {
    ctx.fillStyle = colour(bin.count / max);
    ctx.fillRect(bin.x * size, bin.y * size, size, size);
  }
}
