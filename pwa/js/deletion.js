// Deleting a record from its form: the question, the delete, and a toast
// whose 撤销 writes the record back. The page the form returns to redraws
// when the record comes back, so undoing leaves the person where they are.

import { app } from './context.js';
import { deleteRecord, saveRecord } from './edits.js';
import { t } from './i18n.js';
import { DELETED } from './merge.js';
import { returnTo } from './router.js';
import { button, isOffline, toast } from './ui.js';

// `question` is the text to confirm, or a function that makes it on the tap.
export function deleteButton({ table, id, question, backTo, label = t('common.delete') }) {
  return button(label, async (event) => {
    if (!window.confirm(typeof question === 'function' ? question() : question)) return;
    await deleteRecord(table, id);
    // The form's draft goes as on a save, so 撤销 reopens no stale typing.
    event.target.closest('form')?.dispatchEvent(new Event('saved'));
    toast(isOffline() ? t('common.deleted_offline') : t('common.deleted'),
      { label: t('common.undo'), run: () => restore(table, id) });
    returnTo(backTo);
  }, 'danger');
}

async function restore(table, id) {
  // A pull may have removed the record since (it went to another rep). A
  // save would then create a new record holding only `deleted: false`.
  if (!app.store.record(table, id)) {
    toast(t('common.undo_gone'));
    return;
  }
  await saveRecord(table, id, { [DELETED]: false });
  toast(t('common.restored'));
}
