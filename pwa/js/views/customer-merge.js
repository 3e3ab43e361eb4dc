// 合并重复客户: fold a duplicate customer into the one shown. The duplicate's
// follow-ups, receivables, tickets, projects and surveys move over, the
// customers it referred name the one kept, its details fill the kept
// customer's empty fields, and the duplicate is deleted. It is one action,
// which works offline and which the toast's 撤销 takes back.

import { app } from '../context.js';
import { h, replace } from '../dom.js';
import { undoWrites } from '../deletion.js';
import { saveRecords } from '../edits.js';
import { fieldLabel, t } from '../i18n.js';
import { DELETED } from '../merge.js';
import { canEdit } from '../permissions.js';
import { navigate, route } from '../router.js';
import { TABLES } from '../schema.js';
import { sameValue } from '../values.js';
import { button, detailList, emptyState, formatValue, pageHeader, section, toast } from '../ui.js';
import { customersMatching, possibleDuplicates } from './customer-form.js';

const SPEC = TABLES.customers.fields;
// The tables whose records move with the customer. Pool claims stay: they
// record who claimed which customer from the pool.
const MOVING_TABLES = Object.entries(TABLES)
  .filter(([name, spec]) => spec.parent?.[1] === 'customers' && name !== 'pool_claims')
  .map(([name]) => name);
// Fields the kept customer never takes from the duplicate: its number, and its owner.
const KEPT_FIELDS = new Set(['code', 'legacy_code', 'owner_id']);
// The importer joins several phone numbers of one field with this.
const PHONE_JOINER = ' / ';
const CANDIDATES_SHOWN = 20;

function present(value) {
  return value !== null && value !== undefined && value !== '';
}

// The kept customer's new value of `name` with the duplicate's value, or
// undefined to leave it: empty fields are filled, phone numbers and notes
// joined, and the earlier next follow-up kept, since it is the one due first.
function mergedValue(name, kept, duplicate) {
  const mine = kept[name];
  const theirs = duplicate[name];
  if (!present(theirs) || sameValue(mine, theirs)) return undefined;
  if (!present(mine)) return theirs;
  const limit = SPEC[name]?.maxLength ?? Infinity;
  if (name === 'phone' && !String(mine).includes(String(theirs))) {
    const joined = `${mine}${PHONE_JOINER}${theirs}`;
    return joined.length <= limit ? joined : undefined;
  }
  if (name === 'notes') {
    const joined = `${mine}\n${theirs}`;
    return joined.length <= limit ? joined : undefined;
  }
  if (name === 'next_follow_up') return theirs < mine ? theirs : undefined;
  return undefined;
}

// Return what merging `duplicate` into `kept` writes: {writes, undo, moved,
// filled}. writes and undo are saveRecords items, moved counts the records
// per table that move over, and filled has the kept customer's new values.
export function mergePlan(kept, duplicate) {
  const writes = [];
  const undo = [];
  const moved = {};
  for (const table of MOVING_TABLES) {
    const rows = app.store.listBy(table, 'customer_id', duplicate.id);
    if (rows.length) moved[table] = rows.length;
    for (const row of rows) {
      writes.push({ table, id: row.id, changes: { customer_id: kept.id } });
      undo.push({ table, id: row.id, changes: { customer_id: duplicate.id } });
    }
  }

  for (const referred of app.store.listBy('customers', 'referred_by', duplicate.id).filter((row) => row.id !== kept.id)) {
    writes.push({ table: 'customers', id: referred.id, changes: { referred_by: kept.id } });
    undo.push({ table: 'customers', id: referred.id, changes: { referred_by: duplicate.id } });
  }

  const filled = {};
  const previous = {};
  for (const [name, spec] of Object.entries(SPEC)) {
    if (spec.serverOnly || KEPT_FIELDS.has(name)) continue;
    let value = mergedValue(name, kept, duplicate);
    if (name === 'referred_by' && value === kept.id) value = undefined;
    if (value === undefined) continue;
    filled[name] = value;
    previous[name] = kept[name] ?? null;
  }
  if (Object.keys(filled).length) {
    writes.push({ table: 'customers', id: kept.id, changes: filled });
    undo.push({ table: 'customers', id: kept.id, changes: previous });
  }

  writes.push({ table: 'customers', id: duplicate.id, changes: { [DELETED]: true } });
  undo.push({ table: 'customers', id: duplicate.id, changes: { [DELETED]: false } });
  return { writes, undo, moved, filled };
}

function customerLabel(customer) {
  const name = customer.code ? t('common.with_code', { name: customer.name, code: customer.code }) : customer.name;
  return [name, customer.company, customer.phone].filter(Boolean).join(' · ');
}

// The customers the person may merge into `kept`: those they may edit, the
// likely duplicates (same name or phone) first, then by name.
function candidates(kept, text) {
  const likely = new Set(possibleDuplicates(kept.name, kept.phone).map((customer) => customer.id));
  return customersMatching(text)
    .filter((customer) => customer.id !== kept.id && canEdit('customers', customer))
    .sort((a, b) => Number(likely.has(b.id)) - Number(likely.has(a.id))
      || String(a.name).localeCompare(String(b.name), 'zh-CN'))
    .map((customer) => ({ customer, likely: likely.has(customer.id) }));
}

// Merge the two customers as the store has them now: a sync or another
// tab may have changed either since the screen drew them, and a plan made
// from the screen's copies would write their old notes and phones back.
async function merge(shownKept, shownDuplicate) {
  const kept = app.store.get('customers', shownKept.id);
  const duplicate = app.store.get('customers', shownDuplicate.id);
  if (!kept || !duplicate) {
    toast(t('merge.gone', { name: (kept ? shownDuplicate : shownKept).name }));
    return;
  }
  const { writes, undo } = mergePlan(kept, duplicate);
  if (!window.confirm(t('merge.confirm', { duplicate: duplicate.name, kept: kept.name }))) return;
  await saveRecords(writes);
  toast(t('merge.done', { duplicate: duplicate.name }), {
    label: t('common.undo'),
    run: () => undoWrites(undo),
  });
  navigate(`/customer/${kept.id}`, { replace: true });
}

function preview(kept, duplicate) {
  const { moved, filled } = mergePlan(kept, duplicate);
  const movedRows = Object.entries(moved).map(([table, count]) => [t(`table.${table}`), t('merge.count', { count })]);
  const filledRows = Object.keys(filled).map((name) => [fieldLabel('customers', name), formatValue('customers', name, filled[name])]);
  return h('div', { class: 'merge-preview' },
    section(t('merge.moving'), movedRows.length ? detailList(movedRows) : emptyState(t('merge.nothing_moves'))),
    section(t('merge.filling'), filledRows.length ? detailList(filledRows) : emptyState(t('merge.nothing_fills'))),
    h('p', { class: 'notice notice-warning', text: t('merge.deleted_after', { duplicate: customerLabel(duplicate) }) }),
    h('div', { class: 'form-actions' },
      button(t('merge.submit'), () => merge(kept, duplicate), 'primary', { id: 'merge-submit' })));
}

function render(params) {
  const kept = app.store.get('customers', params.id);
  const back = `#/customer/${params.id}/edit`;
  if (!kept || !canEdit('customers', kept)) {
    return h('div', { class: 'view' }, pageHeader(t('merge.title'), { back }),
      emptyState(kept ? t('common.read_only') : t('customer.not_found')));
  }
  let chosen = null;
  const list = h('ul', { class: 'cards merge-candidates' });
  const details = h('div');
  const search = h('input', {
    type: 'search', id: 'merge-search',
    attrs: { placeholder: t('merge.search'), 'aria-label': t('merge.search'), autocomplete: 'off' },
    on: { input: () => draw() },
  });
  const draw = () => {
    const found = candidates(kept, search.value);
    replace(list, found.length ? found.slice(0, CANDIDATES_SHOWN).map(({ customer, likely }) => h('li', { class: ['card', chosen?.id === customer.id && 'card-picked'] },
      h('label', { class: 'card-link card-pick' },
        h('input', {
          type: 'radio', name: 'duplicate', value: customer.id, checked: chosen?.id === customer.id,
          on: {
            change: () => {
              chosen = customer;
              draw();
              details.scrollIntoView({ block: 'start' });
            },
          },
        }),
        h('div', { class: 'card-pick-content' },
          h('div', { class: 'card-title', text: customer.name }),
          h('div', { class: 'card-meta' },
            customer.code ? h('span', { class: 'code', text: customer.code }) : null,
            customer.company ? h('span', { text: customer.company }) : null,
            customer.phone ? h('span', { text: customer.phone }) : null,
            likely ? h('span', { class: 'text-danger', text: t('merge.likely') }) : null))))) : emptyState(t('merge.none')));
    replace(details, chosen ? preview(kept, chosen) : null);
  };
  draw();
  return h('div', { class: 'view view-merge' },
    pageHeader(t('merge.title'), { back }),
    h('p', { class: 'notice', text: t('merge.explain', { kept: customerLabel(kept) }) }),
    h('div', { class: 'search-row' }, search),
    list,
    details);
}

route('/customer/:id/merge', { tab: 'customers', render });
