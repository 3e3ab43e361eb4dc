// New and edit forms for a customer.

import { app } from '../context.js';
import { h, replace } from '../dom.js';
import { deleteButton } from '../deletion.js';
import { keepDraft } from '../drafts.js';
import { saveRecord } from '../edits.js';
import { byName } from '../customers-query.js';
import { buildForm, options } from '../forms.js';
import { choiceLabel, fieldLabel, t } from '../i18n.js';
import { formatFen } from '../money.js';
import { receivableStatus } from '../payments.js';
import { canChangeOwner, canEdit } from '../permissions.js';
import { phoneKeys } from '../phone-keys.js';
import { returnTo, route } from '../router.js';
import { CUSTOMER_KINDS, CUSTOMER_STAGES, TABLES } from '../schema.js';
import { emptyState, formHistorySection, linkButton, pageHeader, savedToast } from '../ui.js';
import { dealerField } from './dealers.js';

const SPEC = TABLES.customers.fields;


// A customer returned to the public pool has no owner to collect its money or
// handle its complaints, so the manager confirms after seeing what is still open.
function confirmReturnToPool(customer) {
  const today = app.today();
  const receivables = app.store.listBy('receivables', 'customer_id', customer.id);
  let outstanding = 0;
  let unpaid = 0;
  for (const receivable of receivables) {
    const payments = app.store.listBy('payments', 'receivable_id', receivable.id);
    const status = receivableStatus(receivable, payments, today);
    if (status.outstanding > 0) {
      unpaid += 1;
      outstanding += status.outstanding;
    }
  }
  const tickets = app.store.listBy('tickets', 'customer_id', customer.id)
    .filter((ticket) => !['已解决', '已回访'].includes(ticket.status)).length;
  const question = unpaid || tickets
    ? t('customer.pool_confirm_open', { name: customer.name, unpaid, amount: formatFen(outstanding), tickets })
    : t('customer.pool_confirm', { name: customer.name });
  return window.confirm(question);
}
function byOwnerName(a, b) {
  return String(a.name ?? a.username).localeCompare(String(b.name ?? b.username), 'zh-CN');
}

// Owners a manager may pick: active users, the manager first.
export function ownerOptions() {
  const users = app.store.list('users').filter((user) => !user.disabled).sort(byOwnerName);
  const me = users.filter((user) => user.id === app.user?.id);
  return [...me, ...users.filter((user) => user.id !== app.user?.id)]
    .map((user) => ({ value: user.id, label: user.name || user.username }));
}

function customerLabel(customer) {
  return customer.code ? t('common.with_code', { name: customer.name, code: customer.code }) : customer.name;
}

// Return the customers on the device whose name, company, phone or code
// contains `text`, compared by nameKey. The keys are kept until a customer
// changes, so each keystroke of a search reads no text twice.
export function customersMatching(text) {
  const needle = nameKey(text);
  const keyed = app.store.memo('customers.searchKeys', ['customers'], () => app.store.list('customers').map((customer) => [
    customer, [customer.name, customer.company, customer.phone, customer.code].filter(Boolean).map(nameKey).join('\n')]));
  return keyed.filter(([, key]) => key.includes(needle)).map(([customer]) => customer);
}

// 介绍人 (referred_by): a search among the customers on the phone (a rep may hold
// thousands, too many for a <select>) by name, company, phone or code,
// compared by nameKey. The exact name comes first, then the rest by name.
function referrerField(selfId) {
  return {
    name: 'referred_by', label: fieldLabel('customers', 'referred_by'), type: 'lookup',
    placeholder: t('customer.referrer_placeholder'),
    labelOf: (id) => {
      const customer = app.store.get('customers', id);
      return customer ? customerLabel(customer) : null;
    },
    search: (text) => {
      const needle = nameKey(text);
      return customersMatching(text)
        .filter((customer) => customer.id !== selfId)
        .sort((a, b) => Number(nameKey(b.name) === needle) - Number(nameKey(a.name) === needle)
          || byName(String(a.name), String(b.name)))
        .map((customer) => ({
          value: customer.id, label: customerLabel(customer),
          detail: [customer.company, customer.phone].filter(Boolean).join(' · '),
        }));
    },
  };
}

function fields(customer) {
  const label = (name) => fieldLabel('customers', name);
  const list = [
    { name: 'name', label: label('name'), required: true, maxLength: SPEC.name.maxLength, autocomplete: 'name' },
    { name: 'phone', label: label('phone'), type: 'tel', maxLength: SPEC.phone.maxLength },
    { name: 'company', label: label('company'), maxLength: SPEC.company.maxLength },
    { name: 'title', label: label('title'), maxLength: SPEC.title.maxLength },
    { name: 'kind', label: label('kind'), type: 'choices', options: options(CUSTOMER_KINDS, choiceLabel), hint: t('customer.kind_hint') },
    { name: 'stage', label: label('stage'), type: 'choices', options: options(CUSTOMER_STAGES, choiceLabel) },
    { name: 'interest', label: label('interest'), type: 'select', integer: true,
      options: options([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], (value) => t('customer.interest_value', { value })) },
    { name: 'next_follow_up', label: label('next_follow_up'), type: 'date' },
    { name: 'address', label: label('address'), maxLength: SPEC.address.maxLength },
    { name: 'email', label: label('email'), type: 'email', maxLength: SPEC.email.maxLength },
    { name: 'source', label: label('source'), maxLength: SPEC.source.maxLength },
    { name: 'expected_purchase_date', label: label('expected_purchase_date'), type: 'date' },
    { name: 'expected_amount_fen', label: label('expected_amount_fen'), type: 'money', hint: t('form.yuan_hint') },
    referrerField(customer?.id),
    dealerField('customers'),
    { name: 'notes', label: label('notes'), type: 'textarea', maxLength: SPEC.notes.maxLength },
  ];
  if (canChangeOwner()) {
    list.splice(6, 0, { name: 'owner_id', label: label('owner_id'), type: 'select', options: ownerOptions(), emptyLabel: t('customer.pool') });
  }
  return list;
}

// 查重: how long typing pauses before the customers on the device are searched.
const DUPLICATE_DELAY_MS = 200;
// At most this many possible duplicates are listed.
const DUPLICATES_SHOWN = 3;

// Return a name as the ledger importer compares names (name_key in
// server/importer/snapshot.py): full-width forms folded, spaces removed, lower case.
export function nameKey(name) {
  return String(name ?? '').normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

// Return the customers on this device with the typed name, compared by
// nameKey, or one of the typed phone numbers. A rep's device contains only
// their own customers and the pool's, so other reps' customers stay private.
export function possibleDuplicates(name, phone) {
  const typedName = nameKey(name);
  const typedKeys = new Set(phoneKeys(phone));
  if (!typedName && !typedKeys.size) return [];
  return app.store.list('customers').filter((customer) => (typedName && nameKey(customer.name) === typedName)
    || (typedKeys.size && customer.phone && phoneKeys(customer.phone).some((key) => typedKeys.has(key))));
}

function duplicateItem(customer) {
  const owner = customer.owner_id ? app.userName(customer.owner_id) ?? t('common.unknown_user') : t('customer.pool');
  const parts = [customer.code ? t('common.with_code', { name: customer.name, code: customer.code }) : customer.name,
    customer.phone, t('customer.duplicate_owner', { owner })].filter(Boolean);
  return h('li', {}, h('a', { href: `#/customer/${customer.id}`, text: parts.join(' · ') }));
}

// Build the notice under a new customer's phone field that lists possible
// duplicates while the name and phone are typed. Saving ignores it, because
// two customers may share a name. It sits in a live region that is always
// shown, because screen readers do not announce a region that appears
// together with its content.
function duplicateNotice(form) {
  const notice = h('div', { class: 'notice notice-warning duplicate-notice', hidden: true });
  const region = h('div', { attrs: { 'aria-live': 'polite' } }, notice);
  let timer = null;
  const check = () => {
    const found = possibleDuplicates(form.elements.name.value, form.elements.phone.value);
    const more = found.length - DUPLICATES_SHOWN;
    notice.hidden = found.length === 0;
    replace(notice, found.length ? [
      h('p', { text: t('customer.duplicate_title') }),
      h('ul', {}, found.slice(0, DUPLICATES_SHOWN).map(duplicateItem)),
      more > 0 ? h('p', { text: t('customer.duplicate_more', { count: more }) }) : null] : []);
  };
  form.addEventListener('input', (event) => {
    if (!['name', 'phone'].includes(event.target.name)) return;
    clearTimeout(timer);
    timer = setTimeout(check, DUPLICATE_DELAY_MS);
  });
  return region;
}

function render(params, page) {
  const creating = !params.id;
  const customer = creating ? null : app.store.get('customers', params.id);
  const back = creating ? '#/customers' : `#/customer/${params.id}`;
  const title = creating ? t('customer.new_title') : t('customer.edit_title');
  if (!creating && (!customer || !canEdit('customers', customer))) {
    return h('div', { class: 'view' }, pageHeader(title, { back }), emptyState(customer ? t('common.read_only') : t('customer.not_found')));
  }
  const values = creating
    ? { owner_id: app.user.id, stage: '线索', kind: '直接', next_follow_up: null }
    : customer;
  const form = buildForm({
    fields: fields(customer),
    values: creating ? {} : values,
    submitLabel: creating ? t('customer.create') : t('form.save'),
    onSubmit: async (changes) => {
      if (creating) {
        // The server gives a rep's new customer its owner; writing it here too
        // shows the customer under 我的 before the first sync.
        const id = await saveRecord('customers', null, { owner_id: app.user.id, ...changes });
        savedToast();
        returnTo(`/customer/${id}`);
        return;
      }
      if ('owner_id' in changes && !changes.owner_id && customer.owner_id && !confirmReturnToPool(customer)) return false;
      if (Object.keys(changes).length) await saveRecord('customers', customer.id, changes);
      savedToast();
      returnTo(`/customer/${customer.id}`);
    },
    footer: creating ? null : [linkButton(t('merge.open'), `#/customer/${customer.id}/merge`), deleteButton({
      table: 'customers', id: customer.id, label: t('customer.delete'),
      question: t('customer.delete_confirm', { name: customer.name }), backTo: '/customers',
    })],
  });
  if (creating) {
    form.querySelector('#field-phone').closest('.field').after(duplicateNotice(form));
    // Defaults a rep usually wants, set as typed values so they are saved.
    for (const [name, value] of Object.entries(values)) {
      const radio = form.querySelector(`input[name="${name}"][value="${value}"]`);
      if (radio) radio.checked = true;
      else if (form.elements[name] && value !== null) form.elements[name].value = value;
    }
  }
  return h('div', { class: 'view view-form' },
    pageHeader(title, { back }),
    keepDraft(form),
    form,
    creating ? null : formHistorySection(page, 'customers', customer.id));
}

route('/customer/new', { tab: 'customers', render });
route('/customer/:id/edit', { tab: 'customers', render });
