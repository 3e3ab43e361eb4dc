// 今日: follow-ups due, customers about to return to the public pool,
// receivables due or overdue, and tickets near or past their reply deadline,
// computed on the device from its own records.

import './project-messages.js';

import { app } from '../context.js';
import { addDays } from '../dates.js';
import { h } from '../dom.js';
import { choiceLabel, fieldLabel, formatLongDate, t } from '../i18n.js';
import { formatFen } from '../money.js';
import { reminderPrompt } from '../notifications.js';
import { lastFollowUps, ownerStamp } from '../pool.js';
import { dueItems } from '../reminders.js';
import { route } from '../router.js';
import { button, emptyState, formatStamp, logsLoadingNotice, pageHeader } from '../ui.js';
import { poolReturnText } from './pool.js';

let scope = 'mine'; // managers may switch to the whole team
let teamOwner = ''; // the team view's owner filter: '' for everyone, 'pool', or a user id

// The 今日 items of the logged-in user (or of everyone, for a manager's team view).
export function todayItems(ownerScope = 'mine') {
  const store = app.store;
  // Before a first pull brings the follow-ups, a customer's last one may be
  // missing, so its pool return would look sooner: no pool warnings then.
  // The reminder check runs this after every store change, so what it reads
  // of 30,000 follow-ups and of every customer's dots is kept by the store
  // until those tables change.
  const lastFollowUpOf = app.sync?.logsIncomplete ? undefined
    : store.memo('today.lastFollowUps', ['follow_ups'], () => lastFollowUps(store.list('follow_ups')));
  const ownerStamps = store.memo('today.ownerStamps', ['customers'],
    () => new Map(store.records('customers').map((record) => [record.id, ownerStamp(record)])));
  return dueItems({
    records: {
      customers: store.list('customers', { includeDeleted: true }), receivables: store.list('receivables'),
      payments: store.list('payments'), tickets: store.list('tickets'), users: store.list('users'),
      projects: store.list('projects'), risks: store.list('risks'),
      last_follow_ups: lastFollowUpOf,
      owner_stamps: ownerStamps,
    },
    settings: app.settings(),
    now: app.now(),
    ownerId: ownerScope === 'team' ? null : app.user?.id ?? null,
  });
}

function dueText(item, today) {
  if (item.kind === 'risk_overdue') return t('today.risk_overdue', { date: item.dueOn, days: item.daysOverdue });
  if (item.kind === 'risk_high') return t('today.risk_high', { exposure: item.exposure });
  if (item.kind === 'pool_warning') return poolReturnText(item.daysLeft, item.due);
  if (item.table === 'tickets') {
    return item.overdue ? t('today.reply_overdue', { time: formatStamp(item.due) })
      : t('today.reply_due', { time: formatStamp(item.due) });
  }
  if (item.due === today) return t('today.due_today');
  if (item.overdue) {
    const days = Math.round((Date.parse(today) - Date.parse(item.due)) / 86400000);
    return t('today.overdue_days', { days, date: item.due });
  }
  if (item.due === addDays(today, 1)) return t('today.due_tomorrow');
  return t('today.due_on', { date: item.due });
}

function itemCard(item, today, showOwner) {
  let title;
  let detail;
  if (item.table === 'customers') {
    const customer = app.store.get('customers', item.customerId);
    title = item.customerName;
    detail = [customer?.company, customer?.phone].filter(Boolean).join(' · ') || t('today.follow_up_detail');
  } else if (item.table === 'receivables') {
    title = item.customerName;
    detail = t('today.receivable_detail', { amount: formatFen(item.outstanding), order: item.orderNo ?? '' });
  } else if (item.table === 'risks') {
    title = item.description;
    detail = [item.projectName, item.customerName, item.category ? choiceLabel(item.category) : null].filter(Boolean).join(' · ');
  } else {
    title = item.subject || choiceLabel(item.ticketKind);
    detail = [item.number, choiceLabel(item.ticketKind), item.customerName].filter(Boolean).join(' · ');
  }
  const action = item.kind === 'follow_up' || item.kind === 'pool_warning'
    ? h('a', { class: 'button button-small button-primary', href: `#/customer/${item.customerId}/follow-up/new`, text: t('customer.add_follow_up') })
    : null;
  return h('li', { class: ['card', 'due-item', item.overdue && 'due-overdue'], dataset: { key: item.key } },
    h('a', { class: 'card-link', href: item.url },
      h('div', { class: 'card-title', text: title }),
      h('div', { class: 'card-detail', text: detail }),
      showOwner || item.kind === 'escalation' ? h('div', { class: 'card-detail', text: t('today.owner', { name: app.userName(item.ownerId) ?? t('customer.pool') }) }) : null,
      h('div', { class: ['due-when', item.overdue && 'text-danger'], text: dueText(item, today) })),
    action);
}

function activeUsers() {
  return app.store.list('users').filter((user) => !user.disabled)
    .sort((a, b) => String(a.name || a.username).localeCompare(String(b.name || b.username), 'zh-CN'));
}

// The owner filter of the team view: the sales reps, then managers and
// admins in a group of their own as in the hand-over, then the public pool.
function teamOwnerFilter(users, page) {
  const option = (value, text) => h('option', { value, text, selected: value === teamOwner });
  const userOption = (user) => option(user.id, user.name || user.username);
  const reps = users.filter((user) => user.role === 'sales');
  const others = users.filter((user) => user.role !== 'sales');
  return h('div', { class: 'field today-owner' },
    h('label', { attrs: { for: 'today-owner' }, text: fieldLabel('customers', 'owner_id') }),
    h('select', { id: 'today-owner', on: { change: (event) => { teamOwner = event.target.value; page.refresh(); } } },
      option('', t('filter.all')),
      reps.length ? h('optgroup', { attrs: { label: t('handover.group_sales') } }, reps.map(userOption)) : null,
      others.length ? h('optgroup', { attrs: { label: t('handover.group_managers') } }, others.map(userOption)) : null,
      option('pool', t('filter.owner_pool'))));
}

function ownedByFilter(item) {
  if (!teamOwner) return true;
  return teamOwner === 'pool' ? !item.ownerId : item.ownerId === teamOwner;
}

// The team view's totals line: how many items are listed and, when
// receivables are among them, the money still to collect and the overdue part.
function teamTotals(items) {
  const receivables = items.filter((item) => item.table === 'receivables');
  const sum = (rows) => rows.reduce((total, item) => total + (item.outstanding ?? 0), 0);
  const parts = [t('today.total_items', { count: items.length })];
  if (receivables.length) {
    parts.push(t('today.total_receivables', {
      count: receivables.length, outstanding: formatFen(sum(receivables)),
      overdue: formatFen(sum(receivables.filter((item) => item.overdue))),
    }));
  }
  return h('p', { class: 'result-count today-totals', text: parts.join(t('today.total_separator')) });
}

function group(title, items, today) {
  if (items.length === 0) return null;
  return h('section', { class: 'section' },
    h('h3', { text: t('common.counted', { title, count: items.length }) }),
    h('ul', { class: 'cards' }, items.map((item) => itemCard(item, today, scope === 'team'))));
}

// How many of the rep's customers left this device because they were given
// to someone else, until the rep dismisses it.
function movedAwayNotice() {
  const movedAway = app.store.getMeta('moved_away');
  if (!movedAway?.count) return null;
  const when = formatStamp(new Date(movedAway.at).toISOString());
  const dismiss = () => app.store.mutate((tx) => tx.setMeta('moved_away', null), { local: true });
  return h('div', { class: 'notice notice-warning moved-away', attrs: { role: 'status' } },
    h('div', { text: t('today.moved_away', { count: movedAway.count, when }) }),
    h('div', { class: 'actions' }, button(t('sync.dismiss'), dismiss)));
}

// Customers shown by name in the moved-in notice; the count covers the rest.
const MOVED_IN_NAMES = 5;

// The customers that became the user's since they last dismissed this
// notice (given by a manager, a hand-over or the user on another device),
// each name a link. Customers that left again or were deleted drop out.
function movedInNotice() {
  const movedIn = app.store.getMeta('moved_in');
  const customers = (movedIn?.ids ?? []).map((id) => app.store.get('customers', id))
    .filter((customer) => customer && customer.owner_id === app.user?.id);
  if (!customers.length) return null;
  const when = formatStamp(new Date(movedIn.at).toISOString());
  const links = customers.slice(0, MOVED_IN_NAMES).flatMap((customer, index) => [
    index ? t('common.list_separator') : null,
    h('a', { href: `#/customer/${customer.id}`, text: customer.name || customer.phone || customer.code })]);
  const rest = customers.length > MOVED_IN_NAMES ? t('today.moved_in_more') : null;
  const dismiss = () => app.store.mutate((tx) => tx.setMeta('moved_in', null), { local: true });
  return h('div', { class: 'notice moved-in', attrs: { role: 'status' } },
    h('div', {}, t('today.moved_in', { count: customers.length, when }), ' ', links, rest),
    h('div', { class: 'actions' }, button(t('sync.dismiss'), dismiss)));
}

function render(params, page) {
  page.rerenderOnChange(app.store);
  const today = app.today();
  // The scope and the filter outlive a logout, so the team view is checked
  // against the role of the user logged in now.
  const team = scope === 'team' && app.seesEverything;
  const users = team ? activeUsers() : [];
  if (team && teamOwner && teamOwner !== 'pool' && !users.some((user) => user.id === teamOwner)) teamOwner = '';
  const items = team ? todayItems('team').filter(ownedByFilter) : todayItems('mine');
  const header = pageHeader(t('today.title'));
  header.append(h('p', { class: 'subtitle', text: formatLongDate(today) }));
  const toggle = app.seesEverything ? h('div', { class: 'segmented', attrs: { role: 'group' } },
    ['mine', 'team'].map((name) => h('button', {
      type: 'button', class: ['segment', scope === name && 'segment-active'], text: t(`today.scope_${name}`),
      attrs: { 'aria-pressed': scope === name ? 'true' : 'false' },
      on: { click: () => { scope = name; page.refresh(); } },
    }))) : null;
  const byKind = (...kinds) => items.filter((item) => kinds.includes(item.kind));
  // Before the first pull brings any records, "nothing due" would be wrong.
  const emptyKey = app.sync?.recordsIncomplete ? 'today.first_pull' : 'today.nothing_due';
  return h('div', { class: 'view view-today' },
    header, toggle, team ? teamOwnerFilter(users, page) : null, team ? teamTotals(items) : null,
    logsLoadingNotice('today.loading_logs'), movedAwayNotice(), movedInNotice(), reminderPrompt(),
    items.length === 0 ? emptyState(t(emptyKey)) : null,
    group(t('today.follow_ups'), byKind('follow_up'), today),
    group(t('today.pool_warnings'), byKind('pool_warning'), today),
    group(t('today.receivables'), byKind('receivable_overdue', 'receivable_due'), today),
    group(t('today.tickets'), byKind('ticket_overdue', 'ticket_due'), today),
    group(t('today.risks'), byKind('risk_overdue', 'risk_high'), today),
    group(t('today.escalations'), byKind('escalation'), today));
}

route('/today', { tab: 'today', keepsScroll: true, render });
