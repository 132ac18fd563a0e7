/** Batching transport: queue events, send sequenced bodies to `/collect`, retry, beacon on hide. */

import {
  bodyJson,
  chunkEvents,
  envelopeOverheadBytes,
  retryDelayMs,
  serialiseEvent,
} from './batch.js';

const RETRY_STATUSES = new Set([429, 503]);
const MAX_ATTEMPTS = 8;
// Bodies waiting behind a failing server; past this the newest are dropped (memory bound).
const MAX_PENDING_BODIES = 40;
// Browsers cap the bodies of all in-flight beacons at 64 KiB, so hidden-page flushes cut smaller.
const BEACON_BODY_BYTES = 60 * 1024;

export class Transport {
  /**
   * @param options resolved tracker options
   * @param ids an `Ids` instance
   * @param fetchFn the page's original `fetch`, so our own failures are not reported as requests
   */
  constructor(options, ids, fetchFn) {
    this.options = options;
    this.ids = ids;
    this.fetchFn = fetchFn;
    this.queue = [];
    this.queueBytes = 0;
    this.pending = [];
    this.sending = false;
    this.retryTimer = null;
    this.flushTimer = null;
  }

  start() {
    this.flushTimer = setInterval(() => this.flush(), this.options.flushIntervalMs);
  }

  /** Stop sending and drop everything not yet sent (used by opt-out). */
  stop() {
    clearInterval(this.flushTimer);
    clearTimeout(this.retryTimer);
    this.queue = [];
    this.queueBytes = 0;
    this.pending = [];
  }

  /** Add one rrweb event; flushes when the event count or byte size limit is reached. */
  push(event) {
    const item = serialiseEvent(event, this.options.maxEventBytes);
    this.queue.push(item);
    this.queueBytes += item.bytes;
    if (
      this.queue.length >= this.options.maxBatchEvents ||
      this.queueBytes >= this.options.maxBatchBytes
    ) {
      this.flush();
    }
  }

  /** Cut the queue into sequenced bodies and send them in order. */
  flush() {
    this.seal();
    this.pump();
  }

  /** Page is being hidden or unloaded: hand every unsent body to `sendBeacon`. */
  flushBeacon() {
    this.seal(Math.min(this.options.maxBatchBytes, BEACON_BODY_BYTES));
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const remaining = [];
    for (const batch of this.pending) {
      if (batch.inFlight || !this.beacon(batch)) remaining.push(batch);
    }
    // Bodies the browser refused (beacon quota) wait for the page to come back.
    this.pending = remaining;
  }

  /** Turn queued events into bodies with ids fixed now, so retries resend the same seq. */
  seal(maxBodyBytes = this.options.maxBatchBytes) {
    if (!this.queue.length) return;

    const envelope = this.envelope(0);
    const chunks = chunkEvents(this.queue, maxBodyBytes, envelopeOverheadBytes(envelope));
    this.queue = [];
    this.queueBytes = 0;
    for (const events of chunks) {
      // Missing: a count of dropped events sent to the server once it answers again.
      if (this.pending.length >= MAX_PENDING_BODIES) continue;
      this.pending.push({ envelope: { ...envelope, seq: this.ids.nextSeq() }, events, attempt: 0 });
    }
  }

  envelope(seq) {
    return {
      site_key: this.options.siteKey,
      session_id: this.ids.sessionId(),
      window_id: this.ids.windowId(),
      seq,
      sent_at: 0,
      visitor_id: this.ids.visitorId(),
      format: 'rrweb',
    };
  }

  /** Send the oldest pending body; one at a time keeps the server's arrival order = seq order. */
  async pump() {
    if (this.sending || this.retryTimer || !this.pending.length) return;

    const batch = this.pending[0];
    this.sending = true;
    batch.inFlight = true;
    batch.attempt += 1;
    let outcome;
    try {
      const response = await this.fetchFn(`${this.options.endpoint}/collect`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: this.body(batch),
        credentials: 'omit',
      });
      outcome = RETRY_STATUSES.has(response.status)
        ? { retry: true, retryAfter: response.headers.get('Retry-After') }
        : { retry: false };
    } catch {
      // Network failure (offline, connection reset): worth retrying like a 503.
      outcome = { retry: true, retryAfter: null };
    }
    batch.inFlight = false;
    this.sending = false;

    if (outcome.retry && batch.attempt < MAX_ATTEMPTS) {
      this.retryTimer = setTimeout(
        () => {
          this.retryTimer = null;
          this.pump();
        },
        retryDelayMs(batch.attempt, outcome.retryAfter),
      );
      return;
    }
    // Delivered, rejected for good (4xx other than 429), or out of attempts: move on.
    this.pending.shift();
    this.pump();
  }

  /** The body for one attempt; `sent_at` is the time of this attempt, for clock-skew correction. */
  body(batch) {
    return bodyJson({ ...batch.envelope, sent_at: Date.now() }, batch.events);
  }

  beacon(batch) {
    if (!navigator.sendBeacon) return false;

    const { site_key, session_id, window_id, seq } = batch.envelope;
    const query = new URLSearchParams({ site_key, session_id, window_id, seq: String(seq) });
    try {
      // A string body goes out as text/plain, which needs no CORS preflight.
      return navigator.sendBeacon(`${this.options.endpoint}/collect?${query}`, this.body(batch));
    } catch {
      return false;
    }
  }
}
