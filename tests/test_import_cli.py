"""``genzong import`` and ``genzong export`` on the command line."""

import json
import sqlite3

import openpyxl

from genzong.server.cli import main
from genzong.server.paths import DataDir
from genzong.server.state import open_data_dir

from importing import DATA, csv_bytes


def run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def new_team(tmp_path):
    """Create an empty data folder, as 'genzong user add' does for a new team; return its path."""
    folder = tmp_path / "data"
    open_data_dir(DataDir(folder)).close()
    return folder


def count(folder, table):
    conn = sqlite3.connect(folder / "genzong.db")
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_dry_run_then_import(tmp_path, capsys):
    folder = new_team(tmp_path)
    ledger = str(DATA / "意向客户跟踪表.csv")
    code, out, _ = run(capsys, "import", ledger, "--dry-run", "--data-dir", str(folder))
    assert code == 0
    assert "试导入（没有写入）" in out
    assert "行：新建 5，更新 0，无变化 0，跳过 0，拒绝 0" in out
    assert "第 2 行 新建 王建国" in out
    assert "「意向购买金额」 “约2万元”是约数，按 20,000.00 元导入。" in out
    assert count(folder, "customers") == 0

    code, out, _ = run(capsys, "import", ledger, "--data-dir", str(folder), "--lang", "en")
    assert code == 0
    assert "意向客户跟踪表.csv: imported" in out
    assert "records: customers 5 created, 0 updated; follow-ups 6 created, 0 updated" in out
    assert count(folder, "customers") == 5


def test_rejected_file_exits_with_error(tmp_path, capsys):
    folder = new_team(tmp_path)
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([["客户名称", "应收金额"], ["A公司", "abc"]], "gbk"))
    code, out, err = run(capsys, "import", str(path), "--data-dir", str(folder))
    assert code == 1
    assert "第 2 行 拒绝 A公司" in out
    assert "「应收金额」 “abc”不是可识别的金额" in out
    assert "错误：有 1 行无法导入，所以没有导入任何数据" in err
    assert count(folder, "customers") == 0


def test_owner_and_kind_options(tmp_path, capsys):
    folder = new_team(tmp_path)
    assert run(capsys, "user", "add", "lina", "--role", "sales", "--password", "pw123456", "--name", "李娜",
               "--data-dir", str(folder))[0] == 0
    code, out, _ = run(capsys, "import", str(DATA / "客户回款跟踪表.xlsx"), "--kind", "receivables",
                       "--owner", "lina", "--json", "--data-dir", str(folder))
    assert code == 0
    report = json.loads(out)
    assert report["kind"] == "receivables"
    assert report["imported"] is True
    conn = sqlite3.connect(folder / "genzong.db")
    owners = {row[0] for row in conn.execute("SELECT owner_id FROM customers")}
    assert owners == {conn.execute("SELECT id FROM users WHERE username = 'lina'").fetchone()[0]}
    code, _, err = run(capsys, "import", str(DATA / "客户回款跟踪表.xlsx"), "--owner", "ghost",
                       "--data-dir", str(folder), "--lang", "en")
    assert code == 1
    assert "error: No user named ghost" in err


def test_missing_file(tmp_path, capsys):
    code, _, err = run(capsys, "import", str(tmp_path / "nope.xlsx"), "--data-dir", str(tmp_path / "data"))
    assert code == 1
    assert "cannot read" in err


def test_export_command(tmp_path, capsys):
    folder = new_team(tmp_path)
    run(capsys, "import", str(DATA / "客户投诉管理台账.xlsx"), "--data-dir", str(folder))
    target = tmp_path / "tickets.xlsx"
    code, out, _ = run(capsys, "export", "--kind", "tickets", str(target), "--data-dir", str(folder))
    assert code == 0
    assert "exported the tickets ledger" in out
    sheet = openpyxl.load_workbook(target)["投诉台账"]
    assert [sheet.cell(row, 2).value for row in range(3, 6)] == ["TS-2023-001", "TS-2023-002", "TS-2023-003"]
