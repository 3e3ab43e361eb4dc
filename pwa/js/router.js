// Hash routes: #/today, #/customers, #/customer/<id>, … A view module
// registers its routes with `route`; the router renders the matching view
// into the main element whenever the hash changes, so a deep link such as
// /#/customer/<id> works on a cold start as well as from inside the app.
//
// A view is {render(params, page) → Node, tab?: name of the bottom tab it
// belongs to}. `page` lets a view react to changes while it is shown:
// page.onStoreChange(store, fn), page.rerenderOnChange(store), page.refresh()
// and page.onLeave(fn). What a view registers in render() lasts until the
// next refresh or until the page is left.

import { clear } from './dom.js';
import { onStoreChanges } from './store-changes.js';

// How long a view waits after a store change before it redraws, so a burst
// of changes redraws once.
const REDRAW_DELAY_MS = 50;

const routes = [];
const guards = [];
let container = null;
let current = null; // {view, params, page}

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

export function navigate(path, { replace = false } = {}) {
  const hash = `#${path}`;
  if (location.hash === hash) {
    render();
  } else if (replace) {
    history.replaceState(null, '', hash);
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
  current?.page.leave();
  const page = new Page();
  current = { ...found, page };
  const params = { ...found.params, query };
  const draw = () => {
    const scroll = window.scrollY;
    const node = found.view.render(params, page);
    clear(container).append(node);
    return scroll;
  };
  page.refresh = () => {
    // render() registers its listeners again, so drop those of the last
    // drawing first: otherwise every refresh would add one more of each.
    page.leave();
    const scroll = draw();
    window.scrollTo(0, scroll);
  };
  page.rerenderOnChange = (store) => page.onStoreChange(store, page.refresh);
  draw();
  window.scrollTo(0, 0);
  document.dispatchEvent(new CustomEvent('routechange', { detail: { path, view: found.view } }));
}

export function start(element) {
  container = element;
  window.addEventListener('hashchange', render);
  render();
}
