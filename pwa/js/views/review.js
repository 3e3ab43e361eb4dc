// 月度复盘: a month's sales, collected amount, overdue amount at the month's
// end and complaints, per dealer and per rep, for managers. Computed on the
// device from its own records (see monthly-review.js), so it works offline;
// Datasette has the same figures as the canned queries 经销点月度复盘 and
// 业务员月度复盘.

import { app } from '../context.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { formatFen } from '../money.js';
import { monthBounds, monthlyReview } from '../monthly-review.js';
import { navigate, route } from '../router.js';
import { emptyState, pageHeader, section } from '../ui.js';

function figure(name, label, value, danger = false) {
  return h('div', { class: 'figure', dataset: { figure: name } },
    h('div', { class: 'figure-label', text: label }),
    h('div', { class: ['figure-value', danger && 'text-danger'], text: value }));
}

function figures(row) {
  return h('div', { class: 'figures' },
    figure('sales', t('review.sales'), formatFen(row.sales)),
    figure('collected', t('review.collected'), formatFen(row.collected)),
    figure('overdue', t('review.overdue'), formatFen(row.overdue), row.overdue > 0),
    figure('complaints', t('review.complaints'), String(row.complaints)));
}

function rowCard(row, fallbackName, detail = null) {
  return h('li', { class: 'card review-row', dataset: { id: row.id ?? '' } },
    h('div', { class: 'card-row' },
      h('span', { class: 'card-title', text: row.name ?? fallbackName }),
      detail ? h('span', { class: 'code', text: detail }) : null),
    figures(row));
}

function render(params, page) {
  if (!app.seesEverything) {
    return h('div', { class: 'view' }, pageHeader(t('review.title'), { back: '#/settings' }), emptyState(t('review.managers_only')));
  }
  page.rerenderOnChange(app.store);
  const requested = params.query.get('month');
  const month = monthBounds(requested) ? requested : app.today().slice(0, 7);
  const store = app.store;
  const review = monthlyReview({
    records: {
      customers: store.list('customers', { includeDeleted: true }), receivables: store.list('receivables'),
      payments: store.list('payments'), tickets: store.list('tickets'), dealers: store.list('dealers'),
      users: store.list('users'),
    },
    month,
    timeZone: app.timeZone(),
  });
  const picker = h('input', {
    type: 'month', id: 'review-month', value: month, attrs: { 'aria-label': t('review.month'), max: app.today().slice(0, 7) },
    on: { change: (event) => { if (monthBounds(event.target.value)) navigate(`/review?month=${event.target.value}`); } },
  });
  return h('div', { class: 'view view-review' },
    pageHeader(t('review.title'), { back: '#/settings' }),
    h('div', { class: 'field' }, h('label', { attrs: { for: 'review-month' }, text: t('review.month') }), picker),
    h('p', { class: 'hint review-rules', text: t('review.rules', { end: review.end }) }),
    month === app.today().slice(0, 7) ? h('p', { class: 'hint review-rules-current', text: t('review.rules_current') }) : null,
    h('div', { class: 'card review-total', dataset: { month } },
      h('div', { class: 'card-title', text: t('review.total', { month }) }),
      figures(review.total)),
    section(t('review.by_dealer'), h('ul', { class: 'cards review-dealers' },
      review.dealers.map((row) => rowCard(row, t('review.no_dealer'), row.region)))),
    section(t('review.by_rep'), h('ul', { class: 'cards review-reps' },
      review.reps.map((row) => rowCard(row, t('customer.pool'))))));
}

route('/review', { tab: 'settings', render });
