#!/usr/bin/env node
/**
 * The console in headless Chromium against a running Stuckpoint API that already holds data:
 *
 *   node console/test/console.mjs --base-url http://127.0.0.1:8000 --admin-key sp_… \
 *     --analyst-key sp_… [--privacy-key sp_…] [--site-key …] [--session-id site:session] \
 *     [--template /permits/apply] [--survey-id sv_…] [--artifacts test-artifacts/console] \
 *     [--docs-screenshots docs/screenshots]
 *
 * Every screen is compared with the API's own answers to independent queries. Prints one JSON
 * object on stdout, `{"checks": [{name, ok, detail}], "numbers": {...}}`; progress goes to
 * stderr; the exit code is 1 when a check failed.
 */

import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { clock, count, kindLabel, percent, percentValue } from '../src/format.js';
import { launch, waitFor } from './browser.mjs';

const { values: opts } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    'admin-key': { type: 'string' },
    'analyst-key': { type: 'string' },
    'privacy-key': { type: 'string' },
    'site-key': { type: 'string' },
    'session-id': { type: 'string' },
    template: { type: 'string' },
    'survey-id': { type: 'string' },
    artifacts: { type: 'string', default: 'test-artifacts/console' },
    'docs-screenshots': { type: 'string' },
  },
});
for (const required of ['base-url', 'admin-key', 'analyst-key']) {
  if (!opts[required]) {
    process.stderr.write(`console.mjs: --${required} is required\n`);
    process.exit(2);
  }
}

const BASE = opts['base-url'].replace(/\/$/, '');
const ORIGIN = new URL(BASE).origin;
const VIEWPORT = { width: 1366, height: 768 };
const LEAD_IN_MS = 1500;
const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);
const DOC_SHOTS = ['overview', 'page', 'shortlist', 'replay', 'audit', 'surveys'];

const checks = [];
const numbers = {};
const foreignRequests = [];
mkdirSync(opts.artifacts, { recursive: true });

function log(message) {
  process.stderr.write(`console: ${message}\n`);
}

function check(name, ok, detail = '') {
  checks.push({ name, ok: Boolean(ok), detail: ok ? '' : String(detail) });
  if (!ok) log(`FAILED ${name}: ${detail}`);
}

function same(name, actual, expected) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(name, a === e, `console shows ${a}, the API says ${e}`);
}

/** Run one part; an exception fails it without stopping the others. */
async function part(name, fn) {
  log(name);
  try {
    await fn();
  } catch (err) {
    check(name, false, err.stack || err.message);
  }
}

async function gql(key, query, variables = {}) {
  const response = await fetch(`${BASE}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

async function data(key, query, variables) {
  const body = await gql(key, query, variables);
  if (body.errors) throw new Error(`API error: ${JSON.stringify(body.errors)}`);
  return body.data;
}

// --- Browser helpers --------------------------------------------------------------------------

async function newPage(browser) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const watch = (url) => {
    if (
      !/^(data|blob|about):/.test(url) &&
      new URL(url).origin !== ORIGIN.replace(/^http/, url.startsWith('ws') ? 'ws' : 'http')
    ) {
      foreignRequests.push(url);
    }
  };
  context.on('request', (request) => watch(request.url()));
  const page = await context.newPage();
  page.on('websocket', (ws) => watch(ws.url()));
  page.on('pageerror', (err) => check('network: no script error in the page', false, err.message));
  return page;
}

/** Sign in through the form with the keyboard only: the key field has the focus. */
async function signIn(page, key, shot = null) {
  await page.goto(`${BASE}/console/`);
  await page.waitForSelector('#api-key');
  await waitFor(
    () => page.evaluate(() => document.activeElement?.id === 'api-key'),
    5000,
    'focus on the key field',
  );
  if (shot) await screenshot(page, shot);
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#role');
  return page.getAttribute('#role', 'data-role');
}

async function go(page, hash, ready) {
  await page.evaluate((h) => {
    window.location.hash = h;
  }, hash);
  await page.waitForSelector(ready, { timeout: 20000 });
  await page.waitForTimeout(300);
}

/** Body rows of a table as arrays of cell texts; the "no data" row counts as none. */
function rows(page, selector) {
  return page.$$eval(`${selector} tbody tr`, (trs) =>
    trs
      .filter((tr) => !tr.querySelector('td.empty'))
      .map((tr) => [...tr.cells].map((td) => td.textContent.trim())),
  );
}

function kpi(page, container, name) {
  return page.textContent(`${container} [data-kpi="${name}"] dd`).then((t) => t.trim());
}

async function range(page) {
  return { from: await page.inputValue('#range-from'), to: await page.inputValue('#range-to') };
}

/** How many pixels of a canvas differ from its top-left (background) pixel. */
function paintedPixels(page, selector) {
  return page.$eval(selector, (canvas) => {
    const ctx = canvas.getContext('2d');
    const { data: px } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 0; i < px.length; i += 16) {
      if (px[i] !== px[0] || px[i + 1] !== px[1] || px[i + 2] !== px[2]) painted += 1;
    }
    return painted;
  });
}

async function screenshot(page, name) {
  const path = join(opts.artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (opts['docs-screenshots'] && DOC_SHOTS.includes(name)) {
    mkdirSync(opts['docs-screenshots'], { recursive: true });
    copyFileSync(path, join(opts['docs-screenshots'], `console-${name}.png`));
  }
}

/** axe-core on the current screen; serious and critical WCAG 2.1 A/AA violations fail. */
async function accessible(page, screen) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(
      { exclude: [['.replayer-wrapper']] },
      { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    );
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.length,
      target: v.nodes[0]?.target,
    }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(
    `a11y: ${screen} has no serious WCAG violation`,
    serious.length === 0,
    JSON.stringify(serious),
  );
  numbers.a11y = {
    ...(numbers.a11y || {}),
    [screen]: violations.map((v) => `${v.id} (${v.impact})`),
  };
}

// --- API queries (independent of the console's own) ------------------------------------------

const Q = {
  sites: `{ sites { id } }`,
  series: `query($s: String!, $r: DateRange!, $i: Interval!) { siteSeries(siteId: $s, range: $r, interval: $i) {
    sessions pageViews frustratedPageViews signals { kind count } } }`,
  pages: `query($s: String!, $r: DateRange!, $o: PageOrder!, $n: Int!) { pages(siteId: $s, range: $r, order: $o, first: $n) {
    template department pageViews frustratedPageViews frustrationRate signals { kind count } } }`,
  page: `query($s: String!, $t: String!, $r: DateRange!, $k: String) { page(siteId: $s, template: $t, range: $r) {
    metrics { sessions pageViews frustratedPageViews frustrationRate signals { kind count rate } }
    topElements(kind: $k, first: 10) { kind selector text count }
    heatmap(viewportClass: "desktop") { binPx clicks bins { x y count } }
    signals(first: 20) { id } } }`,
  shortlist: `query($s: String!, $r: DateRange!) { replayShortlist(siteId: $s, range: $r, first: 20, perGroup: 5) { reason size } }`,
  session: `query($id: ID!) { session(id: $id) {
    pageViews { id windowId } signals(includeFalsePositives: false) { id kind ts pageViewId }
    surveyResponses { id } replay(first: 500) { windowId events } } }`,
  audit: `query($s: String, $r: DateRange!) { redactionAudit(range: $r, siteId: $s) {
    chunks byEntity { name count } byFieldKind { name count } policies { version chunks } bySession(first: 20) { key } } }`,
  surveys: `query($s: String!) { surveys(siteId: $s, first: 50) { id } }`,
  survey: `query($id: ID!, $f: DateTime, $t: DateTime) { survey(id: $id) { status rules { kind value exclude } trigger { kind seconds }
    results(from: $f, to: $t) { shown answered responseRatePercent question { distribution { value count } }
      byPage { key shown answered } } } }`,
};

function rangeTimes(r) {
  const to = new Date(`${r.to}T00:00:00Z`);
  to.setUTCDate(to.getUTCDate() + 1);
  return { f: `${r.from}T00:00:00+00:00`, t: to.toISOString().replace('.000Z', '+00:00') };
}

// --- The screens ------------------------------------------------------------------------------

const admin = opts['admin-key'];
let siteId = null;

async function overview(page) {
  await page.waitForSelector('#overview-kpis');
  const r = await range(page);
  const interval = await page.inputValue('#interval');
  const order = await page.inputValue('#page-order');
  const { siteSeries } = await data(admin, Q.series, { s: siteId, r, i: interval });
  const sum = { sessions: 0, pageViews: 0, frustrated: 0, signals: {} };
  for (const p of siteSeries) {
    sum.sessions += p.sessions;
    sum.pageViews += p.pageViews;
    sum.frustrated += p.frustratedPageViews;
    for (const s of p.signals) sum.signals[s.kind] = (sum.signals[s.kind] || 0) + s.count;
  }
  numbers.overview = { ...sum, range: r, interval };
  same('overview: sessions', await kpi(page, '#overview-kpis', 'sessions'), count(sum.sessions));
  same(
    'overview: page views',
    await kpi(page, '#overview-kpis', 'pageViews'),
    count(sum.pageViews),
  );
  same(
    'overview: frustrated page views',
    await kpi(page, '#overview-kpis', 'frustrated'),
    count(sum.frustrated),
  );
  same(
    'overview: frustration rate',
    await kpi(page, '#overview-kpis', 'rate'),
    percent(sum.pageViews ? sum.frustrated / sum.pageViews : 0),
  );
  const kinds = Object.entries(sum.signals).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  same(
    'overview: signal totals by kind',
    await rows(page, '#signal-totals'),
    kinds.map(([k, n]) => [kindLabel(k), count(n)]),
  );

  for (const chart of ['#overview-rate-chart', '#overview-signals-chart']) {
    await page.waitForSelector(`${chart} .uplot canvas`);
    check(
      `overview: ${chart} is drawn by uPlot`,
      (await paintedPixels(page, `${chart} .uplot canvas`)) > 50,
      'blank canvas',
    );
    same(
      `overview: ${chart} table has a row per point`,
      (await rows(page, `${chart} .chart-data table`)).length,
      siteSeries.length,
    );
  }

  const { pages: worst } = await data(admin, Q.pages, { s: siteId, r, o: order, n: 10 });
  same(
    'overview: worst pages',
    (await rows(page, '#worst-pages')).map((row) => row.slice(0, 5)),
    worst.map((p) => [
      p.template,
      p.department || '–',
      count(p.pageViews),
      count(p.frustratedPageViews),
      percent(p.frustrationRate),
    ]),
  );
  const { pages: all } = await data(admin, Q.pages, { s: siteId, r, o: 'PAGE_VIEWS', n: 500 });
  const departments = {};
  for (const p of all) {
    const d = (departments[p.department || 'No department'] ||= { views: 0, frustrated: 0 });
    d.views += p.pageViews;
    d.frustrated += p.frustratedPageViews;
  }
  const shown = Object.fromEntries(
    (await rows(page, '#departments')).map((row) => [row[0], [row[1], row[2]]]),
  );
  same(
    'overview: departments',
    shown,
    Object.fromEntries(
      Object.entries(departments)
        .sort()
        .map(([name, d]) => [name, [count(d.views), count(d.frustrated)]]),
    ),
  );
  numbers.overview.departments = Object.keys(departments).length;
}

async function live(page) {
  await waitFor(
    () => page.getAttribute('#live-state', 'data-state').then((s) => s === 'connected'),
    20000,
    'the live subscription',
  );
  check('overview: live subscription connected over graphql-ws', true);
  if (!opts['site-key'] || !opts['survey-id']) return;
  const session = `console-live-${Date.now()}`;
  const body = {
    site_key: opts['site-key'],
    session_id: session,
    visitor_id: session,
    url: `/permits/apply`,
    lang: 'en',
  };
  for (const [action, extra] of [
    ['shown', {}],
    ['responses', { answers: { main: 4 } }],
  ]) {
    const response = await fetch(`${BASE}/surveys/${opts['survey-id']}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, ...extra }),
    });
    if (response.status !== 201)
      throw new Error(`survey ${action}: ${response.status} ${await response.text()}`);
  }
  await waitFor(
    () => page.$(`#live-responses li.response a[href*="${session}"]`),
    30000,
    'the live survey response',
  );
  check('overview: a new survey response arrives over the subscription', true);
}

async function pageView(page) {
  const template = opts.template;
  const link = page.locator('#worst-pages a', { hasText: template });
  if (await link.count()) {
    await link.first().focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#page-kpis');
  } else {
    await go(page, `#/pages/${encodeURIComponent(template)}`, '#page-kpis');
  }
  await page.waitForTimeout(300);
  const r = await range(page);
  const { page: api } = await data(admin, Q.page, { s: siteId, t: template, r, k: null });
  const m = api.metrics;
  numbers.page = {
    template,
    pageViews: m.pageViews,
    heatmapClicks: api.heatmap.clicks,
    heatmapBins: api.heatmap.bins.length,
  };
  same('page: page views', await kpi(page, '#page-kpis', 'pageViews'), count(m.pageViews));
  same(
    'page: frustrated page views',
    await kpi(page, '#page-kpis', 'frustrated'),
    count(m.frustratedPageViews),
  );
  same('page: frustration rate', await kpi(page, '#page-kpis', 'rate'), percent(m.frustrationRate));
  same(
    'page: signals by kind',
    await rows(page, '#page-signals'),
    m.signals.map((s) => [kindLabel(s.kind), count(s.count), s.rate.toFixed(3)]),
  );
  same(
    'page: top elements',
    await rows(page, '#top-elements'),
    api.topElements.map((e) => [e.selector, e.text || '–', kindLabel(e.kind), count(e.count)]),
  );
  same('page: recent signals', (await rows(page, '#recent-signals')).length, api.signals.length);
  same(
    'page: heatmap clicks',
    await page.getAttribute('#heatmap-canvas', 'data-clicks'),
    String(api.heatmap.clicks),
  );
  same(
    'page: heatmap bins',
    await page.getAttribute('#heatmap-canvas', 'data-bins'),
    String(api.heatmap.bins.length),
  );
  check(
    'page: heatmap summary gives the clicks',
    (await page.textContent('#heatmap-summary')).startsWith(`${count(api.heatmap.clicks)} clicks`),
    await page.textContent('#heatmap-summary'),
  );
  check(
    'page: heatmap bins are painted on the canvas',
    (await paintedPixels(page, '#heatmap-canvas')) > 10,
    'nothing painted',
  );
  for (const chart of ['#page-rate-chart', '#page-signals-chart']) {
    check(
      `page: ${chart} is drawn by uPlot`,
      (await paintedPixels(page, `${chart} .uplot canvas`)) > 50,
      'blank canvas',
    );
  }
  if (opts['survey-id']) {
    const { survey } = await data(admin, Q.survey, { id: opts['survey-id'], ...rangeTimes(r) });
    const group = survey.results.byPage.find((g) => g.key === template);
    const card = `#page-surveys [data-survey-id="${opts['survey-id']}"]`;
    same(
      'page: survey answered on this page',
      await kpi(page, card, 'answered'),
      count(group?.answered ?? 0),
    );
    same(
      'page: survey shown on this page',
      await kpi(page, card, 'shown'),
      count(group?.shown ?? 0),
    );
  }
  await screenshot(page, 'page');
  await accessible(page, 'page');

  // Filter the elements by one signal kind with the keyboard.
  const kind = m.signals[0]?.kind;
  if (kind) {
    await page.focus('#element-kind');
    await page.selectOption('#element-kind', kind);
    await page.waitForFunction((k) => window.location.hash.includes(`kind=${k}`), kind);
    await page.waitForSelector('#top-elements');
    await page.waitForTimeout(500);
    const { page: filtered } = await data(admin, Q.page, { s: siteId, t: template, r, k: kind });
    same(
      `page: top elements for ${kind}`,
      await rows(page, '#top-elements'),
      filtered.topElements.map((e) => [
        e.selector,
        e.text || '–',
        kindLabel(e.kind),
        count(e.count),
      ]),
    );
  }
}

async function shortlist(page) {
  await page.click('nav a[href="#/shortlist"]');
  await page.waitForSelector('#shortlist, #shortlist-empty');
  const r = await range(page);
  const { replayShortlist: groups } = await data(admin, Q.shortlist, { s: siteId, r });
  const shown = await page.$$eval('#shortlist > li', (lis) =>
    lis.map((li) => [Number(li.dataset.size), li.querySelector('.reason').textContent]),
  );
  same(
    'shortlist: groups with size and reason',
    shown,
    groups.map((g) => [g.size, g.reason]),
  );
  numbers.shortlist = { groups: groups.length, sizes: groups.map((g) => g.size) };
  await screenshot(page, 'shortlist');
  await accessible(page, 'shortlist');
}

async function replay(page) {
  const sessionId = opts['session-id'];
  const { session } = await data(admin, Q.session, { id: sessionId });
  await go(page, `#/replay/${encodeURIComponent(sessionId)}`, '.replayer-wrapper iframe');
  await page.waitForSelector('.marker');
  const windowId = session.replay[0].windowId;
  const events = session.replay.filter((c) => c.windowId === windowId).flatMap((c) => c.events);
  const start = Math.min(...events.map((e) => e.timestamp));
  const end = Math.max(...events.map((e) => e.timestamp));
  const views = Object.fromEntries(session.pageViews.map((v) => [v.id, v.windowId]));
  const signals = session.signals.filter((s) => !s.pageViewId || views[s.pageViewId] === windowId);

  const markers = await page.$$eval('.marker', (buttons) =>
    buttons.map((b) => ({
      id: b.dataset.markerId,
      kind: b.dataset.kind,
      offset: Number(b.dataset.offsetMs),
    })),
  );
  numbers.replay = { markerKinds: markers.map((m) => m.kind), events: events.length };
  same(
    'replay: one marker per signal and survey answer',
    markers.length,
    signals.length + session.surveyResponses.length,
  );
  for (const signal of signals) {
    const marker = markers.find((m) => m.id === signal.id);
    same(
      `replay: ${signal.kind} marker sits at its time`,
      marker?.offset,
      Math.min(Math.max(0, Date.parse(signal.ts) - start), end - start),
    );
  }

  // Jump with the keyboard to the first signal, then with the mouse to the last one.
  const jumps = [signals[0], signals.at(-1)].filter(Boolean);
  for (const [i, signal] of jumps.entries()) {
    const button = page.locator(`.marker[data-marker-id="${signal.id}"]`);
    if (i === 0) {
      await button.focus();
      await page.keyboard.press('Enter');
    } else {
      await button.click();
    }
    const target = Math.max(0, Number(await button.getAttribute('data-offset-ms')) - LEAD_IN_MS);
    const at = await waitFor(
      async () => {
        const ms = Number(await page.getAttribute('#replay-time', 'data-current-ms'));
        return Math.abs(ms - target) <= 300 ? ms : null;
      },
      5000,
      `the player at ${clock(target)}`,
    );
    check(
      `replay: the ${signal.kind} marker jumps to ${clock(target)}`,
      Math.abs(at - target) <= 300,
      `at ${at}`,
    );
  }
  await screenshot(page, 'replay');

  // Play at 4× without skipping: the clock must run about four times as fast as the wall.
  await page.selectOption('#speed', '4');
  await page.uncheck('#skip-inactive');
  await page.focus('#position');
  await page.keyboard.press('Home');
  await page.waitForTimeout(200);
  const before = Number(await page.getAttribute('#replay-time', 'data-current-ms'));
  await page.click('#play');
  await waitFor(
    () => page.getAttribute('#play', 'data-state').then((s) => s === 'playing'),
    3000,
    'playing',
  );
  await page.waitForTimeout(1000);
  await page.click('#play');
  const after = Number(await page.getAttribute('#replay-time', 'data-current-ms'));
  numbers.replay.advancedMsIn1s = after - before;
  check(
    'replay: plays at the chosen speed',
    after - before >= 2500,
    `advanced ${after - before} ms in 1 s at 4×`,
  );
  await page.check('#skip-inactive');
  check(
    'replay: skip inactivity can be switched back on',
    await page.isChecked('#skip-inactive'),
    'unchecked',
  );

  // At the end every typed value has been replayed: masked fields must show their masks.
  await page.focus('#position');
  await page.keyboard.press('End');
  await page.waitForTimeout(800);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  const fields = await frame.evaluate(() => {
    const text = document.querySelector('input[type="text"], input:not([type])');
    const select = document.querySelector('select');
    return {
      text: text ? text.value : null,
      select: select ? (select.options[select.selectedIndex]?.text ?? '') : null,
    };
  });
  numbers.replay.textFieldValue = fields.text;
  numbers.replay.selectText = fields.select;
  check(
    'replay: the masked text field shows its mask',
    /^\*+$/.test(fields.text || ''),
    JSON.stringify(fields.text),
  );
  check(
    'replay: the masked select shows its mask',
    /^\*+$/.test(fields.select || ''),
    JSON.stringify(fields.select),
  );
  await accessible(page, 'replay');
}

async function audit(page, key, who) {
  await page.click('nav a[href="#/audit"]');
  await page.waitForSelector('#audit-kpis');
  const r = await range(page);
  const { redactionAudit: api } = await data(key, Q.audit, { s: siteId, r });
  const redactions = api.byEntity.reduce((n, c) => n + c.count, 0);
  numbers.audit = { chunks: api.chunks, redactions };
  same(`audit (${who}): batches`, await kpi(page, '#audit-kpis', 'chunks'), count(api.chunks));
  same(
    `audit (${who}): redactions`,
    await kpi(page, '#audit-kpis', 'redactions'),
    count(redactions),
  );
  same(
    `audit (${who}): policy in force`,
    await kpi(page, '#audit-kpis', 'policy'),
    api.policies.at(-1)?.version ?? '–',
  );
  same(
    `audit (${who}): by entity type`,
    await rows(page, '#by-entity'),
    api.byEntity.map((c) => [c.name, count(c.count)]),
  );
  same(
    `audit (${who}): by field kind`,
    await rows(page, '#by-field-kind'),
    api.byFieldKind.map((c) => [c.name, count(c.count)]),
  );
  same(
    `audit (${who}): policies`,
    (await rows(page, '#policies')).map((row) => [row[0], row[4]]),
    api.policies.map((p) => [p.version, count(p.chunks)]),
  );
  same(
    `audit (${who}): sessions`,
    (await rows(page, '#by-session')).map((row) => row[0]),
    api.bySession.map((g) => g.key),
  );
  check(
    `audit (${who}): entity chart drawn`,
    (await paintedPixels(page, '#audit-entity-chart .uplot canvas')) > 50,
    'blank canvas',
  );
}

async function surveys(page) {
  await page.click('nav a[href="#/surveys"]');
  await page.waitForSelector('#surveys');
  const { surveys: list } = await data(admin, Q.surveys, { s: siteId });
  same('surveys: one row per survey', (await rows(page, '#surveys')).length, list.length);
  await screenshot(page, 'surveys');
  await accessible(page, 'surveys');

  // Create one with a targeting rule, mostly with the keyboard.
  await page.click('#new-survey');
  await page.waitForSelector('#survey-form');
  const name = `Console check ${Date.now()}`;
  await page.focus('#survey-name');
  await page.keyboard.type(name);
  await page.focus('#survey-question');
  await page.keyboard.type('Did you find what you needed?');
  await page.focus('#add-rule');
  await page.keyboard.press('Enter');
  await page.selectOption('.rule-kind', 'PREFIX');
  await page.fill('.rule-value', '/water');
  await page.selectOption('#survey-trigger', 'DELAY');
  await page.fill('#survey-seconds', '5');
  await accessible(page, 'survey form');
  await page.click('#create-survey');
  await page.waitForFunction(() => /^#\/surveys\/(?!new)/.test(window.location.hash));
  await page.waitForSelector('#survey-status');
  const id = decodeURIComponent((await page.evaluate(() => window.location.hash)).split('/')[2]);
  const r = await range(page);
  let { survey } = await data(admin, Q.survey, { id, ...rangeTimes(r) });
  same('surveys: created with its rule', survey.rules, [
    { kind: 'PREFIX', value: '/water', exclude: false },
  ]);
  same('surveys: created with its trigger', survey.trigger, { kind: 'DELAY', seconds: 5 });
  same('surveys: created active', survey.status, 'ACTIVE');

  await page.click('button[data-action="pause"]');
  await waitFor(
    () => page.textContent('#survey-status').then((t) => t === 'paused'),
    5000,
    'the paused status',
  );
  ({ survey } = await data(admin, Q.survey, { id, ...rangeTimes(r) }));
  same('surveys: paused through the console', survey.status, 'PAUSED');

  if (opts['survey-id']) {
    await go(page, `#/surveys/${encodeURIComponent(opts['survey-id'])}`, '#survey-counts');
    ({ survey } = await data(admin, Q.survey, { id: opts['survey-id'], ...rangeTimes(r) }));
    const res = survey.results;
    numbers.surveys = { shown: res.shown, answered: res.answered };
    same('surveys: results shown', await kpi(page, '#survey-counts', 'shown'), count(res.shown));
    same(
      'surveys: results answered',
      await kpi(page, '#survey-counts', 'answered'),
      count(res.answered),
    );
    same(
      'surveys: response rate',
      await kpi(page, '#survey-counts', 'responseRate'),
      percentValue(res.responseRatePercent),
    );
    same(
      'surveys: answers by value',
      (await rows(page, '#survey-distribution')).map((row) => row.slice(0, 2)),
      res.question.distribution.map((d) => [String(d.value), count(d.count)]),
    );
    check(
      'surveys: per-day chart drawn',
      (await paintedPixels(page, '#survey-day-chart .uplot canvas')) > 50,
      'blank canvas',
    );
    await screenshot(page, 'survey');
  }
}

async function analyst(browser) {
  const page = await newPage(browser);
  const role = await signIn(page, opts['analyst-key']);
  same('analyst: signed in as analyst', role, 'analyst');
  const nav = await page.$$eval('nav a', (links) => links.map((a) => a.textContent));
  check(
    'analyst: no audit in the navigation',
    !nav.includes('Redaction audit'),
    JSON.stringify(nav),
  );
  await go(page, '#/audit', '#refused');
  check(
    'analyst: the audit screen is refused',
    (await page.$('#audit-kpis')) === null,
    'audit rendered',
  );
  await screenshot(page, 'analyst-audit-refused');
  const today = new Date().toISOString().slice(0, 10);
  const refused = await gql(opts['analyst-key'], Q.audit, {
    s: siteId,
    r: { from: today, to: today },
  });
  same(
    'analyst: the API refuses the audit too',
    refused.errors?.[0]?.extensions?.code,
    'forbidden',
  );
  await page.context().close();
}

async function privacyOfficer(browser) {
  const page = await newPage(browser);
  same(
    'audit: privacy officer signs in with that role',
    await signIn(page, opts['privacy-key']),
    'privacy_officer',
  );
  await audit(page, opts['privacy-key'], 'privacy officer');
  await page.context().close();
}

// --- Run --------------------------------------------------------------------------------------

const browser = await launch();
try {
  ({
    sites: [{ id: siteId }],
  } = await data(admin, Q.sites));
  const page = await newPage(browser);
  await part('sign in', async () => {
    same(
      'overview: signed in as admin with the keyboard',
      await signIn(page, admin, 'sign-in'),
      'admin',
    );
    await page.waitForSelector('#overview-kpis');
  });
  await part('overview', async () => {
    await overview(page);
    await screenshot(page, 'overview');
    await accessible(page, 'overview');
  });
  await part('overview: live', () => live(page));
  if (opts.template) await part('page', () => pageView(page));
  await part('shortlist', () => shortlist(page));
  if (opts['session-id']) await part('replay', () => replay(page));
  await part('audit', async () => {
    await audit(page, admin, 'admin');
    await screenshot(page, 'audit');
    await accessible(page, 'audit');
  });
  if (opts['privacy-key']) await part('audit: privacy officer', () => privacyOfficer(browser));
  await part('surveys', () => surveys(page));
  await part('analyst', () => analyst(browser));
  check(
    'network: no request left this server',
    foreignRequests.length === 0,
    foreignRequests.join(', '),
  );
} finally {
  await browser.close();
}

process.stdout.write(`${JSON.stringify({ checks, numbers })}\n`);
const failures = checks.filter((c) => !c.ok).length;
log(`${checks.length - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
