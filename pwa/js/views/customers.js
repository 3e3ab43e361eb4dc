// 客户: the customer list with search and filters.

import { app } from '../context.js';
import { CustomerTextIndex } from '../customer-text-index.js';
import { activeFilterCount, CONTACT_SORTS, filterCustomers, latestFollowUps, matchesOwnFields, SORTS } from '../customers-query.js';
import { zonedParts } from '../dates.js';
import { h, replace } from '../dom.js';
import { undoWrites } from '../deletion.js';
import { saveRecords } from '../edits.js';
import { choiceLabel, fieldLabel, t } from '../i18n.js';
import { canChangeOwner } from '../permissions.js';
import { route } from '../router.js';
import { CUSTOMER_KINDS, CUSTOMER_STAGES } from '../schema.js';
import { button, chip, emptyState, formatStamp, linkButton, logsLoadingNotice, pageHeader, toast } from '../ui.js';
import { ownerOptions as assignableOwners } from './customer-form.js';

const PAGE_SIZE = 100;
const FILTERS_KEY = 'genzong.customerFilters';

// The search and filters survive going to a customer and back, for the
// user who set them: the next person to log in on the phone starts afresh.
function loadFilters(userId) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(FILTERS_KEY));
    return saved?.userId === userId ? saved.filters ?? {} : {};
  } catch {
    return {};
  }
}

function saveFilters(filters, userId) {
  try {
    sessionStorage.setItem(FILTERS_KEY, JSON.stringify({ userId, filters }));
  } catch {
    // sessionStorage may be missing in some in-app browsers; the filters then last until reload.
  }
}

let filters = null;
let filtersUserId = null;
// How many cards 显示更多 has shown with these filters, so coming back from
// a customer far down the list finds its card again.
let shownCount = PAGE_SIZE;
let textIndex = null;

// The texts of the follow-ups, receivables and tickets on this device, for
// the search. The index reads them when the search box first gets focus (or
// at the first search) and then follows the store's changes while the page
// is loaded.
function customerTextIndex() {
  if (textIndex?.store !== app.store) textIndex = new CustomerTextIndex(app.store);
  return textIndex;
}

// Each customer's latest follow-up, for the sorts by last contact. Every
// keystroke and every tick of 批量分配 redraws the list, and reading 30,000
// follow-ups each time slowed that on a phone, so the store keeps the map
// until the follow-ups change.
function lastContactByCustomer() {
  return app.store.memo('customers.lastContact', ['follow_ups'], () => latestFollowUps(app.store.list('follow_ups')));
}

// A rep's phone receives a pool customer's follow-ups only with a claim,
// so it cannot tell when a pool customer was last contacted.
function contactUnknown(customer) {
  return !app.seesEverything && !customer.owner_id;
}

function ownerOptions() {
  const base = [['', t('filter.all')], ['mine', t('filter.owner_mine')], ['pool', t('filter.owner_pool')]];
  if (!app.seesEverything) return base;
  const users = app.store.list('users')
    .filter((user) => !user.disabled && user.id !== app.user?.id)
    .sort((a, b) => String(a.name ?? a.username).localeCompare(String(b.name ?? b.username), 'zh-CN'))
    .map((user) => [user.id, user.name || user.username]);
  return [...base, ...users];
}

function filterSelect(name, label, choices, onChange) {
  const id = `filter-${name}`;
  return h('div', { class: 'field' },
    h('label', { attrs: { for: id }, text: label }),
    h('select', { id, name, on: { change: (event) => onChange(name, event.target.value) } },
      choices.map(([value, text]) => h('option', { value, text, selected: (filters[name] ?? '') === value }))));
}

// The customer's code, when the search text is part of it: the card shows no
// code otherwise, and a match by code (0013 in KH000130) would look unexplained.
function matchedCode(customer, text) {
  const needle = text?.trim().toLowerCase();
  if (!needle) return null;
  return [customer.code, customer.legacy_code].find((code) => code && code.toLowerCase().includes(needle)) ?? null;
}

// Characters of a matched record's text shown before and after the match.
const EXCERPT_BEFORE = 12;
const EXCERPT_AFTER = 24;

// The line that shows why a customer found through a record's text is in the
// list: the record's kind, then the text around the match, the match marked.
function recordMatchLine(customer, text) {
  if (!text?.trim() || matchesOwnFields(customer, text)) return null;
  const found = customerTextIndex().findMatch(customer.id, text);
  if (!found) return null;
  const end = found.start + text.trim().length;
  const from = Math.max(0, found.start - EXCERPT_BEFORE);
  const to = Math.min(found.text.length, end + EXCERPT_AFTER);
  const label = found.table === 'follow_ups' && found.date
    ? t('customers.match_follow_up_on', { date: formatStamp(found.date) })
    : t(`customers.match_${found.table}`);
  return h('div', { class: 'card-match' },
    h('span', { class: 'card-match-kind', text: label }), ' ',
    (from > 0 ? '…' : '') + found.text.slice(from, found.start),
    h('mark', { text: found.text.slice(found.start, end) }),
    found.text.slice(end, to) + (to < found.text.length ? '…' : ''));
}

// "上次跟进 12 天前" for a follow-up's happened_at, or 从未跟进 without one.
function lastContactText(at, today) {
  if (!at) return t('customers.never_contacted');
  const days = Math.round((Date.parse(today) - Date.parse(zonedParts(Date.parse(at), app.timeZone()).date)) / 86_400_000);
  return days > 0 ? t('customers.last_contact_days', { days }) : t('customers.last_contact_today');
}

// A customer's card: a link to the customer, or, while a manager picks
// customers for 批量分配 (`picked` is then a Set of ids), a checkbox.
// `lastContact`, when given, adds the time since the latest follow-up.
function customerItem(customer, today, text, { picked = null, onPick = null, lastContact = null } = {}) {
  const due = customer.next_follow_up && customer.next_follow_up <= today;
  const code = matchedCode(customer, text);
  let owner = null; // a rep's own customers need no owner name
  if (!customer.owner_id) owner = t('customer.pool');
  else if (app.seesEverything) owner = app.userName(customer.owner_id);
  const pending = app.store.outbox.has(`customers/${customer.id}`);
  const content = [
    h('div', { class: 'card-row' },
      h('span', { class: 'card-title', text: customer.name }),
      customer.stage ? chip(choiceLabel(customer.stage), 'stage') : null),
    h('div', { class: 'card-detail', text: [customer.company, customer.title].filter(Boolean).join(' · ') }),
    recordMatchLine(customer, text),
    h('div', { class: 'card-meta' },
      code ? h('span', { class: 'code', text: code }) : null,
      customer.phone ? h('span', { text: customer.phone }) : null,
      customer.next_follow_up ? h('span', { class: due ? 'text-danger' : '', text: t('customer.next_short', { date: customer.next_follow_up }) }) : null,
      owner ? h('span', { text: owner }) : null,
      lastContact ? h('span', { class: 'last-contact', text: contactUnknown(customer)
        ? t('customers.contact_unknown') : lastContactText(lastContact.get(customer.id), today) }) : null,
      pending ? h('span', { class: 'text-muted', text: t('common.pending_sync') }) : null)];
  if (!picked) return h('li', { class: 'card' }, h('a', { class: 'card-link', href: `#/customer/${customer.id}` }, content));
  const checked = picked.has(customer.id);
  return h('li', { class: ['card', 'card-pickable', checked && 'card-picked'] },
    h('label', { class: 'card-link card-pick' },
      h('input', { type: 'checkbox', class: 'card-check', checked, on: { change: (event) => onPick(customer.id, event.target.checked) } }),
      h('div', { class: 'card-pick-content' }, content)));
}

// Give the customers `ids` the owner `ownerId` (null puts them in the pool) in
// one action, after asking. The toast's 撤销 gives each its previous owner back.
// Resolves to whether anything was saved.
async function assignOwner(ids, ownerId) {
  const customers = ids.map((id) => app.store.get('customers', id))
    .filter((customer) => customer && (customer.owner_id ?? null) !== ownerId);
  const owner = ownerId ? app.userName(ownerId) : null;
  if (!customers.length) {
    toast(ownerId ? t('customers.bulk_already', { owner }) : t('customers.bulk_already_pool'));
    return false;
  }
  const count = customers.length;
  const question = ownerId ? t('customers.bulk_confirm', { count, owner }) : t('customers.bulk_pool_confirm', { count });
  if (!window.confirm(question)) return false;
  const previous = customers.map((customer) => ({ table: 'customers', id: customer.id, changes: { owner_id: customer.owner_id ?? null } }));
  await saveRecords(customers.map((customer) => ({ table: 'customers', id: customer.id, changes: { owner_id: ownerId } })));
  toast(ownerId ? t('customers.bulk_done', { count, owner }) : t('customers.bulk_pool_done', { count }), {
    label: t('common.undo'),
    run: () => undoWrites(previous),
  });
  return true;
}

// The bar at the bottom while a manager picks customers: how many are
// picked, 全选 of the whole filtered list, the owner to give them, 分配 and 取消.
function pickingBar(picked, found, { onPickAll, onDone }) {
  const POOL = 'pool';
  // Reps first, as on 今日's owner filter: customers usually go to a rep.
  const owners = assignableOwners();
  const isRep = ({ value }) => app.store.get('users', value)?.role === 'sales';
  const group = (label, choices) => (choices.length
    ? h('optgroup', { attrs: { label } }, choices.map(({ value, label: text }) => h('option', { value, text }))) : null);
  const owner = h('select', { id: 'bulk-owner', attrs: { 'aria-label': t('customers.bulk_owner') } },
    h('option', { value: '', text: t('customers.bulk_owner') }),
    group(t('handover.group_sales'), owners.filter(isRep)),
    group(t('handover.group_managers'), owners.filter((choice) => !isRep(choice))),
    h('option', { value: POOL, text: t('customer.pool') }));
  const assign = button(t('customers.bulk_assign'), async () => {
    const ownerId = owner.value === POOL ? null : owner.value;
    if (await assignOwner([...picked], ownerId)) onDone();
  }, 'primary', { id: 'bulk-assign', disabled: !picked.size || !owner.value });
  owner.addEventListener('change', () => { assign.disabled = !picked.size || !owner.value; });
  const allPicked = found.length > 0 && found.every((customer) => picked.has(customer.id));
  return h('div', { class: 'bulk-bar', id: 'bulk-bar' },
    h('div', { class: 'bulk-bar-row' },
      h('span', { id: 'bulk-count', class: 'bulk-count', attrs: { 'aria-live': 'polite' }, text: t('customers.bulk_count', { count: picked.size }) }),
      button(allPicked ? t('customers.bulk_none') : t('customers.bulk_all', { count: found.length }),
        () => onPickAll(!allPicked), 'secondary', { id: 'bulk-all', className: 'button button-secondary button-small' }),
      button(t('common.cancel'), onDone, 'secondary', { id: 'bulk-cancel', className: 'button button-secondary button-small' })),
    h('div', { class: 'bulk-bar-row' }, owner, assign));
}

// Why the list is empty: not downloaded yet on a first login, no match, or no customers.
function emptyListText(filters, count) {
  if (app.sync?.recordsIncomplete) return t('customers.first_pull');
  return filters.text || count ? t('customers.no_match') : t('customers.empty');
}

function render(params, page) {
  const userId = app.user?.id ?? null;
  if (filters === null || filtersUserId !== userId) {
    filters = loadFilters(userId);
    filtersUserId = userId;
    shownCount = PAGE_SIZE;
  }
  let shown = shownCount;
  // The ids a manager has picked for 批量分配, or null when not picking.
  let picked = null;
  const results = h('div', { class: 'results' });
  const filterCount = h('span', { class: 'badge' });
  const bar = h('div', { class: 'bulk-bar-slot' });

  const draw = () => {
    saveFilters(filters, userId);
    const today = app.today();
    const lastContact = CONTACT_SORTS.has(filters.sort) ? lastContactByCustomer() : null;
    const found = filterCustomers(app.store.list('customers'), filters,
      { today, userId: app.user?.id, textIndex: customerTextIndex(), lastContact, contactUnknown });
    const count = activeFilterCount(filters);
    filterCount.textContent = count ? String(count) : '';
    filterCount.hidden = !count;
    const onPick = (id, checked) => {
      if (checked) picked.add(id);
      else picked.delete(id);
      draw();
    };
    const list = found.length
      ? h('ul', { class: 'cards' }, found.slice(0, shown).map((customer) => customerItem(customer, today, filters.text, { picked, onPick, lastContact })))
      : emptyState(emptyListText(filters, count));
    const more = found.length > shown
      ? h('button', { type: 'button', class: 'button button-secondary button-block', text: t('customers.show_more', { count: found.length - shown }),
                      on: { click: () => { shown += PAGE_SIZE; shownCount = shown; draw(); } } })
      : null;
    // The typed text may be in follow-ups that have not arrived yet.
    const loading = filters.text ? logsLoadingNotice('customers.search_loading') : null;
    // "0 customers" would be wrong while the first pull has brought none yet.
    const notYet = found.length === 0 && app.sync?.recordsIncomplete;
    const startPicking = canChangeOwner() && !picked && found.length
      ? h('button', { type: 'button', id: 'bulk-start', class: 'text-button', text: t('customers.bulk_start'),
                      on: { click: () => { picked = new Set(); draw(); } } })
      : null;
    const total = notYet ? null : h('p', { class: 'result-count' }, t('customers.count', { count: found.length }), startPicking ? ' · ' : null, startPicking);
    replace(results, total, loading, list, more);
    replace(bar, picked ? pickingBar(picked, found, {
      onPickAll: (all) => {
        for (const customer of found) {
          if (all) picked.add(customer.id);
          else picked.delete(customer.id);
        }
        draw();
      },
      onDone: () => { picked = null; draw(); },
    }) : null);
  };
  const setFilter = (name, value) => {
    filters = { ...filters, [name]: value || undefined };
    shown = PAGE_SIZE;
    shownCount = shown;
    draw();
  };

  const search = h('input', {
    type: 'search', id: 'customer-search', value: filters.text ?? '',
    attrs: { placeholder: t('customers.search_placeholder'), 'aria-label': t('customers.search'), enterkeyhint: 'search', autocomplete: 'off' },
    // Building the text index took 0.18-0.31 s for 93,000 follow-ups (Chromium
    // 156, a 2-core machine), so it starts when the box gets focus, before the first key.
    on: { input: (event) => setFilter('text', event.target.value), focus: () => setTimeout(() => customerTextIndex().build(), 0) },
  });
  const sortField = filterSelect('sort', t('customers.sort'), [['', t('customers.sort_next')], ...SORTS.map((sort) => [sort, t(`customers.sort_${sort}`)])], setFilter);
  sortField.classList.add('field-wide');
  const panel = h('div', { class: 'filter-panel', id: 'filter-panel', hidden: activeFilterCount(filters) === 0 && !filters.sort },
    sortField,
    filterSelect('kind', fieldLabel('customers', 'kind'), [['', t('filter.all')], ...CUSTOMER_KINDS.map((v) => [v, choiceLabel(v)])], setFilter),
    filterSelect('interest', fieldLabel('customers', 'interest'), [['', t('filter.all')], ['high', t('filter.interest_high')],
      ['medium', t('filter.interest_medium')], ['low', t('filter.interest_low')], ['none', t('filter.not_set')]], setFilter),
    filterSelect('owner', fieldLabel('customers', 'owner_id'), ownerOptions(), setFilter),
    filterSelect('stage', fieldLabel('customers', 'stage'), [['', t('filter.all')], ...CUSTOMER_STAGES.map((v) => [v, choiceLabel(v)])], setFilter),
    filterSelect('next', fieldLabel('customers', 'next_follow_up'), [['', t('filter.all')], ['due', t('filter.next_due')],
      ['today', t('filter.next_today')], ['week', t('filter.next_week')], ['none', t('filter.next_none')]], setFilter),
    h('button', { type: 'button', class: 'button button-secondary', text: t('filter.clear'),
                  on: { click: () => { filters = { text: filters.text, sort: filters.sort }; shownCount = PAGE_SIZE; page.refresh(); } } }));
  const toggle = h('button', {
    type: 'button', class: 'button button-secondary', attrs: { 'aria-controls': 'filter-panel', 'aria-expanded': String(!panel.hidden) },
    on: { click: () => { panel.hidden = !panel.hidden; toggle.setAttribute('aria-expanded', String(!panel.hidden)); } },
  }, t('customers.filter'), ' ', filterCount);

  page.onStoreChange(app.store, draw);
  draw();
  return h('div', { class: 'view view-customers' },
    pageHeader(t('customers.title'), { actions: [linkButton(t('pool.title'), '#/pool'), linkButton(t('projects.title'), '#/projects'),
      linkButton(t('customers.new'), '#/customer/new', 'primary')] }),
    h('div', { class: 'search-row' }, search, toggle),
    panel,
    results,
    bar);
}

route('/customers', { tab: 'customers', keepsScroll: true, render });
