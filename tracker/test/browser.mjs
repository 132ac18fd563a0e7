/**
 * Debian Chromium through playwright-core, and helpers to read what the tracker sent.
 * console/test/browser.mjs re-exports the launcher, so both packages start Chromium alike.
 */

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** Poll `check` until it returns a truthy value or `timeoutMs` passes; returns the value. */
export async function waitFor(check, timeoutMs = 8000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Every rrweb event of the given bodies, in body order. */
export function eventsOf(bodies) {
  return bodies.flatMap((body) => body.events);
}

/** rrweb node id of the element whose `id` attribute is `elementId`, from the full snapshots. */
export function nodeIdOf(events, elementId) {
  for (const event of events) {
    if (event.type !== 2) continue;
    const found = findNode(event.data.node, elementId);
    if (found !== null) return found;
  }
  return null;
}

function findNode(node, elementId) {
  if (node.attributes && node.attributes.id === elementId) return node.id;
  for (const child of node.childNodes || []) {
    const found = findNode(child, elementId);
    if (found !== null) return found;
  }
  return null;
}

/** Clicks (MouseInteraction type Click) in the events. */
export function clicks(events) {
  return events.filter((e) => e.type === 3 && e.data.source === 2 && e.data.type === 2);
}

/** Input events (IncrementalSnapshot source Input). */
export function inputs(events) {
  return events.filter((e) => e.type === 3 && e.data.source === 5);
}

export function flush(page) {
  return page.evaluate(() => window.Stuckpoint.flush());
}
