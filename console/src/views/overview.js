/** Overview: the site's frustration rate and signals over time, worst pages and departments,
 * and live alerts from the GraphQL subscriptions. */

import { timeChart } from '../charts.js';
import { field, fill, h, select, table } from '../dom.js';
import { count, dateTime, daysBetween, kindLabel, percent } from '../format.js';
import { ALERTS, LIVE_RESPONSES, OVERVIEW } from '../queries.js';

const ORDERS = [
  ['FRUSTRATED_PAGE_VIEWS', 'Most frustrated page views'],
  ['FRUSTRATION_RATE', 'Highest frustration rate'],
  ['PAGE_VIEWS', 'Most page views'],
];
const MAX_HOURLY_DAYS = 7;

/** DAY or HOUR: as asked in the URL, else hourly for ranges of up to two days. */
export function intervalFor(range, asked) {
  const days = daysBetween(range.from, range.to);
  if (asked === 'HOUR' && days <= MAX_HOURLY_DAYS) return 'HOUR';
  if (asked === 'DAY') return 'DAY';
  return days <= 2 ? 'HOUR' : 'DAY';
}

/** Totals of a series: sessions, page views, frustrated page views, rate and signals by kind. */
export function totals(points) {
  const sum = { sessions: 0, pageViews: 0, frustrated: 0, signals: {} };
  for (const p of points) {
    sum.sessions += p.sessions;
    sum.pageViews += p.pageViews;
    sum.frustrated += p.frustratedPageViews;
    for (const s of p.signals) sum.signals[s.kind] = (sum.signals[s.kind] || 0) + s.count;
  }
  sum.rate = sum.pageViews ? sum.frustrated / sum.pageViews : 0;
  return sum;
}

/** The series charts (frustration rate; signals by kind) for a list of MetricPoints. */
export function seriesCharts(points, interval, idPrefix) {
  const starts = points.map((p) => Date.parse(p.start));
  const kinds = [...new Set(points.flatMap((p) => p.signals.map((s) => s.kind)))].sort();
  const hourly = interval === 'HOUR';
  return [
    timeChart({
      id: `${idPrefix}-rate-chart`,
      title: 'Frustration rate',
      starts,
      hourly,
      format: (v) => (v === null || v === undefined ? '–' : percent(v)),
      series: [
        {
          label: 'Frustration rate',
          values: points.map((p) => (p.pageViews ? p.frustrationRate : null)),
        },
      ],
    }),
    timeChart({
      id: `${idPrefix}-signals-chart`,
      title: 'Signals by kind',
      starts,
      hourly,
      format: (v) => count(v),
      integer: true,
      series: kinds.length
        ? kinds.map((kind) => ({
            label: kindLabel(kind),
            values: points.map((p) => p.signals.find((s) => s.kind === kind)?.count ?? 0),
          }))
        : [{ label: 'Signals', values: points.map(() => 0) }],
    }),
  ];
}

export function kpis(sum, id) {
  const item = (name, label, value) =>
    h('div', { class: 'kpi', dataset: { kpi: name } }, h('dt', {}, label), h('dd', {}, value));
  return h(
    'dl',
    { class: 'kpis', id },
    item('sessions', 'Sessions', count(sum.sessions)),
    item('pageViews', 'Page views', count(sum.pageViews)),
    item('frustrated', 'Frustrated page views', count(sum.frustrated)),
    item('rate', 'Frustration rate', percent(sum.rate)),
  );
}

function departments(pages) {
  const rows = new Map();
  for (const page of pages) {
    const name = page.department || 'No department';
    const row = rows.get(name) || { name, pageViews: 0, frustrated: 0, signals: 0 };
    row.pageViews += page.pageViews;
    row.frustrated += page.frustratedPageViews;
    row.signals += page.signals.reduce((n, s) => n + s.count, 0);
    rows.set(name, row);
  }
  return [...rows.values()]
    .map((r) => ({ ...r, rate: r.pageViews ? r.frustrated / r.pageViews : 0 }))
    .sort((a, b) => b.frustrated - a.frustrated || b.rate - a.rate || a.name.localeCompare(b.name));
}

function pageLink(template) {
  return h('a', { href: `#/pages/${encodeURIComponent(template)}` }, template);
}

function topSignal(signals) {
  const top = [...signals].sort((a, b) => b.count - a.count)[0];
  return top ? `${kindLabel(top.kind)} (${count(top.count)})` : '–';
}

export async function renderOverview(ctx, main) {
  const interval = intervalFor(ctx.range, ctx.params.interval);
  const order = ORDERS.some(([o]) => o === ctx.params.order) ? ctx.params.order : ORDERS[0][0];
  const data = await ctx.api.query(OVERVIEW, {
    siteId: ctx.siteId,
    range: ctx.range,
    interval,
    order,
  });
  const sum = totals(data.siteSeries);
  const kinds = Object.entries(sum.signals).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const setParam = (name, value) => {
    const params = new URLSearchParams({ ...ctx.params, [name]: value });
    window.location.hash = `#/overview?${params}`;
  };

  const live = liveAlerts(ctx);
  fill(
    main,
    h('h1', {}, 'Overview'),
    h('p', { class: 'lede' }, `${ctx.range.from} to ${ctx.range.to} (UTC), all pages of the site.`),
    kpis(sum, 'overview-kpis'),
    h(
      'div',
      { class: 'controls' },
      field(
        'Time step',
        select(
          [
            ['DAY', 'By day'],
            ['HOUR', 'By hour'],
          ],
          interval,
          { id: 'interval', onchange: (e) => setParam('interval', e.target.value) },
        ),
        daysBetween(ctx.range.from, ctx.range.to) > MAX_HOURLY_DAYS
          ? 'Hours need a range of 7 days or less.'
          : null,
      ),
    ),
    h('div', { class: 'grid-2' }, seriesCharts(data.siteSeries, interval, 'overview')),
    h(
      'section',
      { 'aria-labelledby': 'signal-totals-title' },
      h('h2', { id: 'signal-totals-title' }, 'Signals in this range'),
      table(
        'Signals by kind, whole range',
        ['Signal', 'Count'],
        kinds.map(([kind, n]) => [kindLabel(kind), count(n)]),
        { numeric: [1], id: 'signal-totals', captionHidden: true },
      ),
    ),
    h(
      'div',
      { class: 'grid-2' },
      h(
        'section',
        { 'aria-labelledby': 'worst-pages-title' },
        h('h2', { id: 'worst-pages-title' }, 'Worst pages'),
        field(
          'Order by',
          select(ORDERS, order, {
            id: 'page-order',
            onchange: (e) => setParam('order', e.target.value),
          }),
        ),
        table(
          'Worst pages',
          ['Page', 'Department', 'Page views', 'Frustrated', 'Rate', 'Top signal'],
          data.worst.map((p) => [
            pageLink(p.template),
            p.department || '–',
            count(p.pageViews),
            count(p.frustratedPageViews),
            percent(p.frustrationRate),
            topSignal(p.signals),
          ]),
          { numeric: [2, 3, 4], id: 'worst-pages', captionHidden: true },
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'departments-title' },
        h('h2', { id: 'departments-title' }, 'Worst departments'),
        table(
          'Departments by frustrated page views',
          ['Department', 'Page views', 'Frustrated', 'Rate', 'Signals'],
          departments(data.all).map((d) => [
            d.name,
            count(d.pageViews),
            count(d.frustrated),
            percent(d.rate),
            count(d.signals),
          ]),
          { numeric: [1, 2, 3, 4], id: 'departments', captionHidden: true },
        ),
      ),
    ),
    live,
  );
}

/** Alerts and new survey responses as they arrive over the WebSocket. */
function liveAlerts(ctx) {
  const state = h('span', { id: 'live-state', dataset: { state: 'connecting' } }, 'connecting…');
  const alerts = h('ul', { id: 'alerts', class: 'feed' });
  const responses = h('ul', { id: 'live-responses', class: 'feed' });
  const empty = (list, text) => list.append(h('li', { class: 'empty' }, text));
  empty(alerts, 'No alert so far: pages are within their usual range.');
  empty(responses, 'No new survey response since this page opened.');
  const setState = (value) => {
    state.dataset.state = value;
    state.textContent =
      value === 'connected' ? 'connected' : value === 'closed' ? 'disconnected' : 'connecting…';
  };
  const add = (list, item) => {
    list.querySelector('.empty')?.remove();
    list.prepend(item);
  };
  const sink = (onData) => ({
    next: onData,
    state: setState,
    error: (err) => {
      setState('closed');
      state.textContent = `disconnected: ${err.message}`;
    },
  });
  ctx.onCleanup(
    ctx.api.subscribe(
      ALERTS,
      { siteId: ctx.siteId },
      sink(({ frustrationAlerts: a }) =>
        add(
          alerts,
          h(
            'li',
            { class: 'alert' },
            h('strong', {}, `${kindLabel(a.kind)} rising on `),
            pageLink(a.template),
            ` — ${percent(a.rate)} of page views today (${count(a.count)} of ${count(a.pageViews)}), ` +
              `usually ${percent(a.baselineRate)} over ${a.baselineDays} days.`,
          ),
        ),
      ),
    ),
  );
  ctx.onCleanup(
    ctx.api.subscribe(
      LIVE_RESPONSES,
      { siteId: ctx.siteId },
      sink(({ surveyResponses: e }) =>
        add(
          responses,
          h(
            'li',
            { class: 'response', dataset: { responseId: e.response.id } },
            `${dateTime(e.response.submittedAt)}: a ${e.response.negative ? 'negative' : 'positive'} answer`,
            e.response.template ? [' on ', pageLink(e.response.template)] : '',
            ' — ',
            h('a', { href: `#/replay/${encodeURIComponent(e.sessionId)}` }, 'watch the session'),
          ),
        ),
      ),
    ),
  );
  return h(
    'section',
    { 'aria-labelledby': 'live-title', class: 'live' },
    h('h2', { id: 'live-title' }, 'Live'),
    h('p', {}, 'Connection: ', state),
    h(
      'div',
      { class: 'grid-2' },
      h(
        'div',
        {},
        h('h3', {}, 'Frustration alerts'),
        h(
          'div',
          { role: 'log', 'aria-live': 'polite', 'aria-label': 'Frustration alerts' },
          alerts,
        ),
      ),
      h(
        'div',
        {},
        h('h3', {}, 'Survey responses'),
        h(
          'div',
          { role: 'log', 'aria-live': 'polite', 'aria-label': 'Survey responses' },
          responses,
        ),
      ),
    ),
  );
}
