// The service worker: keeps the app shell in a versioned cache so the app
// opens with no connection at all.
//
// The server rewrites the next line with the shell's file list and a hash of
// those files, so every deployment that changes a file changes this script.
// The browser then installs the new worker beside the old one. The new
// worker waits until the app sends it 'skip-waiting' (the rep taps 立即更新),
// so a page never mixes files of two versions.
const SHELL = {"version":"unversioned","files":["/"]};

const CACHE_PREFIX = 'genzong-shell-';
const CACHE = CACHE_PREFIX + SHELL.version;
// Requests that always go to the network: the API and Datasette.
const NETWORK_ONLY = ['/api/', '/data'];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // cache: 'reload' skips the HTTP cache, so the new version's files are fetched.
    await cache.addAll(SHELL.files.map((url) => new Request(url, { cache: 'reload' })));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
  if (event.data?.type === 'version') event.ports[0]?.postMessage({ version: SHELL.version });
});

async function fromShell(request, url) {
  const cache = await caches.open(CACHE);
  // Every navigation inside the app is to the one page; its routes are in the hash.
  const key = request.mode === 'navigate' && (url.pathname === '/' || url.pathname === '/index.html') ? '/' : request;
  const cached = await cache.match(key, { ignoreSearch: request.mode === 'navigate' });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (NETWORK_ONLY.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (request.mode === 'navigate' && !(url.pathname === '/' || url.pathname === '/index.html')) return;
  event.respondWith(fromShell(request, url));
});

// Reminders ------------------------------------------------------------------
//
// The server pushes one reminder as UTF-8 JSON {title, body, url, tag}. The
// tag names the record (genzong-<table>-<id>), and the app shows its own
// notifications for the same items with the same tag, so a push and a local
// notification of one record replace each other rather than stack.

const DEFAULT_URL = '/#/today';
// Shown when a push carries no usable title: the service worker does not
// know the app's language, so it says it in both.
const FALLBACK_TITLE = '跟踪提醒 · Genzong reminder';

// The same-origin path and hash of `url`, or the 今日 screen when `url` is
// missing or names another site: a notification only ever opens this app.
function appUrl(url) {
  if (typeof url !== 'string' || !url) return DEFAULT_URL;
  try {
    const parsed = new URL(url, self.location.origin);
    return parsed.origin === self.location.origin ? parsed.pathname + parsed.search + parsed.hash : DEFAULT_URL;
  } catch {
    return DEFAULT_URL;
  }
}

// The {title, body, url, tag} of a push message. A message that is not
// JSON is shown as plain text, because a subscription made with
// userVisibleOnly must show a notification for every push.
function pushedReminder(data) {
  let payload = null;
  if (data) {
    try {
      payload = data.json();
    } catch {
      payload = { body: data.text() };
    }
  }
  if (!payload || typeof payload !== 'object') payload = {};
  const text = (value) => (typeof value === 'string' ? value : '');
  return {
    title: text(payload.title) || FALLBACK_TITLE,
    body: text(payload.body),
    url: appUrl(payload.url),
    tag: text(payload.tag),
  };
}

function showReminder({ title, body, url, tag }) {
  const options = { body, data: { url }, icon: '/icons/icon-192.png', badge: '/icons/icon-192.png' };
  if (tag) options.tag = tag;
  return self.registration.showNotification(title, options);
}

self.addEventListener('push', (event) => {
  event.waitUntil(showReminder(pushedReminder(event.data)));
});

// The app window to reuse: the focused one first, then any window showing
// the app's page (a same-origin Datasette tab under /data/ is not the app).
function appWindow(windows) {
  const isApp = (client) => ['/', '/index.html'].includes(new URL(client.url).pathname);
  return windows.find((client) => client.focused && isApp(client)) ?? windows.find(isApp) ?? null;
}

// Open `url` in the app: focus an open app window and tell it to show the
// screen, or open a new window that starts there. The app's screens are
// hash routes of one page, so the open page sets its hash when it receives
// the 'open' message and keeps its state instead of reloading.
async function openInApp(url) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const client = appWindow(windows);
  if (!client) return self.clients.openWindow(url);
  try {
    await client.focus();
  } catch (error) {
    // Browsers allow focus() only while handling a click on a notification.
    console.warn('could not focus the app window', error);
  }
  client.postMessage({ type: 'open', url });
  return client;
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openInApp(appUrl(event.notification.data?.url)));
});
