// The derived payment status of a receivable, never stored. The same rule
// is a SQL view on the server; the first matching condition wins:
//   paid >= amount      → paid (已付款), flagged overpaid when paid > amount
//   today > due date    → overdue (逾期未付款), partly paid or not
//   paid > 0            → partial (部分付款)
//   otherwise           → unpaid (待付款)

export const PAYMENT_STATUSES = ['paid', 'overdue', 'partial', 'unpaid'];

// `receivable` and `payments` are field objects; deleted payments are skipped.
// `today` is YYYY-MM-DD in the organisation's time zone.
export function receivableStatus(receivable, payments, today) {
  const amount = receivable.amount_fen ?? 0;
  const paid = payments
    .filter((payment) => !payment.deleted)
    .reduce((sum, payment) => sum + (payment.amount_fen ?? 0), 0);
  const outstanding = Math.max(amount - paid, 0);
  let status;
  if (paid >= amount) status = 'paid';
  else if (receivable.due_date && today > receivable.due_date) status = 'overdue';
  else if (paid > 0) status = 'partial';
  else status = 'unpaid';
  return { status, paid, outstanding, overpaid: paid > amount ? paid - amount : 0 };
}
