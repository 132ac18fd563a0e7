/** Surveys: the list with pause and resume, a form to create one with its targeting rules, and
 * one survey's definition, targeting and results. */

import { timeChart } from '../charts.js';
import { announce, field, fill, h, select, table } from '../dom.js';
import { addDays, count, dateTime, kindLabel, percentValue } from '../format.js';
import {
  CREATE_SURVEY,
  PAUSE_SURVEY,
  SET_SURVEY_STATUS,
  SURVEY_DETAIL,
  SURVEYS,
  UPDATE_SURVEY,
} from '../queries.js';
import { questionResults, rangeTimes, responseCounts } from './results.js';

const QUESTION_TYPES = [
  ['RATING', 'Rating (1–5)'],
  ['NPS', 'Net promoter score (0–10)'],
  ['SINGLE_CHOICE', 'One choice'],
  ['MULTIPLE_CHOICE', 'Several choices'],
  ['OPEN_TEXT', 'Open text'],
];
const RULE_KINDS = [
  ['PREFIX', 'Path starts with'],
  ['EXACT', 'Path is exactly'],
  ['TEMPLATE', 'Page template'],
  ['GLOB', 'Path pattern (* and **)'],
  ['DEPARTMENT', 'Department'],
];
const TRIGGERS = [
  ['LOAD', 'When the page loads'],
  ['DELAY', 'After some seconds on the page'],
  ['EXIT', 'When the resident is about to leave'],
  ['SIGNAL', 'Right after a frustration signal'],
];

function textOf(texts, lang) {
  return (texts.find((t) => t.lang === lang) || texts[0] || { text: '' }).text;
}

function targeting(rules) {
  if (!rules.length) return 'every page';
  return rules
    .map(
      (r) =>
        `${r.exclude ? 'not ' : ''}${(RULE_KINDS.find(([k]) => k === r.kind) || [, r.kind])[1].toLowerCase()} ${r.value}`,
    )
    .join('; ');
}

function triggerText(t) {
  if (t.kind === 'DELAY') return `after ${t.seconds ?? 0} s`;
  if (t.kind === 'SIGNAL') return `after a ${kindLabel(t.signal || 'signal').toLowerCase()}`;
  return (TRIGGERS.find(([k]) => k === t.kind) || [, t.kind])[1].toLowerCase();
}

/** The buttons that move a survey along draft → active ⇄ paused → ended. */
function statusActions(ctx, survey, after) {
  const act = (label, run) =>
    h(
      'button',
      {
        type: 'button',
        class: 'small',
        dataset: { action: label.toLowerCase(), surveyId: survey.id },
        onclick: async (e) => {
          e.target.disabled = true;
          try {
            await run();
            announce(`Survey “${survey.name}”: ${label.toLowerCase()} done.`);
            after();
          } catch (err) {
            e.target.disabled = false;
            announce(`Could not ${label.toLowerCase()}: ${err.message}`);
          }
        },
        'aria-label': `${label} survey ${survey.name}`,
      },
      label,
    );
  const status = (s) => () => ctx.api.query(SET_SURVEY_STATUS, { id: survey.id, status: s });
  const buttons = [];
  if (survey.status === 'ACTIVE')
    buttons.push(act('Pause', () => ctx.api.query(PAUSE_SURVEY, { id: survey.id })));
  if (survey.status === 'DRAFT') buttons.push(act('Activate', status('ACTIVE')));
  if (survey.status === 'PAUSED') buttons.push(act('Resume', status('ACTIVE')));
  if (survey.status !== 'ENDED') buttons.push(act('End', status('ENDED')));
  return h('div', { class: 'actions' }, buttons);
}

export async function renderSurveys(ctx, main) {
  const { surveys } = await ctx.api.query(SURVEYS, { siteId: ctx.siteId });
  const reload = () => renderSurveys(ctx, main);
  fill(
    main,
    h('h1', {}, 'Surveys'),
    h(
      'p',
      {},
      h('a', { href: '#/surveys/new', class: 'button', id: 'new-survey' }, 'Create a survey'),
    ),
    table(
      'Surveys of this site, newest first (results over all time)',
      [
        'Survey',
        'Status',
        'Question',
        'Shown on',
        'When',
        'Shown',
        'Answered',
        'Response rate',
        'Actions',
      ],
      surveys.map((s) => [
        h('a', { href: `#/surveys/${encodeURIComponent(s.id)}` }, s.name),
        h('span', { class: `status status-${s.status.toLowerCase()}` }, s.status.toLowerCase()),
        (QUESTION_TYPES.find(([t]) => t === s.question.type) || [, s.question.type])[1],
        targeting(s.rules),
        triggerText(s.trigger),
        count(s.results.shown),
        count(s.results.answered),
        percentValue(s.results.responseRatePercent),
        statusActions(ctx, s, reload),
      ]),
      { numeric: [5, 6, 7], id: 'surveys' },
    ),
  );
}

/** Rows of targeting rules that can be added and removed. */
function rulesEditor(initial) {
  const rows = h('ol', { class: 'rules', id: 'rules' });
  const addRow = (rule = { kind: 'PREFIX', value: '', exclude: false }) => {
    const n = rows.children.length + 1;
    const row = h(
      'li',
      { class: 'rule' },
      field(`Rule ${n}: match`, select(RULE_KINDS, rule.kind, { class: 'rule-kind' })),
      field(
        `Rule ${n}: value`,
        h('input', {
          type: 'text',
          class: 'rule-value',
          value: rule.value,
          required: true,
          placeholder: '/permits',
        }),
      ),
      h(
        'div',
        { class: 'check' },
        h('input', {
          type: 'checkbox',
          class: 'rule-exclude',
          id: `rule-exclude-${n}-${Date.now()}`,
          checked: rule.exclude,
        }),
        h('label', {}, 'Exclude these pages'),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'small',
          onclick: () => {
            row.remove();
            announce('Rule removed.');
          },
        },
        `Remove rule ${n}`,
      ),
    );
    const box = row.querySelector('.rule-exclude');
    row.querySelector('.check label').setAttribute('for', box.id);
    rows.append(row);
    return row;
  };
  (initial.length ? initial : []).forEach(addRow);
  const read = () =>
    [...rows.children].map((row) => ({
      kind: row.querySelector('.rule-kind').value,
      value: row.querySelector('.rule-value').value.trim(),
      exclude: row.querySelector('.rule-exclude').checked,
    }));
  const element = h(
    'fieldset',
    {},
    h('legend', {}, 'Where to show it'),
    h(
      'p',
      { class: 'hint' },
      'No rule: every page. Include rules add pages; exclude rules remove them.',
    ),
    rows,
    h(
      'button',
      { type: 'button', id: 'add-rule', onclick: () => addRow().querySelector('select').focus() },
      'Add a rule',
    ),
  );
  return { element, read };
}

export async function renderSurveyForm(ctx, main) {
  const name = h('input', { type: 'text', id: 'survey-name', required: true });
  const lang = h('input', {
    type: 'text',
    id: 'survey-lang',
    value: 'en',
    required: true,
    pattern: '[a-z]{2,3}(-[A-Za-z]{2})?',
    size: 6,
  });
  const type = select(QUESTION_TYPES, 'RATING', { id: 'survey-type' });
  const question = h('input', { type: 'text', id: 'survey-question', required: true });
  const choices = h('textarea', { id: 'survey-choices', rows: 4 });
  const choicesField = field('Choices, one per line', choices);
  const trigger = select(TRIGGERS, 'LOAD', { id: 'survey-trigger' });
  const seconds = h('input', { type: 'number', id: 'survey-seconds', min: 1, value: 10 });
  const signal = h('input', { type: 'text', id: 'survey-signal', value: 'rage_click' });
  const secondsField = field('Seconds on the page', seconds);
  const signalField = field(
    'Signal kind',
    signal,
    'For example rage_click, dead_click or error_click.',
  );
  const sample = h('input', {
    type: 'number',
    id: 'survey-sample',
    min: 1,
    max: 100,
    value: 100,
    required: true,
  });
  const activate = h('input', { type: 'checkbox', id: 'survey-activate', checked: true });
  const rules = rulesEditor([]);
  const error = h('p', { class: 'error', role: 'alert', id: 'survey-error' });

  const sync = () => {
    choicesField.hidden = !type.value.endsWith('_CHOICE');
    secondsField.hidden = trigger.value !== 'DELAY';
    signalField.hidden = trigger.value !== 'SIGNAL';
  };
  type.addEventListener('change', sync);
  trigger.addEventListener('change', sync);
  sync();

  const form = h(
    'form',
    {
      id: 'survey-form',
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = '';
        const language = lang.value.trim();
        const input = {
          name: name.value.trim(),
          defaultLanguage: language,
          question: {
            type: type.value,
            texts: [{ lang: language, text: question.value.trim() }],
            choices: type.value.endsWith('_CHOICE')
              ? choices.value
                  .split('\n')
                  .map((line) => line.trim())
                  .filter(Boolean)
                  .map((text, i) => ({ id: `c${i + 1}`, texts: [{ lang: language, text }] }))
              : null,
          },
          rules: rules.read(),
          trigger: {
            kind: trigger.value,
            seconds: trigger.value === 'DELAY' ? Number(seconds.value) : null,
            signal: trigger.value === 'SIGNAL' ? signal.value.trim() : null,
          },
          samplePercent: Number(sample.value),
          status: activate.checked ? 'ACTIVE' : 'DRAFT',
        };
        try {
          const { createSurvey } = await ctx.api.query(CREATE_SURVEY, {
            siteId: ctx.siteId,
            input,
          });
          announce(`Survey “${input.name}” created.`);
          window.location.hash = `#/surveys/${encodeURIComponent(createSurvey.id)}`;
        } catch (err) {
          error.textContent = `The survey was not created: ${err.message}`;
        }
      },
    },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Question'),
      field('Name (for the team, not shown)', name),
      field('Language', lang, 'A language tag such as en or es-MX.'),
      field('Question type', type),
      field('Question', question),
      choicesField,
    ),
    rules.element,
    h(
      'fieldset',
      {},
      h('legend', {}, 'When to ask'),
      field('Trigger', trigger),
      secondsField,
      signalField,
      field('Share of visitors asked (%)', sample),
    ),
    h(
      'div',
      { class: 'check' },
      activate,
      h('label', { for: 'survey-activate' }, 'Start showing it now'),
    ),
    h('button', { type: 'submit', id: 'create-survey' }, 'Create survey'),
    error,
  );
  fill(
    main,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/surveys' }, 'Surveys'), ' › New'),
    h('h1', {}, 'Create a survey'),
    form,
  );
}

/** One row per day of the range (the API lists only days with data). */
function everyDay(range, groups) {
  const found = new Map(groups.map((g) => [g.key, g]));
  const days = [];
  for (let day = range.from; day <= range.to; day = addDays(day, 1)) {
    const g = found.get(day) || { shown: 0, answered: 0 };
    days.push({
      key: day,
      ms: Date.parse(`${day}T00:00:00Z`),
      shown: g.shown,
      answered: g.answered,
    });
  }
  return days;
}

/** A SurveyQuestion as the SurveyQuestionInput that recreates it. */
function questionInput(q) {
  return {
    type: q.type,
    texts: q.texts.map(({ lang, text }) => ({ lang, text })),
    choices: q.choices.length
      ? q.choices.map((c) => ({
          id: c.id,
          texts: c.texts.map(({ lang, text }) => ({ lang, text })),
        }))
      : null,
  };
}

/** The SurveyInput that keeps everything of `survey` but its rules. */
function withRules(survey, rules) {
  return {
    name: survey.name,
    defaultLanguage: survey.defaultLanguage,
    question: questionInput(survey.question),
    rules,
    trigger: {
      kind: survey.trigger.kind,
      seconds: survey.trigger.seconds,
      signal: survey.trigger.signal,
    },
    followUp: survey.followUp
      ? {
          question: questionInput(survey.followUp.question),
          minValue: survey.followUp.minValue,
          maxValue: survey.followUp.maxValue,
          choiceIds: survey.followUp.choiceIds.length ? survey.followUp.choiceIds : null,
        }
      : null,
    samplePercent: survey.samplePercent,
    caps: { ...survey.caps },
    startsAt: survey.startsAt,
    endsAt: survey.endsAt,
  };
}

export async function renderSurvey(ctx, main) {
  const [id] = ctx.args;
  const { survey } = await ctx.api.query(SURVEY_DETAIL, { id, ...rangeTimes(ctx.range) });
  if (!survey) {
    fill(main, h('h1', {}, 'Survey not found'));
    return;
  }
  const r = survey.results;
  const rules = rulesEditor(survey.rules);
  const saved = h('p', { role: 'status', id: 'rules-saved' });
  const rulesForm = h(
    'form',
    {
      id: 'rules-form',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await ctx.api.query(UPDATE_SURVEY, {
            id: survey.id,
            input: withRules(survey, rules.read()),
          });
          saved.textContent = 'Targeting saved.';
          survey.rules = rules.read();
        } catch (err) {
          saved.textContent = `Not saved: ${err.message}`;
        }
      },
    },
    rules.element,
    h('button', { type: 'submit', id: 'save-rules' }, 'Save targeting'),
    saved,
  );
  const days = everyDay(ctx.range, r.byDay);
  fill(
    main,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/surveys' }, 'Surveys'), ' › Survey'),
    h('h1', {}, survey.name),
    h(
      'p',
      { class: 'lede' },
      h(
        'span',
        { class: `status status-${survey.status.toLowerCase()}`, id: 'survey-status' },
        survey.status.toLowerCase(),
      ),
      ` · created ${dateTime(survey.createdAt)} · asked ${triggerText(survey.trigger)} to ${survey.samplePercent} % of visitors`,
    ),
    statusActions(ctx, survey, () => renderSurvey(ctx, main)),
    h('blockquote', { class: 'question' }, textOf(survey.question.texts, survey.defaultLanguage)),
    h(
      'section',
      { 'aria-labelledby': 'results-title' },
      h('h2', { id: 'results-title' }, `Results, ${ctx.range.from} to ${ctx.range.to}`),
      responseCounts(r, 'survey-counts'),
      questionResults(r.question, 'survey'),
      days.length
        ? timeChart({
            id: 'survey-day-chart',
            title: 'Shown and answered per day',
            starts: days.map((d) => d.ms),
            format: (v) => count(v),
            integer: true,
            series: [
              { label: 'Shown', values: days.map((d) => d.shown) },
              { label: 'Answered', values: days.map((d) => d.answered) },
            ],
          })
        : null,
      table(
        'Results by page',
        ['Page', 'Shown', 'Answered', 'Response rate'],
        r.byPage.map((g) => [
          h('a', { href: `#/pages/${encodeURIComponent(g.key)}` }, g.key),
          count(g.shown),
          count(g.answered),
          percentValue(g.responseRatePercent),
        ]),
        { numeric: [1, 2, 3], id: 'survey-by-page' },
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'targeting-title' },
      h('h2', { id: 'targeting-title' }, 'Targeting'),
      rulesForm,
    ),
  );
}
