"""Users, passwords and login tokens.

Password hashes and token versions live in ``private.db``, which Datasette
never opens. A token is an itsdangerous-signed value carrying the user id
and the user's token version; it stays valid offline for 30 days, and
bumping the token version (logout-all, disable, password change) revokes
every token issued before.
"""

import base64
import hashlib
import hmac
import secrets
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .db import transaction
from .records import Batch
from .schema import ROLES, TABLES
from .store import allocate_seqs
from .visibility import POOL_TABLE, SEES_EVERYTHING
from .timeutil import now_stamp

TOKEN_MAX_AGE_SECONDS = 30 * 24 * 3600
TOKEN_SALT = "genzong-token"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_CHARS = 6
# The limits of the users table's username and name fields (server/schema.py).
MAX_USERNAME_CHARS = 64
MAX_NAME_CHARS = 100

PRIVATE_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS credentials (
        user_id TEXT PRIMARY KEY, password_hash TEXT NOT NULL,
        token_version INTEGER NOT NULL DEFAULT 1, updated_at TEXT NOT NULL)""",
)


class UserError(ValueError):
    """A user command cannot be carried out; the message gives the reason and the next step.

    The English message is for the command line. ``code`` and ``values``
    select and fill in the API's two-language message (``server/messages.py``).
    """

    def __init__(self, message: str, code: str = "user_invalid", **values):
        super().__init__(message)
        self.code = code
        self.values = values


class AccountDisabled(Exception):
    """The password matched, but the account is disabled: the login is refused with that reason."""

    def __init__(self, user: "User"):
        super().__init__(f"user {user.username!r} is disabled")
        self.user = user


class TeamGuardError(UserError):
    """A change would leave the team without an enabled admin, or reps without a manager.

    ``code`` names the reason for the API's Chinese message; the English
    message, for the command line, names what to do first.
    """

    def __init__(self, code: str, message: str, username: str, reps: tuple[str, ...] = ()):
        super().__init__(message, code, username=username, reps=reps)
        self.username = username
        self.reps = reps


@dataclass(frozen=True)
class User:
    id: str
    username: str
    name: str | None
    role: str
    disabled: bool
    manager_id: str | None = None

    def public(self) -> dict:
        return {"id": self.id, "username": self.username, "name": self.name, "role": self.role}


def load_or_create_secret(path: Path) -> bytes:
    """Return the signing secret kept in ``path``, creating it on first start.

    The file is created readable by its owner only. The secret is never
    logged: whoever holds it can sign tokens for any user.
    """
    if path.exists():
        return path.read_bytes().strip()
    secret = secrets.token_urlsafe(48).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:
        path.chmod(0o600)
        handle.write(secret)
    return secret


def prepare_private_db(conn: sqlite3.Connection) -> None:
    from .throttle import SCHEMA as THROTTLE_SCHEMA
    for ddl in (*PRIVATE_SCHEMA, THROTTLE_SCHEMA):
        conn.execute(ddl)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return "scrypt${}${}${}${}${}".format(
        SCRYPT_N, SCRYPT_R, SCRYPT_P,
        base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt),
                            n=int(n), r=int(r), p=int(p), dklen=len(expected))
    return hmac.compare_digest(actual, expected)


# A hash to compare against when the user does not exist, so a login for an
# unknown name takes as long as one with a wrong password.
_DUMMY_HASH = hash_password(secrets.token_hex(8))


class Accounts:
    """User records (in the published database) and credentials (in the private one)."""

    def __init__(self, conn: sqlite3.Connection, private: sqlite3.Connection, secret: bytes,
                 acting_user_id: str | None = None):
        self.conn = conn
        self.private = private
        self.serializer = URLSafeTimedSerializer(secret, salt=TOKEN_SALT)
        # The user recorded in the history of each change; None for the command line.
        self.acting_user_id = acting_user_id

    # Reading -------------------------------------------------------------

    def get(self, user_id: str) -> User | None:
        row = self.conn.execute(
            "SELECT id, username, name, role, disabled, manager_id FROM users WHERE id = ?",
            (user_id,)).fetchone()
        return _user(row)

    def by_username(self, username: str) -> User | None:
        row = self.conn.execute(
            "SELECT id, username, name, role, disabled, manager_id FROM users WHERE username = ?",
            (username,)).fetchone()
        return _user(row)

    def all(self) -> list[User]:
        rows = self.conn.execute(
            "SELECT id, username, name, role, disabled, manager_id FROM users ORDER BY username")
        return [_user(row) for row in rows]

    def token_version(self, user_id: str) -> int | None:
        row = self.private.execute("SELECT token_version FROM credentials WHERE user_id = ?",
                                   (user_id,)).fetchone()
        return row[0] if row else None

    # Logging in ------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> User | None:
        """Return the user when the password matches and the user is enabled, else None.

        Raises AccountDisabled when the password matches a disabled user:
        only a caller with the right password learns that the account exists
        and is disabled.
        """
        user = self.by_username(username)
        row = self.private.execute("SELECT password_hash FROM credentials WHERE user_id = ?",
                                   (user.id,)).fetchone() if user else None
        if row is None:
            verify_password(password, _DUMMY_HASH)
            return None
        if not verify_password(password, row[0]):
            return None
        if user.disabled:
            raise AccountDisabled(user)
        return user

    def issue_token(self, user: User) -> str:
        return self.serializer.dumps({"u": user.id, "v": self.token_version(user.id)})

    def user_for_token(self, token: str) -> User | None:
        """Return the user a token was issued to, or None when it is tampered,
        expired, revoked, or its user is disabled or gone."""
        try:
            data = self.serializer.loads(token, max_age=TOKEN_MAX_AGE_SECONDS)
        except (SignatureExpired, BadSignature):
            return None
        if not isinstance(data, dict):
            return None
        user = self.get(str(data.get("u")))
        if user is None or user.disabled or data.get("v") != self.token_version(user.id):
            return None
        return user

    # Changing users --------------------------------------------------------

    def add(self, username: str, password: str, role: str, name: str | None = None,
            manager: str | None = None) -> User:
        """Create a user; raise UserError when the name is taken or a value is invalid."""
        _check_username(username)
        _check_password(password)
        _check_role(role)
        if name is not None:
            _check_name(name)
        if self.by_username(username):
            raise UserError(f"user {username!r} already exists; choose another username",
                            "user_taken", username=username)
        manager_id = self._manager_id(manager)
        user_id = str(uuid.uuid4())
        with transaction(self.private):
            self.private.execute(
                "INSERT INTO credentials (user_id, password_hash, token_version, updated_at) VALUES (?, ?, 1, ?)",
                (user_id, hash_password(password), now_stamp()))
        # The user row comes second: a user without credentials could not log
        # in anyway, while credentials without a user are never used.
        self._write_user(user_id, {"username": username, "name": name or username, "role": role,
                                   "manager_id": manager_id, "disabled": False})
        return self.get(user_id)

    def set_password(self, username: str, password: str) -> None:
        """Change a password and revoke every token issued before."""
        user = self._require(username)
        _check_password(password)
        with transaction(self.private):
            self.private.execute(
                "UPDATE credentials SET password_hash = ?, token_version = token_version + 1, "
                "updated_at = ? WHERE user_id = ?", (hash_password(password), now_stamp(), user.id))

    def logout_all(self, username: str) -> None:
        """Revoke every token of the user, on every device and in Datasette."""
        user = self._require(username)
        with transaction(self.private):
            self.private.execute(
                "UPDATE credentials SET token_version = token_version + 1, updated_at = ? WHERE user_id = ?",
                (now_stamp(), user.id))

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        """Disable (or enable) a user; disabling also revokes their tokens.

        Raises TeamGuardError, changing nothing, when disabling would leave
        no enabled admin or would leave enabled users without their manager.
        """
        user = self._require(username)
        if disabled:
            self.check_can_disable(user)
        elif user.disabled and user.manager_id:
            self._check_manager_serves(user)
        if disabled:
            self.logout_all(username)
        self._write_user(user.id, {"disabled": disabled})

    def _check_manager_serves(self, user: User) -> None:
        """Raise UserError when ``user``'s manager is disabled or a sales rep, who would get no escalations."""
        manager = self.get(user.manager_id)
        if manager is not None and (manager.disabled or manager.role == "sales"):
            state = "disabled" if manager.disabled else "a sales rep"
            raise UserError(f"cannot enable {user.username}: their manager {manager.username} is {state}, so "
                            f"their escalations would reach nobody; first give them another manager with "
                            f"'genzong user update {user.username} --manager OTHER'",
                            "user_manager_not_serving", username=user.username, manager=manager.username)

    def update(self, username: str, *, name: str | None = None, role: str | None = None,
               manager: str | None = None) -> User:
        """Change a user's name, role or manager.

        Raises UserError for an invalid value, and TeamGuardError when the
        new role would leave no enabled admin or would leave enabled users
        with a sales rep as their manager.
        """
        user = self._require(username)
        changes = {}
        if name is not None:
            _check_name(name)
            changes["name"] = name
        if role is not None:
            _check_role(role)
            if not user.disabled:
                self._check_team_keeps(user, f"change the role of {user.username} to {role}", new_role=role)
            changes["role"] = role
        if manager is not None:
            changes["manager_id"] = self._manager_id(manager)
            if changes["manager_id"] == user.id:
                raise UserError(f"{user.username} cannot be their own manager; choose another manager or admin",
                                "user_own_manager", username=user.username)
        self._write_user(user.id, changes, previous_role=user.role)
        return self.get(user.id)

    def _write_user(self, user_id: str, changes: dict, previous_role: str | None = None) -> None:
        with transaction(self.conn):
            batch = Batch(self.conn, now_stamp(), self.acting_user_id, "server")
            batch.server_write("users", user_id, changes)
            batch.flush()
            role = changes.get("role")
            if previous_role is not None and role is not None and role != previous_role:
                follow_role_change(self.conn, user_id, previous_role, role)

    def check_can_disable(self, user: User) -> None:
        """Raise TeamGuardError when disabling ``user`` would leave no enabled admin or leave reps without a manager."""
        if not user.disabled:
            self._check_team_keeps(user, f"disable {user.username}")

    def _check_team_keeps(self, user: User, action: str, new_role: str | None = None) -> None:
        """Raise TeamGuardError when taking ``user`` out of their role leaves the team short.

        ``new_role`` is None for disabling. Without an enabled admin no user
        can change the organisation settings, and a rep whose manager is
        disabled or a sales rep gets no escalations.
        """
        if user.role == "admin" and new_role != "admin":
            others = self.conn.execute(
                "SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled AND NOT deleted AND id != ?",
                (user.id,)).fetchone()[0]
            if not others:
                raise TeamGuardError(
                    "last_admin", f"cannot {action}: {user.username} is the last enabled admin, "
                    f"and without one nobody can change the organisation settings (组织设置); first enable "
                    f"another admin ('genzong user enable USERNAME') or add one ('genzong user add USERNAME "
                    f"--role admin --password PASSWORD')", user.username)
        if new_role is None or new_role == "sales":
            reps = tuple(row[0] for row in self.conn.execute(
                "SELECT username FROM users WHERE manager_id = ? AND NOT disabled AND NOT deleted AND id != ? "
                "ORDER BY username", (user.id, user.id)))
            if reps:
                raise TeamGuardError(
                    "manager_has_reps", f"cannot {action}: {len(reps)} enabled users have "
                    f"{user.username} as their manager ({', '.join(reps)}) and would get no escalations; "
                    f"first give each another manager with 'genzong user update USERNAME --manager OTHER'",
                    user.username, reps)

    def _manager_id(self, manager: str | None) -> str | None:
        if not manager:
            return None
        found = self.by_username(manager)
        if found is None:
            raise UserError(f"no user named {manager!r} for --manager; see 'genzong user list', or add the "
                            f"manager first with 'genzong user add {manager} --role manager'",
                            "user_manager_not_found", manager=manager)
        if found.role not in ("manager", "admin"):
            raise UserError(f"--manager {manager!r} is a {found.role} user, not a manager or admin; choose "
                            f"another, or change their role with 'genzong user update {manager} --role manager'",
                            "user_manager_is_sales", manager=manager)
        if found.disabled:
            raise UserError(f"--manager {manager!r} is disabled, so their reps would get no escalations; "
                            f"choose an enabled manager, or enable them first with 'genzong user enable {manager}'",
                            "user_manager_disabled", manager=manager)
        return found.id

    def _require(self, username: str) -> User:
        user = self.by_username(username)
        if user is None:
            raise UserError(f"no user named {username!r}; see 'genzong user list'", "user_not_found",
                            username=username)
        return user


def follow_role_change(conn: sqlite3.Connection, user_id: str, old_role: str, new_role: str) -> None:
    """Make the user's devices hold exactly what the new role may see.

    A manager or admin who becomes a sales rep gets a revocation for every
    row they may no longer see, delivered by the ordinary pull. A rep who
    becomes a manager or admin may now see rows older than their devices'
    cursors, so those devices pull everything again at their next sync.
    Runs inside the caller's write transaction.
    """
    if old_role in SEES_EVERYTHING and new_role not in SEES_EVERYTHING:
        revoke_invisible_rows(conn, user_id)
    elif old_role not in SEES_EVERYTHING and new_role in SEES_EVERYTHING:
        conn.execute("UPDATE devices SET full_pull_needed = 1 WHERE user_id = ?", (user_id,))


def revoke_invisible_rows(conn: sqlite3.Connection, user_id: str) -> int:
    """Record a revocation for ``user_id`` of every row a sales rep may not see; return how many."""
    stamp = now_stamp()
    total = 0
    for table in TABLES.values():
        if table.public:
            continue
        hidden = "coalesce(scope_owner, '') != ?"
        if table.name == POOL_TABLE:
            hidden += " AND scope_owner IS NOT NULL"
        count = conn.execute(f"SELECT count(*) FROM {table.name} WHERE {hidden}", (user_id,)).fetchone()[0]
        if not count:
            continue
        first = allocate_seqs(conn, count)
        conn.execute(
            f"INSERT INTO revocations (seq, audience, except_user, record_table, record_id, created_at) "
            f"SELECT ? + row_number() OVER (ORDER BY rowid) - 1, ?, NULL, ?, id, ? "
            f"FROM {table.name} WHERE {hidden}", (first, user_id, table.name, stamp, user_id))
        total += count
    return total


def _user(row) -> User | None:
    if row is None:
        return None
    return User(row["id"], row["username"], row["name"], row["role"], bool(row["disabled"]), row["manager_id"])


def _check_username(username: str) -> None:
    if not username or len(username) > MAX_USERNAME_CHARS or any(c.isspace() for c in username):
        raise UserError(f"username must be 1-{MAX_USERNAME_CHARS} characters without spaces, got {username!r}",
                        "user_invalid_username", value=username[:MAX_USERNAME_CHARS + 1])


def _check_name(name: str) -> None:
    if not name.strip() or len(name) > MAX_NAME_CHARS:
        raise UserError(f"display name must be 1-{MAX_NAME_CHARS} characters and not blank, got {name[:20]!r}",
                        "user_invalid_name", value=name[:MAX_NAME_CHARS + 1])


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, got {role!r}", "user_invalid_role",
                        value=str(role)[:20])


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"password must be at least {MIN_PASSWORD_CHARS} characters", "user_short_password",
                        minimum=MIN_PASSWORD_CHARS)
