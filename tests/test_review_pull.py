"""The pull that SQLite encodes, the device registration on a first pull and
the pooled connections, tested with awkward values, page boundaries and races."""

import json
import threading
from datetime import datetime, timezone

import pytest

from genzong.server.auth import User
from genzong.server.pull import PAGE_SIZE, pull
from genzong.server.schema import TABLES
from genzong.server.store import load_records, version_to_wire
from genzong.server.sync_service import handle_sync
from genzong.server.wire import RequestError, SyncRequest

from device import Device

AWKWARD_TEXT = 'a"b\\c\n\t\r\x01\x1e\x1f\x7f\u2028\u2029😀 “引号” </script> \\u0041'


def strict_loads(raw: bytes):
    def reject_constant(constant):
        raise ValueError(f"invalid JSON constant {constant}: NaN and Infinity are not JSON")

    return json.loads(raw.decode("utf-8"), parse_constant=reject_constant)


def pull_all_raw(device: Device) -> list[dict]:
    """Pull from the start with a fresh device id; return every change, each body parsed strictly."""
    fresh = Device(device.http, device.token)
    changes, cursor, more, epoch = [], 0, True, None
    for _ in range(100):
        response = fresh.post({"device": fresh.id, "epoch": epoch, "cursor": cursor, "changes": []})
        assert response.status_code == 200, response.text
        body = strict_loads(response.content)
        assert not body["reset"]
        changes += body["changes"]
        cursor, more, epoch = body["cursor"], body["more"], body["epoch"]
        if not more:
            return changes
    raise AssertionError("the pull did not end: more stayed true")


def test_awkward_values_pull_as_stored(make_device, make_user, state):
    manager = make_device("manager")
    disabled = make_user("sales")
    state.accounts().set_disabled(disabled.username)
    customer = manager.edit("customers", name=AWKWARD_TEXT, notes=AWKWARD_TEXT * 20, address="",
                            location={"lat": 31.230416123456789, "lng": 121.47370100000001, "accuracy": 1e-7},
                            interest=10, expected_amount_fen=10**13, phone="13912345679")
    manager.edit("customers", customer, phone=None)  # cleared: on the wire as null
    deleted_customer = manager.edit("customers", name="将删除")
    manager.sync()
    manager.delete("customers", deleted_customer)
    manager.edit("follow_ups", customer_id=customer, happened_at="2026-12-01T02:00:00.000Z", notes=AWKWARD_TEXT)
    manager.edit("surveys", customer_id=customer, surveyed_on="2026-12-01", answers={"质量": 5, "服务": None})
    manager.sync()

    received = pull_all_raw(manager)
    conn = state.records.get()
    seen = {}
    for change in received:
        stored = load_records(conn, TABLES[change["table"]], [change["id"]])[change["id"]]
        assert change == version_to_wire(change["table"], change["id"], stored.version)
        seen[(change["table"], change["id"])] = change
    assert seen[("customers", customer)]["fields"]["name"] == AWKWARD_TEXT
    assert seen[("customers", customer)]["fields"]["phone"] is None
    assert seen[("customers", customer)]["fields"]["location"]["lat"] == 31.230416123456789
    assert seen[("customers", deleted_customer)]["deleted"] is True
    assert seen[("users", disabled.id)]["fields"]["disabled"] is True


def _device_records_after_pages(conn, role, user_id, page_size):
    """Pull with ``page_size`` until done, applying each page as a device does; return the records kept and the cursor."""
    device_records, cursor, more = set(), 0, True
    for _ in range(10_000):
        page = pull(conn, role, user_id, cursor, page_size=page_size)
        assert page.cursor >= cursor
        assert len(page.changes) + len(page.revoked) <= page_size
        device_records |= {(c.table, c.id) for c in page.changes}
        device_records -= {(r["table"], r["id"]) for r in page.revoked}
        cursor, more = page.cursor, page.more
        if not more:
            return device_records, cursor
    raise AssertionError("the pull did not end: more stayed true")


@pytest.mark.parametrize("count", [PAGE_SIZE - 1, PAGE_SIZE, PAGE_SIZE + 1])
def test_rep_pull_at_page_boundary(make_device, state, count):
    rep = make_device("sales")
    customers = [rep.edit("customers", name=f"客户{i}") for i in range(count // 2)]
    follow_ups = [rep.edit("follow_ups", customer_id=customers[i % len(customers)],
                           happened_at="2026-12-01T02:00:00.000Z") for i in range(count - len(customers))]
    rep.sync()
    changes = pull_all_raw(rep)
    ids = [(c["table"], c["id"]) for c in changes]
    assert len(ids) == len(set(ids))
    assert {i for t, i in ids if t == "customers"} == set(customers)
    assert {i for t, i in ids if t == "follow_ups"} == set(follow_ups)


def test_pages_mixed_with_revocations(make_device, make_user, state):
    rep = make_device("sales")
    other = make_user("sales")
    manager = make_device("manager")
    customers = [rep.edit("customers", name=f"客户{i}") for i in range(30)]
    rep.sync()
    manager.sync()
    for number, customer in enumerate(customers):
        if number % 3 == 0:
            manager.edit("customers", customer, owner_id=other.id)
    manager.sync()
    for customer in customers[:6]:
        rep.edit("customers", customer, notes="改")
    rep.sync()

    conn = state.records.get()
    whole = pull(conn, "sales", rep.user.id, 0)
    assert not whole.more
    visible = {(c.table, c.id) for c in whole.changes}
    assert {i for t, i in visible if t == "customers"} == {c for n, c in enumerate(customers) if n % 3}
    for page_size in (1, 2, 3, 7, 1000):
        device_records, cursor = _device_records_after_pages(conn, "sales", rep.user.id, page_size)
        assert device_records == visible, page_size
        assert cursor == whole.cursor


def test_new_device_id_race(state, make_user):
    users = [make_user("sales"), make_user("sales")]
    now = datetime.now(timezone.utc)
    for attempt in range(20):
        device_id = f"race-{attempt}_x"
        start = threading.Barrier(2)
        outcomes = {}

        def first_pull(user: User):
            conn = state.records.get()
            start.wait()
            try:
                handle_sync(conn, user, SyncRequest(device_id, None, 0, []), now, state.write_lock)
                outcomes[user.id] = "ok"
            except RequestError as error:
                outcomes[user.id] = error.code

        threads = [threading.Thread(target=first_pull, args=(user,)) for user in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        owner = state.records.get().execute("SELECT user_id FROM devices WHERE id = ?", (device_id,)).fetchone()[0]
        assert outcomes[owner] == "ok"
        assert sorted(outcomes.values()) == ["device_taken", "ok"], outcomes


def test_connection_after_failed_sync(state, make_user):
    """Check that a sync failing at BEGIN IMMEDIATE leaves the connection fit for a new device's first pull."""
    rep = make_user("sales")
    conn = state.records.get()
    now = datetime.now(timezone.utc)
    failing = SyncRequest("dev-1", None, 0, [{"table": "customers", "id": "x"}])
    conn.execute("BEGIN")
    conn.execute("SELECT 1").fetchone()
    with pytest.raises(Exception):
        handle_sync(conn, rep, failing, now, state.write_lock)  # BEGIN IMMEDIATE fails inside the open transaction
    conn.execute("ROLLBACK")
    body, _ = handle_sync(conn, rep, SyncRequest("dev-1", None, 0, []), now, state.write_lock)
    assert body["more"] is False
    assert not conn.in_transaction
