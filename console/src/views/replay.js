/** Session replay: rrweb-player over the session's redacted replay chunks, with a timeline of
 * signal and survey-answer markers, jump-to, playback speed and skipping of inactivity. */

import { field, fill, h, select, table } from '../dom.js';
import { clock, count, dateTime, kindLabel } from '../format.js';
import { showMaskedValues } from '../masking.js';
import { SESSION } from '../queries.js';

const SPEEDS = [0.5, 1, 2, 4, 8];
// Jumps land this long before the moment, so the viewer sees what led to it.
const LEAD_IN_MS = 1500;
const PLAYER_MAX_HEIGHT_PX = 520;
const MAX_CHUNKS = 500; // as asked in queries.js

/** Events of one window's chunks in time order; chunks come ordered by window and seq. */
export function windowEvents(chunks, windowId) {
  return chunks
    .filter((c) => c.windowId === windowId)
    .flatMap((c) => (Array.isArray(c.events) ? c.events : []))
    .filter((e) => e && typeof e.timestamp === 'number')
    .sort((a, b) => a.timestamp - b.timestamp);
}

/** Markers for signals (of this window's page views) and survey answers, in time order. */
export function markersOf(session, windowId, startMs, endMs) {
  const views = new Map(session.pageViews.map((v) => [v.id, v]));
  const inWindow = (s) => !s.pageViewId || views.get(s.pageViewId)?.windowId === windowId;
  const signals = session.signals.filter(inWindow).map((s) => ({
    type: 'signal',
    id: s.id,
    kind: s.kind,
    ms: Date.parse(s.ts),
    label: kindLabel(s.kind),
    detail: s.selector || '',
  }));
  const answers = session.surveyResponses.map((r) => ({
    type: 'answer',
    id: r.id,
    kind: r.negative ? 'negative_answer' : 'answer',
    ms: Date.parse(r.submittedAt),
    label: r.negative ? 'Negative survey answer' : 'Survey answer',
    detail: r.template || '',
  }));
  return (
    [...signals, ...answers]
      .filter((m) => Number.isFinite(m.ms))
      .sort((a, b) => a.ms - b.ms)
      // An answer given after the tab's last recorded event is shown at the end of the replay.
      .map((m) => ({ ...m, offsetMs: Math.min(Math.max(0, m.ms - startMs), endMs - startMs) }))
  );
}

export async function renderReplay(ctx, main) {
  const [sessionId] = ctx.args;
  const { session } = await ctx.api.query(SESSION, { id: sessionId });
  if (!session) {
    fill(
      main,
      h('h1', {}, 'Session not found'),
      h('p', {}, 'It may have been erased or be past its retention.'),
    );
    return;
  }
  const windows = [...new Set(session.replay.map((c) => c.windowId))];
  const target = ctx.params.signal ? session.signals.find((s) => s.id === ctx.params.signal) : null;
  const targetView = target && session.pageViews.find((v) => v.id === target.pageViewId);
  const windowId = windows.includes(ctx.params.window)
    ? ctx.params.window
    : targetView?.windowId && windows.includes(targetView.windowId)
      ? targetView.windowId
      : windows[0];

  const head = [
    h(
      'p',
      { class: 'breadcrumb' },
      h('a', { href: '#/shortlist' }, 'Replay shortlist'),
      ' › Session',
    ),
    h('h1', {}, 'Session replay'),
    h(
      'dl',
      { class: 'facts', id: 'session-facts' },
      [
        ['Started', dateTime(session.startedAt)],
        ['Length', clock(Date.parse(session.endedAt) - Date.parse(session.startedAt))],
        ['Pages', session.pageViews.map((v) => v.path).join(' → ') || '–'],
        ['Device', [session.device, session.browser].filter(Boolean).join(', ') || '–'],
        ['Signals', count(session.signals.length)],
      ].map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
    ),
  ];
  if (!windowId) {
    fill(
      main,
      ...head,
      h(
        'p',
        { id: 'no-replay' },
        'No replay was recorded for this session (its pages sent events without rrweb recordings).',
      ),
    );
    return;
  }
  const raw = windowEvents(session.replay, windowId);
  const { events } = showMaskedValues(raw);
  const stage = h('div', { class: 'player', id: 'player' });
  const controls = h('div', { class: 'player-controls' });
  const windowPicker =
    windows.length > 1
      ? field(
          'Browser tab',
          select(
            windows.map((w, i) => [w, `Tab ${i + 1}`]),
            windowId,
            {
              id: 'window',
              onchange: (e) => {
                const params = new URLSearchParams({ ...ctx.params, window: e.target.value });
                params.delete('signal');
                window.location.hash = `#/replay/${encodeURIComponent(sessionId)}?${params}`;
              },
            },
          ),
        )
      : null;
  const markerList = h('section', { 'aria-labelledby': 'moments-title' });
  // The API's replay field has no cursor: a session of more batches is cut at the limit.
  const cut =
    session.replay.length >= MAX_CHUNKS
      ? h('p', { class: 'hint' }, `Only the first ${MAX_CHUNKS} recorded batches are replayed.`)
      : null;
  fill(main, ...head, windowPicker, cut, stage, controls, markerList);
  if (events.length < 2 || !events.some((e) => e.type === 2)) {
    fill(stage, h('p', { id: 'no-replay' }, 'This tab has no full page snapshot to replay from.'));
    return;
  }

  const { default: Player } = await import('rrweb-player');
  if (!main.isConnected) return;
  const width = Math.max(320, Math.floor(stage.clientWidth || 960));
  const player = new Player({
    target: stage,
    props: {
      events,
      width,
      height: Math.min(PLAYER_MAX_HEIGHT_PX, Math.round(width * 0.56)),
      autoPlay: false,
      showController: false,
      skipInactive: true,
      speedOption: SPEEDS,
      mouseTail: { strokeStyle: '#D55E00', lineWidth: 2 },
    },
  });
  ctx.onCleanup(() => {
    player.pause();
    player.$destroy();
  });
  const meta = player.getMetaData();
  const markers = markersOf(session, windowId, meta.startTime, meta.endTime);
  const ui = buildControls(player, meta, markers, controls);
  fill(
    markerList,
    h('h2', { id: 'moments-title' }, 'Signals and survey answers'),
    momentsTable(markers, ui.jump),
  );
  if (target) {
    const marker = markers.find((m) => m.id === target.id);
    if (marker) ui.jump(marker);
  }
}

/** Play/pause, position slider, speed, skip inactivity and the marker track. */
function buildControls(player, meta, markers, container) {
  let playing = false;
  const total = Math.max(1, meta.totalTime);
  const time = h(
    'span',
    { id: 'replay-time', dataset: { currentMs: '0', totalMs: String(total) } },
    `0:00 / ${clock(total)}`,
  );
  const playButton = h(
    'button',
    { type: 'button', id: 'play', onclick: () => player.toggle() },
    'Play',
  );
  const slider = h('input', {
    type: 'range',
    id: 'position',
    min: '0',
    max: String(total),
    step: '1000',
    value: '0',
    'aria-valuetext': `0:00 of ${clock(total)}`,
    oninput: (e) => player.goto(Number(e.target.value)),
  });
  const speed = select(
    SPEEDS.map((s) => [String(s), `${s}×`]),
    '1',
    {
      id: 'speed',
      onchange: (e) => player.setSpeed(Number(e.target.value)),
    },
  );
  const skip = h('input', {
    type: 'checkbox',
    id: 'skip-inactive',
    checked: true,
    onchange: () => player.toggleSkipInactive(),
  });

  const jump = (marker) => {
    const offset = Math.max(0, marker.offsetMs - LEAD_IN_MS);
    player.goto(offset, playing);
    container.dataset.jumpedTo = marker.id;
    announceJump(marker);
  };
  const track = h(
    'div',
    { class: 'marker-track', role: 'group', 'aria-label': 'Timeline markers' },
    markers.map((m) =>
      h(
        'button',
        {
          type: 'button',
          class: `marker marker-${m.type}`,
          style: { left: `${(m.offsetMs / total) * 100}%` },
          title: `${m.label} at ${clock(m.offsetMs)}`,
          'aria-label': `Jump to ${m.label.toLowerCase()} at ${clock(m.offsetMs)}`,
          dataset: { markerId: m.id, kind: m.kind, offsetMs: String(m.offsetMs) },
          onclick: () => jump(m),
        },
        h('span', { 'aria-hidden': 'true' }, m.type === 'signal' ? '▲' : '●'),
      ),
    ),
  );
  player.addEventListener('ui-update-current-time', ({ payload }) => {
    const ms = Math.max(0, Math.round(payload));
    time.dataset.currentMs = String(ms);
    time.textContent = `${clock(ms)} / ${clock(total)}`;
    slider.value = String(ms);
    slider.setAttribute('aria-valuetext', `${clock(ms)} of ${clock(total)}`);
  });
  player.addEventListener('ui-update-player-state', ({ payload }) => {
    playing = payload === 'playing';
    playButton.textContent = playing ? 'Pause' : 'Play';
    playButton.dataset.state = payload;
  });
  fill(
    container,
    h(
      'div',
      { class: 'row' },
      playButton,
      time,
      field('Speed', speed),
      h('div', { class: 'check' }, skip, h('label', { for: 'skip-inactive' }, 'Skip inactivity')),
    ),
    h(
      'div',
      { class: 'timeline' },
      h('label', { for: 'position', class: 'visually-hidden' }, 'Position in the replay'),
      slider,
      track,
    ),
    h(
      'p',
      { class: 'legend' },
      h('span', { class: 'marker-signal', 'aria-hidden': 'true' }, '▲'),
      ' signal  ',
      h('span', { class: 'marker-answer', 'aria-hidden': 'true' }, '●'),
      ' survey answer',
    ),
  );
  return { jump };
}

function announceJump(marker) {
  const region = document.getElementById('status');
  if (region)
    region.textContent = `Jumped to ${marker.label.toLowerCase()} at ${clock(marker.offsetMs)}.`;
}

function momentsTable(markers, jump) {
  return table(
    'Signals and survey answers in this tab',
    ['Time', 'What', 'Where', ''],
    markers.map((m) => [
      clock(m.offsetMs),
      m.label,
      m.detail ? h('code', {}, m.detail) : '–',
      h(
        'button',
        {
          type: 'button',
          class: 'link-button jump',
          dataset: { markerId: m.id },
          onclick: () => jump(m),
        },
        `Jump to ${clock(m.offsetMs)}`,
      ),
    ]),
    { id: 'moments', captionHidden: true },
  );
}
