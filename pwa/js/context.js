// The running app's shared objects, set once at start by app.js: the store,
// the sync client and helpers every view needs.

import { DEFAULT_TIME_ZONE, todayIn, validTimeZone } from './dates.js';
import { correctedNow } from './sync.js';

export const app = {
  store: null,
  sync: null,
  // Facts about the browser found at start (see pwa.js detectCapabilities).
  capabilities: {},

  get session() {
    return this.store?.getMeta('session') ?? null;
  },

  get user() {
    return this.session?.user ?? null;
  },

  get device() {
    return this.session?.device ?? null;
  },

  get seesEverything() {
    return ['manager', 'admin'].includes(this.user?.role);
  },

  // The settings table as {key: value}.
  settings() {
    const settings = {};
    for (const row of this.store?.list('settings') ?? []) settings[row.key] = row.value;
    return settings;
  },

  timeZone() {
    return this.store ? validTimeZone(this.settings().time_zone) : DEFAULT_TIME_ZONE;
  },

  // The time edits are stamped with: the device clock corrected by the server's.
  now() {
    return this.store ? correctedNow(this.store) : Date.now();
  },

  today() {
    return todayIn(this.timeZone(), this.now());
  },

  // The name to show for a user id, from the synced users table.
  userName(userId) {
    if (!userId) return null;
    const user = this.store.get('users', userId);
    return user ? (user.name || user.username) : null;
  },
};
