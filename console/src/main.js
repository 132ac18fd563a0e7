/** The console's shell: sign-in, header (site and date range), navigation and the hash router. */

import './style.css';

import { ApiError } from './api.js';
import { announce, field, fill, h, select } from './dom.js';
import { addDays, isoDay } from './format.js';
import { forgetKey, seesAudit, signIn, storedKey } from './session.js';
import { renderAudit } from './views/audit.js';
import { renderOverview } from './views/overview.js';
import { renderPage } from './views/page.js';
import { renderReplay } from './views/replay.js';
import { renderShortlist } from './views/shortlist.js';
import { renderSignIn } from './views/signin.js';
import { renderSurvey, renderSurveyForm, renderSurveys } from './views/surveys.js';

const RANGE_KEY = 'stuckpoint.console.range';
const SITE_KEY = 'stuckpoint.console.site';
const DEFAULT_DAYS = 7;

const app = document.getElementById('app');
let state = null;
let cleanups = [];
// Bumped on every render: a view still loading for an older render must not leave work behind.
let generation = 0;

/** Routes: a pattern on the hash path, the view, and whether the role may open it. */
const ROUTES = [
  { path: /^\/overview$/, view: renderOverview, nav: 'overview' },
  { path: /^\/pages\/(.+)$/, view: renderPage, nav: 'overview' },
  { path: /^\/shortlist$/, view: renderShortlist, nav: 'shortlist' },
  { path: /^\/replay\/(.+)$/, view: renderReplay, nav: 'shortlist' },
  { path: /^\/surveys$/, view: renderSurveys, nav: 'surveys' },
  { path: /^\/surveys\/new$/, view: renderSurveyForm, nav: 'surveys' },
  { path: /^\/surveys\/(.+)$/, view: renderSurvey, nav: 'surveys' },
  { path: /^\/audit$/, view: renderAudit, nav: 'audit', allowed: seesAudit },
];

const NAV = [
  ['overview', '#/overview', 'Overview'],
  ['shortlist', '#/shortlist', 'Replay shortlist'],
  ['surveys', '#/surveys', 'Surveys'],
  ['audit', '#/audit', 'Redaction audit', seesAudit],
];

function initialRange() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(RANGE_KEY));
    if (saved?.from && saved?.to) return saved;
  } catch {
    // A damaged saved range falls back to the default.
  }
  const to = isoDay(new Date());
  return { from: addDays(to, -(DEFAULT_DAYS - 1)), to };
}

async function start() {
  const key = storedKey();
  if (!key) {
    showSignIn();
    return;
  }
  try {
    await enter(await signIn(key));
  } catch (err) {
    forgetKey();
    showSignIn(err instanceof ApiError ? err.message : String(err));
  }
}

function showSignIn(error = null) {
  state?.api.close();
  state = null;
  runCleanups();
  generation += 1;
  fill(app, renderSignIn({ error, onKey: trySignIn }));
  document.title = 'Sign in · Stuckpoint console';
}

async function trySignIn(key) {
  const signed = await signIn(key);
  if (!window.location.hash || window.location.hash === '#/') {
    window.history.replaceState(null, '', '#/overview');
  }
  await enter(signed);
}

async function enter({ api, role, sites }) {
  const savedSite = sessionStorage.getItem(SITE_KEY);
  const site = sites.find((s) => s.id === savedSite) || sites[0] || null;
  state = { api, role, sites, siteId: site?.id ?? null, range: initialRange() };
  window.addEventListener('hashchange', route);
  route();
}

function signOut() {
  forgetKey();
  window.removeEventListener('hashchange', route);
  window.location.hash = '';
  showSignIn();
  announce('Signed out.');
}

function header(active) {
  const siteControl =
    state.sites.length > 1
      ? field(
          'Site',
          select(
            state.sites.map((s) => [s.id, s.name]),
            state.siteId,
            {
              id: 'site',
              onchange: (e) => {
                state.siteId = e.target.value;
                sessionStorage.setItem(SITE_KEY, state.siteId);
                route();
              },
            },
          ),
        )
      : h(
          'p',
          { class: 'site-name' },
          h('span', { class: 'label' }, 'Site '),
          state.sites[0]?.name ?? 'none',
        );
  const from = h('input', {
    type: 'date',
    id: 'range-from',
    value: state.range.from,
    required: true,
  });
  const to = h('input', { type: 'date', id: 'range-to', value: state.range.to, required: true });
  const rangeForm = h(
    'form',
    {
      class: 'range',
      'aria-label': 'Date range (UTC days)',
      onsubmit: (e) => {
        e.preventDefault();
        setRange(from.value, to.value);
      },
    },
    field('From', from),
    field('To', to),
    h('button', { type: 'submit' }, 'Apply'),
    h(
      'div',
      { class: 'presets', role: 'group', 'aria-label': 'Quick ranges' },
      [
        ['Today', 1],
        ['7 days', 7],
        ['30 days', 30],
      ].map(([label, days]) =>
        h(
          'button',
          {
            type: 'button',
            class: 'link-button',
            onclick: () => {
              const end = isoDay(new Date());
              setRange(addDays(end, -(days - 1)), end);
            },
          },
          label,
        ),
      ),
    ),
  );
  return h(
    'header',
    { class: 'top' },
    h(
      'div',
      { class: 'brand' },
      h('span', { class: 'logo', 'aria-hidden': 'true' }, '◆'),
      'Stuckpoint',
    ),
    h(
      'nav',
      { 'aria-label': 'Main' },
      h(
        'ul',
        {},
        NAV.filter(([, , , allowed]) => !allowed || allowed(state.role)).map(
          ([name, href, label]) =>
            h('li', {}, h('a', { href, 'aria-current': name === active ? 'page' : null }, label)),
        ),
      ),
    ),
    siteControl,
    rangeForm,
    h(
      'div',
      { class: 'who' },
      h(
        'span',
        { class: 'role', id: 'role', dataset: { role: state.role } },
        `Role: ${state.role.replace('_', ' ')}`,
      ),
      h('button', { type: 'button', onclick: signOut, id: 'sign-out' }, 'Sign out'),
    ),
  );
}

function setRange(from, to) {
  if (!from || !to || from > to) {
    announce('The start of the range must be on or before its end.');
    return;
  }
  state.range = { from, to };
  sessionStorage.setItem(RANGE_KEY, JSON.stringify(state.range));
  route();
  announce(`Showing ${from} to ${to}.`);
}

function runCleanups() {
  cleanups.forEach((fn) => {
    try {
      fn();
    } catch {
      // A view's cleanup failing must not keep the next view from rendering.
    }
  });
  cleanups = [];
}

/** Render the view the hash names into a fresh main element. */
function route() {
  if (!state) return;
  runCleanups();
  generation += 1;
  const mine = generation;
  const [path, queryString = ''] = (window.location.hash.slice(1) || '/overview').split('?');
  const found = ROUTES.map((r) => [r, path.match(r.path)]).find(([, m]) => m);
  const [routeDef, match] = found || [ROUTES[0], [path]];
  const main = h('main', { id: 'main', tabindex: '-1' });
  fill(
    app,
    h(
      'a',
      {
        href: '#main',
        class: 'skip-link',
        onclick: (e) => {
          e.preventDefault();
          main.focus();
        },
      },
      'Skip to content',
    ),
    header(routeDef.nav),
    main,
  );
  if (!state.siteId) {
    fill(main, h('h1', {}, 'No site'), h('p', {}, 'This key may not read any site.'));
    return;
  }
  const ctx = {
    api: state.api,
    role: state.role,
    siteId: state.siteId,
    range: { ...state.range },
    params: Object.fromEntries(new URLSearchParams(queryString)),
    args: match.slice(1).map(decodeURIComponent),
    onCleanup: (fn) => (mine === generation ? cleanups.push(fn) : fn()),
  };
  if (routeDef.allowed && !routeDef.allowed(state.role)) {
    fill(
      main,
      h('h1', { tabindex: '-1' }, 'Not available for this key'),
      h(
        'p',
        { class: 'error', id: 'refused' },
        `A key with the ${state.role} role cannot open this screen.`,
      ),
    );
    main.querySelector('h1').focus();
    return;
  }
  fill(main, h('p', { class: 'loading' }, 'Loading…'));
  Promise.resolve(routeDef.view(ctx, main))
    .then(() => {
      const heading = main.querySelector('h1');
      if (heading && main.isConnected) {
        heading.setAttribute('tabindex', '-1');
        heading.focus({ preventScroll: true });
        document.title = `${heading.textContent} · Stuckpoint console`;
      }
    })
    .catch((err) => {
      if (!main.isConnected) return;
      if (err instanceof ApiError && err.code === 'unauthorized') {
        signOut();
        return;
      }
      fill(
        main,
        h('h1', {}, 'Something went wrong'),
        h('p', { class: 'error', role: 'alert' }, err.message),
      );
    });
}

start();
