// Pieces of screens shared by the views, and how field values are shown.

import { app } from './context.js';
import { formatStampLocal } from './dates.js';
import { h } from './dom.js';
import { choiceLabel, fieldLabel, t } from './i18n.js';
import { DELETED } from './merge.js';
import { formatFen } from './money.js';
import { openedFrom } from './router.js';
import { BOOLEAN, CHOICE, DATE, fieldSpec, LOCATION, REFERENCE, TIMESTAMP } from './schema.js';

// Go back in history when the back link leads where the person came from,
// so the list they left opens where they were and no entry piles up.
function followBackLink(event) {
  const target = event.currentTarget.getAttribute('href');
  if (openedFrom() !== target) return;
  event.preventDefault();
  history.back();
}

// The in-page heading, with a back link when `back` is a hash such as '#/customers'.
export function pageHeader(title, { back = null, actions = [] } = {}) {
  return h('div', { class: 'page-header' },
    back ? h('a', { class: 'back', href: back, attrs: { 'aria-label': t('common.back') }, on: { click: followBackLink } }, '‹') : null,
    h('h2', { text: title }),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null);
}

export function section(title, ...children) {
  return h('section', { class: 'section' }, h('h3', { text: title }), children);
}

export function chip(text, kind = '') {
  return h('span', { class: ['chip', kind && `chip-${kind}`], text });
}

export function emptyState(text) {
  return h('p', { class: 'empty', text });
}

// A notice with the message `key`, shown while a device's first pull still
// brings the follow-ups and history (sync.js), because a list of them may
// then lack some. Null otherwise.
export function logsLoadingNotice(key) {
  if (!app.sync?.logsIncomplete) return null;
  return h('p', { class: 'notice logs-loading', attrs: { role: 'status' }, text: t(key) });
}

export function linkButton(label, href, kind = 'secondary') {
  return h('a', { class: ['button', `button-${kind}`], href, text: label });
}

export function button(label, onClick, kind = 'secondary', props = {}) {
  return h('button', { type: 'button', class: ['button', `button-${kind}`], text: label, on: { click: onClick }, ...props });
}

// A phone field may hold several numbers (the importer joins them with " / ")
// and an extension after 转, 分机, ext or #.
const PHONE_SEPARATOR = /\s*[/,，;；、]\s*/;
const EXTENSION = /\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})\s*$/i;
// A landline with its extension after a last dash: 0571-88001234-801.
const DASHED_EXTENSION = /^(\s*0\d{2,3}[-\s]?\d{7,8})[-\s](\d{1,6})\s*$/;

// The numbers of a phone field as tel: links. The phone dials an extension
// after the pause a comma makes: 0571-88001234转801 dials tel:057188001234,801.
export function dialNumbers(phone) {
  return (phone ?? '').split(PHONE_SEPARATOR).map((part) => {
    const dashed = part.match(DASHED_EXTENSION);
    const named = dashed ? null : part.match(EXTENSION);
    const number = (dashed?.[1] ?? (named ? part.slice(0, named.index) : part)).replace(/[^\d+]/g, '');
    const extension = dashed?.[2] ?? named?.[1];
    if (!/\d{3}/.test(number)) return null;
    return { text: part.trim(), href: `tel:${number}${extension ? `,${extension}` : ''}` };
  }).filter(Boolean);
}

// A call button per number of the phone field, each named by its number when there are several.
export function callButtons(phone) {
  const numbers = dialNumbers(phone);
  return numbers.map(({ text, href }) => h('a', {
    class: 'button button-secondary', href,
    text: numbers.length > 1 ? t('customer.call_number', { number: text }) : t('customer.call'),
  }));
}

// A label/value list: rows of [label, value node or text]; empty values are left out.
export function detailList(rows) {
  const items = rows.filter(([, value]) => value !== null && value !== undefined && value !== '');
  return h('dl', { class: 'details' }, items.map(([label, value]) => [
    h('dt', { text: label }), h('dd', {}, value),
  ]));
}

let toastTimer = null;
// How long a toast shows; one with a button stays longer, for a thumb to reach it.
const TOAST_MS = 2500;
const ACTION_TOAST_MS = 6000;

// A short message at the bottom of the screen, such as "已保存". An
// `action` ({label, run}) adds a button, such as 撤销, that works while the
// toast shows. A later toast replaces this one and its button.
export function toast(message, action = null) {
  let element = document.getElementById('toast');
  if (!element) {
    element = h('div', { id: 'toast', class: 'toast', attrs: { role: 'status' } });
    document.body.append(element);
  }
  const hide = () => {
    element.classList.remove('toast-shown', 'toast-with-action');
    element.querySelector('button')?.remove();
  };
  // replaceChildren writes a null argument as the text "null", so a toast
  // without an action gets the message alone.
  const actionButton = action ? [h('button', {
    type: 'button', class: 'toast-action', text: action.label,
    on: { click: () => { hide(); action.run(); } },
  })] : [];
  element.replaceChildren(h('span', { text: message }), ...actionButton);
  element.classList.add('toast-shown');
  element.classList.toggle('toast-with-action', Boolean(action));
  clearTimeout(toastTimer);
  toastTimer = setTimeout(hide, action ? ACTION_TOAST_MS : TOAST_MS);
}

export function isOffline() {
  return navigator.onLine === false || app.sync?.state === 'offline';
}

// "已保存" when online, "已保存在本机，联网后同步" when not.
export function savedToast() {
  toast(isOffline() ? t('common.saved_offline') : t('common.saved'));
}

// A UTC stamp as local time in the organisation's zone, without the year when it is this year.
export function formatStamp(stamp, options) {
  return formatStampLocal(stamp, app.timeZone(), app.today().slice(0, 4), options);
}

export function customerName(customerId) {
  const fields = customerId ? app.store.fields('customers', customerId) : null;
  if (fields) return fields.name;
  // A customer taken from this device, which a rejected edit may still name.
  return customerId ? app.store.getMeta('removed_customers')?.[customerId] ?? null : null;
}

// Format a stored value of `table`.`field` for display: money as ¥1,234.50,
// user and customer ids as names, choices in the current language, times in
// the organisation's time zone.
export function formatValue(table, field, value) {
  if (value === null || value === undefined || value === '') return t('common.empty_value');
  if (field === DELETED) return value ? t('common.deleted') : t('common.not_deleted');
  if (field.endsWith('_fen') && Number.isInteger(value)) return formatFen(value);
  const spec = fieldSpec(table, field);
  switch (spec?.kind) {
    case REFERENCE:
      if (spec.refTable === 'users') return app.userName(value) ?? t('common.unknown_user');
      if (spec.refTable === 'dealers') return app.store.fields('dealers', value)?.name ?? t('dealer.unknown');
      return customerName(value) ?? value;
    case CHOICE:
      return choiceLabel(value);
    case TIMESTAMP:
      return formatStamp(value);
    case DATE:
      return value;
    case BOOLEAN:
      return value ? t('common.yes') : t('common.no');
    case LOCATION:
      return `${Number(value.lat).toFixed(5)}, ${Number(value.lng).toFixed(5)}`;
    default:
      if (typeof value === 'object') {
        return Object.entries(value).map(([name, inner]) => t('common.labelled', { label: fieldLabel(table, name), value: formatValue(table, name, inner) })).join(t('common.pair_separator'));
      }
      return String(value);
  }
}

// The 修改历史 of one record: who changed which field from what to what, newest first.
export function historySection(table, id) {
  const rows = app.store.listBy('history', 'record_id', id)
    .filter((row) => row.record_table === table)
    .sort((a, b) => b.changed_at.localeCompare(a.changed_at));
  // A count or "no changes yet" would be wrong while the history still downloads.
  const loading = Boolean(app.sync?.logsIncomplete);
  const body = rows.length === 0
    ? (loading ? null : emptyState(t('history.empty')))
    : h('ol', { class: 'history' }, rows.map((row) => h('li', {},
      h('div', { class: 'history-meta' },
        h('span', { text: formatStamp(row.changed_at) }),
        h('span', { text: app.userName(row.user_id) ?? (row.device === 'server' ? t('history.server') : t('common.unknown_user')) })),
      row.field === DELETED
        ? h('div', { text: row.new_value ? t('history.deleted') : t('history.restored') })
        : h('div', {},
          h('strong', { text: t('common.labelled', { label: fieldLabel(table, row.field), value: '' }) }),
          h('span', { class: 'old-value', text: formatValue(table, row.field, row.old_value) }),
          ' → ',
          h('span', { text: formatValue(table, row.field, row.new_value) })))));
  const title = loading ? t('history.title') : t('common.counted', { title: t('history.title'), count: rows.length });
  return h('details', { class: 'section history-section' },
    h('summary', {}, h('h3', { text: title })),
    logsLoadingNotice('history.loading'),
    body);
}

// The 修改历史 of a record under a form. A form does not redraw while it is
// shown, or it would drop what the person typed, so the section redraws
// itself when the store changes, such as when a first pull brings the
// history. It stays open or closed as the person left it.
export function formHistorySection(page, table, id) {
  let drawn = historySection(table, id);
  page.onStoreChange(app.store, () => {
    const next = historySection(table, id);
    next.open = drawn.open;
    drawn.replaceWith(next);
    drawn = next;
  });
  return drawn;
}

// The unresolved conflicts of a record and of its children, for a notice.
export function openConflicts(filter = () => true) {
  return app.store.list('conflicts').filter((row) => !row.resolved_at && filter(row));
}

// Show `message` in the banner area until dismissed or replaced under the same id.
export function showBanner(id, message, { kind = 'info', action = null, dismissible = false } = {}) {
  const area = document.getElementById('banners');
  if (!area) return;
  document.getElementById(`banner-${id}`)?.remove();
  const banner = h('div', { id: `banner-${id}`, class: ['banner', `banner-${kind}`], attrs: { role: kind === 'error' ? 'alert' : 'status' } },
    h('p', { text: message }),
    action ? h('button', { type: 'button', class: 'button button-small', text: action.label, on: { click: action.onClick } }) : null,
    dismissible ? h('button', { type: 'button', class: 'banner-close', text: '×', attrs: { 'aria-label': t('common.close') },
                               on: { click: () => banner.remove() } }) : null);
  area.append(banner);
}

export function hideBanner(id) {
  document.getElementById(`banner-${id}`)?.remove();
}
