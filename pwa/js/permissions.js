// Who may change what, as the server decides it. The server enforces these
// rules; the app follows them so a rep is not offered an edit that would be
// rejected.
//   - managers and admins change everything, and only they change 负责人;
//   - a rep changes the customers they own and those customers' follow-ups,
//     receivables, payments and tickets, and tickets they own without a customer;
//   - pool customers (公海, no owner) are visible to every rep but not editable.

import { app } from './context.js';

function ownsCustomer(customerId, user) {
  const customer = customerId ? app.store.get('customers', customerId) : null;
  return Boolean(customer) && customer.owner_id === user.id;
}

export function canEdit(table, row) {
  const user = app.user;
  if (!user || !row) return false;
  if (app.seesEverything) return true;
  switch (table) {
    case 'customers':
      return row.owner_id === user.id;
    case 'follow_ups':
    case 'receivables':
      return ownsCustomer(row.customer_id, user);
    case 'payments': {
      const receivable = app.store.get('receivables', row.receivable_id);
      return Boolean(receivable) && ownsCustomer(receivable.customer_id, user);
    }
    case 'tickets':
      return row.customer_id ? ownsCustomer(row.customer_id, user) : row.owner_id === user.id;
    case 'conflicts': {
      // The record may be deleted (a delete that won a conflict), so read it whole.
      const record = app.store.record(row.record_table, row.record_id);
      return Boolean(record) && canEdit(row.record_table, { id: record.id, ...record.fields });
    }
    default:
      return false;
  }
}

export function canChangeOwner() {
  return app.seesEverything;
}
