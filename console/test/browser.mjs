/**
 * The console's browser tests launch Chromium exactly as the tracker's do: one helper for both.
 * `scripts/setup.sh` installs the tracker's packages (playwright-core included) before the console.
 */

export { CHROMIUM, launch, waitFor } from '../../tracker/test/browser.mjs';
