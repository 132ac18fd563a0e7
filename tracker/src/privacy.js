/** rrweb privacy options: every input masked, passwords never recorded, blocks, an unmask list. */

// Password length is hidden too: every password value is sent as this fixed mask.
const PASSWORD_MASK = '********';

// Values that must stay masked even when a site's unmask selector matches the field.
const NEVER_UNMASK_AUTOCOMPLETE = /^(cc-|one-time-code|current-password|new-password)/;

// rrweb's own `maskAllInputs: true` table lists input types one by one and leaves out
// `type=hidden`, whose values it then records verbatim. Keying on the tag names masks every
// input, textarea and select whatever its type; the per-type keys stay for rrweb's type checks.
const MASK_INPUT_OPTIONS = Object.freeze({
  input: true,
  textarea: true,
  select: true,
  password: true,
  hidden: true,
  text: true,
  email: true,
  tel: true,
  number: true,
  search: true,
  url: true,
  date: true,
  'datetime-local': true,
  month: true,
  week: true,
  time: true,
  color: true,
  range: true,
});

/** Options to spread into `record()` for the given resolved tracker options. */
export function recordPrivacyOptions(options) {
  const everPassword = new WeakSet();

  /** rrweb calls this for every value it is about to record (snapshots, mutations, inputs). */
  function maskInputFn(text, element) {
    const value = text || '';
    if (isPassword(element, everPassword)) return value ? PASSWORD_MASK : '';
    if (mayUnmask(element, options.unmaskSelectors)) return value;
    return '*'.repeat(value.length);
  }

  return {
    maskAllInputs: false,
    maskInputOptions: MASK_INPUT_OPTIONS,
    maskInputFn,
    blockSelector: `[${options.blockAttribute}]`,
    maskTextSelector: '[data-stuckpoint-mask]',
  };
}

/** True when the field is, or ever was, a password field (a "show password" toggle flips type). */
function isPassword(element, everPassword) {
  if (!element || !element.getAttribute) return false;

  const type = String(element.getAttribute('type') || '').toLowerCase();
  if (type === 'password' || element.hasAttribute('data-rr-is-password')) {
    everPassword.add(element);
  }
  return everPassword.has(element);
}

function mayUnmask(element, selectors) {
  if (!selectors || !element || !element.matches) return false;

  const type = String(element.getAttribute('type') || '').toLowerCase();
  const autocomplete = String(element.getAttribute('autocomplete') || '').toLowerCase();
  if (type === 'hidden' || NEVER_UNMASK_AUTOCOMPLETE.test(autocomplete)) return false;
  try {
    return element.matches(selectors);
  } catch {
    // An invalid selector from the site unmasks nothing rather than breaking recording.
    return false;
  }
}
