// Web Push on this device. While reminders are on, the browser has a push
// subscription made with the server's VAPID public key, and the server has
// stored it (POST /api/push/subscribe), so reminders arrive while the app
// is closed. Each start of the app checks both again. A subscription made
// for an older key is replaced, because the server can no longer sign
// pushes for it, and the subscription is sent to the server again with the
// app's language and device id.
//
// Many browsers cannot push at all. Headless and some Chromium builds have
// no push service, so subscribe fails with AbortError. Browsers on many
// phones sold in China cannot reach their vendor's push service, or are not
// allowed to run in the background. The app then still reminds from its own
// records (notifications.js), and the status says so.

import { ApiError, NetworkError, requestJson } from './api.js';
import { app } from './context.js';
import { language } from './i18n.js';
import { notificationPermission, remindersEnabled } from './notifications.js';
import { beforeLogOut } from './session.js';

// The subscription last sent to the server: {endpoint, key, lang, userId, device}.
const REGISTERED_META = 'push_registration';
const READY_TIMEOUT_MS = 10000;
// pushManager.subscribe() can stay pending for good when the browser cannot
// reach its push service (Chrome's FCM from mainland China, for example).
const SUBSCRIBE_TIMEOUT_MS = 30000;
// Errors of pushManager.subscribe() that mean this browser cannot push.
const NO_PUSH_SERVICE = new Set(['AbortError', 'NotSupportedError', 'NotAllowedError', 'InvalidStateError', 'TimeoutError']);

// state: 'off' (reminders off or no permission), 'unsupported' (no Push API),
// 'pending', 'on', 'offline' (tried again when online), 'unavailable' (no
// push service in this browser) or 'failed' (`error` is the cause).
export const pushStatus = Object.assign(new EventTarget(), { state: 'off', error: null });

function setStatus(state, error = null) {
  pushStatus.state = state;
  pushStatus.error = error;
  pushStatus.dispatchEvent(new CustomEvent('change'));
}

export function pushSupported() {
  return Boolean(navigator.serviceWorker) && 'PushManager' in window;
}

// The bytes of an unpadded base64url text (the server's public key).
export function base64UrlToBytes(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

function sameBytes(buffer, bytes) {
  const other = new Uint8Array(buffer);
  return other.length === bytes.length && other.every((byte, i) => byte === bytes[i]);
}

// Whether `subscription` was made for `key`. For browsers that do not
// expose a subscription's key, the key stored with its registration counts.
function madeForKey(subscription, key) {
  const known = subscription.options?.applicationServerKey;
  if (known) return sameBytes(known, base64UrlToBytes(key));
  const registered = app.store.getMeta(REGISTERED_META);
  return registered?.endpoint === subscription.endpoint && registered.key === key;
}

async function pushRegistration() {
  const timeout = new Promise((resolve) => { setTimeout(() => resolve(null), READY_TIMEOUT_MS); });
  const registration = await Promise.race([navigator.serviceWorker.ready, timeout]);
  if (!registration) throw new DOMException('the service worker is not running', 'InvalidStateError');
  return registration;
}

// Reject with a TimeoutError when `promise` has not settled within `ms`.
function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new DOMException(message, 'TimeoutError')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function currentSubscription() {
  if (!pushSupported()) return null;
  const registration = await navigator.serviceWorker.getRegistration();
  return registration ? registration.pushManager.getSubscription() : null;
}

// Ask the server to stop sending to `endpoint`. When that fails offline,
// the server drops it later, because the push service responds 410 once the
// browser has unsubscribed.
async function forgetOnServer(endpoint) {
  const token = app.session?.token;
  if (!token) return;
  try {
    await requestJson('DELETE', '/api/push/subscribe', { body: { endpoint }, token });
  } catch (error) {
    if (!(error instanceof NetworkError || error instanceof ApiError)) throw error;
    console.warn('could not remove the push subscription from the server', error);
  }
}

let registeredThisRun = false;

async function registerOnServer(subscription, key) {
  const entry = { endpoint: subscription.endpoint, key, lang: language(), userId: app.user.id, device: app.device };
  const registered = app.store.getMeta(REGISTERED_META);
  if (registered && registered.endpoint !== entry.endpoint) await forgetOnServer(registered.endpoint);
  const unchanged = registered && Object.keys(entry).every((name) => registered[name] === entry[name]);
  // Once per start even when unchanged, so a server restored from a backup learns it again.
  if (unchanged && registeredThisRun) return;
  await requestJson('POST', '/api/push/subscribe', {
    body: { ...subscription.toJSON(), lang: entry.lang, device: entry.device }, token: app.session.token,
  });
  await app.store.mutate((tx) => tx.setMeta(REGISTERED_META, entry));
  registeredThisRun = true;
}

async function subscribe() {
  const session = app.session;
  const registration = await pushRegistration();
  const { publicKey } = await requestJson('GET', '/api/push/key', { token: session.token });
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !madeForKey(subscription, publicKey)) {
    await forgetOnServer(subscription.endpoint);
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await withTimeout(registration.pushManager.subscribe({
    userVisibleOnly: true, applicationServerKey: base64UrlToBytes(publicKey),
  }), SUBSCRIBE_TIMEOUT_MS, `the push service did not answer within ${SUBSCRIBE_TIMEOUT_MS / 1000} s`);
  await registerOnServer(subscription, publicKey);
}

// Remove this browser's subscription here and on the server.
async function unsubscribe() {
  const subscription = await currentSubscription();
  const registered = app.store.getMeta(REGISTERED_META);
  const endpoints = new Set([subscription?.endpoint, registered?.endpoint].filter(Boolean));
  for (const endpoint of endpoints) await forgetOnServer(endpoint);
  if (subscription) await subscription.unsubscribe();
  if (registered) await app.store.mutate((tx) => tx.setMeta(REGISTERED_META, null));
}

function statusOf(error) {
  if (error instanceof NetworkError) return 'offline';
  if (NO_PUSH_SERVICE.has(error?.name)) return 'unavailable';
  return 'failed';
}

let running = null;
let again = false;

function subscriptionNeeded() {
  return Boolean(app.session) && remindersEnabled() && notificationPermission() === 'granted';
}

// Bring the subscription in line with the reminder setting: subscribe and
// register while reminders are on and notifications allowed, unsubscribe
// otherwise (also a subscription left by someone who used this browser
// before). Resolves when done; the outcome is in pushStatus.
export function refreshPush() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    const needed = subscriptionNeeded();
    if (!pushSupported()) {
      setStatus(needed ? 'unsupported' : 'off');
      return;
    }
    if (!needed) {
      if (app.session) await unsubscribe();
      setStatus('off');
      return;
    }
    setStatus('pending');
    try {
      await subscribe();
      setStatus('on');
    } catch (error) {
      console.warn('push subscription failed', error);
      setStatus(statusOf(error), error);
    }
  })().catch((error) => {
    console.warn('push subscription check failed', error);
    setStatus(statusOf(error), error);
  }).finally(() => {
    running = null;
    // A push service that just timed out would only time out again, so a
    // request made meanwhile (a login, a language change) does not start a
    // second wait. Turning reminders off still runs.
    const retryIsFutile = pushStatus.state === 'unavailable' && subscriptionNeeded();
    if (again) {
      again = false;
      if (!retryIsFutile) refreshPush();
    }
  });
  return running;
}

export function startPush() {
  beforeLogOut(unsubscribe);
  window.addEventListener('online', () => {
    if (pushStatus.state === 'offline') refreshPush();
  });
  document.addEventListener('login', refreshPush);
  document.addEventListener('languagechange', refreshPush);
  refreshPush();
}
