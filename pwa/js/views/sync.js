// 同步: pending changes, the last successful sync, changes the server
// rejected with its reason, and conflicts to review side by side.

import { app } from '../context.js';
import { h } from '../dom.js';
import { saveRecords } from '../edits.js';
import { fieldLabel, language, t } from '../i18n.js';
import { DELETED } from '../merge.js';
import { formatFen } from '../money.js';
import { canEdit } from '../permissions.js';
import { route } from '../router.js';
import { TABLES } from '../schema.js';
import { recordKey } from '../store.js';
import { requestFetch } from '../sync.js';
import {
  button, chip, customerName, detailList, emptyState, formatStamp, formatValue, pageHeader, savedToast, section,
} from '../ui.js';
import { claimedCustomer } from './pool.js';

// A short description of a record, such as the customer's name.
export function describeRecord(table, fields, id) {
  const customer = (customerId) => customerName(customerId) ?? '';
  switch (table) {
    case 'customers':
      return fields?.name ?? id;
    case 'follow_ups':
      return [customer(fields?.customer_id), formatStamp(fields?.happened_at)].filter(Boolean).join(' · ');
    case 'receivables':
      return [customer(fields?.customer_id), fields?.order_no, fields?.amount_fen !== undefined ? formatFen(fields.amount_fen) : null]
        .filter(Boolean).join(' · ');
    case 'payments':
      return [fields?.paid_on, fields?.amount_fen !== undefined ? formatFen(fields.amount_fen) : null].filter(Boolean).join(' · ');
    case 'tickets':
      return [fields?.number, fields?.subject ?? fields?.complainant].filter(Boolean).join(' · ') || id;
    case 'dealers':
      return fields?.name ?? id;
    case 'pool_claims':
      return claimedCustomer({ id, ...fields }).name;
    default:
      return id;
  }
}

// Return whether the record's page can show it, which needs the record and the
// customer and receivable it belongs to on the device. A follow-up typed for a
// customer that was handed over stays on the device without its customer.
function openable(table, id) {
  const fields = app.store.get(table, id);
  if (!fields) return false;
  if (table === 'payments') return openable('receivables', fields.receivable_id);
  return !fields.customer_id || Boolean(app.store.get('customers', fields.customer_id));
}

function recordLink(table, id, fields) {
  const text = t('common.labelled', { label: t(`table.${table}`), value: describeRecord(table, fields, id) });
  const target = { customers: `#/customer/${id}`, tickets: `#/ticket/${id}`, follow_ups: `#/follow-up/${id}/edit`,
    receivables: `#/receivable/${id}/edit`, payments: `#/payment/${id}/edit` }[table];
  return target && openable(table, id) ? h('a', { href: target, text }) : h('span', { text });
}

// A pull page stores its time as last_sync, but until the first pull ends
// the device still lacks data, and that time alone would read as done.
function lastSyncText(lastSync, firstPullRunning) {
  if (!lastSync) return t('sync.never');
  const time = formatStamp(new Date(lastSync).toISOString());
  return firstPullRunning ? t('sync.first_pull_partial', { time }) : time;
}

function statusCard() {
  const sync = app.sync;
  const lastSync = app.store.getMeta('last_sync');
  const error = sync.error;
  let errorText = null;
  if (sync.state === 'unauthorized') errorText = t('sync.unauthorized');
  else if (error?.name === 'ApiError') errorText = (language() === 'en' ? error.serverMessageEn : error.serverMessage) ?? t('sync.server_error', { status: error.status });
  else if (sync.state === 'offline') errorText = t('sync.offline_detail');
  return h('div', { class: 'card sync-status', dataset: { state: sync.state } },
    detailList([
      [t('sync.state'), h('strong', { text: t(sync.state === 'syncing' && sync.pullingLogs ? 'sync.chip_loading_logs' : `sync.state_${sync.state}`) })],
      [t('sync.pending'), String(sync.pending)],
      [t('sync.last_sync'), lastSyncText(lastSync, sync.logsIncomplete)],
    ]),
    errorText ? h('p', { class: sync.state === 'offline' ? 'notice' : 'notice notice-danger', text: errorText }) : null,
    h('div', { class: 'actions' },
      sync.state === 'unauthorized'
        ? h('a', { class: 'button button-primary', href: '#/login', text: t('login.again') })
        : button(t('sync.now'), () => {
          app.sync.syncNow();
          app.checkForUpdate?.();
        }, 'primary', { id: 'sync-now', disabled: sync.state === 'syncing' })));
}

// Without IndexedDB nothing survives a reload, so the rep must know. Whether
// the browser promised persistent storage is shown under 设置.
function storageNotice() {
  return app.store.persistent ? null : h('p', { class: 'notice notice-danger', text: t('storage.memory_only') });
}

// Rejections that sending again cannot fix: the record went to someone else, or
// another rep claimed the pool customer first.
const GONE_CODES = new Set(['revoked', 'reassigned', 'already_claimed']);

function rejectionReason(entry) {
  if (entry.code === 'revoked') return t('sync.revoked_reason');
  const message = language() === 'en' ? entry.message_en : entry.message;
  return message ?? t('sync.rejected_code', { code: entry.code });
}

async function retry(entry) {
  await app.store.mutate((tx) => {
    tx.clearRejected(recordKey(entry.table, entry.id));
    if (tx.record(entry.table, entry.id)) tx.enqueue(entry.table, entry.id);
  }, { local: true });
  app.sync.syncNow();
}

// Drop this device's version of the record and fetch the server's, which
// replaces the rejected edit when the user may see it.
async function discard(entry) {
  if (!window.confirm(t('sync.discard_confirm'))) return;
  await app.store.mutate((tx) => {
    const key = recordKey(entry.table, entry.id);
    tx.clearRejected(key);
    tx.dequeue(key);
    if (tx.record(entry.table, entry.id)) {
      tx.deleteRecord(entry.table, entry.id);
      requestFetch(tx, entry.table, entry.id);
    }
  });
  app.sync.syncNow();
}

function rejectedSection() {
  const entries = [...app.store.rejected.values()].sort((a, b) => b.at - a.at);
  if (!entries.length) return null;
  return section(t('common.counted', { title: t('sync.rejected'), count: entries.length }), h('ul', { class: 'cards' }, entries.map((entry) => {
    const exists = Boolean(app.store.record(entry.table, entry.id));
    const changed = new Set(entry.changed ?? []);
    // The fields the person changed come first, marked, before the rest of the record.
    const typed = Object.entries(entry.fields ?? {})
      .filter(([name]) => name !== DELETED && TABLES[entry.table]?.fields[name])
      .sort(([a], [b]) => Number(changed.has(b)) - Number(changed.has(a)));
    return h('li', { class: 'card rejected', dataset: { code: entry.code } },
      h('div', { class: 'card-title' }, recordLink(entry.table, entry.id, entry.fields)),
      h('p', { class: 'notice notice-danger', text: rejectionReason(entry) }),
      !openable(entry.table, entry.id) ? h('details', {},
        h('summary', { text: t('sync.typed_values') }),
        detailList(typed.map(([name, value]) => [fieldLabel(entry.table, name), changed.has(name)
          ? [formatValue(entry.table, name, value), ' ', chip(t('sync.changed_by_you'), 'warning')]
          : formatValue(entry.table, name, value)]))) : null,
      h('div', { class: 'actions' },
        exists && !GONE_CODES.has(entry.code) ? button(t('sync.retry'), () => retry(entry)) : null,
        exists ? button(t('sync.discard'), () => discard(entry), 'danger')
          : button(t('sync.dismiss'), () => app.store.mutate((tx) => tx.clearRejected(recordKey(entry.table, entry.id))))));
  })));
}

// Return the open conflicts that one resolution settles. A delete gives one
// conflict per concurrent write, but keeping or undoing the delete resolves them all.
function settledTogether(conflict) {
  if (conflict.field !== DELETED) return [conflict];
  return app.store.list('conflicts').filter((row) => !row.resolved_at && row.field === DELETED
    && row.record_table === conflict.record_table && row.record_id === conflict.record_id);
}

// Keep the other value: an ordinary edit of the record, plus the conflict's resolution.
async function resolve(conflict, resolution) {
  const now = new Date(app.now()).toISOString();
  const conflicts = settledTogether(conflict);
  const writes = conflicts.map((row) => ({ table: 'conflicts', id: row.id, changes: { resolved_at: now, resolution } }));
  if (resolution === 'other') {
    const spec = TABLES[conflict.record_table];
    let changes;
    if (conflict.field === DELETED) {
      // Restore the record with the values the concurrent writes wrote, the
      // latest last, so a field that two of them wrote takes the later value.
      changes = { [DELETED]: false };
      const byStamp = (a, b) => ((a.other_dot?.[2] ?? '') < (b.other_dot?.[2] ?? '') ? -1 : 1);
      for (const row of [...conflicts].sort(byStamp)) {
        for (const [name, value] of Object.entries(row.other_value ?? {})) {
          if (spec.fields[name] && !spec.fields[name].serverOnly) changes[name] = value;
        }
      }
    } else {
      changes = { [conflict.field]: conflict.other_value };
    }
    writes.unshift({ table: conflict.record_table, id: conflict.record_id, changes });
  }
  await saveRecords(writes);
  savedToast();
}

function side(conflict, which) {
  const dot = conflict[`${which}_dot`];
  const name = app.userName(conflict[`${which}_user`]) ?? t('common.unknown_user');
  // One rep's two phones write under the same name, so mark the value this one wrote.
  const user = dot?.[0] === app.device ? t('conflict.this_device', { user: name }) : name;
  const value = conflict.field === DELETED && which === 'kept'
    ? t('conflict.record_deleted')
    : formatValue(conflict.record_table, conflict.field === DELETED ? '' : conflict.field, conflict[`${which}_value`]);
  return h('div', { class: ['conflict-side', `conflict-${which}`] },
    h('div', { class: 'conflict-label', text: t(`conflict.${which}`) }),
    h('div', { class: 'conflict-value', text: value }),
    // With seconds: two edits in the same minute would otherwise show the same time.
    h('div', { class: 'conflict-who', text: `${user} · ${dot ? formatStamp(dot[2], { seconds: true }) : ''}` }));
}

function conflictCard(conflict) {
  const fields = app.store.fields(conflict.record_table, conflict.record_id);
  const editable = canEdit('conflicts', conflict);
  const serverField = TABLES[conflict.record_table]?.fields[conflict.field]?.serverOnly;
  const fieldName = conflict.field === DELETED ? t('conflict.delete_field') : fieldLabel(conflict.record_table, conflict.field);
  return h('li', { class: 'card conflict', dataset: { id: conflict.id } },
    h('div', { class: 'card-title' }, recordLink(conflict.record_table, conflict.record_id, fields)),
    h('div', { class: 'card-detail', text: t('conflict.field', { field: fieldName, time: formatStamp(conflict.detected_at) }) }),
    h('div', { class: 'conflict-sides' }, side(conflict, 'kept'), side(conflict, 'other')),
    editable ? h('div', { class: 'actions' },
      button(t('conflict.keep'), () => resolve(conflict, 'kept')),
      serverField ? null : button(conflict.field === DELETED ? t('conflict.restore') : t('conflict.use_other'),
        () => resolve(conflict, 'other'), 'primary')) : h('p', { class: 'text-muted', text: t('conflict.read_only') }));
}

function conflictsSection() {
  const conflicts = app.store.list('conflicts').filter((row) => !row.resolved_at)
    .sort((a, b) => (a.detected_at < b.detected_at ? 1 : -1));
  return section(t('common.counted', { title: t('conflict.title'), count: conflicts.length }),
    conflicts.length ? [h('p', { class: 'hint', text: t('conflict.explain') }), h('ul', { class: 'cards' }, conflicts.map(conflictCard))]
      : emptyState(t('conflict.none')));
}

function render(params, page) {
  page.rerenderOnChange(app.store);
  const onStatus = () => page.refresh();
  app.sync.addEventListener('status', onStatus);
  page.onLeave(() => app.sync.removeEventListener('status', onStatus));
  return h('div', { class: 'view view-sync' },
    pageHeader(t('sync.title')),
    statusCard(),
    storageNotice(),
    rejectedSection(),
    conflictsSection(),
    h('p', { class: 'text-muted small', text: t('sync.device', { device: app.device ?? '' }) }));
}

route('/sync', { tab: 'sync', render });
