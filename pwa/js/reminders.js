// The items due today, computed on the device from its own records, so the
// 今日 list shows offline and where push notifications never arrive.
//
// dueItems is a pure function of records, settings and the time, so the 今日
// view, the tests and local notifications can share it. Each item has a `key`
// that names the item and the occasion (a new due date or a receivable
// turning overdue gives a new key), so a notification can be sent once per key.

import { addDays, todayIn, validTimeZone } from './dates.js';
import { receivableStatus } from './payments.js';

export const DEFAULT_WINDOWS = {
  // Remind of a receivable this many days before its due date.
  reminder_receivable_days: 3,
  // Remind of an unanswered ticket this many hours before its reply deadline.
  reminder_ticket_hours: 4,
};

const OPEN_TICKET_STATUSES = new Set(['待处理', '处理中']);

function windowSetting(settings, key) {
  const value = settings?.[key];
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_WINDOWS[key];
}

function live(rows) {
  return (rows ?? []).filter((row) => !row.deleted);
}

// Return the due items, most urgent first.
//   records: {customers, receivables, payments, tickets}: arrays of {id, ...fields}
//   settings: {key: value} of the settings table (time_zone, reminder windows)
//   now: milliseconds since the epoch
//   ownerId: only items of this user's customers and tickets; null for everyone's
export function dueItems({ records, settings = {}, now, ownerId = null }) {
  const timeZone = validTimeZone(settings.time_zone);
  const today = todayIn(timeZone, now);
  const customers = new Map(live(records.customers).map((c) => [c.id, c]));
  const mine = (owner) => ownerId === null || owner === ownerId;
  const items = [];

  for (const customer of customers.values()) {
    const date = customer.next_follow_up;
    if (!date || date > today || !mine(customer.owner_id)) continue;
    items.push({
      key: `follow_up:${customer.id}:${date}`, kind: 'follow_up', table: 'customers', id: customer.id,
      customerId: customer.id, customerName: customer.name, ownerId: customer.owner_id ?? null,
      due: date, overdue: date < today, url: `#/customer/${customer.id}`,
    });
  }

  const paymentsByReceivable = new Map();
  for (const payment of live(records.payments)) {
    if (!paymentsByReceivable.has(payment.receivable_id)) paymentsByReceivable.set(payment.receivable_id, []);
    paymentsByReceivable.get(payment.receivable_id).push(payment);
  }
  const horizon = addDays(today, windowSetting(settings, 'reminder_receivable_days'));
  for (const receivable of live(records.receivables)) {
    const customer = customers.get(receivable.customer_id);
    if (!customer || !receivable.due_date || receivable.due_date > horizon || !mine(customer.owner_id)) continue;
    const status = receivableStatus(receivable, paymentsByReceivable.get(receivable.id) ?? [], today);
    if (status.outstanding <= 0) continue;
    const overdue = status.status === 'overdue';
    items.push({
      key: `receivable:${receivable.id}:${receivable.due_date}:${overdue ? 'overdue' : 'due'}`,
      kind: 'receivable', table: 'receivables', id: receivable.id,
      customerId: customer.id, customerName: customer.name, ownerId: customer.owner_id ?? null,
      orderNo: receivable.order_no ?? null, outstanding: status.outstanding, status: status.status,
      due: receivable.due_date, overdue, url: `#/customer/${customer.id}`,
    });
  }

  const ticketHorizon = new Date(now + windowSetting(settings, 'reminder_ticket_hours') * 3600000).toISOString();
  const nowStamp = new Date(now).toISOString();
  for (const ticket of live(records.tickets)) {
    if (!OPEN_TICKET_STATUSES.has(ticket.status ?? '待处理') || ticket.first_reply_at) continue;
    if (!ticket.reply_due_at || ticket.reply_due_at > ticketHorizon) continue;
    const customer = ticket.customer_id ? customers.get(ticket.customer_id) : null;
    if (ticket.customer_id && !customer) continue;
    const owner = customer ? customer.owner_id : ticket.owner_id;
    if (!mine(owner)) continue;
    const overdue = ticket.reply_due_at < nowStamp;
    items.push({
      key: `ticket:${ticket.id}:${ticket.reply_due_at}:${overdue ? 'overdue' : 'due'}`,
      kind: 'ticket', table: 'tickets', id: ticket.id,
      customerId: customer?.id ?? null, customerName: customer?.name ?? null, ownerId: owner ?? null,
      number: ticket.number ?? null, subject: ticket.subject ?? null, ticketKind: ticket.kind,
      due: ticket.reply_due_at, overdue, url: `#/ticket/${ticket.id}`,
    });
  }

  return items.sort(byUrgency);
}

const KIND_RANK = { follow_up: 0, receivable: 1, ticket: 2 };

// Overdue items first, then by due date or time, then by kind; the key makes the order total.
function byUrgency(a, b) {
  if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
  if (a.due !== b.due) return a.due < b.due ? -1 : 1;
  if (a.kind !== b.kind) return KIND_RANK[a.kind] - KIND_RANK[b.kind];
  return a.key < b.key ? -1 : 1;
}
