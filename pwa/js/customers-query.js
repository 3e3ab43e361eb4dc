// Searching and filtering the customer list: a pure function, so the list
// view and the tests share it.

import { addDays } from './dates.js';

// Digits only, so "138 0013 8000" and "138-0013-8000" both match "8000".
function digits(text) {
  return String(text ?? '').replace(/\D/g, '');
}

// A test of one customer's own fields against the search text. The query's
// forms are worked out once here, not once per customer, because the list
// runs it over every customer on each keystroke.
function ownFieldsMatcher(query) {
  const needle = query.toLowerCase();
  const queryDigits = digits(query);
  const byPhone = queryDigits.length >= 3 && queryDigits === query.replace(/[\s-]/g, '');
  return (customer) => {
    const haystack = [customer.name, customer.company, customer.address, customer.code, customer.legacy_code,
      customer.phone, customer.email, customer.title];
    if (haystack.some((value) => value && String(value).toLowerCase().includes(needle))) return true;
    return byPhone && digits(customer.phone).includes(queryDigits);
  };
}

// The same test, then, with a text index (customer-text-index.js), the
// texts of the customer's follow-ups, receivables and tickets.
function textMatcher(query, textIndex) {
  const ownFields = ownFieldsMatcher(query);
  const needle = query.toLowerCase();
  if (!textIndex) return ownFields;
  return (customer) => ownFields(customer) || textIndex.textOf(customer.id).includes(needle);
}

// Whether the search text matches the customer's own fields, so a list can
// tell which customers it found through their records' texts.
export function matchesOwnFields(customer, text) {
  return ownFieldsMatcher(text.trim())(customer);
}

// One collator for every sort: localeCompare(…, 'zh-CN') looks one up on
// each call, which doubled the time to sort 10,000 names (38 ms against
// 18 ms in Chromium 156).
export const byName = new Intl.Collator('zh-CN').compare;

const INTEREST_BANDS = {
  high: (value) => value >= 8,
  medium: (value) => value >= 4 && value <= 7,
  low: (value) => value >= 1 && value <= 3,
  none: (value) => value === null || value === undefined,
};

function nextMatches(date, filter, today) {
  switch (filter) {
    case 'due': return Boolean(date) && date <= today;
    case 'today': return date === today;
    case 'week': return Boolean(date) && date >= today && date <= addDays(today, 7);
    case 'none': return !date;
    default: return true;
  }
}

// The orders of the list besides the default (earliest next follow-up first):
// by last contact, the longest ago or the latest first, by 意向度 and by name.
export const SORTS = ['contact_oldest', 'contact_latest', 'interest', 'name'];
// The sorts that need each customer's last follow-up (`lastContact` below).
export const CONTACT_SORTS = new Set(['contact_oldest', 'contact_latest']);

// Return a Map of customer id to the happened_at of their latest follow-up.
export function latestFollowUps(followUps) {
  const latest = new Map();
  for (const followUp of followUps) {
    const at = followUp.happened_at;
    if (at && !(latest.get(followUp.customer_id) >= at)) latest.set(followUp.customer_id, at);
  }
  return latest;
}

function byNext(a, b) {
  const left = a.next_follow_up ?? '9999-99-99';
  const right = b.next_follow_up ?? '9999-99-99';
  if (left !== right) return left < right ? -1 : 1;
  return byName(String(a.name ?? ''), String(b.name ?? ''));
}

// Return the comparator of `sort`. Customers never followed up come first
// when the longest ago leads, since they have waited longest of all, and last
// otherwise. Customers whose last contact is unknown (`contactUnknown`) come
// after all others in both orders. Customers without 意向度 come after those
// with one.
function comparator(sort, lastContact, contactUnknown) {
  switch (sort) {
    case 'contact_oldest':
    case 'contact_latest': {
      const sign = sort === 'contact_oldest' ? 1 : -1;
      return (a, b) => {
        const unknownA = Boolean(contactUnknown?.(a));
        const unknownB = Boolean(contactUnknown?.(b));
        if (unknownA !== unknownB) return unknownA ? 1 : -1;
        const left = unknownA ? '' : lastContact.get(a.id) ?? '';
        const right = unknownB ? '' : lastContact.get(b.id) ?? '';
        if (left !== right) return left < right ? -sign : sign;
        return byName(String(a.name ?? ''), String(b.name ?? ''));
      };
    }
    case 'interest':
      return (a, b) => ((b.interest ?? 0) - (a.interest ?? 0)) || byNext(a, b);
    case 'name':
      return (a, b) => byName(String(a.name ?? ''), String(b.name ?? ''));
    default:
      return byNext;
  }
}

// The customers matching `filters`, in the order of `filters.sort`: by
// default those with the earliest next follow-up first, then those without
// one, each by name.
//   filters: {text, kind, interest (high|medium|low|none), owner ('mine',
//             'pool' or a user id), stage, next (due|today|week|none), sort (SORTS)}
//   context: {today: YYYY-MM-DD, userId, textIndex?, lastContact?, contactUnknown?}, where
//            textIndex has textOf(customerId) → lower-cased text, as
//            CustomerTextIndex does. Without it the text matches the
//            customers' own fields only. lastContact, from latestFollowUps,
//            is needed by CONTACT_SORTS. contactUnknown(customer) is true
//            where this device lacks the customer's follow-ups.
export function filterCustomers(customers, filters, { today, userId, textIndex = null, lastContact = null, contactUnknown = null }) {
  const text = (filters.text ?? '').trim();
  const textMatches = text ? textMatcher(text, textIndex) : null;
  const result = customers.filter((customer) => {
    if (textMatches && !textMatches(customer)) return false;
    if (filters.kind && customer.kind !== filters.kind) return false;
    if (filters.stage && customer.stage !== filters.stage) return false;
    if (filters.interest && !INTEREST_BANDS[filters.interest]?.(customer.interest)) return false;
    if (filters.owner === 'mine' && customer.owner_id !== userId) return false;
    if (filters.owner === 'pool' && customer.owner_id) return false;
    if (filters.owner && !['mine', 'pool'].includes(filters.owner) && customer.owner_id !== filters.owner) return false;
    return nextMatches(customer.next_follow_up, filters.next, today);
  });
  const sort = CONTACT_SORTS.has(filters.sort) && !lastContact ? null : filters.sort;
  return result.sort(comparator(sort, lastContact, contactUnknown));
}

// How many filters besides the text are set.
export function activeFilterCount(filters) {
  return ['kind', 'interest', 'owner', 'stage', 'next'].filter((name) => filters[name]).length;
}
