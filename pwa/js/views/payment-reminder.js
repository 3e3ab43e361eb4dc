// 发送付款提醒 for an overdue receivable: the composed message, editable,
// goes to the phone's share sheet (WeChat, SMS…) or to the clipboard, and is
// logged as a follow-up of the customer with the channel the rep chose. The
// follow-up is an ordinary local edit, so all of this works offline.

import { app } from '../context.js';
import { h } from '../dom.js';
import { saveRecords } from '../edits.js';
import { buildForm, options } from '../forms.js';
import { addMessages, choiceLabel, fieldLabel, t } from '../i18n.js';
import { formatFen } from '../money.js';
import { composePaymentReminder, REMINDER_CHANNELS } from '../payment-reminder.js';
import { receivableStatus } from '../payments.js';
import { canEdit } from '../permissions.js';
import { navigate, route } from '../router.js';
import { TABLES } from '../schema.js';
import { detailList, emptyState, pageHeader, toast } from '../ui.js';

addMessages({
  zh: {
    'payment_reminder.title': '发送付款提醒',
    'payment_reminder.channel': '发送方式',
    'payment_reminder.message': '提醒内容',
    'payment_reminder.message_hint': '可以先修改再发送。发送后会记为一条跟进记录。',
    'payment_reminder.share': '分享给客户',
    'payment_reminder.copy': '复制提醒内容',
    'payment_reminder.not_overdue': '这笔应收没有逾期未付的金额，不需要发送付款提醒。',
    'payment_reminder.copy_manually': '无法自动分享或复制。请长按上面的文字，全选并复制，发给客户后点下面的按钮记录跟进。',
    'payment_reminder.log_manual': '已发给客户，记录跟进',
    'payment_reminder.shared': '已记为跟进记录。',
    'payment_reminder.copied': '已复制，请粘贴到{channel}发给客户。已记为跟进记录。',
    'payment_reminder.overdue_since': '{date}（已逾期 {days} 天）',
  },
  en: {
    'payment_reminder.title': 'Send payment reminder',
    'payment_reminder.channel': 'Send by',
    'payment_reminder.message': 'Message',
    'payment_reminder.message_hint': 'You may edit it before sending. Sending logs it as a follow-up.',
    'payment_reminder.share': 'Share with the customer',
    'payment_reminder.copy': 'Copy the message',
    'payment_reminder.not_overdue': 'Nothing on this receivable is overdue, so there is no payment to remind of.',
    'payment_reminder.copy_manually': 'The message could not be shared or copied. Press and hold the text above, select all and copy it, send it to the customer, then tap the button below to log the follow-up.',
    'payment_reminder.log_manual': 'Sent it; log the follow-up',
    'payment_reminder.shared': 'Logged as a follow-up.',
    'payment_reminder.copied': 'Copied: paste it into {channel} to send it. Logged as a follow-up.',
    'payment_reminder.overdue_since': '{date} ({days} days overdue)', 'payment_reminder.overdue_since_one': '{date} ({days} day overdue)',
  },
});

const MESSAGE_MAX = TABLES.follow_ups.fields.content.maxLength;

function logFollowUp(customer, { channel, message }) {
  return saveRecords([{
    table: 'follow_ups', id: null,
    changes: { customer_id: customer.id, happened_at: new Date(app.now()).toISOString(), channel, content: message },
  }]);
}

// Hand `message` to the share sheet, else the clipboard. Resolves to
// 'shared', 'copied', 'cancelled' (the rep closed the share sheet) or
// 'failed' when neither is available or both refused.
async function shareOrCopy(message) {
  if (navigator.share) {
    try {
      await navigator.share({ text: message });
      return 'shared';
    } catch (error) {
      if (error?.name === 'AbortError') return 'cancelled';
      console.warn('sharing the payment reminder failed; copying it instead', error);
    }
  }
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(message);
      return 'copied';
    } catch (error) {
      console.warn('copying the payment reminder failed', error);
    }
  }
  return 'failed';
}

function render(params) {
  const receivable = app.store.get('receivables', params.id);
  const customer = receivable ? app.store.get('customers', receivable.customer_id) : null;
  const back = customer ? `#/customer/${customer.id}` : '#/customers';
  const header = pageHeader(t('payment_reminder.title'), { back });
  if (!receivable || !customer) return h('div', { class: 'view' }, header, emptyState(t('common.not_found')));
  if (!canEdit('customers', customer)) return h('div', { class: 'view' }, header, emptyState(t('common.read_only')));

  const today = app.today();
  const payments = app.store.listBy('payments', 'receivable_id', receivable.id);
  const status = receivableStatus(receivable, payments, today);
  const facts = detailList([
    [fieldLabel('receivables', 'order_no'), receivable.order_no],
    [t('receivable.outstanding'), h('strong', { class: 'text-danger', text: formatFen(status.outstanding) })],
    [fieldLabel('receivables', 'due_date'), receivable.due_date ? t('payment_reminder.overdue_since', {
      date: receivable.due_date,
      days: Math.round((Date.parse(today) - Date.parse(receivable.due_date)) / 86400000),
    }) : null],
  ]);
  if (status.status !== 'overdue') {
    return h('div', { class: 'view view-payment-reminder' }, header, h('p', { class: 'subtitle', text: customer.name }),
      h('section', { class: 'section' }, facts), emptyState(t('payment_reminder.not_overdue')));
  }

  const message = composePaymentReminder({
    customer, receivable, paid: status.paid, repName: app.user?.name || app.user?.username,
  });
  const fallbackNotice = h('p', { class: 'notice notice-warning', id: 'reminder-fallback', hidden: true, attrs: { role: 'alert' },
    text: t('payment_reminder.copy_manually') });
  // Set while 已发给客户 submits the form: the form's checks run again on
  // what the rep sees now, and the message is logged without sharing.
  let sentByHand = false;
  let form = null;
  const logManual = h('button', {
    type: 'button', class: 'button button-secondary', id: 'reminder-log', hidden: true, text: t('payment_reminder.log_manual'),
    on: {
      click: () => {
        sentByHand = true;
        form.requestSubmit();
        sentByHand = false;
      },
    },
  });

  async function finish(outcome, { channel, message: text }) {
    await logFollowUp(customer, { channel, message: text });
    toast(outcome === 'copied'
      ? t('payment_reminder.copied', { channel: choiceLabel(channel) }) : t('payment_reminder.shared'));
    navigate(`/customer/${customer.id}`, { replace: true });
  }

  form = buildForm({
    fields: [
      { name: 'channel', label: t('payment_reminder.channel'), type: 'choices', required: true,
        options: options(REMINDER_CHANNELS, choiceLabel) },
      { name: 'message', label: t('payment_reminder.message'), type: 'textarea', rows: 8, required: true,
        maxLength: MESSAGE_MAX, hint: t('payment_reminder.message_hint') },
    ],
    values: { channel: REMINDER_CHANNELS[0], message },
    submitLabel: navigator.share ? t('payment_reminder.share') : t('payment_reminder.copy'),
    extra: h('div', { class: 'field field-wide' }, fallbackNotice, logManual),
    // Runs synchronously up to its first await, so it still sees sentByHand.
    onSubmit: async (changes, values) => {
      if (sentByHand) {
        await finish('manual', values);
        return;
      }
      const outcome = await shareOrCopy(values.message);
      if (outcome === 'cancelled') return;
      if (outcome === 'failed') {
        fallbackNotice.hidden = false;
        logManual.hidden = false;
        const text = form.elements.message;
        text.focus();
        text.select();
        return;
      }
      await finish(outcome, values);
    },
  });
  return h('div', { class: 'view view-form view-payment-reminder' },
    header, h('p', { class: 'subtitle', text: customer.name }), h('section', { class: 'section' }, facts), form);
}

route('/receivable/:id/remind', { tab: 'customers', render });
