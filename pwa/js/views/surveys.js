// 满意度调查: filling in a survey after a resolved ticket's 回访 or after an
// installation, a survey's page, and the survey sections of the customer and
// ticket pages. Each configured question is scored 1–5 or left 未回答, and
// the score counts answered questions only (see ../surveys.js).

import './survey-messages.js';

import { app } from '../context.js';
import { isDate } from '../dates.js';
import { h } from '../dom.js';
import { deleteButton } from '../deletion.js';
import { keepDraft } from '../drafts.js';
import { saveRecord } from '../edits.js';
import { buildForm, options } from '../forms.js';
import { choiceLabel, fieldLabel, t } from '../i18n.js';
import { canEdit } from '../permissions.js';
import { navigate, route } from '../router.js';
import { SURVEY_KINDS, TABLES } from '../schema.js';
import { configuredQuestions, SCORES, surveyScore } from '../surveys.js';
import { chip, detailList, emptyState, historySection, linkButton, pageHeader, savedToast } from '../ui.js';
import { sameValue } from '../values.js';

const SPEC = TABLES.surveys.fields;
const RESOLVED_TICKET_STATUSES = new Set(['已解决', '已回访']);

export function formatScore(score) {
  return score === null || score === undefined ? '—' : score.toFixed(2);
}

// The score with its rule, as shown everywhere a score is: "得分 4.25" and how it was counted.
export function scoreLine(answers) {
  const { score, answered, unanswered } = surveyScore(answers);
  return h('div', { class: 'survey-score' },
    h('strong', { class: 'survey-score-value', text: score === null ? t('survey.no_score') : t('survey.score', { score: formatScore(score) }) }),
    h('p', { class: 'hint survey-rule', text: t('survey.rule', { answered, unanswered }) }));
}

function scoreChip(survey) {
  const { score } = surveyScore(survey.answers);
  if (score === null) return chip(t('survey.no_score'), 'neutral');
  let kind = 'success';
  if (score < 3) kind = 'danger';
  else if (score < 4) kind = 'warning';
  return chip(`${t('survey.score', { score: formatScore(score) })} · ${t('survey.rule_short')}`, kind);
}

function surveyCard(survey) {
  const ticket = survey.ticket_id ? app.store.get('tickets', survey.ticket_id) : null;
  return h('li', { class: 'card survey-card', dataset: { id: survey.id } },
    h('a', { class: 'card-link', href: `#/survey/${survey.id}` },
      h('div', { class: 'card-title', text: [survey.surveyed_on, survey.kind ? choiceLabel(survey.kind) : null].filter(Boolean).join(' · ') }),
      h('div', { class: 'chips' }, scoreChip(survey)),
      ticket ? h('div', { class: 'card-detail', text: ticket.number ?? ticket.subject ?? '' }) : null,
      survey.comment ? h('div', { class: 'card-detail', text: survey.comment }) : null));
}

function byNewest(a, b) {
  return String(b.surveyed_on ?? '').localeCompare(String(a.surveyed_on ?? ''));
}

// The 满意度调查 section of the customer page.
export function surveysSection(customer, editable) {
  const rows = app.store.list('surveys').filter((survey) => survey.customer_id === customer.id).sort(byNewest);
  return h('section', { class: 'section', dataset: { section: 'surveys' } },
    h('h3', { text: t('common.counted', { title: t('customer.surveys'), count: rows.length }) }),
    rows.length ? h('ul', { class: 'cards' }, rows.map(surveyCard)) : emptyState(t('customer.no_surveys')),
    editable ? h('div', { class: 'actions' },
      linkButton(t('customer.add_survey'), `#/customer/${customer.id}/survey/new?kind=安装`)) : null);
}

// The survey part of a ticket's page: its surveys, and for a resolved
// ticket with a customer, the button that starts the 回访 survey.
export function ticketSurveySection(ticket, editable) {
  const rows = app.store.list('surveys').filter((survey) => survey.ticket_id === ticket.id).sort(byNewest);
  const offer = editable && ticket.customer_id && RESOLVED_TICKET_STATUSES.has(ticket.status);
  if (!rows.length && !offer) return null;
  return h('section', { class: 'section', dataset: { section: 'surveys' } },
    h('h3', { text: t('common.counted', { title: t('survey.for_ticket'), count: rows.length }) }),
    rows.length ? h('ul', { class: 'cards' }, rows.map(surveyCard)) : null,
    offer ? h('div', { class: 'actions' },
      linkButton(t('survey.from_ticket'), `#/customer/${ticket.customer_id}/survey/new?ticket=${ticket.id}&kind=回访`, rows.length ? 'secondary' : 'primary'))
      : null);
}

// Radio buttons 未回答, 1 … 5 for each question; returns the block and a reader of the answers.
function questionInputs(questions, answers) {
  const groups = questions.map((question, index) => {
    const name = `question-${index}`;
    const current = answers[question.key] ?? null;
    const choice = (value, label) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name, value: value ?? '', checked: current === value }),
      h('span', { text: label }));
    return {
      question, name,
      node: h('fieldset', { class: 'survey-question', dataset: { key: question.key } },
        h('legend', { text: question.text }),
        h('div', { class: 'choices' }, choice(null, t('survey.unanswered')), SCORES.map((score) => choice(score, String(score))))),
    };
  });
  const read = (form) => {
    const result = { ...answers };
    for (const group of groups) {
      const value = form.querySelector(`input[name="${group.name}"]:checked`)?.value ?? '';
      result[group.question.key] = value === '' ? null : Number(value);
    }
    return result;
  };
  return { nodes: groups.map((group) => group.node), read };
}

function surveyFields(customer) {
  const label = (name) => fieldLabel('surveys', name);
  const tickets = app.store.list('tickets').filter((ticket) => ticket.customer_id === customer.id)
    .sort((a, b) => String(b.received_at ?? '').localeCompare(String(a.received_at ?? '')))
    .map((ticket) => ({ value: ticket.id, label: [ticket.number, ticket.subject || choiceLabel(ticket.kind)].filter(Boolean).join(' · ') }));
  return [
    { name: 'kind', label: label('kind'), type: 'choices', required: true, options: options(SURVEY_KINDS, choiceLabel) },
    { name: 'surveyed_on', label: label('surveyed_on'), type: 'date', required: true },
    { name: 'ticket_id', label: label('ticket_id'), type: 'select', options: tickets, emptyLabel: t('survey.no_ticket') },
    { name: 'comment', label: label('comment'), type: 'textarea', maxLength: SPEC.comment.maxLength },
  ];
}

function renderForm(params) {
  const creating = !params.id;
  const existing = creating ? null : app.store.get('surveys', params.id);
  const customer = app.store.get('customers', creating ? params.customer : existing?.customer_id);
  const title = creating ? t('survey.new_title') : t('survey.edit_title');
  let back = '#/customers';
  if (existing) back = `#/survey/${existing.id}`;
  else if (customer) back = `#/customer/${customer.id}`;
  if (!customer || (!creating && !existing) || !canEdit('customers', customer)) {
    return h('div', { class: 'view' }, pageHeader(title, { back }), emptyState(customer ? t('common.read_only') : t('survey.not_found')));
  }

  const questions = configuredQuestions(app.settings());
  const storedAnswers = existing?.answers ?? {};
  const inputs = questionInputs(questions, storedAnswers);
  const scoreBox = h('div', { class: 'survey-score-box', attrs: { 'aria-live': 'polite' } });
  const answerError = h('p', { class: 'field-error', attrs: { role: 'alert' } });
  const block = h('div', { class: 'field field-wide survey-questions' },
    h('span', { class: 'label', text: t('survey.questions') }), inputs.nodes, answerError, scoreBox);

  const ticketParam = params.query.get('ticket');
  const kindParam = params.query.get('kind');
  const defaults = {
    kind: SURVEY_KINDS.includes(kindParam) ? kindParam : (ticketParam ? '回访' : '安装'),
    surveyed_on: app.today(),
    ticket_id: ticketParam && app.store.get('tickets', ticketParam)?.customer_id === customer.id ? ticketParam : null,
  };
  const form = buildForm({
    fields: surveyFields(customer),
    values: existing ?? defaults,
    submitLabel: creating ? t('survey.create') : t('form.save'),
    extra: block,
    validate: (values) => (values.surveyed_on && !isDate(values.surveyed_on) ? { surveyed_on: t('form.date', { label: fieldLabel('surveys', 'surveyed_on') }) } : {}),
    onSubmit: async (changes, values) => {
      const answers = inputs.read(form);
      if (surveyScore(answers).answered === 0) {
        answerError.textContent = t('survey.need_answer');
        form.querySelector('.survey-question input')?.focus();
        return;
      }
      answerError.textContent = '';
      let id = existing?.id;
      if (creating) {
        const record = { customer_id: customer.id, answers };
        for (const [name, value] of Object.entries(values)) if (value !== null) record[name] = value;
        id = await saveRecord('surveys', null, record);
      } else {
        const edits = { ...changes };
        if (!sameValue(storedAnswers, answers)) edits.answers = answers;
        if (Object.keys(edits).length) await saveRecord('surveys', id, edits);
      }
      savedToast();
      navigate(`/survey/${id}`, { replace: true });
    },
    footer: creating ? null : deleteButton({
      table: 'surveys', id: existing.id, question: t('survey.delete_confirm'), backTo: `/customer/${customer.id}`,
    }),
  });
  // The comment comes after the scores, as on a paper questionnaire.
  block.after(form.querySelector('#field-comment').closest('.field'));
  const showScore = () => {
    const answers = inputs.read(form);
    if (surveyScore(answers).answered > 0) answerError.textContent = '';
    scoreBox.replaceChildren(scoreLine(answers));
  };
  form.addEventListener('change', showScore);
  showScore();

  return h('div', { class: 'view view-form view-survey-form' },
    pageHeader(title, { back }),
    h('p', { class: 'subtitle', text: customer.name }),
    keepDraft(form),
    form);
}

function renderDetail(params, page) {
  page.rerenderOnChange(app.store);
  const survey = app.store.get('surveys', params.id);
  if (!survey) return h('div', { class: 'view' }, pageHeader(t('survey.title'), { back: '#/customers' }), emptyState(t('survey.not_found')));
  const customer = app.store.get('customers', survey.customer_id);
  const ticket = survey.ticket_id ? app.store.get('tickets', survey.ticket_id) : null;
  const questions = configuredQuestions(app.settings());
  const texts = new Map(questions.map((question) => [question.key, question.text]));
  const keys = [...questions.map((question) => question.key), ...Object.keys(survey.answers ?? {}).filter((key) => !texts.has(key)).sort()];
  const answers = survey.answers ?? {};
  return h('div', { class: 'view view-survey' },
    pageHeader(t('survey.title'), { back: customer ? `#/customer/${customer.id}` : '#/customers' }),
    h('div', { class: 'card' },
      h('div', { class: 'card-row' },
        h('h2', { class: 'customer-name', text: customer?.name ?? t('survey.title') }),
        survey.kind ? chip(choiceLabel(survey.kind)) : null),
      h('div', { class: 'card-detail', text: survey.surveyed_on }),
      scoreLine(answers),
      canEdit('surveys', survey) ? h('div', { class: 'actions' }, linkButton(t('common.edit'), `#/survey/${survey.id}/edit`)) : null),
    h('section', { class: 'section' },
      h('h3', { text: t('survey.answers') }),
      detailList(keys.filter((key) => key in answers).map((key) => [
        texts.get(key) ?? t('survey.unknown_question', { key }),
        Number.isInteger(answers[key]) ? t('survey.points', { score: answers[key] }) : h('span', { class: 'text-muted', text: t('survey.unanswered') }),
      ]))),
    h('section', { class: 'section' }, detailList([
      [fieldLabel('surveys', 'ticket_id'), ticket ? h('a', { href: `#/ticket/${ticket.id}`, text: ticket.number ?? ticket.subject ?? choiceLabel(ticket.kind) }) : null],
      [fieldLabel('surveys', 'comment'), survey.comment],
    ])),
    historySection('surveys', survey.id));
}

route('/customer/:customer/survey/new', { tab: 'customers', render: renderForm });
route('/survey/:id', { tab: 'customers', render: renderDetail });
route('/survey/:id/edit', { tab: 'customers', render: renderForm });
