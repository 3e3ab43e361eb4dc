"""Which reminders are due, and for whom.

The rules are those the PWA applies to its own copy of the data, with
"today" in the organisation's time zone:

- a follow-up is due when the customer's ``next_follow_up`` is today or
  earlier and no follow-up was logged on or after that date; it goes to
  the customer's owner, and when it is overdue by more
  than ``escalation_days`` also to the owner's manager, while that user is
  still a manager or admin;
- a receivable not fully paid is due soon from ``reminder_receivable_days``
  days before its ``due_date``, and overdue from the day after it;
- a ticket without a first reply (status 待处理 or 处理中) is due from
  ``reminder_ticket_hours`` hours before its ``reply_due_at``, and
  overdue once that moment has passed;
- a project risk not 已关闭, on a project not 已完成 or 已取消, is overdue
  from the day after its ``due_on``; while not overdue it is still due when
  its exposure (probability × impact) is ``HIGH_EXPOSURE`` or more;
- a customer that returns to the public pool (see ``server.pool``) warns
  its owner from ``pool_warn_days`` days before the return date (0 turns
  the warning off).

Receivables, tickets and risks go to the user who sees them (their
``scope_owner``: the customer's owner, or a ticket's own owner when it has
no customer).
Pool customers, deleted rows and disabled users get no reminders.

Each item has a ``key`` naming the record, the stage and the due date it is
for, so it is sent once, and again only when the record gets a new date.
"""

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ...sync import format_stamp
from ..pool import idle_customers
from ..schema import RECEIVABLES_BY_ID
from ..timeutil import today as org_today
from ..visibility import SEES_EVERYTHING

FOLLOW_UP = "follow_up"
ESCALATION = "escalation"
RECEIVABLE_DUE = "receivable_due"
RECEIVABLE_OVERDUE = "receivable_overdue"
TICKET_DUE = "ticket_due"
TICKET_OVERDUE = "ticket_overdue"
RISK_OVERDUE = "risk_overdue"
RISK_HIGH = "risk_high"
POOL_WARNING = "pool_warning"
KIND_ORDER = (TICKET_OVERDUE, TICKET_DUE, RECEIVABLE_OVERDUE, RISK_OVERDUE, FOLLOW_UP, POOL_WARNING, ESCALATION,
              RECEIVABLE_DUE, RISK_HIGH)

OPEN_TICKET_STATUSES = ("待处理", "处理中")
# Exposure (probability × impact, 1–25) from which an open risk is reminded
# even before its due date; the PWA's projects.js uses the same threshold.
HIGH_EXPOSURE = 15
ENDED_PROJECT_STATUSES = ("已完成", "已取消")

# Screens of the PWA, as hash routes of its single page. A receivable is
# shown on its customer's screen.
CUSTOMER_URL = "/#/customer/{id}"
TICKET_URL = "/#/ticket/{id}"
PROJECT_URL = "/#/project/{id}"
TODAY_URL = "/#/today"


# Kinds whose notifications must not replace another kind's about the same record.
TAG_PREFIXES = {ESCALATION: "escalation", POOL_WARNING: "pool"}


@dataclass(frozen=True)
class DueItem:
    key: str            # de-duplication key: kind, record id and the due date or moment
    kind: str
    recipient_id: str   # who is reminded
    owner_id: str       # whose item it is (the recipient, except for escalations)
    record_table: str
    record_id: str
    due: str            # the due date (YYYY-MM-DD; today for a high risk without one) or reply deadline (UTC stamp)
    url: str            # the PWA screen that shows the record
    facts: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def tag(self) -> str:
        """Notification tag: one per record and recipient role, so a later stage replaces an earlier one."""
        prefix = TAG_PREFIXES.get(self.kind, self.record_table)
        return f"genzong-{prefix}-{self.record_id}"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    manager_id: str | None
    disabled: bool
    role: str = "sales"


def load_people(conn: sqlite3.Connection) -> dict[str, Person]:
    rows = conn.execute("SELECT id, username, name, manager_id, disabled, role FROM users WHERE deleted = 0")
    return {r["id"]: Person(r["id"], r["name"] or r["username"], r["manager_id"], bool(r["disabled"]), r["role"])
            for r in rows}


def due_items(conn: sqlite3.Connection, settings: dict[str, Any], now: datetime) -> list[DueItem]:
    """Return every reminder due at ``now`` (an aware datetime), ordered by recipient and urgency."""
    today = org_today(settings["time_zone"], now)
    people = load_people(conn)
    items = [
        *_follow_ups(conn, people, today, settings["time_zone"], settings["escalation_days"]),
        *_receivables(conn, people, today, settings["reminder_receivable_days"]),
        *_tickets(conn, people, now, settings["reminder_ticket_hours"]),
        *_risks(conn, people, today),
        *_pool_warnings(conn, people, today, settings["time_zone"], settings["pool_warn_days"]),
    ]
    items.sort(key=lambda i: (i.recipient_id, KIND_ORDER.index(i.kind), i.due, i.record_id))
    return items


def _active(people: dict[str, Person], user_id: str | None) -> bool:
    person = people.get(user_id) if user_id else None
    return person is not None and not person.disabled


def _follow_ups(conn, people, today: date, time_zone: str, escalation_days: int) -> list[DueItem]:
    # A follow-up logged on or after the date (its UTC stamp at or after the
    # start of that local day) settles it, as in 超期未跟进.
    rows = conn.execute(
        "SELECT c.id, c.name, c.company, c.phone, c.next_follow_up, c.owner_id FROM customers c "
        "WHERE c.deleted = 0 AND c.owner_id IS NOT NULL AND c.next_follow_up IS NOT NULL "
        "AND c.next_follow_up <= ? AND coalesce(c.stage, '') != '已流失' "
        "AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.customer_id = c.id AND f.deleted = 0 "
        "AND f.happened_at >= org_day_start(c.next_follow_up, ?))", (today.isoformat(), time_zone))
    items = []
    for row in rows:
        owner = row["owner_id"]
        if not _active(people, owner):
            continue
        try:
            days_overdue = (today - date.fromisoformat(row["next_follow_up"])).days
        except ValueError:
            continue
        facts = {"customer": row["name"], "company": row["company"], "phone": row["phone"],
                 "date": row["next_follow_up"], "days_overdue": days_overdue,
                 "owner_name": people[owner].name}
        url = CUSTOMER_URL.format(id=row["id"])
        items.append(DueItem(f"{FOLLOW_UP}:{row['id']}:{row['next_follow_up']}", FOLLOW_UP, owner, owner,
                             "customers", row["id"], row["next_follow_up"], url, facts))
        # Reps keep the manager_id of a manager since demoted to sales, who
        # must not see their customers.
        manager = people[owner].manager_id
        if (days_overdue > escalation_days and manager != owner and _active(people, manager)
                and people[manager].role in SEES_EVERYTHING):
            items.append(DueItem(f"{ESCALATION}:{row['id']}:{row['next_follow_up']}", ESCALATION, manager, owner,
                                 "customers", row["id"], row["next_follow_up"], url, facts))
    return items


def _receivables(conn, people, today: date, days_before: int) -> list[DueItem]:
    horizon = (today + timedelta(days=days_before)).isoformat()
    # Most receivables are paid, so the query leaves them out. The index contains
    # each receivable's paid total, so only the others are read further.
    rows = conn.execute(
        "SELECT r.id, r.customer_id, r.order_no, r.amount_fen, r.due_date, r.scope_owner, c.name AS customer, "
        "c.company, r.paid_fen "
        f"FROM receivables r INDEXED BY {RECEIVABLES_BY_ID} "
        "JOIN customers c ON c.id = r.customer_id AND c.deleted = 0 "
        "WHERE r.deleted = 0 AND r.scope_owner IS NOT NULL AND r.due_date IS NOT NULL "
        "AND r.due_date <= ? AND r.paid_fen < coalesce(r.amount_fen, 0)", (horizon,))
    items = []
    for row in rows:
        owner = row["scope_owner"]
        amount, paid = row["amount_fen"] or 0, row["paid_fen"]
        if not _active(people, owner):
            continue
        try:
            days_left = (date.fromisoformat(row["due_date"]) - today).days
        except ValueError:
            continue
        # Overdue starts the day after the due date.
        kind = RECEIVABLE_OVERDUE if days_left < 0 else RECEIVABLE_DUE
        facts = {"customer": row["customer"], "company": row["company"], "order_no": row["order_no"],
                 "amount_fen": amount, "paid_fen": paid, "outstanding_fen": amount - paid,
                 "date": row["due_date"], "days_left": days_left, "owner_name": people[owner].name}
        items.append(DueItem(f"{kind}:{row['id']}:{row['due_date']}", kind, owner, owner,
                             "receivables", row["id"], row["due_date"],
                             CUSTOMER_URL.format(id=row["customer_id"]), facts))
    return items


def _tickets(conn, people, now: datetime, hours_before: int) -> list[DueItem]:
    horizon = format_stamp(now + timedelta(hours=hours_before))
    now_text = format_stamp(now)
    marks = ",".join("?" * len(OPEN_TICKET_STATUSES))
    rows = conn.execute(
        "SELECT t.id, t.number, t.subject, t.content, t.severity, t.reply_due_at, t.scope_owner, "
        "t.complainant, c.name AS customer FROM tickets t "
        "LEFT JOIN customers c ON c.id = t.customer_id AND c.deleted = 0 "
        "WHERE t.deleted = 0 AND t.scope_owner IS NOT NULL AND t.first_reply_at IS NULL "
        f"AND t.reply_due_at IS NOT NULL AND t.reply_due_at <= ? AND coalesce(t.status, '待处理') IN ({marks})",
        (horizon, *OPEN_TICKET_STATUSES))
    items = []
    for row in rows:
        owner = row["scope_owner"]
        if not _active(people, owner):
            continue
        kind = TICKET_OVERDUE if row["reply_due_at"] <= now_text else TICKET_DUE
        facts = {"number": row["number"], "subject": row["subject"], "content": row["content"],
                 "severity": row["severity"], "customer": row["customer"] or row["complainant"],
                 "deadline": row["reply_due_at"], "owner_name": people[owner].name}
        items.append(DueItem(f"{kind}:{row['id']}:{row['reply_due_at']}", kind, owner, owner,
                             "tickets", row["id"], row["reply_due_at"], TICKET_URL.format(id=row["id"]), facts))
    return items


def _risks(conn, people, today: date) -> list[DueItem]:
    today_text = today.isoformat()
    rows = conn.execute(
        "SELECT r.id, r.category, r.description, r.probability, r.impact, r.due_on, r.scope_owner, "
        "p.id AS project_id, p.name AS project, c.name AS customer, c.company FROM risks r "
        "JOIN projects p ON p.id = r.project_id AND p.deleted = 0 "
        "JOIN customers c ON c.id = p.customer_id AND c.deleted = 0 "
        "WHERE r.deleted = 0 AND r.scope_owner IS NOT NULL AND coalesce(r.status, '') != '已关闭' "
        "AND coalesce(p.status, '') NOT IN (?, ?) "
        "AND ((r.due_on IS NOT NULL AND r.due_on < ?) OR r.probability * r.impact >= ?)",
        (*ENDED_PROJECT_STATUSES, today_text, HIGH_EXPOSURE))
    items = []
    for row in rows:
        owner = row["scope_owner"]
        if not _active(people, owner):
            continue
        try:
            days_overdue = (today - date.fromisoformat(row["due_on"])).days if row["due_on"] else 0
        except ValueError:
            continue
        exposure = row["probability"] * row["impact"] if row["probability"] and row["impact"] else None
        overdue = days_overdue > 0
        kind = RISK_OVERDUE if overdue else RISK_HIGH
        key = f"{kind}:{row['id']}:{row['due_on']}" if overdue else f"{kind}:{row['id']}:{exposure}"
        facts = {"customer": row["customer"], "company": row["company"], "project": row["project"],
                 "category": row["category"], "description": row["description"], "exposure": exposure,
                 "date": row["due_on"], "days_overdue": max(days_overdue, 0), "owner_name": people[owner].name}
        items.append(DueItem(key, kind, owner, owner, "risks", row["id"], row["due_on"] or today_text,
                             PROJECT_URL.format(id=row["project_id"]), facts))
    return items


def _pool_warnings(conn, people, today: date, time_zone: str, warn_days: int) -> list[DueItem]:
    if warn_days <= 0:
        return []
    items = []
    for customer in idle_customers(conn, today, time_zone, within_days=warn_days):
        owner = customer.owner_id
        if not _active(people, owner):
            continue
        returns_on = customer.returns_on.isoformat()
        facts = {"customer": customer.name, "company": customer.company, "phone": customer.phone,
                 "date": returns_on, "days_left": (customer.returns_on - today).days,
                 "last_activity": customer.last_activity.isoformat(), "owner_name": people[owner].name}
        items.append(DueItem(f"{POOL_WARNING}:{customer.id}:{returns_on}", POOL_WARNING, owner, owner,
                             "customers", customer.id, returns_on, CUSTOMER_URL.format(id=customer.id), facts))
    return items
