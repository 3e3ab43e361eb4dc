// Local edits: the writing rule applied to the device's own records.
//
// Each edit increments this device's clock entry for the record and stamps
// the changed fields with [device, counter, edited_at]. edited_at is the
// device clock corrected by the server's, and at least 1 ms after every dot
// the record has. The record and its outbox entry are stored in one
// transaction, and the sync client then sends it.

import { app } from './context.js';
import { newRecordId } from './ids.js';
import { DELETED } from './merge.js';
import { recordKey, shownVersion } from './store.js';
import { sameValue } from './values.js';
import { write } from './write.js';

// Stage one edit in an open store mutation, for callers that write other
// values (such as meta) in the same transaction.
export function stage(tx, device, now, { table, id, changes }) {
  const current = tx.record(table, id);
  // The person edits what they see, so a pulled version kept aside is merged in first.
  const base = current ? shownVersion(current) : null;
  const version = write(base, device, changes, now);
  if (current && !current.deferred && sameValue(version.clock, current.clock)) return;
  tx.putRecord({ table, id, ...version, acked: current?.acked ?? 0 });
  tx.enqueue(table, id);
  tx.clearRejected(recordKey(table, id));
}

// Write several records in one transaction: [{table, id, changes}], where a
// missing id makes a new record. Resolves to the ids, in order.
export async function saveRecords(items) {
  const device = app.device;
  if (!device) throw new Error('not logged in');
  const withIds = items.map((item) => ({ ...item, id: item.id ?? newRecordId() }));
  await app.store.mutate((tx) => {
    const now = app.now();
    for (const item of withIds) stage(tx, device, now, item);
  }, { local: true });
  return withIds.map((item) => item.id);
}

export async function saveRecord(table, id, changes) {
  const [saved] = await saveRecords([{ table, id, changes }]);
  return saved;
}

export function deleteRecord(table, id) {
  return saveRecord(table, id, { [DELETED]: true });
}
