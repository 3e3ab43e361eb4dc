// Who may change what, as the server decides it. The server enforces these
// rules, and the app follows them so a rep is not offered an edit that
// would be rejected:
//   - managers and admins change everything, and only they change 负责人;
//   - a table with write roles (dealers) is written by those roles only;
//   - a rep changes the customers they own and every record under them
//     (follow-ups, receivables, payments, tickets, projects and the rest),
//     and tickets they own without a customer;
//   - pool customers (公海, no owner) are visible to every rep but not
//     editable; a rep may only claim one.

import { app } from './context.js';
import { TABLES } from './schema.js';

// The customer a record belongs to, through its parent links
// (payment → receivable → customer, risk → project → customer), or null.
function rootCustomer(table, row) {
  let currentTable = table;
  let current = row;
  while (current && currentTable !== 'customers') {
    const parent = TABLES[currentTable]?.parent;
    if (!parent) return null;
    const [field, parentTable] = parent;
    current = current[field] ? app.store.get(parentTable, current[field]) : null;
    currentTable = parentTable;
  }
  return current ?? null;
}

export function canEdit(table, row) {
  const user = app.user;
  const spec = TABLES[table];
  if (!user || !row || !spec?.writable) return false;
  if (app.seesEverything) return true;
  if (spec.writeRoles?.length) return spec.writeRoles.includes(user.role);
  if (table === 'tickets' && !row.customer_id) return row.owner_id === user.id;
  if (table === 'conflicts') {
    // The record may be deleted (a delete that won a conflict), so read it whole.
    const fields = app.store.fields(row.record_table, row.record_id);
    return Boolean(fields) && canEdit(row.record_table, { id: row.record_id, ...fields });
  }
  const customer = rootCustomer(table, row);
  if (table === 'pool_claims') return Boolean(customer) && !customer.owner_id;
  return Boolean(customer) && customer.owner_id === user.id;
}

// Whether the record goes out again after a restore from backup. A rep's
// device contains dealers and pool customers that the server rejects from them
// whatever their state, so those stay home. The rep's own claims go out even
// after they made the rep the owner, because the backup may predate the claim.
export function mayResend(table, row) {
  return table === 'pool_claims' || canEdit(table, row);
}

export function canChangeOwner() {
  return app.seesEverything;
}
