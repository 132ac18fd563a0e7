#!/usr/bin/env node
/**
 * Scripted residents on the demo city site, in headless Chromium, against a running Stuckpoint
 * API (which serves /demo/, /tracker.js, /collect and the survey routes).
 *
 *   node tracker/test/residents.mjs --base-url http://127.0.0.1:8000 [--residents 3]
 *
 * Resident i follows script i mod 3: the permit applicant, the bill payer, the pothole reporter.
 * Prints one JSON object on stdout, `{"residents": [...]}`, with per resident: the script, the
 * tracker's session, window and visitor ids, the values it typed, the survey outcome, the survey
 * calls and their statuses, and the page errors. Progress goes to stderr; exit code 1 on failure.
 *
 * Every personal value is synthetic: the SSN is in an unissued range, the email uses
 * example.com and the phone the fictional 555-01xx block.
 */

import { parseArgs } from 'node:util';

import { launch, waitFor } from './browser.mjs';

const APPLICANT = {
  name: 'Jordan Quincy Resident',
  email: 'resident.e2e@example.com',
  phone: '(555) 010-4477',
  ssn: '219-09-9999',
  street: '1200 Elm Terrace',
};

const PAUSE_MS = 150;
const SURVEY_WAIT_MS = 5000;
const BEACON_WAIT_MS = 1500;
const CONCURRENCY = 2;

function log(message) {
  process.stderr.write(`residents: ${message}\n`);
}

/** Count what one resident's browser context sends to Stuckpoint, and its page errors.
 * Beacons sent while a page unloads are not reported to playwright, so `collects` counts only
 * the bodies sent by `fetch`. */
function watch(context) {
  const seen = { collects: 0, surveyCalls: [], pageErrors: [] };
  context.on('request', (request) => {
    if (new URL(request.url()).pathname === '/collect' && request.method() === 'POST') {
      seen.collects += 1;
    }
  });
  context.on('requestfinished', async (request) => {
    const url = new URL(request.url());
    if (!url.pathname.startsWith('/surveys/')) return;
    const response = await request.response();
    seen.surveyCalls.push({ path: url.pathname, status: response ? response.status() : 0 });
  });
  return seen;
}

async function open(page, url) {
  await page.goto(url);
  // The recorder starts at DOMContentLoaded; its first full snapshot is queued by then.
  await waitFor(() => page.evaluate(() => Boolean(window.Stuckpoint)), 5000, 'the tracker');
  await page.waitForTimeout(300);
}

/** Several quick clicks on one spot, as a real mouse makes them (non-zero coordinates). */
async function quickClicks(page, selector, clicks = 4) {
  const target = page.locator(selector);
  await target.scrollIntoViewIfNeeded();
  const box = await target.boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y, { steps: 5 });
  for (let i = 0; i < clicks; i += 1) {
    await page.mouse.click(x + i, y);
    await page.waitForTimeout(PAUSE_MS);
  }
}

/** Answer the survey dialog with `rating` if one opens; returns what happened. */
async function answerSurvey(page, rating) {
  const dialog = page.locator('dialog.sp-survey[open]');
  try {
    await dialog.waitFor({ timeout: SURVEY_WAIT_MS });
  } catch {
    return { shown: false };
  }
  await dialog.locator(`input[name="sp-answer"][value="${rating}"]`).check();
  const posted = page.waitForResponse(
    (r) => r.url().includes('/responses') && r.request().method() === 'POST',
    { timeout: SURVEY_WAIT_MS },
  );
  const answeredAtMs = Date.now();
  await dialog.locator('.sp-send').click();
  const response = await posted;
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return {
    shown: true,
    survey_id: decodeURIComponent(new URL(response.url()).pathname.split('/')[2]),
    answer: rating,
    answered_at_ms: answeredAtMs,
    status: response.status(),
    response: body,
  };
}

/** Close the survey dialog with Escape if one opens within `waitMs`; returns what happened. */
async function dismissSurvey(page, waitMs = 1500) {
  const dialog = page.locator('dialog.sp-survey[open]');
  try {
    await dialog.waitFor({ timeout: waitMs });
  } catch {
    return { shown: false };
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached', timeout: SURVEY_WAIT_MS });
  return { shown: true, dismissed: true };
}

async function typeInto(page, selector, value) {
  await page.locator(selector).click();
  await page.locator(selector).pressSequentially(value, { delay: 15 });
}

/** The tracker's ids as this tab holds them. */
function idsOf(page) {
  return page.evaluate(() => ({
    session_id: JSON.parse(localStorage.getItem('stuckpoint.session') || '{}').id || null,
    visitor_id: localStorage.getItem('stuckpoint.visitor'),
    window_id: sessionStorage.getItem('stuckpoint.window'),
  }));
}

/** Leave the site: the page is hidden and unloaded, so the tracker flushes by beacon. Returns the
 * tracker's ids, read just before leaving. */
async function leave(page) {
  const ids = await idsOf(page);
  await page.goto('about:blank');
  await page.waitForTimeout(BEACON_WAIT_MS);
  return ids;
}

/** Rage-clicks the broken alerts button, answers the survey, hits the pothole error, applies for
 * a permit with personal data typed in (and an email in the link it arrived by), then leaves. */
async function permitApplicant(page, base) {
  const result = { script: 'permit_applicant', typed: { ...APPLICANT } };

  await open(page, `${base}/demo/index.html`);
  await quickClicks(page, '#broken-button');
  result.survey = await answerSurvey(page, 2);

  await page.locator('nav a[href="pothole.html"]').click();
  await page.waitForURL('**/demo/pothole.html');
  await page.waitForTimeout(300);
  await page.locator('#error-submit').click();
  await page.waitForTimeout(500);

  // A link from an email that carries the address in its query string: the URL is recorded
  // and must be redacted on the server.
  const link = `${base}/demo/permit.html?contact=${encodeURIComponent(APPLICANT.email)}`;
  await open(page, link);
  await typeInto(page, '#permit-name', APPLICANT.name);
  await typeInto(page, '#permit-email', APPLICANT.email);
  await typeInto(page, '#permit-phone', APPLICANT.phone);
  await page.locator('#permit-next-1').click();
  await typeInto(page, '#permit-ssn', APPLICANT.ssn);
  await typeInto(page, '#permit-street', APPLICANT.street);
  await page.locator('#permit-type').selectOption('Parking');
  await page.locator('#permit-next-2').click();
  await page.locator('#permit-submit').click();
  await page.locator('#permit-result', { hasText: 'Thank you' }).waitFor({ timeout: 3000 });

  return { ...result, ...(await leave(page)) };
}

/** Tries to pay a water bill; the account number is always rejected, so they press Pay again and
 * again, then check the (slow) service status page and leave. */
async function billPayer(page, base) {
  const result = { script: 'bill_payer', typed: { account: '40271188', amount: '42.10' } };

  await open(page, `${base}/demo/water-bill.html`);
  await typeInto(page, '#account-number', result.typed.account);
  await typeInto(page, '#amount', result.typed.amount);
  await page.locator('#water-submit').click();
  await page.waitForTimeout(1200);
  await quickClicks(page, '#water-submit', 5);
  result.survey = await answerSurvey(page, 1);

  await page.locator('a.site-name').click();
  await page.waitForURL('**/demo/index.html');
  await page.waitForTimeout(500);
  await page.locator('#slow-link').click();
  await page.waitForURL('**/demo/slow', { timeout: 10000 });
  await page.waitForTimeout(500);

  return { ...result, ...(await leave(page)) };
}

/** Reports a pothole: uses the stepper quickly (it works: the server finds no rage, though the
 * tracker's simpler rule may open a survey, which they close), then the send button throws. */
async function potholeReporter(page, base) {
  const result = { script: 'pothole_reporter', typed: { location: 'Oak Street at 5th' } };

  await open(page, `${base}/demo/pothole.html`);
  await typeInto(page, '#pothole-location', result.typed.location);
  await quickClicks(page, '#stepper-plus', 4);
  result.survey = await dismissSurvey(page);
  await page.locator('#error-submit').click();
  await page.waitForTimeout(1500);
  await page.locator('#error-submit').click();
  await page.waitForTimeout(500);

  return { ...result, ...(await leave(page)) };
}

const SCRIPTS = [permitApplicant, billPayer, potholeReporter];

async function runResident(browser, base, index) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const seen = watch(context);
  const page = await context.newPage();
  page.on('pageerror', (err) => seen.pageErrors.push(err.message));
  const script = SCRIPTS[index % SCRIPTS.length];
  const startedMs = Date.now();
  let result;
  try {
    result = await script(page, base);
  } finally {
    await context.close();
  }
  log(`resident ${index} (${result.script}) done in ${Date.now() - startedMs} ms`);
  return {
    index,
    ...result,
    fetched_collects: seen.collects,
    survey_calls: seen.surveyCalls,
    page_errors: seen.pageErrors,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      residents: { type: 'string', default: '3' },
    },
  });
  const base = (values['base-url'] || '').replace(/\/+$/, '');
  const count = Number(values.residents);
  if (!/^https?:\/\//.test(base) || !Number.isInteger(count) || count < 1) {
    process.stderr.write('usage: residents.mjs --base-url http://HOST:PORT [--residents N]\n');
    process.exit(2);
  }

  const browser = await launch();
  const residents = [];
  try {
    // A few at a time: each is a full browser context on a small machine.
    for (let first = 0; first < count; first += CONCURRENCY) {
      const batch = [];
      for (let i = first; i < Math.min(count, first + CONCURRENCY); i += 1) {
        batch.push(runResident(browser, base, i));
      }
      residents.push(...(await Promise.all(batch)));
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(`${JSON.stringify({ residents })}\n`);
}

main().catch((err) => {
  process.stderr.write(`residents: failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
