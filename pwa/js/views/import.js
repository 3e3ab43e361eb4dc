// 导入与导出台账, for managers and admins. A manager picks an .xlsx or .csv
// ledger, its kind and the owner of new records, runs a dry run, reads its
// report and then imports with a progress bar. The same screen downloads the
// ledgers as .xlsx.
//
// Both need the server, so the screen states that when the device is
// offline. The chosen file is read into memory once, so the import sends
// exactly the bytes the dry run checked.

import '../import-messages.js';
import { ApiError, NetworkError } from '../api.js';
import { app } from '../context.js';
import { h } from '../dom.js';
import { language, t } from '../i18n.js';
import { fetchLedger, KINDS, MAX_IMPORT_BYTES, ResponseLostError, saveBlob, sendLedger } from '../import-api.js';
import { route } from '../router.js';
import { button, emptyState, linkButton, pageHeader, section, toast } from '../ui.js';
import { reportView } from './import-report.js';
import { registerSettingsSection } from './settings.js';

const FILE_TYPES = /\.(xlsx|csv)$/i;
// Start and end of each server stage on the progress bar, as fractions of the bar.
const STAGE_SPANS = {
  upload: [0, 0.05], read: [0.05, 0.4], check: [0.4, 0.7], plan: [0.7, 0.8], write: [0.8, 0.98], done: [1, 1],
};

// phase: idle → checking → checked → importing → imported, or failed / lost.
function initialState(userId = null) {
  return {
    userId, file: null, fileProblem: null, kind: '', owner: '', phase: 'idle', progress: null,
    report: null, result: null, failure: null, syncState: null, exporting: null,
  };
}

let state = initialState();
let activePage = null;
let progressArea = null;

function online() {
  return navigator.onLine !== false;
}

function busy() {
  return state.phase === 'checking' || state.phase === 'importing';
}

function refresh() {
  activePage?.refresh();
}

// A message to show later in the language of that moment: an i18n key with
// values, or a server message in both languages.
function serverText(body) {
  return { message: body?.message ?? null, message_en: body?.message_en ?? null };
}

function showText(text) {
  if (!text) return '';
  if (text.key) return t(text.key, text.values);
  return (language() === 'en' ? text.message_en ?? text.message : text.message) ?? '';
}

function errorText(status, body) {
  if (status === 401) return { key: 'import.session_expired' };
  if (body?.message) return serverText(body);
  return { key: 'import.server_error', values: { status } };
}

function formatSize(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

// Forget the dry run when the file, kind or owner changes: the import must follow a dry run of the same request.
function forgetReport() {
  Object.assign(state, { phase: 'idle', progress: null, report: null, result: null, failure: null, syncState: null });
}

async function chooseFile(input) {
  const file = input.files?.[0];
  if (!file) return;
  forgetReport();
  state.file = null;
  state.fileProblem = null;
  if (!FILE_TYPES.test(file.name)) {
    state.fileProblem = { key: 'import.wrong_type', values: { name: file.name } };
  } else if (file.size > MAX_IMPORT_BYTES) {
    state.fileProblem = { key: 'import.too_large', values: { name: file.name, size: formatSize(file.size), limit: formatSize(MAX_IMPORT_BYTES) } };
  } else {
    try {
      state.file = { name: file.name, size: file.size, bytes: await file.arrayBuffer() };
    } catch (error) {
      state.fileProblem = { key: 'import.read_failed', values: { name: file.name, detail: error.message } };
    }
  }
  refresh();
}

function progressText(progress) {
  const count = (value) => Number(value ?? 0).toLocaleString(language() === 'en' ? 'en' : 'zh-CN');
  switch (progress.stage) {
    case 'read':
      if (progress.done && progress.total) return t('import.stage_read_total', { done: count(progress.done), total: count(progress.total) });
      return progress.done ? t('import.stage_read_rows', { done: count(progress.done) }) : t('import.stage_read');
    case 'check':
      return t('import.stage_check', { done: count(progress.done), total: count(progress.total) });
    case 'plan':
      return t('import.stage_plan');
    case 'write':
      return t('import.stage_write', { total: count(progress.total) });
    case 'done':
      return t('import.stage_done');
    default:
      return t('import.stage_upload');
  }
}

function progressFraction(progress) {
  const [from, to] = STAGE_SPANS[progress.stage] ?? STAGE_SPANS.upload;
  const part = progress.total ? Math.min(progress.done / progress.total, 1) : 0;
  return from + (to - from) * part;
}

function drawProgress() {
  if (!progressArea) return;
  if (!state.progress) {
    progressArea.replaceChildren();
    return;
  }
  progressArea.replaceChildren(
    h('progress', {
      class: 'import-progress-bar', max: 1000, value: Math.round(progressFraction(state.progress) * 1000),
      dataset: { stage: state.progress.stage },
    }),
    h('p', { class: 'import-progress-text', text: progressText(state.progress) }));
}

function onProgress(progress) {
  state.progress = progress;
  drawProgress();
}

async function syncImported() {
  state.syncState = 'syncing';
  refresh();
  // A sync that began before the import ended may have missed its records,
  // so wait for it and then run one that starts afterwards.
  if (app.sync.running) await app.sync.running;
  await app.sync.syncNow();
  state.syncState = app.sync.state === 'idle' ? 'synced' : 'failed';
  refresh();
}

async function send(dryRun) {
  if (!state.file || busy()) return;
  if (!online()) {
    refresh();
    return;
  }
  state.phase = dryRun ? 'checking' : 'importing';
  state.progress = { stage: 'upload' };
  state.failure = null;
  if (dryRun) state.report = null;
  refresh();
  const options = { fileName: state.file.name, kind: state.kind, owner: state.owner, dryRun };
  try {
    const outcome = await sendLedger(state.file.bytes, options, app.session?.token, onProgress);
    state.progress = null;
    if (outcome.ok && dryRun) {
      state.phase = 'checked';
      state.report = outcome.report;
    } else if (outcome.ok) {
      state.phase = 'imported';
      state.result = outcome.report;
      syncImported();
    } else {
      state.phase = dryRun ? 'idle' : 'failed';
      state.failure = { text: errorText(outcome.status, outcome.error), report: outcome.error?.report ?? null };
    }
  } catch (error) {
    state.progress = null;
    if (!dryRun && (error instanceof ResponseLostError || error instanceof NetworkError)) {
      // The file may have reached the server: its import is whole or nothing, but which is unknown here.
      state.phase = 'lost';
    } else if (error instanceof ResponseLostError || error instanceof NetworkError) {
      state.phase = 'idle';
      state.failure = { text: { key: 'import.unreachable' }, report: null };
    } else {
      throw error;
    }
  } finally {
    refresh();
  }
}

function ownerChoices() {
  const users = app.store.list('users').filter((user) => !user.disabled && user.username)
    .sort((a, b) => String(a.name || a.username).localeCompare(String(b.name || b.username), 'zh-CN'))
    .map((user) => [user.username, t('common.with_code', { name: user.name || user.username, code: user.username })]);
  // A chosen owner who was disabled meanwhile stays chosen, so the server names the problem.
  if (state.owner && !users.some(([username]) => username === state.owner)) users.push([state.owner, state.owner]);
  return [['', t('import.owner_pool')], ...users];
}

function selectField(id, label, choices, value, onChange, hint = null) {
  return h('div', { class: 'field' },
    h('label', { attrs: { for: id }, text: label }),
    h('select', { id, disabled: busy(), on: { change: (event) => onChange(event.target.value) } },
      choices.map(([optionValue, text]) => h('option', { value: optionValue, text, selected: optionValue === value }))),
    hint ? h('p', { class: 'hint', text: hint }) : null);
}

function fileField() {
  const chosen = state.file ? t('import.file_size', { name: state.file.name, size: formatSize(state.file.size) }) : t('import.no_file');
  return h('div', { class: 'field' },
    h('span', { class: 'label', text: t('import.file') }),
    h('div', { class: 'import-file' },
      h('label', { class: ['button', 'button-secondary', busy() && 'import-file-disabled'] },
        t('import.choose_file'),
        h('input', {
          id: 'import-file', type: 'file', class: 'visually-hidden', disabled: busy(),
          attrs: { accept: '.xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv' },
          on: { change: (event) => chooseFile(event.target) },
        })),
      h('span', { class: ['import-file-name', !state.file && 'text-muted'], text: chosen })),
    state.fileProblem ? h('p', { class: 'field-error', attrs: { role: 'alert' }, text: showText(state.fileProblem) }) : null);
}

function importActions() {
  const canSend = Boolean(state.file) && online() && !busy();
  const rejected = state.report?.counts?.reject ?? 0;
  const checked = state.phase === 'checked' && state.report;
  if (state.phase === 'imported' || state.phase === 'lost') {
    return h('div', { class: 'actions' }, button(t('import.start_over'), () => {
      state.file = null;
      forgetReport();
      refresh();
    }, 'secondary', { id: 'import-again' }));
  }
  return h('div', { class: 'actions' },
    button(checked ? t('import.dry_run_again') : t('import.dry_run'), () => send(true), checked ? 'secondary' : 'primary',
      { id: 'import-dry-run', disabled: !canSend }),
    checked ? button(t('import.confirm'), () => send(false), 'primary', { id: 'import-confirm', disabled: !canSend || rejected > 0 }) : null);
}

function kindLink(kind) {
  return kind === 'tickets' ? linkButton(t('import.show_tickets'), '#/tickets', 'secondary')
    : linkButton(t('import.show_customers'), '#/customers', 'secondary');
}

function outcomeArea() {
  if (state.phase === 'lost') {
    return h('p', { class: 'notice notice-danger import-outcome', attrs: { role: 'alert' }, dataset: { outcome: 'lost' }, text: t('import.lost') });
  }
  if (state.failure) {
    const title = state.phase === 'failed' ? t('import.failed') : t('import.dry_run_failed');
    return [
      h('div', { class: 'notice notice-danger import-outcome', attrs: { role: 'alert' }, dataset: { outcome: state.phase === 'failed' ? 'failed' : 'dry-run-failed' } },
        h('strong', { text: title }),
        h('p', { text: showText(state.failure.text) })),
      state.failure.report ? reportView(state.failure.report, t('import.result_title')) : null,
    ];
  }
  if (state.phase === 'imported' && state.result) {
    const syncKey = { syncing: 'import.syncing', synced: 'import.synced', failed: 'import.sync_failed' }[state.syncState];
    return [
      h('div', { class: 'notice import-outcome import-outcome-done', attrs: { role: 'status' }, dataset: { outcome: 'imported', sync: state.syncState ?? '' } },
        h('strong', { text: t('import.done') }),
        syncKey ? h('p', { text: t(syncKey) }) : null,
        state.syncState === 'synced' ? h('div', { class: 'actions' }, kindLink(state.result.kind)) : null),
      reportView(state.result, t('import.result_title')),
    ];
  }
  if (state.phase === 'checked' && state.report) {
    const rejected = state.report.counts?.reject ?? 0;
    return [
      rejected
        ? h('p', { class: 'notice notice-danger', dataset: { outcome: 'blocked' }, text: t('import.confirm_blocked', { count: rejected }) })
        : h('p', { class: 'notice', dataset: { outcome: 'ready' }, text: t('import.confirm_ready') }),
      reportView(state.report, t('import.report_title')),
    ];
  }
  return null;
}

function importSection() {
  progressArea = h('div', { class: 'import-progress', attrs: { 'aria-live': 'polite' } });
  drawProgress();
  const kinds = [['', t('import.kind_auto')], ...KINDS.map((kind) => [kind, t(`import.kind_${kind}`)])];
  const choose = (name) => (value) => {
    state[name] = value;
    forgetReport();
    refresh();
  };
  return h('div', { class: 'import-form', dataset: { phase: state.phase } },
    section(t('import.section_import'),
      h('p', { class: 'hint import-intro', text: t('import.intro') }),
      fileField(),
      selectField('import-kind', t('import.kind'), kinds, state.kind, choose('kind')),
      selectField('import-owner', t('import.owner'), ownerChoices(), state.owner, choose('owner'), t('import.owner_hint')),
      importActions(),
      progressArea),
    outcomeArea());
}

async function exportLedger(kind) {
  if (!online() || state.exporting?.status === 'busy') return;
  state.exporting = { kind, status: 'busy' };
  refresh();
  try {
    const { blob, name } = await fetchLedger(kind, app.session?.token);
    saveBlob(blob, name);
    state.exporting = { kind, status: 'done', name };
    toast(t('import.exported', { name }));
  } catch (error) {
    let text;
    if (error instanceof ApiError) text = errorText(error.status, { message: error.serverMessage, message_en: error.serverMessageEn });
    else if (error instanceof NetworkError) text = { key: 'import.unreachable' };
    else throw error;
    state.exporting = { kind, status: 'failed', text };
  } finally {
    refresh();
  }
}

function exportStatus() {
  const exporting = state.exporting;
  if (!exporting) return null;
  const title = t(`import.export_${exporting.kind}`);
  if (exporting.status === 'busy') return h('p', { class: 'text-muted', attrs: { role: 'status' }, text: t('import.exporting', { title }) });
  if (exporting.status === 'done') return h('p', { class: 'text-muted', attrs: { role: 'status' }, text: t('import.exported', { name: exporting.name }) });
  return h('p', { class: 'notice notice-danger', attrs: { role: 'alert' }, text: t('import.export_failed', { detail: showText(exporting.text) }) });
}

function exportSection() {
  const disabled = !online() || state.exporting?.status === 'busy';
  return section(t('import.section_export'),
    h('p', { class: 'hint', text: t('import.export_intro') }),
    h('div', { class: 'actions import-export' }, KINDS.map((kind) => button(t(`import.export_${kind}`), () => exportLedger(kind), 'secondary', {
      disabled, dataset: { exportKind: kind },
    }))),
    exportStatus());
}

function render(params, page) {
  const header = pageHeader(t('import.title'), { back: '#/settings' });
  if (!app.seesEverything) {
    return h('div', { class: 'view view-import' }, header, emptyState(t('import.not_allowed')));
  }
  if (state.userId !== app.user.id) state = initialState(app.user.id);
  // page.refresh() runs the cleanups below before it calls render again.
  if (activePage !== page) {
    activePage = page;
    const onConnection = () => page.refresh();
    window.addEventListener('online', onConnection);
    window.addEventListener('offline', onConnection);
    page.onLeave(() => {
      window.removeEventListener('online', onConnection);
      window.removeEventListener('offline', onConnection);
      activePage = null;
      progressArea = null;
    });
  }
  return h('div', { class: 'view view-import' },
    header,
    online() ? null : h('p', { class: 'notice notice-warning import-offline', attrs: { role: 'status' }, text: t('import.offline') }),
    importSection(),
    exportSection());
}

route('/import', { tab: 'settings', render });

registerSettingsSection({
  id: 'ledgers', order: 25, title: () => t('import.nav'),
  visible: () => app.seesEverything,
  render: () => [
    h('p', { class: 'hint', text: t('import.nav_hint') }),
    linkButton(t('import.open'), '#/import', 'primary'),
  ],
});
