/** Tracker options: defaults, the script tag's data attributes, and `init()` arguments. */

export const DEFAULTS = Object.freeze({
  endpoint: '',
  siteKey: '',
  consentRequired: false,
  unmaskSelectors: '',
  blockAttribute: 'data-stuckpoint-block',
  surveys: true,
  flushIntervalMs: 5000,
  maxBatchEvents: 100,
  maxBatchBytes: 256 * 1024,
  maxEventBytes: 512 * 1024,
});

/** Read options from `<script data-endpoint data-site-key data-consent-required ...>`. */
export function fromScriptTag(script) {
  if (!script || !script.dataset) return {};

  const data = script.dataset;
  const options = {};
  if (data.endpoint !== undefined) options.endpoint = data.endpoint;
  if (data.siteKey !== undefined) options.siteKey = data.siteKey;
  if (data.consentRequired !== undefined) options.consentRequired = isTrue(data.consentRequired);
  if (data.unmaskSelectors !== undefined) options.unmaskSelectors = data.unmaskSelectors;
  if (data.blockAttribute !== undefined) options.blockAttribute = data.blockAttribute;
  if (data.surveys !== undefined) options.surveys = isTrue(data.surveys);
  return options;
}

/** Merge defaults with the given option objects (later wins) and normalise them. */
export function resolve(...sources) {
  const options = Object.assign({}, DEFAULTS, ...sources);

  // An empty endpoint means "same origin"; a trailing slash would double up before `/collect`.
  options.endpoint = String(options.endpoint || '').replace(/\/+$/, '');
  options.siteKey = String(options.siteKey || '');
  options.consentRequired = options.consentRequired === true || isTrue(options.consentRequired);
  options.unmaskSelectors = selectorList(options.unmaskSelectors);
  options.blockAttribute = String(options.blockAttribute || DEFAULTS.blockAttribute);
  return options;
}

function isTrue(value) {
  return value === true || value === '' || value === 'true' || value === '1';
}

/** Join an array of selectors (or pass a selector list string through) for `Element.matches`. */
function selectorList(value) {
  if (Array.isArray(value)) return value.filter(Boolean).join(', ');
  return String(value || '').trim();
}
