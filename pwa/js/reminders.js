// The items due today, computed on the device from its own records, so the
// 今日 list shows offline and where push notifications never arrive.
//
// The rules, kinds and keys are the server's (server/reminders/items.py),
// so an item the server pushes and the same item found here share a key:
//   follow_up           the customer's next_follow_up is today or earlier,
//                       and no follow-up was logged on or after that date
//                       (customers in stage 已流失 excepted);
//   escalation          the same, overdue by more than escalation_days, for
//                       the owner's manager;
//   receivable_due      not fully paid, due within reminder_receivable_days;
//   receivable_overdue  not fully paid, today is after the due date;
//   ticket_due          no first reply, status 待处理 or 处理中, reply
//                       deadline within reminder_ticket_hours;
//   ticket_overdue      the same, deadline passed;
//   risk_overdue        a project risk not 已关闭, past its due_on, on a
//                       project not 已完成 or 已取消;
//   risk_high           the same risk not overdue but with an exposure
//                       (probability × impact) of HIGH_EXPOSURE or more;
//   pool_warning        the customer returns to the public pool within
//                       pool_warn_days days (pool.js has the rule; 0 days
//                       turns it off). Only when records carry follow_ups
//                       and owner_stamps.
// Pool customers (no owner), deleted rows and disabled users get none; a
// manager's team view lists their items all the same.
//
// dueItems is a pure function of records, settings and the time, so the 今日
// view, the tests and local notifications can share it.

import { addDays, todayIn, validTimeZone, zonedParts } from './dates.js';
import { receivableStatus } from './payments.js';
import { lastFollowUps, poolReturn, warnDays } from './pool.js';
import { ENDED_PROJECT_STATUSES, HIGH_EXPOSURE, riskDaysOverdue, riskExposure, riskOpen } from './projects.js';

// The reminder windows' defaults and allowed ranges, as the server's
// settings registry has them. Like the server, a value out of range counts
// as unset, so both compute the same items from the same settings rows.
export const WINDOWS = {
  reminder_receivable_days: { default: 3, min: 0, max: 60 },
  reminder_ticket_hours: { default: 4, min: 1, max: 168 },
  escalation_days: { default: 3, min: 1, max: 365 },
};

// Most urgent first, as the server orders one recipient's items.
export const KIND_ORDER = ['ticket_overdue', 'ticket_due', 'receivable_overdue', 'risk_overdue', 'follow_up', 'pool_warning',
  'escalation', 'receivable_due', 'risk_high'];

const OPEN_TICKET_STATUSES = new Set(['待处理', '处理中']);
const DAY_MS = 86400000;

function windowSetting(settings, key) {
  const value = settings?.[key];
  const { min, max } = WINDOWS[key];
  return Number.isInteger(value) && value >= min && value <= max ? value : WINDOWS[key].default;
}

function live(rows) {
  return (rows ?? []).filter((row) => !row.deleted);
}

function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

// Return the due items for one person, most urgent first.
//   records: {customers, receivables, payments, tickets, users, projects, risks}: arrays of
//            {id, ...fields}; customers may include deleted ones (deleted: true),
//            because a ticket keeps its deleted customer's owner. Without
//            users, no owner is treated as disabled and no escalation is made.
//            With follow_ups (an array) and owner_stamps (a Map of customer
//            id → the stamp of its owner_id write), pool warnings are made.
//            last_follow_ups, a Map of customer id → the latest happened_at
//            as pool.js lastFollowUps returns it, may stand in for follow_ups.
//   settings: {key: value} of the settings table (time_zone and the windows)
//   now: milliseconds since the epoch
//   ownerId: the person whose items to return, or null for every owner's
//            (a manager's team view; escalations are then left out). The
//            team view also lists the public pool's items and those of
//            disabled users, as Datasette's reports do, because no other rep
//            follows them up.
// A customer followed up on or after its next_follow_up date (a follow-up
// logged without moving the date on, as imported ledgers have) is not due.
export function dueItems({ records, settings = {}, now, ownerId = null }) {
  const timeZone = validTimeZone(settings.time_zone);
  const today = todayIn(timeZone, now);
  const users = records.users ? new Map(records.users.map((user) => [user.id, user])) : null;
  const active = (userId) => Boolean(userId) && (!users || (users.has(userId) && !users.get(userId).disabled));
  const forOwner = (owner) => active(owner) && (ownerId === null || owner === ownerId);
  const listed = (owner) => ownerId === null || (owner === ownerId && active(owner));
  const allCustomers = new Map((records.customers ?? []).map((customer) => [customer.id, customer]));
  // Null while the follow-ups are unknown, which leaves out pool warnings.
  const knownFollowUps = records.last_follow_ups ?? (records.follow_ups ? lastFollowUps(records.follow_ups) : null);
  const latestFollowUps = knownFollowUps ?? new Map();
  const followedUpSince = (customerId, date) => {
    const latest = latestFollowUps.get(customerId);
    return Boolean(latest) && zonedParts(Date.parse(latest), timeZone).date >= date;
  };
  const items = [];

  const escalationDays = windowSetting(settings, 'escalation_days');
  for (const customer of live(records.customers)) {
    const date = customer.next_follow_up;
    const owner = customer.owner_id;
    if (!date || date > today || customer.stage === '已流失' || (ownerId !== null && !active(owner))) continue;
    if (followedUpSince(customer.id, date)) continue;
    const daysOverdue = daysBetween(date, today);
    const base = {
      table: 'customers', id: customer.id, customerId: customer.id, customerName: customer.name,
      company: customer.company ?? null, phone: customer.phone ?? null,
      ownerId: owner, due: date, daysOverdue, overdue: date < today, url: `/#/customer/${customer.id}`,
    };
    if (listed(owner)) items.push({ ...base, key: `follow_up:${customer.id}:${date}`, kind: 'follow_up' });
    // Reps may still name a manager since demoted to sales, who gets no escalations.
    const manager = users?.get(owner)?.manager_id;
    const leads = ['manager', 'admin'].includes(users?.get(manager)?.role);
    if (ownerId !== null && manager === ownerId && manager !== owner && active(manager) && leads
        && daysOverdue > escalationDays) {
      items.push({ ...base, key: `escalation:${customer.id}:${date}`, kind: 'escalation' });
    }
  }

  const paymentsByReceivable = new Map();
  for (const payment of live(records.payments)) {
    if (!paymentsByReceivable.has(payment.receivable_id)) paymentsByReceivable.set(payment.receivable_id, []);
    paymentsByReceivable.get(payment.receivable_id).push(payment);
  }
  const horizon = addDays(today, windowSetting(settings, 'reminder_receivable_days'));
  for (const receivable of live(records.receivables)) {
    const customer = allCustomers.get(receivable.customer_id);
    if (!customer || customer.deleted || !receivable.due_date || receivable.due_date > horizon) continue;
    if (!listed(customer.owner_id)) continue;
    const status = receivableStatus(receivable, paymentsByReceivable.get(receivable.id) ?? [], today);
    if (status.paid >= (receivable.amount_fen ?? 0)) continue;
    // Overdue starts the day after the due date.
    const overdue = receivable.due_date < today;
    const kind = overdue ? 'receivable_overdue' : 'receivable_due';
    items.push({
      key: `${kind}:${receivable.id}:${receivable.due_date}`, kind, table: 'receivables', id: receivable.id,
      customerId: customer.id, customerName: customer.name, company: customer.company ?? null, ownerId: customer.owner_id,
      orderNo: receivable.order_no ?? null, amount: receivable.amount_fen ?? 0, paid: status.paid,
      outstanding: status.outstanding, due: receivable.due_date, daysLeft: daysBetween(today, receivable.due_date), overdue,
      url: `/#/customer/${customer.id}`,
    });
  }

  const ticketHorizon = new Date(now + windowSetting(settings, 'reminder_ticket_hours') * 3600000).toISOString();
  const nowStamp = new Date(now).toISOString();
  for (const ticket of live(records.tickets)) {
    if (!OPEN_TICKET_STATUSES.has(ticket.status ?? '待处理') || ticket.first_reply_at) continue;
    if (!ticket.reply_due_at || ticket.reply_due_at > ticketHorizon) continue;
    // A ticket belongs to its customer's owner, or to its own owner when it has no customer.
    const customer = ticket.customer_id ? allCustomers.get(ticket.customer_id) : null;
    const owner = ticket.customer_id ? customer?.owner_id : ticket.owner_id;
    if (!listed(owner)) continue;
    const overdue = ticket.reply_due_at <= nowStamp;
    const kind = overdue ? 'ticket_overdue' : 'ticket_due';
    items.push({
      key: `${kind}:${ticket.id}:${ticket.reply_due_at}`, kind, table: 'tickets', id: ticket.id,
      customerId: customer && !customer.deleted ? customer.id : null,
      customerName: customer && !customer.deleted ? customer.name : ticket.complainant ?? null, ownerId: owner,
      number: ticket.number ?? null, subject: ticket.subject ?? null, content: ticket.content ?? null, ticketKind: ticket.kind,
      due: ticket.reply_due_at, overdue, url: `/#/ticket/${ticket.id}`,
    });
  }

  items.push(...riskItems(records, allCustomers, listed, today));
  items.push(...poolWarnings(records, settings, today, forOwner, knownFollowUps));
  return items.sort(byUrgency);
}

// The risk items: a risk belongs to its project's customer's owner, who sees it.
function riskItems(records, allCustomers, listed, today) {
  const projects = new Map(live(records.projects).map((project) => [project.id, project]));
  const items = [];
  for (const risk of live(records.risks)) {
    const project = projects.get(risk.project_id);
    if (!riskOpen(risk) || !project || ENDED_PROJECT_STATUSES.has(project.status)) continue;
    const customer = allCustomers.get(project.customer_id);
    if (!customer || customer.deleted || !listed(customer.owner_id)) continue;
    const exposure = riskExposure(risk);
    const daysOverdue = riskDaysOverdue(risk, today);
    if (daysOverdue === 0 && (exposure ?? 0) < HIGH_EXPOSURE) continue;
    const kind = daysOverdue > 0 ? 'risk_overdue' : 'risk_high';
    items.push({
      key: kind === 'risk_overdue' ? `risk_overdue:${risk.id}:${risk.due_on}` : `risk_high:${risk.id}:${exposure}`,
      kind, table: 'risks', id: risk.id, customerId: customer.id, customerName: customer.name,
      company: customer.company ?? null, ownerId: customer.owner_id, projectId: project.id, projectName: project.name, description: risk.description,
      category: risk.category ?? null, exposure, daysOverdue, dueOn: risk.due_on ?? null,
      // A high risk without a due date is due now.
      due: risk.due_on ?? today, overdue: daysOverdue > 0, url: `/#/project/${project.id}`,
    });
  }
  return items;
}

// `latest` maps each customer id to its latest follow-up's stamp, or is null.
function poolWarnings(records, settings, today, forOwner, latest) {
  const days = warnDays(settings);
  if (!latest || !records.owner_stamps || days === 0) return [];
  const horizon = addDays(today, days);
  const items = [];
  for (const customer of live(records.customers)) {
    if (!forOwner(customer.owner_id)) continue;
    const found = poolReturn(customer, {
      ownedSince: records.owner_stamps.get(customer.id) ?? null, lastFollowUp: latest.get(customer.id) ?? null,
    }, settings);
    if (!found || found.returnsOn > horizon) continue;
    items.push({
      key: `pool_warning:${customer.id}:${found.returnsOn}`, kind: 'pool_warning', table: 'customers', id: customer.id,
      customerId: customer.id, customerName: customer.name, company: customer.company ?? null,
      ownerId: customer.owner_id, due: found.returnsOn,
      lastActivity: found.lastActivity, daysLeft: daysBetween(today, found.returnsOn), overdue: false,
      url: `/#/customer/${customer.id}`,
    });
  }
  return items;
}

function byUrgency(a, b) {
  if (a.kind !== b.kind) return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);
  if (a.due !== b.due) return a.due < b.due ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
