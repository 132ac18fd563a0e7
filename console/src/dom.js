/** Small DOM helpers: build elements without HTML strings (values never become markup). */

/**
 * `h('a', { href: '#/x', class: 'btn', onclick }, 'text', child)`: attributes starting with
 * `on` become listeners, `dataset` and `style` objects are assigned, `null`/`false` are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'dataset' || name === 'style') {
      Object.assign(el[name], value);
    } else if (name === 'value' || name === 'checked' || name === 'selected') {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace the element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Text for screen readers only. */
export function hidden(text) {
  return h('span', { class: 'visually-hidden' }, text);
}

/** A table with a caption; `rows` are arrays of cells (strings, numbers or nodes). */
export function table(
  caption,
  headers,
  rows,
  { numeric = [], id = null, captionHidden = false } = {},
) {
  const cell = (tag, value, i) =>
    h(
      tag,
      { class: numeric.includes(i) ? 'num' : null, scope: tag === 'th' ? 'col' : null },
      value,
    );
  return h(
    'table',
    { id },
    h('caption', { class: captionHidden ? 'visually-hidden' : null }, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((text, i) => cell('th', text, i)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.length
        ? rows.map((row) =>
            h(
              'tr',
              {},
              row.map((value, i) => cell('td', value, i)),
            ),
          )
        : h(
            'tr',
            {},
            h('td', { colspan: headers.length, class: 'empty' }, 'No data in this range.'),
          ),
    ),
  );
}

/** A labelled form control. */
export function field(label, control, hint = null) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('small', { id: hintId, class: 'hint' }, hint) : null,
  );
}

export function select(options, value, attrs = {}) {
  return h(
    'select',
    attrs,
    options.map(([optionValue, text]) =>
      h('option', { value: optionValue, selected: optionValue === value }, text),
    ),
  );
}

/** A polite status message in the page's live region. */
export function announce(message) {
  const region = document.getElementById('status');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after a tick makes screen readers repeat an identical message.
  setTimeout(() => {
    region.textContent = message;
  }, 30);
}
