"""Edits of a record whose pulled version a device keeps aside, over HTTP with several devices.

A device that pulls while it has unsynced writes keeps the pulled version
aside. Its next edit merges that version only when the merge gives no
conflict. Otherwise the edit goes on the device's own version. Each test checks the two
promises of the conflict rule: every write overwritten by a writer that had
not seen it leaves a conflict row, and no row is made for a write the
overwriting editor had seen. All replicas must converge after full syncs.
"""

import json
from datetime import timedelta

import pytest

from device import Device

CUSTOMER = "customers"


def sibling(device: Device, ahead: timedelta = timedelta(0)) -> Device:
    """Return a second device of the same user, synced, whose clock then runs ``ahead``.

    The offset is set after the first sync, which would otherwise learn and
    cancel it from the server's time.
    """
    other = Device(device.http, device.token)
    other.sync()
    other.clock_offset = ahead
    return other


def conflict_rows(state, record_id: str) -> list[tuple]:
    """Return (field, kept value, other value) of the server's conflict rows for one record, sorted."""
    rows = state.records.get().execute(
        "SELECT field, kept_value, other_value FROM conflicts WHERE record_id = ? AND deleted = 0",
        (record_id,)).fetchall()
    return sorted((row[0], json.loads(row[1]), json.loads(row[2])) for row in rows)


def server_fields(state, record_id: str) -> dict:
    row = state.records.get().execute(
        "SELECT name, phone, address, notes, deleted FROM customers WHERE id = ?", (record_id,)).fetchone()
    return dict(row)


def sync_all(*devices: Device) -> None:
    for _ in range(2):
        for device in devices:
            device.sync()
            assert not device.rejected, device.rejected


def assert_converged(state, record_id: str, *devices: Device) -> None:
    stored = server_fields(state, record_id)
    for device in devices:
        assert device.deferred == {}, device.id
        assert not device.outbox, device.id
        fields = device.get(CUSTOMER, record_id)
        for name in ("name", "phone", "address", "notes"):
            assert fields.get(name) == stored[name], (device.id, name)
        assert bool(fields.get("deleted", False)) == bool(stored["deleted"]), device.id


@pytest.fixture
def pair(make_device):
    """Two devices of one rep holding one synced customer; the second one's clock is 1 s ahead."""
    first = make_device("sales")
    customer = first.edit(CUSTOMER, name="张伟", phone="13800000001", address="旧地址", notes="旧备注")
    first.sync()
    second = sibling(first, ahead=timedelta(seconds=1))
    return first, second, customer


def test_kept_aside_without_conflict_merges(pair, state):
    """A pulled write to another field merges into the next edit: nothing is lost, no row."""
    first, second, customer = pair
    first.edit(CUSTOMER, customer, phone="13900000002")
    second.edit(CUSTOMER, customer, address="新地址")
    second.sync()
    first.sync_once(keys=[])
    assert (CUSTOMER, customer) in first.deferred

    first.edit(CUSTOMER, customer, notes="看过新地址")
    assert (CUSTOMER, customer) not in first.deferred
    sync_all(first, second)

    assert server_fields(state, customer)["address"] == "新地址"
    assert server_fields(state, customer)["phone"] == "13900000002"
    assert server_fields(state, customer)["notes"] == "看过新地址"
    assert conflict_rows(state, customer) == []
    assert_converged(state, customer, first, second)


def test_resave_shown_values_keeps_one_conflict(pair, state):
    """Saving the shown (pulled) phone again writes nothing: the lost unsynced phone still gets its row."""
    first, second, customer = pair
    first.edit(CUSTOMER, customer, phone="13900000002")
    second.edit(CUSTOMER, customer, phone="13700000003")
    second.sync()
    first.sync_once(keys=[])
    before = first.records[(CUSTOMER, customer)].clock

    first.edit(CUSTOMER, customer, phone="13700000003", name="张伟")
    assert first.records[(CUSTOMER, customer)].clock == before
    sync_all(first, second)

    assert server_fields(state, customer)["phone"] == "13700000003"
    assert conflict_rows(state, customer) == [("phone", "13700000003", "13900000002")]
    assert_converged(state, customer, first, second)


def test_several_pulls_kept_aside_as_one(pair, state):
    """Two pulls merge into one kept-aside version; only the unsynced phone is lost, with one row."""
    first, second, customer = pair
    first.edit(CUSTOMER, customer, phone="13900000002")
    second.edit(CUSTOMER, customer, address="地址一")
    second.sync()
    first.sync_once(keys=[])
    second.edit(CUSTOMER, customer, address="地址二", phone="13700000003")
    second.sync()
    first.sync_once(keys=[])
    assert first.get(CUSTOMER, customer)["address"] == "地址二"

    first.edit(CUSTOMER, customer, name="张伟（杭州）")
    sync_all(first, second)

    assert server_fields(state, customer)["address"] == "地址二"
    assert server_fields(state, customer)["name"] == "张伟（杭州）"
    assert conflict_rows(state, customer) == [("phone", "13700000003", "13900000002")]
    assert_converged(state, customer, first, second)


def test_own_later_write_wins_over_pulled(pair, state):
    """The unsynced phone is later than the pulled one: the pulled phone is the lost write, with a row."""
    first, second, customer = pair
    second.edit(CUSTOMER, customer, phone="13700000003")
    second.sync()
    first.clock_offset = timedelta(seconds=5)
    first.edit(CUSTOMER, customer, phone="13900000002")
    first.sync_once(keys=[])
    assert first.get(CUSTOMER, customer)["phone"] == "13900000002"

    first.edit(CUSTOMER, customer, notes="新备注")
    sync_all(first, second)

    assert server_fields(state, customer)["phone"] == "13900000002"
    assert conflict_rows(state, customer) == [("phone", "13900000002", "13700000003")]
    assert_converged(state, customer, first, second)


@pytest.mark.xfail(strict=True, reason="the edit goes on the device's own version, whose clock lacks the "
                                       "pulled writes the person saw, so the server records them as lost")
def test_seen_field_overwritten_makes_no_row(pair, state):
    """The person changes the pulled address they saw while the pulled phone conflicts with theirs."""
    first, second, customer = pair
    first.edit(CUSTOMER, customer, phone="13900000002")
    second.edit(CUSTOMER, customer, phone="13700000003", address="新地址")
    second.sync()
    first.sync_once(keys=[])
    assert first.get(CUSTOMER, customer)["address"] == "新地址"

    first.edit(CUSTOMER, customer, address="改过的地址")
    sync_all(first, second)

    assert server_fields(state, customer)["address"] == "改过的地址"
    assert_converged(state, customer, first, second)
    assert conflict_rows(state, customer) == [("phone", "13700000003", "13900000002")]


def test_seen_field_overwritten_keeps_value(pair, state):
    """The same sequence keeps the person's address and the pulled phone, whatever rows it makes."""
    first, second, customer = pair
    first.edit(CUSTOMER, customer, phone="13900000002")
    second.edit(CUSTOMER, customer, phone="13700000003", address="新地址")
    second.sync()
    first.sync_once(keys=[])
    first.edit(CUSTOMER, customer, address="改过的地址")
    sync_all(first, second)

    assert server_fields(state, customer)["address"] == "改过的地址"
    assert server_fields(state, customer)["phone"] == "13700000003"
    assert ("phone", "13700000003", "13900000002") in conflict_rows(state, customer)
    assert_converged(state, customer, first, second)


@pytest.mark.xfail(strict=True, reason="a restore on the device's own version does not cover the pulled "
                                       "delete the person saw, so the server records the delete as lost")
def test_restore_of_seen_delete_makes_no_row(pair, state):
    """Another device deletes the record while this one has an unsynced phone edit; the person restores it."""
    first, second, customer = pair
    first.edit(CUSTOMER, customer, phone="13900000002")
    second.delete(CUSTOMER, customer)
    second.sync()
    first.sync_once(keys=[])
    assert first.get(CUSTOMER, customer)["deleted"] is True

    first.edit(CUSTOMER, customer, deleted=False)
    sync_all(first, second)

    assert server_fields(state, customer)["deleted"] == 0
    assert server_fields(state, customer)["phone"] == "13900000002"
    assert_converged(state, customer, first, second)
    assert conflict_rows(state, customer) == []


def test_restore_of_seen_delete_keeps_edit(pair, state):
    """The restored record keeps the phone written while it was deleted elsewhere."""
    first, second, customer = pair
    first.edit(CUSTOMER, customer, phone="13900000002")
    second.delete(CUSTOMER, customer)
    second.sync()
    first.sync_once(keys=[])
    first.edit(CUSTOMER, customer, deleted=False)
    sync_all(first, second)

    assert server_fields(state, customer)["deleted"] == 0
    assert server_fields(state, customer)["phone"] == "13900000002"
    assert_converged(state, customer, first, second)


def test_delete_concurrent_with_unsynced_edit(pair, state):
    """Without a later edit, the pulled delete wins once the phone edit arrives, and the edit gets a row."""
    first, second, customer = pair
    first.edit(CUSTOMER, customer, phone="13900000002")
    second.delete(CUSTOMER, customer)
    second.sync()
    first.sync_once(keys=[])
    sync_all(first, second)

    assert server_fields(state, customer)["deleted"] == 1
    assert conflict_rows(state, customer) == [("deleted", True, {"phone": "13900000002"})]
    assert_converged(state, customer, first, second)


@pytest.mark.xfail(strict=True, reason="a delete on the device's own version does not cover the pulled "
                                       "writes the person saw, so the server lists them as lost to the delete")
def test_delete_after_seen_edits_makes_no_row(pair, state):
    """The person deletes a record after seeing the pulled address; only the lost phone gets a row."""
    first, second, customer = pair
    first.edit(CUSTOMER, customer, phone="13900000002")
    second.edit(CUSTOMER, customer, phone="13700000003", address="新地址")
    second.sync()
    first.sync_once(keys=[])

    first.delete(CUSTOMER, customer)
    sync_all(first, second)

    assert server_fields(state, customer)["deleted"] == 1
    assert_converged(state, customer, first, second)
    assert [row for row in conflict_rows(state, customer) if row[0] == "deleted"] == []


def test_three_devices_converge_after_kept_aside_edits(make_device, state):
    """Two devices hold unsynced writes and pull each other's through the server before editing again."""
    first = make_device("sales")
    customer = first.edit(CUSTOMER, name="李娜", phone="13800000001", address="旧地址", notes="旧备注")
    first.sync()
    second = sibling(first, ahead=timedelta(seconds=1))
    third = sibling(first, ahead=timedelta(seconds=2))

    first.edit(CUSTOMER, customer, phone="13900000001")
    second.edit(CUSTOMER, customer, phone="13900000002", notes="二号备注")
    third.edit(CUSTOMER, customer, address="三号地址")
    third.sync()
    second.sync_once(keys=[])
    first.sync_once(keys=[])
    second.sync()
    first.sync_once(keys=[])
    first.edit(CUSTOMER, customer, name="李娜（上海）")
    second.edit(CUSTOMER, customer, notes="二号再改")
    sync_all(first, second, third)

    stored = server_fields(state, customer)
    assert stored["name"] == "李娜（上海）"
    assert stored["address"] == "三号地址"
    assert stored["notes"] == "二号再改"
    assert stored["phone"] == "13900000002"
    assert ("phone", "13900000002", "13900000001") in conflict_rows(state, customer)
    assert_converged(state, customer, first, second, third)


def test_clock_ahead_restamp_keeps_edit_after_shown(pair, state):
    """A clock 15 min fast is caught by the server after the person edited a pulled address."""
    first, second, customer = pair
    second.clock_offset = timedelta(minutes=9)  # fast, but within the server's 10 min
    second.edit(CUSTOMER, customer, phone="13700000003", address="新地址")
    first.clock_offset = timedelta(minutes=15)  # before the device learns the server's time
    first.edit(CUSTOMER, customer, phone="13900000002")
    second.sync()
    first.sync_once(keys=[])  # a pull: the device learns the server's time
    assert first.get(CUSTOMER, customer)["address"] == "新地址"

    first.edit(CUSTOMER, customer, address="改过的地址")
    body = first.sync_once()
    assert body["results"][0]["code"] == "clock_ahead"
    sync_all(first, second)

    assert server_fields(state, customer)["address"] == "改过的地址"
    assert_converged(state, customer, first, second)
