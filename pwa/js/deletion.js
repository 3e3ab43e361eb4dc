// Deleting a record from its form: the question, the delete, and a toast
// whose 撤销 writes the record back. The page the form returns to redraws
// when the record comes back, so undoing leaves the person where they are.

import { app } from './context.js';
import { deleteRecord, saveRecords } from './edits.js';
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

// Write back `items` (as saveRecords takes them) for a 撤销, leaving out the
// records a pull removed from the device since (they went to another rep): a
// save would create a new record holding only the undone fields.
export async function undoWrites(items) {
  const present = items.filter((item) => app.store.record(item.table, item.id));
  if (!present.length) {
    toast(t('common.undo_gone'));
    return;
  }
  await saveRecords(present);
  toast(t('common.restored'));
}

function restore(table, id) {
  return undoWrites([{ table, id, changes: { [DELETED]: false } }]);
}
