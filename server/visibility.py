"""Who sees which record.

Each synced row stores ``scope_owner``: the user whose devices see it. A
customer's scope is its owner (NULL puts it in the public pool, 公海). Its
follow-ups, receivables and tickets take the customer's scope, payments take
their receivable's, and history and conflict rows take their record's. A
ticket without a customer takes its own owner. Managers and admins see
every row, and ``users`` and ``settings`` are seen by everyone.

A sales rep sees the rows scoped to them, plus customers in the pool (but
not the children of pool customers until one is claimed).
"""

from typing import Callable

from ..sync import Version
from .schema import RECORD_ATTACHED, TABLES

PUBLIC_TABLES = frozenset(t.name for t in TABLES.values() if t.public)
POOL_TABLE = "customers"
SEES_EVERYTHING = frozenset({"manager", "admin"})

# An audience is who sees a row: ("user", id), ("pool", None) for every
# sales rep, ("all", None) for everyone, or None for managers only.
Audience = tuple[str, str | None] | None


def scope_for(table_name: str, version: Version,
              scope_of: Callable[[str, str], str | None]) -> str | None:
    """Return the scope owner of a record.

    ``scope_of(table, id)`` returns the scope of another record (the parent),
    or None when it is unknown.
    """
    fields = version.fields
    table = TABLES[table_name]
    if table.public:
        return None
    if table_name == "customers":
        return fields.get("owner_id")
    if table_name in RECORD_ATTACHED:
        return scope_of(fields["record_table"], fields["record_id"])
    if table.parent:
        parent_field, parent_table = table.parent
        if fields.get(parent_field):
            return scope_of(parent_table, fields[parent_field])
        # Only a ticket may lack its customer; it then belongs to its owner.
        return fields.get("owner_id")
    return None


def audience(table_name: str, scope_owner: str | None) -> Audience:
    if table_name in PUBLIC_TABLES:
        return ("all", None)
    if scope_owner is not None:
        return ("user", scope_owner)
    if table_name == POOL_TABLE:
        return ("pool", None)
    return None


def revocation_for(table_name: str, old_scope: str | None, new_scope: str | None):
    """Return (audience, except_user) that must drop the row, or None.

    ``audience`` is a user id, or None for every sales rep except
    ``except_user`` (a claimed pool customer leaves the other reps).
    """
    before, after = audience(table_name, old_scope), audience(table_name, new_scope)
    if before == after or before is None or before == ("all", None):
        return None
    kind, owner = before
    if kind == "user":
        if after == ("pool", None):
            return None  # a customer returned to the pool stays visible to its last owner
        return (owner, None)
    return (None, new_scope)  # from the pool to one rep: the others drop it


def can_see(role: str, user_id: str, table_name: str, scope_owner: str | None) -> bool:
    if role in SEES_EVERYTHING or table_name in PUBLIC_TABLES:
        return True
    return scope_owner == user_id or (scope_owner is None and table_name == POOL_TABLE)
