/** JS errors, failed requests and visibility changes, emitted as rrweb plugin and custom events. */

const MAX_TRACE_FRAMES = 10;

/** rrweb's console plugin shape, so replays and detectors treat it as a console error. */
export function errorEvent(message, stack, nowMs = Date.now()) {
  return {
    type: 6,
    data: {
      plugin: 'rrweb/console@1',
      payload: { level: 'error', payload: [String(message)], trace: traceFrames(stack) },
    },
    timestamp: nowMs,
  };
}

export function customEvent(tag, payload, nowMs = Date.now()) {
  return { type: 5, data: { tag, payload }, timestamp: nowMs };
}

/** Stack lines after the message line, without the engine's `at ` prefix. */
export function traceFrames(stack) {
  if (!stack) return [];
  return String(stack)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at ') || line.includes('@'))
    .slice(0, MAX_TRACE_FRAMES)
    .map((line) => line.replace(/^at /, ''));
}

/** Path of a URL without its query string or fragment, which often carry personal data. */
export function requestUrl(url) {
  try {
    const parsed = new URL(String(url), location.href);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '';
  }
}

/**
 * Install the listeners and the fetch/XHR wrappers. They stay installed after opt-out (another
 * script may have wrapped them since) but emit nothing while `isActive()` is false. The tracker's
 * own requests use the unwrapped fetch, so they never show up here.
 */
export function installCapture(emit, isActive) {
  const report = (event) => {
    if (isActive()) emit(event);
  };

  window.addEventListener('error', (e) => {
    // Resource load errors (img, script) arrive here too, without a message; skip them.
    if (!e.message) return;
    report(errorEvent(e.message, e.error && e.error.stack));
  });
  window.addEventListener('unhandledrejection', (e) => {
    const reason = e.reason;
    const message = reason instanceof Error ? reason.message : String(reason);
    report(errorEvent(`Unhandled rejection: ${message}`, reason && reason.stack));
  });
  document.addEventListener('visibilitychange', () => {
    report(customEvent('visibility', { visible: document.visibilityState === 'visible' }));
  });

  const reportRequest = (url, method, status) => {
    const clean = requestUrl(url);
    if (!clean) return;
    report(customEvent('request', { url: clean, method: String(method).toUpperCase(), status }));
  };
  wrapFetch(reportRequest);
  wrapXhr(reportRequest);
}

function wrapFetch(reportRequest) {
  const original = window.fetch;
  if (!original) return;

  window.fetch = function stuckpointFetch(input, init) {
    const url = typeof input === 'string' || input instanceof URL ? input : input && input.url;
    const method = (init && init.method) || (input && input.method) || 'GET';
    return original.apply(this, arguments).then(
      (response) => {
        if (response.status >= 400) reportRequest(url, method, response.status);
        return response;
      },
      (error) => {
        // Status 0 stands for "no response": network failure, CORS refusal or abort.
        reportRequest(url, method, 0);
        throw error;
      },
    );
  };
}

function wrapXhr(reportRequest) {
  const proto = window.XMLHttpRequest && window.XMLHttpRequest.prototype;
  if (!proto) return;

  const open = proto.open;
  const send = proto.send;
  proto.open = function stuckpointOpen(method, url) {
    this.__stuckpoint = { method, url };
    return open.apply(this, arguments);
  };
  proto.send = function stuckpointSend() {
    const meta = this.__stuckpoint;
    if (meta) {
      this.addEventListener('loadend', () => {
        if (this.status >= 400 || this.status === 0)
          reportRequest(meta.url, meta.method, this.status);
      });
    }
    return send.apply(this, arguments);
  };
}
