// New and edit forms for a project (项目/商机) and its risks (风险).
// A new project gets one stage record per configured stage (the
// project_stages setting), written in the same transaction as the project.

import './project-messages.js';

import { app } from '../context.js';
import { h } from '../dom.js';
import { deleteButton } from '../deletion.js';
import { keepDraft } from '../drafts.js';
import { saveRecord, saveRecords } from '../edits.js';
import { buildForm, options } from '../forms.js';
import { choiceLabel, fieldLabel, t } from '../i18n.js';
import { newRecordId } from '../ids.js';
import { canChangeOwner, canEdit } from '../permissions.js';
import { configuredStages } from '../projects.js';
import { navigate, route } from '../router.js';
import { PROJECT_STATUSES, RISK_CATEGORIES, RISK_STATUSES, TABLES } from '../schema.js';
import { emptyState, formHistorySection, pageHeader, savedToast } from '../ui.js';
import { ownerOptions } from './customer-form.js';
import { exposureChip } from './projects.js';

const PROJECT = TABLES.projects.fields;
const RISK = TABLES.risks.fields;

// The values a new record starts with: the fields filled in, without the empty ones.
function filled(values) {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null));
}

function notAvailable(title, back, found) {
  return h('div', { class: 'view' }, pageHeader(title, { back }), emptyState(found ? t('common.read_only') : t('common.not_found')));
}

function projectFields() {
  const label = (name) => fieldLabel('projects', name);
  const fields = [
    { name: 'name', label: label('name'), required: true, maxLength: PROJECT.name.maxLength },
    { name: 'status', label: label('status'), type: 'choices', required: true, options: options(PROJECT_STATUSES, choiceLabel) },
    { name: 'expected_completion', label: label('expected_completion'), type: 'date' },
    { name: 'content', label: label('content'), type: 'textarea', rows: 3, maxLength: PROJECT.content.maxLength },
    { name: 'outcome', label: label('outcome'), type: 'textarea', maxLength: PROJECT.outcome.maxLength },
  ];
  if (canChangeOwner()) fields.push({ name: 'owner_id', label: label('owner_id'), type: 'select', options: ownerOptions() });
  return fields;
}

function renderProject(params, page) {
  const creating = !params.id;
  const existing = creating ? null : app.store.get('projects', params.id);
  const customer = app.store.get('customers', creating ? params.customer : existing?.customer_id);
  const title = creating ? t('project.new_title') : t('project.edit_title');
  let back = '#/projects';
  if (existing) back = `#/project/${existing.id}`;
  else if (customer) back = `#/customer/${customer.id}`;
  if (!customer || (!creating && !existing) || !canEdit('customers', customer)) return notAvailable(title, back, customer);

  const stageNames = configuredStages(app.settings());
  const form = buildForm({
    fields: projectFields(),
    values: existing ?? { status: '进行中', owner_id: customer.owner_id ?? app.user.id },
    submitLabel: creating ? t('project.create') : t('form.save'),
    onSubmit: async (changes, values) => {
      if (!creating) {
        if (Object.keys(changes).length) await saveRecord('projects', existing.id, changes);
        savedToast();
        navigate(`/project/${existing.id}`, { replace: true });
        return;
      }
      const projectId = newRecordId();
      const owner = canChangeOwner() && values.owner_id ? values.owner_id : app.user.id;
      await saveRecords([
        { table: 'projects', id: projectId,
          changes: { ...filled(values), customer_id: customer.id, owner_id: owner, stage: stageNames[0] } },
        ...stageNames.map((name, position) => ({ table: 'project_stages', changes: { project_id: projectId, name, position } })),
      ]);
      savedToast();
      navigate(`/project/${projectId}`, { replace: true });
    },
    footer: creating ? null : deleteButton({ table: 'projects', id: existing.id, question: t('project.delete_confirm'), backTo: `/customer/${customer.id}` }),
  });
  return h('div', { class: 'view view-form' },
    pageHeader(title, { back }),
    h('p', { class: 'subtitle', text: customer.name }),
    creating ? h('p', { class: 'notice', text: t('project.stages_hint', { count: stageNames.length, names: stageNames.join(t('common.list_separator')) }) }) : null,
    keepDraft(form),
    form,
    creating ? null : formHistorySection(page, 'projects', existing.id));
}

function scaleOptions() {
  return [1, 2, 3, 4, 5].map((value) => ({ value, label: t(`risk.scale_${value}`) }));
}

function riskFields() {
  const label = (name) => fieldLabel('risks', name);
  const fields = [
    { name: 'description', label: label('description'), type: 'textarea', rows: 3, required: true, maxLength: RISK.description.maxLength },
    { name: 'category', label: label('category'), type: 'choices', options: options(RISK_CATEGORIES, choiceLabel) },
    { name: 'probability', label: label('probability'), type: 'select', integer: true, options: scaleOptions() },
    { name: 'impact', label: label('impact'), type: 'select', integer: true, options: scaleOptions(), hint: t('risk.exposure_hint') },
    { name: 'mitigation', label: label('mitigation'), type: 'textarea', maxLength: RISK.mitigation.maxLength },
    { name: 'status', label: label('status'), type: 'choices', required: true, options: options(RISK_STATUSES, choiceLabel) },
    { name: 'due_on', label: label('due_on'), type: 'date' },
  ];
  if (canChangeOwner()) fields.push({ name: 'owner_id', label: label('owner_id'), type: 'select', options: ownerOptions() });
  return fields;
}

function renderRisk(params, page) {
  const creating = !params.id;
  const existing = creating ? null : app.store.get('risks', params.id);
  const project = app.store.get('projects', creating ? params.project : existing?.project_id);
  const title = creating ? t('risk.new_title') : t('risk.edit_title');
  const back = project ? `#/project/${project.id}` : '#/projects';
  if (!project || (!creating && !existing) || !canEdit('projects', project)) return notAvailable(title, back, project);

  const form = buildForm({
    fields: riskFields(),
    values: existing ?? { status: '待处理', owner_id: project.owner_id ?? app.user.id },
    submitLabel: creating ? t('risk.new_title') : t('form.save'),
    onSubmit: async (changes, values) => {
      if (creating) {
        const owner = canChangeOwner() && values.owner_id ? values.owner_id : app.user.id;
        await saveRecord('risks', null, { ...filled(values), project_id: project.id, owner_id: owner });
      } else if (Object.keys(changes).length) {
        await saveRecord('risks', existing.id, changes);
      }
      savedToast();
      navigate(`/project/${project.id}`, { replace: true });
    },
    footer: creating ? null : deleteButton({ table: 'risks', id: existing.id, question: t('risk.delete_confirm'), backTo: `/project/${project.id}` }),
  });

  // The exposure badge follows the two ratings as they are picked.
  const badge = h('div', { class: 'exposure-preview', attrs: { 'aria-live': 'polite' } });
  const showExposure = () => {
    const rating = (name) => (form.elements[name].value ? Number(form.elements[name].value) : null);
    badge.replaceChildren(exposureChip({ probability: rating('probability'), impact: rating('impact') }));
  };
  form.elements.impact.closest('.field').append(badge);
  form.addEventListener('change', showExposure);
  showExposure();

  return h('div', { class: 'view view-form' },
    pageHeader(title, { back }),
    h('p', { class: 'subtitle', text: project.name }),
    keepDraft(form),
    form,
    creating ? null : formHistorySection(page, 'risks', existing.id));
}

route('/customer/:customer/project/new', { tab: 'customers', render: renderProject });
route('/project/:id/edit', { tab: 'customers', render: renderProject });
route('/project/:project/risk/new', { tab: 'customers', render: renderRisk });
route('/risk/:id/edit', { tab: 'customers', render: renderRisk });
