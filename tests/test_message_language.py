"""Rejection and import messages read whole in each language and name the next step.

A person who switched the app to English reads ``message_en``, and one who
kept it in Chinese reads ``message``. Each test covers a case a review of
both languages found broken: a placeholder left unfilled, library text in
the other language, a value quoted twice, or a record id where the person
needs a name.
"""

import io
import re

import openpyxl

from device import new_id

STAMP = "2026-12-04T08:00:00.000Z"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def send_raw(device, change: dict) -> dict:
    """Send one change as it is, without the device's writing rule, and return its result."""
    device.sync()
    response = device.post({"device": device.id, "epoch": device.epoch, "cursor": device.cursor,
                            "changes": [change]})
    assert response.status_code == 200, response.text
    return response.json()["results"][0]


def test_dot_outside_clock_fills_placeholders(make_device):
    """A dot beyond the change's own clock gets invalid_dot with every placeholder filled.

    The merge rule's rejection carries no ``detail`` of its own, and message()
    used to return the raw template then, braces and all.
    """
    rep = make_device("sales")
    result = send_raw(rep, {"table": "customers", "id": new_id(), "clock": {rep.id: 1},
                            "dots": {"name": [rep.id, 2, STAMP]}, "fields": {"name": "韩文博"}})

    assert result["code"] == "invalid_dot"
    assert not PLACEHOLDER.search(result["message"]), result["message"]
    assert not PLACEHOLDER.search(result["message_en"]), result["message_en"]


def test_unknown_table_quotes_value_once(make_device):
    """unknown_table, unknown_field and invalid_id quote the received name once.

    The values used to be JSON-quoted inside the template's own quotes
    ('Unknown table ""orders""'), and the rejected change's ``field`` was
    '"nam"', which the PWA cannot match to a field.
    """
    rep = make_device("sales")
    cases = [
        ({"table": "orders", "id": new_id(), "clock": {rep.id: 1}, "dots": {}, "fields": {}}, "orders"),
        ({"table": "customers", "id": new_id(), "clock": {rep.id: 1},
          "dots": {"nam": [rep.id, 1, STAMP]}, "fields": {"nam": "韩文博"}}, "nam"),
        ({"table": "customers", "id": "ABC", "clock": {rep.id: 1},
          "dots": {"name": [rep.id, 1, STAMP]}, "fields": {"name": "韩文博"}}, "ABC"),
    ]
    for change, value in cases:
        result = send_raw(rep, change)
        assert f'""{value}""' not in result["message_en"], result["message_en"]
        assert f'“"{value}"”' not in result["message"], result["message"]
    assert result["code"] == "invalid_id"

    unknown_field = send_raw(rep, cases[1][0])
    assert unknown_field["field"] == "nam"


def test_choice_message_names_choices_in_english(make_device):
    """The English message of an invalid choice names the choices as the English app shows them."""
    rep = make_device("sales")
    rep.sync()
    customer = rep.edit("customers", name="韩文博", kind="VIP")
    result = rep.sync_once(keys=[("customers", customer)])["results"][0]

    assert result["code"] == "invalid_value"
    assert "Direct" in result["message_en"], result["message_en"]
    assert "Prospect" in result["message_en"], result["message_en"]


def test_inactive_owner_names_user(make_device, make_user, state):
    """An owner disabled while a manager's edit waited offline is named, not shown as a UUID."""
    leaving = make_user("sales", name="吴新人")
    manager = make_device("manager")
    manager.sync()
    customer = manager.edit("customers", name="韩文博")
    manager.sync()
    manager.edit("customers", customer, owner_id=leaving.id)
    state.accounts().set_disabled(leaving.username)

    result = manager.sync_once(keys=[("customers", customer)])["results"][0]

    assert result["code"] == "invalid_value"
    assert "吴新人" in result["message"], result["message"]
    assert "吴新人" in result["message_en"], result["message_en"]


def cut_workbook() -> bytes:
    """Return the first half of a valid customer ledger .xlsx, as an interrupted download leaves it."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["客户名称", "联系电话"])
    for number in range(200):
        sheet.append([f"客户{number}", f"1380000{number:04d}"])
    data = io.BytesIO()
    book.save(data)
    whole = data.getvalue()
    return whole[: len(whole) // 2]


def test_cut_workbook_reads_as_damaged(http, login_as):
    """A half-downloaded .xlsx gets xlsx_damaged, not zipfile's English text inside the Chinese message.

    It starts with the zip signature as every workbook does, so advice to
    check that it is an .xlsx would be wrong.
    """
    _, token = login_as("manager")
    response = http.post("/api/import", content=cut_workbook(), params={"filename": "客户.xlsx", "dry_run": "1"},
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"})
    body = response.json()

    assert response.status_code == 400
    assert "zip" not in body["message"], body["message"]
    assert body["error"] == "xlsx_damaged"


def test_stray_dot_field_quoted_once(make_device):
    """A dot for a field the change does not carry names that field once, so the PWA can match it."""
    rep = make_device("sales")
    result = send_raw(rep, {"table": "customers", "id": new_id(), "clock": {rep.id: 2},
                            "dots": {"name": [rep.id, 1, STAMP], "company": [rep.id, 2, STAMP]},
                            "fields": {"name": "韩文博"}})

    assert result["code"] == "invalid_dot"
    assert result["field"] == "company"
    assert '“"company"”' not in result["message"], result["message"]
    assert '""company""' not in result["message_en"], result["message_en"]
