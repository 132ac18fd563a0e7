/** The console's only way to the data: the public GraphQL API, over HTTP and WebSocket. */

import { createClient } from 'graphql-ws';

/** A GraphQL error answered by the API; `code` is its `extensions.code` (`forbidden`, ...). */
export class ApiError extends Error {
  constructor(message, code = 'internal', status = 200) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

export class Api {
  /** `key` is the API key, sent as `Authorization: Bearer <key>`. */
  constructor(key, baseUrl = new URL('/graphql', window.location.href).href) {
    this.key = key;
    this.url = baseUrl;
    this.ws = null;
  }

  /** Run a query or mutation; resolves to `data`, rejects with `ApiError`. */
  async query(document, variables = {}) {
    let response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key}` },
        body: JSON.stringify({ query: document, variables }),
        credentials: 'omit',
      });
    } catch (err) {
      throw new ApiError(`The API cannot be reached (${err.message}).`, 'network', 0);
    }
    let body;
    try {
      body = await response.json();
    } catch {
      throw new ApiError(`The API answered ${response.status}.`, 'http', response.status);
    }
    if (body.errors?.length) {
      const [first] = body.errors;
      throw new ApiError(first.message, first.extensions?.code || 'internal', response.status);
    }
    if (!response.ok) {
      throw new ApiError(`The API answered ${response.status}.`, 'http', response.status);
    }
    return body.data;
  }

  /**
   * Subscribe over graphql-transport-ws; `sink` gets `next(data)`, `error(err)`, `state(text)`.
   * Returns a function that ends the subscription.
   */
  subscribe(document, variables, sink) {
    if (!this.ws) {
      const url = new URL('/graphql', window.location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      this.ws = createClient({
        url: url.href,
        connectionParams: { authorization: `Bearer ${this.key}` },
        lazy: true,
        retryAttempts: 5,
        keepAlive: 20_000,
      });
    }
    const offs = [
      this.ws.on('connected', () => sink.state?.('connected')),
      this.ws.on('closed', () => sink.state?.('closed')),
      this.ws.on('connecting', () => sink.state?.('connecting')),
    ];
    const stop = this.ws.subscribe(
      { query: document, variables },
      {
        next: (result) => {
          if (result.errors?.length) {
            const [first] = result.errors;
            sink.error?.(new ApiError(first.message, first.extensions?.code || 'internal'));
          } else {
            sink.next(result.data);
          }
        },
        error: (err) => sink.error?.(toError(err)),
        complete: () => sink.state?.('closed'),
      },
    );
    return () => {
      stop();
      offs.forEach((off) => off());
    };
  }

  close() {
    this.ws?.dispose();
    this.ws = null;
  }
}

function toError(err) {
  if (err instanceof Error) return err;
  if (Array.isArray(err)) return new ApiError(err[0]?.message || 'subscription failed');
  // A CloseEvent: the server refused the connection (4403) or the network dropped.
  if (err && typeof err.code === 'number') {
    return new ApiError(err.reason || `connection closed (${err.code})`, 'closed');
  }
  return new ApiError('subscription failed');
}
