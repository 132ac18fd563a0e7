/** End-to-end: the built bundle on the demo pages in headless Chromium and a capture server. */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { clicks, eventsOf, flush, inputs, launch, nodeIdOf, waitFor } from './browser.mjs';
import { startServer } from './server.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const BUNDLE = new URL('../dist/stuckpoint.js', import.meta.url);

let browser;
const opened = [];

before(async () => {
  assert.ok(existsSync(BUNDLE), 'dist/stuckpoint.js is missing: run `npm run build` first');
  browser = await launch();
});

after(async () => {
  for (const server of opened) await server.close();
  if (browser) await browser.close();
});

async function setup(serverOptions) {
  const server = await startServer(serverOptions);
  opened.push(server);
  const context = await browser.newContext();
  const page = await context.newPage();
  return { server, context, page };
}

describe('recording', () => {
  test('first batch arrives by timer with Meta and FullSnapshot, seq 1 and the wire envelope', async () => {
    const { server, page } = await setup();
    await page.goto(`${server.origin}/demo/permit.html`);

    const [first] = await waitFor(
      () => server.accepted().length && server.accepted(),
      9000,
      'first batch',
    );
    const firstCollect = server.collects[0];

    assert.equal(firstCollect.contentType, 'application/json');
    assert.deepEqual(Object.keys(first), [
      'site_key',
      'session_id',
      'window_id',
      'seq',
      'sent_at',
      'visitor_id',
      'format',
      'events',
    ]);
    assert.equal(first.site_key, 'demo-site-key');
    assert.equal(first.format, 'rrweb');
    assert.equal(first.seq, 1);
    assert.match(first.session_id, UUID);
    assert.match(first.window_id, UUID);
    assert.match(first.visitor_id, UUID);
    assert.ok(Math.abs(first.sent_at - firstCollect.receivedMs) < 5000);
    assert.deepEqual(
      first.events.slice(0, 2).map((e) => e.type),
      [4, 2],
    );
    assert.equal(first.events[0].data.href, `${server.origin}/demo/permit.html`);
  });

  test('typed values in the permit form never leave the browser; seq increments', async () => {
    const { server, page } = await setup();
    await page.goto(`${server.origin}/demo/permit.html`);
    const typed = {
      '#permit-name': 'Jane Quincy Example',
      '#permit-email': 'jane.quincy@example.com',
      '#permit-phone': '555-0142',
    };
    for (const [selector, value] of Object.entries(typed)) await page.type(selector, value);
    await page.click('#permit-next-1');
    await page.type('#permit-ssn', '219-09-9999');
    await page.type('#permit-street', '42 Elmwood Crescent');
    await page.selectOption('#permit-type', 'Street event');
    await flush(page);
    await page.click('#permit-next-2');
    await page.click('#permit-submit');
    await page.waitForSelector('text=Your application was received');
    await flush(page);

    const bodies = await waitFor(
      () => server.accepted().length >= 2 && server.accepted(),
      5000,
      '2 batches',
    );
    const raw = server.collects.map((c) => c.raw).join('\n');
    for (const secret of [...Object.values(typed), '219-09-9999', '09-9999', 'Elmwood', 'Quincy']) {
      assert.ok(!raw.includes(secret), `"${secret}" leaked into a batch`);
    }
    const inputTexts = inputs(eventsOf(bodies)).map((e) => e.data.text);
    assert.ok(inputTexts.length >= 5, `expected input events, got ${inputTexts.length}`);
    assert.ok(inputTexts.includes('*'.repeat('Jane Quincy Example'.length)));
    for (const text of inputTexts) assert.match(text, /^\**$/);

    assert.deepEqual(
      bodies.map((b) => b.seq),
      bodies.map((_, i) => i + 1),
    );
    assert.equal(new Set(bodies.map((b) => b.session_id)).size, 1);
    assert.equal(new Set(bodies.map((b) => b.window_id)).size, 1);
  });

  test('four clicks on the broken button are recorded as clicks on its node', async () => {
    const { server, page } = await setup();
    await page.goto(`${server.origin}/demo/`);
    for (let i = 0; i < 4; i += 1) await page.click('#broken-button');
    await flush(page);

    const events = eventsOf(await waitFor(() => server.accepted().length && server.accepted()));
    const buttonId = nodeIdOf(events, 'broken-button');
    assert.ok(buttonId !== null, 'broken button missing from the full snapshot');
    assert.equal(clicks(events).filter((e) => e.data.id === buttonId).length, 4);
  });

  test('a JS error and failed fetch/XHR requests are reported in the console-plugin and request formats', async () => {
    const { server, page } = await setup();
    await page.goto(`${server.origin}/demo/pothole.html`);
    await page.type('#pothole-description', 'Deep hole outside number 17, my bike tyre burst');
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.click('#error-submit');
    await page.evaluate(async () => {
      await fetch('/no-such-endpoint?email=jane@example.com');
      await fetch('http://127.0.0.1:9/refused', { method: 'POST' }).catch(() => null);
      await new Promise((done) => {
        const xhr = new XMLHttpRequest();
        xhr.open('GET', '/also-missing');
        xhr.addEventListener('loadend', done);
        xhr.send();
      });
    });
    await flush(page);

    const events = eventsOf(await waitFor(() => server.accepted().length && server.accepted()));
    assert.ok(!server.collects.some((c) => c.raw.includes('tyre burst')), 'textarea text leaked');
    const errors = events.filter((e) => e.type === 6 && e.data.plugin === 'rrweb/console@1');
    assert.equal(pageErrors.length, 1);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].data.payload.level, 'error');
    assert.match(errors[0].data.payload.payload[0], /Pothole report could not be sent/);
    assert.ok(errors[0].data.payload.trace.some((frame) => frame.includes('demo.js')));

    const requests = events.filter((e) => e.type === 5 && e.data.tag === 'request');
    assert.deepEqual(
      requests.map((e) => e.data.payload),
      [
        { url: `${server.origin}/no-such-endpoint`, method: 'GET', status: 404 },
        { url: 'http://127.0.0.1:9/refused', method: 'POST', status: 0 },
        { url: `${server.origin}/also-missing`, method: 'GET', status: 404 },
      ],
    );
  });

  test('reload keeps session and window ids and continues seq; an opened copy of the tab gets a new window id', async () => {
    const { server, page, context } = await setup();
    await page.goto(`${server.origin}/demo/`);
    await flush(page);
    await waitFor(() => server.accepted().length === 1, 5000, 'first batch');
    await page.reload();
    await flush(page);
    const metaCount = () => eventsOf(server.accepted()).filter((e) => e.type === 4).length;
    await waitFor(() => metaCount() === 2, 5000, 'the page view after reload');
    const bodies = server.accepted();
    const before = bodies[0];

    for (const body of bodies) {
      assert.equal(body.session_id, before.session_id);
      assert.equal(body.window_id, before.window_id);
      assert.equal(body.visitor_id, before.visitor_id);
    }
    assert.deepEqual(
      bodies.map((b) => b.seq),
      bodies.map((_, i) => i + 1),
    );

    // window.open copies sessionStorage like "duplicate tab" does.
    const [copy] = await Promise.all([
      context.waitForEvent('page'),
      page.evaluate(() => window.open(location.href)),
    ]);
    await copy.waitForLoadState('load');
    await flush(copy);
    const seen = bodies.length;
    const third = await waitFor(() => server.accepted()[seen], 5000, 'batch of the copied tab');
    assert.equal(third.session_id, before.session_id);
    assert.notEqual(third.window_id, before.window_id);
    assert.equal(third.seq, 1);
  });

  test('a second copy of the script does not start a second recorder', async () => {
    const { server, page } = await setup();
    await page.goto(`${server.origin}/fixtures/twice.html`);
    await page.click('#press');
    await flush(page);

    const events = eventsOf(await waitFor(() => server.accepted().length && server.accepted()));
    assert.equal(events.filter((e) => e.type === 4).length, 1);
    assert.equal(events.filter((e) => e.type === 2).length, 1);
    assert.equal(clicks(events).length, 1);
  });

  test('after 30 idle minutes the next activity starts a new session with a fresh snapshot', async () => {
    const { server, page } = await setup();
    await page.goto(`${server.origin}/demo/`);
    await flush(page);
    const [first] = await waitFor(() => server.accepted().length && server.accepted());
    await page.evaluate(() => {
      const session = JSON.parse(localStorage.getItem('stuckpoint.session'));
      session.lastMs = Date.now() - 31 * 60 * 1000;
      localStorage.setItem('stuckpoint.session', JSON.stringify(session));
    });
    await page.click('#broken-button');
    await flush(page);

    const bodies = await waitFor(() => server.accepted().length >= 2 && server.accepted());
    const renewed = bodies.at(-1);
    assert.notEqual(renewed.session_id, first.session_id);
    assert.equal(renewed.window_id, first.window_id);
    assert.equal(renewed.visitor_id, first.visitor_id);
    assert.deepEqual(
      renewed.events.slice(0, 2).map((e) => e.type),
      [4, 2],
    );
    assert.equal(clicks(renewed.events).length, 1);
  });

  test('hiding the page sends the queue by beacon as text/plain with ids in the query', async () => {
    const { server, page } = await setup();
    await page.goto(`${server.origin}/demo/`);
    await page.click('#broken-button');
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });

    const beacon = await waitFor(() => server.collects[0], 5000, 'beacon');
    assert.match(beacon.contentType, /^text\/plain/);
    assert.deepEqual(beacon.query, {
      site_key: 'demo-site-key',
      session_id: beacon.json.session_id,
      window_id: beacon.json.window_id,
      seq: String(beacon.json.seq),
    });
    const last = beacon.json.events.at(-1);
    assert.deepEqual(last.data, { tag: 'visibility', payload: { visible: false } });
    assert.equal(clicks(beacon.json.events).length, 1);
  });

  test('429 and 503 answers are retried with the same seq and events after Retry-After', async () => {
    const { server, page } = await setup();
    server.collectResponses.push(
      { status: 429, retryAfter: '1' },
      { status: 503, retryAfter: '1' },
    );
    await page.goto(`${server.origin}/demo/`);
    await flush(page);

    await waitFor(() => server.collects.length >= 3, 8000, 'two retries');
    const [a, b, c] = server.collects;
    assert.deepEqual([a.status, b.status, c.status], [429, 503, 204]);
    assert.deepEqual([a.json.seq, b.json.seq, c.json.seq], [1, 1, 1]);
    assert.deepEqual(b.json.events, a.json.events);
    assert.deepEqual(c.json.events, a.json.events);
    assert.ok(b.receivedMs - a.receivedMs >= 950, `retry after ${b.receivedMs - a.receivedMs} ms`);
    assert.ok(c.receivedMs - b.receivedMs >= 950, `retry after ${c.receivedMs - b.receivedMs} ms`);
  });

  test('bodies stay within 256 KB by UTF-8 bytes; an event over 512 KB becomes a marker', async () => {
    const { server, page } = await setup();
    await page.goto(`${server.origin}/demo/`);
    await page.evaluate(async () => {
      // Ten mutations of ~60 KB each, with multi-byte characters.
      for (let i = 0; i < 10; i += 1) {
        const p = document.createElement('p');
        p.textContent = `block ${i} ` + 'é'.repeat(30000);
        document.body.appendChild(p);
        await new Promise((done) => setTimeout(done, 30));
      }
      const huge = document.createElement('p');
      huge.textContent = 'x'.repeat(600 * 1024);
      document.body.appendChild(huge);
      await new Promise((done) => setTimeout(done, 30));
    });
    await flush(page);

    await waitFor(() => server.accepted().length >= 4, 8000, 'several bodies');
    await new Promise((done) => setTimeout(done, 300));
    for (const collect of server.collects)
      assert.ok(collect.bytes <= 256 * 1024, `${collect.bytes} bytes`);
    const bodies = server.accepted();
    const events = eventsOf(bodies);
    const blocks = events.filter(
      (e) => e.type === 3 && e.data.source === 0 && JSON.stringify(e.data).includes('block '),
    );
    assert.equal(blocks.length, 10);
    const markers = events.filter((e) => e.type === 5 && e.data.tag === 'event_too_large');
    assert.equal(markers.length, 1);
    assert.equal(markers[0].data.payload.type, 3);
    assert.ok(markers[0].data.payload.bytes > 600 * 1024);
    assert.deepEqual(
      bodies.map((b) => b.seq),
      bodies.map((_, i) => i + 1),
    );
  });
});

describe('privacy', () => {
  test('consent mode records and stores nothing before optIn, and optOut stops and clears ids', async () => {
    const { server, page } = await setup();
    await page.goto(`${server.origin}/fixtures/consent.html`);
    await page.type('#field', 'before consent');
    await page.click('#press');
    await page.evaluate(() => window.Stuckpoint.flush());
    await new Promise((done) => setTimeout(done, 5500));
    assert.equal(server.collects.length, 0);
    const keysBefore = await page.evaluate(() => [
      ...Object.keys(localStorage),
      ...Object.keys(sessionStorage),
    ]);
    assert.deepEqual(keysBefore, []);

    await page.evaluate(() => window.Stuckpoint.optIn());
    await page.click('#press');
    await flush(page);
    const [first] = await waitFor(
      () => server.accepted().length && server.accepted(),
      5000,
      'batch after optIn',
    );
    assert.deepEqual(
      first.events.slice(0, 2).map((e) => e.type),
      [4, 2],
    );
    assert.equal(first.site_key, 'consent-site');

    await page.evaluate(() => window.Stuckpoint.optOut());
    const stored = await page.evaluate(() => ({ ...localStorage, ...sessionStorage }));
    assert.deepEqual(stored, { 'stuckpoint.consent': 'out' });
    const countAfterOptOut = server.collects.length;
    await page.click('#press');
    await page.evaluate(() => window.Stuckpoint.flush());
    await new Promise((done) => setTimeout(done, 500));
    assert.equal(server.collects.length, countAfterOptOut);

    // The refusal outlives the page.
    await page.reload();
    await page.click('#press');
    await new Promise((done) => setTimeout(done, 5500));
    assert.equal(server.collects.length, countAfterOptOut);
  });

  test('water bill: card fields are masked and the account number is always rejected', async () => {
    const { server, page } = await setup();
    await page.goto(`${server.origin}/demo/water-bill.html`);
    await page.type('#account-number', '12345678');
    await page.type('#card-number', '4111111111111111');
    await page.type('#card-cvc', '737');
    await page.click('#water-submit');
    await page.waitForSelector('#account-number[aria-invalid="true"]');
    await flush(page);

    const events = eventsOf(await waitFor(() => server.accepted().length && server.accepted()));
    const raw = server.collects.map((c) => c.raw).join('\n');
    for (const secret of ['12345678', '4111111111111111'])
      assert.ok(!raw.includes(secret), `"${secret}" leaked`);
    const cardId = nodeIdOf(events, 'card-number');
    assert.equal(
      inputs(events)
        .filter((e) => e.data.id === cardId)
        .at(-1).data.text,
      '*'.repeat(16),
    );
    assert.match(await page.textContent('#account-error'), /not valid/);
  });

  test('unmask list records listed fields; passwords, hidden inputs and blocked parts stay out', async () => {
    const { server, page } = await setup();
    await page.goto(`${server.origin}/fixtures/unmask.html`);
    await page.type('#search', 'bus timetable');
    await page.type('#secret', 'hunter22');
    // A "show password" toggle must not unmask the field.
    await page.evaluate(() => document.getElementById('secret').setAttribute('type', 'text'));
    await page.type('#secret', 'x');
    await page.type('#private', 'my private words');
    await page.type('#blocked', 'blocked words');
    await flush(page);

    const bodies = await waitFor(() => server.accepted().length && server.accepted());
    const raw = server.collects.map((c) => c.raw).join('\n');
    for (const secret of ['hunter', 'tok_hidden', 'private words', 'blocked words']) {
      assert.ok(!raw.includes(secret), `"${secret}" leaked`);
    }
    const events = eventsOf(bodies);
    const searchId = nodeIdOf(events, 'search');
    const secretId = nodeIdOf(events, 'secret');
    const textsOf = (id) =>
      inputs(events)
        .filter((e) => e.data.id === id)
        .map((e) => e.data.text);
    assert.equal(textsOf(searchId).at(-1), 'bus timetable');
    assert.deepEqual([...new Set(textsOf(secretId))], ['********']);
    assert.equal(nodeIdOf(events, 'blocked'), null);
    assert.equal(nodeIdOf(events, 'hidden-token') !== null, true);
  });
});

const RATING_SURVEY = {
  id: 'sv-rating',
  question: { type: 'rating', text: 'How easy was this page to use?' },
  trigger: { kind: 'load' },
};
const TEXT_SURVEY = {
  id: 'sv-stuck',
  question: { id: 'main', type: 'open_text', text: 'What were you trying to do?' },
  trigger: { kind: 'signal', signal: 'rage_click' },
};

describe('surveys', () => {
  test('a load survey opens as a focused modal dialog and Escape dismisses it', async () => {
    const { server, page } = await setup({ surveysFor: () => [RATING_SURVEY] });
    await page.goto(`${server.origin}/demo/`);
    const dialog = page.getByRole('dialog', { name: 'How easy was this page to use?' });
    await dialog.waitFor();

    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('type')), 'radio');
    assert.equal(
      await page.evaluate(() => document.activeElement.closest('dialog') !== null),
      true,
    );
    assert.equal(await dialog.getByRole('radio').count(), 5);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await waitFor(
      () => server.surveyCalls.some((c) => c.action === 'dismissed'),
      3000,
      'dismissed',
    );

    const [eligible, shown, dismissed] = server.surveyCalls;
    assert.equal(eligible.action, 'eligible');
    assert.equal(eligible.query.site_key, 'demo-site-key');
    assert.equal(eligible.query.url, `${server.origin}/demo/`);
    assert.deepEqual([shown.action, shown.id], ['shown', 'sv-rating']);
    assert.deepEqual([dismissed.action, dismissed.id], ['dismissed', 'sv-rating']);
    assert.deepEqual(Object.keys(dismissed.body).sort(), [
      'session_id',
      'site_key',
      'visitor_id',
      'window_id',
    ]);
    assert.equal(dismissed.body.session_id, eligible.query.session_id);
  });

  test('rage clicks ask again with signal=rage_click; the answer is sent by keyboard and never recorded', async () => {
    const surveysFor = (query) => (query.get('signal') === 'rage_click' ? [TEXT_SURVEY] : []);
    const { server, page } = await setup({ surveysFor });
    await page.goto(`${server.origin}/demo/`);
    await page.click('#broken-button');
    assert.equal(server.surveyCalls.filter((c) => c.query && c.query.signal).length, 0);
    await page.click('#broken-button');
    await page.click('#broken-button');
    const dialog = page.getByRole('dialog', { name: 'What were you trying to do?' });
    await dialog.waitFor();

    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'TEXTAREA');
    await page.keyboard.type('sign up for street closure alerts');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await waitFor(() => server.surveyCalls.some((c) => c.action === 'responses'), 3000, 'response');
    await flush(page);
    await waitFor(() => server.accepted().length, 5000, 'a batch');

    const response = server.surveyCalls.find((c) => c.action === 'responses');
    assert.equal(response.id, 'sv-stuck');
    assert.deepEqual(response.body.answers, { main: 'sign up for street closure alerts' });
    const signalCalls = server.surveyCalls.filter((c) => c.action === 'eligible' && c.query.signal);
    assert.deepEqual(
      signalCalls.map((c) => c.query.signal),
      ['rage_click'],
    );
    const raw = server.collects.map((c) => c.raw).join('\n');
    assert.ok(!raw.includes('street closure'));
  });
});

describe('accessibility', () => {
  const AXE = new URL('../node_modules/axe-core/axe.min.js', import.meta.url).pathname;
  const axeViolations = async (page) => {
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => (await window.axe.run()).violations);
    return violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  };

  for (const path of ['', 'permit.html', 'water-bill.html', 'pothole.html', 'slow']) {
    test(`demo page /demo/${path} has no axe-core violations`, async () => {
      const { server, page } = await setup({ slowMs: 10 });
      await page.goto(`${server.origin}/demo/${path}`);
      assert.deepEqual(await axeViolations(page), []);
    });
  }

  test('the survey dialog has no axe-core violations on a 360 px wide screen', async () => {
    const { server, page } = await setup({
      surveysFor: () => [
        { ...RATING_SURVEY, question: { type: 'nps', text: 'Would you recommend this service?' } },
      ],
    });
    await page.setViewportSize({ width: 360, height: 640 });
    await page.goto(`${server.origin}/demo/water-bill.html`);
    const dialog = page.getByRole('dialog', { name: 'Would you recommend this service?' });
    await dialog.waitFor();
    const box = await dialog.boundingBox();
    assert.ok(
      box.x >= 0 && box.x + box.width <= 360,
      `dialog spans ${box.x}..${box.x + box.width}`,
    );
    assert.deepEqual(await axeViolations(page), []);
  });
});
