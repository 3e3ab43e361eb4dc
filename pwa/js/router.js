// Hash routes: #/today, #/customers, #/customer/<id>, … A view module
// registers its routes with `route`; the router renders the matching view
// into the main element whenever the hash changes, so a deep link such as
// /#/customer/<id> works on a cold start as well as from inside the app.
//
// A view is {render(params, page) → Node, tab?: name of the bottom tab it
// belongs to, keepsScroll?: true for a list that opens where it was left}. `page` lets a view react to changes while it is shown:
// page.onStoreChange(store, fn), page.rerenderOnChange(store), page.refresh()
// and page.onLeave(fn). What a view registers in render() lasts until the
// next refresh or until the page is left.
//
// Each history entry's state records the hash the app showed before it
// ({from}), so a back link or a saved form can go back in history instead of
// pushing a second entry for the page the person came from.

import { clear } from './dom.js';
import { onStoreChanges } from './store-changes.js';

// How long a view waits after a store change before it redraws, so a burst
// of changes redraws once.
const REDRAW_DELAY_MS = 50;

const routes = [];
const guards = [];
let container = null;
let current = null; // {view, params, page, hash}
// The place of each keepsScroll view when it was left, by hash: {scrollY, href, top}.
const placeByHash = new Map();

// Register `view` for a path pattern such as '/customer/:id'.
export function route(pattern, view) {
  const names = [];
  const source = pattern.replace(/:([a-zA-Z]+)/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  routes.push({ pattern, regex: new RegExp(`^${source}$`), names, view });
}

// Add a check run before each render: guard(path) returns a path to go to
// instead (such as '/login'), or null to go on.
export function addGuard(guard) {
  guards.push(guard);
}

// The path and query of the current hash: '#/customers?q=1' → {path: '/customers', query}.
export function currentLocation() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = hash.split('?');
  return { path, query: new URLSearchParams(search), hash: `#${hash}` };
}

// The hash shown before the current history entry, such as '#/customers',
// or null when the app opened on this entry.
export function openedFrom() {
  return history.state?.from ?? null;
}

// Show `path` in place of a saved form. When the form was opened from `path`,
// the form's history entry goes too, so the back button then leaves `path`
// instead of showing it a second time. The page shows at once, and the
// browser then goes back to an entry with the same hash, which fires no
// hashchange and so draws nothing again.
export function returnTo(path) {
  const hash = `#${path}`;
  const goBack = openedFrom() === hash;
  navigate(path, { replace: true });
  if (goBack) history.back();
}

export function navigate(path, { replace = false } = {}) {
  const hash = `#${path}`;
  if (location.hash === hash) {
    render();
  } else if (replace) {
    // The new page takes over the entry and the page that came before it.
    history.replaceState({ from: openedFrom() }, '', hash);
    render();
  } else {
    location.hash = hash;
  }
}

function match(path) {
  // Literal routes (/customer/new) win over patterns (/customer/:id).
  const ordered = [...routes].sort((a, b) => a.names.length - b.names.length);
  for (const candidate of ordered) {
    const found = candidate.regex.exec(path);
    if (found) {
      const params = {};
      candidate.names.forEach((name, i) => { params[name] = decodeURIComponent(found[i + 1]); });
      return { view: candidate.view, params };
    }
  }
  return null;
}

class Page {
  constructor() {
    this.cleanups = [];
    // When a store change last redrew this page. It outlives refresh(),
    // which registers the listeners again.
    this.lastStoreRedraw = { at: -Infinity };
  }

  onLeave(fn) {
    this.cleanups.push(fn);
  }

  // Call `fn` after the store changes. While a sync pulls page after page,
  // onStoreChanges delays the calls to one per PULL_INTERVAL_MS.
  onStoreChange(store, fn) {
    this.onLeave(onStoreChanges(store, fn, { delayMs: REDRAW_DELAY_MS, lastRun: this.lastStoreRedraw }));
  }

  leave() {
    for (const fn of this.cleanups.splice(0)) fn();
  }
}

// The scroll position and the first card link on the screen, with its
// distance from the top of the screen.
function currentPlace() {
  const first = [...container.querySelectorAll('a.card-link')].find((link) => link.getBoundingClientRect().bottom > 0);
  return { scrollY: window.scrollY, href: first?.getAttribute('href'), top: first?.getBoundingClientRect().top };
}

// Scroll back to a place. Long lists skip laying out the cards off screen
// (content-visibility), so their heights and the old scrollY are estimates.
// The card that was first on the screen returns to where it was instead.
function restorePlace(place) {
  const link = place?.href ? [...container.querySelectorAll('a.card-link')].find((candidate) => candidate.getAttribute('href') === place.href) : null;
  if (link) window.scrollTo(0, window.scrollY + link.getBoundingClientRect().top - place.top);
  else window.scrollTo(0, place?.scrollY ?? 0);
}

const FOCUSABLE = 'a[href], button, input, select, textarea, summary';

// Return where keyboard focus is inside the view, in a form that finds the
// same place in a new drawing. That is the element's id, the screen's
// heading, or else its position among the view's links, buttons and fields,
// such as the second of three filter buttons.
function focusedPlace() {
  const element = document.activeElement;
  if (!element || !container.contains(element)) return null;
  if (element.id) return { selector: `#${CSS.escape(element.id)}` };
  if (element === container.querySelector('h2')) return { selector: 'h2' };
  const index = [...container.querySelectorAll(FOCUSABLE)].indexOf(element);
  return index >= 0 ? { index } : null;
}

// Focus the element at `place` in the new drawing; return whether it took focus.
function focusPlace(place) {
  const element = place.selector ? container.querySelector(place.selector) : container.querySelectorAll(FOCUSABLE)[place.index];
  if (!element) return false;
  if (place.selector === 'h2') element.tabIndex = -1;
  element.focus({ preventScroll: true });
  return document.activeElement === element;
}

export function render() {
  if (!container) return;
  const { path, query } = currentLocation();
  for (const guard of guards) {
    const redirect = guard(path);
    if (redirect && redirect !== path) {
      navigate(redirect, { replace: true });
      return;
    }
  }
  const found = match(path) ?? match('/not-found');
  const hash = currentLocation().hash;
  const previousHash = current?.hash ?? null;
  if (current?.view.keepsScroll) placeByHash.set(current.hash, currentPlace());
  current?.page.leave();
  const page = new Page();
  current = { ...found, page, hash };
  const params = { ...found.params, query };
  const draw = () => {
    const scroll = window.scrollY;
    const node = found.view.render(params, page);
    clear(container).append(node);
    return scroll;
  };
  // A redraw replaces the focused element too, which would drop a keyboard
  // user's focus to <body>. So focus moves to the same place in the new
  // drawing. A disabled copy (立即同步 while the sync runs) cannot take it,
  // so the next redraw tries again while focus is still on <body>.
  let lostFocus = null;
  page.refresh = () => {
    // render() registers its listeners again, so drop those of the last
    // drawing first: otherwise every refresh would add one more of each.
    page.leave();
    const place = focusedPlace() ?? (document.activeElement === document.body ? lostFocus : null);
    const scroll = draw();
    lostFocus = place && !focusPlace(place) ? place : null;
    window.scrollTo(0, scroll);
  };
  page.rerenderOnChange = (store) => page.onStoreChange(store, page.refresh);
  draw();
  if (found.view.keepsScroll) restorePlace(placeByHash.get(hash));
  else window.scrollTo(0, 0);
  // An entry reached by back or forward keeps the state written when it was new.
  if (history.state?.from === undefined) history.replaceState({ from: previousHash }, '');
  document.dispatchEvent(new CustomEvent('routechange', { detail: { path, view: found.view } }));
}

export function start(element) {
  container = element;
  // The router scrolls each view itself. The browser would otherwise
  // scroll the old page's content on back and forward.
  history.scrollRestoration = 'manual';
  window.addEventListener('hashchange', render);
  render();
}
