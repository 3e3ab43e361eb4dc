// 公海: the customers in the public pool, claiming one (认领, offline too),
// and the outcome of this device's claims once they are synced.
//
// A claim is a pool_claims record the server settles in the order claims
// reach it. The first makes the claimer the owner, so the customer and its
// history arrive at the next sync. A later one is rejected as
// already_claimed, naming the new owner, and the customer leaves this
// device. The claim record and its note stay here until the rep dismisses
// the outcome. The customer's name is kept beside it (meta CLAIMS_META),
// because a rejected claim's customer is no longer on the device.

import { app } from '../context.js';
import { filterCustomers } from '../customers-query.js';
import { h, replace } from '../dom.js';
import { stage } from '../edits.js';
import { buildForm } from '../forms.js';
import { choiceLabel, fieldLabel, language, t } from '../i18n.js';
import { newRecordId } from '../ids.js';
import { customerPoolReturn, daysInPool } from '../pool.js';
import { canEdit } from '../permissions.js';
import { navigate, route } from '../router.js';
import { TABLES } from '../schema.js';
import { recordKey } from '../store.js';
import {
  button, chip, detailList, emptyState, formatStamp, linkButton, pageHeader, savedToast, section,
} from '../ui.js';

const CLAIMS_META = 'pool_claims_local'; // claim id → {customerId, name, code}
const RECENT_SUCCESS_DAYS = 3; // successful claims stay listed this long

// "3 天后（2026-12-08）退回公海", "明天…", "今天…".
export function poolReturnText(daysLeft, date) {
  if (daysLeft <= 0) return t('pool.returns_today', { date });
  if (daysLeft === 1) return t('pool.returns_tomorrow', { date });
  return t('pool.returns_in', { days: daysLeft, date });
}

function claimNames() {
  return app.store.getMeta(CLAIMS_META) ?? {};
}

// The customer a claim was for, as {name, code}, even after the customer left the device.
export function claimedCustomer(claim) {
  const customer = claim?.customer_id ? app.store.get('customers', claim.customer_id) : null;
  const kept = claimNames()[claim?.id] ?? {};
  return { name: customer?.name ?? kept.name ?? t('pool.unknown_customer'), code: customer?.code ?? kept.code ?? null };
}

// This device's claim of a customer that is still waiting to be synced, or null.
function pendingClaim(customerId) {
  return app.store.list('pool_claims').find((claim) => claim.customer_id === customerId
    && app.store.outbox.has(recordKey('pool_claims', claim.id))) ?? null;
}

async function saveClaim(customer, note) {
  const id = newRecordId();
  await app.store.mutate((tx) => {
    const changes = { customer_id: customer.id };
    if (note) changes.note = note;
    stage(tx, app.device, app.now(), { table: 'pool_claims', id, changes });
    const names = { ...(tx.getMeta(CLAIMS_META) ?? {}) };
    names[id] = { customerId: customer.id, name: customer.name, code: customer.code ?? null };
    tx.setMeta(CLAIMS_META, names);
  }, { local: true });
  return id;
}

// Forget a claim that was not accepted: its record (never stored by the
// server), its rejection and its kept name.
function dismissClaim(claimId) {
  return app.store.mutate((tx) => {
    const key = recordKey('pool_claims', claimId);
    tx.clearRejected(key);
    tx.dequeue(key);
    if (tx.record('pool_claims', claimId)) tx.deleteRecord('pool_claims', claimId);
    const names = { ...(tx.getMeta(CLAIMS_META) ?? {}) };
    delete names[claimId];
    tx.setMeta(CLAIMS_META, names);
  });
}

async function retryClaim(claimId) {
  await app.store.mutate((tx) => {
    tx.clearRejected(recordKey('pool_claims', claimId));
    if (tx.record('pool_claims', claimId)) tx.enqueue('pool_claims', claimId);
  }, { local: true });
  app.sync.syncNow();
}

async function copyNote(note) {
  try {
    await navigator.clipboard.writeText(note);
    savedToast();
  } catch {
    window.prompt(t('pool.copy_prompt'), note); // clipboard needs HTTPS; the prompt lets the rep copy by hand
  }
}

// The claims whose outcome the rep should see: waiting, rejected, or accepted recently.
function visibleClaims() {
  const since = new Date(app.now() - RECENT_SUCCESS_DAYS * 86400000).toISOString();
  return app.store.list('pool_claims').map((claim) => {
    const key = recordKey('pool_claims', claim.id);
    const rejected = app.store.rejected.get(key);
    if (rejected) return { claim, state: 'rejected', rejected };
    if (app.store.outbox.has(key)) return { claim, state: 'pending' };
    if (claim.claimed_by === app.user?.id && claim.status === '已认领' && (claim.claimed_at ?? '') >= since) {
      return { claim, state: 'claimed' };
    }
    return null;
  }).filter(Boolean).sort((a, b) => (a.claim.claimed_at ?? '9') < (b.claim.claimed_at ?? '9') ? 1 : -1);
}

function rejectionText(entry) {
  const message = language() === 'en' ? entry.message_en : entry.message;
  return message ?? t('sync.rejected_code', { code: entry.code });
}

function claimCard({ claim, state, rejected }) {
  const who = claimedCustomer(claim);
  const title = who.code ? t('common.with_code', { name: who.name, code: who.code }) : who.name;
  const note = claim.note ?? rejected?.fields?.note ?? null;
  let body;
  if (state === 'pending') {
    body = [chip(t('pool.claim_pending'), 'warning'), h('p', { class: 'text-muted', text: t('pool.claim_pending_hint') })];
  } else if (state === 'claimed') {
    body = [chip(t('pool.claim_succeeded'), 'success'),
      h('p', { class: 'text-muted', text: t('pool.claim_succeeded_hint', { time: formatStamp(claim.claimed_at) }) }),
      h('div', { class: 'actions' }, linkButton(t('pool.open_customer'), `#/customer/${claim.customer_id}`, 'primary'))];
  } else {
    const canRetry = rejected.code === 'claim_limit' && Boolean(app.store.record('pool_claims', claim.id));
    body = [chip(t('pool.claim_failed'), 'danger'),
      h('p', { class: 'notice notice-danger claim-reason', text: rejectionText(rejected) }),
      note ? detailList([[t('pool.your_note'), note]]) : null,
      h('div', { class: 'actions' },
        note ? button(t('pool.copy_note'), () => copyNote(note)) : null,
        canRetry ? button(t('pool.retry'), () => retryClaim(claim.id)) : null,
        button(t('pool.dismiss'), () => dismissClaim(claim.id), 'secondary', { dataset: { action: 'dismiss' } }))];
  }
  return h('li', { class: ['card', 'claim', `claim-${state}`], dataset: { id: claim.id, customer: claim.customer_id } },
    h('div', { class: 'card-title', text: title }), body);
}

function poolDays(customer) {
  return daysInPool(app.store.record('customers', customer.id), app.now(), app.timeZone());
}

// "在公海 15 天", the chip of a pool card.
function poolAge(customer) {
  const days = poolDays(customer);
  if (days === null) return null;
  return days <= 0 ? t('pool.entered_today') : t('pool.days_in_pool', { days });
}

// The [label, value] row "进入公海 | 15 天前" of a customer's details.
function poolEnteredDetail(customer) {
  const days = poolDays(customer);
  if (days === null) return [t('pool.entered'), null];
  return [t('pool.entered'), days <= 0 ? t('pool.entered_on_day') : t('pool.entered_days_ago', { days })];
}

function poolCard(customer) {
  const waiting = pendingClaim(customer.id);
  const claimable = !waiting && canEdit('pool_claims', { customer_id: customer.id });
  // The due-item layout: the customer on the left, the claim on the right.
  return h('li', { class: 'card due-item pool-customer', dataset: { id: customer.id } },
    h('a', { class: 'card-link', href: `#/customer/${customer.id}` },
      h('div', { class: 'card-row' },
        h('span', { class: 'card-title', text: customer.name }),
        h('span', { class: 'code', text: customer.code ?? '' })),
      h('div', { class: 'card-detail', text: [customer.company, customer.title].filter(Boolean).join(' · ') }),
      h('div', { class: 'chips' },
        customer.kind ? chip(choiceLabel(customer.kind)) : null,
        customer.source ? chip(customer.source, 'neutral') : null,
        chip(poolAge(customer) ?? '', 'stage'))),
    waiting ? chip(t('pool.claim_pending'), 'warning') : null,
    claimable ? h('a', { class: 'button button-small button-primary claim-button', href: `#/pool/${customer.id}/claim`, text: t('pool.claim') }) : null);
}

let searchText = '';

function renderPool(params, page) {
  const results = h('div', { class: 'results' });
  const draw = () => {
    const found = filterCustomers(app.store.list('customers'), { text: searchText, owner: 'pool' },
      { today: app.today(), userId: app.user?.id });
    const entered = (customer) => daysInPool(app.store.record('customers', customer.id), app.now(), app.timeZone()) ?? 0;
    found.sort((a, b) => entered(a) - entered(b) || String(a.name).localeCompare(String(b.name), 'zh-CN'));
    const claims = visibleClaims();
    replace(results,
      claims.length ? section(t('pool.my_claims'), h('ul', { class: 'cards claims' }, claims.map(claimCard))) : null,
      h('p', { class: 'result-count', text: t('pool.count', { count: found.length }) }),
      found.length ? h('ul', { class: 'cards' }, found.map(poolCard))
        : emptyState(searchText ? t('customers.no_match') : t('pool.empty')),
    );
  };
  page.onStoreChange(app.store, draw);
  draw();
  const search = h('input', {
    type: 'search', id: 'pool-search', value: searchText,
    attrs: { placeholder: t('customers.search_placeholder'), 'aria-label': t('customers.search'), autocomplete: 'off' },
    on: { input: (event) => { searchText = event.target.value; draw(); } },
  });
  return h('div', { class: 'view view-pool' },
    pageHeader(t('pool.title'), { back: '#/customers' }),
    h('p', { class: 'hint', text: t('pool.explain', { limit: app.settings().pool_claim_daily_limit ?? 10 }) }),
    h('div', { class: 'search-row' }, search),
    results);
}

function renderClaim(params) {
  const customer = app.store.get('customers', params.id);
  const back = '#/pool';
  if (!customer || customer.owner_id) {
    return h('div', { class: 'view' }, pageHeader(t('pool.claim_title'), { back }),
      emptyState(customer ? t('pool.no_longer_in_pool') : t('customer.not_found')));
  }
  if (pendingClaim(customer.id)) {
    return h('div', { class: 'view' }, pageHeader(t('pool.claim_title'), { back }), emptyState(t('pool.claim_pending_hint')));
  }
  const offline = navigator.onLine === false || app.sync?.state === 'offline';
  const form = buildForm({
    fields: [{ name: 'note', label: fieldLabel('pool_claims', 'note'), type: 'textarea', rows: 4,
      maxLength: TABLES.pool_claims.fields.note.maxLength, placeholder: t('pool.note_placeholder'), hint: t('pool.note_hint') }],
    submitLabel: t('pool.claim_confirm'),
    onSubmit: async (changes, values) => {
      await saveClaim(customer, values.note);
      savedToast();
      navigate('/pool', { replace: true });
    },
  });
  return h('div', { class: 'view view-form view-claim' },
    pageHeader(t('pool.claim_title'), { back }),
    h('div', { class: 'card' },
      h('div', { class: 'card-row' },
        h('span', { class: 'card-title', text: customer.name }),
        h('span', { class: 'code', text: customer.code ?? '' })),
      detailList([
        [fieldLabel('customers', 'company'), customer.company],
        [fieldLabel('customers', 'kind'), customer.kind ? choiceLabel(customer.kind) : null],
        [fieldLabel('customers', 'source'), customer.source],
        poolEnteredDetail(customer),
      ])),
    offline ? h('p', { class: 'notice notice-warning', text: t('pool.offline_claim') }) : null,
    form);
}

// The pool notice of the customer page: a claim button on a pool customer,
// or a warning to the owner that the customer returns to the pool soon.
export function poolNotice(customer) {
  if (!customer.owner_id) {
    const waiting = pendingClaim(customer.id);
    const claimable = !waiting && canEdit('pool_claims', { customer_id: customer.id });
    return h('div', { class: 'notice pool-notice' },
      h('p', { text: t(app.seesEverything ? 'pool.customer_in_pool_manager' : 'pool.customer_in_pool') }),
      waiting ? chip(t('pool.claim_pending'), 'warning') : null,
      claimable ? h('div', { class: 'actions' }, linkButton(t('pool.claim'), `#/pool/${customer.id}/claim`, 'primary')) : null);
  }
  if (customer.owner_id !== app.user?.id && !app.seesEverything) return null;
  // Before a first pull brings the follow-ups, the last one may be missing, so the return looks sooner.
  if (app.sync?.logsIncomplete) return null;
  const found = customerPoolReturn(app.store, customer.id, app.settings(), app.today());
  if (!found?.warned) return null;
  return h('p', { class: 'notice notice-warning pool-warning', text: t('pool.owner_warning', { when: poolReturnText(found.daysLeft, found.returnsOn) }) });
}

// The [label, value] row of the customer's pool return date, or null.
export function poolReturnDetail(customer) {
  if (!customer.owner_id) return poolEnteredDetail(customer);
  if (app.sync?.logsIncomplete) return [t('pool.return_date'), t('pool.return_date_loading')];
  const found = customerPoolReturn(app.store, customer.id, app.settings(), app.today());
  return found ? [t('pool.return_date'), found.returnsOn] : null;
}

route('/pool', { tab: 'customers', render: renderPool });
route('/pool/:id/claim', { tab: 'customers', render: renderClaim });
