// Editors for the organisation settings of GET /api/settings, one per kind
// of value. The kinds are a whole number, a text, a time zone, a choice and
// a secret, plus a list of names (project stages), a list of questions
// (survey questions) and days per customer type (pool days).
//
// An editor works on a draft: the typed form of a value (numbers stay the
// text that was typed). draftToValue turns a draft into the JSON value sent
// to the server as typed. The server's validation then decides and explains
// what is wrong, so no limit is repeated here.

import './messages/org-settings.js';
import { h } from './dom.js';
import { choiceLabel, t } from './i18n.js';

export const NUMBER = 'number';
export const TEXT = 'text';
export const TIME_ZONE = 'time_zone';
export const CHOICE = 'choice';
export const SECRET = 'secret';
export const NAMES = 'names';
export const QUESTIONS = 'questions';
export const DAYS_BY_KIND = 'days_by_kind';

// Editors and units of the settings the server has today. A setting added
// to the server later gets an editor inferred from its default (inferKind).
const KNOWN = {
  time_zone: { kind: TIME_ZONE },
  reminder_receivable_days: { kind: NUMBER, unit: 'days' },
  reminder_ticket_hours: { kind: NUMBER, unit: 'hours' },
  escalation_days: { kind: NUMBER, unit: 'days' },
  backup_keep_days: { kind: NUMBER, unit: 'days' },
  pool_days: { kind: DAYS_BY_KIND },
  pool_warn_days: { kind: NUMBER, unit: 'days' },
  pool_claim_daily_limit: { kind: NUMBER, unit: 'customers' },
  project_stages: { kind: NAMES },
  survey_questions: { kind: QUESTIONS },
  chat_webhook_url: { kind: SECRET },
  chat_webhook_kind: { kind: CHOICE, choices: [null, 'wecom', 'dingtalk'] },
  chat_webhook_secret: { kind: SECRET },
  push_contact: { kind: TEXT },
};

const CHOICE_LABELS = { wecom: 'orgsettings.robot_wecom', dingtalk: 'orgsettings.robot_dingtalk' };

// A choice in the current language; null is "detect from the URL".
function choiceText(choice) {
  if (choice === null) return t('orgsettings.robot_auto');
  return CHOICE_LABELS[choice] ? t(CHOICE_LABELS[choice]) : String(choice);
}

function inferKind(setting) {
  const sample = setting.default ?? setting.value;
  if (setting.secret) return SECRET;
  if (Number.isInteger(sample)) return NUMBER;
  if (Array.isArray(sample)) return sample.every((item) => typeof item === 'string') ? NAMES : QUESTIONS;
  if (sample && typeof sample === 'object') return DAYS_BY_KIND;
  return TEXT;
}

// {kind, unit?, choices?} of a setting as listed by GET /api/settings.
export function editorSpec(setting) {
  const known = KNOWN[setting.key];
  if (known && !(setting.secret && known.kind !== SECRET)) return known;
  return { kind: inferKind(setting) };
}

function numberText(value) {
  return Number.isInteger(value) ? String(value) : '';
}

// The draft an editor starts from for `setting`'s current value.
export function initialDraft(setting, spec = editorSpec(setting)) {
  const value = setting.value;
  switch (spec.kind) {
    case NUMBER:
      return numberText(value);
    case SECRET:
      return ''; // the server lists secrets masked, so there is nothing to edit
    case NAMES:
      return Array.isArray(value) ? value.map(String) : [];
    case QUESTIONS:
      return Array.isArray(value) ? value.map((question) => ({ key: question?.key ?? '', text: question?.text ?? '' })) : [];
    case DAYS_BY_KIND: {
      const kinds = Object.keys({ ...setting.default, ...value });
      return Object.fromEntries(kinds.map((kind) => [kind, numberText(value?.[kind])]));
    }
    default:
      return value === null || value === undefined ? '' : String(value);
  }
}

// A typed number as a JSON number when it reads as one, else as typed, so
// the server's message names exactly what was typed. Empty is null.
function typedNumber(text) {
  const trimmed = String(text).trim();
  if (trimmed === '') return null;
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

// The JSON value to send for a draft.
export function draftToValue(spec, draft) {
  switch (spec.kind) {
    case NUMBER:
      return typedNumber(draft);
    case CHOICE:
      return draft === '' ? null : draft;
    case NAMES:
      return [...draft];
    case QUESTIONS:
      return draft.map(({ key, text }) => ({ key, text }));
    case DAYS_BY_KIND:
      return Object.fromEntries(Object.entries(draft).map(([kind, days]) => [kind, typedNumber(days)]));
    default:
      return draft;
  }
}

function withUnit(unit, count) {
  return unit ? t(`orgsettings.${unit}`, { count }) : String(count);
}

// A value of `setting` as text for the 当前值 and 默认值 lines.
export function formatSettingValue(setting, value, spec = editorSpec(setting)) {
  if (spec.kind === CHOICE) return choiceText(value ?? null);
  if (value === null || value === undefined) return t('orgsettings.not_set');
  switch (spec.kind) {
    case NUMBER:
      return withUnit(spec.unit, value);
    case NAMES:
      return Array.isArray(value) ? value.join(' → ') : String(value);
    case QUESTIONS:
      return Array.isArray(value) ? value.map((question) => question?.text).join(t('common.list_separator')) : String(value);
    case DAYS_BY_KIND:
      return Object.entries(value).map(([kind, days]) => t('orgsettings.kind_days', {
        kind: choiceLabel(kind), days: days === 0 ? t('orgsettings.never') : withUnit('days', days),
      })).join(t('common.list_separator'));
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

// A key for a new survey question. It is made from the time and a random
// part rather than counted up, so a new question does not take over the key
// of a removed one, whose answers old surveys still hold.
export function newQuestionKey(existing) {
  for (;;) {
    const key = `q_${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
    if (!existing.includes(key)) return key;
  }
}

function isMadeKey(key) {
  return /^q_[0-9a-z]+$/.test(key);
}

function moved(list, from, to) {
  const copy = [...list];
  const [item] = copy.splice(from, 1);
  copy.splice(to, 0, item);
  return copy;
}

function smallButton(label, text, action, disabled, onClick) {
  return h('button', {
    type: 'button', class: 'button button-small setting-list-button', text, disabled,
    dataset: { action }, attrs: { 'aria-label': label, title: label }, on: { click: onClick },
  });
}

// The latest draft of an editor made of several fields, so that each field's
// change keeps what was typed into the others since the editor was drawn.
// `change` records a new draft and passes it on to `update`.
function tracked(draft, update) {
  let current = draft;
  return {
    latest: () => current,
    change: (next, options) => {
      current = next;
      update(next, options);
    },
  };
}

// The ↑ ↓ ✕ buttons of row `index` of a list of `count` rows. A click
// moves or removes a row of the latest draft.
function rowButtons({ latest, change }, index, count) {
  return h('div', { class: 'setting-list-buttons' },
    smallButton(t('orgsettings.move_up'), '↑', 'up', index === 0, () => change(moved(latest(), index, index - 1), { redraw: true })),
    smallButton(t('orgsettings.move_down'), '↓', 'down', index === count - 1,
      () => change(moved(latest(), index, index + 1), { redraw: true })),
    smallButton(t('orgsettings.remove'), '✕', 'remove', false,
      () => change(latest().filter((_, position) => position !== index), { redraw: true })));
}

function namesEditor(id, draft, update, invalid) {
  const editing = tracked(draft, update);
  const { latest, change } = editing;
  return h('div', { class: 'setting-list', id },
    h('ol', { class: 'setting-list-rows' }, draft.map((name, index) => h('li', { class: 'setting-list-row' },
      h('input', {
        type: 'text', class: 'setting-list-input', value: name, attrs: { 'aria-label': t('orgsettings.stage_label', { number: index + 1 }), 'aria-invalid': invalid },
        on: { input: (event) => change(latest().map((item, position) => (position === index ? event.target.value : item))) },
      }),
      rowButtons(editing, index, draft.length)))),
    h('button', {
      type: 'button', class: 'button button-secondary button-small setting-list-add', text: t('orgsettings.add_stage'),
      on: { click: () => change([...latest(), ''], { redraw: true, focusLast: true }) },
    }));
}

function questionsEditor(id, draft, update, invalid) {
  const editing = tracked(draft, update);
  const { latest, change } = editing;
  return h('div', { class: 'setting-list', id },
    h('ol', { class: 'setting-list-rows' }, draft.map((question, index) => h('li', { class: 'setting-list-row', dataset: { questionKey: question.key } },
      h('div', { class: 'setting-question' },
        h('input', {
          type: 'text', class: 'setting-list-input', value: question.text,
          attrs: { 'aria-label': t('orgsettings.question_label', { number: index + 1 }), 'aria-invalid': invalid },
          on: { input: (event) => change(latest().map((item, position) => (position === index ? { ...item, text: event.target.value } : item))) },
        }),
        // A key made here (q_ and a random part) means nothing to a reader, unlike install or service.
        isMadeKey(question.key) ? null
          : h('span', { class: 'hint setting-question-key', text: t('orgsettings.question_key', { key: question.key }) })),
      rowButtons(editing, index, draft.length)))),
    h('button', {
      type: 'button', class: 'button button-secondary button-small setting-list-add', text: t('orgsettings.add_question'),
      on: {
        click: () => {
          const rows = latest();
          change([...rows, { key: newQuestionKey(rows.map((item) => item.key)), text: '' }], { redraw: true, focusLast: true });
        },
      },
    }));
}

function daysByKindEditor(id, draft, update, invalid) {
  const { latest, change } = tracked(draft, update);
  return h('table', { class: 'setting-days', id },
    h('thead', {}, h('tr', {},
      h('th', { attrs: { scope: 'col' }, text: t('orgsettings.customer_kind') }),
      h('th', { attrs: { scope: 'col' }, text: t('orgsettings.days_column') }))),
    h('tbody', {}, Object.entries(draft).map(([kind, days]) => h('tr', {},
      h('th', { attrs: { scope: 'row' }, text: choiceLabel(kind) }),
      h('td', {}, h('input', {
        type: 'number', value: days, dataset: { kind }, attrs: { inputmode: 'numeric', step: 1, 'aria-label': choiceLabel(kind), 'aria-invalid': invalid },
        on: { input: (event) => change({ ...latest(), [kind]: event.target.value }) },
      }))))));
}

let timeZones = null;

// Every time zone the browser supports, for the time zone field's suggestions.
function timeZoneList() {
  if (timeZones === null) {
    try {
      timeZones = Intl.supportedValuesOf('timeZone');
    } catch {
      timeZones = []; // an older browser: the field still takes any typed name
    }
  }
  return timeZones;
}

// The editor of one setting. `update(draft, {redraw, focusLast})` receives
// every change. `redraw` requests a new editor (rows added, removed or
// moved). Typing never sets it, so the cursor stays put.
export function settingEditor(setting, spec, draft, update, invalid = false) {
  const id = `setting-${setting.key}`;
  const onText = (event) => update(event.target.value);
  const textProps = { id, value: draft, attrs: { autocomplete: 'off', 'aria-invalid': invalid }, on: { input: onText } };
  switch (spec.kind) {
    case NUMBER:
      return h('input', { ...textProps, type: 'number', attrs: { ...textProps.attrs, inputmode: 'numeric', step: 1 } });
    case TIME_ZONE:
      return [
        h('input', { ...textProps, type: 'text', attrs: { ...textProps.attrs, list: `${id}-zones`, spellcheck: 'false' } }),
        h('datalist', { id: `${id}-zones` }, timeZoneList().map((name) => h('option', { value: name }))),
      ];
    case CHOICE:
      return h('select', { id, attrs: { 'aria-invalid': invalid }, on: { change: onText } },
        spec.choices.map((choice) => h('option', {
          value: choice ?? '', selected: (choice ?? '') === draft,
          text: choiceText(choice),
        })));
    case SECRET:
      return h('input', {
        ...textProps, type: setting.key.endsWith('_url') ? 'url' : 'password',
        attrs: { ...textProps.attrs, placeholder: t('orgsettings.secret_placeholder'), spellcheck: 'false' },
      });
    case NAMES:
      return namesEditor(id, draft, update, invalid);
    case QUESTIONS:
      return questionsEditor(id, draft, update, invalid);
    case DAYS_BY_KIND:
      return daysByKindEditor(id, draft, update, invalid);
    default:
      return h('input', { ...textProps, type: 'text', attrs: { ...textProps.attrs, spellcheck: 'false' } });
  }
}
