// The device's copy of the data: records, the outbox of unsynced records,
// rejected changes and small values (session, cursor, epoch) in IndexedDB,
// mirrored in memory so every screen reads without waiting.
//
// Every change goes through `mutate`, which runs one change at a time: it
// reads the memory state left by the previous change, writes all of its own
// in one IndexedDB transaction, and updates memory only after that commits.
// So a crash or a full disk never leaves half a change, and a sync response
// never interleaves with a local edit.
//
// Without IndexedDB (refused in a private window, missing in some in-app
// browsers) the same store runs in memory only: the app works online, and
// `persistent` is false so the app can warn that nothing is kept.

import { openDatabase, readAll, StorageError, writeTransaction } from './idb.js';
import { DELETED, merge } from './merge.js';

// A new object store goes into STORES with DB_VERSION raised by one: the
// upgrade creates the stores a database lacks and keeps the others' data.
const DB_NAME = 'genzong';
const DB_VERSION = 1;
const STORES = ['records', 'outbox', 'rejected', 'meta'];

export function recordKey(table, id) {
  return `${table}/${id}`;
}

// The version people see: the record merged with a pulled version kept
// aside while the record has unsynced writes (see sync.js).
export function shownVersion(record) {
  if (!record.deferred) return { clock: record.clock, dots: record.dots, fields: record.fields };
  return merge({ clock: record.clock, dots: record.dots, fields: record.fields }, record.deferred).version;
}

export function splitKey(key) {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

function upgrade(db) {
  for (const name of STORES) {
    if (!db.objectStoreNames.contains(name)) db.createObjectStore(name);
  }
}

function addToGroup(groups, value, id) {
  let ids = groups.get(value);
  if (!ids) {
    ids = new Set();
    groups.set(value, ids);
  }
  ids.add(id);
}

export class Store extends EventTarget {
  constructor(db, unavailableReason = null) {
    super();
    this.db = db;
    this.unavailableReason = unavailableReason;
    // table → Map(id → {table, id, clock, dots, fields, acked, deferred?}), where
    // deferred is a pulled version not merged yet (see sync.js).
    this.tables = new Map();
    this.outbox = new Map(); // key → {table, id, queuedAt, savedWith?} (see Mutation.enqueue)
    this.rejected = new Map(); // key → {table, id, code, message, message_en, field, fields, at}
    this.meta = new Map();
    this.queue = Promise.resolve();
    this.pending = 0;
    // 'table/field' → Map(value → Set of ids), built by the first listBy of
    // that table and field and kept current by every change after it.
    this.indexes = new Map();
    // name → {tables, value} of memo(), dropped by a change to one of its tables.
    this.memos = new Map();
    this.addEventListener('change', (event) => this.dropMemos(event.detail.tables));
  }

  // Open the IndexedDB store, or a memory-only store when IndexedDB is
  // missing or refused (`unavailableReason` is the StorageError).
  static async open(factory = globalThis.indexedDB) {
    let db;
    try {
      db = await openDatabase(DB_NAME, DB_VERSION, upgrade, factory);
    } catch (error) {
      return new Store(null, error instanceof StorageError ? error : new StorageError('unavailable', error));
    }
    const store = new Store(db);
    // A newer version of the app in another tab needs this connection closed to upgrade.
    db.onversionchange = () => {
      db.close();
      store.dispatchEvent(new CustomEvent('versionchange'));
    };
    try {
      await store.load();
    } catch (error) {
      db.close();
      return new Store(null, error instanceof StorageError ? error : new StorageError('unavailable', error));
    }
    return store;
  }

  get persistent() {
    return this.db !== null;
  }

  // How many of the person's actions wait to be sent: the queued records,
  // where records saved together count once while the record they were
  // saved with is still queued.
  get pendingActions() {
    let count = 0;
    for (const entry of this.outbox.values()) {
      if (!entry.savedWith || !this.outbox.has(entry.savedWith)) count += 1;
    }
    return count;
  }

  async load() {
    for (const [, record] of await readAll(this.db, 'records')) this.tableMap(record.table).set(record.id, record);
    for (const [key, entry] of await readAll(this.db, 'outbox')) this.outbox.set(key, entry);
    for (const [key, entry] of await readAll(this.db, 'rejected')) this.rejected.set(key, entry);
    for (const [key, value] of await readAll(this.db, 'meta')) this.meta.set(key, value);
  }

  tableMap(table) {
    if (!this.tables.has(table)) this.tables.set(table, new Map());
    return this.tables.get(table);
  }

  // Reading ------------------------------------------------------------

  // The stored record {table, id, clock, dots, fields, acked, deferred?}, or undefined.
  record(table, id) {
    return this.tables.get(table)?.get(id);
  }

  // The fields people see of a record, deleted ones included, or null when it is missing.
  fields(table, id) {
    const record = this.record(table, id);
    return record ? shownVersion(record).fields : null;
  }

  // The fields of a record as {id, ...fields}, or null when it is missing or deleted.
  get(table, id) {
    const fields = this.fields(table, id);
    if (!fields || fields[DELETED]) return null;
    return { id, ...fields };
  }

  // Every record of `table` as {id, ...fields}, without the deleted ones
  // unless `includeDeleted` (they then carry deleted: true).
  list(table, { includeDeleted = false } = {}) {
    const rows = [];
    for (const record of this.tables.get(table)?.values() ?? []) {
      const fields = shownVersion(record).fields;
      if (includeDeleted || !fields[DELETED]) rows.push({ id: record.id, ...fields });
    }
    return rows;
  }

  records(table) {
    return [...(this.tables.get(table)?.values() ?? [])];
  }

  // The records of `table` whose `field` equals `value`, as list() returns
  // them, without the deleted ones. The first call for a table and field
  // groups that table's records by the field (a pass over the table, as one
  // list() is), so later calls read only the matching records. A screen that
  // shows one customer's follow-ups then reads 40 records, not 30,000.
  // The order is the records' first arrival in the group, which is list()'s
  // order unless a record moved here from another value of the field.
  listBy(table, field, value) {
    const ids = this.index(table, field).get(value);
    const rows = [];
    for (const id of ids ?? []) {
      const fields = this.fields(table, id);
      if (fields && !fields[DELETED]) rows.push({ id, ...fields });
    }
    return rows;
  }

  index(table, field) {
    const name = `${table}/${field}`;
    let groups = this.indexes.get(name);
    if (!groups) {
      groups = new Map();
      for (const record of this.tables.get(table)?.values() ?? []) addToGroup(groups, shownVersion(record).fields[field], record.id);
      this.indexes.set(name, groups);
    }
    return groups;
  }

  // Move a record between the groups of each index on its table, when the
  // change gave the indexed field another value (null when deleted from the store).
  reindex(table, id, previous, next) {
    for (const [name, groups] of this.indexes) {
      const [indexTable, field] = splitKey(name);
      if (indexTable !== table) continue;
      const before = previous ? shownVersion(previous).fields[field] : undefined;
      const after = next ? shownVersion(next).fields[field] : undefined;
      if (previous && next && before === after) continue;
      if (previous) groups.get(before)?.delete(id);
      if (next) addToGroup(groups, after, id);
    }
  }

  // The value `compute()` returns, kept until a change writes to one of
  // `tables`. Callers give each computation its own `name`, and `compute`
  // may read only those tables (and nothing else that changes), or the
  // kept value would go stale.
  memo(name, tables, compute) {
    let entry = this.memos.get(name);
    if (!entry) {
      entry = { tables, value: compute() };
      this.memos.set(name, entry);
    }
    return entry.value;
  }

  dropMemos(changedTables) {
    for (const [name, entry] of this.memos) {
      if (entry.tables.some((table) => changedTables.has(table))) this.memos.delete(name);
    }
  }

  // Count the edits only this device holds: the actions waiting to be sent
  // (pendingActions) and the rejected records not queued again. Logging out
  // deletes them.
  unsyncedCount() {
    let rejectedOnly = 0;
    for (const key of this.rejected.keys()) if (!this.outbox.has(key)) rejectedOnly += 1;
    return this.pendingActions + rejectedOnly;
  }

  getMeta(key, fallback = undefined) {
    return this.meta.has(key) ? this.meta.get(key) : fallback;
  }

  // Writing ------------------------------------------------------------

  // Run `body(mutation)` after every earlier mutation has finished, store
  // what it staged in one transaction, then update memory and dispatch a
  // `change` event {tables, keys, local, more, showAtOnce}. `keys` lists the
  // record keys written or deleted, or is null when the mutation cleared the
  // store. `more` and `showAtOnce` are the mutation's flags that another
  // change follows at once, and that this one is worth showing without
  // waiting for it (see store-changes.js).
  // Resolves to what `body` returns; rejects with StorageError (kind
  // 'quota' when the disk is full), changing nothing.
  mutate(body, { local = false } = {}) {
    this.pending += 1;
    const run = async () => {
      const mutation = new Mutation(this);
      const value = await body(mutation);
      if (!mutation.empty) {
        if (this.db) await mutation.commit(this.db);
        mutation.applyToMemory();
        const keys = mutation.cleared ? null : [...mutation.records.keys()];
        this.dispatchEvent(new CustomEvent('change', { detail: { tables: mutation.tables, keys, local, more: mutation.more, showAtOnce: mutation.showAtOnce } }));
      }
      return value;
    };
    const result = this.queue.then(run);
    this.queue = result.catch(() => {}).finally(() => { this.pending -= 1; });
    result.catch((error) => {
      if (error instanceof StorageError) this.dispatchEvent(new CustomEvent('storage-error', { detail: error }));
    });
    return result;
  }

  // Resolves when every mutation started so far has finished.
  idle() {
    return this.queue;
  }
}

// The staged changes of one `Store.mutate` call. Reads see the staged state.
class Mutation {
  constructor(store) {
    this.store = store;
    this.records = new Map(); // key → record, or null to delete
    this.outbox = new Map(); // key → entry, or null
    this.rejected = new Map();
    this.meta = new Map();
    this.cleared = false;
    this.tables = new Set();
    // Set by a sync that applies another response right after this one.
    this.more = false;
    // Set by a sync whose records are whole after this change, though more follow.
    this.showAtOnce = false;
  }

  get empty() {
    return !this.cleared && !this.records.size && !this.outbox.size && !this.rejected.size && !this.meta.size;
  }

  record(table, id) {
    const key = recordKey(table, id);
    if (this.records.has(key)) return this.records.get(key) ?? undefined;
    return this.cleared ? undefined : this.store.record(table, id);
  }

  putRecord(record) {
    this.records.set(recordKey(record.table, record.id), record);
    this.tables.add(record.table);
  }

  deleteRecord(table, id) {
    this.records.set(recordKey(table, id), null);
    this.tables.add(table);
  }

  inOutbox(key) {
    if (this.outbox.has(key)) return this.outbox.get(key) !== null;
    return !this.cleared && this.store.outbox.has(key);
  }

  // Queue a record to send. `savedWith` is the outbox key of the record it
  // was saved with in one action, such as the follow-up that moved a
  // customer's next date, so that the action counts once. A record queued
  // before by an action of its own keeps counting on its own.
  enqueue(table, id, savedWith = null) {
    const key = recordKey(table, id);
    const queued = this.outbox.has(key) ? this.outbox.get(key) : (this.cleared ? undefined : this.store.outbox.get(key));
    const group = queued ? (savedWith && queued.savedWith) || null : savedWith;
    this.outbox.set(key, group ? { table, id, queuedAt: Date.now(), savedWith: group } : { table, id, queuedAt: Date.now() });
  }

  dequeue(key) {
    this.outbox.set(key, null);
  }

  setRejected(key, entry) {
    this.rejected.set(key, entry);
    this.tables.add(entry.table);
  }

  clearRejected(key) {
    if (this.rejected.has(key) || this.store.rejected.has(key)) this.rejected.set(key, null);
  }

  getMeta(key, fallback = undefined) {
    if (this.meta.has(key)) return this.meta.get(key);
    return this.cleared ? fallback : this.store.getMeta(key, fallback);
  }

  setMeta(key, value) {
    this.meta.set(key, value);
  }

  // Drop everything stored on the device (when another user logs in, or on logout).
  clearAll() {
    this.cleared = true;
    this.records.clear();
    this.outbox.clear();
    this.rejected.clear();
    this.meta.clear();
    for (const table of this.store.tables.keys()) this.tables.add(table);
  }

  commit(db) {
    return writeTransaction(db, STORES, (transaction) => {
      const stores = Object.fromEntries(STORES.map((name) => [name, transaction.objectStore(name)]));
      if (this.cleared) for (const name of STORES) stores[name].clear();
      const pairs = [['records', this.records], ['outbox', this.outbox], ['rejected', this.rejected], ['meta', this.meta]];
      for (const [name, staged] of pairs) {
        for (const [key, value] of staged) {
          if (value === null || value === undefined) stores[name].delete(key);
          else stores[name].put(value, key);
        }
      }
    });
  }

  applyToMemory() {
    const store = this.store;
    if (this.cleared) {
      store.tables.clear();
      store.outbox.clear();
      store.rejected.clear();
      store.meta.clear();
      store.indexes.clear();
    }
    for (const [key, record] of this.records) {
      const [table, id] = splitKey(key);
      store.reindex(table, id, store.record(table, id), record);
      if (record) store.tableMap(table).set(id, record);
      else store.tables.get(table)?.delete(id);
    }
    for (const [target, staged] of [[store.outbox, this.outbox], [store.rejected, this.rejected], [store.meta, this.meta]]) {
      for (const [key, value] of staged) {
        if (value === null || value === undefined) target.delete(key);
        else target.set(key, value);
      }
    }
  }
}
