// New and edit forms for a receivable (应收) and its payments (回款记录).
// Amounts are typed in yuan and stored as integer fen.

import { app } from '../context.js';
import { h } from '../dom.js';
import { deleteButton } from '../deletion.js';
import { keepDraft } from '../drafts.js';
import { saveRecord } from '../edits.js';
import { buildForm, options } from '../forms.js';
import { choiceLabel, fieldLabel, t } from '../i18n.js';
import { formatFen } from '../money.js';
import { receivableStatus } from '../payments.js';
import { canEdit } from '../permissions.js';
import { returnTo, route } from '../router.js';
import { PAYMENT_METHODS, TABLES } from '../schema.js';
import { detailList, emptyState, formHistorySection, pageHeader, savedToast } from '../ui.js';
import { statusChip } from './customer.js';
import { dealerField } from './dealers.js';

function notAvailable(title, back, found) {
  return h('div', { class: 'view' }, pageHeader(title, { back }), emptyState(found ? t('common.read_only') : t('common.not_found')));
}

function renderReceivable(params, page) {
  const creating = !params.id;
  const existing = creating ? null : app.store.get('receivables', params.id);
  const customer = app.store.get('customers', creating ? params.customer : existing?.customer_id);
  const title = creating ? t('receivable.new_title') : t('receivable.edit_title');
  const back = customer ? `#/customer/${customer.id}` : '#/customers';
  if (!customer || (!creating && !existing) || !canEdit('customers', customer)) return notAvailable(title, back, customer);

  const label = (name) => fieldLabel('receivables', name);
  const form = buildForm({
    fields: [
      { name: 'amount_fen', label: label('amount_fen'), type: 'money', required: true, hint: t('form.yuan_hint') },
      { name: 'order_no', label: label('order_no'), maxLength: TABLES.receivables.fields.order_no.maxLength },
      { name: 'sale_date', label: label('sale_date'), type: 'date' },
      { name: 'due_date', label: label('due_date'), type: 'date' },
      dealerField('receivables'),
      { name: 'notes', label: label('notes'), type: 'textarea', maxLength: TABLES.receivables.fields.notes.maxLength,
        hint: t('receivable.notes_hint') },
    ],
    values: existing ?? {},
    validate: (values) => (values.sale_date && values.due_date && values.due_date < values.sale_date
      ? { due_date: t('receivable.due_before_sale') } : {}),
    onSubmit: async (changes) => {
      if (creating) await saveRecord('receivables', null, { customer_id: customer.id, ...changes });
      else if (Object.keys(changes).length) await saveRecord('receivables', existing.id, changes);
      savedToast();
      returnTo(`/customer/${customer.id}`);
    },
    footer: creating ? null : deleteButton({ table: 'receivables', id: existing.id, question: t('receivable.delete_confirm'), backTo: `/customer/${customer.id}` }),
  });
  if (creating) {
    form.elements.sale_date.value = app.today();
    // A sale usually goes through the customer's dealer.
    if (customer.dealer_id && app.store.get('dealers', customer.dealer_id)) form.elements.dealer_id.value = customer.dealer_id;
  }
  return h('div', { class: 'view view-form' },
    pageHeader(title, { back }),
    h('p', { class: 'subtitle', text: customer.name }),
    keepDraft(form),
    form,
    creating ? null : formHistorySection(page, 'receivables', existing.id));
}

function renderPayment(params, page) {
  const creating = !params.id;
  const existing = creating ? null : app.store.get('payments', params.id);
  const receivable = app.store.get('receivables', creating ? params.receivable : existing?.receivable_id);
  const customer = receivable ? app.store.get('customers', receivable.customer_id) : null;
  const title = creating ? t('payment.new_title') : t('payment.edit_title');
  const back = customer ? `#/customer/${customer.id}` : '#/customers';
  if (!receivable || !customer || (!creating && !existing) || !canEdit('customers', customer)) return notAvailable(title, back, receivable);

  const payments = app.store.listBy('payments', 'receivable_id', receivable.id);
  const status = receivableStatus(receivable, payments, app.today());
  const label = (name) => fieldLabel('payments', name);
  const form = buildForm({
    fields: [
      { name: 'amount_fen', label: label('amount_fen'), type: 'money', required: true, min: 1,
        hint: t('payment.outstanding_hint', { amount: formatFen(status.outstanding) }) },
      { name: 'paid_on', label: label('paid_on'), type: 'date', required: true },
      { name: 'method', label: label('method'), type: 'choices', options: options(PAYMENT_METHODS, choiceLabel) },
      { name: 'notes', label: label('notes'), type: 'textarea', maxLength: TABLES.payments.fields.notes.maxLength },
    ],
    values: existing ?? {},
    onSubmit: async (changes, values) => {
      const before = existing?.amount_fen ?? 0;
      if (values.amount_fen - before > status.outstanding
          && !window.confirm(t('payment.overpay_confirm', { amount: formatFen(status.outstanding) }))) return false;
      if (creating) await saveRecord('payments', null, { receivable_id: receivable.id, ...changes });
      else if (Object.keys(changes).length) await saveRecord('payments', existing.id, changes);
      savedToast();
      returnTo(`/customer/${customer.id}`);
    },
    footer: creating ? null : deleteButton({ table: 'payments', id: existing.id, question: t('payment.delete_confirm'), backTo: `/customer/${customer.id}` }),
  });
  if (creating) form.elements.paid_on.value = app.today();
  return h('div', { class: 'view view-form' },
    pageHeader(title, { back }),
    h('div', { class: 'card' },
      h('div', { class: 'card-row' },
        h('span', { class: 'card-title', text: `${customer.name} · ${receivable.order_no || t('receivable.untitled')}` }),
        statusChip(status)),
      detailList([
        [fieldLabel('receivables', 'amount_fen'), formatFen(receivable.amount_fen)],
        [t('receivable.paid'), formatFen(status.paid)],
        [t('receivable.outstanding'), formatFen(status.outstanding)],
        [fieldLabel('receivables', 'due_date'), receivable.due_date],
      ])),
    keepDraft(form),
    form,
    creating ? null : formHistorySection(page, 'payments', existing.id));
}

route('/customer/:customer/receivable/new', { tab: 'customers', render: renderReceivable });
route('/receivable/:id/edit', { tab: 'customers', render: renderReceivable });
route('/receivable/:receivable/payment/new', { tab: 'customers', render: renderPayment });
route('/payment/:id/edit', { tab: 'customers', render: renderPayment });
