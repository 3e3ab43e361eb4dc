// 客户详情: the customer, a timeline of 跟进记录, receivables with their
// derived payment status, tickets, and the record's 修改历史.

import { app } from '../context.js';
import { h } from '../dom.js';
import { isLocation, mapUrl } from '../geo.js';
import { choiceLabel, fieldLabel, t } from '../i18n.js';
import { formatFen } from '../money.js';
import { paymentReminderLink } from '../payment-reminder.js';
import { receivableStatus } from '../payments.js';
import { canEdit } from '../permissions.js';
import { projectsSection } from './projects.js';
import { surveysSection } from './surveys.js';
import { route } from '../router.js';
import {
  callButtons, chip, detailList, emptyState, formatStamp, formatValue, historySection, linkButton, logsLoadingNotice, openConflicts,
  pageHeader, section,
} from '../ui.js';
import { checkInSummary } from './check-in.js';
import { poolNotice, poolReturnDetail } from './pool.js';

const STATUS_KIND = { paid: 'success', partial: 'warning', unpaid: 'neutral', overdue: 'danger' };

export function statusChip(status) {
  const label = t(`payment_status.${status.status}`);
  return chip(status.overpaid ? `${label} · ${t('payment_status.overpaid')}` : label, STATUS_KIND[status.status]);
}

function byNewest(field) {
  return (a, b) => (a[field] ?? '') < (b[field] ?? '') ? 1 : (a[field] ?? '') > (b[field] ?? '') ? -1 : 0;
}

function followUpTimeline(customer, editable) {
  const rows = app.store.listBy('follow_ups', 'customer_id', customer.id).sort(byNewest('happened_at'));
  // A count or "no follow-ups yet" would be wrong while the follow-ups still download.
  const loading = Boolean(app.sync?.logsIncomplete);
  const empty = loading ? null : emptyState(t('customer.no_follow_ups'));
  const body = rows.length === 0 ? empty : h('ol', { class: 'timeline' }, rows.map((row) => h('li', { class: 'timeline-item' },
    h('div', { class: 'timeline-head' },
      h('span', { class: 'timeline-time', text: formatStamp(row.happened_at) }),
      row.channel ? chip(choiceLabel(row.channel)) : null,
      editable ? h('a', { class: 'edit-link', href: `#/follow-up/${row.id}/edit`, text: t('common.edit') }) : null),
    row.content ? h('p', { class: 'timeline-text', text: row.content }) : null,
    row.result ? h('p', { class: 'timeline-result' }, h('strong', { text: t('common.labelled', { label: fieldLabel('follow_ups', 'result'), value: '' }) }), row.result) : null,
    row.next_follow_up ? h('p', { class: 'text-muted', text: t('customer.next_short', { date: row.next_follow_up }) }) : null,
    checkInSummary(row, customer))));
  const title = loading ? t('customer.follow_ups') : t('common.counted', { title: t('customer.follow_ups'), count: rows.length });
  return section(title, logsLoadingNotice('customer.follow_ups_loading'), body);
}

function receivableCard(receivable, today, editable) {
  const payments = app.store.listBy('payments', 'receivable_id', receivable.id).sort(byNewest('paid_on'));
  const status = receivableStatus(receivable, payments, today);
  return h('li', { class: 'card receivable', dataset: { id: receivable.id } },
    h('div', { class: 'card-row' },
      h('span', { class: 'card-title', text: receivable.order_no || t('receivable.untitled') }),
      statusChip(status)),
    detailList([
      [fieldLabel('receivables', 'amount_fen'), formatFen(receivable.amount_fen)],
      [t('receivable.paid'), formatFen(status.paid)],
      [t('receivable.outstanding'), h('strong', { class: status.outstanding ? 'text-danger' : '', text: formatFen(status.outstanding) })],
      [fieldLabel('receivables', 'sale_date'), receivable.sale_date],
      [fieldLabel('receivables', 'due_date'), receivable.due_date],
      [fieldLabel('receivables', 'dealer_id'), receivable.dealer_id ? formatValue('receivables', 'dealer_id', receivable.dealer_id) : null],
      [fieldLabel('receivables', 'notes'), receivable.notes],
    ]),
    payments.length ? h('ul', { class: 'payments' }, payments.map((payment) => h('li', {},
      h('span', { text: payment.paid_on }),
      h('span', { class: 'amount', text: formatFen(payment.amount_fen) }),
      payment.method ? h('span', { class: 'text-muted', text: choiceLabel(payment.method) }) : null,
      editable ? h('a', { class: 'edit-link', href: `#/payment/${payment.id}/edit`, text: t('payment.edit_title') }) : null))) : null,
    editable ? h('div', { class: 'card-actions' },
      // A paid receivable (or one of ¥0) has nothing left to collect.
      status.outstanding > 0 ? linkButton(t('receivable.add_payment'), `#/receivable/${receivable.id}/payment/new`, 'primary') : null,
      linkButton(t('receivable.edit_title'), `#/receivable/${receivable.id}/edit`),
      status.status === 'overdue' ? paymentReminderLink(receivable.id) : null) : null);
}

function receivablesSection(customer, editable) {
  const today = app.today();
  const rows = app.store.listBy('receivables', 'customer_id', customer.id).sort(byNewest('sale_date'));
  return section(t('common.counted', { title: t('customer.receivables'), count: rows.length }),
    rows.length ? h('ul', { class: 'cards' }, rows.map((row) => receivableCard(row, today, editable))) : emptyState(t('customer.no_receivables')));
}

function ticketsSection(customer) {
  const rows = app.store.listBy('tickets', 'customer_id', customer.id).sort(byNewest('received_at'));
  return section(t('common.counted', { title: t('customer.tickets'), count: rows.length }),
    rows.length ? h('ul', { class: 'cards' }, rows.map((ticket) => h('li', { class: 'card' },
      h('a', { class: 'card-link', href: `#/ticket/${ticket.id}` },
        h('div', { class: 'card-row' },
          h('span', { class: 'card-title', text: ticket.subject || choiceLabel(ticket.kind) }),
          chip(choiceLabel(ticket.status ?? '待处理'), ticket.status === '已解决' || ticket.status === '已回访' ? 'success' : 'warning')),
        h('div', { class: 'card-detail', text: [ticket.number ?? t('ticket.number_pending'), choiceLabel(ticket.kind), formatStamp(ticket.received_at)].filter(Boolean).join(' · ') })))))
      : emptyState(t('customer.no_tickets')));
}

function conflictNotice(customer) {
  const childIds = new Set(['follow_ups', 'receivables', 'tickets'].flatMap((table) => app.store.listBy(table, 'customer_id', customer.id)
    .map((row) => row.id)));
  const conflicts = openConflicts((row) => row.record_id === customer.id || childIds.has(row.record_id));
  if (!conflicts.length) return null;
  return h('a', { class: 'notice notice-warning', href: '#/sync', text: t('customer.has_conflicts', { count: conflicts.length }) });
}

// The customer's place (a check-in's position): a link that opens the
// phone's map app, with the coordinates beside it for a desktop without one.
function placeDetail(location) {
  if (!isLocation(location)) return null;
  const coordinates = formatValue('customers', 'location', location);
  return h('span', { class: 'place' },
    h('a', { class: 'place-link', href: mapUrl(location), text: t('check_in.open_map') }),
    ' ', h('span', { class: 'text-muted place-coordinates', text: coordinates }));
}

function render(params, page) {
  page.rerenderOnChange(app.store);
  const customer = app.store.get('customers', params.id);
  if (!customer) {
    return h('div', { class: 'view' }, pageHeader(t('customer.title'), { back: '#/customers' }),
      emptyState(t('customer.not_found')), linkButton(t('customers.title'), '#/customers'));
  }
  const editable = canEdit('customers', customer);
  const pending = app.store.outbox.has(`customers/${customer.id}`);
  const rejected = app.store.rejected.get(`customers/${customer.id}`);
  const owner = customer.owner_id ? app.userName(customer.owner_id) : t('customer.pool');

  const card = h('div', { class: 'card customer-card' },
    h('div', { class: 'card-row' },
      h('h2', { class: 'customer-name', text: customer.name }),
      h('span', { class: 'code', text: customer.code ?? t('customer.code_pending') })),
    h('div', { class: 'card-detail', text: [customer.company, customer.title].filter(Boolean).join(' · ') }),
    h('div', { class: 'chips' },
      customer.kind ? chip(choiceLabel(customer.kind)) : null,
      customer.stage ? chip(choiceLabel(customer.stage), 'stage') : null,
      customer.interest ? chip(t('customer.interest_value', { value: customer.interest })) : null,
      chip(owner ?? t('common.unknown_user'), customer.owner_id ? '' : 'neutral')),
    pending ? h('p', { class: 'text-muted', text: t('common.pending_sync') }) : null,
    rejected ? h('a', { class: 'notice notice-danger', href: '#/sync', text: t('customer.rejected_notice') }) : null,
    h('div', { class: 'actions' },
      callButtons(customer.phone),
      editable ? linkButton(t('customer.add_follow_up'), `#/customer/${customer.id}/follow-up/new`, 'primary') : null,
      editable ? linkButton(t('common.edit'), `#/customer/${customer.id}/edit`) : null),
    editable ? h('div', { class: 'actions' },
      linkButton(t('customer.add_receivable'), `#/customer/${customer.id}/receivable/new`),
      linkButton(t('customer.add_ticket'), `#/ticket/new?customer=${customer.id}`)) : null,
    poolNotice(customer));

  const info = detailList([
    [fieldLabel('customers', 'next_follow_up'), customer.next_follow_up
      ? h('span', { class: customer.next_follow_up <= app.today() ? 'text-danger' : '', text: customer.next_follow_up }) : null],
    [fieldLabel('customers', 'phone'), customer.phone],
    [fieldLabel('customers', 'email'), customer.email],
    [fieldLabel('customers', 'address'), customer.address],
    [fieldLabel('customers', 'source'), customer.source],
    [fieldLabel('customers', 'dealer_id'), customer.dealer_id ? formatValue('customers', 'dealer_id', customer.dealer_id) : null],
    poolReturnDetail(customer) ?? [null, null],
    [fieldLabel('customers', 'expected_purchase_date'), customer.expected_purchase_date],
    [fieldLabel('customers', 'expected_amount_fen'), customer.expected_amount_fen === null || customer.expected_amount_fen === undefined
      ? null : formatFen(customer.expected_amount_fen)],
    [fieldLabel('customers', 'referred_by'), customer.referred_by
      ? h('a', { href: `#/customer/${customer.referred_by}`, text: formatValue('customers', 'referred_by', customer.referred_by) }) : null],
    [fieldLabel('customers', 'legacy_code'), customer.legacy_code],
    [fieldLabel('customers', 'location'), placeDetail(customer.location)],
    [fieldLabel('customers', 'notes'), customer.notes],
  ]);

  return h('div', { class: 'view view-customer' },
    pageHeader(t('customer.title'), { back: '#/customers' }),
    card,
    conflictNotice(customer),
    h('section', { class: 'section' }, info),
    followUpTimeline(customer, editable),
    receivablesSection(customer, editable),
    ticketsSection(customer),
    projectsSection(customer, editable),
    surveysSection(customer, editable),
    historySection('customers', customer.id));
}

route('/customer/:id', { tab: 'customers', render });
