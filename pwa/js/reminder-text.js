// The words of a reminder notification, in Chinese or English: the same
// titles and bodies as the server's push messages (server/reminders/text.py),
// so a local notification and a push of the same item read alike.
//
// Pure functions of a due item (from reminders.js), so tests can call them.

import { zonedParts } from './dates.js';
import { formatFen } from './money.js';

export const MAX_TITLE_CHARS = 100;
export const MAX_CONTENT_CHARS = 300;
export const SUMMARY_TAG = 'genzong-summary';
export const TODAY_URL = '/#/today';
const ELLIPSIS = '…';
// A character that belongs to the one before it: combining marks, joiners,
// variation selectors and emoji skin-tone modifiers.
const ATTACHED = /^(?:\p{M}|\u200d|\u200c|\ufe0e|\ufe0f|[\u{1f3fb}-\u{1f3ff}])$/u;
const ZWJ = '\u200d';
const ZERO_WIDTH_JOINERS = new Set([ZWJ, '\u200c']);

// `text` cut to at most `max` characters (code points, as Python counts
// them), ending with … when cut, never between a character and its marks.
export function cut(text, max) {
  const chars = Array.from(text ?? '');
  if (chars.length <= max) return chars.join('');
  if (max <= 1) return ELLIPSIS.slice(0, max);
  let end = max - 1;
  // Step back over marks and joiners, over a character a joiner ties to the
  // one before, and over the character they attach to.
  while (end > 0 && (ATTACHED.test(chars[end]) || chars[end - 1] === ZWJ)) end -= 1;
  const kept = chars.slice(0, end);
  while (kept.length && ZERO_WIDTH_JOINERS.has(kept[kept.length - 1])) kept.pop();
  return kept.join('').trimEnd() + ELLIPSIS;
}

// Kinds whose notifications must not replace another kind's about the same record.
const TAG_PREFIXES = { escalation: 'escalation', pool_warning: 'pool' };

// The notification tag of an item: one per record and recipient role, so a
// later stage of the same record replaces the earlier notification.
export function reminderTag(item) {
  return `genzong-${TAG_PREFIXES[item.kind] ?? item.table}-${item.id}`;
}

function who(item, lang) {
  const name = item.customerName || '—';
  const company = item.company;
  if (!company || company === name) return name;
  return lang === 'en' ? `${name} (${company})` : `${name}（${company}）`;
}

function deadlineText(stamp, timeZone, lang) {
  const { date, time } = zonedParts(Date.parse(stamp), timeZone);
  if (lang === 'en') return `${date} ${time}`;
  const [, month, day] = date.split('-').map(Number);
  return `${month}月${day}日 ${time}`;
}

function duration(minutes, lang) {
  const total = Math.max(minutes, 0);
  const hours = Math.floor(total / 60);
  const rest = total % 60;
  const parts = lang === 'en'
    ? [hours ? `${hours} h` : '', rest || !hours ? `${rest} min` : '']
    : [hours ? `${hours} 小时` : '', rest || !hours ? `${rest} 分钟` : ''];
  return parts.filter(Boolean).join(' ');
}

function ticketName(item) {
  return [item.number, item.subject].filter(Boolean).join(' ') || '—';
}

const CHINESE = {
  follow_up: (item) => {
    const when = item.daysOverdue === 0 ? '今天应跟进。' : `应于 ${item.due} 跟进，已逾期 ${item.daysOverdue} 天。`;
    return [`跟进提醒：${who(item, 'zh')}`, when + (item.phone ? `电话 ${item.phone}。` : '')];
  },
  escalation: (item, { ownerName }) => [
    `跟进逾期：${ownerName}的客户 ${who(item, 'zh')}`,
    `应于 ${item.due} 跟进，已逾期 ${item.daysOverdue} 天，尚未跟进。`,
  ],
  receivable_due: (item) => [
    `回款提醒：${who(item, 'zh')}`, `${receivableFactsZh(item)}，付款期限 ${item.due}（${daysLeftZh(item.daysLeft)}）。`,
  ],
  receivable_overdue: (item) => [
    `逾期未付款：${who(item, 'zh')}`,
    `${receivableFactsZh(item)}，付款期限 ${item.due}，已逾期 ${-item.daysLeft} 天。`,
  ],
  ticket_due: (item, context) => ticketZh(item, context, false),
  ticket_overdue: (item, context) => ticketZh(item, context, true),
  risk_overdue: (item) => riskZh(item),
  risk_high: (item) => riskZh(item),
  pool_warning: (item) => {
    let when = `${item.daysLeft} 天后（${item.due}）退回公海`;
    if (item.daysLeft <= 0) when = `今天（${item.due}）退回公海`;
    else if (item.daysLeft === 1) when = `明天（${item.due}）退回公海`;
    return [`即将退回公海：${who(item, 'zh')}`, `自 ${item.lastActivity} 起没有跟进，${when}。写一条跟进即可保留该客户。`];
  },
};

const ENGLISH = {
  follow_up: (item) => {
    const when = item.daysOverdue === 0 ? 'Follow-up due today.' : `Follow-up was due ${item.due}, ${item.daysOverdue} days ago.`;
    return [`Follow up: ${who(item, 'en')}`, when + (item.phone ? ` Phone ${item.phone}.` : '')];
  },
  escalation: (item, { ownerName }) => [
    `Overdue follow-up: ${who(item, 'en')}, ${ownerName}`,
    `The follow-up was due ${item.due} and is ${item.daysOverdue} days overdue.`,
  ],
  receivable_due: (item) => [
    `Payment due: ${who(item, 'en')}`, `${receivableFactsEn(item)}, due ${item.due} (${daysLeftEn(item.daysLeft)}).`,
  ],
  receivable_overdue: (item) => [
    `Payment overdue: ${who(item, 'en')}`,
    `${receivableFactsEn(item)}, was due ${item.due}, ${-item.daysLeft} days overdue.`,
  ],
  ticket_due: (item, context) => ticketEn(item, context, false),
  ticket_overdue: (item, context) => ticketEn(item, context, true),
  risk_overdue: (item) => riskEn(item),
  risk_high: (item) => riskEn(item),
  pool_warning: (item) => {
    let when = `returns to the public pool in ${item.daysLeft} days (${item.due})`;
    if (item.daysLeft <= 0) when = `returns to the public pool today (${item.due})`;
    else if (item.daysLeft === 1) when = `returns to the public pool tomorrow (${item.due})`;
    return [`Returning to the pool: ${who(item, 'en')}`,
      `No follow-up since ${item.lastActivity}; it ${when}. Log a follow-up to keep the customer.`];
  },
};

function daysLeftZh(days) {
  if (days === 0) return '今天到期';
  if (days === 1) return '明天到期';
  return `还有 ${days} 天`;
}

function daysLeftEn(days) {
  if (days === 0) return 'due today';
  if (days === 1) return 'due tomorrow';
  return `due in ${days} days`;
}

function receivableFactsZh(item) {
  const order = item.orderNo ? `订单 ${item.orderNo}，` : '';
  const paid = item.paid ? `，已付 ${formatFen(item.paid)}` : '';
  return `${order}待收 ${formatFen(item.outstanding)}（应收 ${formatFen(item.amount)}${paid}）`;
}

function receivableFactsEn(item) {
  const order = item.orderNo ? `Order ${item.orderNo}: ` : '';
  return `${order}${formatFen(item.outstanding)} outstanding of ${formatFen(item.amount)}`;
}

function minutesLeft(item, now) {
  return Math.floor((Date.parse(item.due) - now) / 60000);
}

function ticketZh(item, { timeZone, now }, overdue) {
  const minutes = minutesLeft(item, now);
  const deadline = deadlineText(item.due, timeZone, 'zh');
  const title = overdue ? `工单已超时未答复：${ticketName(item)}` : `工单即将超时：${ticketName(item)}`;
  const when = overdue ? `答复期限 ${deadline}，已超时 ${duration(-minutes, 'zh')}。`
    : `答复期限 ${deadline}（还剩 ${duration(minutes, 'zh')}）。`;
  const customer = item.customerName ? `客户：${item.customerName}。` : '';
  return [title, when + customer + cut(item.content ?? '', MAX_CONTENT_CHARS)];
}

function ticketEn(item, { timeZone, now }, overdue) {
  const minutes = minutesLeft(item, now);
  const deadline = deadlineText(item.due, timeZone, 'en');
  const title = overdue ? `Ticket reply overdue: ${ticketName(item)}` : `Ticket reply due soon: ${ticketName(item)}`;
  const when = overdue ? `Reply was due ${deadline}, ${duration(-minutes, 'en')} ago.`
    : `Reply due ${deadline} (in ${duration(minutes, 'en')}).`;
  const customer = item.customerName ? ` Customer: ${item.customerName}.` : '';
  const content = cut(item.content ?? '', MAX_CONTENT_CHARS);
  return [title, when + customer + (content ? ` ${content}` : '')];
}

function riskZh(item) {
  const description = cut(item.description ?? '', MAX_CONTENT_CHARS);
  const category = item.category ? `${item.category}风险` : '风险';
  const exposure = item.exposure ? `风险值 ${item.exposure}` : '风险值未评估';
  let title;
  let when;
  if (item.daysOverdue) {
    title = `风险应对已逾期：${item.projectName}`;
    when = `应对期限 ${item.dueOn}，已逾期 ${item.daysOverdue} 天，${exposure}。`;
  } else {
    title = `高风险：${item.projectName}`;
    when = `${exposure}（概率 × 影响）${item.dueOn ? `，应对期限 ${item.dueOn}` : ''}。`;
  }
  return [title, `${when}客户：${who(item, 'zh')}。${category}：${description}`];
}

function riskEn(item) {
  const description = cut(item.description ?? '', MAX_CONTENT_CHARS);
  const exposure = item.exposure ? `exposure ${item.exposure}` : 'exposure not rated';
  let title;
  let when;
  if (item.daysOverdue) {
    title = `Risk response overdue: ${item.projectName}`;
    when = `Response was due ${item.dueOn}, ${item.daysOverdue} days ago; ${exposure}.`;
  } else {
    // A risk is reminded without being overdue only when its exposure is high, so it is rated.
    title = `High risk: ${item.projectName}`;
    when = `Exposure ${item.exposure} (probability × impact)${item.dueOn ? `, response due ${item.dueOn}` : ''}.`;
  }
  return [title, `${when} Customer: ${who(item, 'en')}. ${description}`];
}

// The notification of one item: {title, body, url, tag}.
//   lang: 'zh' or 'en'; timeZone: the organisation's; now: ms since the epoch;
//   ownerName: the name of the item's owner (shown in escalations).
export function reminderNotification(item, { lang = 'zh', timeZone, now, ownerName = '—' }) {
  const compose = (lang === 'en' ? ENGLISH : CHINESE)[item.kind];
  const [title, body] = compose(item, { timeZone, now, ownerName });
  return { title: cut(title, MAX_TITLE_CHARS), body, url: item.url, tag: reminderTag(item) };
}

const SUMMARY_ORDER = ['ticket', 'receivable', 'risk', 'follow', 'pool', 'escalation'];
const SUMMARY_LABELS = {
  zh: { follow: '跟进', receivable: '回款', ticket: '工单', escalation: '逾期上报', risk: '项目风险', pool: '即将退回公海' },
  en: {
    follow: 'follow-ups', receivable: 'payments', ticket: 'tickets', escalation: 'escalations', risk: 'project risks',
    pool: 'pool returns',
  },
};
// Summary groups of the kinds that share their table with other kinds, and
// of the other kinds by their table.
const KIND_GROUPS = { escalation: 'escalation', follow_up: 'follow', pool_warning: 'pool' };
const TABLE_GROUPS = { receivables: 'receivable', risks: 'risk', tickets: 'ticket' };

function summaryGroup(item) {
  return KIND_GROUPS[item.kind] ?? TABLE_GROUPS[item.table];
}

// One notification that stands for many items, opening the 今日 screen.
export function summaryNotification(items, lang = 'zh') {
  const counts = {};
  for (const item of items) counts[summaryGroup(item)] = (counts[summaryGroup(item)] ?? 0) + 1;
  const present = SUMMARY_ORDER.filter((group) => counts[group]);
  const labels = SUMMARY_LABELS[lang === 'en' ? 'en' : 'zh'];
  if (lang === 'en') {
    return {
      title: `${items.length} reminders`,
      body: `${present.map((group) => `${counts[group]} ${labels[group]}`).join(', ')}. Tap to see today's list.`,
      url: TODAY_URL, tag: SUMMARY_TAG,
    };
  }
  return {
    title: `你有 ${items.length} 项提醒`,
    body: `${present.map((group) => `${labels[group]} ${counts[group]} 项`).join('，')}。点按查看今日待办。`,
    url: TODAY_URL, tag: SUMMARY_TAG,
  };
}
