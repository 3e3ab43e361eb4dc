"""Decide, row by row, what an import creates and updates, against a snapshot of the database.

Planning writes nothing. Its result is a list of writes (table, id,
fields, new or not) that ``writing.write_plan`` stores in one short
transaction. The plan also lists the records and keys it relied on, so
the writer can detect a sync that changed one of them in between.
"""

import os
import time
from dataclasses import dataclass, field
from typing import Any

from ..schema import TABLES, title_pair

TABLES_NOTES_LIMIT = TABLES["customers"].field_map["notes"].max_length
from .problems import CREATE, ERROR, INFO, REJECT, UNCHANGED, UPDATE, WARNING, RowOutcome
from .rows import NOTE_SEPARATOR, RESOLVED_TICKET_STATUSES, CustomerDraft, ReceivableDraft, TicketDraft, format_yuan
from .snapshot import CustomerEntry, Match, Snapshot, name_key, names_compatible


class TimeOrderedIds:
    """Makes UUID version 7 record ids (RFC 9562): a millisecond timestamp, a counter, random bits.

    Ids made one after another sort in the order they were made, so a large
    import inserts at the end of each id index instead of all over it,
    which keeps the write transaction short.
    """

    def __init__(self):
        self._last_ms = 0
        self._counter = 0

    def next(self) -> str:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > self._last_ms:
            self._last_ms, self._counter = now_ms, 0
        else:
            self._counter += 1
            if self._counter > 0xFFF:  # the 12 counter bits are used up: borrow the next millisecond
                self._last_ms, self._counter = self._last_ms + 1, 0
        random_bits = int.from_bytes(os.urandom(8), "big") >> 2
        value = (self._last_ms << 80) | (0x7 << 76) | (self._counter << 64) | (0b10 << 62) | random_bits
        digits = f"{value:032x}"
        return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


@dataclass(slots=True)
class Write:
    table: str
    id: str
    fields: dict[str, Any]
    new: bool


@dataclass
class Plan:
    writes: list[Write] = field(default_factory=list)
    watched_ids: set[tuple[str, str]] = field(default_factory=set)  # stored records the plan updates or links to
    watched_keys: set[str] = field(default_factory=set)  # customer phones, names and codes the plan matched on
    # Final scope (see server.visibility) of each stored record that a new record hangs under.
    existing_scopes: dict[tuple[str, str], str | None] = field(default_factory=dict)
    pool_customers: int = 0  # new customers without an owner
    assumed_payment_dates: int = 0
    _by_key: dict[tuple[str, str], Write] = field(default_factory=dict)
    _ids: TimeOrderedIds = field(default_factory=TimeOrderedIds)

    def create(self, table: str, fields: dict[str, Any]) -> str:
        """Plan a new record with ``fields`` (the plan keeps the dict) and return its id."""
        record_id = self._ids.next()
        write = Write(table, record_id, fields, True)
        self.writes.append(write)
        self._by_key[(table, record_id)] = write
        return record_id

    def update(self, table: str, record_id: str, fields: dict[str, Any]) -> None:
        """Add ``fields`` to the write of a record (a stored one, or one this plan creates)."""
        key = (table, record_id)
        if key in self._by_key:
            self._by_key[key].fields.update(fields)
            return
        write = Write(table, record_id, dict(fields), False)
        self.writes.append(write)
        self._by_key[key] = write
        self.watched_ids.add(key)

    def counts(self) -> dict[str, dict[str, int]]:
        totals: dict[str, dict[str, int]] = {}
        for write in self.writes:
            entry = totals.setdefault(write.table, {CREATE: 0, UPDATE: 0})
            entry[CREATE if write.new else UPDATE] += 1
        return totals


@dataclass
class Options:
    default_owner: str | None  # user id for new records, or None to put new customers in the pool


OWNER_NOTE = "原负责人："
DEALER_NOTE = "经销点："


def add_note(fields: dict[str, Any], field_name: str, note: str) -> None:
    """Append ``note`` to a notes field unless it is there already or would make it too long."""
    current = fields.get(field_name)
    if current and note in current:
        return
    combined = NOTE_SEPARATOR.join(filter(None, [current, note]))
    if len(combined) <= TABLES_NOTES_LIMIT:
        fields[field_name] = combined


def changed_fields(stored: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if stored.get(name) != value}


class Planner:
    """Shared steps: owners, matching customers, recording the outcome of a match."""

    def __init__(self, snapshot: Snapshot, options: Options):
        self.snapshot = snapshot
        self.options = options
        self.plan = Plan()
        self.customers = snapshot.customers

    def finish(self) -> Plan:
        """Record the final scope of every stored parent of a new record, and return the plan."""
        created = {(w.table, w.id) for w in self.plan.writes if w.new}
        receivable_customers = {r["id"]: customer_id for customer_id, records in self.snapshot.receivables.items()
                                for r in records}
        for item in self.plan.writes:
            parent = TABLES[item.table].parent if item.new else None
            if parent is None or not item.fields.get(parent[0]):
                continue
            parent_key = (parent[1], item.fields[parent[0]])
            if parent_key in created:
                continue
            customer_id = parent_key[1] if parent[1] == "customers" else receivable_customers.get(parent_key[1])
            entry = self.customers.by_id.get(customer_id)
            self.plan.existing_scopes[parent_key] = entry.fields.get("owner_id") if entry else None
        return self.plan

    def owner_for(self, outcome: RowOutcome, owner_text: str | None, fields: dict | None = None,
                  notes_field: str = "notes") -> str | None:
        """Return the user id a 负责人 cell names, or the default owner when no user has that name.

        An unknown name is reported and kept in ``fields[notes_field]`` (when
        given), so the ledger's information is not lost.
        """
        if owner_text:
            user = self.snapshot.find_user(owner_text)
            if user:
                return user["id"]
            outcome.add("owner_unknown", WARNING, "负责人", value=owner_text)
            if fields is not None:
                add_note(fields, notes_field, f"{OWNER_NOTE}{owner_text}")
        return self.options.default_owner

    def dealer_for(self, outcome: RowOutcome, dealer_text: str | None, fields: dict, notes_field: str = "notes"):
        """Set ``fields["dealer_id"]`` from a 经销点 cell; a name no dealer has is reported and kept in the notes."""
        if not dealer_text:
            return
        dealer = self.snapshot.find_dealer(dealer_text)
        if dealer is not None:
            fields["dealer_id"] = dealer["id"]
            return
        outcome.add("dealer_unknown", WARNING, "经销点", value=dealer_text)
        add_note(fields, notes_field, f"{DEALER_NOTE}{dealer_text}")

    def match_customer(self, draft: CustomerDraft, name_may_be_company: bool = False) -> Match:
        match = self.customers.match(draft.code, draft.name, draft.company, draft.phones, name_may_be_company)
        self.plan.watched_keys.update(draft.phones)
        self.plan.watched_keys.add(name_key(draft.name))
        if draft.code:
            self.plan.watched_keys.add(name_key(draft.code))
        if match.entry is not None and match.entry.row is None:
            self.plan.watched_ids.add(("customers", match.entry.id))
        return match

    def report_match(self, outcome: RowOutcome, match: Match) -> None:
        if match.flag:
            other = match.other
            outcome.add(match.flag, WARNING, value=other.label if other else "",
                        row_ref=other.row if other and other.row else "")
        elif match.entry is not None and match.entry.row is not None:
            outcome.add("same_customer_as_row", INFO, other_row=match.entry.row)
        elif match.entry is not None:
            outcome.add(f"matched_by_{match.how}", INFO, value=match.entry.label)

    def new_customer(self, draft: CustomerDraft, owner_id: str | None, extra: dict | None = None) -> CustomerEntry:
        fields = dict(draft.fields)
        if draft.code and not fields.get("legacy_code"):
            # Codes are given out by this server, so the file's number (a
            # legacy one, or a KH number from another database) is kept as
            # the legacy code.
            fields["legacy_code"] = draft.code
        fields["owner_id"] = owner_id
        if owner_id is None:
            self.plan.pool_customers += 1
        fields.update(extra or {})
        record_id = self.plan.create("customers", fields)
        entry = CustomerEntry(record_id, fields, set(draft.phones), draft.outcome.row)
        self.customers.add(entry)
        return entry

    def update_customer(self, entry: CustomerEntry, fields: dict[str, Any]) -> bool:
        """Plan the fields that differ from the customer's current values, and return whether any did."""
        changes = changed_fields(entry.fields, fields)
        if not changes:
            return False
        entry.fields.update(changes)
        self.plan.update("customers", entry.id, changes)
        self.customers.refresh(entry)
        return True


# Customers ---------------------------------------------------------------

class CustomerPlanner(Planner):
    def plan_rows(self, drafts: list[CustomerDraft], detail_follow_ups: list[tuple[RowOutcome, dict]]) -> Plan:
        # The values this file's rows gave each customer: customer id → field → (row, value).
        self.file_values: dict[str, dict[str, tuple[int, Any]]] = {}
        entries = [(draft, self._plan_customer(draft)) for draft in drafts]
        # The file's own customer numbers, which referrals and 跟进记录 rows use.
        by_code = {name_key(draft.code): entry for draft, entry in entries if draft.code}
        for draft, entry in entries:
            self._plan_follow_ups(draft, entry)
            if draft.referred_text:
                self._plan_referral(draft, entry, by_code)
        for outcome, detail in detail_follow_ups:
            self._plan_detail_follow_up(outcome, detail, by_code)
        return self.finish()

    def _plan_customer(self, draft: CustomerDraft) -> CustomerEntry:
        outcome = draft.outcome
        match = self.match_customer(draft)
        self.report_match(outcome, match)
        outcome.label = draft.name or ""
        self.dealer_for(outcome, draft.dealer_text, draft.fields)
        if match.entry is None:
            owner = self.owner_for(outcome, draft.owner_text, draft.fields)
            entry = self.new_customer(draft, owner)
            outcome.action, outcome.record_id = CREATE, entry.id
            self._note_file_values(outcome, entry, draft.fields)
            return entry
        entry = match.entry
        fields = dict(draft.fields)
        if draft.code and match.how != "code" and not entry.fields.get("legacy_code"):
            fields["legacy_code"] = draft.code
        if draft.owner_text:
            owner = self.owner_for(outcome, draft.owner_text, fields)
            if owner is not None:
                fields["owner_id"] = owner
        self._report_replaced(outcome, entry, fields)
        self._note_file_values(outcome, entry, fields)
        changed = self.update_customer(entry, fields)
        outcome.record_id = entry.id
        if entry.row is not None:
            outcome.action = UPDATE
        else:
            outcome.action = UPDATE if changed else UNCHANGED
        return entry

    def _note_file_values(self, outcome: RowOutcome, entry: CustomerEntry, fields: dict) -> None:
        earlier = self.file_values.setdefault(entry.id, {})
        for name, value in fields.items():
            if value is not None:
                earlier[name] = (outcome.row, value)

    def _report_replaced(self, outcome: RowOutcome, entry: CustomerEntry, fields: dict) -> None:
        """Warn when this row replaces values an earlier row of the file gave the same customer, naming each one.

        A value stored before the import is an ordinary update, so only the
        file's own earlier rows count.
        """
        zh, en = [], []
        other_row = None
        earlier = self.file_values.get(entry.id, {})
        for name, value in fields.items():
            row, before = earlier.get(name, (None, None))
            if before is None or before == value or name not in TABLES["customers"].field_map:
                continue
            other_row = other_row or row
            title = title_pair("customers", name)
            if name == "owner_id":
                zh.append(title.zh)
                en.append(title.en)
            else:
                zh.append(f"{title.zh} {_shorten(before)} → {_shorten(value)}")
                en.append(f"{title.en} {_shorten(before)} → {_shorten(value)}")
        if zh:
            outcome.add("row_values_replaced", WARNING, other_row=other_row, changes="；".join(zh),
                        changes_en="; ".join(en))

    def _plan_detail_follow_up(self, outcome: RowOutcome, detail: dict, by_code: dict) -> None:
        """Plan one row of a 跟进记录 sheet for its customer, found by code or else by name."""
        key = detail["code"] or detail["name"] or ""
        entry = by_code.get(name_key(detail["code"])) if detail["code"] else None
        if entry is None and key:
            entry = self.customers.by_code_or_name(key)
        if entry is None:
            outcome.action = REJECT
            outcome.add("follow_up_customer_not_found", ERROR, value=key)
            return
        outcome.label = entry.fields.get("name") or ""
        self._plan_one_follow_up(outcome, entry, detail["fields"])

    def _plan_follow_ups(self, draft: CustomerDraft, entry: CustomerEntry) -> None:
        added = 0
        for fields in draft.follow_ups:
            if self._plan_one_follow_up(None, entry, fields):
                added += 1
        if added and draft.outcome.action == UNCHANGED:
            draft.outcome.action = UPDATE
        if added:
            draft.outcome.add("follow_ups_added", INFO, count=added)

    def _plan_one_follow_up(self, outcome: RowOutcome | None, entry: CustomerEntry, fields: dict) -> bool:
        known = self.snapshot.follow_ups.setdefault(entry.id, set())
        key = (fields["happened_at"], fields.get("content"))
        if key in known:
            if outcome is not None:
                outcome.action = UNCHANGED
            return False
        known.add(key)
        self.plan.create("follow_ups", {"customer_id": entry.id, **fields})
        if entry.row is None:
            self.plan.watched_ids.add(("customers", entry.id))
        if outcome is not None:
            outcome.action = CREATE
            outcome.record_id = entry.id
        return True

    def _plan_referral(self, draft: CustomerDraft, entry: CustomerEntry, by_code: dict) -> None:
        referrer = by_code.get(name_key(draft.referred_text)) or self.customers.by_code_or_name(draft.referred_text)
        if referrer is None or referrer is entry:
            draft.outcome.add("referrer_not_found", WARNING, "介绍人", value=draft.referred_text)
            return
        if entry.fields.get("referred_by") == referrer.id:
            return
        entry.fields["referred_by"] = referrer.id
        self.plan.update("customers", entry.id, {"referred_by": referrer.id})
        if draft.outcome.action == UNCHANGED:
            draft.outcome.action = UPDATE


# Receivables -------------------------------------------------------------

class ReceivablePlanner(Planner):
    def plan_rows(self, drafts: list[ReceivableDraft]) -> Plan:
        claimed: set[str] = set()  # stored receivables an earlier row of the file already matched
        for draft in drafts:
            self._plan_row(draft, claimed)
        return self.finish()

    def _plan_row(self, draft: ReceivableDraft, claimed: set[str]) -> None:
        outcome = draft.outcome
        customer_draft = draft.customer
        outcome.label = customer_draft.name or customer_draft.fields.get("phone") or ""
        match = self.match_customer(customer_draft, name_may_be_company=True)
        self.report_match(outcome, match)
        if match.entry is None:
            owner = self.owner_for(outcome, customer_draft.owner_text, customer_draft.fields)
            customer_draft.fields.setdefault("name", customer_draft.fields.get("phone") or customer_draft.code)
            entry = self.new_customer(customer_draft, owner)
            outcome.add("customer_created", INFO, value=entry.fields.get("name"))
        else:
            entry = match.entry
            missing = {k: v for k, v in customer_draft.fields.items()
                       if k in ("phone", "company", "email") and not entry.fields.get(k)}
            if missing:
                self.update_customer(entry, missing)

        self.dealer_for(outcome, draft.dealer_text, draft.fields)
        existing = self._find_receivable(entry.id, draft.fields, claimed)
        if existing is None:
            receivable_id = self.plan.create("receivables", {"customer_id": entry.id, **draft.fields})
            outcome.action, outcome.record_id = CREATE, receivable_id
            self._plan_payments(draft, {"id": receivable_id}, [])
            return
        claimed.add(existing["id"])
        outcome.record_id = existing["id"]
        self.plan.watched_ids.add(("receivables", existing["id"]))
        changes = changed_fields(existing, draft.fields)
        if changes:
            existing.update(changes)
            self.plan.update("receivables", existing["id"], changes)
        added = self._plan_payments(draft, existing, self.snapshot.payments.get(existing["id"], []))
        outcome.action = UPDATE if changes or added else UNCHANGED

    def _find_receivable(self, customer_id: str, fields: dict, claimed: set[str]) -> dict | None:
        """Find the stored receivable a row describes: by order number, else by date and amount.

        Each stored receivable matches one row at most, so two identical rows
        are two receivables, and importing the file again matches both.
        """
        for record in self.snapshot.receivables.get(customer_id, []):
            if record["id"] in claimed:
                continue
            if fields.get("order_no"):
                if record.get("order_no") == fields["order_no"]:
                    return record
                continue
            if record.get("amount_fen") != fields.get("amount_fen"):
                continue
            if fields.get("sale_date") and record.get("sale_date") == fields["sale_date"]:
                return record
            if not fields.get("sale_date") and record.get("due_date") == fields.get("due_date"):
                return record
        return None

    def _plan_payments(self, draft: ReceivableDraft, receivable: dict, stored: list[dict]) -> int:
        """Plan the payments the ledger shows beyond those stored, and return how many."""
        if draft.payments is not None:
            return self._plan_detail_payments(draft, receivable, stored)
        if not draft.paid_fen:
            return 0
        recorded = sum(p["amount_fen"] for p in stored)
        if draft.paid_fen < recorded:
            draft.outcome.add("payments_exceed_ledger", WARNING, paid=format_yuan(draft.paid_fen),
                              recorded=format_yuan(recorded))
            return 0
        if draft.paid_fen == recorded:
            return 0
        fields = {"receivable_id": receivable["id"], "paid_on": draft.paid_on,
                  "amount_fen": draft.paid_fen - recorded}
        if draft.method:
            fields["method"] = draft.method
        if draft.paid_on_assumed:
            fields["notes"] = PAYMENT_DATE_ASSUMED_NOTE
            self.plan.assumed_payment_dates += 1
        self.plan.create("payments", fields)
        if recorded:
            draft.outcome.add("payment_added", INFO, amount=format_yuan(draft.paid_fen - recorded))
        return 1

    def _plan_detail_payments(self, draft: ReceivableDraft, receivable: dict, stored: list[dict]) -> int:
        """Plan the 回款记录 rows not stored yet, matched by date and amount, and return how many."""
        known = [(p["paid_on"], p["amount_fen"]) for p in stored]
        added = 0
        for outcome, fields in draft.payments:
            outcome.record_id = receivable["id"]
            key = (fields["paid_on"], fields["amount_fen"])
            if key in known:
                known.remove(key)
                outcome.action = UNCHANGED
                continue
            self.plan.create("payments", {"receivable_id": receivable["id"], **fields})
            outcome.action = CREATE
            added += 1
        total = sum(fields["amount_fen"] for _, fields in draft.payments)
        if draft.paid_fen is not None and draft.paid_fen != total:
            draft.outcome.add("detail_payments_mismatch", WARNING, paid=format_yuan(draft.paid_fen),
                              total=format_yuan(total))
        return added


def _shorten(value: Any, limit: int = 20) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


PAYMENT_DATE_ASSUMED_NOTE = "导入台账时没有回款日期，按付款期限（未到期则按导入日）记录"


# Tickets -----------------------------------------------------------------

class TicketPlanner(Planner):
    def plan_rows(self, drafts: list[TicketDraft]) -> Plan:
        self.by_number: dict[str, dict] = {}
        self.by_legacy: dict[str, dict] = {}
        self.by_print: dict[tuple, list[dict]] = {}
        for ticket in self.snapshot.tickets:
            self._index(ticket)
        for draft in drafts:
            self._plan_row(draft)
        return self.finish()

    @staticmethod
    def _fingerprint(fields: dict) -> tuple:
        return (fields.get("received_at"), name_key(fields.get("complainant")), name_key(fields.get("subject")),
                name_key(fields.get("content")))

    def _index(self, ticket: dict) -> None:
        if ticket.get("number"):
            self.by_number[name_key(ticket["number"])] = ticket
        if ticket.get("legacy_number"):
            self.by_legacy[name_key(ticket["legacy_number"])] = ticket
        self.by_print.setdefault(self._fingerprint(ticket), []).append(ticket)

    def _find(self, draft: TicketDraft, fields: dict) -> dict | None:
        """Find the ticket a row describes: by 工单编号, by the ledger's own number, else by its content.

        A ticket found by content matches one row at most, so two identical
        rows without numbers are two tickets.
        """
        if draft.number:
            found = self.by_number.get(name_key(draft.number)) or self.by_legacy.get(name_key(draft.number))
            if found:
                return found
        if fields.get("legacy_number"):
            return self.by_legacy.get(name_key(fields["legacy_number"]))
        for ticket in self.by_print.get(self._fingerprint(fields), []):
            if not ticket.get("_claimed"):
                ticket["_claimed"] = True
                return ticket
        return None

    def _plan_row(self, draft: TicketDraft) -> None:
        outcome = draft.outcome
        fields = dict(draft.fields)
        outcome.label = fields.get("subject") or fields.get("complainant") or ""
        if draft.number and not fields.get("legacy_number"):
            fields["legacy_number"] = draft.number
        existing = self._find(draft, fields)
        if existing is not None and existing.get("number") == draft.number:
            # The row's number is this database's own: keep the stored legacy number.
            fields.pop("legacy_number", None)

        customer = self._customer_for(draft, fields)
        if customer is not None and (existing is None or not existing.get("customer_id")):
            fields["customer_id"] = customer.id
            outcome.add("ticket_linked", INFO, value=customer.label)
        self._resolution_time(draft, fields, existing)

        if existing is None:
            fields.setdefault("kind", "投诉")
            fields["owner_id"] = self.owner_for(outcome, draft.owner_text, fields, "investigation")
            ticket_id = self.plan.create("tickets", fields)
            self._index({"id": ticket_id, **fields, "_row": outcome.row, "_claimed": True})
            outcome.action, outcome.record_id = CREATE, ticket_id
            return
        outcome.record_id = existing["id"]
        if "_row" in existing:
            outcome.add("duplicate_ticket_row", WARNING, other_row=existing["_row"])
        if draft.owner_text:
            owner = self.owner_for(outcome, draft.owner_text, fields, "investigation")
            if owner is not None:
                fields["owner_id"] = owner
        if "_row" not in existing:
            self.plan.watched_ids.add(("tickets", existing["id"]))
        changes = changed_fields(existing, fields)
        if changes:
            existing.update(changes)
            self.plan.update("tickets", existing["id"], changes)
        outcome.action = UPDATE if changes or "_row" in existing else UNCHANGED

    @staticmethod
    def _resolution_time(draft: TicketDraft, fields: dict, existing: dict | None) -> None:
        """Give a ticket the ledger marks resolved its 回访日期 as resolution time, when it has none.

        The handling-time reports count a ticket as resolved by its
        resolution time, so one without it would stay open there. A time
        the row or the database already has is kept, but not for a ticket
        the ledger reopens (an open status), as the app clears it then.
        """
        status = fields.get("status")
        if status is not None and status not in RESOLVED_TICKET_STATUSES:
            # Reopened in the ledger: the earlier resolution no longer holds, as in the app.
            if existing is not None and existing.get("resolved_at") and not fields.get("resolved_at"):
                fields["resolved_at"] = None
            return
        if (status is None or fields.get("resolved_at")
                or (existing is not None and existing.get("resolved_at"))):
            return
        if draft.resolved_estimate is None:
            draft.outcome.add("resolved_without_time", WARNING, value=status)
            return
        received = fields.get("received_at") or (existing or {}).get("received_at")
        # A complaint visited on the day it came in was resolved after it came in.
        fields["resolved_at"] = max(draft.resolved_estimate, received or "")
        draft.outcome.add("resolved_at_from_visit", WARNING, value=status, date=fields["visit_on"])

    def _customer_for(self, draft: TicketDraft, fields: dict) -> CustomerEntry | None:
        """Link a ticket to a customer by 客户编号, else by contact phone with a compatible name."""
        if draft.customer_code:
            found = self.customers.first(self.customers.by_code, name_key(draft.customer_code))
            if found and names_compatible(fields.get("complainant"), found.fields.get("name"),
                                          found.fields.get("company")):
                self.plan.watched_ids.add(("customers", found.id))
                return found
        if draft.contact_phones:
            match = self.customers.match(None, fields.get("complainant"), None, draft.contact_phones)
            self.plan.watched_keys.update(draft.contact_phones)
            if match.entry is not None and match.how == "phone":
                self.plan.watched_ids.add(("customers", match.entry.id))
                return match.entry
        return None


