"""Pulled changes, encoded from the stored clock and dots text, match the stored records."""

import json

from genzong.server.demo import fill_demo
from genzong.server.pull import EncodedChange, encode_body
from genzong.server.schema import TABLES
from genzong.server.store import load_records, version_to_wire


def test_pulled_changes_match_stored_records(make_device, state):
    rep = make_device("sales")
    located = rep.edit("customers", name="王芳", phone="13800000001",
                       location={"lat": 30.27, "lng": 120.15}, interest=7)
    rep.edit("customers", located, phone=None)  # cleared: on the wire as null, with its dot
    removed = rep.edit("customers", name="李娜")
    rep.delete("customers", removed)
    rep.edit("follow_ups", customer_id=located, happened_at="2026-12-01T08:00:00.000Z",
             channel="拜访", content="上门拜访", location={"lat": 30.2, "lng": 120.1, "accuracy": 15})
    rep.sync()

    manager = make_device("manager")
    response = manager.post({"device": manager.id, "epoch": None, "cursor": 0, "changes": []})
    assert response.status_code == 200
    changes = response.json()["changes"]

    conn = state.records.get()
    by_table: dict[str, list[dict]] = {}
    for change in changes:
        by_table.setdefault(change["table"], []).append(change)
    assert {"customers", "follow_ups", "users"} <= by_table.keys()
    for table_name, received in by_table.items():
        stored = load_records(conn, TABLES[table_name], [change["id"] for change in received])
        for change in received:
            expected = version_to_wire(table_name, change["id"], stored[change["id"]].version)
            assert change == expected

    customer = next(c for c in by_table["customers"] if c["id"] == located)
    assert customer["fields"]["phone"] is None
    assert "phone" in customer["dots"]
    assert "title" not in customer["fields"]
    assert customer["fields"]["location"] == {"lat": 30.27, "lng": 120.15}
    tombstone = next(c for c in by_table["customers"] if c["id"] == removed)
    assert tombstone["deleted"] is True


def test_encode_body_splices_changes():
    change = EncodedChange("customers", "c1", '{"table":"customers","id":"c1","clock":{"d":1},'
                                              '"dots":{},"fields":{"name":"张伟"},"deleted":false}'.encode())
    text = encode_body({"epoch": "e-1", "cursor": 3, "more": False, "results": [],
                        "changes": [change, change], "revoked": [{"table": "customers", "id": "c2"}]})
    body = json.loads(text)
    assert body["epoch"] == "e-1"
    assert body["cursor"] == 3
    assert body["revoked"] == [{"table": "customers", "id": "c2"}]
    assert body["changes"] == [change.decode(), change.decode()]
    assert "张伟".encode() in text  # UTF-8, not \\u escapes
    assert json.loads(encode_body({"changes": []})) == {"changes": []}


def test_pull_matches_every_demo_record(state, make_device):
    """Every table and field kind of the demo data: a manager's full pull equals the stored versions."""
    fill_demo(state, customers=30, seed=5)
    manager = make_device("manager")
    received, cursor, more = {}, 0, True
    while more:
        response = manager.post({"device": manager.id, "epoch": None, "cursor": cursor, "changes": []})
        assert response.status_code == 200
        body = response.json()
        received.update({(c["table"], c["id"]): c for c in body["changes"]})
        cursor, more = body["cursor"], body["more"]

    conn = state.records.get()
    tables = set()
    for (table_name, record_id), change in received.items():
        stored = load_records(conn, TABLES[table_name], [record_id])[record_id]
        assert change == version_to_wire(table_name, record_id, stored.version), (table_name, record_id)
        tables.add(table_name)
    assert len(received) > 150
    assert {"customers", "follow_ups", "receivables", "payments", "tickets", "projects"} <= tables
