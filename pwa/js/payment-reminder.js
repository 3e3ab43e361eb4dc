// 发送付款提醒: a polite message asking a customer to pay an overdue
// receivable. The message is always Chinese, because it goes to the
// customer, whatever language the rep uses the app in.

import { h } from './dom.js';
import { addMessages, t } from './i18n.js';
import { formatFen } from './money.js';

// Follow-up channels a payment reminder can go out by.
export const REMINDER_CHANNELS = ['微信', '短信'];

addMessages({
  zh: { 'payment_reminder.button': '发送付款提醒' },
  en: { 'payment_reminder.button': 'Send payment reminder' },
});

// "2026年3月6日" for 2026-03-06.
export function chineseDate(date) {
  const [year, month, day] = date.split('-').map(Number);
  return `${year}年${month}月${day}日`;
}

// Compose the reminder for `receivable` (its fields) of `customer`, with
// `paid` fen received so far, signed by `repName`.
export function composePaymentReminder({ customer, receivable, paid, repName }) {
  const amount = receivable.amount_fen ?? 0;
  const outstanding = Math.max(amount - paid, 0);
  const greeting = `${customer.name}您好！${repName ? `我是${repName}。` : ''}`;
  let order = '您的订单';
  if (receivable.order_no) order = `您的订单（订单号 ${receivable.order_no}）`;
  else if (receivable.sale_date) order = `您于${chineseDate(receivable.sale_date)}下的订单`;
  const amounts = paid > 0
    ? `应付 ${formatFen(amount)}，已付 ${formatFen(paid)}，尚有 ${formatFen(outstanding)} 未付`
    : `尚有 ${formatFen(outstanding)} 未付`;
  const due = receivable.due_date ? `，付款期限为${chineseDate(receivable.due_date)}` : '';
  return `${greeting}温馨提醒：${order}${amounts}${due}。`
    + '烦请您在方便时尽快安排付款。如已付款，请忽略本消息，并告诉我一声以便核对。感谢您的支持！';
}

// The 发送付款提醒 link of a receivable card.
export function paymentReminderLink(receivableId) {
  return h('a', { class: 'button button-secondary payment-reminder-link', href: `#/receivable/${receivableId}/remind`,
    text: t('payment_reminder.button') });
}
