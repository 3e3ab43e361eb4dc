// The public pool (公海) rules on the device, as the server applies them
// (server/pool.py): a customer with no follow-up for pool_days[kind] days
// returns to the pool. The clock starts at the later of the last follow-up
// and the moment the current owner got the customer (the stamp of the
// owner_id field's dot), taken as a date in the organisation's time zone.
// A kind set to 0 days never returns. The server returns customers once a
// day, at the start of their return date.
//
// Pure functions of records and settings, so the customer page, the 今日
// list, the reminders and the tests share them.

import { addDays, todayIn, validTimeZone } from './dates.js';

export const DEFAULT_POOL_DAYS = { 直接: 30, 间接: 60, 潜在: 15 };
export const UNKNOWN_KIND_DAYS = 30;
export const DEFAULT_WARN_DAYS = 3;

// Days without a follow-up before a customer of `kind` returns; 0 means never.
export function poolDays(settings, kind) {
  const configured = settings?.pool_days;
  const days = configured && typeof configured === 'object' && !Array.isArray(configured)
    ? { ...DEFAULT_POOL_DAYS, ...configured } : DEFAULT_POOL_DAYS;
  const value = days[kind];
  return Number.isInteger(value) && value >= 0 ? value : UNKNOWN_KIND_DAYS;
}

export function warnDays(settings) {
  const value = settings?.pool_warn_days;
  return Number.isInteger(value) && value >= 0 ? value : DEFAULT_WARN_DAYS;
}

// The stamp of the write that set the record's owner_id, or null.
export function ownerStamp(record) {
  return record?.dots?.owner_id?.[2] ?? null;
}

// The stamp a customer entered the pool: its owner_id write, else its first write.
export function enteredPoolStamp(record) {
  const owner = ownerStamp(record);
  if (owner) return owner;
  const stamps = Object.values(record?.dots ?? {}).map((dot) => dot[2]).filter(Boolean).sort();
  return stamps[0] ?? null;
}

// customer id → the latest happened_at of its follow-ups (deleted ones left out).
export function lastFollowUps(followUps) {
  const latest = new Map();
  for (const row of followUps) {
    if (row.deleted || !row.customer_id || !row.happened_at) continue;
    const known = latest.get(row.customer_id);
    if (!known || row.happened_at > known) latest.set(row.customer_id, row.happened_at);
  }
  return latest;
}

// When an owned customer returns to the pool: {lastActivity, returnsOn}
// (dates), or null for a pool customer, a kind that never returns, or a
// customer with neither an owner stamp nor a follow-up.
export function poolReturn(customer, { ownedSince = null, lastFollowUp = null }, settings) {
  if (!customer?.owner_id || customer.deleted) return null;
  const days = poolDays(settings, customer.kind);
  if (days === 0) return null;
  const stamps = [ownedSince, lastFollowUp].filter(Boolean).sort();
  if (!stamps.length) return null;
  const timeZone = validTimeZone(settings?.time_zone);
  const lastActivity = todayIn(timeZone, Date.parse(stamps[stamps.length - 1]));
  return { lastActivity, returnsOn: addDays(lastActivity, days) };
}

// The pool return of one customer read from the store, with the days left
// until it (negative when the date has passed and the server has not yet
// returned it), or null.
export function customerPoolReturn(store, customerId, settings, today) {
  const customer = store.get('customers', customerId);
  if (!customer) return null;
  const followUps = store.listBy('follow_ups', 'customer_id', customerId);
  const found = poolReturn(customer, {
    ownedSince: ownerStamp(store.record('customers', customerId)),
    lastFollowUp: lastFollowUps(followUps).get(customerId) ?? null,
  }, settings);
  if (!found) return null;
  const daysLeft = Math.round((Date.parse(`${found.returnsOn}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86400000);
  return { ...found, daysLeft, warned: daysLeft <= warnDays(settings) && warnDays(settings) > 0 };
}

// Whole days a pool customer has been in the pool at instant `now` (ms).
export function daysInPool(record, now, timeZone) {
  const stamp = enteredPoolStamp(record);
  if (!stamp) return null;
  const entered = todayIn(timeZone, Date.parse(stamp));
  const today = todayIn(timeZone, now);
  return Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${entered}T00:00:00Z`)) / 86400000);
}
