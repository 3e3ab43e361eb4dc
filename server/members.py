"""Team members (成员管理) as the admin's screen shows them, and the admin's own rules.

``Accounts`` contains the team's rules (last enabled admin, a manager who still
has reps, valid usernames and passwords). This module adds what only the
app needs: each member's work that a hand-over would move, a generated
first password, and the rules that keep an admin from locking themselves
out or leaving customers with a disabled owner.
"""

import secrets
import sqlite3
from dataclasses import dataclass

from .auth import Accounts, User, UserError
from .handover import owned_work

# Generated passwords leave out o, i and l, which are easily read as 0 and
# 1, because the admin reads them out or retypes them for the member. Ten
# characters of 31 give about 49 bits.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GENERATED_PASSWORD_CHARS = 10

ROLE_NAMES = {"sales": ("业务员", "sales rep"), "manager": ("销售经理", "manager"), "admin": ("管理员", "admin")}


class MemberRuleError(UserError):
    """An admin's change that ``Accounts`` would allow, but the app rejects; the code names why."""


@dataclass(frozen=True)
class Member:
    user: User
    owns: dict[str, int]

    def describe(self) -> dict:
        user = self.user
        return {"id": user.id, "username": user.username, "name": user.name, "role": user.role,
                "manager_id": user.manager_id, "disabled": user.disabled, "owns": self.owns}


def generate_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(GENERATED_PASSWORD_CHARS))


def list_members(accounts: Accounts) -> list[Member]:
    """Return every user, ordered by username, with the work a hand-over from them would move."""
    work = owned_work(accounts.conn)
    return [Member(user, _owns(work, user.id)) for user in accounts.all()]


def member(accounts: Accounts, user: User) -> Member:
    return Member(user, _owns(owned_work(accounts.conn), user.id))


def check_admin_may_disable(conn: sqlite3.Connection, admin: User, user: User) -> None:
    """Raise MemberRuleError when ``admin`` disabling ``user`` would lock the admin out or strand work.

    A user who still owns customers, open tickets, projects or risks is
    disabled through the hand-over (设置 → 工作交接), which moves that work to
    another user and disables the account in one step. Disabling them here
    would leave their customers with an owner who never logs in again.
    """
    if user.id == admin.id:
        raise MemberRuleError(f"{admin.username} cannot disable their own account", "user_self_disable",
                              username=admin.username)
    owns = _owns(owned_work(conn), user.id)
    if not user.disabled and any(owns.values()):
        raise MemberRuleError(f"{user.username} still owns work; hand it over first", "user_owns_work",
                              username=user.username, **owns)


def check_admin_may_change_role(admin: User, user: User, role: str) -> None:
    """Raise MemberRuleError when an admin would change their own role, which could end their access."""
    if user.id == admin.id and role != admin.role:
        raise MemberRuleError(f"{admin.username} cannot change their own role", "user_self_role",
                              username=admin.username)


def _owns(work: dict[str, dict[str, int]], user_id: str) -> dict[str, int]:
    found = work.get(user_id, {})
    return {table: found.get(table, 0) for table in ("customers", "tickets", "projects", "risks")}
