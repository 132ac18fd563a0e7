/** Unit tests of the tracker's pure parts, run in Node without a browser. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  bodyJson,
  byteLength,
  chunkEvents,
  envelopeOverheadBytes,
  parseRetryAfterMs,
  retryDelayMs,
  serialiseEvent,
} from '../src/batch.js';
import { errorEvent, traceFrames } from '../src/capture.js';
import { DEFAULTS, fromScriptTag, resolve } from '../src/config.js';
import { rageDetector } from '../src/rage.js';

const ENVELOPE = {
  site_key: 'k',
  session_id: 's',
  window_id: 'w',
  seq: 0,
  sent_at: 0,
  visitor_id: 'v',
  format: 'rrweb',
};

describe('batch', () => {
  test('byte length counts UTF-8 bytes, not UTF-16 code units', () => {
    assert.equal(byteLength('é'), 2);
    assert.equal(byteLength('😀'), 4);
    assert.equal(byteLength('abc'), 3);
  });

  test('an event over the event limit is replaced by an event_too_large marker', () => {
    const event = { type: 2, data: { text: 'x'.repeat(200) }, timestamp: 1700000000000 };
    const { json } = serialiseEvent(event, 100);

    assert.deepEqual(JSON.parse(json), {
      type: 5,
      data: {
        tag: 'event_too_large',
        payload: { type: 2, bytes: byteLength(JSON.stringify(event)) },
      },
      timestamp: 1700000000000,
    });
  });

  test('chunks keep every body within the byte limit and keep event order', () => {
    const events = Array.from({ length: 50 }, (_, i) => ({
      type: 3,
      data: { t: 'ü'.repeat(40 + i) },
      timestamp: i,
    }));
    const items = events.map((e) => serialiseEvent(e, 10_000));
    const overhead = envelopeOverheadBytes(ENVELOPE);
    const chunks = chunkEvents(items, 1000, overhead);

    assert.ok(chunks.length > 1);
    for (const [i, chunk] of chunks.entries()) {
      const body = bodyJson({ ...ENVELOPE, seq: 2 ** 31, sent_at: 2 ** 43 }, chunk);
      assert.ok(byteLength(body) <= 1000, `chunk ${i} is ${byteLength(body)} bytes`);
    }
    const roundTrip = chunks.flat().map((json) => JSON.parse(json));
    assert.deepEqual(roundTrip, events);
  });

  test('an event larger than the body limit travels alone', () => {
    const items = [
      { json: '1', bytes: 1 },
      { json: '"big"', bytes: 5000 },
      { json: '2', bytes: 1 },
    ];

    assert.deepEqual(chunkEvents(items, 1000, 100), [['1'], ['"big"'], ['2']]);
  });

  test('the body is the envelope with the events spliced in last', () => {
    const body = JSON.parse(bodyJson({ ...ENVELOPE, seq: 3 }, ['{"type":4}', '{"type":2}']));

    assert.deepEqual(body, { ...ENVELOPE, seq: 3, events: [{ type: 4 }, { type: 2 }] });
    assert.deepEqual(Object.keys(body).at(-1), 'events');
  });

  test('Retry-After is read as seconds or as an HTTP date', () => {
    const nowMs = Date.parse('2026-01-01T00:00:00Z');

    assert.equal(parseRetryAfterMs('3', nowMs), 3000);
    assert.equal(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', nowMs), 10_000);
    assert.equal(parseRetryAfterMs('soon', nowMs), null);
    assert.equal(parseRetryAfterMs(null, nowMs), null);
  });

  test('retry delays honour Retry-After, else double from 1 s with jitter, capped at 5 min', () => {
    assert.equal(
      retryDelayMs(1, '7', 0, () => 0),
      7000,
    );
    assert.equal(
      retryDelayMs(1, null, 0, () => 1),
      1000,
    );
    assert.equal(
      retryDelayMs(3, null, 0, () => 1),
      4000,
    );
    assert.equal(
      retryDelayMs(3, null, 0, () => 0),
      2000,
    );
    assert.equal(
      retryDelayMs(30, null, 0, () => 1),
      300_000,
    );
    assert.equal(
      retryDelayMs(1, '100000', 0, () => 1),
      300_000,
    );
  });
});

describe('rage detector', () => {
  test('three clicks within 1 s and 30 px are a rage burst', () => {
    const detect = rageDetector();

    assert.deepEqual(
      [
        detect({ x: 100, y: 100, ms: 0 }),
        detect({ x: 110, y: 105, ms: 300 }),
        detect({ x: 95, y: 110, ms: 600 }),
      ],
      [false, false, true],
    );
  });

  test('clicks spread over more than 1 s or farther than 30 px are not', () => {
    const slow = rageDetector();
    const far = rageDetector();

    assert.deepEqual(
      [0, 600, 1200].map((ms) => slow({ x: 0, y: 0, ms })),
      [false, false, false],
    );
    assert.deepEqual(
      [0, 40, 80].map((x, i) => far({ x, y: 0, ms: i * 100 })),
      [false, false, false],
    );
  });
});

describe('capture formats', () => {
  test('a JS error becomes an rrweb console-plugin error event with a trimmed trace', () => {
    const stack =
      'Error: boom\n' +
      '    at submit (https://city.example/demo.js:10:5)\n' +
      '    at HTMLFormElement.<anonymous> (https://city.example/demo.js:3:1)';

    assert.deepEqual(errorEvent('boom', stack, 1700000000000), {
      type: 6,
      data: {
        plugin: 'rrweb/console@1',
        payload: {
          level: 'error',
          payload: ['boom'],
          trace: [
            'submit (https://city.example/demo.js:10:5)',
            'HTMLFormElement.<anonymous> (https://city.example/demo.js:3:1)',
          ],
        },
      },
      timestamp: 1700000000000,
    });
  });

  test('traces keep at most 10 frames and accept Firefox-style frames', () => {
    const stack = Array.from({ length: 15 }, (_, i) => `f${i}@https://x.example/a.js:${i}:1`).join(
      '\n',
    );

    assert.equal(traceFrames(stack).length, 10);
    assert.equal(traceFrames(stack)[0], 'f0@https://x.example/a.js:0:1');
    assert.deepEqual(traceFrames(undefined), []);
  });
});

describe('config', () => {
  test('data attributes are read and normalised', () => {
    const script = {
      dataset: {
        endpoint: 'https://stuckpoint.city.example/',
        siteKey: 'abc',
        consentRequired: '',
        unmaskSelectors: '#search, .public',
        surveys: 'false',
      },
    };

    assert.deepEqual(resolve(fromScriptTag(script)), {
      ...DEFAULTS,
      endpoint: 'https://stuckpoint.city.example',
      siteKey: 'abc',
      consentRequired: true,
      unmaskSelectors: '#search, .public',
      surveys: false,
    });
  });

  test('init options win over data attributes and accept a selector array', () => {
    const options = resolve(
      { siteKey: 'from-tag' },
      { siteKey: 'from-init', unmaskSelectors: ['#a', '.b'] },
    );

    assert.equal(options.siteKey, 'from-init');
    assert.equal(options.unmaskSelectors, '#a, .b');
    assert.equal(options.endpoint, '');
    assert.equal(options.blockAttribute, 'data-stuckpoint-block');
  });
});
