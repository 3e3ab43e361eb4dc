// The sync client: protocol v1 of POST /api/sync, as tests/device.py does it.
//
// The outbox contains the keys of records with unsynced edits. A request sends
// the current whole state of up to `batchSize` of them, so sending a record
// twice is harmless: a response lost on the way (the server stored the
// changes, the device never heard) is repaired by sending again, and the
// server answers "unchanged". A record leaves the outbox only when the
// server has accepted or rejected exactly the state it still has here.
//
// A pulled version of a record that still has unsynced writes is kept aside
// (record.deferred) and merged once those writes are acknowledged, or by an
// edit when that merge loses no write (see edits.js). Merging it earlier
// would put the pulled writes into the clock sent with this device's writes,
// so the server would take them for writes made after seeing the pulled
// ones, and a concurrent overwrite would leave no conflict record.

import { ApiError, NetworkError, postJson } from './api.js';
import { DELETED, merge } from './merge.js';
import { TABLES, WRITABLE_TABLES } from './schema.js';
import { recordKey, shownVersion, splitKey } from './store.js';
import { sameValue } from './values.js';
import { formatStamp, parseStamp } from './write.js';

export const BATCH_SIZE = 500;

// A device's first pull comes in two parts. The first pulls every table but
// the logs, which grow with every visit and edit (the request's `only`). So
// the customer list and 今日 are whole within seconds. The second pulls the
// rest and names what the first brought (`pulled`), which the server leaves out.
export const LOG_TABLES = ['follow_ups', 'history'];
export const FIRST_TABLES = Object.keys(TABLES).filter((name) => !LOG_TABLES.includes(name));
// Store meta of the first part's position, {cursor}, while it runs.
const FIRST_PULL_META = 'first_pull';
// Store meta of what the first part brought, {table: seq}, sent as `pulled` until the cursor passes it.
const PULLED_META = 'pulled';
// Store meta of the records, [{table, id}], whose server version the next sync fetches.
const FETCH_META = 'fetch';
// The maximum of records one request fetches, as the server allows.
const MAX_FETCH = 100;

// Ask the next sync for the server's version of a record whatever the
// cursor, in an open store mutation: the device dropped its own version.
export function requestFetch(tx, table, id) {
  const waiting = tx.getMeta(FETCH_META) ?? [];
  if (waiting.some((item) => item.table === table && item.id === id)) return;
  tx.setMeta(FETCH_META, [...waiting, { table, id }]);
}

// Whether the device's first pull still runs: its lists may lack follow-ups and history.
export function firstPullRunning(store) {
  return store.getMeta(FIRST_PULL_META) !== undefined || store.getMeta(PULLED_META) !== undefined;
}

const MAX_ROUNDS = 1000;
const EDIT_DEBOUNCE_MS = 1500;
const BACKOFF_FIRST_MS = 2000;
const BACKOFF_MAX_MS = 5 * 60 * 1000;
const PERIODIC_MS = 5 * 60 * 1000;
// A sync request with no progress for this long is abandoned and retried:
// no response headers (which wait for the upload and the merge) and no body
// bytes. It is an estimate that leaves room for a batch of 500 changes to
// go up over a link of a few KB/s.
const STALL_MS = 60 * 1000;

// The wire form of a record: fields without `deleted`, which travels apart.
export function versionToChange(record) {
  const fields = { ...record.fields };
  delete fields[DELETED];
  return {
    table: record.table, id: record.id, clock: record.clock, dots: record.dots,
    fields, deleted: Boolean(record.fields[DELETED]),
  };
}

export function changeToVersion(change) {
  const fields = { ...change.fields };
  if (DELETED in change.dots) fields[DELETED] = change.deleted;
  return { clock: change.clock, dots: change.dots, fields };
}

function sameVersion(a, b) {
  return sameValue(a.clock, b.clock) && sameValue(a.dots, b.dots) && sameValue(a.fields, b.fields);
}

// The device's time corrected by the offset learnt from the server's
// `server_time`, in milliseconds: the time edits are stamped with.
export function correctedNow(store) {
  return Date.now() - (store.getMeta('server_offset') ?? 0);
}

// Whether `dot` is an unsynced write: this device's, with a counter above
// what the server acknowledged (`acked`).
function isUnsynced(dot, device, acked) {
  return dot[0] === device && dot[1] > (acked ?? 0);
}

// The fields of `version` that this device wrote and the server has not
// acknowledged, so what the person changed since the last sync.
export function unsyncedFields(version, device, acked) {
  return Object.entries(version.dots)
    .filter(([name, dot]) => name !== DELETED && isUnsynced(dot, device, acked))
    .map(([name]) => name);
}

// Re-stamp this device's unsynced writes of a record after `clock_ahead`.
// The counters stay; the stamps move to `nowMs`, still 1 ms after every
// other dot of the record.
export function restamp(record, device, nowMs) {
  const unsynced = (dot) => isUnsynced(dot, device, record.acked);
  let stamp = nowMs;
  for (const dot of Object.values(record.dots)) {
    if (!unsynced(dot)) stamp = Math.max(stamp, parseStamp(dot[2]) + 1);
  }
  // The writes were made after what the screen showed, a pulled version kept aside included.
  for (const dot of Object.values(record.deferred?.dots ?? {})) stamp = Math.max(stamp, parseStamp(dot[2]) + 1);
  const text = formatStamp(stamp);
  const dots = Object.fromEntries(Object.entries(record.dots).map(
    ([name, dot]) => [name, unsynced(dot) ? [dot[0], dot[1], text] : dot]));
  return { ...record, dots };
}

// The store meta `removed_customers` maps the ids of customers removed from
// this device to their names, newest last, so a rejected edit that points at
// one still shows whose it was. It holds at most this many.
const MAX_REMOVED_NAMES = 200;

function rememberRemovedNames(tx, names) {
  const remembered = { ...(tx.getMeta('removed_customers') ?? {}) };
  for (const [id, name] of Object.entries(names)) {
    delete remembered[id]; // so the id moves to the end, as the newest
    remembered[id] = name;
  }
  const ids = Object.keys(remembered);
  for (const id of ids.slice(0, Math.max(0, ids.length - MAX_REMOVED_NAMES))) delete remembered[id];
  tx.setMeta('removed_customers', remembered);
}

// The owner of a customer record as the device shows it, or null when the
// record is missing or deleted.
function shownOwner(record) {
  if (!record) return null;
  const { fields } = shownVersion(record);
  return fields[DELETED] ? null : fields.owner_id ?? null;
}

// Whether the device stores a claim of the customer by the user: their own
// claim, which has no claimed_by until the server settles it, or the settled one.
function claimedBy(store, customerId, userId) {
  return store.listBy('pool_claims', 'customer_id', customerId)
    .some((claim) => (claim.claimed_by ?? userId) === userId);
}

// Add `ids` to the customers given to the user since they last dismissed
// the notice on 今日 (store meta `moved_in`, {ids, at}).
function rememberMovedIn(tx, ids, now) {
  const added = new Set(ids);
  const earlier = (tx.getMeta('moved_in')?.ids ?? []).filter((id) => !added.has(id));
  tx.setMeta('moved_in', { ids: [...earlier, ...ids], at: now });
}

// The response of `request` with the time it arrived, from which the clock
// offset is measured even when the response is applied later.
async function stampArrival(request) {
  const response = await request;
  return { ...response, receivedAt: Date.now() };
}

// Copy the role and name of the logged-in user's synced users row into the
// session, which contains what the login returned. An admin may have changed
// them since, and the screens decide what to offer by the session's role.
function followOwnUserRow(tx) {
  const session = tx.getMeta('session');
  const fields = session?.user && tx.record('users', session.user.id)?.fields;
  if (!fields?.role) return;
  const name = fields.name ?? session.user.name;
  if (fields.role === session.user.role && name === session.user.name) return;
  tx.setMeta('session', { ...session, user: { ...session.user, role: fields.role, name } });
}

export class SyncClient extends EventTarget {
  // `mayResend(table, row)` returns whether a record goes out again after a
  // reset, given the record's fields with its id as `row`.
  constructor(store, { post = postJson, mayResend = () => true } = {}) {
    super();
    this.store = store;
    this.post = post;
    this.mayResend = mayResend;
    this.batchSize = BATCH_SIZE;
    this.stallMs = STALL_MS;
    this.state = 'idle'; // idle | syncing | offline | error | unauthorized
    this.error = null;
    this.running = null;
    this.again = false;
    this.backoff = 0;
    this.retryTimer = null;
    this.debounceTimer = null;
    this.periodicTimer = null;
  }

  // Sync now, on regaining a connection, when the app comes back to the
  // screen, every few minutes while it is open, and shortly after each edit.
  start() {
    window.addEventListener('online', () => {
      // A request that stalled while offline goes on now, so a running sync is no longer offline.
      if (this.running && this.state === 'offline') this.setState('syncing');
      this.syncNow();
    });
    // An expired login stays the state to show: going offline changes nothing about it.
    window.addEventListener('offline', () => {
      if (this.state !== 'unauthorized') this.setState('offline');
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.requestSync(0);
    });
    this.store.addEventListener('change', (event) => {
      if (event.detail.local) {
        this.emit();
        this.requestSync(EDIT_DEBOUNCE_MS);
      }
    });
    this.periodicTimer = setInterval(() => {
      if (document.visibilityState === 'visible') this.requestSync(0);
    }, PERIODIC_MS);
    return this.syncNow();
  }

  get pending() {
    return this.store.pendingActions;
  }

  // Whether the first part of the device's first pull has not finished, so an
  // empty list means "not downloaded yet" rather than "none".
  get recordsIncomplete() {
    return this.store.getMeta('cursor') === undefined && this.store.getMeta(PULLED_META) === undefined;
  }

  // Whether the device may lack follow-ups and history because its first
  // pull has not brought them yet, in either of its parts.
  get logsIncomplete() {
    return firstPullRunning(this.store);
  }

  // Whether the first pull has brought every table but the logs, and now pulls the logs.
  get pullingLogs() {
    return this.store.getMeta(PULLED_META) !== undefined;
  }

  requestSync(delayMs = EDIT_DEBOUNCE_MS) {
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => this.syncNow(), delayMs);
  }

  // Run a sync to the end (or to an error); resolves when it stops. A call
  // while a sync runs makes it run once more afterwards.
  syncNow() {
    clearTimeout(this.debounceTimer);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.syncNow();
      }
    });
    return this.running;
  }

  setState(state, error = null) {
    this.state = state;
    this.error = error;
    this.emit();
  }

  emit() {
    this.dispatchEvent(new CustomEvent('status'));
  }

  async run() {
    const session = this.store.getMeta('session');
    if (!session?.token || this.state === 'unauthorized') return;
    if (navigator.onLine === false) {
      this.setState('offline');
      return;
    }
    clearTimeout(this.retryTimer);
    this.setState('syncing');
    let nextPage = null;
    try {
      for (let round = 0; round < MAX_ROUNDS; round += 1) {
        let batch = [];
        let response;
        // The first part's position, or null after it. Its first response stores it.
        const firstPart = this.store.getMeta(FIRST_PULL_META) ?? (this.isFreshDevice() ? { cursor: 0 } : null);
        if (nextPage) {
          response = await nextPage;
          nextPage = null;
        } else {
          // The first part sends no changes: it takes seconds, and edits made meanwhile wait for it.
          batch = firstPart ? [] : this.nextBatch();
          const cursor = firstPart ? firstPart.cursor : (this.store.getMeta('cursor') ?? 0);
          const position = { cursor, epoch: this.store.getMeta('epoch') ?? null };
          response = await stampArrival(this.postSync(this.requestBody(session, position, batch, Boolean(firstPart)), session.token));
        }
        // A pull of many pages requests the next one while this one is stored,
        // so the network and the storage work at once. That request sends no
        // changes, so it is made only when none wait, and it carries the cursor
        // and epoch of this page. Its response is applied after this page, or
        // dropped when storing this page fails. The stored cursor then still
        // names this page's start.
        if (response.more && !response.reset && !batch.length && (firstPart || !this.nextBatch().length) && round + 1 < MAX_ROUNDS) {
          const position = { cursor: response.cursor, epoch: response.epoch };
          nextPage = stampArrival(this.postSync(this.requestBody(session, position, [], Boolean(firstPart)), session.token));
          nextPage.catch(() => {}); // awaited in the next round, which reports its failure
        }
        const goOn = await this.store.mutate((tx) => this.applyResponse(tx, session.device, batch, response, Boolean(firstPart)));
        if (firstPart && this.store.getMeta(FIRST_PULL_META) === undefined) this.emit(); // the logs come next
        if (!goOn) break;
      }
      this.backoff = 0;
      this.setState('idle');
    } catch (error) {
      this.failed(error);
    }
  }

  // A device without a cursor or records starts with the first part of the first pull.
  isFreshDevice() {
    if (this.store.getMeta('cursor') !== undefined || firstPullRunning(this.store)) return false;
    return [...this.store.tables.values()].every((records) => records.size === 0);
  }

  // The body of a request from `position` ({cursor, epoch}) sending `batch`:
  // in the first part of a first pull only its tables, later naming what that part brought.
  requestBody(session, position, batch, firstPart) {
    const body = { device: session.device, epoch: position.epoch, cursor: position.cursor, changes: batch.map((item) => item.change) };
    const pulled = this.store.getMeta(PULLED_META);
    if (firstPart) body.only = FIRST_TABLES;
    else if (pulled) body.pulled = pulled;
    const fetch = this.store.getMeta(FETCH_META);
    if (!firstPart && fetch?.length) body.fetch = fetch.slice(0, MAX_FETCH);
    return body;
  }

  // Post a sync request; the response names the records it fetched as `fetched`.
  async postSync(body, token) {
    const response = await this.post('/api/sync', body, token, { stallMs: this.stallMs });
    return { ...response, fetched: body.fetch ?? [] };
  }

  failed(error) {
    if (error instanceof ApiError && error.status === 401) {
      this.setState('unauthorized', error);
      return;
    }
    // A stalled upload may be too large for the link, so the retry sends fewer records.
    if (error instanceof NetworkError && error.timedOut) this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
    if (error instanceof ApiError && error.status === 413 && this.batchSize > 1) {
      this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
      this.retryTimer = setTimeout(() => this.syncNow(), 0);
      this.setState('error', error);
      return;
    }
    this.setState(error instanceof NetworkError ? 'offline' : 'error', error);
    this.backoff = this.backoff ? Math.min(this.backoff * 2, BACKOFF_MAX_MS) : BACKOFF_FIRST_MS;
    const jitter = Math.random() * 0.2 * this.backoff;
    this.retryTimer = setTimeout(() => this.syncNow(), this.backoff + jitter);
    if (!(error instanceof NetworkError || error instanceof ApiError)) console.error('sync failed', error);
  }

  // The records to send next: parents before children, oldest edits first.
  nextBatch() {
    const entries = [...this.store.outbox.entries()]
      .filter(([, entry]) => TABLES[entry.table]?.writable)
      .sort(([, a], [, b]) => (TABLES[a.table].rank - TABLES[b.table].rank) || (a.queuedAt - b.queuedAt))
      .slice(0, this.batchSize);
    const batch = [];
    for (const [key, entry] of entries) {
      const record = this.store.record(entry.table, entry.id);
      if (!record) continue;
      batch.push({ key, table: entry.table, id: entry.id, version: structuredClone(record), change: versionToChange(record) });
    }
    return batch;
  }

  // Apply one response inside a store mutation; return true when another
  // round is needed (the server has more, or records are still waiting).
  // The same flag goes into the mutation's `more` for the store's change listeners.
  applyResponse(tx, device, batch, response, firstPart = false) {
    if (tx.getMeta('session')?.device !== device) return false; // logged out meanwhile
    const now = Date.now();
    const offset = (response.receivedAt ?? now) - parseStamp(response.server_time);
    tx.setMeta('server_offset', offset);

    response.results.forEach((result, index) => this.applyResult(tx, device, batch[index], result, now, offset));
    // Revocations first: a record revoked and later shared again arrives in
    // the same page as both, and only its change is current (a revoked
    // record that stays revoked is never among the changes).
    const userId = tx.getMeta('session')?.user?.id;
    const movedAway = new Set();
    const removedNames = {};
    // Each pulled customer's owner on this device before this page, to tell
    // the user which customers someone else has just given them.
    const ownersBefore = new Map();
    for (const item of response.revoked) {
      const removed = tx.record(item.table, item.id);
      if (item.table === 'customers') ownersBefore.set(item.id, shownOwner(removed));
      // A customer this user owned went to someone else (a pool customer
      // claimed by another rep was never theirs).
      if (item.table === 'customers' && userId && removed?.fields.owner_id === userId) {
        movedAway.add(item.id);
      }
      if (item.table === 'customers' && removed?.fields.name) removedNames[item.id] = removed.fields.name;
      this.applyRevocation(tx, device, item, now);
    }
    if (Object.keys(removedNames).length) rememberRemovedNames(tx, removedNames);
    for (const change of response.changes) {
      if (change.table === 'customers') {
        movedAway.delete(change.id); // given back in the same page
        if (!ownersBefore.has(change.id)) ownersBefore.set(change.id, shownOwner(tx.record('customers', change.id)));
      }
      this.applyChange(tx, device, change);
    }
    if (response.fetched?.length) {
      // Fetched or not there for this user: either way no longer asked for.
      const sent = new Set(response.fetched.map((item) => recordKey(item.table, item.id)));
      const waiting = (tx.getMeta(FETCH_META) ?? []).filter((item) => !sent.has(recordKey(item.table, item.id)));
      tx.setMeta(FETCH_META, waiting.length ? waiting : undefined);
    }
    if (movedAway.size) {
      const earlier = tx.getMeta('moved_away')?.count ?? 0;
      tx.setMeta('moved_away', { count: earlier + movedAway.size, at: now });
    }
    followOwnUserRow(tx);
    // A first pull or a restored server brings customers the user already
    // had, and so does a fetch of a customer whose version this device dropped.
    // A customer the user claimed from the pool was not given to them.
    if (userId && !firstPart && !response.reset) {
      const fetched = new Set((response.fetched ?? []).map((item) => recordKey(item.table, item.id)));
      const movedIn = [...ownersBefore].filter(([id, before]) => before !== userId
        && !fetched.has(recordKey('customers', id))
        && shownOwner(tx.record('customers', id)) === userId
        && !claimedBy(this.store, id, userId)).map(([id]) => id);
      if (movedIn.length) rememberMovedIn(tx, movedIn, now);
    }

    tx.setMeta('epoch', response.epoch);
    tx.setMeta('last_sync', now);
    let firstPartDone = false;
    if (firstPart && response.more) {
      tx.setMeta(FIRST_PULL_META, { cursor: response.cursor });
    } else if (firstPart) {
      // The rest of the pull starts from 0 and leaves out what this part brought.
      tx.setMeta(FIRST_PULL_META, undefined);
      tx.setMeta(PULLED_META, Object.fromEntries(FIRST_TABLES.map((table) => [table, response.cursor])));
      firstPartDone = true;
    } else {
      tx.setMeta('cursor', response.cursor);
      const pulled = tx.getMeta(PULLED_META);
      // After a reset the server ignores `pulled`, and past its seqs it leaves nothing out.
      if (pulled && (response.reset || Object.values(pulled).every((seq) => response.cursor >= seq))) {
        tx.setMeta(PULLED_META, undefined);
      }
    }
    if (response.reset) {
      // The server's database was restored from a backup: send back every
      // record held here that this user may write; the merge makes the ones
      // it has harmless.
      for (const table of WRITABLE_TABLES) {
        for (const record of this.store.records(table)) {
          if (this.mayResend(table, { id: record.id, ...record.fields })) tx.enqueue(table, record.id);
        }
      }
      tx.setMeta('last_reset', now);
    }
    // The second part follows the first at once, but the lists are whole
    // then except for the logs, so they are redrawn without waiting.
    tx.more = response.more || this.outboxWaiting(tx) || firstPartDone || Boolean(tx.getMeta(FETCH_META)?.length);
    tx.showAtOnce = firstPartDone;
    return tx.more;
  }

  applyResult(tx, device, item, result, now, offset) {
    if (!item || !result) return;
    const current = tx.record(item.table, item.id);
    if (result.status === 'rejected' && result.code === 'clock_ahead') {
      if (current) tx.putRecord(restamp(current, device, now - offset)); // stays queued, goes again
      return;
    }
    if (current && sameVersion(current, item.version)) tx.dequeue(item.key);
    if (result.status === 'rejected') {
      tx.setRejected(item.key, {
        table: item.table, id: item.id, code: result.code, field: result.field ?? null,
        message: result.message ?? null, message_en: result.message_en ?? null,
        fields: item.version.fields, changed: unsyncedFields(item.version, device, current?.acked), at: now,
      });
      this.mergeDeferred(tx, item);
      return;
    }
    tx.clearRejected(item.key);
    const sentCounter = item.version.clock[device] ?? 0;
    if (current && sentCounter > (current.acked ?? 0)) tx.putRecord({ ...current, acked: sentCounter });
    this.mergeDeferred(tx, item);
  }

  // Merge a pulled version kept aside, once the record's writes were answered.
  mergeDeferred(tx, item) {
    const current = tx.record(item.table, item.id);
    if (!current?.deferred) return;
    const { deferred, ...rest } = current;
    tx.putRecord({ ...rest, ...merge(shownVersion(rest), deferred).version });
  }

  applyRevocation(tx, device, item, now) {
    const key = recordKey(item.table, item.id);
    const current = tx.record(item.table, item.id);
    if (tx.inOutbox(key)) {
      tx.dequeue(key);
      if (current) {
        tx.setRejected(key, { table: item.table, id: item.id, code: 'revoked', field: null,
                              message: null, message_en: null, fields: current.fields,
                              changed: unsyncedFields(current, device, current.acked), at: now });
      }
    }
    if (current) tx.deleteRecord(item.table, item.id);
  }

  applyChange(tx, device, change) {
    const incoming = changeToVersion(change);
    const current = tx.record(change.table, change.id);
    if (current && tx.inOutbox(recordKey(change.table, change.id))) {
      const deferred = current.deferred ? merge(current.deferred, incoming).version : incoming;
      tx.putRecord({ ...current, deferred });
      return;
    }
    const merged = merge(current ? shownVersion(current) : null, incoming);
    const acked = Math.max(current?.acked ?? 0, incoming.clock[device] ?? 0);
    if (merged.changed || current?.deferred || acked !== (current?.acked ?? 0)) {
      tx.putRecord({ table: change.table, id: change.id, ...merged.version, acked });
    }
  }

  outboxWaiting(tx) {
    const keys = new Set([...this.store.outbox.keys(), ...tx.outbox.keys()]);
    let waiting = false;
    for (const key of keys) {
      if (!tx.inOutbox(key)) continue;
      const [table, id] = splitKey(key);
      if (TABLES[table]?.writable && tx.record(table, id)) waiting = true;
      else tx.dequeue(key); // nothing left to send for it
    }
    return waiting;
  }
}
