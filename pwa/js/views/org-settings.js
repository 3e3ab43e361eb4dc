// 组织设置, for admins (managers read it): every organisation setting with its current value,
// its default and an editor, saved one at a time through PUT
// /api/settings/<key> and reset through DELETE. The server validates; its
// message appears under the field in the current language and the typed
// value stays. Synced settings reach every device through the normal sync,
// so a save starts one at once for this device.
//
// Settings live on the server, so the screen needs a connection. Offline it
// shows a notice and keeps what was typed: a draft lasts until it is saved
// or undone, or until another user logs in on the device.

import '../messages/org-settings.js';
import { ApiError, NetworkError, requestJson } from '../api.js';
import { app } from '../context.js';
import { h } from '../dom.js';
import { CATALOGS, language, t } from '../i18n.js';
import { route } from '../router.js';
import { draftToValue, editorSpec, formatSettingValue, initialDraft, settingEditor } from '../setting-editors.js';
import { button, chip, detailList, emptyState, linkButton, pageHeader, section, toast } from '../ui.js';
import { registerSettingsSection } from './settings.js';

// Sections of the screen, in order. A setting in none of them goes under 其他.
const GROUPS = [
  ['orgsettings.group_reminders', ['time_zone', 'reminder_receivable_days', 'reminder_ticket_hours', 'escalation_days']],
  ['orgsettings.group_pool', ['pool_days', 'pool_warn_days', 'pool_claim_daily_limit']],
  ['orgsettings.group_projects', ['project_stages', 'survey_questions']],
  ['orgsettings.group_robot', ['chat_webhook_url', 'chat_webhook_kind', 'chat_webhook_secret', 'push_contact']],
  ['orgsettings.group_system', ['backup_keep_days']],
];

// load: idle → loading → loaded, or failed when nothing was ever loaded.
function initialState(userId = null) {
  return { userId, load: 'idle', fetching: false, loadError: null, settings: [], drafts: {}, errors: {}, busy: {} };
}

let state = initialState();
let activePage = null;
const enteredPages = new WeakSet(); // pages that loaded the list when the screen was entered
const cards = new Map(); // setting key → its card element as last drawn

function isAdmin() {
  return app.user?.role === 'admin';
}

// A manager reads the synced settings that their reminders follow; only an admin edits.
function mayRead() {
  return isAdmin() || app.user?.role === 'manager';
}

function online() {
  return navigator.onLine !== false;
}

function refresh() {
  activePage?.refresh();
}

function titleOf(setting) {
  return language() === 'en' ? setting.title_en ?? setting.title : setting.title;
}

// A message to show later in the language of that moment: an i18n key with
// values, or a server message in both languages.
function showText(text) {
  if (!text) return '';
  if (text.key) return t(text.key, text.values);
  return (language() === 'en' ? text.message_en ?? text.message : text.message) ?? '';
}

// Return the text for a failed request. `unreachable` is the message key
// used when no response arrived.
function failureText(error, unreachable) {
  if (error instanceof NetworkError) return { key: unreachable };
  if (!(error instanceof ApiError)) throw error;
  if (error.status === 401) return { key: 'orgsettings.session_expired' };
  if (error.serverMessage) return { message: error.serverMessage, message_en: error.serverMessageEn };
  return { key: 'orgsettings.server_error', values: { status: error.status } };
}

function request(method, path, body = undefined) {
  return requestJson(method, path, { body, token: app.session?.token });
}

// Fetch the list; drafts and field errors stay. The caller redraws first.
async function load() {
  state.load = state.settings.length ? 'loaded' : 'loading';
  state.loadError = null;
  state.fetching = true;
  const userId = state.userId;
  try {
    const body = await request('GET', '/api/settings');
    if (state.userId !== userId) return;
    state.settings = body.settings;
    state.load = 'loaded';
  } catch (error) {
    if (state.userId !== userId) return;
    state.loadError = failureText(error, 'orgsettings.unreachable');
    state.load = state.settings.length ? 'loaded' : 'failed';
  }
  state.fetching = false;
  refresh();
}

function replaceSetting(described) {
  state.settings = state.settings.map((setting) => (setting.key === described.key ? described : setting));
}

// Bring a changed synced setting to this device now; other devices get it at their next sync.
async function syncSettings() {
  if (app.sync.running) await app.sync.running;
  await app.sync.syncNow();
}

function settingByKey(key) {
  return state.settings.find((setting) => setting.key === key);
}

async function save(key) {
  const setting = settingByKey(key);
  if (!setting || !(key in state.drafts) || state.busy[key]) return;
  if (!online()) {
    state.errors[key] = { key: 'orgsettings.unreachable_save' };
    redrawCard(key);
    return;
  }
  const value = draftToValue(editorSpec(setting), state.drafts[key]);
  state.busy[key] = true;
  state.errors[key] = null;
  redrawCard(key);
  try {
    const saved = await request('PUT', `/api/settings/${encodeURIComponent(key)}`, { value });
    replaceSetting(saved);
    delete state.drafts[key];
    toast(t('orgsettings.saved', { title: titleOf(saved) }));
    if (!saved.private) syncSettings();
  } catch (error) {
    state.errors[key] = failureText(error, 'orgsettings.unreachable_save');
  } finally {
    delete state.busy[key];
    redrawCard(key);
  }
}

async function resetToDefault(key) {
  const setting = settingByKey(key);
  if (!setting || state.busy[key]) return;
  const question = t('orgsettings.reset_confirm', { title: titleOf(setting), value: formatSettingValue(setting, setting.default) });
  if (!window.confirm(question)) return;
  if (!online()) {
    state.errors[key] = { key: 'orgsettings.unreachable_save' };
    redrawCard(key);
    return;
  }
  state.busy[key] = true;
  state.errors[key] = null;
  redrawCard(key);
  try {
    const result = await request('DELETE', `/api/settings/${encodeURIComponent(key)}`);
    replaceSetting(result);
    delete state.drafts[key];
    toast(t('orgsettings.reset_done', { title: titleOf(result) }));
    if (!result.private) syncSettings();
  } catch (error) {
    state.errors[key] = failureText(error, 'orgsettings.unreachable_save');
  } finally {
    delete state.busy[key];
    redrawCard(key);
  }
}

function discard(key) {
  delete state.drafts[key];
  state.errors[key] = null;
  redrawCard(key);
}

// Record a typed change. Typing only redraws the card's buttons, so the
// field keeps the cursor; adding, removing or moving rows draws the card again.
function updateDraft(key, draft, { redraw = false, focusLast = false } = {}) {
  const first = !(key in state.drafts);
  state.drafts[key] = draft;
  if (redraw) redrawCard(key, { focusLast });
  else if (first) redrawActions(key);
}

function hintFor(key) {
  const hintKey = `orgsettings.hint_${key}`;
  return hintKey in CATALOGS.zh ? t(hintKey) : null;
}

function cardActions(setting) {
  const key = setting.key;
  const busy = Boolean(state.busy[key]);
  const edited = key in state.drafts;
  return h('div', { class: 'actions setting-actions' },
    button(busy ? t('orgsettings.saving') : t('orgsettings.save'), () => save(key), 'primary', {
      disabled: !edited || busy || !online(), dataset: { action: 'save' },
    }),
    edited ? button(t('orgsettings.discard'), () => discard(key), 'secondary', { disabled: busy, dataset: { action: 'discard' } }) : null,
    button(t('orgsettings.reset'), () => resetToDefault(key), 'danger', {
      disabled: !setting.stored || busy || !online(), dataset: { action: 'reset' },
    }));
}

function settingCard(setting) {
  const key = setting.key;
  const spec = editorSpec(setting);
  const draft = key in state.drafts ? state.drafts[key] : initialDraft(setting, spec);
  const error = state.errors[key];
  const hint = hintFor(key);
  const card = h('div', { class: 'card setting-card', dataset: { key, stored: String(setting.stored) } },
    h('div', { class: 'card-row' },
      h('label', { class: 'card-title setting-title', attrs: { for: `setting-${key}` }, text: titleOf(setting) }),
      setting.stored ? chip(t('orgsettings.stored'), 'warning') : chip(t('orgsettings.uses_default'), 'neutral')),
    detailList([
      [t('orgsettings.current'), h('span', { class: 'setting-current', text: formatSettingValue(setting, setting.value, spec) })],
      [t('orgsettings.default'), h('span', { class: 'setting-default', text: formatSettingValue(setting, setting.default, spec) })],
    ]),
    isAdmin() ? h('div', { class: 'setting-editor' }, settingEditor(setting, spec, draft, (next, options) => updateDraft(key, next, options), Boolean(error))) : null,
    hint ? h('p', { class: 'hint', text: hint }) : null,
    isAdmin() ? h('p', { class: 'field-error', attrs: { role: 'alert' }, text: showText(error) }) : null,
    isAdmin() ? cardActions(setting) : null);
  cards.set(key, card);
  return card;
}

// Draw one card again in place; `focusLast` puts the cursor into the last row of a list.
function redrawCard(key, { focusLast = false } = {}) {
  const old = cards.get(key);
  const setting = settingByKey(key);
  if (!old?.isConnected || !setting) return;
  const card = settingCard(setting);
  old.replaceWith(card);
  if (focusLast) {
    const inputs = card.querySelectorAll('.setting-list-input');
    inputs[inputs.length - 1]?.focus();
  }
}

function redrawActions(key) {
  const card = cards.get(key);
  const setting = settingByKey(key);
  if (card?.isConnected && setting) card.querySelector('.setting-actions').replaceWith(cardActions(setting));
}

function groupedSections() {
  const placed = new Set(GROUPS.flatMap(([, keys]) => keys));
  const groups = [...GROUPS, ['orgsettings.group_other', state.settings.map((s) => s.key).filter((key) => !placed.has(key))]];
  return groups.map(([titleKey, keys]) => {
    const settings = keys.map(settingByKey).filter(Boolean);
    if (!settings.length) return null;
    return h('div', { class: 'setting-group', dataset: { group: titleKey.replace('orgsettings.group_', '') } },
      section(t(titleKey), settings.map(settingCard)));
  });
}

function statusArea() {
  const parts = [];
  if (!online()) parts.push(h('p', { class: 'notice notice-warning org-settings-offline', attrs: { role: 'status' }, text: t('orgsettings.offline') }));
  if (state.loadError && online()) {
    parts.push(h('div', { class: 'notice notice-danger org-settings-load-error', attrs: { role: 'alert' } },
      h('p', { text: t('orgsettings.load_failed', { detail: showText(state.loadError) }) }),
      button(t('orgsettings.retry'), () => { load(); refresh(); }, 'secondary', { id: 'org-settings-retry' })));
  }
  if (state.load === 'loading') parts.push(h('p', { class: 'text-muted', attrs: { role: 'status' }, text: t('orgsettings.loading') }));
  return parts;
}

function render(params, page) {
  const header = pageHeader(t('orgsettings.title'), { back: '#/settings' });
  if (!mayRead()) return h('div', { class: 'view view-org-settings' }, header, emptyState(t('orgsettings.not_allowed')));
  if (state.userId !== app.user.id) state = initialState(app.user.id);

  activePage = page;
  const onOnline = () => { load(); refresh(); };
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', refresh);
  page.onLeave(() => {
    window.removeEventListener('online', onOnline);
    window.removeEventListener('offline', refresh);
    if (activePage === page) activePage = null;
    cards.clear();
  });
  // Each visit loads the list again (another admin may have changed it);
  // a refresh of the same visit, such as a language switch, does not.
  if (!enteredPages.has(page) && online()) {
    enteredPages.add(page);
    load();
  }

  return h('div', { class: 'view view-org-settings', dataset: { load: state.load, fetching: String(state.fetching) } },
    header,
    h('p', { class: 'hint org-settings-intro', text: t('orgsettings.intro') }),
    isAdmin() ? null : h('p', { class: 'notice org-settings-read-only', text: t('orgsettings.read_only') }),
    statusArea(),
    state.load === 'loaded' ? groupedSections() : null);
}

route('/org-settings', { tab: 'settings', render });

registerSettingsSection({
  id: 'organisation', order: 22, title: () => t('orgsettings.title'),
  visible: mayRead,
  render: () => [
    h('p', { class: 'hint', text: t('orgsettings.nav_hint') }),
    linkButton(t('orgsettings.open'), '#/org-settings', 'primary'),
  ],
});
