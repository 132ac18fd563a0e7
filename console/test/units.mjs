/** Pure parts of the console, in Node: masked values in replays, markers, totals, formats. */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { clock, percent } from '../src/format.js';
import { pageBox, withBins } from '../src/heatmap.js';
import { isMasked, showMaskedValues } from '../src/masking.js';
import { totals } from '../src/views/overview.js';
import { markersOf, windowEvents } from '../src/views/replay.js';

const FORM = JSON.parse(
  readFileSync(
    new URL(
      '../../tests/data/cases/rrweb/rrweb-integration-form-interactions.json',
      import.meta.url,
    ),
  ),
);

function findNode(node, id) {
  if (node.id === id) return node;
  for (const child of node.childNodes || []) {
    const found = findNode(child, id);
    if (found) return found;
  }
  return null;
}

/** The recording as the redaction stores it: every input value replaced by `*` characters. */
function redacted(events) {
  return events.map((e) =>
    e.type === 3 && e.data.source === 5
      ? { ...e, data: { ...e.data, text: '*'.repeat(e.data.text.length) } }
      : e,
  );
}

test('masks and entity placeholders are recognised, other values are not', () => {
  assert.equal(isMasked('****'), true);
  assert.equal(isMasked('<EMAIL_ADDRESS>'), true);
  assert.equal(isMasked('1'), false);
  assert.equal(isMasked(''), false);
});

test('a select whose value was masked gets an option holding the mask, selected', () => {
  const { events, selects } = showMaskedValues(redacted(FORM));
  const snapshot = events.find((e) => e.type === 2).data.node;
  const select = findNode(snapshot, 47);
  const options = select.childNodes.filter((c) => c.tagName === 'option');
  assert.equal(selects, 1);
  assert.deepEqual(options.at(-1).attributes, { value: '*', selected: true });
  assert.equal(options.at(-1).childNodes[0].textContent, '*');
  assert.equal(options.filter((o) => 'selected' in o.attributes).length, 1);
});

test('a number input with a masked value becomes a text input; others are left alone', () => {
  const events = [
    {
      type: 4,
      timestamp: 1,
      data: { href: 'https://city.example.test/', width: 800, height: 600 },
    },
    {
      type: 2,
      timestamp: 2,
      data: {
        node: {
          type: 0,
          id: 1,
          childNodes: [
            {
              type: 2,
              id: 5,
              tagName: 'input',
              attributes: { type: 'number', value: '***' },
              childNodes: [],
            },
            {
              type: 2,
              id: 6,
              tagName: 'input',
              attributes: { type: 'email', value: '****' },
              childNodes: [],
            },
            { type: 2, id: 7, tagName: 'input', attributes: { type: 'date' }, childNodes: [] },
          ],
        },
      },
    },
    { type: 3, timestamp: 3, data: { source: 5, id: 7, text: '**********', isChecked: false } },
  ];
  const { events: out, inputs } = showMaskedValues(events);
  const [number, email, date] = out[1].data.node.childNodes;
  assert.equal(inputs, 2);
  assert.deepEqual(number.attributes, { type: 'text', value: '***', 'data-masked-type': 'number' });
  assert.equal(email.attributes.type, 'email');
  assert.equal(date.attributes.type, 'text');
  assert.equal(events[1].data.node.childNodes[0].attributes.type, 'number', 'input not changed');
});

test("a window's events come from its chunks only, in time order", () => {
  const chunks = [
    { windowId: 'w1', events: [{ timestamp: 30 }, { timestamp: 10 }] },
    { windowId: 'w2', events: [{ timestamp: 5 }] },
    { windowId: 'w1', events: [{ timestamp: 20 }, { nope: true }] },
  ];
  assert.deepEqual(
    windowEvents(chunks, 'w1').map((e) => e.timestamp),
    [10, 20, 30],
  );
});

test("markers are the window's signals and every answer, at their offsets, clamped to the replay", () => {
  const session = {
    pageViews: [
      { id: 'p1', windowId: 'w1' },
      { id: 'p2', windowId: 'w2' },
    ],
    signals: [
      {
        id: 's1',
        kind: 'rage_click',
        ts: '2026-01-01T00:00:05.250000+00:00',
        pageViewId: 'p1',
        selector: '#pay',
      },
      {
        id: 's2',
        kind: 'dead_click',
        ts: '2026-01-01T00:00:06+00:00',
        pageViewId: 'p2',
        selector: '#x',
      },
    ],
    surveyResponses: [
      { id: 'r1', submittedAt: '2026-01-01T00:01:00+00:00', negative: true, template: '/' },
    ],
  };
  const start = Date.parse('2026-01-01T00:00:00Z');
  const markers = markersOf(session, 'w1', start, start + 20_000);
  assert.deepEqual(
    markers.map((m) => [m.id, m.kind, m.offsetMs]),
    [
      ['s1', 'rage_click', 5250],
      ['r1', 'negative_answer', 20_000],
    ],
  );
});

test('totals add up a series and give the rate of the sums', () => {
  const points = [
    {
      sessions: 2,
      pageViews: 4,
      frustratedPageViews: 1,
      signals: [{ kind: 'rage_click', count: 2 }],
    },
    {
      sessions: 1,
      pageViews: 4,
      frustratedPageViews: 3,
      signals: [{ kind: 'rage_click', count: 1 }],
    },
  ];
  assert.deepEqual(totals(points), {
    sessions: 3,
    pageViews: 8,
    frustrated: 4,
    signals: { rage_click: 3 },
    rate: 0.5,
  });
});

test('formats: percentages with one decimal, clock times', () => {
  assert.equal(percent(0.125), '12.5\u00a0%');
  assert.equal(clock(65_400), '1:05');
  assert.equal(clock(3_725_000), '1:02:05');
});

test('heatmap cells (x, y, count in turn) become bins; the box holds the furthest bin', () => {
  const heatmap = { viewportClass: 'desktop', binPx: 40, clicks: 6, cells: [0, 1, 2, 40, 3, 4] };
  assert.deepEqual(withBins(heatmap).bins, [
    { x: 0, y: 1, count: 2 },
    { x: 40, y: 3, count: 4 },
  ]);
  // Column 40 ends at 41 * 40 px, wider than the nominal 1,280 px of a desktop.
  assert.deepEqual(pageBox(heatmap), { width: 1640, height: 1230, binPx: 40 });
  const given = { ...heatmap, bins: [{ x: 1, y: 1, count: 1 }] };
  assert.equal(withBins(given), given);
});
