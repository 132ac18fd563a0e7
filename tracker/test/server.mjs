/** Capture server for the tracker tests: serves demo/ and the bundle, records what arrives. */

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const TRACKER_DIR = fileURLToPath(new URL('..', import.meta.url));
const DEMO_DIR = join(TRACKER_DIR, '..', 'demo');
const FIXTURE_DIR = join(TRACKER_DIR, 'test', 'fixtures');
const BUNDLE = join(TRACKER_DIR, 'dist', 'stuckpoint.js');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

/**
 * Start the server on 127.0.0.1 at a random port.
 * @param surveysFor `(query: URLSearchParams) => surveys[]` for `GET /surveys/eligible`
 * @param slowMs delay of `GET /demo/slow`
 */
export async function startServer({ surveysFor = () => [], slowMs = 1500 } = {}) {
  const state = {
    collects: [],
    surveyCalls: [],
    // Statuses to answer the next `/collect` requests with, e.g. `{status: 503, retryAfter: '1'}`.
    collectResponses: [],
  };
  const server = createServer((req, res) => {
    handle(req, res, state, { surveysFor, slowMs }).catch((err) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${server.address().port}`;

  return {
    origin,
    ...state,
    /** Parsed `/collect` bodies accepted so far (2xx answers only). */
    accepted: () => state.collects.filter((c) => c.status < 300).map((c) => c.json),
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(done);
      }),
  };
}

async function handle(req, res, state, config) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const path = url.pathname;

  if (req.method === 'POST' && path === '/collect') {
    const body = await readBody(req);
    const answer = state.collectResponses.shift() || { status: 204 };
    state.collects.push({
      receivedMs: Date.now(),
      contentType: req.headers['content-type'] || '',
      query: Object.fromEntries(url.searchParams),
      raw: body,
      bytes: Buffer.byteLength(body),
      json: JSON.parse(body),
      status: answer.status,
    });
    const headers = answer.retryAfter ? { 'Retry-After': answer.retryAfter } : {};
    res.writeHead(answer.status, headers);
    return res.end();
  }
  if (req.method === 'GET' && path === '/surveys/eligible') {
    state.surveyCalls.push({ action: 'eligible', query: Object.fromEntries(url.searchParams) });
    return sendJson(res, 200, { surveys: config.surveysFor(url.searchParams) });
  }
  const surveyPost = path.match(/^\/surveys\/([^/]+)\/(shown|dismissed|responses)$/);
  if (req.method === 'POST' && surveyPost) {
    const body = JSON.parse(await readBody(req));
    state.surveyCalls.push({ action: surveyPost[2], id: surveyPost[1], body });
    return sendJson(res, 200, { ok: true });
  }
  if (req.method !== 'GET') return sendText(res, 405, 'method not allowed');

  if (path === '/' || path === '/demo') return redirect(res, '/demo/');
  if (path === '/tracker.js') return sendFile(res, BUNDLE);
  if (path === '/demo/slow') {
    await new Promise((done) => setTimeout(done, config.slowMs));
    return sendFile(res, join(DEMO_DIR, 'slow.html'));
  }
  if (path.startsWith('/demo/')) return sendFrom(res, DEMO_DIR, path.slice(6) || 'index.html');
  if (path.startsWith('/fixtures/')) return sendFrom(res, FIXTURE_DIR, path.slice(10));
  return sendText(res, 404, 'not found');
}

function sendFrom(res, dir, relative) {
  const file = normalize(join(dir, decodeURIComponent(relative)));
  if (!file.startsWith(dir)) return sendText(res, 404, 'not found');
  return sendFile(res, file);
}

async function sendFile(res, file) {
  let data;
  try {
    data = await readFile(file);
  } catch {
    return sendText(res, 404, 'not found');
  }
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream' });
  res.end(data);
}

function sendJson(res, status, value) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}

function sendText(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain' });
  res.end(text);
}

function redirect(res, location) {
  res.writeHead(302, { Location: location });
  res.end();
}

function readBody(req) {
  return new Promise((done, fail) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}
