/** Redaction audit (privacy officers): what was redacted, by entity type and field kind, per day
 * and per session, and the policy versions in force. Counts only, never values. */

import { timeChart } from '../charts.js';
import { fill, h, table } from '../dom.js';
import { addDays, count } from '../format.js';
import { AUDIT } from '../queries.js';

function names(groups, key) {
  return [...new Set(groups.flatMap((g) => g[key].map((c) => c.name)))].sort();
}

function byNameChart(id, title, days, key) {
  const kinds = names(days, key);
  return timeChart({
    id,
    title,
    starts: days.map((d) => Date.parse(`${d.key}T00:00:00Z`)),
    format: (v) => count(v),
    integer: true,
    series: kinds.length
      ? kinds.map((name) => ({
          label: name,
          values: days.map((d) => d[key].find((c) => c.name === name)?.count ?? 0),
        }))
      : [{ label: 'Redactions', values: days.map(() => 0) }],
  });
}

function list(counts) {
  return counts.length ? counts.map((c) => `${c.name} ${count(c.count)}`).join(', ') : '–';
}

/** Every day of the range, with zeros where the API has no group. */
function everyDay(range, groups) {
  const found = new Map(groups.map((g) => [g.key, g]));
  const days = [];
  for (let day = range.from; day <= range.to; day = addDays(day, 1)) {
    days.push(
      found.get(day) || { key: day, chunks: 0, redactions: 0, byEntity: [], byFieldKind: [] },
    );
  }
  return days;
}

export async function renderAudit(ctx, main) {
  const { redactionAudit: audit } = await ctx.api.query(AUDIT, {
    siteId: ctx.siteId,
    range: ctx.range,
  });
  const days = everyDay(ctx.range, audit.byDay);
  const total = audit.byEntity.reduce((n, c) => n + c.count, 0);
  const current = audit.policies.at(-1);
  fill(
    main,
    h('h1', {}, 'Redaction audit'),
    h(
      'p',
      { class: 'lede' },
      `What the redaction removed from ${ctx.range.from} to ${ctx.range.to} (UTC): counts only, never the values.`,
    ),
    h(
      'dl',
      { class: 'kpis', id: 'audit-kpis' },
      [
        ['chunks', 'Batches redacted', count(audit.chunks)],
        ['redactions', 'Redactions', count(total)],
        ['timeouts', 'Texts fully masked (time limit)', count(audit.timeouts)],
        ['policy', 'Policy in force', current ? current.version : '–'],
      ].map(([name, label, value]) =>
        h('div', { class: 'kpi', dataset: { kpi: name } }, h('dt', {}, label), h('dd', {}, value)),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'policies-title' },
      h('h2', { id: 'policies-title' }, 'Policy versions in force'),
      table(
        'Redaction policy versions that processed data in the range, oldest first',
        ['Version', 'Hash', 'First day', 'Last day', 'Batches'],
        audit.policies.map((p) => [
          p.version,
          h('code', {}, p.hash.slice(0, 12)),
          p.firstDay,
          p.lastDay,
          count(p.chunks),
        ]),
        { numeric: [4], id: 'policies', captionHidden: true },
      ),
    ),
    h(
      'div',
      { class: 'grid-2' },
      byNameChart('audit-entity-chart', 'Redactions by entity type', days, 'byEntity'),
      byNameChart('audit-field-chart', 'Redactions by field kind', days, 'byFieldKind'),
    ),
    h(
      'div',
      { class: 'grid-2' },
      h(
        'section',
        { 'aria-labelledby': 'entity-title' },
        h('h2', { id: 'entity-title' }, 'Totals by entity type'),
        table(
          'Totals by entity type',
          ['Entity type', 'Redactions'],
          audit.byEntity.map((c) => [c.name, count(c.count)]),
          { numeric: [1], id: 'by-entity', captionHidden: true },
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'field-title' },
        h('h2', { id: 'field-title' }, 'Totals by field kind'),
        table(
          'Totals by field kind',
          ['Field kind', 'Redactions'],
          audit.byFieldKind.map((c) => [c.name, count(c.count)]),
          { numeric: [1], id: 'by-field-kind', captionHidden: true },
        ),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'sessions-title' },
      h('h2', { id: 'sessions-title' }, 'Per session'),
      h(
        'p',
        {},
        'The sessions with the most redactions: where (field kind) and what (entity type), by count.',
      ),
      table(
        'Redactions per session',
        ['Session', 'Batches', 'Redactions', 'By entity type', 'By field kind'],
        audit.bySession.map((g) => [
          h('a', { href: `#/replay/${encodeURIComponent(g.key)}` }, h('code', {}, g.key)),
          count(g.chunks),
          count(g.redactions),
          list(g.byEntity),
          list(g.byFieldKind),
        ]),
        { numeric: [1, 2], id: 'by-session', captionHidden: true },
      ),
    ),
  );
}
