"""A device's first pull in two parts: the small tables alone, then the rest without them.

The first part pulls only some tables (``only``); the second pulls everything
from 0 but leaves out what the first part brought (``pulled``). Whatever the
server writes before, between and during the parts, the device ends with
exactly what one ordinary pull from 0 gives.
"""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from conftest import PASSWORD
from device import Device
from genzong.server.app import create_app
from genzong.server.backup import make_backup, restore_backup
from genzong.server.db import transaction
from genzong.server.pull import PAGE_SIZE, pull
from genzong.server.records import Batch
from genzong.server.schema import TABLES
from genzong.server.state import open_data_dir
from genzong.server.timeutil import now_stamp

# What the PWA pulls in the first part (pwa/js/sync.js, FIRST_TABLES).
FIRST_TABLES = frozenset(TABLES) - {"follow_ups", "history"}
OWNERS = ("rep", "other", "pool")


class Writer:
    """Server writes of customers and follow-ups for a rep, another rep and the pool."""

    def __init__(self, state, rep, other):
        self.conn = state.records.get()
        self.owners = {"rep": rep.id, "other": other.id, "pool": None}
        self.customers: list[str] = []

    def write(self, table: str, record_id: str, fields: dict) -> None:
        with transaction(self.conn):
            batch = Batch(self.conn, now_stamp(), None, "server")
            batch.server_write(table, record_id, fields, history=False)
            batch.flush()

    def new_customer(self, owner: str) -> None:
        record_id = str(uuid.uuid4())
        self.customers.append(record_id)
        self.write("customers", record_id, {"name": f"客户{len(self.customers)}", "owner_id": self.owners[owner]})

    def follow_up(self, number: int) -> None:
        if self.customers:
            customer = self.customers[number % len(self.customers)]
            self.write("follow_ups", str(uuid.uuid4()), {"customer_id": customer, "channel": "电话",
                                                         "content": "回访", "happened_at": now_stamp()})

    def move(self, number: int, owner: str) -> None:
        if self.customers:
            self.write("customers", self.customers[number % len(self.customers)], {"owner_id": self.owners[owner]})

    def rename(self, number: int) -> None:
        if self.customers:
            self.write("customers", self.customers[number % len(self.customers)], {"name": f"改名{number}"})


class StagedDevice:
    """A device that pulls FIRST_TABLES alone first, then the rest, a few rows per page."""

    def __init__(self, conn, user, page_size: int):
        self.conn, self.user, self.page_size = conn, user, page_size
        self.records: dict[tuple[str, str], bytes] = {}
        self.first_cursor: int | None = 0  # None once the first part is done
        self.cursor = 0
        self.pulled: dict[str, int] = {}
        self.pages = {"first": 0, "rest": 0}

    def apply(self, page) -> None:
        for item in page.revoked:
            self.records.pop((item["table"], item["id"]), None)
        for change in page.changes:
            self.records[(change.table, change.id)] = change.json

    def step(self) -> bool:
        """Pull one page; return whether more pages wait."""
        if self.first_cursor is not None:
            page = pull(self.conn, self.user.role, self.user.id, self.first_cursor, page_size=self.page_size,
                        only=FIRST_TABLES)
            assert {change.table for change in page.changes} <= FIRST_TABLES
            assert {item["table"] for item in page.revoked} <= FIRST_TABLES
            self.apply(page)
            self.pages["first"] += 1
            self.first_cursor = page.cursor
            if not page.more:
                self.pulled = dict.fromkeys(FIRST_TABLES, page.cursor)
                self.first_cursor = None
            return True
        page = pull(self.conn, self.user.role, self.user.id, self.cursor, page_size=self.page_size, pulled=self.pulled)
        self.apply(page)
        self.pages["rest"] += 1
        self.cursor = page.cursor
        return page.more

    def finish(self) -> None:
        while self.step():
            pass


def whole_pull(conn, user) -> dict[tuple[str, str], bytes]:
    page = pull(conn, user.role, user.id, 0, page_size=100_000)
    assert not page.more
    return {(change.table, change.id): change.json for change in page.changes}


operations = st.lists(st.one_of(
    st.tuples(st.just("new_customer"), st.sampled_from(OWNERS)),
    st.tuples(st.just("follow_up"), st.integers(0, 50)),
    st.tuples(st.just("move"), st.integers(0, 50), st.sampled_from(OWNERS)),
    st.tuples(st.just("rename"), st.integers(0, 50)),
    st.tuples(st.just("step"),),
), max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=operations, during=operations, page_size=st.integers(1, 4))
def test_two_part_pull_ends_as_whole_pull(state, make_user, before, during, page_size):
    rep, other = make_user("sales"), make_user("sales")
    writer = Writer(state, rep, other)
    device = StagedDevice(state.records.get(), rep, page_size)
    for operation in before:
        if operation[0] != "step":
            getattr(writer, operation[0])(*operation[1:])
    for operation in during:
        if operation[0] == "step":
            device.step()
        else:
            getattr(writer, operation[0])(*operation[1:])

    device.finish()

    assert device.records == whole_pull(state.records.get(), rep)


def test_rest_leaves_out_pulled_customers(state, make_user):
    rep, other = make_user("sales"), make_user("sales")
    writer = Writer(state, rep, other)
    for number in range(6):
        writer.new_customer("rep")
        writer.follow_up(number)
    device = StagedDevice(state.records.get(), rep, page_size=1000)
    device.step()
    assert device.first_cursor is None
    customers_first = {key for key in device.records if key[0] == "customers"}
    assert len(customers_first) == 6
    assert not any(key[0] == "follow_ups" for key in device.records)

    writer.rename(0)
    writer.move(1, "other")
    device.finish()

    resent = [change for change in pull(state.records.get(), "sales", rep.id, 0, pulled=device.pulled).changes
              if change.table == "customers"]
    assert [change.id for change in resent] == [writer.customers[0]]
    assert ("customers", writer.customers[1]) not in device.records
    assert sum(key[0] == "follow_ups" for key in device.records) == 5
    assert device.records == whole_pull(state.records.get(), rep)


def test_pulled_ignored_after_reset(make_device, http):
    device = make_device("sales")
    for number in range(3):
        device.edit("customers", name=f"客户{number}")
    device.sync()
    body = {"device": device.id, "epoch": "e-restored-elsewhere", "cursor": 0, "changes": [],
            "pulled": {"customers": device.cursor}}

    response = device.post(body).json()

    assert response["reset"] is True
    assert sum(change["table"] == "customers" for change in response["changes"]) == 3


def test_only_over_http(make_device):
    device = make_device("sales")
    customer = device.edit("customers", name="杭州客户")
    device.edit("follow_ups", customer_id=customer, channel="电话", content="回访", happened_at="2026-12-01T02:00:00.000Z")
    device.sync()
    assert not device.rejected
    fresh = {"device": "d-fresh-" + uuid.uuid4().hex[:8], "epoch": None, "cursor": 0, "changes": []}

    first = device.post({**fresh, "only": ["customers", "users"]}).json()
    rest = device.post({**fresh, "pulled": {"customers": first["cursor"], "users": first["cursor"]}}).json()

    assert {change["table"] for change in first["changes"]} == {"customers", "users"}
    assert first["more"] is False
    rest_tables = {change["table"] for change in rest["changes"]}
    assert "follow_ups" in rest_tables
    assert "customers" not in rest_tables
    assert "users" not in rest_tables
    assert rest["more"] is False


@pytest.mark.parametrize("extra, named", [
    ({"only": "customers"}, '"customers"'),
    ({"only": []}, "[]"),
    ({"only": ["customers", "orders"]}, '"orders"'),
    ({"pulled": ["customers"]}, '["customers"]'),
    ({"pulled": {"orders": 5}}, '"orders"'),
    ({"pulled": {"customers": -1}}, "-1"),
    ({"pulled": {"customers": "12"}}, '"12"'),
])
def test_bad_only_or_pulled_rejected(make_device, state, extra, named):
    device = make_device("sales")
    change_id = device.edit("customers", name="不应保存")
    body = {**device.request([("customers", change_id)]), **extra}

    response = device.post(body)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert named in response.json()["message_en"]
    stored = state.records.get().execute("SELECT count(*) FROM customers WHERE id = ?", (change_id,)).fetchone()[0]
    assert stored == 0


def changed_ids(body: dict, table: str) -> set[str]:
    return {change["id"] for change in body["changes"] if change["table"] == table}


def test_rep_made_manager_between_parts_gets_all(make_device, state):
    other = make_device("sales")
    others_customer = other.edit("customers", name="别人的客户")
    other.sync()
    rep = make_device("sales")
    first = rep.post({"device": rep.id, "epoch": None, "cursor": 0, "changes": [],
                      "only": sorted(FIRST_TABLES)}).json()
    assert first["more"] is False
    assert others_customer not in changed_ids(first, "customers")

    state.accounts().update(rep.user.username, role="manager")
    rest = rep.post({"device": rep.id, "epoch": first["epoch"], "cursor": 0, "changes": [],
                     "pulled": dict.fromkeys(FIRST_TABLES, first["cursor"])}).json()

    assert rest["reset"] is True
    assert others_customer in changed_ids(rest, "customers")


def add_customers(state, owner_id: str, count: int) -> None:
    """Store ``count`` customers of ``owner_id`` as server writes in one transaction."""
    conn = state.records.get()
    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        for number in range(count):
            batch.server_write("customers", str(uuid.uuid4()), {"name": f"客户{number:05d}", "owner_id": owner_id},
                               history=False)
        batch.flush()


def pull_first_part_page(device: Device, cursor: int) -> dict:
    """Pull one page of the first part as the PWA does: no changes, only FIRST_TABLES."""
    body = device.post({"device": device.id, "epoch": device.epoch, "cursor": cursor, "changes": [],
                        "only": sorted(FIRST_TABLES)}).json()
    device.apply_response([], body)
    # The PWA resends the records of the tables devices write.
    device.outbox = {key for key in device.outbox if TABLES[key[0]].device_writable}
    return body


def test_restore_during_first_part_takes_resend(data_dir, tmp_path):
    state = open_data_dir(data_dir)
    rep = state.accounts().add("zhangwei", PASSWORD, "sales", "张伟")
    with TestClient(create_app(data_dir, state)) as http:
        token = http.post("/api/login", json={"username": rep.username, "password": PASSWORD}).json()["token"]
        phone = Device(http, token)
        add_customers(state, rep.id, PAGE_SIZE + 500)
        make_backup(data_dir, tmp_path / "backup")
        lost = phone.edit("customers", name="备份后的客户")
        phone.sync()
        add_customers(state, rep.id, PAGE_SIZE)
        fresh = Device(http, token)
        first = pull_first_part_page(fresh, 0)
        first = pull_first_part_page(fresh, first["cursor"])
        assert first["more"] is True
        assert ("customers", lost) in fresh.records
    state.close()

    restore_backup(data_dir, tmp_path / "backup")
    state = open_data_dir(data_dir)
    with TestClient(create_app(data_dir, state)) as http:
        fresh.http = http
        first = pull_first_part_page(fresh, first["cursor"])
        assert first["reset"] is True
        assert ("customers", lost) in fresh.outbox
        while first["more"]:
            first = pull_first_part_page(fresh, first["cursor"])
        pulled = dict.fromkeys(sorted(FIRST_TABLES), first["cursor"])
        fresh.cursor = 0
        for _ in range(10):
            keys = sorted(fresh.outbox, key=lambda key: (TABLES[key[0]].rank, key))
            body = fresh.post({**fresh.request(keys), "pulled": pulled}).json()
            fresh.apply_response(keys, body)
            if not fresh.outbox and not body["more"]:
                break

        assert fresh.rejected.get(("customers", lost)) is None
        stored = state.records.get().execute("SELECT name FROM customers WHERE id = ?", (lost,)).fetchone()
        assert stored is not None
        assert stored[0] == "备份后的客户"
    state.close()
