"""The monthly review computed in plain Python from the raw tables, to check
the canned queries and the PWA's review screen against.

It reads the tables with sqlite3 and dates complaints with zoneinfo, not
with Genzong's views or SQL functions.
"""

import sqlite3
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MEASURES = ("sales", "collected", "overdue", "complaints")


def read_tables(database) -> dict[str, list[dict]]:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return {name: [dict(row) for row in conn.execute(f"SELECT * FROM {name}")]
                for name in ("customers", "receivables", "payments", "tickets", "dealers", "users")}
    finally:
        conn.close()


def month_end(month: str) -> str:
    first = date.fromisoformat(month + "-01")
    return ((first + timedelta(days=32)).replace(day=1) - timedelta(days=1)).isoformat()


def monthly_review(raw: dict, month: str, time_zone: str = "Asia/Shanghai") -> dict:
    """Return {"total": figures, "dealers": {name: figures}, "reps": {name: figures}}.

    Figures are {"sales", "collected", "overdue", "complaints"} in fen and
    counts. Dealer rows are keyed by dealer name (None: no dealer), rep rows
    by the user's name (None: the pool). Every live dealer and active sales
    rep has a row; the None rows only when they are not all zero.
    """
    start, end = month + "-01", month_end(month)
    zone = ZoneInfo(time_zone)
    customers = {c["id"]: c for c in raw["customers"]}
    live_dealers = {d["id"] for d in raw["dealers"] if not d["deleted"]}
    by_dealer = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    by_rep = defaultdict(lambda: dict.fromkeys(MEASURES, 0))

    def add(owner, dealer, measure, amount):
        by_dealer[dealer if dealer in live_dealers else None][measure] += amount
        by_rep[owner][measure] += amount

    receivables = {}
    for r in raw["receivables"]:
        customer = customers.get(r["customer_id"])
        if r["deleted"] or customer is None or customer["deleted"]:
            continue
        receivables[r["id"]] = (r, customer["owner_id"], r["dealer_id"] or customer["dealer_id"])
    paid_by_end = defaultdict(int)
    for p in raw["payments"]:
        if p["deleted"] or p["receivable_id"] not in receivables:
            continue
        _, owner, dealer = receivables[p["receivable_id"]]
        if start <= p["paid_on"] <= end:
            add(owner, dealer, "collected", p["amount_fen"])
        if p["paid_on"] <= end:
            paid_by_end[p["receivable_id"]] += p["amount_fen"]
    for rid, (r, owner, dealer) in receivables.items():
        if r["sale_date"] and start <= r["sale_date"] <= end:
            add(owner, dealer, "sales", r["amount_fen"])
        lacking = r["amount_fen"] - paid_by_end[rid]
        if r["due_date"] and r["due_date"] < end and lacking > 0:
            add(owner, dealer, "overdue", lacking)
    for t in raw["tickets"]:
        if t["deleted"] or t["kind"] != "投诉" or not t["received_at"]:
            continue
        customer = customers.get(t["customer_id"]) if t["customer_id"] else None
        if customer is not None and customer["deleted"]:
            continue
        received = datetime.fromisoformat(t["received_at"].replace("Z", "+00:00")).astimezone(zone).date().isoformat()
        if not start <= received <= end:
            continue
        owner = t["owner_id"] if not t["customer_id"] else (customer["owner_id"] if customer else None)
        add(owner, customer["dealer_id"] if customer else None, "complaints", 1)

    names = {u["id"]: u["name"] or u["username"] for u in raw["users"]}
    dealers = {d["name"]: by_dealer.get(d["id"], dict.fromkeys(MEASURES, 0))
               for d in raw["dealers"] if not d["deleted"]}
    if any(by_dealer.get(None, {}).values()):
        dealers[None] = by_dealer[None]
    reps = {}
    for user in raw["users"]:
        if user["deleted"]:
            continue
        figures = by_rep.get(user["id"])
        active_rep = user["role"] == "sales" and not user["disabled"]
        if active_rep or (figures and any(figures.values())):
            reps[names[user["id"]]] = figures or dict.fromkeys(MEASURES, 0)
    if any(by_rep.get(None, {}).values()):
        reps[None] = by_rep[None]
    total = {m: sum(f[m] for f in by_rep.values()) for m in MEASURES}
    return {"total": total, "dealers": dealers, "reps": reps}
