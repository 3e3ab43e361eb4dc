// Running a redraw (or another recomputation over the records) after the
// store changes, without redrawing after every page of a long pull.
//
// A local edit, or the last change of a sync, runs `fn` once the changes
// have paused for `delayMs`. A change after which the same sync applies
// another at once (`more` in the change event: more pages to pull or more
// records to send) runs `fn` at most once per `pullIntervalMs`. The first
// page of a pull still shows after `delayMs`, even when `fn` ran less than
// an interval before. Later pages wait for the interval, and the pull's
// last change runs `fn` after `delayMs` again, as does a change marked
// `showAtOnce` (the end of a first pull's first part). Pages after that one
// count as later pages.
// At 10,000 customers a pull has about ten pages, and redrawing the
// customer list after each of them kept the screen busy while the next
// page was on its way.

export const PULL_INTERVAL_MS = 1000;

// Call `fn` after changes of `store` as described above; returns a
// function that stops listening and drops a call still waiting.
// `lastRun` ({at: ms, pulling}) is when `fn` last ran, and whether the last
// change had `more`. A caller that stops and registers again on each call,
// as a view that redraws itself whole does, passes the same object every
// time, so the interval spans its registrations.
export function onStoreChanges(store, fn, { delayMs, pullIntervalMs = PULL_INTERVAL_MS, lastRun = { at: -Infinity } }) {
  let timer = null;
  const run = () => {
    timer = null;
    lastRun.at = performance.now();
    fn();
  };
  const listener = (event) => {
    if (event.detail?.more && !event.detail.showAtOnce) {
      const wait = lastRun.pulling ? Math.max(delayMs, lastRun.at + pullIntervalMs - performance.now()) : delayMs;
      lastRun.pulling = true;
      // A call already waiting will read this change too.
      if (timer === null) timer = setTimeout(run, wait);
      return;
    }
    lastRun.pulling = Boolean(event.detail?.more);
    clearTimeout(timer);
    timer = setTimeout(run, delayMs);
  };
  store.addEventListener('change', listener);
  return () => {
    clearTimeout(timer);
    timer = null;
    store.removeEventListener('change', listener);
  };
}
