// The merge rule, the same as sync/merge.py: two versions of a record merge
// field by field. Each field takes the value whose dot is greatest by
// (edited_at, device, counter) and the clock takes the pointwise maximum,
// so merging is commutative, associative and idempotent. The shared vectors
// in tests/vectors/merge.json pin both implementations to the same results.
//
// A version is {clock, dots, fields}; `deleted` is an ordinary field whose
// dot is stored under "deleted".

import { compareDots, covers, mergeClocks } from './clock.js';
import { copyValue, sameValue } from './values.js';

export const DELETED = 'deleted';

export function copyVersion(version) {
  return {
    clock: { ...version.clock },
    dots: Object.fromEntries(Object.entries(version.dots).map(([name, dot]) => [name, [...dot]])),
    fields: copyValue(version.fields),
  };
}

// Merge `remote` into `local` (null for a record this replica lacks).
// Returns {version, changed, conflicts}: `changed` is true when the merged
// version differs from `local`, and `conflicts` lists each write that lost
// to a write whose side had not seen it, ordered by field, then losing dot.
export function merge(local, remote) {
  if (local === null || local === undefined) {
    return { version: copyVersion(remote), changed: true, conflicts: [] };
  }
  const dots = {};
  const fields = {};
  const conflicts = [];
  const names = [...new Set([...Object.keys(local.dots), ...Object.keys(remote.dots)])].sort();
  for (const name of names) {
    const mine = local.dots[name];
    const theirs = remote.dots[name];
    if (theirs === undefined || (mine !== undefined && sameValue(mine, theirs))) {
      dots[name] = mine;
      fields[name] = local.fields[name];
      continue;
    }
    if (mine === undefined) {
      dots[name] = theirs;
      fields[name] = remote.fields[name];
      continue;
    }
    const [winner, loser] = compareDots(theirs, mine) > 0 ? [remote, local] : [local, remote];
    dots[name] = winner.dots[name];
    fields[name] = winner.fields[name];
    if (name === DELETED && winner.fields[name] === true) continue; // judged by deleteConflicts
    if (overwroteUnseen(winner, loser, name)) {
      conflicts.push({
        field: name,
        kept_value: winner.fields[name], kept_dot: winner.dots[name],
        other_value: loser.fields[name], other_dot: loser.dots[name],
      });
    }
  }
  const merged = copyVersion({ clock: mergeClocks(local.clock, remote.clock), dots, fields });
  conflicts.push(...deleteConflicts(local, remote, merged));
  conflicts.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : compareDots(a.other_dot, b.other_dot)));
  const changed = !sameValue(merged.clock, local.clock) || !sameValue(merged.dots, local.dots)
    || !sameValue(merged.fields, local.fields);
  return { version: merged, changed, conflicts: copyValue(conflicts) };
}

// Equal values are no conflict: nothing is lost whichever write is kept.
function overwroteUnseen(winner, loser, name) {
  if (sameValue(winner.fields[name], loser.fields[name])) return false;
  return !covers(winner.clock, loser.dots[name]);
}

// One conflict per edit that was concurrent with a winning delete: the
// delete's side had not seen the edit, and the edit's side lacks the
// delete's dot. Its other value holds every field that write set, so the
// edit stays visible for review although the record is now deleted.
function deleteConflicts(local, remote, merged) {
  if (!merged.fields[DELETED]) return [];
  const deleteDot = merged.dots[DELETED];
  const localHas = sameValue(local.dots[DELETED], deleteDot);
  const remoteHas = sameValue(remote.dots[DELETED], deleteDot);
  if (localHas && remoteHas) return [];
  const [deleter, editor] = localHas ? [local, remote] : [remote, local];

  const edits = new Map();
  for (const [name, dot] of Object.entries(editor.dots)) {
    if (covers(deleter.clock, dot)) continue;
    const key = JSON.stringify(dot);
    if (!edits.has(key)) edits.set(key, { dot, written: {} });
    edits.get(key).written[name] = editor.fields[name];
  }
  return [...edits.values()].map(({ dot, written }) => ({
    field: DELETED, kept_value: true, kept_dot: deleteDot, other_value: written, other_dot: dot,
  }));
}
