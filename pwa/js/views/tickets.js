// 工单: complaints, problems and requests (投诉/问题/需求), with the status
// flow 待处理 → 处理中 → 已解决 → 已回访 (or 暂缓), a reply deadline and the resolution.

import { app } from '../context.js';
import { localInputToStamp, stampToLocalInput } from '../dates.js';
import { h, replace } from '../dom.js';
import { deleteButton } from '../deletion.js';
import { keepDraft } from '../drafts.js';
import { saveRecord } from '../edits.js';
import { buildForm, options } from '../forms.js';
import { choiceLabel, fieldLabel, t } from '../i18n.js';
import { canChangeOwner, canEdit } from '../permissions.js';
import { navigate, returnTo, route } from '../router.js';
import { TABLES, TICKET_CATEGORIES, TICKET_DECISIONS, TICKET_KINDS, TICKET_SEVERITIES, TICKET_STATUSES } from '../schema.js';
import {
  button, chip, detailList, emptyState, formatStamp, historySection, linkButton, openConflicts, pageHeader, savedToast, section,
} from '../ui.js';
import { ownerOptions } from './customer-form.js';
import { ticketSurveySection } from './surveys.js';

const SPEC = TABLES.tickets.fields;
const OPEN = new Set(['待处理', '处理中', '暂缓']);
// A ticket on hold (暂缓) is not overdue for its reply while on hold, as in the reminders and reports.
const AWAITING_REPLY = new Set(['待处理', '处理中']);
const DONE = new Set(['已解决', '已回访']);
const HOUR = 3600000;

// The next step of the status flow from each status: [label key, new status].
const NEXT_STEPS = {
  待处理: [['ticket.start', '处理中'], ['ticket.postpone', '暂缓']],
  处理中: [['ticket.resolve', '已解决'], ['ticket.postpone', '暂缓']],
  暂缓: [['ticket.resume', '处理中']],
  已解决: [['ticket.visited', '已回访'], ['ticket.reopen', '处理中']],
  已回访: [],
};

export function ticketStatus(ticket) {
  return ticket.status ?? '待处理';
}

function statusChip(ticket) {
  const status = ticketStatus(ticket);
  let kind = 'warning';
  if (DONE.has(status)) kind = 'success';
  else if (status === '暂缓') kind = 'neutral';
  return chip(choiceLabel(status), kind);
}

function replyOverdue(ticket) {
  return AWAITING_REPLY.has(ticketStatus(ticket)) && !ticket.first_reply_at && ticket.reply_due_at
    && ticket.reply_due_at < new Date(app.now()).toISOString();
}

function ticketCard(ticket) {
  const customer = ticket.customer_id ? app.store.get('customers', ticket.customer_id) : null;
  return h('li', { class: 'card' },
    h('a', { class: 'card-link', href: `#/ticket/${ticket.id}` },
      h('div', { class: 'card-row' },
        h('span', { class: 'card-title', text: ticket.subject || choiceLabel(ticket.kind) }),
        statusChip(ticket)),
      h('div', { class: 'card-detail', text: [ticket.number ?? t('ticket.number_pending'), choiceLabel(ticket.kind),
        customer?.name ?? ticket.complainant].filter(Boolean).join(' · ') }),
      ticket.reply_due_at && OPEN.has(ticketStatus(ticket)) && !ticket.first_reply_at
        ? h('div', { class: replyOverdue(ticket) ? 'text-danger' : 'text-muted', text: t('ticket.reply_due_short', { time: formatStamp(ticket.reply_due_at) }) })
        : null));
}

let listFilter = 'open';

function renderList(params, page) {
  const results = h('div', { class: 'results' });
  let text = '';
  const draw = () => {
    const needle = text.trim().toLowerCase();
    const rows = app.store.list('tickets').filter((ticket) => {
      const status = ticketStatus(ticket);
      if (listFilter === 'open' && !OPEN.has(status)) return false;
      if (listFilter === 'done' && !DONE.has(status)) return false;
      if (!needle) return true;
      const customer = ticket.customer_id ? app.store.get('customers', ticket.customer_id) : null;
      return [ticket.number, ticket.subject, ticket.content, ticket.complainant, ticket.contact, customer?.name]
        .some((value) => value && String(value).toLowerCase().includes(needle));
    }).sort((a, b) => ((a.received_at ?? '') < (b.received_at ?? '') ? 1 : -1));
    replace(results,
      h('p', { class: 'result-count', text: t('tickets.count', { count: rows.length }) }),
      rows.length ? h('ul', { class: 'cards' }, rows.map(ticketCard)) : emptyState(t('tickets.empty')));
  };
  const segments = h('div', { class: 'segmented', attrs: { role: 'group' } }, ['open', 'done', 'all'].map((name) => h('button', {
    type: 'button', class: ['segment', listFilter === name && 'segment-active'], text: t(`tickets.filter_${name}`),
    attrs: { 'aria-pressed': String(listFilter === name) },
    on: { click: () => { listFilter = name; page.refresh(); } },
  })));
  page.onStoreChange(app.store, draw);
  draw();
  return h('div', { class: 'view view-tickets' },
    pageHeader(t('tickets.title'), { actions: [linkButton(t('tickets.new'), '#/ticket/new', 'primary')] }),
    h('div', { class: 'search-row' }, h('input', {
      type: 'search', value: text, attrs: { placeholder: t('tickets.search_placeholder'), 'aria-label': t('tickets.search') },
      on: { input: (event) => { text = event.target.value; draw(); } },
    })),
    segments,
    results);
}

// Write a status change, with the times the flow implies.
async function advance(ticket, status) {
  const changes = { status };
  const now = new Date(app.now()).toISOString();
  if (status === '已解决' && !ticket.resolved_at) changes.resolved_at = now;
  if (status === '已回访' && !ticket.visit_on) changes.visit_on = app.today();
  // A reopened ticket is resolved again later, at a new time.
  if (OPEN.has(status) && ticket.resolved_at) changes.resolved_at = null;
  await saveRecord('tickets', ticket.id, changes);
  savedToast();
}

function renderDetail(params, page) {
  page.rerenderOnChange(app.store);
  const ticket = app.store.get('tickets', params.id);
  if (!ticket) return h('div', { class: 'view' }, pageHeader(t('ticket.title'), { back: '#/tickets' }), emptyState(t('common.not_found')));
  const customer = ticket.customer_id ? app.store.get('customers', ticket.customer_id) : null;
  const editable = canEdit('tickets', ticket);
  const status = ticketStatus(ticket);
  const label = (name) => fieldLabel('tickets', name);
  const steps = editable ? NEXT_STEPS[status].map(([key, next]) => button(t(key), () => {
    // 已解决 needs a resolution and 已回访 takes the satisfaction score, so both open the form.
    if ((next === '已解决' && !ticket.resolution) || next === '已回访') navigate(`/ticket/${ticket.id}/edit?status=${encodeURIComponent(next)}`);
    else advance(ticket, next);
  }, next === '暂缓' || (DONE.has(status) && OPEN.has(next)) ? 'secondary' : 'primary')) : [];
  const replyButton = editable && !ticket.first_reply_at && OPEN.has(status)
    ? button(t('ticket.record_reply'), async () => {
      await saveRecord('tickets', ticket.id, { first_reply_at: new Date(app.now()).toISOString() });
      savedToast();
    }) : null;
  const conflicts = openConflicts((row) => row.record_id === ticket.id);
  return h('div', { class: 'view view-ticket' },
    pageHeader(t('ticket.title'), { back: customer ? `#/customer/${customer.id}` : '#/tickets' }),
    h('div', { class: 'card' },
      h('div', { class: 'card-row' },
        h('h2', { class: 'customer-name', text: ticket.subject || choiceLabel(ticket.kind) }),
        statusChip(ticket)),
      h('div', { class: 'card-detail', text: [ticket.number ?? t('ticket.number_pending'), choiceLabel(ticket.kind),
        ticket.severity ? choiceLabel(ticket.severity) : null, ticket.category ? choiceLabel(ticket.category) : null].filter(Boolean).join(' · ') }),
      replyOverdue(ticket) ? h('p', { class: 'notice notice-danger', text: t('ticket.reply_overdue') }) : null,
      steps.length || replyButton ? h('div', { class: 'actions' }, steps, replyButton) : null,
      editable ? h('div', { class: 'actions' }, linkButton(t('common.edit'), `#/ticket/${ticket.id}/edit`)) : null),
    conflicts.length ? h('a', { class: 'notice notice-warning', href: '#/sync', text: t('customer.has_conflicts', { count: conflicts.length }) }) : null,
    section(t('ticket.details'), detailList([
      [t('ticket.customer'), customer ? h('a', { href: `#/customer/${customer.id}`, text: customer.name }) : null],
      [label('complainant'), ticket.complainant],
      [label('contact'), ticket.contact],
      [label('received_at'), formatStamp(ticket.received_at)],
      [label('reply_due_at'), formatStamp(ticket.reply_due_at)],
      [label('first_reply_at'), formatStamp(ticket.first_reply_at)],
      [label('owner_id'), app.userName(ticket.owner_id)],
      [label('content'), ticket.content],
      [label('steps'), ticket.steps],
      [label('expected_result'), ticket.expected_result],
      [label('actual_result'), ticket.actual_result],
      [label('investigation'), ticket.investigation],
      [label('resolution'), ticket.resolution],
      [label('result'), ticket.result],
      [label('resolved_at'), formatStamp(ticket.resolved_at)],
      [label('visit_on'), ticket.visit_on],
      [label('satisfaction'), ticket.satisfaction ? t('ticket.satisfaction_value', { value: ticket.satisfaction }) : null],
      [label('decision'), ticket.decision ? choiceLabel(ticket.decision) : null],
      [label('shipped_version'), ticket.shipped_version],
      [label('legacy_number'), ticket.legacy_number],
    ])),
    ticketSurveySection(ticket, editable),
    historySection('tickets', ticket.id));
}

// Fields a new ticket does not need yet: it starts as 待处理 and the rest
// is filled while it is handled.
const HANDLING_FIELDS = new Set(['status', 'first_reply_at', 'investigation', 'resolution', 'result', 'resolved_at', 'visit_on',
  'satisfaction', 'decision', 'shipped_version']);

// Fields of 问题 and 需求 tickets (a defect or a feature request), hidden for 投诉.
const PROBLEM_FIELDS = ['steps', 'expected_result', 'actual_result'];

// Show the problem fields unless the chosen kind is 投诉.
function showFieldsForKind(form) {
  const kind = form.querySelector('input[name="kind"]:checked')?.value;
  for (const field of form.querySelectorAll('.problem-field')) field.hidden = kind === '投诉';
}

function ticketFields(ticket, customerFixed) {
  const label = (name) => fieldLabel('tickets', name);
  let list = [
    { name: 'kind', label: label('kind'), type: 'choices', required: true, options: options(TICKET_KINDS, choiceLabel) },
    { name: 'subject', label: label('subject'), maxLength: SPEC.subject.maxLength, placeholder: t('ticket.subject_placeholder') },
    { name: 'content', label: label('content'), type: 'textarea', rows: 4, maxLength: SPEC.content.maxLength },
    ...PROBLEM_FIELDS.map((name) => ({ name, label: label(name), type: 'textarea', maxLength: SPEC[name].maxLength, className: 'problem-field' })),
    { name: 'complainant', label: label('complainant'), maxLength: SPEC.complainant.maxLength },
    { name: 'contact', label: label('contact'), type: 'tel', maxLength: SPEC.contact.maxLength },
    { name: 'severity', label: label('severity'), type: 'choices', options: options(TICKET_SEVERITIES, choiceLabel) },
    { name: 'category', label: label('category'), type: 'choices', options: options(TICKET_CATEGORIES, choiceLabel) },
    { name: 'status', label: label('status'), type: 'select', required: true, options: options(TICKET_STATUSES, choiceLabel) },
    { name: 'received_at', label: label('received_at'), type: 'datetime' },
    { name: 'reply_due_at', label: label('reply_due_at'), type: 'datetime', hint: t('ticket.reply_due_hint') },
    { name: 'first_reply_at', label: label('first_reply_at'), type: 'datetime' },
    { name: 'investigation', label: label('investigation'), type: 'textarea', maxLength: SPEC.investigation.maxLength },
    { name: 'resolution', label: label('resolution'), type: 'textarea', maxLength: SPEC.resolution.maxLength },
    { name: 'result', label: label('result'), type: 'textarea', maxLength: SPEC.result.maxLength },
    { name: 'resolved_at', label: label('resolved_at'), type: 'datetime' },
    { name: 'visit_on', label: label('visit_on'), type: 'date' },
    { name: 'satisfaction', label: label('satisfaction'), type: 'select', integer: true,
      options: options([5, 4, 3, 2, 1], (value) => t('ticket.satisfaction_value', { value })) },
    { name: 'decision', label: label('decision'), type: 'select', options: options(TICKET_DECISIONS, choiceLabel), className: 'problem-field' },
    { name: 'shipped_version', label: label('shipped_version'), maxLength: SPEC.shipped_version.maxLength, className: 'problem-field' },
  ];
  if (!ticket) list = list.filter((field) => !HANDLING_FIELDS.has(field.name));
  if (!customerFixed) {
    const customers = app.store.list('customers').filter((customer) => canEdit('customers', customer))
      .sort((a, b) => String(a.name).localeCompare(String(b.name), 'zh-CN'))
      .map((customer) => ({ value: customer.id, label: customer.code ? t('common.with_code', { name: customer.name, code: customer.code }) : customer.name }));
    list.splice(3, 0, { name: 'customer_id', label: t('ticket.customer'), type: 'select', options: customers, emptyLabel: t('ticket.no_customer') });
  }
  // A ticket of a customer belongs to the customer's owner, the only rep who
  // can open it, so only a ticket without a customer takes an owner of its own.
  if (canChangeOwner() && !customerFixed && !ticket?.customer_id) {
    list.push({ name: 'owner_id', label: label('owner_id'), type: 'select', options: ownerOptions(), hint: t('ticket.owner_hint') });
  }
  return list;
}

function validateTicket(values, creating) {
  const errors = {};
  // Only new tickets need one, because imported tickets may have neither and must stay editable.
  if (creating && !values.subject && !values.content) errors.subject = t('ticket.subject_required');
  if (DONE.has(values.status) && !values.resolution) errors.resolution = t('ticket.resolution_required');
  if (values.received_at && values.reply_due_at && values.reply_due_at < values.received_at) {
    errors.reply_due_at = t('ticket.reply_before_received');
  }
  if (values.received_at && values.first_reply_at && values.first_reply_at < values.received_at) {
    errors.first_reply_at = t('ticket.time_before_received');
  }
  if (values.received_at && values.resolved_at && values.resolved_at < values.received_at) {
    errors.resolved_at = t('ticket.time_before_received');
  }
  return errors;
}

function renderForm(params) {
  const creating = !params.id;
  const existing = creating ? null : app.store.get('tickets', params.id);
  const customerId = creating ? params.query.get('customer') : existing?.customer_id;
  const customer = customerId ? app.store.get('customers', customerId) : null;
  const title = creating ? t('ticket.new_title') : t('ticket.edit_title');
  let back = '#/tickets';
  if (existing) back = `#/ticket/${existing.id}`;
  else if (customer) back = `#/customer/${customer.id}`;
  if ((!creating && !existing) || (existing && !canEdit('tickets', existing)) || (customer && !canEdit('customers', customer))) {
    return h('div', { class: 'view' }, pageHeader(title, { back }), emptyState(existing ? t('common.read_only') : t('common.not_found')));
  }
  const form = buildForm({
    fields: ticketFields(existing, Boolean(customer)),
    values: existing ?? {},
    submitLabel: creating ? t('ticket.create') : t('form.save'),
    validate: (values) => validateTicket(values, creating),
    onSubmit: async (changes, values) => {
      const now = new Date(app.now()).toISOString();
      if (DONE.has(values.status) && !values.resolved_at) changes.resolved_at = now;
      if (values.status === '已回访' && !values.visit_on) changes.visit_on = app.today();
      // Reopened: the time of the earlier resolution no longer holds.
      if (OPEN.has(values.status) && (values.resolved_at || existing?.resolved_at)) changes.resolved_at = null;
      let id = existing?.id;
      const linked = changes.customer_id ? app.store.get('customers', changes.customer_id) : customer;
      if (changes.customer_id && linked) changes.owner_id = linked.owner_id ?? app.user.id;
      if (creating) {
        const record = { status: '待处理', ...changes };
        if (customer) record.customer_id = customer.id;
        if (customer) record.owner_id = customer.owner_id ?? app.user.id;
        if (!canChangeOwner() || !record.owner_id) record.owner_id = app.user.id;
        id = await saveRecord('tickets', null, record);
      } else if (Object.keys(changes).length) {
        await saveRecord('tickets', id, changes);
      }
      savedToast();
      returnTo(`/ticket/${id}`);
    },
    footer: creating ? null : deleteButton({
      table: 'tickets', id: existing.id, question: t('ticket.delete_confirm'),
      backTo: customer ? `/customer/${customer.id}` : '/tickets',
    }),
  });
  const set = (name, value) => {
    const radio = form.querySelector(`input[name="${name}"][value="${value}"]`);
    if (radio) radio.checked = true;
    else if (form.elements[name]) form.elements[name].value = value;
  };
  if (creating) {
    const zone = app.timeZone();
    set('kind', '投诉');
    set('severity', '一般');
    set('received_at', stampToLocalInput(new Date(app.now()).toISOString(), zone));
    set('reply_due_at', stampToLocalInput(new Date(app.now() + 24 * HOUR).toISOString(), zone));
    if (canChangeOwner() && !customer) set('owner_id', app.user.id);
    if (customer) {
      set('complainant', customer.name ?? '');
      set('contact', customer.phone ?? '');
    }
  }
  showFieldsForKind(form);
  // A new ticket's reply deadline follows its time received (a complaint
  // entered a day late is due 24 hours after it came in) until it is typed.
  let deadlineTyped = !creating;
  form.addEventListener('change', (event) => {
    if (event.target.name === 'kind') showFieldsForKind(form);
    if (event.target.name === 'reply_due_at') deadlineTyped = true;
    if (event.target.name === 'received_at' && !deadlineTyped) {
      const received = localInputToStamp(event.target.value, app.timeZone());
      if (received) set('reply_due_at', stampToLocalInput(new Date(Date.parse(received) + 24 * HOUR).toISOString(), app.timeZone()));
    }
  });
  const requested = params.query.get('status');
  if (!creating && requested && TICKET_STATUSES.includes(requested)) {
    set('status', requested);
    if (requested === '已回访' && !existing.visit_on) set('visit_on', app.today());
  }
  return h('div', { class: 'view view-form' },
    pageHeader(title, { back }),
    customer ? h('p', { class: 'subtitle', text: customer.name }) : null,
    keepDraft(form),
    form);
}

route('/tickets', { tab: 'tickets', keepsScroll: true, render: renderList });
route('/ticket/new', { tab: 'tickets', render: renderForm });
route('/ticket/:id', { tab: 'tickets', render: renderDetail });
route('/ticket/:id/edit', { tab: 'tickets', render: renderForm });
