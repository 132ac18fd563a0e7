/** The `Stuckpoint` global: init, consent, and wiring rrweb's recorder to the transport. */

import { record } from '@rrweb/record';

import { installCapture } from './capture.js';
import { fromScriptTag, resolve } from './config.js';
import { Ids } from './ids.js';
import { recordPrivacyOptions } from './privacy.js';
import { startSurveys } from './survey.js';
import { Transport } from './transport.js';

const VERSION = '0.1.0';

// rrweb incremental sources that mean a person is there (keep a session alive, may renew it):
// mouse move, mouse interaction, scroll, viewport resize, input, touch move.
const ACTIVITY_SOURCES = new Set([1, 2, 3, 4, 5, 6]);
const META = 4;
const FULL_SNAPSHOT = 2;
const INCREMENTAL = 3;

// Taken before our own wrapper is installed, so the tracker's requests are never reported.
const nativeFetch = window.fetch ? window.fetch.bind(window) : null;
const scriptTag = document.currentScript;

const state = {
  options: null,
  ids: null,
  transport: null,
  active: false,
  renewing: false,
  listening: false,
  stopRecording: null,
  stopSurveys: null,
};

/** Configure the tracker and start recording unless consent is required and not yet given. */
function init(options = {}) {
  if (state.options) return;

  const resolved = resolve(fromScriptTag(scriptTag), options);
  // Without a site key nothing can be sent; a later init() with one may still start.
  if (!resolved.siteKey || !nativeFetch) return;
  state.options = resolved;
  state.ids = new Ids();
  const consent = state.ids.consent();
  if (consent === 'out') return;
  if (state.options.consentRequired && consent !== 'in') return;
  start();
}

/** The visitor consents: remember it and start recording. */
function optIn() {
  if (!state.options) init();
  if (!state.ids) return;
  state.ids.setConsent('in');
  start();
}

/** The visitor refuses: stop, drop unsent events, forget every id, remember the refusal. */
function optOut() {
  if (!state.options) init();
  if (!state.ids) return;
  stop();
  state.ids.clear();
  state.ids.setConsent('out');
}

/** Send queued events now. */
function flush() {
  if (state.active) state.transport.flush();
}

function start() {
  if (state.active) return;

  const { options, ids } = state;
  state.active = true;
  ids.openWindow();
  state.transport = new Transport(options, ids, nativeFetch);
  state.transport.start();
  listenOnce();
  try {
    state.stopRecording = record({
      emit,
      recordAfter: 'DOMContentLoaded',
      ...recordPrivacyOptions(options),
    });
  } catch {
    // A recorder failure must never break the city's page.
    stop();
    return;
  }
  if (options.surveys) state.stopSurveys = startSurveys({ options, ids, fetchFn: nativeFetch });
}

function stop() {
  state.active = false;
  if (state.stopRecording) state.stopRecording();
  if (state.stopSurveys) state.stopSurveys();
  if (state.transport) state.transport.stop();
  state.stopRecording = null;
  state.stopSurveys = null;
}

/** Page-level listeners; installed once, inert while not recording. */
function listenOnce() {
  if (state.listening) return;
  state.listening = true;

  installCapture(emit, () => state.active);
  // Registered after the capture's own listener, so the visibility event is in the beacon.
  document.addEventListener('visibilitychange', () => {
    if (state.active && document.visibilityState === 'hidden') state.transport.flushBeacon();
  });
  window.addEventListener('pagehide', () => {
    if (!state.active) return;
    state.ids.closeWindow();
    state.transport.flushBeacon();
  });
  window.addEventListener('pageshow', (e) => {
    // Back from the back/forward cache: this page is alive again in its tab.
    if (state.active && e.persisted) state.ids.openWindow();
  });
}

/** Every event (rrweb's and ours) goes through here. */
function emit(event) {
  if (!state.active) return;

  const { ids, transport } = state;
  const nowMs = Date.now();
  const isActivity =
    event.type === META ||
    (event.type === INCREMENTAL && ACTIVITY_SOURCES.has(event.data && event.data.source));
  if (isActivity && !state.renewing && ids.sessionIdle(nowMs)) renewSession(event, nowMs);
  if (isActivity) ids.touch(nowMs);
  transport.push(event);
}

/** After 30 idle minutes: close the old session's batches, open a new one with a fresh snapshot. */
function renewSession(event, nowMs) {
  state.renewing = true;
  try {
    state.transport.flush();
    state.ids.newSession(nowMs);
    // A new session needs its own Meta + FullSnapshot to be replayable on its own.
    if (event.type !== META && event.type !== FULL_SNAPSHOT) record.takeFullSnapshot(true);
  } finally {
    state.renewing = false;
  }
}

const api = Object.freeze({ init, optIn, optOut, flush, version: VERSION });

// A second copy of the script must not start a second recorder.
if (!(window.Stuckpoint && typeof window.Stuckpoint.init === 'function')) {
  window.Stuckpoint = api;
  if (fromScriptTag(scriptTag).siteKey) init();
}
