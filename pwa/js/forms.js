// Forms with validation in the form: each input is checked against its
// field's rules, errors show under the inputs in the current language, and
// nothing typed is lost on an error because the form stays as it is.

import { app } from './context.js';
import { isDate, localInputToStamp, stampToLocalInput } from './dates.js';
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { fenToYuanText, parseYuan } from './money.js';
import { sameValue } from './values.js';

// Input types: text, tel, email, textarea, select, date, datetime, money,
// integer, choices (a row of buttons), lookup (a search among many records).
// A field is {name, label, type, required, maxLength, min, max, options:
// [{value, label}], hint, placeholder}; a lookup has search and labelOf instead
// of options (see lookupInput).

function sameOption(optionValue, value) {
  return value !== null && value !== undefined && String(optionValue) === String(value);
}

// How many matches a lookup lists under its search box.
const LOOKUP_SHOWN = 8;

// A choice among too many records for a <select> (介绍人 among a rep's
// thousands of customers): a search box listing the first matches, over a
// hidden input that contains the chosen value. `field.search(text)` returns
// [{value, label, detail?}] and `field.labelOf(value)` the label of a stored
// value. The detail (a company, a phone) shows beside a match's label.
// Editing the text clears the choice until a match is picked, and readField
// rejects text that names nothing.
function lookupInput(field, value, common) {
  const hidden = h('input', { type: 'hidden', name: field.name, value: value ?? '' });
  const listId = `${common.id}-options`;
  const box = h('input', {
    type: 'search', id: common.id, value: value ? field.labelOf(value) ?? '' : '',
    attrs: { ...common.attrs, autocomplete: 'off', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId },
  });
  const list = h('ul', { class: 'lookup-options', id: listId, hidden: true, attrs: { role: 'listbox' } });
  const close = () => {
    list.hidden = true;
    box.setAttribute('aria-expanded', 'false');
  };
  const choose = (option) => {
    hidden.value = option?.value ?? '';
    box.value = option?.label ?? '';
    close();
    hidden.dispatchEvent(new Event('change', { bubbles: true }));
  };
  box.addEventListener('input', () => {
    hidden.value = '';
    const text = box.value.trim();
    const found = text ? field.search(text).slice(0, LOOKUP_SHOWN) : [];
    replace(list, found.map((option) => h('li', { attrs: { role: 'option' } },
      h('button', { type: 'button', class: 'lookup-option', on: { click: () => choose(option) } },
        option.label, option.detail ? h('span', { class: 'lookup-detail', text: option.detail }) : null))));
    list.hidden = !found.length;
    box.setAttribute('aria-expanded', String(!list.hidden));
  });
  box.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close();
  });
  // A restored draft sets the hidden value and fires 'change', so the box shows its label.
  hidden.addEventListener('change', () => {
    box.value = hidden.value ? field.labelOf(hidden.value) ?? '' : '';
  });
  return h('div', { class: 'lookup' }, hidden, box, list);
}

function inputFor(field, value) {
  const id = `field-${field.name}`;
  const common = { id, name: field.name, attrs: { 'aria-describedby': `${id}-error`, 'aria-required': field.required ? 'true' : null, placeholder: field.placeholder } };
  switch (field.type) {
    case 'textarea':
      return h('textarea', { ...common, rows: field.rows ?? 3, value: value ?? '' });
    case 'select':
      return h('select', common,
        field.required ? null : h('option', { value: '', text: field.emptyLabel ?? t('form.not_set') }),
        field.options.map((option) => h('option', { value: option.value, text: option.label, selected: sameOption(option.value, value) })));
    case 'lookup':
      return lookupInput(field, value, common);
    case 'choices': {
      // A <label for> cannot name a div, so the group takes its name from the label's id.
      const groupAttrs = { ...common.attrs, role: 'radiogroup', 'aria-labelledby': `${id}-label`, placeholder: null };
      return h('div', { class: 'choices', id, attrs: groupAttrs }, field.options.map((option) => h('label', { class: 'choice' },
        h('input', { type: 'radio', name: field.name, value: option.value, checked: sameOption(option.value, value) }),
        h('span', { text: option.label }))));
    }
    case 'date':
      return h('input', { ...common, type: 'date', value: value ?? '' });
    case 'datetime':
      return h('input', { ...common, type: 'datetime-local', value: value ? stampToLocalInput(value, app.timeZone()) : '' });
    case 'money':
      return h('input', { ...common, type: 'text', value: fenToYuanText(value), attrs: { ...common.attrs, inputmode: 'decimal', autocomplete: 'off' } });
    case 'integer':
      return h('input', { ...common, type: 'number', value: value ?? '', attrs: { ...common.attrs, inputmode: 'numeric', min: field.min, max: field.max, step: 1 } });
    default:
      return h('input', { ...common, type: field.type ?? 'text', value: value ?? '', attrs: { ...common.attrs, maxlength: field.maxLength, autocomplete: field.autocomplete ?? 'off' } });
  }
}

// Read and check one field's input; returns {value} or {error}.
function readField(form, field) {
  let raw;
  if (field.type === 'choices') raw = form.querySelector(`input[name="${field.name}"]:checked`)?.value ?? '';
  else raw = form.elements[field.name]?.value ?? '';
  const text = typeof raw === 'string' ? raw.trim() : raw;
  if (text === '' && field.type === 'lookup' && form.querySelector(`#field-${field.name}`)?.value.trim()) {
    return { error: t('form.lookup_unmatched', { label: field.label }) };
  }
  if (text === '') {
    return field.required ? { error: t('form.required', { label: field.label }) } : { value: null };
  }
  if (field.integer) return { value: Number(text) };
  switch (field.type) {
    case 'money': {
      const parsed = parseYuan(text);
      if (parsed.error) return { error: t(parsed.error, { label: field.label }) };
      if (field.min !== undefined && parsed.fen < field.min) return { error: t('form.money_positive', { label: field.label }) };
      return { value: parsed.fen };
    }
    case 'integer': {
      const number = Number(text);
      if (!Number.isInteger(number)) return { error: t('form.integer', { label: field.label }) };
      if ((field.min !== undefined && number < field.min) || (field.max !== undefined && number > field.max)) {
        return { error: t('form.range', { label: field.label, min: field.min, max: field.max }) };
      }
      return { value: number };
    }
    case 'date':
      return isDate(text) ? { value: text } : { error: t('form.date', { label: field.label }) };
    case 'datetime': {
      const stamp = localInputToStamp(text, app.timeZone());
      return stamp ? { value: stamp } : { error: t('form.datetime', { label: field.label }) };
    }
    case 'email':
      return /^[^\s@]+@[^\s@]+$/.test(text) ? { value: text } : { error: t('form.email', { label: field.label }) };
    default:
      if (field.maxLength && text.length > field.maxLength) {
        return { error: t('form.too_long', { label: field.label, max: field.maxLength, length: text.length }) };
      }
      return { value: text };
  }
}

// Inputs where Enter means "next field": one-line text, not a textarea,
// button, radio button or checkbox.
const ONE_LINE = 'input:not([type=radio]):not([type=checkbox]):not([type=button]):not([type=submit])';

// Make Enter in a one-line input go to the next input instead of saving
// the whole form, and mark the keyboard's Enter key as "next". A rep who
// pressed Enter after a new customer's name otherwise saved a customer
// without the phone number. Enter in the form's last input still saves.
function moveOnEnter(form) {
  const inputs = () => [...form.querySelectorAll('input, select, textarea')].filter((input) => !input.disabled && input.offsetParent !== null && input.type !== 'hidden');
  for (const input of form.querySelectorAll(ONE_LINE)) input.setAttribute('enterkeyhint', 'next');
  form.addEventListener('keydown', (event) => {
    // Enter also ends a pinyin composition, which must not move on.
    if (event.key !== 'Enter' || event.isComposing || !event.target.matches(ONE_LINE)) return;
    const all = inputs();
    const next = all[all.indexOf(event.target) + 1];
    if (!next) return;
    event.preventDefault();
    next.focus();
  });
}

// Build a form and return the <form> element. `values` are the stored
// values. `onSubmit(changes, values)` receives the fields whose value
// differs from `values`, and all values read. Passing only the changes means
// a save never overwrites a field that another device changed meanwhile.
// When onSubmit resolves to anything but false, the form fires a 'saved'
// event, which removes its draft. onSubmit returns false when the person
// cancels a confirmation and the form stays open.
// `validate(values)` may return more errors as {name: message}.
export function buildForm({ fields, values = {}, submitLabel, onSubmit, validate = () => ({}), extra = null, footer = null }) {
  const errors = {};
  const form = h('form', { class: 'form', attrs: { novalidate: true } });
  for (const field of fields) {
    const input = inputFor(field, values[field.name]);
    const error = h('p', { class: 'field-error', id: `field-${field.name}-error`, attrs: { 'aria-live': 'polite' } });
    errors[field.name] = error;
    form.append(h('div', { class: ['field', field.type === 'textarea' && 'field-wide', field.className] },
      // A screen reader skips the asterisk and announces "required" from the input's aria-required.
      h('label', { id: `field-${field.name}-label`, attrs: { for: `field-${field.name}` } }, field.label,
        field.required ? h('span', { class: 'required', text: ' *', attrs: { 'aria-hidden': 'true' } }) : null),
      input,
      field.hint ? h('p', { class: 'hint', text: field.hint }) : null,
      field.after ?? null,
      error));
  }
  if (extra) form.append(extra);
  const formError = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const submit = h('button', { type: 'submit', class: 'button button-primary', text: submitLabel ?? t('form.save') });
  form.append(formError, h('div', { class: 'form-actions' }, submit, footer));

  moveOnEnter(form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const read = {};
    const problems = {};
    for (const field of fields) {
      const result = readField(form, field);
      if (result.error) problems[field.name] = result.error;
      else read[field.name] = result.value;
    }
    if (Object.keys(problems).length === 0) Object.assign(problems, validate(read) ?? {});
    for (const field of fields) {
      errors[field.name].textContent = problems[field.name] ?? '';
      form.querySelector(`#field-${field.name}`)?.setAttribute('aria-invalid', problems[field.name] ? 'true' : 'false');
    }
    formError.textContent = '';
    const first = fields.find((field) => problems[field.name]);
    if (first) {
      formError.textContent = t('form.fix_errors');
      // A row of choices is a div, so focus goes to its chosen or first radio button.
      const target = form.querySelector(`#field-${first.name}`);
      (target?.matches('.choices') ? target.querySelector('input:checked') ?? target.querySelector('input') : target)?.focus();
      return;
    }
    const changes = {};
    for (const field of fields) {
      const before = values[field.name] ?? null;
      if (!sameValue(before, read[field.name])) changes[field.name] = read[field.name];
    }
    submit.disabled = true;
    try {
      if (await onSubmit(changes, read) !== false) form.dispatchEvent(new CustomEvent('saved'));
    } catch (error) {
      formError.textContent = error?.name === 'StorageError' && error.kind === 'quota'
        ? t('storage.quota') : t('form.save_failed', { detail: error?.message ?? String(error) });
      console.error('saving the form failed', error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// The {value, label} options of a choice list.
export function options(values, label = (value) => value) {
  return values.map((value) => ({ value, label: label(value) }));
}
