/** Pure helpers of the transport: event sizing, chunking by bytes, the body, retry delays. */

const encoder = new TextEncoder();

/** UTF-8 byte length of a string (server limits count bytes, not UTF-16 code units). */
export function byteLength(text) {
  return encoder.encode(text).length;
}

/** Serialise one event as `{json, bytes}`; an event above `maxEventBytes` becomes a marker. */
export function serialiseEvent(event, maxEventBytes) {
  const json = JSON.stringify(event);
  const bytes = byteLength(json);
  if (bytes <= maxEventBytes) return { json, bytes };

  // The server would reject the whole body for this one event; tell it what is missing instead.
  // Missing: splitting a large event (mostly a FullSnapshot with inlined CSS) across bodies,
  // which would need a chunked-event format agreed with ingest.
  const marker = JSON.stringify({
    type: 5,
    data: { tag: 'event_too_large', payload: { type: event.type, bytes } },
    timestamp: event.timestamp,
  });
  return { json: marker, bytes: byteLength(marker) };
}

/**
 * Split serialised events into chunks whose bodies stay within `maxBodyBytes` given the envelope
 * overhead; an event too large to share a body is sent alone.
 */
export function chunkEvents(items, maxBodyBytes, overheadBytes) {
  const chunks = [];
  let current = [];
  let size = overheadBytes;
  for (const item of items) {
    const extra = item.bytes + (current.length ? 1 : 0);
    if (current.length && size + extra > maxBodyBytes) {
      chunks.push(current);
      current = [];
      size = overheadBytes;
    }
    size += item.bytes + (current.length ? 1 : 0);
    current.push(item.json);
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/** The envelope JSON without its events, with `events` last so they can be spliced in. */
export function envelopeJson(envelope) {
  return JSON.stringify({ ...envelope, events: [] });
}

/** The full body: the envelope with the already-serialised events spliced into `"events":[]`. */
export function bodyJson(envelope, eventJsons) {
  const head = envelopeJson(envelope);
  return `${head.slice(0, -2)}${eventJsons.join(',')}]}`;
}

/** Bytes of the envelope around the events, with room for the largest seq and sent_at values. */
export function envelopeOverheadBytes(envelope) {
  return byteLength(envelopeJson({ ...envelope, seq: 2 ** 31, sent_at: 2 ** 43 }));
}

/** Delay before retry number `attempt` (1-based): `Retry-After` if given, else capped doubling. */
export function retryDelayMs(attempt, retryAfter, nowMs = Date.now(), random = Math.random) {
  const hinted = parseRetryAfterMs(retryAfter, nowMs);
  if (hinted !== null) return Math.min(hinted, MAX_RETRY_DELAY_MS);

  const base = Math.min(BASE_RETRY_DELAY_MS * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
  // Jitter spreads the retries of many browsers after an outage.
  return Math.round(base * (0.5 + random() / 2));
}

export const BASE_RETRY_DELAY_MS = 1000;
export const MAX_RETRY_DELAY_MS = 5 * 60 * 1000;

/** `Retry-After` as delay-seconds or an HTTP date, in ms from now; null when absent or invalid. */
export function parseRetryAfterMs(value, nowMs = Date.now()) {
  if (value === null || value === undefined || value === '') return null;

  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const dateMs = Date.parse(text);
  if (Number.isNaN(dateMs)) return null;
  return Math.max(0, dateMs - nowMs);
}
