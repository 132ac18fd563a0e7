/** Survey results as text and tables: counts, rates, choices, value distribution. */

import { h, table } from '../dom.js';
import { count, decimal, percentValue } from '../format.js';

/** The [from, to) DateTimes of a range of UTC days. */
export function rangeTimes(range) {
  const to = new Date(`${range.to}T00:00:00Z`);
  to.setUTCDate(to.getUTCDate() + 1);
  return { from: `${range.from}T00:00:00+00:00`, to: to.toISOString().replace('.000Z', '+00:00') };
}

/** Shown / answered / response rate as a definition list. */
export function responseCounts(results, id = null) {
  const item = (name, label, value) =>
    h('div', { class: 'kpi', dataset: { kpi: name } }, h('dt', {}, label), h('dd', {}, value));
  return h(
    'dl',
    { class: 'kpis', id },
    item('shown', 'Shown', count(results.shown)),
    item('answered', 'Answered', count(results.answered)),
    item('responseRate', 'Response rate', percentValue(results.responseRatePercent)),
    results.dismissed !== undefined
      ? item('dismissed', 'Dismissed', count(results.dismissed))
      : null,
  );
}

/** What the main question's answers add up to, by question type. */
export function questionResults(q, idPrefix) {
  if (!q) return null;
  const parts = [];
  if (q.type === 'RATING' || q.type === 'NPS') {
    const stats = [
      ['Answers', count(q.answered)],
      ['Average', decimal(q.average, 2)],
    ];
    if (q.type === 'RATING') stats.push(['Satisfied (4–5)', percentValue(q.satisfiedPercent)]);
    if (q.type === 'NPS') {
      stats.push(
        ['NPS', decimal(q.nps, 1)],
        ['Promoters', count(q.promoters)],
        ['Passives', count(q.passives)],
        ['Detractors', count(q.detractors)],
      );
    }
    parts.push(
      h(
        'dl',
        { class: 'stats', id: `${idPrefix}-stats` },
        stats.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
      ),
      distribution(q.distribution, idPrefix),
    );
  } else if (q.type === 'SINGLE_CHOICE' || q.type === 'MULTIPLE_CHOICE') {
    parts.push(
      table(
        'Answers by choice',
        ['Choice', 'Answers', 'Share'],
        q.choices.map((c) => [c.text, count(c.count), percentValue(c.percent)]),
        { numeric: [1, 2], id: `${idPrefix}-choices` },
      ),
    );
  } else {
    parts.push(h('p', {}, `${count(q.answered)} open answers (stored redacted).`));
  }
  return h('div', { class: 'question-results' }, parts);
}

/** Counts per value with a bar drawn in CSS; the numbers are in the table itself. */
function distribution(values, idPrefix) {
  const max = Math.max(1, ...values.map((v) => v.count));
  return table(
    'Answers by value',
    ['Value', 'Answers', ''],
    values.map((v) => [
      String(v.value),
      count(v.count),
      v.count
        ? h('span', {
            class: 'bar',
            style: { width: `${(v.count / max) * 100}%` },
            'aria-hidden': 'true',
          })
        : '',
    ]),
    { numeric: [1], id: `${idPrefix}-distribution` },
  );
}
