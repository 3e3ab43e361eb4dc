"""What a manager reads after a rep's offline day: searched phones and the time of each change."""

import time

import pytest

from device import Device
from published import close_published, open_published


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("phone-day"), demo_customers=None)
    opened.state.accounts().add("jingli", "genzong123", "manager", "王经理")
    response = opened.client.post("/api/login", json={"username": "jingli", "password": "genzong123"})
    opened.client.cookies.clear()
    device = Device(opened.client, response.json()["token"])
    # Reps type mobile numbers in the 3-4-4 groups printed on business cards.
    device.edit("customers", name="欧阳振华", phone="138 0013 8000")
    device.sync()
    assert not device.rejected
    yield opened
    close_published(opened)


def test_search_whole_number_finds_spaced_phone(published):
    rows = published.rows("/data/genzong/customers", _search="13800138000")

    assert [row["name"] for row in rows] == ["欧阳振华"]


def test_search_number_group_finds_spaced_phone(published):
    rows = published.rows("/data/genzong/customers", _search="8000")

    assert [row["name"] for row in rows] == ["欧阳振华"]


def test_history_time_is_edit_time(make_device):
    rep = make_device("sales")
    customer = rep.edit("customers", name="朱刚", phone="15738218316")
    rep.sync()
    rep.edit("customers", customer, phone="15738218399")
    edited_at = rep.records[("customers", customer)].dots["phone"][2]
    time.sleep(1)  # the rep syncs a while after the edit, on a real day hours later
    rep.sync()

    history = [row for row in rep.rows("history").values() if row["field"] == "phone"]

    assert len(history) == 1
    assert history[0]["changed_at"] == edited_at
