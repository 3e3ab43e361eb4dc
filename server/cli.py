"""The ``genzong`` command line."""

import argparse
import json
import logging
import socket
import sys

from .auth import UserError
from .backup import BackupError
from .importer.commands import add_ledger_commands
from .lock import DataDirBusy, ServeLock
from .paths import resolve_data_dir
from .schema import ROLES
from .state import DataDirError


class PortUnavailable(RuntimeError):
    """The address `genzong serve` should listen on cannot be bound."""


# Failures a command reports as one "error: …" line and exit status 1.
COMMAND_ERRORS = (UserError, BackupError, DataDirBusy, DataDirError, PortUnavailable)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args) or 0
    except COMMAND_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genzong", description="Genzong (跟踪): offline-first customer tracking")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="data folder (default: $GENZONG_DATA_DIR or ./data)")
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser("serve", parents=[common], help="serve the PWA, the API and Datasette")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    serve.add_argument("--certfile", help="TLS certificate (PEM) to serve HTTPS, which phones need for offline use and push")
    serve.add_argument("--keyfile", help="TLS private key (PEM) for --certfile")
    serve.set_defaults(handler=_serve)

    demo = commands.add_parser("demo", parents=[common], help="fill an empty database with Chinese demo data")
    demo.add_argument("--customers", type=int, default=300, help="number of demo customers (default 300)")
    demo.add_argument("--seed", type=int, default=7, help="random seed, for the same data every time")
    demo.add_argument("--if-empty", action="store_true",
                      help="do nothing (but list the demo logins) when the database already has customers")
    demo.set_defaults(handler=_demo)

    backup = commands.add_parser("backup", parents=[common],
                                 help="copy the databases, consistently, while the server runs")
    backup.add_argument("destination", help="a new or empty folder for the backup")
    backup.set_defaults(handler=_backup)
    restore = commands.add_parser("restore", parents=[common],
                                  help="check a backup and put it back (stop genzong serve first)")
    restore.add_argument("source", help="a folder made by genzong backup")
    restore.set_defaults(handler=_restore)

    handover = commands.add_parser("handover", parents=[common],
                                   help="move all customers and open items of one rep to another")
    handover.add_argument("from_username", help="the departing rep")
    handover.add_argument("to_username", help="the rep who takes over")
    handover.set_defaults(handler=_handover)

    pool = commands.add_parser("pool", help="the public pool (公海)").add_subparsers(title="pool commands")
    pool_return = pool.add_parser("return", parents=[common],
                                  help="return idle customers to the pool now (the server does it once a day)")
    pool_return.add_argument("--once", action="store_true",
                             help="run the return once now, even if it already ran today")
    pool_return.add_argument("--dry-run", action="store_true",
                             help="list the customers due back today and those within pool_warn_days; "
                                  "change nothing (implies --once)")
    pool_return.set_defaults(handler=_pool_return)

    add_ledger_commands(commands, common)

    user = commands.add_parser("user", help="manage users").add_subparsers(title="user commands")
    add = user.add_parser("add", parents=[common], help="create a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES, help="sales (业务员), manager (销售经理) or admin (管理员)")
    add.add_argument("--password", required=True, help="at least 6 characters")
    add.add_argument("--name", help="display name, such as 张伟")
    add.add_argument("--manager", help="username of the rep's manager, who receives escalations")
    add.set_defaults(handler=_user_add)
    listing = user.add_parser("list", parents=[common], help="list users")
    listing.set_defaults(handler=_user_list)
    for name, handler, text in (("disable", _user_disable, "disable a user and end their sessions"),
                                ("enable", _user_enable, "enable a disabled user"),
                                ("logout-all", _user_logout_all, "end every session of a user")):
        command = user.add_parser(name, parents=[common], help=text)
        command.add_argument("username")
        command.set_defaults(handler=handler)
    update = user.add_parser("update", parents=[common],
                             help="change a user's role, display name or manager")
    update.add_argument("username")
    update.add_argument("--role", choices=ROLES, help="the new role; the user's devices follow what it may see")
    update.add_argument("--name", help="the new display name")
    update.add_argument("--manager", help="username of the rep's new manager")
    update.set_defaults(handler=_user_update)
    passwd = user.add_parser("passwd", parents=[common], help="set a user's password and end their sessions")
    passwd.add_argument("username")
    passwd.add_argument("--password", required=True, help="the new password, at least 6 characters")
    passwd.set_defaults(handler=_user_passwd)

    remind = commands.add_parser("remind", parents=[common], help="send due reminders by Web Push and chat robot")
    remind.add_argument("--once", action="store_true",
                        help="run one pass now (the server runs one every minute by itself)")
    remind.add_argument("--dry-run", action="store_true",
                        help="list what is due and unsent; send nothing (implies --once)")
    remind.add_argument("--wait", type=float, default=60.0,
                        help="seconds to wait for a pass that is already running (default 60)")
    remind.set_defaults(handler=_remind)

    from .settings import SETTINGS
    setting = commands.add_parser("settings", help="show and change organisation settings").add_subparsers(
        title="settings commands")
    listing = setting.add_parser("list", parents=[common], help="list every setting with its value and default")
    listing.set_defaults(handler=_settings_list)
    change = setting.add_parser("set", parents=[common], help="change a setting",
                                description="Settings: " + "; ".join(f"{s.key}: {s.help}" for s in SETTINGS.values()))
    change.add_argument("key", choices=list(SETTINGS), metavar="KEY", help="the setting, see 'genzong settings list'")
    change.add_argument("value", help="the new value: JSON (3, null, \"text\") or plain text")
    change.set_defaults(handler=_settings_set)
    reset = setting.add_parser("reset", parents=[common], help="return a setting to its default")
    reset.add_argument("key", choices=list(SETTINGS), metavar="KEY")
    reset.set_defaults(handler=_settings_reset)
    return parser


def _state(args, create: bool = False):
    """Open the data folder of ``--data-dir``; only ``create`` lets a missing one be made.

    ``serve``, ``demo`` and ``user add`` start a team, so they may create
    the folder. Every other command raises DataDirError for a missing one.
    """
    from .state import open_data_dir, open_existing_data_dir
    data = resolve_data_dir(args.data_dir)
    return open_data_dir(data) if create else open_existing_data_dir(data)


def _serve(args) -> int:
    import uvicorn

    from .app import create_app

    data = resolve_data_dir(args.data_dir)
    with ServeLock(data.lock_file):
        check_port_free(args.host, args.port)
        state = _state(args, create=True)
        scheme = "https" if args.certfile else "http"
        print(f"Genzong is serving {data.root} at {scheme}://{args.host}:{args.port}/ "
              f"(Datasette at /data/)", flush=True)
        from .runtime import tune_for_serving
        tune_for_serving()
        # The app's lifespan closes the databases; uvicorn re-raises SIGTERM
        # after its shutdown, so nothing after this call runs on a stop.
        uvicorn.run(create_app(data, state), host=args.host, port=args.port,
                    ssl_certfile=args.certfile, ssl_keyfile=args.keyfile, log_level="info")
    return 0


def check_port_free(host: str, port: int) -> None:
    """Raise PortUnavailable when ``host:port`` cannot be bound.

    Checked before start-up opens the databases and prints its address, so a
    taken port fails with one error line that names the fix. Like uvicorn,
    the probe sets SO_REUSEADDR, so only a socket still listening there counts.
    """
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise PortUnavailable(f"cannot listen on {host}:{port}: {error}") from None
    family, kind, protocol, _, address = addresses[0]
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise PortUnavailable(
                f"cannot listen on {host}:{port}: {error.strerror}. Stop the program that uses the port, "
                f"or choose another one with --port (make run PORT=8001)") from None


def _demo(args) -> int:
    from .demo import DemoError, demo_logins, fill_demo
    state = _state(args, create=True)
    try:
        logins = fill_demo(state, customers=args.customers, seed=args.seed)
        print("Demo data created. Logins:")
    except DemoError as error:
        if not args.if_empty:
            print(f"demo: {error}", file=sys.stderr)
            return 1
        logins = demo_logins(state)
        if logins:
            print("The database already has data. Demo logins, unless their passwords were changed:")
    finally:
        state.close()
    for username, password, role, name in logins:
        print(f"  {username:<10} {password:<12} {role:<8} {name}")
    return 0


def _backup(args) -> int:
    from .backup import make_backup
    from .state import require_existing_data_dir
    data = resolve_data_dir(args.data_dir)
    require_existing_data_dir(data)
    info = make_backup(data, args.destination)
    print(f"backed up {info.customers} customers (epoch {info.epoch}, seq {info.last_seq}) to {info.folder}")
    return 0


def _restore(args) -> int:
    from .backup import restore_backup
    data = resolve_data_dir(args.data_dir)
    with ServeLock(data.lock_file):
        info = restore_backup(data, args.source)
    print(f"restored {info.customers} customers from {info.folder}; devices will resend what the backup lacks")
    return 0


def _handover(args) -> int:
    from .handover import HandoverError, hand_over
    state = _state(args)
    accounts = state.accounts()
    source, target = accounts.by_username(args.from_username), accounts.by_username(args.to_username)
    for name, user in ((args.from_username, source), (args.to_username, target)):
        if user is None:
            raise UserError(f"no user named {name!r}; see 'genzong user list'")
    try:
        result = hand_over(state.records.get(), source.id, target.id, None)
    except HandoverError as error:
        raise UserError(str(error)) from error
    moved = ", ".join(f"{count} {table}" for table, count in result.moved.items())
    print(f"moved from {source.username} to {target.username}: {moved}")
    return 0


def _needs_once(args, command: str, work: str) -> bool:
    """Print the usage error and return True unless ``--once`` or ``--dry-run`` was given."""
    if args.once or args.dry_run:
        return False
    print(f"genzong {command}: error: pass --once to {work} now, or --dry-run to list what it would do; "
          f"the server does it by itself while it runs", file=sys.stderr)
    return True


def _pool_return(args) -> int:
    if _needs_once(args, "pool return", "return idle customers to the pool"):
        return 2
    from . import pool
    from .settings import read_synced
    from .timeutil import today
    state = _state(args)
    try:
        conn = state.records.get()
        time_zone = read_synced(conn, "time_zone")
        day = today(time_zone)
        owners = {user.id: user.username for user in state.accounts().all()}
        if args.dry_run:
            warn_days = pool.pool_warn_days(conn)
            found = pool.idle_customers(conn, day, time_zone, within_days=warn_days)
            print(f"{sum(c.returns_on <= day for c in found)} customers return to the pool today ({day}); "
                  f"{len(found)} within {warn_days} days")
            for customer in sorted(found, key=lambda c: (c.returns_on, c.name)):
                print(f"  {customer.returns_on}  {customer.name:<12} owner {owners.get(customer.owner_id)}  "
                      f"last activity {customer.last_activity}")
            return 0
        returned = pool.return_idle_customers(conn, day, time_zone, state.write_lock)
    finally:
        state.close()
    print(f"{len(returned)} customers returned to the pool ({day})")
    for customer in returned:
        print(f"  {customer.name:<12} owner {owners.get(customer.owner_id)}  last activity {customer.last_activity}")
    return 0


def _user_add(args) -> int:
    data = resolve_data_dir(args.data_dir)
    new_folder = not data.database.exists()
    state = _state(args, create=True)
    user = state.accounts().add(args.username, args.password, args.role, args.name, args.manager)
    if new_folder:
        print(f"created the data folder {data.root}")
    print(f"created {user.role} {user.username} ({user.name}) id={user.id}")
    return 0


def _user_list(args) -> int:
    users = _state(args).accounts().all()
    usernames = {user.id: user.username for user in users}
    print(f"{'USERNAME':<16} {'ROLE':<8} {'STATUS':<9} {'MANAGER':<16} NAME")
    for user in users:
        status = "disabled" if user.disabled else "active"
        manager = usernames.get(user.manager_id, "-")
        print(f"{user.username:<16} {user.role:<8} {status:<9} {manager:<16} {user.name or ''}")
    return 0


def _user_disable(args) -> int:
    _state(args).accounts().set_disabled(args.username, True)
    print(f"disabled {args.username}; their sessions have ended")
    return 0


def _user_enable(args) -> int:
    _state(args).accounts().set_disabled(args.username, False)
    print(f"enabled {args.username}")
    return 0


def _user_logout_all(args) -> int:
    _state(args).accounts().logout_all(args.username)
    print(f"ended every session of {args.username}")
    return 0


def _user_update(args) -> int:
    accounts = _state(args).accounts()
    user = accounts.update(args.username, name=args.name, role=args.role, manager=args.manager)
    manager = accounts.get(user.manager_id) if user.manager_id else None
    print(f"updated {user.username}: role {user.role}, name {user.name}, "
          f"manager {manager.username if manager else '-'}")
    return 0


def _user_passwd(args) -> int:
    _state(args).accounts().set_password(args.username, args.password)
    print(f"password of {args.username} changed; their sessions have ended")
    return 0


def _remind(args) -> int:
    if _needs_once(args, "remind", "send the due reminders"):
        return 2
    from .reminders.run import run_pass
    state = _state(args)
    try:
        if args.dry_run:
            return _remind_dry_run(state)
        result = run_pass(state, lock_timeout=args.wait)
    finally:
        state.close()
    print(result.describe())
    if result.skipped:
        return 1
    return 1 if result.failed else 0


def _remind_dry_run(state) -> int:
    from . import settings
    from .reminders.delivery_log import DeliveryLog, push_target
    from .reminders.items import due_items, load_people
    from .reminders.subscriptions import for_users
    from .timeutil import utc_now

    conn, private = state.records.get(), state.private.get()
    values = settings.read_all(conn, private)
    now = utc_now()
    due = due_items(conn, values, now)
    people = load_people(conn)
    devices = for_users(private, {item.recipient_id for item in due})
    deliveries = DeliveryLog(conn)
    print(f"{len(due)} items due")
    for item in due:
        targets = [sub.id for sub in devices.get(item.recipient_id, [])
                   if deliveries.unsent([item], push_target(sub.id), now)]
        recipient = people[item.recipient_id].name
        print(f"  {item.kind:<19} {recipient:<10} {item.key}  unsent to {len(targets)} devices")
    return 0


def _settings_list(args) -> int:
    from . import settings
    state = _state(args)
    try:
        conn, private = state.records.get(), state.private.get()
        values = settings.read_all(conn, private)
        for key, setting in settings.SETTINGS.items():
            stored = settings.is_stored(conn, private, key)
            value = json.dumps(settings.display_value(key, values[key]), ensure_ascii=False)
            origin = "" if stored else " (default)"
            print(f"{key:<28} {value}{origin}\n    {setting.help}")
    finally:
        state.close()
    return 0


def _settings_set(args) -> int:
    from . import settings
    try:
        value = json.loads(args.value)
    except ValueError:
        value = args.value
    state = _state(args)
    try:
        stored = settings.write(state.records.get(), state.private.get(), args.key, value)
    except settings.SettingError as error:
        print(f"error: invalid value {args.value!r} for {args.key}: {error.detail_en}", file=sys.stderr)
        return 1
    finally:
        state.close()
    print(f"{args.key} = {json.dumps(settings.display_value(args.key, stored), ensure_ascii=False)}")
    return 0


def _settings_reset(args) -> int:
    from . import settings
    state = _state(args)
    try:
        default = settings.reset(state.records.get(), state.private.get(), args.key)
    finally:
        state.close()
    print(f"{args.key} reset to its default {json.dumps(default, ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
