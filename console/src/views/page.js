/** One page template: metrics over the range, series, top elements by signal, click heatmap,
 * recent signals and survey results on this page. */

import { field, fill, h, hidden, select, table } from '../dom.js';
import { count, dateTime, kindLabel, percent } from '../format.js';
import { heatmapFigure } from '../heatmap.js';
import { PAGE, PAGE_SURVEYS } from '../queries.js';
import { intervalFor, kpis, seriesCharts } from './overview.js';
import { questionResults, rangeTimes, responseCounts } from './results.js';

const VIEWPORTS = [
  ['desktop', 'Desktop (1024 px and wider)'],
  ['tablet', 'Tablet (768–1023 px)'],
  ['mobile', 'Mobile (under 768 px)'],
];

export async function renderPage(ctx, main) {
  const [template] = ctx.args;
  const interval = intervalFor(ctx.range, ctx.params.interval);
  const kind = ctx.params.kind || null;
  const viewport = VIEWPORTS.some(([v]) => v === ctx.params.viewport)
    ? ctx.params.viewport
    : 'desktop';
  const [{ page }, surveys] = await Promise.all([
    ctx.api.query(PAGE, {
      siteId: ctx.siteId,
      template,
      range: ctx.range,
      interval,
      kind,
      viewport,
    }),
    ctx.api.query(PAGE_SURVEYS, { siteId: ctx.siteId, ...rangeTimes(ctx.range) }).catch(() => null),
  ]);
  const setParam = (name, value) => {
    const params = new URLSearchParams({ ...ctx.params, [name]: value });
    if (!value) params.delete(name);
    window.location.hash = `#/pages/${encodeURIComponent(template)}?${params}`;
  };
  const m = page.metrics;
  const sum = m
    ? {
        sessions: m.sessions,
        pageViews: m.pageViews,
        frustrated: m.frustratedPageViews,
        rate: m.frustrationRate,
      }
    : { sessions: 0, pageViews: 0, frustrated: 0, rate: 0 };

  fill(
    main,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/overview' }, 'Overview'), ' › Page'),
    h('h1', {}, h('span', { class: 'visually-hidden' }, 'Page '), h('code', {}, template)),
    h(
      'p',
      { class: 'lede' },
      `${m?.department || 'No department'} · ${ctx.range.from} to ${ctx.range.to} (UTC)`,
    ),
    kpis(sum, 'page-kpis'),
    m
      ? table(
          'Signals on this page',
          ['Signal', 'Count', 'Per page view'],
          m.signals.map((s) => [kindLabel(s.kind), count(s.count), s.rate.toFixed(3)]),
          { numeric: [1, 2], id: 'page-signals' },
        )
      : h('p', {}, 'This page had no views in the range.'),
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
      ),
    ),
    h('div', { class: 'grid-2' }, seriesCharts(page.series, interval, 'page')),
    h(
      'div',
      { class: 'grid-2' },
      h(
        'section',
        { 'aria-labelledby': 'elements-title' },
        h('h2', { id: 'elements-title' }, 'Top elements by signal'),
        field(
          'Signal',
          select(
            [['', 'All signals'], ...kindsOn(m, kind).map((k) => [k, kindLabel(k)])],
            kind || '',
            {
              id: 'element-kind',
              onchange: (e) => setParam('kind', e.target.value),
            },
          ),
        ),
        table(
          'Top elements by signal',
          ['Element', 'Text', 'Signal', 'Count'],
          page.topElements.map((e) => [
            h('code', {}, e.selector),
            e.text || '–',
            kindLabel(e.kind),
            count(e.count),
          ]),
          { numeric: [3], id: 'top-elements', captionHidden: true },
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'heatmap-title' },
        h('h2', { id: 'heatmap-title' }, 'Click heatmap'),
        field(
          'Screen size',
          select(VIEWPORTS, viewport, {
            id: 'viewport',
            onchange: (e) => setParam('viewport', e.target.value),
          }),
        ),
        heatmapFigure(page.heatmap),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'recent-title' },
      h('h2', { id: 'recent-title' }, 'Recent signals'),
      table(
        'Recent signals on this page',
        ['When', 'Signal', 'Element', 'Replay'],
        page.signals.map((s) => [
          dateTime(s.ts),
          kindLabel(s.kind),
          s.selector ? h('code', {}, s.selector) : '–',
          h(
            'a',
            {
              href: `#/replay/${encodeURIComponent(s.sessionId)}?signal=${encodeURIComponent(s.id)}`,
            },
            'Watch',
            hidden(` the ${kindLabel(s.kind).toLowerCase()} of ${dateTime(s.ts)}`),
          ),
        ]),
        { id: 'recent-signals', captionHidden: true },
      ),
    ),
    pageSurveys(surveys, template),
  );
}

/** The signal kinds seen on the page in the range (the API has no list of kinds). */
function kindsOn(metrics, chosen) {
  const kinds = new Set((metrics?.signals || []).map((s) => s.kind));
  if (chosen) kinds.add(chosen);
  return [...kinds].sort();
}

function pageSurveys(data, template) {
  const section = h(
    'section',
    { 'aria-labelledby': 'page-surveys-title', id: 'page-surveys' },
    h('h2', { id: 'page-surveys-title' }, 'Survey results on this page'),
  );
  if (!data) {
    section.append(h('p', {}, 'Survey results could not be loaded.'));
    return section;
  }
  const found = data.surveys
    .map((s) => ({ survey: s, group: s.results.byPage.find((g) => g.key === template) }))
    .filter((x) => x.group);
  if (!found.length) {
    section.append(h('p', {}, 'No survey was shown on this page in the range.'));
    return section;
  }
  for (const { survey, group } of found) {
    section.append(
      h(
        'article',
        { class: 'card', dataset: { surveyId: survey.id } },
        h(
          'h3',
          {},
          h('a', { href: `#/surveys/${encodeURIComponent(survey.id)}` }, survey.name),
          ` (${survey.status.toLowerCase()})`,
        ),
        responseCounts(group),
        questionResults(group.question, `page-survey-${survey.id}`),
      ),
    );
  }
  return section;
}
