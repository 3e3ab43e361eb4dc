// The monthly review (月度复盘) per dealer and per rep, computed from the
// device's records. The rules are those of the review_events view and the
// canned queries dealer_monthly_review and rep_monthly_review:
//   sales       receivable amounts with sale_date in the month;
//   collected   payment amounts with paid_on in the month;
//   overdue     what receivables due before the month's last day still
//               lacked on that day (payments paid on or before it count);
//   complaints  投诉 tickets received in the month (date in the
//               organisation's time zone).
// A receivable counts for its own dealer, else its customer's; a deleted
// dealer counts as none. Reps are the customers' current owners (a ticket
// without a customer: its own owner). Deleted records and the records of
// deleted customers are left out. Money is integer fen.

import { todayIn } from './dates.js';

const EMPTY = { sales: 0, collected: 0, overdue: 0, complaints: 0 };

function isEmpty(totals) {
  return !totals.sales && !totals.collected && !totals.overdue && !totals.complaints;
}

// {start, end} dates of a YYYY-MM month, or null when `month` is not one.
export function monthBounds(month) {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month ?? '');
  if (!match) return null;
  const [year, number] = [Number(match[1]), Number(match[2])];
  const last = new Date(Date.UTC(year, number, 0)).getUTCDate();
  return { start: `${month}-01`, end: `${month}-${String(last).padStart(2, '0')}` };
}

// The review of `month` (YYYY-MM). records: {customers (deleted ones
// included, marked deleted: true), receivables, payments, tickets, dealers,
// users}. Returns {month, start, end, total, dealers, reps}, where each row
// is {id, name, sales, collected, overdue, complaints}; dealers rows also
// carry region. Every live dealer and every active rep is listed; the rows
// "no dealer" (id null) and "pool" (id null) only when they have a value.
export function monthlyReview({ records, month, timeZone }) {
  const bounds = monthBounds(month);
  if (!bounds) throw new RangeError(`month must be YYYY-MM, got ${JSON.stringify(month)}`);
  const { start, end } = bounds;
  const inMonth = (day) => Boolean(day) && day >= start && day <= end;
  const customers = new Map(records.customers.map((row) => [row.id, row]));
  const liveDealers = new Set(records.dealers.filter((row) => !row.deleted).map((row) => row.id));
  const byDealer = new Map();
  const byRep = new Map();
  const add = (owner, dealer, measure, amount) => {
    for (const [map, key] of [[byDealer, liveDealers.has(dealer) ? dealer : null], [byRep, owner ?? null]]) {
      if (!map.has(key)) map.set(key, { ...EMPTY });
      map.get(key)[measure] += amount;
    }
  };

  const receivables = new Map();
  for (const receivable of records.receivables) {
    const customer = customers.get(receivable.customer_id);
    if (receivable.deleted || !customer || customer.deleted) continue;
    receivables.set(receivable.id, {
      ...receivable, owner: customer.owner_id ?? null, dealer: receivable.dealer_id ?? customer.dealer_id ?? null, paid: 0,
    });
  }
  for (const payment of records.payments) {
    const receivable = receivables.get(payment.receivable_id);
    if (payment.deleted || !receivable) continue;
    if (inMonth(payment.paid_on)) add(receivable.owner, receivable.dealer, 'collected', payment.amount_fen);
    if (payment.paid_on && payment.paid_on <= end) receivable.paid += payment.amount_fen;
  }
  for (const receivable of receivables.values()) {
    if (inMonth(receivable.sale_date)) add(receivable.owner, receivable.dealer, 'sales', receivable.amount_fen);
    if (receivable.due_date && receivable.due_date < end && receivable.amount_fen > receivable.paid) {
      add(receivable.owner, receivable.dealer, 'overdue', receivable.amount_fen - receivable.paid);
    }
  }
  for (const ticket of records.tickets) {
    if (ticket.deleted || ticket.kind !== '投诉' || !ticket.received_at) continue;
    const customer = ticket.customer_id ? customers.get(ticket.customer_id) : null;
    if (customer?.deleted) continue;
    if (!inMonth(todayIn(timeZone, Date.parse(ticket.received_at)))) continue;
    const owner = ticket.customer_id ? customer?.owner_id ?? null : ticket.owner_id ?? null;
    add(owner, customer?.dealer_id ?? null, 'complaints', 1);
  }

  const total = { ...EMPTY };
  for (const totals of byRep.values()) for (const name of Object.keys(EMPTY)) total[name] += totals[name];
  const dealers = records.dealers.filter((row) => !row.deleted)
    .map((dealer) => ({ id: dealer.id, name: dealer.name, region: dealer.region ?? null, ...(byDealer.get(dealer.id) ?? EMPTY) }));
  if (byDealer.has(null) && !isEmpty(byDealer.get(null))) dealers.push({ id: null, name: null, region: null, ...byDealer.get(null) });
  const reps = records.users
    .filter((user) => !user.deleted && ((user.role === 'sales' && !user.disabled) || (byRep.has(user.id) && !isEmpty(byRep.get(user.id)))))
    .map((user) => ({ id: user.id, name: user.name || user.username, ...(byRep.get(user.id) ?? EMPTY) }));
  if (byRep.has(null) && !isEmpty(byRep.get(null))) reps.push({ id: null, name: null, ...byRep.get(null) });
  const bySales = (a, b) => b.sales - a.sales || String(a.name ?? '').localeCompare(String(b.name ?? ''), 'zh-CN');
  return { month, start, end, total, dealers: dealers.sort(bySales), reps: reps.sort(bySales) };
}
