// Logging a follow-up (跟进记录), one tap from the customer page. Its next
// follow-up date is copied to the customer in the same transaction, so both
// go out in the same sync.

import { app } from '../context.js';
import { addDays, stampToLocalInput } from '../dates.js';
import { h } from '../dom.js';
import { deleteButton } from '../deletion.js';
import { keepDraft } from '../drafts.js';
import { saveRecords } from '../edits.js';
import { buildForm, options } from '../forms.js';
import { choiceLabel, fieldLabel, t } from '../i18n.js';
import { canEdit } from '../permissions.js';
import { returnTo, route } from '../router.js';
import { CHANNELS, TABLES } from '../schema.js';
import { emptyState, formHistorySection, pageHeader, savedToast } from '../ui.js';
import { checkInField, VISIT_CHANNEL } from './check-in.js';

const SPEC = TABLES.follow_ups.fields;

// Buttons that fill the next follow-up date: tomorrow, in 3 days, in a week.
function quickDates() {
  const set = (days) => {
    const input = document.getElementById('field-next_follow_up');
    input.value = addDays(app.today(), days);
    // Tell the form, whose draft follows its inputs' events.
    input.dispatchEvent(new Event('input', { bubbles: true }));
  };
  return h('div', { class: 'quick-dates' },
    [[1, 'follow_up.tomorrow'], [3, 'follow_up.in_3_days'], [7, 'follow_up.in_a_week']].map(([days, key]) => h('button', {
      type: 'button', class: 'button button-small button-secondary', text: t(key), on: { click: () => set(days) },
    })));
}

function followUpFields() {
  const label = (name) => fieldLabel('follow_ups', name);
  return [
    { name: 'channel', label: label('channel'), type: 'choices', options: options(CHANNELS, choiceLabel) },
    { name: 'content', label: label('content'), type: 'textarea', rows: 4, maxLength: SPEC.content.maxLength,
      placeholder: t('follow_up.content_placeholder') },
    { name: 'result', label: label('result'), type: 'textarea', rows: 2, maxLength: SPEC.result.maxLength },
    { name: 'next_follow_up', label: label('next_follow_up'), type: 'date', hint: t('follow_up.next_hint'), after: quickDates() },
    { name: 'happened_at', label: label('happened_at'), type: 'datetime', required: true },
  ];
}

// Return the customer's changes implied by a follow-up: its next follow-up
// date, the stage 跟进中 after the first contact with a lead, and the place
// of a check-in the rep marked as the customer's.
function customerChanges(customer, { creating, changes, values, state }) {
  const result = {};
  if ('next_follow_up' in changes || creating) {
    if (values.next_follow_up) {
      result.next_follow_up = values.next_follow_up;
    } else if (creating && customer.next_follow_up && customer.next_follow_up <= app.today()) {
      // Logging a follow-up settles one that was due, unless a new date is set.
      result.next_follow_up = null;
    }
  }
  if (creating && customer.stage === '线索') result.stage = '跟进中';
  if (values.channel === VISIT_CHANNEL && state.markPlace()) {
    result.location = { lat: state.checkIn.location.lat, lng: state.checkIn.location.lng };
  }
  return result;
}

function render(params, page) {
  const creating = !params.id;
  const existing = creating ? null : app.store.get('follow_ups', params.id);
  const customerId = creating ? params.customer : existing?.customer_id;
  const customer = customerId ? app.store.get('customers', customerId) : null;
  const title = creating ? t('follow_up.new_title') : t('follow_up.edit_title');
  const back = customer ? `#/customer/${customer.id}` : '#/customers';
  if (!customer || (existing === null && !creating) || !canEdit('customers', customer)) {
    return h('div', { class: 'view' }, pageHeader(title, { back }),
      emptyState(customer ? t('common.read_only') : t('customer.not_found')));
  }

  const state = { checkIn: null, markPlace: () => false };
  const onSubmit = async (changes, values) => {
    const writes = [];
    if (creating) {
      const record = { customer_id: customer.id, ...changes };
      if (values.channel === VISIT_CHANNEL && state.checkIn) {
        record.location = state.checkIn.location;
        record.checked_in_at = state.checkIn.at;
      }
      writes.push({ table: 'follow_ups', id: null, changes: record });
    } else if (Object.keys(changes).length) {
      writes.push({ table: 'follow_ups', id: existing.id, changes });
    }
    const forCustomer = customerChanges(customer, { creating, changes, values, state });
    if (Object.keys(forCustomer).length) writes.push({ table: 'customers', id: customer.id, changes: forCustomer });
    if (writes.length) await saveRecords(writes);
    savedToast();
    returnTo(`/customer/${customer.id}`);
  };

  const form = buildForm({
    fields: followUpFields(),
    values: existing ?? {},
    submitLabel: creating ? t('follow_up.create') : t('form.save'),
    validate: (values) => (values.content || values.result ? {} : { content: t('follow_up.content_required') }),
    extra: creating ? checkInField(state, customer) : null,
    onSubmit,
    footer: creating ? null : deleteButton({
      table: 'follow_ups', id: existing.id, question: t('follow_up.delete_confirm'), backTo: `/customer/${customer.id}`,
    }),
  });
  if (creating) {
    const channel = form.querySelector('input[name="channel"][value="电话"]');
    if (channel) channel.checked = true;
    // A check-in belongs to a visit: the block shows while 拜访 is chosen.
    const checkIn = form.querySelector('#check-in');
    const showCheckIn = () => {
      checkIn.hidden = form.querySelector('input[name="channel"]:checked')?.value !== VISIT_CHANNEL;
    };
    form.addEventListener('change', (event) => { if (event.target.name === 'channel') showCheckIn(); });
    showCheckIn();
    form.elements.happened_at.value = stampToLocalInput(new Date(app.now()).toISOString(), app.timeZone());
  }
  return h('div', { class: 'view view-form' },
    pageHeader(title, { back }),
    h('p', { class: 'subtitle', text: customer.name }),
    keepDraft(form),
    form,
    creating ? null : formHistorySection(page, 'follow_ups', existing.id));
}

route('/customer/:customer/follow-up/new', { tab: 'customers', render });
route('/follow-up/:id/edit', { tab: 'customers', render });
