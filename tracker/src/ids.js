/** Visitor, session and window ids, the per-window sequence number, and the consent flag. */

const KEY_VISITOR = 'stuckpoint.visitor';
const KEY_SESSION = 'stuckpoint.session';
const KEY_CONSENT = 'stuckpoint.consent';
const KEY_WINDOW = 'stuckpoint.window';
// Set while a page of this tab is alive; a duplicated tab inherits it (see `openWindow`).
const KEY_WINDOW_LIVE = 'stuckpoint.window_live';

export const SESSION_IDLE_MS = 30 * 60 * 1000;
// Writing the session's last activity on every event would hammer localStorage.
const TOUCH_EVERY_MS = 5000;

/** A random RFC 4122 version-4 id; `crypto.randomUUID` needs a secure context, this does not. */
export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const parts = [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ];
  return parts.join('-');
}

/** Ids kept in web storage; storage that throws (sandboxed frames) falls back to memory. */
export class Ids {
  constructor() {
    this.local = safeStorage('localStorage');
    this.tab = safeStorage('sessionStorage');
    this.lastTouchMs = 0;
    this.window = null;
  }

  consent() {
    return this.local.get(KEY_CONSENT);
  }

  setConsent(value) {
    this.local.set(KEY_CONSENT, value);
  }

  visitorId() {
    let id = this.local.get(KEY_VISITOR);
    if (!id) {
      id = randomId();
      this.local.set(KEY_VISITOR, id);
    }
    return id;
  }

  /** The current session id; one is created when none is stored. */
  sessionId(nowMs = Date.now()) {
    const session = this.readSession();
    return session ? session.id : this.newSession(nowMs);
  }

  /** True when the last activity (in any tab) is `SESSION_IDLE_MS` or more ago. */
  sessionIdle(nowMs = Date.now()) {
    const session = this.readSession();
    return !session || nowMs - session.lastMs >= SESSION_IDLE_MS;
  }

  /** Start a new session now and return its id. */
  newSession(nowMs = Date.now()) {
    const id = randomId();
    this.local.set(KEY_SESSION, JSON.stringify({ id, lastMs: nowMs }));
    this.lastTouchMs = nowMs;
    return id;
  }

  /** Record activity now so the session stays alive. */
  touch(nowMs = Date.now()) {
    if (nowMs - this.lastTouchMs < TOUCH_EVERY_MS) return;

    const id = this.sessionId(nowMs);
    this.local.set(KEY_SESSION, JSON.stringify({ id, lastMs: nowMs }));
    this.lastTouchMs = nowMs;
  }

  /**
   * Claim this tab's window id. A reload keeps it; a duplicated tab (which copies sessionStorage,
   * live flag included, while the original page is still open) gets a new one.
   */
  openWindow() {
    let stored = parseJson(this.tab.get(KEY_WINDOW));
    if (!stored || this.tab.get(KEY_WINDOW_LIVE) === '1') {
      stored = { id: randomId(), seq: 0 };
    }
    this.window = stored;
    this.tab.set(KEY_WINDOW, JSON.stringify(stored));
    this.tab.set(KEY_WINDOW_LIVE, '1');
    return stored.id;
  }

  /** Release the live flag when the page goes away, so a reload keeps the window id. */
  closeWindow() {
    this.tab.remove(KEY_WINDOW_LIVE);
  }

  windowId() {
    return this.window ? this.window.id : this.openWindow();
  }

  /** The next sequence number of this window; it survives reloads of the tab. */
  nextSeq() {
    if (!this.window) this.openWindow();
    this.window.seq += 1;
    this.tab.set(KEY_WINDOW, JSON.stringify(this.window));
    return this.window.seq;
  }

  /** Forget every id (opt-out); the consent flag is written separately. */
  clear() {
    this.local.remove(KEY_VISITOR);
    this.local.remove(KEY_SESSION);
    this.tab.remove(KEY_WINDOW);
    this.tab.remove(KEY_WINDOW_LIVE);
    this.window = null;
    this.lastTouchMs = 0;
  }

  readSession() {
    const session = parseJson(this.local.get(KEY_SESSION));
    if (!session || typeof session.id !== 'string' || typeof session.lastMs !== 'number')
      return null;
    return session;
  }
}

function parseJson(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function safeStorage(name) {
  const memory = new Map();
  let store = null;
  try {
    store = window[name];
    const probe = 'stuckpoint.probe';
    store.setItem(probe, '1');
    store.removeItem(probe);
  } catch {
    store = null;
  }
  return {
    get: (key) => (store ? store.getItem(key) : (memory.get(key) ?? null)),
    set: (key, value) => (store ? store.setItem(key, value) : memory.set(key, value)),
    remove: (key) => (store ? store.removeItem(key) : memory.delete(key)),
  };
}
