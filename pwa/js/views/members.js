// 成员管理, for admins: every user with their role, manager and state, and
// the changes `genzong user` makes on the server, through /api/users. The
// server checks every rule and rejects with a message in both languages,
// shown in the form or card concerned. After each change the app syncs, so
// the users table, which the other screens read names and roles from, has
// the new values here at once and on other devices at their next sync.
//
// The list lives on the server, so the screen needs a connection, as 组织设置
// does. A generated password is shown once, until the admin closes it or
// leaves the screen.

import '../messages/members.js';
import { ApiError, NetworkError, requestJson } from '../api.js';
import { app } from '../context.js';
import { h, replace } from '../dom.js';
import { language, t } from '../i18n.js';
import { route } from '../router.js';
import { button, chip, emptyState, linkButton, pageHeader, toast } from '../ui.js';
import { registerSettingsSection } from './settings.js';

const ROLES = ['sales', 'manager', 'admin'];

// load: idle → loading → loaded, or failed when nothing was ever loaded.
function initialState(userId = null) {
  return {
    userId, load: 'idle', loadError: null, users: [], busy: false,
    adding: false, addDraft: emptyAddDraft(), addError: null,
    editing: null, editDraft: null, cardErrors: {}, passwordFor: null, passwordDraft: '',
    shownPassword: null,
  };
}

function emptyAddDraft() {
  return { username: '', name: '', role: 'sales', manager_id: '', password: '' };
}

let state = initialState();
let activePage = null;
const enteredPages = new WeakSet(); // pages that loaded the list when the screen was entered

function isAdmin() {
  return app.user?.role === 'admin';
}

function online() {
  return navigator.onLine !== false;
}

function refresh() {
  activePage?.refresh();
}

function label(user) {
  const name = user.name || user.username;
  return name === user.username ? name : t('common.with_code', { name, code: user.username });
}

// A message to show: an i18n key with values, or a server message in both languages.
function showText(text) {
  if (!text) return '';
  if (text.key) return t(text.key, text.values);
  return (language() === 'en' ? text.message_en ?? text.message : text.message) ?? '';
}

function failureText(error) {
  if (error instanceof NetworkError) return { key: 'members.unreachable' };
  if (!(error instanceof ApiError)) throw error;
  if (error.status === 401) return { key: 'members.session_expired' };
  if (error.serverMessage) return { message: error.serverMessage, message_en: error.serverMessageEn };
  return { key: 'members.server_error', values: { status: error.status } };
}

function request(method, path, body = undefined) {
  return requestJson(method, path, { body, token: app.session?.token });
}

async function load() {
  const userId = state.userId;
  state.load = state.users.length ? 'loaded' : 'loading';
  state.loadError = null;
  try {
    const body = await request('GET', '/api/users');
    if (state.userId !== userId) return;
    state.users = body.users;
    state.load = 'loaded';
  } catch (error) {
    if (state.userId !== userId) return;
    state.loadError = failureText(error);
    state.load = state.users.length ? 'loaded' : 'failed';
  }
  refresh();
}

// Bring the changed users row to this device now, for the other screens.
async function syncUsers() {
  if (app.sync.running) await app.sync.running;
  await app.sync.syncNow();
}

// Send one change; on success put the returned user into the list, show a
// generated password, call `onSuccess` (which closes its form) and sync.
// `setError` records a rejection where it belongs. The screen redraws after either.
async function change(method, path, body, { done, setError, onSuccess = () => {} }) {
  if (state.busy) return;
  state.busy = true;
  setError(null);
  refresh();
  try {
    const result = await request(method, path, body);
    const others = state.users.filter((user) => user.id !== result.user.id);
    state.users = [...others, result.user].sort((a, b) => a.username.localeCompare(b.username));
    if (result.password) state.shownPassword = { name: label(result.user), password: result.password };
    onSuccess();
    toast(t(done, { name: label(result.user) }));
    syncUsers();
  } catch (error) {
    setError(failureText(error));
  } finally {
    state.busy = false;
    refresh();
  }
}

function managers(exceptId = null) {
  return state.users.filter((user) => user.role !== 'sales' && !user.disabled && user.id !== exceptId);
}

// Form pieces ------------------------------------------------------------------

function field(id, text, control, hint = null) {
  return h('div', { class: 'field' },
    h('label', { attrs: { for: id }, text }),
    control,
    hint ? h('p', { class: 'hint', text: hint }) : null);
}

function textInput(id, draft, key, props = {}) {
  return h('input', { id, value: draft[key], ...props, on: { input: (event) => { draft[key] = event.target.value; } } });
}

// An admin's own role is not offered for change: the server rejects it, so they cannot lock themselves out.
function roleSelect(id, draft, onChange = () => {}, disabled = false) {
  return h('select', { id, disabled, on: { change: (event) => { draft.role = event.target.value; onChange(); } } },
    ROLES.map((role) => h('option', { value: role, text: t(`role.${role}`), selected: draft.role === role })));
}

function managerSelect(id, draft, exceptId) {
  return h('select', { id, on: { change: (event) => { draft.manager_id = event.target.value; } } },
    h('option', { value: '', text: t('members.no_manager') }),
    managers(exceptId).map((user) => h('option', { value: user.id, text: label(user), selected: draft.manager_id === user.id })));
}

function errorLine(text) {
  return h('p', { class: 'field-error', attrs: { role: 'alert' }, text: showText(text) });
}

// Adding -----------------------------------------------------------------------

function addForm() {
  const draft = state.addDraft;
  const submit = async () => {
    const body = { username: draft.username.trim(), role: draft.role, password: draft.password || null };
    if (draft.name.trim()) body.name = draft.name.trim();
    if (draft.role === 'sales' && draft.manager_id) body.manager_id = draft.manager_id;
    await change('POST', '/api/users', body, {
      done: 'members.created',
      setError: (text) => { state.addError = text; },
      onSuccess: () => {
        state.adding = false;
        state.addDraft = emptyAddDraft();
      },
    });
  };
  return h('form', { class: 'card member-form member-add', on: { submit: (event) => { event.preventDefault(); submit(); } } },
    h('div', { class: 'card-title', text: t('members.add_title') }),
    field('member-username', t('members.username'),
      textInput('member-username', draft, 'username', { required: true, autocomplete: 'off', attrs: { autocapitalize: 'off', spellcheck: 'false' } })),
    field('member-name', t('members.name'), textInput('member-name', draft, 'name')),
    field('member-role', t('members.role'), roleSelect('member-role', draft, refresh)),
    draft.role === 'sales' ? field('member-manager', t('members.manager'), managerSelect('member-manager', draft, null)) : null,
    field('member-password', t('members.password'),
      textInput('member-password', draft, 'password', { type: 'text', autocomplete: 'new-password' }), t('members.password_hint')),
    errorLine(state.addError),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button button-primary', text: state.busy ? t('members.working') : t('members.create'), disabled: state.busy || !online() }),
      button(t('members.cancel'), () => { state.adding = false; state.addError = null; refresh(); })));
}

// One member -------------------------------------------------------------------

function setCardError(id) {
  return (text) => { state.cardErrors[id] = text; };
}

function editForm(user) {
  const draft = state.editDraft;
  const submit = async () => {
    const body = {};
    if (draft.name.trim() !== (user.name ?? '')) body.name = draft.name.trim();
    if (draft.role !== user.role) body.role = draft.role;
    const managerId = draft.role === 'sales' ? draft.manager_id || null : user.manager_id;
    if (managerId !== user.manager_id) body.manager_id = managerId;
    await change('PATCH', `/api/users/${user.id}`, body, {
      done: 'members.saved', setError: setCardError(user.id), onSuccess: () => { state.editing = null; },
    });
  };
  return h('form', { class: 'member-form member-edit', on: { submit: (event) => { event.preventDefault(); submit(); } } },
    field('member-edit-name', t('members.name'), textInput('member-edit-name', draft, 'name')),
    field('member-edit-role', t('members.role'), roleSelect('member-edit-role', draft, refresh, user.id === app.user?.id)),
    draft.role === 'sales' ? field('member-edit-manager', t('members.manager'), managerSelect('member-edit-manager', draft, user.id)) : null,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button button-primary', text: state.busy ? t('members.working') : t('members.save'), disabled: state.busy || !online() }),
      button(t('members.cancel'), () => { state.editing = null; state.cardErrors[user.id] = null; refresh(); })));
}

function passwordForm(user) {
  const submit = async () => {
    if (!window.confirm(t('members.confirm_password', { name: label(user) }))) return;
    await change('POST', `/api/users/${user.id}/password`, { password: state.passwordDraft || null }, {
      done: 'members.password_done',
      setError: setCardError(user.id),
      onSuccess: () => {
        state.passwordFor = null;
        state.passwordDraft = '';
      },
    });
  };
  return h('form', { class: 'member-form member-password', on: { submit: (event) => { event.preventDefault(); submit(); } } },
    field('member-new-password', t('members.new_password'),
      h('input', { id: 'member-new-password', type: 'text', autocomplete: 'new-password', value: state.passwordDraft,
                   on: { input: (event) => { state.passwordDraft = event.target.value; } } }),
      t('members.new_password_hint')),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button button-primary', text: t('members.reset_password'), disabled: state.busy || !online() }),
      button(t('members.cancel'), () => { state.passwordFor = null; refresh(); })));
}

function openWork(user) {
  const owns = user.owns ?? {};
  return (owns.customers ?? 0) + (owns.tickets ?? 0) + (owns.projects ?? 0) + (owns.risks ?? 0);
}

function memberActions(user) {
  const self = user.id === app.user?.id;
  const disabledAll = state.busy || !online();
  const startEdit = () => {
    state.editing = user.id;
    state.passwordFor = null;
    state.editDraft = { name: user.name ?? '', role: user.role, manager_id: user.manager_id ?? '' };
    refresh();
  };
  const logoutAll = () => {
    const question = self ? t('members.confirm_logout_self') : t('members.confirm_logout', { name: label(user) });
    if (window.confirm(question)) change('POST', `/api/users/${user.id}/logout-all`, undefined, { done: 'members.logout_done', setError: setCardError(user.id) });
  };
  const disable = () => {
    if (window.confirm(t('members.confirm_disable', { name: label(user) }))) {
      change('POST', `/api/users/${user.id}/disable`, undefined, { done: 'members.disabled_done', setError: setCardError(user.id) });
    }
  };
  const enable = () => change('POST', `/api/users/${user.id}/enable`, undefined, { done: 'members.enabled_done', setError: setCardError(user.id) });
  let disableControl = null;
  if (user.disabled) disableControl = button(t('members.enable'), enable, 'secondary', { disabled: disabledAll, dataset: { action: 'enable' } });
  else if (openWork(user)) disableControl = linkButton(t('members.handover'), `#/handover?from=${encodeURIComponent(user.id)}`);
  else if (!self) disableControl = button(t('members.disable'), disable, 'danger', { disabled: disabledAll, dataset: { action: 'disable' } });
  return h('div', { class: 'actions member-actions' },
    button(t('members.edit'), startEdit, 'secondary', { disabled: disabledAll, dataset: { action: 'edit' } }),
    button(t('members.reset_password'), () => { state.passwordFor = user.id; state.editing = null; state.passwordDraft = ''; refresh(); },
      'secondary', { disabled: disabledAll || user.disabled, dataset: { action: 'password' } }),
    button(t('members.logout_all'), logoutAll, 'secondary', { disabled: disabledAll || user.disabled, dataset: { action: 'logout-all' } }),
    disableControl);
}

function memberCard(user) {
  const manager = state.users.find((other) => other.id === user.manager_id);
  const owns = user.owns ?? {};
  const open = openWork(user) - (owns.customers ?? 0);
  return h('div', { class: ['card', 'member-card', user.disabled && 'member-disabled'], dataset: { username: user.username, role: user.role } },
    h('div', { class: 'card-row member-heading' },
      h('span', { class: 'card-title member-name', text: label(user) }),
      chip(t(`role.${user.role}`), user.role === 'sales' ? '' : 'stage'),
      user.disabled ? chip(t('members.disabled'), 'warning') : null,
      user.id === app.user?.id ? chip(t('members.you'), 'success') : null),
    manager ? h('p', { class: 'text-muted member-manager', text: t('members.manager_of', { name: label(manager) }) }) : null,
    openWork(user) ? h('p', { class: 'text-muted member-owns', text: t('members.owns', { customers: owns.customers ?? 0, open }) }) : null,
    !user.disabled && openWork(user) && user.id !== app.user?.id ? h('p', { class: 'hint', text: t('members.handover_hint', { name: label(user) }) }) : null,
    errorLine(state.cardErrors[user.id]),
    state.editing === user.id ? editForm(user) : null,
    state.passwordFor === user.id ? passwordForm(user) : null,
    state.editing === user.id || state.passwordFor === user.id ? null : memberActions(user));
}

// The screen -------------------------------------------------------------------

function shownPassword() {
  const generated = state.shownPassword;
  if (!generated) return null;
  return h('div', { class: 'notice notice-warning member-generated', attrs: { role: 'status' } },
    h('p', { text: t('members.generated', { name: generated.name }) }),
    h('p', { class: 'member-generated-password', text: generated.password }),
    h('p', { class: 'hint', text: t('members.generated_hint', { name: generated.name }) }),
    button(t('members.generated_close'), () => { state.shownPassword = null; refresh(); }, 'secondary'));
}

function statusArea() {
  const parts = [];
  if (!online()) parts.push(h('p', { class: 'notice notice-warning members-offline', attrs: { role: 'status' }, text: t('members.offline') }));
  if (state.loadError && online()) {
    parts.push(h('div', { class: 'notice notice-danger members-load-error', attrs: { role: 'alert' } },
      h('p', { text: t('members.load_failed', { detail: showText(state.loadError) }) }),
      button(t('members.retry'), () => { load(); refresh(); }, 'secondary')));
  }
  if (state.load === 'loading') parts.push(h('p', { class: 'text-muted', attrs: { role: 'status' }, text: t('members.loading') }));
  return parts;
}

function render(params, page) {
  const header = pageHeader(t('members.title'), { back: '#/settings' });
  if (!isAdmin()) return h('div', { class: 'view view-members' }, header, emptyState(t('members.not_allowed')));
  if (state.userId !== app.user.id) state = initialState(app.user.id);
  activePage = page;
  const onOnline = () => { load(); refresh(); };
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', refresh);
  page.onLeave(() => {
    window.removeEventListener('online', onOnline);
    window.removeEventListener('offline', refresh);
    if (activePage === page) activePage = null;
  });
  // Each visit loads the list again; a redraw of the same visit does not.
  // A password shown on an earlier visit is gone, as the hint promised.
  if (!enteredPages.has(page)) {
    enteredPages.add(page);
    state.shownPassword = null;
    if (online()) load();
  }
  const list = h('div', { class: 'cards member-list' });
  if (state.load === 'loaded') replace(list, state.users.map(memberCard));
  return h('div', { class: 'view view-members', dataset: { load: state.load, busy: String(state.busy) } },
    header,
    h('p', { class: 'hint', text: t('members.intro') }),
    statusArea(),
    shownPassword(),
    state.adding ? addForm() : (state.load === 'loaded'
      ? button(t('members.add'), () => { state.adding = true; refresh(); }, 'primary', { id: 'member-add', disabled: !online() }) : null),
    list);
}

route('/members', { tab: 'settings', render });

registerSettingsSection({
  id: 'members', order: 23, title: () => t('members.title'),
  visible: isAdmin,
  render: () => [
    h('p', { class: 'hint', text: t('members.nav_hint') }),
    linkButton(t('members.open'), '#/members', 'primary'),
  ],
});
