// The writing rule, the same as sync/write.py: how this device stamps its
// own edit of a record.

import { copyVersion } from './merge.js';
import { sortedObject } from './clock.js';
import { sameValue } from './values.js';

// Format milliseconds since the epoch as YYYY-MM-DDTHH:MM:SS.sssZ (UTC).
export function formatStamp(ms) {
  return new Date(ms).toISOString();
}

const STAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// Parse a stamp made by formatStamp into milliseconds; throws on anything else.
export function parseStamp(stamp) {
  const ms = STAMP_RE.test(stamp) ? Date.parse(stamp) : NaN;
  if (Number.isNaN(ms)) {
    throw new RangeError(`not a UTC timestamp of the form YYYY-MM-DDTHH:MM:SS.sssZ: ${stamp}`);
  }
  return ms;
}

// The latest edited_at among the dots of a version, or null.
export function latestStamp(version, except = () => false) {
  let latest = null;
  for (const [name, dot] of Object.entries(version?.dots ?? {})) {
    if (!except(name, dot) && (latest === null || dot[2] > latest)) latest = dot[2];
  }
  return latest;
}

// The edited_at for a new write to `version` at `nowMs`: now, or 1 ms after
// the latest dot of the record when that is later, so a write always wins
// over every write its author had seen, whatever the device clocks say.
export function nextStamp(version, nowMs) {
  const stamp = formatStamp(nowMs);
  const latest = latestStamp(version);
  if (latest !== null && latest >= stamp) return formatStamp(parseStamp(latest) + 1);
  return stamp;
}

// Return a copy of `version` (null for a new record) with `changes` written
// by `device` at `nowMs`. The device's clock entry goes up by one and every
// changed field gets the dot of this write. Unchanged values keep their dot
// unless `every` is set, and when nothing changes the copy is returned as it was.
export function write(version, device, changes, nowMs, { every = false } = {}) {
  const result = version ? copyVersion(version) : { clock: {}, dots: {}, fields: {} };
  const changed = Object.entries(changes).filter(
    ([name, value]) => every || !(name in result.dots) || !sameValue(result.fields[name], value));
  if (changed.length === 0) return result;
  const counter = (result.clock[device] ?? 0) + 1;
  const stamp = nextStamp(version, nowMs);
  result.clock[device] = counter;
  result.clock = sortedObject(result.clock);
  for (const [name, value] of changed) {
    result.fields[name] = structuredClone(value);
    result.dots[name] = [device, counter, stamp];
  }
  return result;
}
