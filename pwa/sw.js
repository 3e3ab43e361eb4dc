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
