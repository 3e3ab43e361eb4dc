"""The sync protocol over HTTP against the real app and a real SQLite file."""

import json
import threading
from datetime import timedelta

import pytest

from device import Device, new_id, version_to_change


def fetch(state, sql, *params):
    return state.records.get().execute(sql, params).fetchall()


def test_offline_edits_of_different_fields_both_survive(make_device):
    rep = make_device("sales")
    customer = rep.edit("customers", name="张伟", phone="13800000001")
    rep.sync()
    second = Device(rep.http, rep.token)
    second.sync()

    rep.edit("customers", customer, phone="13900000002")
    second.edit("customers", customer, address="杭州市西湖区文三路 1 号")
    rep.sync()
    second.sync()
    rep.sync()

    for device in (rep, second):
        record = device.get("customers", customer)
        assert record["phone"] == "13900000002"
        assert record["address"] == "杭州市西湖区文三路 1 号"
    assert device.rows("conflicts") == {}


@pytest.mark.parametrize("first", ["phone_a", "phone_b"])
def test_same_field_records_one_conflict_either_order(make_device, first):
    rep = make_device("sales")
    customer = rep.edit("customers", name="张伟", phone="13800000001")
    rep.sync()
    other = Device(rep.http, rep.token)
    other.sync()
    other.clock_offset = timedelta(seconds=1)  # a clock 1 s ahead, which the server accepts

    rep.edit("customers", customer, phone="13900000002")
    other.edit("customers", customer, phone="13700000003")  # stamped 1 s later: it wins
    order = [rep, other] if first == "phone_a" else [other, rep]
    for device in order:
        device.sync()
    for device in (rep, other):
        device.sync()

    assert rep.get("customers", customer)["phone"] == "13700000003"
    assert other.get("customers", customer)["phone"] == "13700000003"
    conflicts = list(rep.rows("conflicts").values())
    assert len(conflicts) == 1
    assert conflicts[0]["field"] == "phone"
    assert conflicts[0]["kept_value"] == "13700000003"
    assert conflicts[0]["other_value"] == "13900000002"
    assert conflicts[0]["record_id"] == customer
    assert other.rows("conflicts") == rep.rows("conflicts")


def test_edit_after_pull_records_conflict(make_device):
    """The device pulls a later write over its unsynced one, then edits another field."""
    rep = make_device("sales")
    customer = rep.edit("customers", name="张伟", phone="13800000001")
    rep.sync()
    other = Device(rep.http, rep.token)
    other.sync()
    other.clock_offset = timedelta(seconds=1)

    rep.edit("customers", customer, phone="13900000002")
    other.edit("customers", customer, phone="13700000003")  # stamped 1 s later: it wins
    other.sync()
    rep.sync_once(keys=[])  # a pull while the phone edit waits in the outbox
    assert rep.get("customers", customer)["phone"] == "13700000003"
    rep.edit("customers", customer, name="张伟（杭州）")
    rep.sync()
    other.sync()

    for device in (rep, other):
        assert device.get("customers", customer)["name"] == "张伟（杭州）"
        assert device.get("customers", customer)["phone"] == "13700000003"
    conflicts = list(rep.rows("conflicts").values())
    assert [(c["field"], c["kept_value"], c["other_value"]) for c in conflicts] == \
        [("phone", "13700000003", "13900000002")]


def test_clock_years_ahead_is_rejected_then_corrected(make_device):
    rep = make_device("sales")
    customer = rep.edit("customers", name="张伟", phone="13800000001")
    rep.sync()
    fast = Device(rep.http, rep.token, clock_offset=timedelta(days=3 * 365))
    fast.sync()  # learns the server's time from server_time
    fast.server_offset = timedelta(0)  # …but forget it, as a device that never synced would
    fast.edit("customers", customer, phone="13900000009")
    body = fast.sync_once()
    assert body["results"][0]["code"] == "clock_ahead"
    assert (("customers", customer)) in fast.outbox
    fast.sync()  # re-stamped with the corrected clock, accepted now
    assert fast.get("customers", customer)["phone"] == "13900000009"

    rep.sync()
    rep.edit("customers", customer, phone="13700000007")  # a later edit by a correct clock
    rep.sync()
    fast.sync()
    assert fast.get("customers", customer)["phone"] == "13700000007"


def test_reassigned_customer_moves_with_its_children(make_device, login_as, http, make_user):
    manager = make_device("manager")
    old_rep = make_device("sales")
    new_rep = make_device("sales")
    customer = old_rep.edit("customers", name="李娜")
    follow_up = old_rep.edit("follow_ups", customer_id=customer, happened_at="2026-12-01T02:00:00.000Z",
                             channel="电话", content="电话沟通报价")
    receivable = old_rep.edit("receivables", customer_id=customer, amount_fen=1_000_000)
    payment = old_rep.edit("payments", receivable_id=receivable, paid_on="2026-12-02", amount_fen=300_000)
    ticket = old_rep.edit("tickets", customer_id=customer, kind="投诉", subject="地板起拱")
    old_rep.sync()
    old_rep.edit("customers", customer, phone="13800000001")  # leaves a history row
    old_rep.sync()
    new_rep.sync()
    assert new_rep.get("customers", customer) is None

    manager.sync()
    manager.edit("customers", customer, owner_id=new_rep.user.id)
    manager.sync()
    old_rep.sync()
    new_rep.sync()

    children = {("customers", customer), ("follow_ups", follow_up), ("receivables", receivable),
                ("payments", payment), ("tickets", ticket)}
    for key in children:
        assert old_rep.get(*key) is None, key
        assert new_rep.get(*key) is not None, key
    assert children <= set(old_rep.revoked)
    history = [h for h in new_rep.rows("history").values() if h["record_id"] == customer]
    assert {h["field"] for h in history} == {"phone", "owner_id"}
    assert not [h for h in old_rep.rows("history").values() if h["record_id"] == customer]


def test_same_request_twice_changes_nothing(make_device, state):
    rep = make_device("sales")
    customer = rep.edit("customers", name="张伟")
    rep.edit("follow_ups", customer_id=customer, happened_at="2026-12-01T02:00:00.000Z", content="拜访")
    request = rep.request(sorted(rep.outbox))
    first = rep.post(request).json()
    snapshot = {t: fetch(state, f"SELECT * FROM {t} ORDER BY id") for t in ("customers", "follow_ups", "history", "conflicts")}
    second = rep.post(request).json()

    assert [r["status"] for r in first["results"]] == ["merged", "merged"]
    assert [r["status"] for r in second["results"]] == ["unchanged", "unchanged"]
    for table, rows in snapshot.items():
        assert [tuple(r) for r in fetch(state, f"SELECT * FROM {table} ORDER BY id")] == [tuple(r) for r in rows]


def test_pagination_returns_every_record_once(make_device, state):
    manager = make_device("manager")
    ids = [manager.edit("customers", name=f"客户{i}") for i in range(2300)]
    manager.sync()
    fresh = Device(manager.http, manager.token)
    seen = []
    pages = 0
    while True:
        body = fresh.sync_once()
        pages += 1
        seen += [c["id"] for c in body["changes"] if c["table"] == "customers"]
        if not body["more"]:
            break
    assert pages >= 3
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))


def test_pull_omits_records_sent_unchanged(make_device):
    rep = make_device("sales")
    customer = rep.edit("customers", name="张伟")
    body = rep.sync_once()
    assert [c["id"] for c in body["changes"] if c["table"] == "customers"] == [customer]  # code assigned
    follow_up = rep.edit("follow_ups", customer_id=customer, happened_at="2026-12-01T02:00:00.000Z")
    body = rep.sync_once()
    assert [c for c in body["changes"] if c["id"] == follow_up] == []


def test_rep_cannot_see_or_change_other_reps_records(make_device):
    owner = make_device("sales")
    intruder = make_device("sales")
    customer = owner.edit("customers", name="张伟", phone="13800000001")
    follow_up = owner.edit("follow_ups", customer_id=customer, happened_at="2026-12-01T02:00:00.000Z")
    owner.sync()

    intruder.sync()
    assert intruder.get("customers", customer) is None
    assert intruder.get("follow_ups", follow_up) is None

    # Guessing the ids: a whole-state change of the customer, and a child under it.
    intruder.records[("customers", customer)] = owner.records[("customers", customer)]
    intruder.edit("customers", customer, phone="13900000000")
    intruder.edit("follow_ups", customer_id=customer, happened_at="2026-12-02T02:00:00.000Z", content="偷看")
    intruder.sync()
    codes = sorted(r["code"] for r in intruder.rejected.values())
    assert codes == ["parent_not_found", "permission_denied"]
    owner.sync()
    assert owner.get("customers", customer)["phone"] == "13800000001"
    assert len(owner.rows("follow_ups")) == 1


def test_rep_cannot_edit_other_customer_with_own_counters(make_device, make_user):
    owner = make_device("sales")
    intruder = make_device("sales")
    customer = owner.edit("customers", name="张伟", phone="13800000001")
    owner.sync()
    # A change naming only the intruder's own device passes the clock checks,
    # so the permission check is what stops it.
    intruder.edit("customers", customer, name="张伟", phone="13900000000")
    intruder.sync()
    assert intruder.rejected[("customers", customer)]["code"] == "permission_denied"
    owner.sync()
    assert owner.get("customers", customer)["phone"] == "13800000001"


def test_only_managers_reassign_owners(make_device):
    rep = make_device("sales")
    other = make_device("sales")
    customer = rep.edit("customers", name="张伟")
    rep.sync()
    rep.edit("customers", customer, owner_id=other.user.id)
    rep.sync()
    assert rep.rejected[("customers", customer)]["code"] == "permission_denied"
    stolen = rep.edit("customers", name="王强", owner_id=other.user.id)
    rep.sync()
    assert rep.rejected[("customers", stolen)]["code"] == "permission_denied"


def test_rep_sees_pool_customers_but_not_their_children(make_device):
    manager = make_device("manager")
    rep = make_device("sales")
    pooled = manager.edit("customers", name="公海客户", owner_id=None)
    follow_up = manager.edit("follow_ups", customer_id=pooled, happened_at="2026-12-01T02:00:00.000Z")
    manager.sync()
    rep.sync()
    assert rep.get("customers", pooled)["owner_id"] is None
    assert rep.get("follow_ups", follow_up) is None
    rep.edit("customers", pooled, phone="13800000000")
    rep.sync()
    assert rep.rejected[("customers", pooled)]["code"] == "permission_denied"


def test_payment_may_arrive_with_its_receivable(make_device, state):
    rep = make_device("sales")
    customer = rep.edit("customers", name="张伟")
    receivable = rep.edit("receivables", customer_id=customer, amount_fen=500_000, due_date="2026-12-31")
    payment = rep.edit("payments", receivable_id=receivable, paid_on="2026-12-03", amount_fen=200_000)
    rep.sync()
    assert rep.rejected == {}
    row = fetch(state, "SELECT amount_fen FROM payments WHERE id = ?", payment)[0]
    assert row[0] == 200_000


def test_ticket_numbers_follow_request_order(make_device):
    rep = make_device("sales")
    tickets = [rep.edit("tickets", kind="投诉", subject=f"问题{i}") for i in range(3)]
    rep.sync_once([("tickets", t) for t in tickets])
    assert [rep.get("tickets", t)["number"] for t in tickets] == ["GD000001", "GD000002", "GD000003"]
    assert all(rep.get("tickets", t)["owner_id"] == rep.user.id for t in tickets)


def test_delete_concurrent_with_edit_keeps_edit_in_conflict(make_device):
    rep = make_device("sales")
    customer = rep.edit("customers", name="张伟")
    rep.sync()
    other = Device(rep.http, rep.token)
    other.sync()
    other.edit("customers", customer, phone="13900000000")
    rep.delete("customers", customer)
    other.sync()
    rep.sync()
    other.sync()
    assert rep.get("customers", customer)["deleted"] is True
    assert rep.get("customers", customer)["phone"] == "13900000000"
    conflicts = list(rep.rows("conflicts").values())
    assert [(c["field"], c["kept_value"], c["other_value"]) for c in conflicts] == \
        [("deleted", True, {"phone": "13900000000"})]


def test_resolving_conflict_is_an_edit(make_device):
    rep = make_device("sales")
    customer = rep.edit("customers", name="张伟", phone="1")
    rep.sync()
    other = Device(rep.http, rep.token)
    other.sync()
    other.clock_offset = timedelta(seconds=1)
    rep.edit("customers", customer, phone="2")
    other.edit("customers", customer, phone="3")
    rep.sync()
    other.sync()
    rep.sync()
    [(conflict_id, conflict)] = rep.rows("conflicts").items()
    assert conflict["other_value"] == "2"
    rep.edit("customers", customer, phone=conflict["other_value"])
    rep.edit("conflicts", conflict_id, resolved_at="2026-12-04T09:00:00.000Z", resolution="other")
    rep.sync()
    other.sync()
    assert other.get("customers", customer)["phone"] == "2"
    assert other.get("conflicts", conflict_id)["resolution"] == "other"
    # The recorded values are the server's: a device cannot rewrite them.
    rep.edit("conflicts", conflict_id, kept_value="篡改")
    rep.sync()
    assert rep.rejected[("conflicts", conflict_id)]["code"] == "server_field"


def test_device_id_belongs_to_first_user(make_device, login_as):
    first = make_device("sales")
    first.edit("customers", name="张伟")
    first.sync()
    _, token = login_as("sales")
    thief = Device(first.http, token, id=first.id)
    response = thief.post(thief.request([]))
    assert response.status_code == 403
    assert response.json()["error"] == "device_taken"


def test_new_device_pull_skips_write_lock(make_device, login_as, state):
    """A new device is recorded on its first pull while another sync holds the write lock."""
    rep = make_device("sales")
    rep.edit("customers", name="张伟")
    rep.sync()
    newcomer_user, token = login_as("sales")
    newcomer = Device(rep.http, token)
    answered = {}
    with state.write_lock:
        worker = threading.Thread(target=lambda: answered.update(response=newcomer.post(newcomer.request([]))))
        worker.start()
        worker.join(timeout=30)
        assert not worker.is_alive(), "the first pull waited for the write lock"
    assert answered["response"].status_code == 200
    assert fetch(state, "SELECT user_id FROM devices WHERE id = ?", newcomer.id)[0][0] == newcomer_user.id

    thief = Device(rep.http, rep.token, id=newcomer.id)
    response = thief.post(thief.request([]))
    assert response.status_code == 403
    assert response.json()["error"] == "device_taken"


def test_history_keeps_old_and_new_values(make_device):
    rep = make_device("sales")
    customer = rep.edit("customers", name="张伟", phone="1")
    rep.sync()
    rep.edit("customers", customer, phone="2", notes="老客户")
    rep.sync()
    history = sorted((h["field"], h["old_value"], h["new_value"], h["user_id"], h["device"])
                     for h in rep.rows("history").values())
    assert history == [("notes", None, "老客户", rep.user.id, rep.id),
                       ("phone", "1", "2", rep.user.id, rep.id)]


def test_creator_kept_through_later_edits(make_device, state):
    rep = make_device("sales")
    customer = rep.edit("customers", name="张伟", phone="1")
    follow_up = rep.edit("follow_ups", customer_id=customer, happened_at="2026-12-01T02:00:00.000Z")
    written = {key: version.dots["customer_id" if key[0] == "follow_ups" else "name"][2]
               for key, version in rep.records.items()}
    rep.sync()
    manager = make_device("manager")
    manager.sync()
    manager.edit("customers", customer, phone="2")
    manager.edit("follow_ups", follow_up, content="补记")
    manager.sync()

    for table, record_id in (("customers", customer), ("follow_ups", follow_up)):
        [(created_at, created_by, phone_or_content)] = fetch(
            state, f"SELECT created_at, created_by, {'phone' if table == 'customers' else 'content'} "
                   f"FROM {table} WHERE id = ?", record_id)
        assert phone_or_content in ("2", "补记")  # the manager's edit is stored
        assert (created_at, created_by) == (written[(table, record_id)], rep.user.id)
    # History rows are written by the server, whose device is no user's.
    assert [tuple(row) for row in fetch(state, "SELECT DISTINCT created_by FROM history")] == [(None,)]


def test_no_op_sync_sends_nothing(make_device):
    rep = make_device("sales")
    rep.edit("customers", name="张伟")
    rep.sync()
    cursor = rep.cursor
    body = rep.sync_once()
    assert body["changes"] == []
    assert body["revoked"] == []
    assert body["cursor"] == cursor



def test_reassigned_away_and_back_within_one_page(make_device):
    manager = make_device("manager")
    rep = make_device("sales")
    other = make_device("sales")
    customer = rep.edit("customers", name="来回转手的客户")
    follow_up = rep.edit("follow_ups", customer_id=customer, happened_at="2026-12-01T02:00:00.000Z")
    rep.sync()
    manager.sync()
    manager.edit("customers", customer, owner_id=other.user.id)
    manager.sync()
    manager.edit("customers", customer, owner_id=rep.user.id)
    manager.sync()

    body = rep.sync_once()
    assert customer in {c["id"] for c in body["changes"]}
    assert customer not in {r["id"] for r in body["revoked"]}
    assert follow_up not in {r["id"] for r in body["revoked"]}
    assert rep.get("customers", customer)["owner_id"] == rep.user.id
    assert rep.get("follow_ups", follow_up) is not None


def test_promoted_rep_pulls_everything_again(make_device, state):
    other = make_device("sales")
    theirs = other.edit("customers", name="别人的老客户")
    other.sync()
    rep = make_device("sales")
    rep.sync()
    assert rep.get("customers", theirs) is None

    state.accounts().update(rep.user.username, role="manager")
    bodies = rep.sync()
    assert bodies[0]["reset"] is True
    assert rep.get("customers", theirs)["name"] == "别人的老客户"
    assert rep.sync_once()["reset"] is False  # once is enough


@pytest.fixture
def ticket_team(make_device):
    """Return a manager, two reps, and the first rep's customer with a waiting, a held and a closed ticket, synced."""
    manager, old_rep, new_rep = make_device("manager"), make_device("sales"), make_device("sales")
    customer = old_rep.edit("customers", name="刘美华")
    tickets = {
        "waiting": old_rep.edit("tickets", customer_id=customer, kind="投诉", subject="电子发票", status="待处理",
                                owner_id=old_rep.user.id),
        "on hold": old_rep.edit("tickets", customer_id=customer, kind="需求", subject="加急送货", status="暂缓",
                                owner_id=old_rep.user.id),
        "closed": old_rep.edit("tickets", customer_id=customer, kind="投诉", subject="踢脚线", status="已解决",
                               resolution="已更换", owner_id=old_rep.user.id),
    }
    old_rep.sync()
    manager.sync()
    return manager, old_rep, new_rep, customer, tickets


def move_customer(manager, customer: str, owner_id: str | None) -> None:
    manager.edit("customers", customer, owner_id=owner_id)
    manager.sync()


def test_reassigned_customer_moves_open_tickets(ticket_team):
    """Open tickets take the customer's new owner as 负责人; a closed one keeps the rep who handled it."""
    manager, old_rep, new_rep, customer, tickets = ticket_team

    move_customer(manager, customer, new_rep.user.id)
    new_rep.sync()

    assert new_rep.get("tickets", tickets["waiting"])["owner_id"] == new_rep.user.id
    assert new_rep.get("tickets", tickets["on hold"])["owner_id"] == new_rep.user.id
    assert new_rep.get("tickets", tickets["closed"])["owner_id"] == old_rep.user.id
    moved = manager.get("tickets", tickets["waiting"])["owner_id"]
    assert moved == new_rep.user.id, "the manager's device pulled the move"

    move_customer(manager, customer, None)
    assert manager.get("tickets", tickets["waiting"])["owner_id"] is None, "a pool customer's open ticket has no owner"


def test_reopened_ticket_follows_customer_owner(ticket_team):
    """A closed ticket reopened after the customer moved is open again, so it takes the customer's owner too."""
    manager, _, new_rep, customer, tickets = ticket_team
    move_customer(manager, customer, new_rep.user.id)
    new_rep.sync()

    new_rep.edit("tickets", tickets["closed"], status="处理中", resolved_at=None)
    new_rep.sync()

    assert not new_rep.rejected
    assert new_rep.get("tickets", tickets["closed"])["owner_id"] == new_rep.user.id


def test_moved_ticket_history_names_manager(ticket_team, state):
    """The history of a ticket that followed its customer names the manager who moved the customer."""
    manager, _, new_rep, customer, tickets = ticket_team

    move_customer(manager, customer, new_rep.user.id)

    changed_by = state.records.get().execute(
        "SELECT user_id FROM history WHERE record_table = 'tickets' AND record_id = ? AND field = 'owner_id' "
        "AND deleted = 0", (tickets["waiting"],)).fetchall()
    assert [row[0] for row in changed_by] == [manager.user.id]
