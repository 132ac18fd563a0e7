/** Survey widget: fetch eligible surveys, trigger one per page view, show it as a modal dialog. */

import { watchRageClicks } from './rage.js';

const STYLE_ID = 'sp-survey-style';
const CSS = `
.sp-survey{max-width:min(26rem,calc(100vw - 2rem));width:100%;box-sizing:border-box;
padding:1.25rem;border:2px solid #1d3557;border-radius:.5rem;font:1rem/1.4 system-ui,sans-serif;
color:#111;background:#fff}
.sp-survey::backdrop{background:rgba(0,0,0,.35)}
.sp-survey form,.sp-survey fieldset{border:0;margin:0;padding:0;background:none}
.sp-survey legend,.sp-survey .sp-q{font-weight:600;margin-bottom:.75rem;padding:0 2rem 0 0}
.sp-survey .sp-choices{display:flex;flex-wrap:wrap;gap:.5rem}
.sp-survey .sp-choices label{display:inline-flex;align-items:center;gap:.35rem;min-height:44px;
min-width:44px;margin:0;padding:0 .6rem;border:1px solid #767676;border-radius:.35rem;
font-weight:400;cursor:pointer}
.sp-survey .sp-choices input{display:inline-block;width:auto;margin:0}
.sp-survey .sp-hint{font-size:.875rem;color:#444;margin:.5rem 0 0}
.sp-survey textarea{display:block;width:100%;max-width:none;box-sizing:border-box;
min-height:5rem;font:inherit}
.sp-survey .sp-error{color:#a4161a;min-height:1.4em;margin:.5rem 0}
.sp-survey button{font:inherit;min-height:44px;margin:0;padding:0 1rem;cursor:pointer}
.sp-survey .sp-send{background:#1d3557;color:#fff;border:0;border-radius:.35rem}
.sp-survey .sp-close{position:absolute;top:.5rem;right:.5rem;min-width:44px;padding:0;
background:none;color:#111;border:0;font-size:1.5rem;line-height:1}
.sp-survey :focus-visible{outline:3px solid #e76f51;outline-offset:2px}
`;

/**
 * Start the survey flow for this page view.
 * @param ctx `{options, ids, fetchFn}`; `fetchFn` is the page's unwrapped fetch
 * @returns a function that stops pending triggers
 */
export function startSurveys(ctx) {
  const state = { shown: false, timers: [], cleanups: [] };
  const stop = () => {
    state.timers.forEach(clearTimeout);
    state.cleanups.forEach((fn) => fn());
  };

  eligible(ctx, null).then((surveys) => {
    for (const survey of surveys) schedule(ctx, state, survey);
  });
  // Rage clicks ask the server again, which may answer with a `signal` survey.
  state.cleanups.push(
    watchRageClicks(() => {
      if (state.shown || state.askedSignal) return;
      state.askedSignal = true;
      eligible(ctx, 'rage_click').then((surveys) => {
        const survey = surveys.find((s) => s.trigger && s.trigger.kind === 'signal') || surveys[0];
        if (survey) show(ctx, state, survey);
      });
    }),
  );
  return stop;
}

function schedule(ctx, state, survey) {
  const trigger = survey.trigger || { kind: 'load' };
  if (trigger.kind === 'load') {
    show(ctx, state, survey);
  } else if (trigger.kind === 'delay') {
    state.timers.push(setTimeout(() => show(ctx, state, survey), (trigger.seconds || 0) * 1000));
  } else if (trigger.kind === 'exit') {
    // Exit intent: the pointer leaves through the top edge of the page (desktop only).
    const listener = (e) => {
      if (!e.relatedTarget && e.clientY <= 0) show(ctx, state, survey);
    };
    document.addEventListener('mouseout', listener);
    state.cleanups.push(() => document.removeEventListener('mouseout', listener));
  }
}

async function eligible(ctx, signal) {
  const { options, ids } = ctx;
  const query = new URLSearchParams({
    site_key: options.siteKey,
    session_id: ids.sessionId(),
    visitor_id: ids.visitorId(),
    url: `${location.origin}${location.pathname}`,
  });
  if (signal) query.set('signal', signal);
  try {
    const response = await ctx.fetchFn(`${options.endpoint}/surveys/eligible?${query}`, {
      credentials: 'omit',
    });
    if (!response.ok) return [];
    const body = await response.json();
    return Array.isArray(body.surveys) ? body.surveys.filter(isUsable) : [];
  } catch {
    return [];
  }
}

function isUsable(survey) {
  return survey && survey.id && survey.question && survey.question.text;
}

function post(ctx, survey, action, answers) {
  const { options, ids } = ctx;
  const body = {
    site_key: options.siteKey,
    session_id: ids.sessionId(),
    visitor_id: ids.visitorId(),
    window_id: ids.windowId(),
  };
  if (answers) body.answers = answers;
  const url = `${options.endpoint}/surveys/${encodeURIComponent(survey.id)}/${action}`;
  return ctx
    .fetchFn(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
    })
    .catch(() => null);
}

function show(ctx, state, survey) {
  if (state.shown || !document.body) return;
  state.shown = true;

  addStyle();
  const returnFocus = document.activeElement;
  const dialog = render(survey, ctx.options.blockAttribute);
  document.body.appendChild(dialog);
  dialog.showModal();
  // Start on the answer, not on the close button, so a keyboard user can answer at once.
  const first = dialog.querySelector('[name="sp-answer"]');
  if (first) first.focus();
  post(ctx, survey, 'shown');

  const close = (action, answers) => {
    dialog.close();
    dialog.remove();
    if (returnFocus && returnFocus.focus) returnFocus.focus();
    post(ctx, survey, action, answers);
  };
  // Escape fires `cancel` on a modal dialog.
  dialog.addEventListener('cancel', (e) => {
    e.preventDefault();
    close('dismissed');
  });
  dialog.querySelector('.sp-close').addEventListener('click', () => close('dismissed'));
  dialog.querySelector('form').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = readAnswer(dialog, kindOf(survey.question));
    if (value === null) {
      dialog.querySelector('.sp-error').textContent = 'Please choose or write an answer first.';
      return;
    }
    // Answers are keyed by question id (the API's `main` question).
    // Missing: the optional follow-up question is not shown; the API accepts the main answer
    // alone. Rendering `question.follow_up` when its `when` condition holds would complete it.
    close('responses', { [survey.question.id || 'main']: value });
  });
}

function render(survey, blockAttribute) {
  const q = survey.question;
  const kind = kindOf(q);
  const dialog = el('dialog', { class: 'sp-survey', 'aria-labelledby': 'sp-survey-q' });
  // Survey answers are sent to the survey endpoint only; the recording never sees the widget.
  dialog.setAttribute(blockAttribute, '');
  const form = el('form', { novalidate: '' });
  form.appendChild(
    el('button', { type: 'button', class: 'sp-close', 'aria-label': 'Close survey' }, '×'),
  );

  if (kind === 'text') {
    form.appendChild(el('label', { id: 'sp-survey-q', class: 'sp-q', for: 'sp-text' }, q.text));
    form.appendChild(el('textarea', { id: 'sp-text', name: 'sp-answer', maxlength: '2000' }));
  } else {
    const fieldset = el('fieldset');
    fieldset.appendChild(el('legend', { id: 'sp-survey-q' }, q.text));
    const box = el('div', { class: 'sp-choices' });
    const inputType = kind === 'multiple' ? 'checkbox' : 'radio';
    for (const choice of choicesOf(q)) {
      const label = el('label');
      const value = typeof choice === 'object' && choice !== null ? choice.id : choice;
      const text = typeof choice === 'object' && choice !== null ? choice.text : choice;
      label.appendChild(el('input', { type: inputType, name: 'sp-answer', value: String(value) }));
      label.appendChild(document.createTextNode(String(text)));
      box.appendChild(label);
    }
    fieldset.appendChild(box);
    if (q.type === 'nps')
      fieldset.appendChild(
        el('p', { class: 'sp-hint' }, '0 = not at all likely, 10 = extremely likely'),
      );
    if (q.type === 'rating')
      fieldset.appendChild(el('p', { class: 'sp-hint' }, '1 = very poor, 5 = very good'));
    form.appendChild(fieldset);
  }
  form.appendChild(el('p', { class: 'sp-error', role: 'alert' }));
  form.appendChild(el('button', { type: 'submit', class: 'sp-send' }, 'Send'));
  dialog.appendChild(form);
  return dialog;
}

/** The widget's kind of question; the API names some types longer (`single_choice`). */
function kindOf(q) {
  const aliases = { single_choice: 'single', multiple_choice: 'multiple', open_text: 'text' };
  return aliases[q.type] || q.type;
}

function choicesOf(q) {
  if (q.type === 'rating') return [1, 2, 3, 4, 5];
  if (q.type === 'nps') return [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  return Array.isArray(q.choices) ? q.choices : [];
}

/** The answer: a number (rating, nps), a string (single, text), strings (multiple), or null. */
function readAnswer(dialog, type) {
  if (type === 'text') {
    const text = dialog.querySelector('textarea').value.trim();
    return text || null;
  }
  const checked = Array.from(
    dialog.querySelectorAll('input[name="sp-answer"]:checked'),
    (i) => i.value,
  );
  if (!checked.length) return null;
  if (type === 'multiple') return checked;
  return type === 'rating' || type === 'nps' ? Number(checked[0]) : checked[0];
}

function addStyle() {
  if (document.getElementById(STYLE_ID)) return;
  const style = el('style', { id: STYLE_ID }, CSS);
  document.head.appendChild(style);
}

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}
