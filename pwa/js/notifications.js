// Reminders on the device: the count of due items as a badge on the 今日 tab
// and on the app icon, and a notification for each newly due item while
// reminders are on and the Notification permission is granted.
//
// The items come from the device's own records (reminders.js), so this
// works offline and on phones where Web Push never arrives. Each item is
// notified once: its key goes into IndexedDB (the store's meta) when its
// notification is shown, so a reload does not show it again. A local
// notification carries the same tag as the server's push of that item
// (genzong-<table>-<id>), so the two replace each other rather than stack.

import { app } from './context.js';
import { h } from './dom.js';
import { addMessages, language, t } from './i18n.js';
import { reminderNotification, summaryNotification } from './reminder-text.js';
import { onStoreChanges } from './store-changes.js';
import { firstPullRunning } from './sync.js';
import { todayItems } from './views/today.js';

// More new items than this at once get one summary notification, as the server does.
export const SUMMARY_AFTER = 5;
const ENABLED_META = 'reminders_enabled';
const SHOWN_META = 'reminders_shown'; // {item key: ms when its notification was shown}
// A shown key is forgotten once its item is no longer due and this much time has passed.
const KEEP_SHOWN_MS = 60 * 86400000;
const CHECK_EVERY_MS = 60 * 1000;
// The check waits this long after a change of the records, so a burst of changes checks once.
const CHANGE_DELAY_MS = 300;
// While a sync pulls page after page, the check runs at most this often:
// items found in half a pull are incomplete anyway, and at 10,000
// customers each check walks every customer.
const PULL_CHECK_INTERVAL_MS = 5000;
const ICON = '/icons/icon-192.png';

addMessages({
  zh: { 'reminders.badge': '{count} 项到期', 'reminders.prompt': '开启提醒，事项到期时通知你 ›' },
  en: { 'reminders.badge': '{count} due', 'reminders.prompt': 'Turn on reminders to be notified when items fall due ›' },
});

// 'granted', 'denied', 'default', or 'unsupported' when the browser has no notifications.
export function notificationPermission() {
  return 'Notification' in window ? Notification.permission : 'unsupported';
}

// Whether the person turned reminders on (开启提醒) on this device.
export function remindersEnabled() {
  return app.store?.getMeta(ENABLED_META) === true;
}

export async function setRemindersEnabled(enabled) {
  await app.store.mutate((tx) => tx.setMeta(ENABLED_META, enabled));
  checkReminders();
}

// A link from the 今日 screen to 开启提醒, while the browser has not been asked yet.
export function reminderPrompt() {
  if (remindersEnabled() || notificationPermission() !== 'default' || !window.isSecureContext) return null;
  return h('a', { class: 'notice reminder-prompt', href: '#/settings', text: t('reminders.prompt') });
}

// Badges -------------------------------------------------------------------

// The badge shows the bare count, which a screen reader would read as "今日 6",
// so the link also carries the count in words, visible to screen readers only.
function tabBadge() {
  const tab = document.querySelector('#tabs a[data-tab="today"]');
  if (!tab) return null;
  if (!tab.querySelector('.tab-badge')) {
    tab.append(h('span', { class: 'tab-badge', hidden: true, attrs: { 'aria-hidden': 'true' } }),
      h('span', { class: 'visually-hidden tab-badge-text' }));
  }
  return tab.querySelector('.tab-badge');
}

function showBadges(count) {
  document.documentElement.dataset.dueCount = String(count);
  const badge = tabBadge();
  if (badge) {
    badge.textContent = count > 99 ? '99+' : String(count);
    badge.hidden = count === 0;
    badge.title = t('reminders.badge', { count });
    badge.parentElement.querySelector('.tab-badge-text').textContent = count ? badge.title : '';
  }
  // The Badging API exists in installed apps on Chrome, Edge and Safari; elsewhere it is missing.
  if (!navigator.setAppBadge) return;
  const update = count ? navigator.setAppBadge(count) : navigator.clearAppBadge();
  update.catch((error) => console.warn('could not set the app badge', error));
}

// Notifications ------------------------------------------------------------

async function activeRegistration() {
  const registration = await navigator.serviceWorker?.getRegistration();
  return registration?.active ? registration : null;
}

// Show one notification; resolves to false when it was already shown.
async function showNotification(note, key) {
  const options = { body: note.body, tag: note.tag, data: { url: note.url, key }, icon: ICON, badge: ICON };
  const registration = await activeRegistration();
  if (!registration) {
    // Without a service worker (a plain http address, say) only desktop
    // browsers show page notifications; phones throw.
    const notification = new Notification(note.title, options);
    notification.onclick = () => {
      window.focus();
      location.hash = new URL(note.url, location.origin).hash;
      notification.close();
    };
    return true;
  }
  // A push of the same item that is still on screen needs no repeat.
  const open = await registration.getNotifications({ tag: note.tag });
  if (open.some((notification) => notification.title === note.title)) return false;
  await registration.showNotification(note.title, options);
  return true;
}

function prunedShown(shown, dueKeys, now) {
  return Object.fromEntries(Object.entries(shown).filter(
    ([key, at]) => dueKeys.has(key) || now - at < KEEP_SHOWN_MS));
}

// Show a notification for each due item not shown before, or one summary
// when there are many; then record their keys.
async function notifyNewItems(items) {
  if (!remindersEnabled() || notificationPermission() !== 'granted') return;
  const shown = app.store.getMeta(SHOWN_META) ?? {};
  const fresh = items.filter((item) => !(item.key in shown));
  const now = app.now();
  const done = [];
  if (fresh.length > SUMMARY_AFTER) {
    await showNotification(summaryNotification(fresh, language()), null);
    done.push(...fresh);
  } else {
    const context = { lang: language(), timeZone: app.timeZone(), now };
    for (const item of fresh) {
      const ownerName = app.userName(item.ownerId) ?? '—';
      try {
        await showNotification(reminderNotification(item, { ...context, ownerName }), item.key);
        done.push(item);
      } catch (error) {
        // The next check tries the item again.
        console.warn('could not show the notification of', item.key, error);
      }
    }
  }
  const dueKeys = new Set(items.map((item) => item.key));
  const next = prunedShown(shown, dueKeys, now);
  for (const item of done) next[item.key] = now;
  if (Object.keys(next).length !== Object.keys(shown).length || done.length) {
    await app.store.mutate((tx) => tx.setMeta(SHOWN_META, next));
  }
}

let running = null;
let again = false;

// Recompute the due items: update the badges and notify new ones. Calls
// made while a check runs make it run once more afterwards.
export function checkReminders() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    if (!app.session) {
      showBadges(0);
      return;
    }
    const items = todayItems('mine');
    showBadges(items.length);
    // Before a first pull brings the follow-ups, an item may look due that
    // one of them settles, and a shown notification cannot be taken back.
    if (!firstPullRunning(app.store)) await notifyNewItems(items);
  })().catch((error) => console.warn('the reminder check failed', error)).finally(() => {
    running = null;
    if (again) {
      again = false;
      checkReminders();
    }
  });
  return running;
}

// When a notification is tapped, the service worker sends the open app an
// 'open' message with the screen's URL (see sw.js). Screens are hash routes.
function onServiceWorkerMessage(event) {
  if (event.data?.type !== 'open' || typeof event.data.url !== 'string') return;
  const url = new URL(event.data.url, location.origin);
  if (url.origin === location.origin) location.hash = url.hash || '#/today';
}

// Start checking: now, after changes of the records (during a pull at most
// every five seconds), every minute (reply deadlines and midnight come without
// any change) and when the app returns to the screen.
export function startReminders() {
  onStoreChanges(app.store, checkReminders, { delayMs: CHANGE_DELAY_MS, pullIntervalMs: PULL_CHECK_INTERVAL_MS });
  setInterval(checkReminders, CHECK_EVERY_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') checkReminders();
  });
  document.addEventListener('login', checkReminders);
  document.addEventListener('languagechange', checkReminders);
  const container = navigator.serviceWorker;
  if (container) {
    container.addEventListener('message', onServiceWorkerMessage);
    container.startMessages();
  }
  navigator.permissions?.query({ name: 'notifications' })
    .then((status) => { status.onchange = checkReminders; })
    .catch(() => {}); // Older Safari has no permission query for notifications.
  checkReminders();
}
