/** The signed-in key (sessionStorage only: gone when the tab closes) and what its role may see. */

import { Api, ApiError } from './api.js';
import { ADMIN_PROBE, AUDIT_PROBE, PROBE } from './queries.js';
import { isoDay } from './format.js';

const KEY = 'stuckpoint.console.key';

export function storedKey() {
  return sessionStorage.getItem(KEY);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY);
}

/**
 * Check `key` against the API and learn its role. The API has no "who am I" field, so the role
 * is read from what the API allows: the redaction audit needs privacy_officer, the key list admin.
 * Resolves to `{ api, role, sites }`; rejects with `ApiError` when the key cannot read data.
 */
export async function signIn(key) {
  const api = new Api(key);
  const { sites } = await api.query(PROBE);
  const today = isoDay(new Date());
  const audit = await allowed(api.query(AUDIT_PROBE, { range: { from: today, to: today } }));
  const admin = audit && (await allowed(api.query(ADMIN_PROBE)));
  sessionStorage.setItem(KEY, key);
  return { api, role: admin ? 'admin' : audit ? 'privacy_officer' : 'analyst', sites };
}

async function allowed(request) {
  try {
    await request;
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'forbidden') return false;
    throw err;
  }
}

/** Whether `role` may open the redaction audit (the API enforces the same). */
export function seesAudit(role) {
  return role === 'privacy_officer' || role === 'admin';
}
