// Drafts of forms (草稿): what a person typed in a form and has not saved
// yet. Android may kill the app in the background, and a rep may press
// back or switch tabs in the middle of a follow-up, so each typed change
// is written at once to localStorage under the user and the form's hash.
// Opening the same form again restores it with a notice and a 丢弃 button.
// Saving the form removes its draft, and logging out removes every draft.
//
// A draft contains only the inputs whose text differs from what the form
// showed when it opened, so a restored draft of an edit form changes only
// the fields the person typed in, over the record's current values.

import { app } from './context.js';
import { h } from './dom.js';
import { addMessages, t } from './i18n.js';
import { formatStamp } from './ui.js';

const PREFIX = 'genzong.draft.';

addMessages({
  zh: {
    'draft.restored': '已恢复 {time} 未保存的内容。', 'draft.discard': '丢弃草稿',
  },
  en: {
    'draft.restored': 'Restored what you typed at {time} and did not save.', 'draft.discard': 'Discard draft',
  },
});

function storageKey(userId, hash) {
  return `${PREFIX}${userId}.${hash}`;
}

function readStored(key) {
  try {
    const draft = JSON.parse(localStorage.getItem(key));
    return draft && typeof draft.inputs === 'object' ? draft : null;
  } catch {
    return null;
  }
}

// Write or remove a draft. Without localStorage (some in-app browsers) or
// with it full, the form still works but keeps no draft.
function writeStored(key, draft) {
  try {
    if (draft) localStorage.setItem(key, JSON.stringify(draft));
    else localStorage.removeItem(key);
  } catch (error) {
    console.warn('keeping a draft of the form failed', error);
  }
}

// Remove the drafts of every user, or of every user but `keepUserId`.
export function removeDrafts(keepUserId = null) {
  try {
    const keys = Object.keys(localStorage).filter((key) => key.startsWith(PREFIX)
      && (keepUserId === null || !key.startsWith(`${PREFIX}${keepUserId}.`)));
    for (const key of keys) localStorage.removeItem(key);
  } catch {
    // No localStorage, so no drafts either.
  }
}

function inputText(form, name) {
  const element = form.elements[name];
  if (!element) return null;
  // The radio buttons of a `choices` field form a RadioNodeList, whose value
  // is the checked button's. A single radio button is an element.
  if (element.type === 'radio') return element.checked ? element.value : '';
  return element.value;
}

// Put `text` into the input and tell the view, which may show or hide
// parts of the form on 'change' (the check-in block of a visit).
function setInputText(form, name, text) {
  const element = form.elements[name];
  if (!element) return;
  if (element instanceof RadioNodeList) {
    for (const radio of element) radio.checked = radio.value === text;
  } else if (element.type === 'radio') {
    element.checked = element.value === text;
  } else {
    element.value = text;
  }
  const target = element instanceof RadioNodeList
    ? [...element].find((radio) => radio.checked) ?? element[0] : element;
  target.dispatchEvent(new Event('change', { bubbles: true }));
}

// Keep a draft of `form` (built by buildForm) under the current hash.
// Call it after the view has put its defaults into the form, because the
// inputs as they are then count as "nothing typed". Returns the notice to
// show above the form when a draft was restored, or null.
export function keepDraft(form) {
  const userId = app.user?.id;
  if (!userId) return null;
  const key = storageKey(userId, location.hash);
  const names = [...new Set([...form.elements].map((element) => element.name).filter(Boolean))];
  const opened = Object.fromEntries(names.map((name) => [name, inputText(form, name)]));

  const store = () => {
    const inputs = {};
    for (const name of names) {
      const text = inputText(form, name);
      if (text !== opened[name]) inputs[name] = text;
    }
    writeStored(key, Object.keys(inputs).length ? { inputs, savedAt: new Date(app.now()).toISOString() } : null);
  };
  const draft = readStored(key);
  const restored = draft ? Object.keys(draft.inputs).filter((name) => names.includes(name)) : [];
  for (const name of restored) setInputText(form, name, draft.inputs[name]);
  // Listening starts after the restore, so the draft keeps the time it was typed.
  form.addEventListener('input', store);
  form.addEventListener('change', store);
  form.addEventListener('saved', () => writeStored(key, null));
  if (!restored.length) return null;

  const notice = h('div', { class: 'notice notice-warning draft-notice', attrs: { role: 'status' } },
    h('span', { text: t('draft.restored', { time: formatStamp(draft.savedAt) }) }), ' ',
    h('button', {
      type: 'button', class: 'button button-small button-secondary draft-discard', text: t('draft.discard'),
      on: {
        click: () => {
          for (const name of names) setInputText(form, name, opened[name]);
          writeStored(key, null);
          notice.remove();
        },
      },
    }));
  return notice;
}
