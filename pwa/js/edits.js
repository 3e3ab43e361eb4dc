// Local edits: the writing rule applied to the device's own records.
//
// Each edit increments this device's clock entry for the record and stamps
// the changed fields with [device, counter, edited_at]. edited_at is the
// device clock corrected by the server's, and at least 1 ms after every dot
// the record has. The record and its outbox entry are stored in one
// transaction, and the sync client then sends it.

import { app } from './context.js';
import { newRecordId } from './ids.js';
import { DELETED, merge } from './merge.js';
import { recordKey } from './store.js';
import { sameValue } from './values.js';
import { latestStamp, parseStamp, write } from './write.js';

// Stage one edit in an open store mutation, for callers that write other
// values (such as meta) in the same transaction.
export function stage(tx, device, now, { table, id, changes }, savedWith = null) {
  const current = tx.record(table, id);
  const version = current ? editVersion(current, device, changes, now) : write(null, device, changes, now);
  if (current && sameValue(version.clock, current.clock) && Boolean(version.deferred) === Boolean(current.deferred)) {
    return;
  }
  tx.putRecord({ table, id, ...version, acked: current?.acked ?? 0 });
  tx.enqueue(table, id, savedWith);
  tx.clearRejected(recordKey(table, id));
}

// Return the record after the person's `changes`, with `deferred` when a
// pulled version stays aside (the rule of edit_version in tests/device.py).
//
// The person edits what they see: the record merged with the pulled version.
// When that merge overwrites no write unseen, it becomes the base. Otherwise
// it would drop a write on the device, where no conflict record can keep it.
// So the write goes on the device's own version, stamped after every shown
// dot, and the pulled version waits until the server acknowledges this
// device's writes.
function editVersion(current, device, changes, now) {
  const own = { clock: current.clock, dots: current.dots, fields: current.fields };
  if (!current.deferred) return write(own, device, changes, now);

  const merged = merge(own, current.deferred);
  const edited = Object.fromEntries(Object.entries(changes).filter(
    ([name, value]) => !(name in merged.version.dots) || !sameValue(merged.version.fields[name], value)));
  if (merged.conflicts.length === 0) return write(merged.version, device, edited, now);
  if (Object.keys(edited).length === 0) return { ...own, deferred: current.deferred };

  const afterShown = parseStamp(latestStamp(merged.version)) + 1;
  const version = write(own, device, edited, Math.max(now, afterShown), { every: true });
  return { ...version, deferred: current.deferred };
}

// Write several records in one transaction: [{table, id, changes}], where a
// missing id makes a new record. Resolves to the ids, in order. They count
// as one action waiting to be sent, saved with the first record that no
// earlier action queued, because a queued record already counts for the
// action that queued it. When every record is queued, the first leads.
export async function saveRecords(items) {
  const device = app.device;
  if (!device) throw new Error('not logged in');
  const withIds = items.map((item) => ({ ...item, id: item.id ?? newRecordId() }));
  await app.store.mutate((tx) => {
    const now = app.now();
    const leader = withIds.find((item) => !tx.inOutbox(recordKey(item.table, item.id))) ?? withIds[0];
    const leaderKey = recordKey(leader.table, leader.id);
    for (const item of withIds) stage(tx, device, now, item, item === leader ? null : leaderKey);
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
