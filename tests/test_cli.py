"""The genzong command line: users, demo data and the one-server-per-folder lock."""

import socket
import sqlite3
import subprocess
import sys

import pytest

from genzong.server.cli import main
from servers import ServerProcess


def run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_user_commands(tmp_path, capsys):
    folder = str(tmp_path / "data")
    code, out, _ = run(capsys, "user", "add", "zhangwei", "--role", "sales", "--password", "pw123456",
                       "--name", "张伟", "--data-dir", folder)
    assert code == 0
    assert "created sales zhangwei (张伟)" in out
    code, _, err = run(capsys, "user", "add", "zhangwei", "--role", "sales", "--password", "pw123456",
                       "--data-dir", folder)
    assert code == 1
    assert "already exists" in err
    code, _, err = run(capsys, "user", "add", "lina", "--role", "sales", "--password", "123",
                       "--data-dir", folder)
    assert code == 1
    assert "at least 6 characters" in err
    code, out, _ = run(capsys, "user", "list", "--data-dir", folder)
    assert "zhangwei" in out
    assert "active" in out
    assert run(capsys, "user", "disable", "zhangwei", "--data-dir", folder)[0] == 0
    assert "disabled" in run(capsys, "user", "list", "--data-dir", folder)[1]
    assert run(capsys, "user", "passwd", "zhangwei", "--password", "newpass1", "--data-dir", folder)[0] == 0
    assert run(capsys, "user", "logout-all", "zhangwei", "--data-dir", folder)[0] == 0
    code, out, _ = run(capsys, "user", "update", "zhangwei", "--role", "manager", "--data-dir", folder)
    assert code == 0
    assert "role manager" in out
    code, _, err = run(capsys, "user", "disable", "ghost", "--data-dir", folder)
    assert code == 1
    assert "no user named 'ghost'" in err


def test_data_dir_from_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GENZONG_DATA_DIR", str(tmp_path / "env-data"))
    assert run(capsys, "user", "add", "boss", "--role", "manager", "--password", "pw123456")[0] == 0
    assert (tmp_path / "env-data" / "genzong.db").exists()


def test_newer_folder_gets_one_error_line(tmp_path, capsys):
    """A folder that a newer Genzong upgraded gets one error line saying what to do, and stays as it was."""
    folder = tmp_path / "data"
    assert run(capsys, "user", "add", "boss", "--role", "manager", "--password", "pw123456",
               "--data-dir", str(folder))[0] == 0
    conn = sqlite3.connect(folder / "genzong.db")
    newer = conn.execute("PRAGMA user_version").fetchone()[0] + 1
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.commit()
    conn.close()

    code, out, err = run(capsys, "user", "list", "--data-dir", str(folder))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: the data folder {folder} cannot be opened: the database is at schema version "
                          f"{newer}, newer than this Genzong's")
    assert "upgrade Genzong before opening it" in err
    conn = sqlite3.connect(folder / "genzong.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == newer
    conn.close()


def test_demo_fills_empty_database_once(tmp_path, capsys):
    folder = str(tmp_path / "data")
    code, out, _ = run(capsys, "demo", "--customers", "40", "--data-dir", folder)
    assert code == 0
    assert "jingli" in out
    assert "genzong123" in out
    conn = sqlite3.connect(tmp_path / "data" / "genzong.db")
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("customers", "follow_ups", "receivables", "payments", "tickets")}
    assert counts["customers"] == 40
    assert all(counts[t] > 0 for t in ("follow_ups", "receivables", "payments"))
    codes = [row[0] for row in conn.execute("SELECT code FROM customers ORDER BY code")]
    assert codes[0] == "KH000001"
    assert len(set(codes)) == 40
    code, _, err = run(capsys, "demo", "--data-dir", folder)
    assert code == 1
    assert "already has customers" in err
    code, out, _ = run(capsys, "demo", "--if-empty", "--data-dir", folder)
    assert code == 0
    assert "zhangwei" in out
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 40


def test_second_server_on_same_folder_refuses(tmp_path):
    first = ServerProcess(tmp_path / "data").start()
    try:
        second = subprocess.run(
            [sys.executable, "-m", "genzong.server.cli", "serve", "--data-dir", str(tmp_path / "data"),
             "--port", "0"], capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert "another genzong serve" in second.stderr
        assert f"pid {first.process.pid}" in second.stderr
    finally:
        first.stop()


def test_serve_port_in_use(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run(capsys, "serve", "--port", str(port), "--data-dir", str(tmp_path / "data"))
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "--port" in err
    assert "is serving" not in out


TEAM_COMMANDS = [
    ("user", "list"),
    ("user", "update", "boss", "--name", "老板"),
    ("user", "disable", "boss"),
    ("user", "enable", "boss"),
    ("user", "passwd", "boss", "--password", "pw654321"),
    ("user", "logout-all", "boss"),
    ("settings", "list"),
    ("settings", "set", "escalation_days", "5"),
    ("settings", "reset", "escalation_days"),
    ("remind", "--once"),
    ("pool", "return", "--once"),
    ("handover", "boss", "lina"),
    ("backup", "BACKUP"),
    ("export", "--kind", "tickets", "OUT.xlsx"),
]


@pytest.mark.parametrize("command", TEAM_COMMANDS, ids=" ".join)
def test_mistyped_data_dir_creates_nothing(tmp_path, capsys, command):
    missing = tmp_path / "x" / "tpyo"
    args = [str(tmp_path / a) if a in ("BACKUP", "OUT.xlsx") else a for a in command]

    code, out, err = run(capsys, *args, "--data-dir", str(missing))

    assert code == 1
    assert out == ""
    assert f"error: no Genzong data folder at {missing} (genzong.db not found)" in err
    assert "'genzong user add USERNAME --role admin" in err
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "BACKUP").exists()


def test_import_into_missing_folder_creates_nothing(tmp_path, capsys):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("客户名称\n华为\n", encoding="utf-8")
    missing = tmp_path / "tpyo"

    code, _, err = run(capsys, "import", str(ledger), "--dry-run", "--data-dir", str(missing))

    assert code == 1
    assert f"no Genzong data folder at {missing}" in err
    assert not missing.exists()


def test_first_user_add_creates_the_folder(tmp_path, capsys):
    folder = tmp_path / "team"
    code, out, _ = run(capsys, "user", "add", "boss", "--role", "admin", "--password", "pw123456",
                       "--data-dir", str(folder))
    assert code == 0
    assert out.splitlines()[0] == f"created the data folder {folder}"
    code, out, _ = run(capsys, "user", "add", "lina", "--role", "sales", "--password", "pw123456",
                       "--data-dir", str(folder))
    assert code == 0
    assert "created the data folder" not in out


def add_user(capsys, folder, username, role, *extra):
    code, _, err = run(capsys, "user", "add", username, "--role", role, "--password", "pw123456",
                       "--data-dir", folder, *extra)
    assert code == 0, err


def test_last_admin_stays_enabled(tmp_path, capsys):
    folder = str(tmp_path / "data")
    add_user(capsys, folder, "boss", "admin")

    for command in (("user", "disable", "boss"), ("user", "update", "boss", "--role", "manager")):
        code, out, err = run(capsys, *command, "--data-dir", folder)
        assert code == 1, command
        assert out == ""
        assert "boss is the last enabled admin" in err
        assert "'genzong user enable USERNAME'" in err
        assert "'genzong user add USERNAME --role admin" in err
    code, out, _ = run(capsys, "user", "list", "--data-dir", folder)
    assert "admin    active" in out

    add_user(capsys, folder, "deputy", "admin")
    assert run(capsys, "user", "disable", "boss", "--data-dir", folder)[0] == 0


def test_manager_with_reps_keeps_role(tmp_path, capsys):
    folder = str(tmp_path / "data")
    add_user(capsys, folder, "boss", "admin")
    add_user(capsys, folder, "wangmin", "manager")
    for rep in ("lina", "zhoujie"):
        add_user(capsys, folder, rep, "sales", "--manager", "wangmin")

    for command in (("user", "update", "wangmin", "--role", "sales"), ("user", "disable", "wangmin")):
        code, _, err = run(capsys, *command, "--data-dir", folder)
        assert code == 1, command
        assert "2 enabled users have wangmin as their manager (lina, zhoujie)" in err
        assert err.startswith("error: cannot ")
        assert "'genzong user update USERNAME --manager OTHER'" in err

    assert run(capsys, "user", "update", "wangmin", "--role", "admin", "--data-dir", folder)[0] == 0
    for rep in ("lina", "zhoujie"):
        assert run(capsys, "user", "update", rep, "--manager", "boss", "--data-dir", folder)[0] == 0
    assert run(capsys, "user", "update", "wangmin", "--role", "sales", "--data-dir", folder)[0] == 0


def test_manager_shown_by_update_and_list(tmp_path, capsys):
    folder = str(tmp_path / "data")
    add_user(capsys, folder, "wangmin", "manager")
    add_user(capsys, folder, "zhoujie", "sales", "--name", "周杰")

    code, out, _ = run(capsys, "user", "update", "zhoujie", "--manager", "wangmin", "--data-dir", folder)

    assert code == 0
    assert out == "updated zhoujie: role sales, name 周杰, manager wangmin\n"
    code, out, _ = run(capsys, "user", "list", "--data-dir", folder)
    lines = out.splitlines()
    assert lines[0].split() == ["USERNAME", "ROLE", "STATUS", "MANAGER", "NAME"]
    assert lines[1].split() == ["wangmin", "manager", "active", "-", "wangmin"]
    assert lines[2].split() == ["zhoujie", "sales", "active", "wangmin", "周杰"]


def test_manager_option_names_the_problem(tmp_path, capsys):
    folder = str(tmp_path / "data")
    add_user(capsys, folder, "lina", "sales")

    code, _, err = run(capsys, "user", "add", "zhoujie", "--role", "sales", "--password", "pw123456",
                       "--manager", "nobody", "--data-dir", folder)
    assert code == 1
    assert err.startswith("error: no user named 'nobody' for --manager; see 'genzong user list'")
    assert "'genzong user add nobody --role manager'" in err

    code, _, err = run(capsys, "user", "update", "lina", "--manager", "lina", "--data-dir", folder)
    assert code == 1
    assert err.startswith("error: --manager 'lina' is a sales user, not a manager or admin")


def test_backup_is_one_file_per_database(tmp_path, capsys):
    folder = str(tmp_path / "data")
    add_user(capsys, folder, "boss", "admin")
    destination = tmp_path / "copy"

    code, out, _ = run(capsys, "backup", str(destination), "--data-dir", folder)

    assert code == 0
    assert out.startswith("backed up 0 customers")
    assert sorted(p.name for p in destination.iterdir()) == [
        "genzong.db", "private.db", "secret.key", "vapid_private.pem"]
    conn = sqlite3.connect(destination / "genzong.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_pool_days_names_unknown_kind(tmp_path, capsys):
    folder = str(tmp_path / "data")
    add_user(capsys, folder, "boss", "admin")

    code, _, err = run(capsys, "settings", "set", "pool_days", '{"直接型": 45}', "--data-dir", folder)

    assert code == 1
    assert err == ("error: invalid value '{\"直接型\": 45}' for pool_days: unknown customer kind \"直接型\", "
                   "valid kinds: 直接, 间接, 潜在\n")


def test_survey_questions_reject_repeated_text(tmp_path, capsys):
    folder = str(tmp_path / "data")
    add_user(capsys, folder, "boss", "admin")
    questions = '[{"key": "service", "text": "服务态度"}, {"key": "q2", "text": " 服务态度"}]'

    code, _, err = run(capsys, "settings", "set", "survey_questions", questions, "--data-dir", folder)

    assert code == 1
    assert err.endswith("for survey_questions: the question \"服务态度\" appears twice; each question needs its own text\n")
    conn = sqlite3.connect(tmp_path / "data" / "genzong.db")
    assert conn.execute("SELECT count(*) FROM settings WHERE key = 'survey_questions'").fetchone() == (0,)
    conn.close()


def test_survey_question_of_spaces_rejected(tmp_path, capsys):
    folder = str(tmp_path / "data")
    add_user(capsys, folder, "boss", "admin")
    questions = '[{"key": "service", "text": "服务态度"}, {"key": "q2", "text": "   "}]'

    code, _, err = run(capsys, "settings", "set", "survey_questions", questions, "--data-dir", folder)

    assert code == 1
    assert err.endswith("a text of 1 to 200 characters, not only spaces\n")


def test_manager_option_rejects_disabled_manager(tmp_path, capsys):
    folder = str(tmp_path / "data")
    add_user(capsys, folder, "boss", "admin")
    add_user(capsys, folder, "wangmin", "manager")
    add_user(capsys, folder, "lina", "sales", "--manager", "boss")
    assert run(capsys, "user", "disable", "wangmin", "--data-dir", folder)[0] == 0

    code, _, err = run(capsys, "user", "update", "lina", "--manager", "wangmin", "--data-dir", folder)
    assert code == 1
    assert err.startswith("error: --manager 'wangmin' is disabled")
    assert "'genzong user enable wangmin'" in err

    code, _, err = run(capsys, "user", "add", "zhoujie", "--role", "sales", "--password", "pw123456",
                       "--manager", "wangmin", "--data-dir", folder)
    assert code == 1
    assert err.startswith("error: --manager 'wangmin' is disabled")
    code, out, _ = run(capsys, "user", "list", "--data-dir", folder)
    assert "zhoujie" not in out
    assert ["lina", "sales", "active", "boss", "lina"] in [line.split() for line in out.splitlines()]


def test_enable_rejects_rep_of_disabled_manager(tmp_path, capsys):
    folder = str(tmp_path / "data")
    add_user(capsys, folder, "boss", "admin")
    add_user(capsys, folder, "wangmin", "manager")
    add_user(capsys, folder, "lina", "sales", "--manager", "wangmin")
    assert run(capsys, "user", "disable", "lina", "--data-dir", folder)[0] == 0
    assert run(capsys, "user", "disable", "wangmin", "--data-dir", folder)[0] == 0

    code, _, err = run(capsys, "user", "enable", "lina", "--data-dir", folder)
    assert code == 1
    assert err.startswith("error: cannot enable lina: their manager wangmin is disabled")
    assert "'genzong user update lina --manager OTHER'" in err

    assert run(capsys, "user", "update", "lina", "--manager", "boss", "--data-dir", folder)[0] == 0
    assert run(capsys, "user", "enable", "lina", "--data-dir", folder)[0] == 0
    code, out, _ = run(capsys, "user", "list", "--data-dir", folder)
    assert ["lina", "sales", "active", "boss", "lina"] in [line.split() for line in out.splitlines()]
