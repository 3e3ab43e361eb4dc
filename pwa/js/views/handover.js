// 工作交接: a manager moves everything a departing rep owns to another rep
// in one step (POST /api/handover), then the app syncs. What moves is
// counted on the device by the server's rules (server/handover.py): every
// customer, with its follow-ups, receivables and tickets, plus open
// tickets, projects and risks the rep owns. The server records each move in
// the records' history, so the history stays.

import { ApiError, NetworkError, postJson } from '../api.js';
import { app } from '../context.js';
import { h, replace } from '../dom.js';
import { language, t } from '../i18n.js';
import { route } from '../router.js';
import { button, detailList, emptyState, logsLoadingNotice, pageHeader } from '../ui.js';

const CLOSED_TICKET = new Set(['已解决', '已回访']);
const CLOSED_PROJECT = new Set(['已完成', '已取消']);
const CLOSED_RISK = new Set(['已关闭']);

// Count what a handover from `userId` moves, in the device's records.
export function handoverPreview(store, userId) {
  const owned = (table, closed) => store.list(table)
    .filter((row) => row.owner_id === userId && !closed.has(row.status)).length;
  const customers = new Set(store.list('customers').filter((row) => row.owner_id === userId).map((row) => row.id));
  const children = (table) => store.list(table).filter((row) => customers.has(row.customer_id)).length;
  return {
    customers: customers.size,
    follow_ups: children('follow_ups'),
    receivables: children('receivables'),
    tickets: owned('tickets', CLOSED_TICKET),
    projects: owned('projects', CLOSED_PROJECT),
    risks: owned('risks', CLOSED_RISK),
  };
}

// The server lets a manager disable a sales rep's account with the hand-over,
// and an admin anyone's but their own.
function mayDisable(user) {
  return !user.disabled && user.id !== app.user?.id && (user.role === 'sales' || app.user?.role === 'admin');
}

function userLabel(user) {
  const name = user.name || user.username;
  const label = name === user.username ? name : t('common.with_code', { name, code: user.username });
  return user.disabled ? t('handover.disabled_user', { name: label }) : label;
}

// The label of an option: the logged-in manager is marked, to find when
// taking a rep's customers over themselves.
function optionLabel(user) {
  if (user.id !== app.user?.id) return userLabel(user);
  const name = user.name || user.username;
  return name === user.username ? t('handover.yourself', { name }) : t('handover.yourself_with_code', { name, code: user.username });
}

// Sales reps, who own the customers, come first. Managers and admins follow
// in a group of their own, because they may own customers too: those they
// created, or imported with themselves as owner. The server accepts any
// active user as the receiver, so a manager can take a rep's work over.
function userSelect(id, label, users, selected, onChange) {
  const option = (user) => h('option', { value: user.id, text: optionLabel(user), selected: user.id === selected });
  const reps = users.filter((user) => user.role === 'sales');
  const others = users.filter((user) => user.role !== 'sales');
  return h('div', { class: 'field' },
    h('label', { attrs: { for: id }, text: label }),
    h('select', { id, on: { change: (event) => onChange(event.target.value) } },
      h('option', { value: '', text: t('handover.choose') }),
      reps.length ? h('optgroup', { attrs: { label: t('handover.group_sales') } }, reps.map(option)) : null,
      others.length ? h('optgroup', { attrs: { label: t('handover.group_managers') } }, others.map(option)) : null));
}

function serverMessage(error) {
  const message = language() === 'en' ? error.serverMessageEn : error.serverMessage;
  return message ?? t('sync.server_error', { status: error.status });
}

function previewList(counts) {
  return detailList([
    [t('handover.customers'), t('handover.customers_with', counts)],
    [t('handover.tickets'), String(counts.tickets)],
    [t('handover.projects'), String(counts.projects)],
    [t('handover.risks'), String(counts.risks)],
  ]);
}

function render(params, page) {
  if (!app.seesEverything) {
    return h('div', { class: 'view' }, pageHeader(t('handover.title'), { back: '#/settings' }), emptyState(t('handover.managers_only')));
  }
  // 成员管理 links here with ?from=<user id> for a member who still owns work.
  const choice = { from: params.query?.get('from') ?? '', to: '', disable: false };
  const listUsers = () => app.store.list('users')
    .sort((a, b) => String(a.name ?? a.username).localeCompare(String(b.name ?? b.username), 'zh-CN'));
  let users = listUsers();
  const preview = h('div', { class: 'card handover-preview', attrs: { 'aria-live': 'polite' } });
  const outcome = h('div', { class: 'handover-outcome', attrs: { role: 'status' } });
  const confirm = button(t('handover.confirm'), () => run(), 'primary', { id: 'handover-confirm' });
  const pickers = h('div');
  const closing = h('div');

  // Draw the pickers and the preview again, also when a sync brings users or records.
  const update = () => {
    users = listUsers();
    const from = users.find((user) => user.id === choice.from);
    const to = users.find((user) => user.id === choice.to && !user.disabled && user.id !== choice.from);
    if (!from) choice.from = '';
    if (!to) choice.to = '';
    replace(pickers,
      userSelect('handover-from', t('handover.from'), users, choice.from, (value) => { choice.from = value; update(); }),
      userSelect('handover-to', t('handover.to'), users.filter((user) => !user.disabled && user.id !== choice.from),
        choice.to, (value) => { choice.to = value; update(); }));
    if (!from || !mayDisable(from)) choice.disable = false;
    replace(closing, from && mayDisable(from) ? h('label', { class: 'checkbox handover-disable' },
      h('input', { type: 'checkbox', id: 'handover-disable', checked: choice.disable,
                   on: { change: (event) => { choice.disable = event.target.checked; } } }),
      h('span', { text: t('handover.disable', { from: userLabel(from) }) })) : null);
    if (!from) {
      replace(preview, h('p', { class: 'text-muted', text: t('handover.pick_from') }));
      confirm.disabled = true;
      return;
    }
    const counts = handoverPreview(app.store, from.id);
    const nothing = !counts.customers && !counts.tickets && !counts.projects && !counts.risks;
    replace(preview,
      h('div', { class: 'card-title', text: t('handover.will_move', { from: userLabel(from), to: to ? userLabel(to) : '…' }) }),
      previewList(counts),
      logsLoadingNotice('handover.follow_ups_loading'),
      nothing ? h('p', { class: 'text-muted', text: t('handover.nothing') }) : null,
      h('p', { class: 'hint', text: t('handover.history_kept') }));
    confirm.disabled = nothing || !to;
  };

  const run = async () => {
    const from = users.find((user) => user.id === choice.from);
    const to = users.find((user) => user.id === choice.to);
    const counts = handoverPreview(app.store, from.id);
    const disable = choice.disable && mayDisable(from);
    const question = t('handover.confirm_question', { from: userLabel(from), to: userLabel(to), ...counts });
    if (!window.confirm(disable ? `${question}\n${t('handover.disable_question', { from: userLabel(from) })}` : question)) return;
    confirm.disabled = true;
    replace(outcome, h('p', { class: 'notice', text: t('handover.running') }));
    try {
      const result = await postJson('/api/handover', { from: from.id, to: to.id, disable_from: disable }, app.session?.token);
      replace(outcome, h('div', { class: 'notice handover-done' },
        h('p', { text: t('handover.done', { from: userLabel(from), to: userLabel(to) }) }),
        previewList({ ...counts, ...result.moved }),
        result.disabled ? h('p', { text: t('handover.disabled_done', { from: userLabel(from) }) }) : null));
      app.sync.syncNow();
    } catch (error) {
      let message;
      if (error instanceof NetworkError) message = t('handover.offline');
      else if (error instanceof ApiError) message = serverMessage(error);
      else throw error;
      replace(outcome, h('p', { class: 'notice notice-danger handover-error', text: message }));
      confirm.disabled = false;
    } finally {
      outcome.scrollIntoView({ block: 'nearest' });
    }
  };

  page.onStoreChange(app.store, update);
  update();
  return h('div', { class: 'view view-handover' },
    pageHeader(t('handover.title'), { back: '#/settings' }),
    h('p', { class: 'hint', text: t('handover.explain') }),
    outcome,
    pickers,
    closing,
    preview,
    h('div', { class: 'form-actions' }, confirm));
}

route('/handover', { tab: 'settings', render });
