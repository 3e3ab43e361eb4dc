// Vector clocks and dots, as sync/clock.py defines them.
//
// A vector clock maps a device id to the highest counter of that device's
// writes to one record. A dot [device, counter, edited_at] names the write
// that set one field; edited_at is UTC in the fixed-width form
// YYYY-MM-DDTHH:MM:SS.sssZ, so stamps compare correctly as strings.

function compareText(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Order two dots by (edited_at, device, counter): the write made last wins,
// and the device id, then the counter, break ties in the same millisecond.
export function compareDots(a, b) {
  return compareText(a[2], b[2]) || compareText(a[0], b[0]) || (a[1] - b[1]);
}

export function isLater(a, b) {
  return compareDots(a, b) > 0;
}

// True when `clock` has seen the write named by `dot`.
export function covers(clock, dot) {
  return (clock[dot[0]] ?? 0) >= dot[1];
}

// The pointwise maximum of two clocks, with keys sorted.
export function mergeClocks(a, b) {
  const merged = { ...a };
  for (const [device, counter] of Object.entries(b)) {
    if (counter > (merged[device] ?? 0)) merged[device] = counter;
  }
  return sortedObject(merged);
}

export function sortedObject(object) {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => compareText(a, b)));
}
