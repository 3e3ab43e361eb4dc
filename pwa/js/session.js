// Logging in and out. The token stays valid offline for 30 days and is kept
// in IndexedDB with the user and this device's id.
//
// Each login on a fresh device gets a new device id, because the server
// binds a device id to the first user who syncs with it. Logging in again as
// the same user (after the token expired or was revoked) keeps the device id
// and the records, so unsynced edits, stamped with that id, still go out.

import { postJson } from './api.js';
import { app } from './context.js';
import { removeDrafts } from './drafts.js';
import { newDeviceId } from './ids.js';

// Log in; resolves to the user. Another user's data on this device is
// removed first (the login view warns when it has unsynced edits).
// Throws NetworkError or ApiError.
export async function logIn(username, password) {
  const data = await postJson('/api/login', { username, password });
  const previous = app.store.getMeta('session');
  const sameUser = previous?.user?.id === data.user.id;
  // Drafts of forms are typed text of the user who typed them.
  removeDrafts(data.user.id);
  await app.store.mutate((tx) => {
    if (!sameUser) tx.clearAll();
    tx.setMeta('session', {
      token: data.token, user: data.user, device: sameUser ? previous.device : newDeviceId(),
      loggedInAt: Date.now(),
    });
  });
  return data.user;
}

const logOutSteps = [];

// Run `step()` at the start of every logout, while the token still works
// (push.js removes the browser's push subscription). A step that fails is
// logged and the logout goes on.
export function beforeLogOut(step) {
  logOutSteps.push(step);
}

// Log out and remove everything stored on this device for the user.
export async function logOut() {
  for (const step of logOutSteps) {
    try {
      await step();
    } catch (error) {
      console.warn('a logout step failed', error);
    }
  }
  try {
    await postJson('/api/logout', {});
  } catch {
    // Offline: the server keeps no session state to end besides a cookie.
  }
  await app.store.mutate((tx) => tx.clearAll());
  removeDrafts();
}
