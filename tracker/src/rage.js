/**
 * Client-side rage-click detection, used only to trigger `signal` surveys. The server's detectors
 * decide what counts as a frustration signal; this one is deliberately simple (a stepper clicked
 * fast can trigger it; suppressing that would need the DOM-change check the server does).
 */

export const RAGE_CLICKS = 3;
export const RAGE_WINDOW_MS = 1000;
export const RAGE_RADIUS_PX = 30;

/** A detector fed with clicks `{x, y, ms}`; true on the click that completes a rage burst. */
export function rageDetector(
  clicks = RAGE_CLICKS,
  windowMs = RAGE_WINDOW_MS,
  radiusPx = RAGE_RADIUS_PX,
) {
  let recent = [];
  return function onClick(click) {
    recent = recent.filter(
      (c) => click.ms - c.ms <= windowMs && Math.hypot(click.x - c.x, click.y - c.y) <= radiusPx,
    );
    recent.push(click);
    if (recent.length < clicks) return false;

    recent = [];
    return true;
  };
}

/** Call `onRage` for each rage burst on the page; returns a function that removes the listener. */
export function watchRageClicks(onRage) {
  const detect = rageDetector();
  const listener = (e) => {
    // Triple-clicking to select text in a field is not frustration.
    if (e.target && e.target.closest && e.target.closest('input, textarea, [contenteditable]'))
      return;
    if (detect({ x: e.clientX, y: e.clientY, ms: e.timeStamp })) onRage();
  };
  document.addEventListener('click', listener, true);
  return () => document.removeEventListener('click', listener, true);
}
