/** Sign-in: an API key, checked against the API, kept in sessionStorage only. */

import { field, h } from '../dom.js';

export function renderSignIn({ error, onKey }) {
  const input = h('input', {
    type: 'password',
    id: 'api-key',
    name: 'api-key',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
  });
  const message = h('p', { id: 'sign-in-error', class: 'error', role: 'alert' }, error || '');
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'sign-in',
      'aria-labelledby': 'sign-in-title',
      onsubmit: async (event) => {
        event.preventDefault();
        button.disabled = true;
        message.textContent = '';
        try {
          await onKey(input.value.trim());
        } catch (err) {
          message.textContent = `Sign-in failed: ${err.message}`;
          button.disabled = false;
          input.focus();
        }
      },
    },
    h('h1', { id: 'sign-in-title' }, 'Stuckpoint console'),
    h(
      'p',
      {},
      'Sign in with an API key. It stays in this browser tab only and is sent to this server ' +
        'as a bearer token; closing the tab forgets it.',
    ),
    field('API key', input, 'An analyst, privacy officer or admin key, e.g. sp_…'),
    button,
    message,
  );
  setTimeout(() => input.focus(), 0);
  return h('main', { id: 'main', class: 'sign-in-page' }, form);
}
