// The service worker and the browser facts the app depends on: whether it
// can work offline, whether its storage is persistent, and new versions.

import { app } from './context.js';
import { t } from './i18n.js';
import { showBanner } from './ui.js';

const UPDATE_CHECK_MS = 30 * 60 * 1000;

export function detectCapabilities() {
  const userAgent = navigator.userAgent;
  return {
    secure: window.isSecureContext,
    serviceWorker: Boolean(navigator.serviceWorker),
    standalone: window.matchMedia?.('(display-mode: standalone)').matches || navigator.standalone === true,
    // Safari (not other browsers on iOS) clears a website's storage after
    // seven days without use unless the site was added to the home screen.
    safari: /Safari/.test(userAgent) && !/Chrome|Chromium|CriOS|FxiOS|EdgiOS|Android/.test(userAgent),
    persisted: null,
    installPrompt: null,
    shellVersion: null,
  };
}

// Request persistent storage for this site and record whether the browser granted it.
export async function requestPersistence() {
  const storage = navigator.storage;
  if (!storage?.persist || !app.store.persistent) return;
  try {
    app.capabilities.persisted = (await storage.persisted()) || (await storage.persist());
  } catch {
    app.capabilities.persisted = false;
  }
}

function askVersion(worker) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data?.version ?? null);
    worker.postMessage({ type: 'version' }, [channel.port2]);
    setTimeout(() => resolve(null), 3000);
  });
}

// Register /sw.js and offer a reload when a new version is installed. The
// records and the outbox live in IndexedDB, which an update does not touch,
// so unsynced changes survive it; the reload waits for pending writes.
export async function registerServiceWorker() {
  const container = navigator.serviceWorker;
  if (!container) return;
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    app.capabilities.installPrompt = event;
  });
  let registration;
  try {
    registration = await container.register('/sw.js', { scope: '/', updateViaCache: 'none' });
  } catch (error) {
    console.warn('service worker registration failed', error);
    return;
  }
  const hadController = Boolean(container.controller);
  let updating = false;
  container.addEventListener('controllerchange', () => {
    if (updating) window.location.reload();
    else if (hadController) {
      showBanner('update', t('banner.updated_elsewhere'), { action: { label: t('banner.reload'), onClick: () => window.location.reload() } });
    }
  });
  const offer = (worker) => showBanner('update', t('banner.update'), {
    kind: 'info',
    action: {
      label: t('banner.update_action'),
      onClick: async () => {
        updating = true;
        await app.store.idle();
        worker.postMessage({ type: 'skip-waiting' });
      },
    },
  });
  if (registration.waiting && container.controller) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed' && container.controller) offer(worker);
    });
  });

  app.checkForUpdate = () => registration.update().catch(() => {});
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') app.checkForUpdate();
  });
  window.addEventListener('online', app.checkForUpdate);
  setInterval(app.checkForUpdate, UPDATE_CHECK_MS);

  const active = (await container.ready).active;
  if (!active) return;
  app.capabilities.shellVersion = await askVersion(active);
  // The settings screen may already show 版本 未知 after a cold start there.
  document.dispatchEvent(new CustomEvent('shellversion'));
}
