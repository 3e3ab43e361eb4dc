"""A Python model of the payment-status rule, to check the receivable canned queries against.

It reads raw table rows (dicts with every column) and follows the rule as
server/views.py states it, without SQL: paid >= amount is 已付款; past the
due date is 逾期未付款; some payment is 部分付款; otherwise 待付款. A
receivable due today is not yet overdue. Deleted receivables, deleted
payments and receivables of deleted customers are left out.
"""

from collections import defaultdict
from datetime import date

STATUSES = ("待付款", "部分付款", "逾期未付款", "已付款")


def yuan(fen: int) -> float:
    return round(fen / 100, 2)


def balances(raw: dict, today: date) -> list[dict]:
    """Return each receivable the reports show, with its paid total and status.

    ``raw`` maps "customers", "receivables", "payments" and "users" to their
    rows. Each result is the receivable's row plus paid, outstanding, status,
    days (overdue), customer (its row), code and owner (the owner's name, or
    公海).
    """
    customers = {c["id"]: c for c in raw["customers"] if not c["deleted"]}
    names = {u["id"]: u["name"] for u in raw["users"]}
    paid = defaultdict(int)
    for payment in raw["payments"]:
        if not payment["deleted"]:
            paid[payment["receivable_id"]] += payment["amount_fen"]

    result = []
    for r in raw["receivables"]:
        if r["deleted"] or r["customer_id"] not in customers:
            continue
        amount, received = r["amount_fen"], paid[r["id"]]
        due = date.fromisoformat(r["due_date"]) if r["due_date"] else None
        if received >= amount:
            status = "已付款"
        elif due is not None and today > due:
            status = "逾期未付款"
        elif received > 0:
            status = "部分付款"
        else:
            status = "待付款"
        customer = customers[r["customer_id"]]
        owner = customer["owner_id"]
        result.append({**r, "paid": received, "outstanding": max(amount - received, 0), "status": status,
                       "customer": customer, "code": customer["code"],
                       "owner": "公海" if owner is None else names[owner],
                       "days": (today - due).days if status == "逾期未付款" else None})
    return result


def in_period(balance: dict, start: date, end: date) -> bool:
    """Return whether a receivable's sale date (else due date) lies in start..end."""
    day = balance["sale_date"] or balance["due_date"]
    return day is not None and start <= date.fromisoformat(day) <= end


def status_summary(chosen: list[dict]) -> list[tuple]:
    """Return the rows of 回款统计：按付款状态 for the chosen balances."""
    summary = []
    for status in STATUSES:
        group = [b for b in chosen if b["status"] == status]
        summary.append((status, len(group), yuan(sum(b["amount_fen"] for b in group)),
                        yuan(sum(b["paid"] for b in group)), yuan(sum(b["outstanding"] for b in group))))
    return summary


def rep_month_summary(chosen: list[dict]) -> list[tuple]:
    """Return the rows of 回款统计：按业务员和月份 for the chosen balances, sorted."""
    groups = defaultdict(list)
    for b in chosen:
        groups[((b["sale_date"] or b["due_date"])[:7], b["owner"])].append(b)
    return sorted((month, owner, len(g), yuan(sum(b["amount_fen"] for b in g)), yuan(sum(b["paid"] for b in g)),
                   yuan(sum(b["outstanding"] for b in g)), sum(b["status"] == "逾期未付款" for b in g))
                  for (month, owner), g in groups.items())
