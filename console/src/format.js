/** Number, percentage, date and duration formats shared by every screen. */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function count(n) {
  return integer.format(n ?? 0);
}

/** A 0–1 rate as a percentage with one decimal: `0.125` → `12.5 %`. */
export function percent(rate) {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '–';
  return `${(rate * 100).toFixed(1)}\u00a0%`;
}

/** A value that is already a percentage (0–100). */
export function percentValue(value) {
  if (value === null || value === undefined) return '–';
  return `${Number(value).toFixed(1)}\u00a0%`;
}

export function decimal(value, digits = 2) {
  if (value === null || value === undefined) return '–';
  return Number(value).toFixed(digits);
}

/** `YYYY-MM-DD` of a Date in UTC (the API's days are UTC days). */
export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function addDays(day, n) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + n);
  return isoDay(date);
}

export function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 864e5) + 1;
}

/** An API DateTime as a short UTC date and time: `3 Dec 2026, 09:14 UTC`. */
export function dateTime(value) {
  if (!value) return '–';
  const date = new Date(value);
  return `${date.toLocaleString('en-GB', {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  })} UTC`;
}

/** Milliseconds as `m:ss` (or `h:mm:ss`). */
export function clock(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** `rage_click` → `Rage click`. */
export function kindLabel(kind) {
  const text = String(kind).replaceAll('_', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
