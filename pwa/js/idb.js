// Promises over IndexedDB requests and transactions.

export class StorageError extends Error {
  // `kind` is 'quota' when the browser ran out of space for this site,
  // 'unavailable' when IndexedDB is missing or refused, otherwise 'failed'.
  constructor(kind, cause) {
    super(`${kind}: ${cause?.name ?? ''} ${cause?.message ?? ''}`.trim());
    this.name = 'StorageError';
    this.kind = kind;
    this.cause = cause;
  }
}

function storageError(error) {
  if (error?.name === 'QuotaExceededError') return new StorageError('quota', error);
  return new StorageError('failed', error);
}

export function requestResult(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(storageError(request.error));
  });
}

// Open (and create or upgrade) a database. `upgrade(db, oldVersion)` runs
// inside the version-change transaction. Rejects with StorageError
// 'unavailable' when the browser refuses IndexedDB (some private modes).
export function openDatabase(name, version, upgrade, factory = globalThis.indexedDB) {
  return new Promise((resolve, reject) => {
    if (!factory) {
      reject(new StorageError('unavailable', new Error('indexedDB is missing')));
      return;
    }
    let request;
    try {
      request = factory.open(name, version);
    } catch (error) {
      reject(new StorageError('unavailable', error));
      return;
    }
    request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new StorageError('unavailable', request.error));
    // onblocked is not an error: the upgrade goes on once the other tab's old
    // connection closes, which the app does on its versionchange event.
  });
}

// Run `body(transaction)` in one readwrite transaction over `stores` and
// resolve when it commits; reject with StorageError when it aborts.
export function writeTransaction(db, stores, body) {
  return new Promise((resolve, reject) => {
    let transaction;
    try {
      transaction = db.transaction(stores, 'readwrite');
    } catch (error) {
      reject(storageError(error));
      return;
    }
    transaction.oncomplete = () => resolve();
    transaction.onabort = () => reject(storageError(transaction.error));
    try {
      body(transaction);
    } catch (error) {
      transaction.abort();
      reject(storageError(error));
    }
  });
}

export async function readAll(db, storeName) {
  const transaction = db.transaction([storeName], 'readonly');
  const store = transaction.objectStore(storeName);
  const [keys, values] = await Promise.all([requestResult(store.getAllKeys()), requestResult(store.getAll())]);
  return keys.map((key, i) => [key, values[i]]);
}
