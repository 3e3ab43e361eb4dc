"""The import and export API: who may use it, dry runs, real imports, progress and downloads."""

import io
import json

import openpyxl
import pytest

from importing import DATA, csv_bytes, database_dump, rows

RECEIVABLES = (DATA / "客户回款跟踪表.xlsx").read_bytes()


def post_import(http, token, data: bytes, **params):
    params.setdefault("filename", "客户回款跟踪表.xlsx")
    return http.post("/api/import", content=data, params=params,
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"})


def test_import_needs_manager(http, login_as):
    assert http.post("/api/import", content=RECEIVABLES).status_code == 401
    _, token = login_as("sales")
    response = post_import(http, token, RECEIVABLES)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


def test_dry_run_report(http, login_as, state):
    _, token = login_as("manager")
    response = post_import(http, token, RECEIVABLES, dry_run="1")
    assert response.status_code == 200
    report = response.json()
    assert report["dry_run"] is True
    assert report["imported"] is False
    assert report["kind"] == "receivables"
    assert report["counts"] == {"create": 7, "update": 0, "unchanged": 0, "skip": 2, "reject": 0}
    assert report["records"]["payments"] == {"create": 6, "update": 0}
    first = report["rows"][0]
    assert first["row"] == 3
    assert first["action"] == "create"
    assert first["problems"][0]["message"] == "新建客户“A公司”。"
    assert first["problems"][0]["message_en"] == "Creates the customer \"A公司\"."
    assert rows(state, "customers") == []


def test_import_then_unchanged(http, login_as, state):
    manager, token = login_as("manager")
    response = post_import(http, token, RECEIVABLES)
    assert response.status_code == 200
    assert response.json()["imported"] is True
    assert len(rows(state, "receivables")) == 7
    history_users = {h["user_id"] for h in rows(state, "history")}
    assert history_users <= {manager.id, None}
    again = post_import(http, token, RECEIVABLES).json()
    assert again["counts"]["unchanged"] == 7
    assert again["records"] == {}


def test_rejected_rows_change_nothing(http, login_as, state):
    _, token = login_as("admin")
    post_import(http, token, RECEIVABLES)
    before = database_dump(state)
    data = csv_bytes([["客户名称", "应收金额", "付款期限"], ["G公司", "5000", "2023-01-31"],
                      ["H公司", "3000.555", "2023-02-30"]])
    response = post_import(http, token, data, filename="bad.csv")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "rows_rejected"
    assert body["message"] == "有 1 行无法导入，所以没有导入任何数据。请按报告修改这些行后重新导入。"
    rejected = [row for row in body["report"]["rows"] if row["action"] == "reject"][0]
    assert rejected["row"] == 3
    assert [(p["column"], p["code"]) for p in rejected["problems"]] == [("应收金额", "amount_below_fen"),
                                                                          ("付款期限", "date_not_exist")]
    assert database_dump(state) == before


def test_owner_parameter(http, login_as, make_user, state):
    _, token = login_as("manager")
    rep = make_user("sales", username="lina", name="李娜")
    assert post_import(http, token, RECEIVABLES, owner="lina").status_code == 200
    assert {c["owner_id"] for c in rows(state, "customers")} == {rep.id}
    response = post_import(http, token, RECEIVABLES, owner="ghost")
    assert response.status_code == 400
    assert response.json()["error"] == "owner_not_found"


@pytest.mark.parametrize("data, params, status, code", [
    (b"", {"filename": ""}, 400, "import_file_missing"),
    (b"", {}, 400, "file_empty"),
    (b"name\n", {"kind": "contracts"}, 400, "invalid_kind"),
    (b"\xd0\xcf\x11\xe0" + b"\x00" * 64, {}, 400, "xls_not_supported"),
    (b"a,b\n1,2\n", {"filename": "ledger.csv"}, 400, "no_ledger_found"),
    (b"a,b\n1,2\n", {}, 400, "xlsx_damaged"),
    ("客户名称,联系电话\n".encode(), {"filename": "ledger.csv"}, 400, "no_data_rows"),
])
def test_bad_uploads(http, login_as, data, params, status, code):
    _, token = login_as("manager")
    response = post_import(http, token, data, **params)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert response.json()["message"]
    assert response.json()["message_en"]


def test_empty_upload_names_file(http, login_as):
    _, token = login_as("manager")
    response = post_import(http, token, b"", filename="空表.csv")
    assert response.status_code == 400
    assert response.json()["message"] == "文件 空表.csv 是空的。"


def test_upload_size_limit(http, login_as, monkeypatch):
    from genzong.server.routes import ledgers
    monkeypatch.setattr(ledgers, "MAX_IMPORT_BYTES", 1000)
    _, token = login_as("manager")
    response = post_import(http, token, RECEIVABLES)
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


def test_streamed_progress(http, login_as, state):
    _, token = login_as("manager")
    header = ["客户姓名", "联系电话", "意向度"]
    data = csv_bytes([header] + [[f"客户{i}", f"139{i:08d}", "5"] for i in range(4500)])
    response = post_import(http, token, data, filename="big.csv", stream="1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    stages = [line["progress"]["stage"] for line in lines if "progress" in line]
    assert stages[0] == "read"
    assert "check" in stages
    assert stages[-1] == "done"
    checks = [line["progress"] for line in lines if "progress" in line and line["progress"]["stage"] == "check"]
    assert checks[-1] == {"stage": "check", "done": 4500, "total": 4500}
    final = lines[-1]
    assert final["status"] == 200
    assert final["report"]["counts"]["create"] == 4500
    assert len(final["report"]["rows"]) == 2000  # rows without remarks beyond the limit are left out
    assert final["report"]["rows_omitted"] == 2500
    assert len(rows(state, "customers")) == 4500


def test_streamed_failure(http, login_as):
    _, token = login_as("manager")
    data = csv_bytes([["客户姓名", "意向度"], ["王建国", "11"]])
    response = post_import(http, token, data, filename="bad.csv", stream="1")
    final = json.loads(response.text.splitlines()[-1])
    assert final["status"] == 422
    assert final["error"]["error"] == "rows_rejected"


def test_export_download(http, login_as, state):
    _, token = login_as("manager")
    post_import(http, token, RECEIVABLES)
    response = http.get("/api/export", params={"kind": "receivables"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''%E5%9B%9E%E6%AC%BE" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["回款跟踪表", "回款记录"]
    assert book["回款跟踪表"].max_row == 2 + 7


def test_export_needs_manager(http, login_as):
    _, token = login_as("sales")
    response = http.get("/api/export", params={"kind": "customers"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    _, token = login_as("admin")
    response = http.get("/api/export", params={"kind": "nope"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_kind"
