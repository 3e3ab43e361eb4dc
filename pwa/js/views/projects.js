// 项目: the project list, a project's page with its stages and risks, the
// stage-dates form, and the projects section of the customer page.
// Stage lateness and risk exposure follow the rules in ../projects.js.

import './project-messages.js';

import { app } from '../context.js';
import { isDate } from '../dates.js';
import { h, replace } from '../dom.js';
import { saveRecords } from '../edits.js';
import { choiceLabel, fieldLabel, t } from '../i18n.js';
import { canEdit } from '../permissions.js';
import {
  orderedStages, projectInProgress, projectProgress, riskDaysOverdue, riskExposure, riskLevel, riskOpen, stageDaysLate,
  stageState,
} from '../projects.js';
import { navigate, route } from '../router.js';
import {
  button, chip, detailList, emptyState, historySection, linkButton, openConflicts, pageHeader, savedToast, section,
} from '../ui.js';

const STATUS_KIND = { 进行中: '', 已完成: 'success', 已暂停: 'neutral', 已取消: 'neutral' };
const LEVEL_KIND = { high: 'danger', medium: 'warning', low: 'success' };

export function projectStages(projectId) {
  return orderedStages(app.store.list('project_stages').filter((stage) => stage.project_id === projectId));
}

// A project's risks: open ones first, then by exposure (highest first) and due date.
export function projectRisks(projectId) {
  return app.store.list('risks').filter((risk) => risk.project_id === projectId)
    .sort((a, b) => Number(riskOpen(b)) - Number(riskOpen(a)) || (riskExposure(b) ?? 0) - (riskExposure(a) ?? 0)
      || String(a.due_on ?? '').localeCompare(String(b.due_on ?? '')));
}

function statusChip(project) {
  const status = project.status ?? '进行中';
  return chip(choiceLabel(status), STATUS_KIND[status] ?? '');
}

// The exposure badge: the number on the level's colour, or 未评估.
export function exposureChip(risk) {
  const exposure = riskExposure(risk);
  const level = riskLevel(exposure);
  if (!level) return chip(t('risk.unrated'), 'neutral');
  const text = `${t('risk.exposure', { value: exposure })} · ${t(`risk.level_${level}`)}`;
  return h('span', { class: ['chip', `chip-${LEVEL_KIND[level]}`, 'exposure'], dataset: { level }, text });
}

function progressBar(progress) {
  return h('div', { class: 'project-progress' },
    h('progress', { max: Math.max(progress.total, 1), value: progress.done, attrs: { 'aria-label': t('project.progress', progress) } }),
    h('span', { class: 'text-muted small', text: t('project.progress', progress) }));
}

// The current stage with how late it is, or 全部阶段已完成.
function currentStageLine(progress) {
  if (!progress.total) return null;
  if (!progress.current) return h('div', { class: 'card-detail', text: t('project.all_done') });
  return h('div', { class: 'card-detail' },
    t('project.current_stage', { name: progress.current.name }), ' ',
    progress.daysLate > 0 ? h('span', { class: 'text-danger', text: t('project.days_late', { days: progress.daysLate }) }) : null);
}

function projectCard(project, today, showCustomer) {
  const progress = projectProgress(project, projectStages(project.id), today);
  const customer = showCustomer ? app.store.get('customers', project.customer_id) : null;
  const attention = projectRisks(project.id).filter((risk) => riskOpen(risk)
    && (riskLevel(riskExposure(risk)) === 'high' || riskDaysOverdue(risk, today) > 0)).length;
  return h('li', { class: ['card', 'project-card', progress.daysLate > 0 && 'due-overdue'], dataset: { id: project.id } },
    h('a', { class: 'card-link', href: `#/project/${project.id}` },
      h('div', { class: 'card-row' },
        h('span', { class: 'card-title', text: project.name }),
        statusChip(project)),
      customer ? h('div', { class: 'card-detail', text: customer.name }) : null,
      progressBar(progress),
      currentStageLine(progress),
      attention ? h('div', { class: 'text-danger small', text: t('common.counted', { title: t('today.risks'), count: attention }) }) : null));
}

// The 项目 section of the customer page.
export function projectsSection(customer, editable) {
  const today = app.today();
  const rows = app.store.list('projects').filter((project) => project.customer_id === customer.id)
    .sort((a, b) => String(a.name).localeCompare(String(b.name), 'zh-CN'));
  return h('section', { class: 'section', dataset: { section: 'projects' } },
    h('h3', { text: t('common.counted', { title: t('customer.projects'), count: rows.length }) }),
    rows.length ? h('ul', { class: 'cards' }, rows.map((project) => projectCard(project, today, false))) : emptyState(t('customer.no_projects')),
    editable ? h('div', { class: 'actions' }, linkButton(t('customer.add_project'), `#/customer/${customer.id}/project/new`)) : null);
}

// The project list, filtered by 进行中 / 已延误 / 全部 and a search text.
let listFilter = 'active';

function renderList(params, page) {
  const results = h('div', { class: 'results' });
  let text = '';
  const draw = () => {
    const today = app.today();
    const needle = text.trim().toLowerCase();
    const rows = app.store.list('projects').map((project) => ({
      project, progress: projectProgress(project, projectStages(project.id), today),
      customer: app.store.get('customers', project.customer_id),
    })).filter(({ project, progress, customer }) => {
      if (listFilter === 'active' && !projectInProgress(project)) return false;
      if (listFilter === 'late' && !(progress.daysLate > 0)) return false;
      if (!needle) return true;
      return [project.name, project.content, customer?.name, customer?.company]
        .some((value) => value && String(value).toLowerCase().includes(needle));
    }).sort((a, b) => b.progress.daysLate - a.progress.daysLate || String(a.project.name).localeCompare(String(b.project.name), 'zh-CN'));
    replace(results,
      h('p', { class: 'result-count', text: t('projects.count', { count: rows.length }) }),
      rows.length ? h('ul', { class: 'cards' }, rows.map(({ project }) => projectCard(project, today, true))) : emptyState(t('projects.empty')));
  };
  const segments = h('div', { class: 'segmented', attrs: { role: 'group' } }, ['active', 'late', 'all'].map((name) => h('button', {
    type: 'button', class: ['segment', listFilter === name && 'segment-active'], text: t(`projects.filter_${name}`),
    attrs: { 'aria-pressed': String(listFilter === name) },
    on: { click: () => { listFilter = name; page.refresh(); } },
  })));
  page.onStoreChange(app.store, draw);
  draw();
  return h('div', { class: 'view view-projects' },
    pageHeader(t('projects.title'), { back: '#/customers' }),
    h('div', { class: 'search-row' }, h('input', {
      type: 'search', value: text, attrs: { placeholder: t('projects.search_placeholder'), 'aria-label': t('projects.search') },
      on: { input: (event) => { text = event.target.value; draw(); } },
    })),
    segments,
    results);
}

function stageStatusChip(stage, today, inProgress, isCurrent) {
  const state = stageState(stage, today, inProgress);
  const days = stageDaysLate(stage, today, inProgress);
  switch (state) {
    case 'done_on_time': return chip(t('stage.done_on_time'), 'success');
    case 'done_late': return chip(t('stage.done_late', { days }), 'warning');
    case 'done': return chip(t('stage.done'), 'success');
    case 'overdue': return chip(t('stage.overdue', { days }), 'danger');
    default: return chip(isCurrent ? t('stage.current') : t('stage.open'), isCurrent ? '' : 'neutral');
  }
}

// Mark the current stage done today, and move the project's 当前阶段 on.
async function finishStage(project, progress) {
  const next = progress.stages[progress.currentIndex + 1];
  await saveRecords([
    { table: 'project_stages', id: progress.current.id, changes: { actual_on: app.today() } },
    { table: 'projects', id: project.id, changes: { stage: (next ?? progress.current).name } },
  ]);
  savedToast();
}

function stagesSection(project, progress, editable) {
  const today = app.today();
  const inProgress = projectInProgress(project);
  const list = progress.stages.length === 0 ? emptyState(t('project.no_stages')) : h('ol', { class: 'stages' },
    progress.stages.map((stage, index) => h('li', { class: ['stage', index === progress.currentIndex && 'stage-current'], dataset: { id: stage.id } },
      h('div', { class: 'card-row' },
        h('span', { class: 'stage-name', text: stage.name }),
        stageStatusChip(stage, today, inProgress, index === progress.currentIndex)),
      h('div', { class: 'stage-dates text-muted small' },
        h('span', { text: stage.planned_on ? t('project.stage_planned', { date: stage.planned_on }) : t('project.stage_no_plan') }),
        stage.actual_on ? h('span', { text: t('project.stage_actual', { date: stage.actual_on }) }) : null),
      stage.notes ? h('p', { class: 'small', text: stage.notes }) : null)));
  return h('section', { class: 'section', dataset: { section: 'stages' } },
    h('h3', { text: t('project.stages') }),
    list,
    progress.stages.length ? h('p', { class: 'hint', text: t('project.late_rule') }) : null,
    editable ? h('div', { class: 'actions' },
      progress.current ? button(t('project.finish_stage', { name: progress.current.name }), () => finishStage(project, progress), 'primary',
        { id: 'finish-stage' }) : null,
      progress.stages.length ? linkButton(t('project.edit_stages'), `#/project/${project.id}/stages`) : null) : null);
}

function riskCard(risk, today, editable) {
  const overdue = riskDaysOverdue(risk, today);
  return h('li', {
    class: ['card', 'risk-card', overdue > 0 && 'due-overdue', !riskOpen(risk) && 'risk-closed'],
    dataset: { id: risk.id, level: riskLevel(riskExposure(risk)) ?? 'none' },
  },
    h('div', { class: 'card-row' },
      h('span', { class: 'card-title', text: risk.description }),
      exposureChip(risk)),
    h('div', { class: 'chips' },
      risk.category ? chip(choiceLabel(risk.category), 'stage') : null,
      chip(choiceLabel(risk.status ?? '待处理'), riskOpen(risk) ? 'warning' : 'success'),
      risk.owner_id ? chip(app.userName(risk.owner_id) ?? t('common.unknown_user'), 'neutral') : null),
    detailList([
      [fieldLabel('risks', 'probability'), risk.probability],
      [fieldLabel('risks', 'impact'), risk.impact],
      [fieldLabel('risks', 'mitigation'), risk.mitigation],
      [fieldLabel('risks', 'due_on'), risk.due_on ? h('span', {
        class: overdue > 0 ? 'text-danger' : '', text: overdue > 0 ? t('risk.overdue', { days: overdue }) + ` · ${risk.due_on}` : risk.due_on,
      }) : null],
    ]),
    editable ? h('div', { class: 'card-actions' }, linkButton(t('common.edit'), `#/risk/${risk.id}/edit`)) : null);
}

function risksSection(project, editable) {
  const today = app.today();
  const risks = projectRisks(project.id);
  return h('section', { class: 'section', dataset: { section: 'risks' } },
    h('h3', { text: t('common.counted', { title: t('project.risks'), count: risks.length }) }),
    risks.length ? h('ul', { class: 'cards' }, risks.map((risk) => riskCard(risk, today, editable))) : emptyState(t('project.no_risks')),
    editable ? h('div', { class: 'actions' }, linkButton(t('project.add_risk'), `#/project/${project.id}/risk/new`)) : null);
}

function renderDetail(params, page) {
  page.rerenderOnChange(app.store);
  const project = app.store.get('projects', params.id);
  if (!project) {
    return h('div', { class: 'view' }, pageHeader(t('project.title'), { back: '#/projects' }), emptyState(t('project.not_found')));
  }
  const customer = app.store.get('customers', project.customer_id);
  const editable = canEdit('projects', project);
  const progress = projectProgress(project, projectStages(project.id), app.today());
  const childIds = new Set([...progress.stages, ...projectRisks(project.id)].map((row) => row.id));
  const conflicts = openConflicts((row) => row.record_id === project.id || childIds.has(row.record_id));
  const pending = app.store.outbox.has(`projects/${project.id}`);
  return h('div', { class: 'view view-project' },
    pageHeader(t('project.title'), { back: customer ? `#/customer/${customer.id}` : '#/projects' }),
    h('div', { class: 'card' },
      h('div', { class: 'card-row' },
        h('h2', { class: 'customer-name', text: project.name }),
        statusChip(project)),
      customer ? h('a', { class: 'card-detail', href: `#/customer/${customer.id}`, text: customer.name }) : null,
      progressBar(progress),
      currentStageLine(progress),
      pending ? h('p', { class: 'text-muted', text: t('common.pending_sync') }) : null,
      editable ? h('div', { class: 'actions' }, linkButton(t('common.edit'), `#/project/${project.id}/edit`)) : null),
    conflicts.length ? h('a', { class: 'notice notice-warning', href: '#/sync', text: t('customer.has_conflicts', { count: conflicts.length }) }) : null,
    section(t('project.details'), detailList([
      [fieldLabel('projects', 'owner_id'), app.userName(project.owner_id)],
      [fieldLabel('projects', 'expected_completion'), project.expected_completion],
      [fieldLabel('projects', 'content'), project.content],
      [fieldLabel('projects', 'outcome'), project.outcome],
    ])),
    stagesSection(project, progress, editable),
    risksSection(project, editable),
    historySection('projects', project.id));
}

// One form for the planned and actual dates of every stage, saved in one transaction.
function renderStages(params) {
  const project = app.store.get('projects', params.id);
  const back = `#/project/${params.id}`;
  if (!project || !canEdit('projects', project)) {
    return h('div', { class: 'view' }, pageHeader(t('stages.title'), { back }), emptyState(project ? t('common.read_only') : t('project.not_found')));
  }
  const stages = projectStages(project.id);
  const today = app.today();
  const rows = stages.map((stage) => {
    const planned = h('input', { type: 'date', name: `planned-${stage.id}`, value: stage.planned_on ?? '', attrs: { 'aria-label': `${stage.name} ${t('stages.planned')}` } });
    const actual = h('input', { type: 'date', name: `actual-${stage.id}`, value: stage.actual_on ?? '', attrs: { max: today, 'aria-label': `${stage.name} ${t('stages.actual')}` } });
    const error = h('p', { class: 'field-error', attrs: { 'aria-live': 'polite' } });
    return { stage, planned, actual, error,
      node: h('fieldset', { class: 'stage-edit', dataset: { stage: stage.name } },
        h('legend', { text: stage.name }),
        h('label', {}, h('span', { text: t('stages.planned') }), planned),
        h('label', {}, h('span', { text: t('stages.actual') }), actual),
        error) };
  });
  const formError = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const form = h('form', { class: 'form stage-form', attrs: { novalidate: true } },
    rows.map((row) => row.node), formError,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary', text: t('form.save') })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const changes = [];
    let invalid = false;
    for (const row of rows) {
      const planned = row.planned.value.trim() || null;
      const actual = row.actual.value.trim() || null;
      let problem = '';
      if ((planned && !isDate(planned)) || (actual && !isDate(actual))) problem = t('stages.invalid_date');
      else if (actual && actual > app.today()) problem = t('stages.actual_in_future', { today: app.today() });
      row.error.textContent = problem;
      invalid ||= Boolean(problem);
      const changed = {};
      if (planned !== (row.stage.planned_on ?? null)) changed.planned_on = planned;
      if (actual !== (row.stage.actual_on ?? null)) changed.actual_on = actual;
      if (Object.keys(changed).length) changes.push({ table: 'project_stages', id: row.stage.id, changes: changed });
    }
    formError.textContent = invalid ? t('form.fix_errors') : '';
    if (invalid) return;
    const current = rows.find((row) => !(row.actual.value.trim()));
    const stageName = (current ?? rows[rows.length - 1])?.stage.name ?? null;
    if (stageName !== (project.stage ?? null)) changes.push({ table: 'projects', id: project.id, changes: { stage: stageName } });
    if (changes.length) await saveRecords(changes);
    savedToast();
    navigate(`/project/${project.id}`, { replace: true });
  });
  return h('div', { class: 'view view-form' },
    pageHeader(t('stages.title'), { back }),
    h('p', { class: 'subtitle', text: project.name }),
    stages.length ? form : emptyState(t('project.no_stages')));
}

route('/projects', { tab: 'customers', render: renderList });
route('/project/:id', { tab: 'customers', render: renderDetail });
route('/project/:id/stages', { tab: 'customers', render: renderStages });
