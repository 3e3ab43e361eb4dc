"""`fetch` in a sync request: the server's state of named records, whatever the cursor."""

import pytest

from device import new_id


def fetched(device, *records) -> dict:
    """Send a request without changes that fetches ``records`` ((table, id) pairs); return the response."""
    body = device.request([])
    body["fetch"] = [{"table": table, "id": record_id} for table, record_id in records]
    response = device.post(body)
    assert response.status_code == 200, response.text
    return response.json()


def test_fetch_sends_current_state(make_device):
    rep = make_device("sales")
    customer = rep.edit("customers", name="孙悦", phone="13500000001")
    follow_up = rep.edit("follow_ups", customer_id=customer, happened_at="2026-12-01T02:00:00.000Z",
                         channel="电话", content="约周五量房")
    rep.delete("follow_ups", follow_up)
    rep.sync()

    body = fetched(rep, ("customers", customer), ("follow_ups", follow_up))

    changes = {change["id"]: change for change in body["changes"]}
    assert changes[customer]["fields"]["name"] == "孙悦"
    assert changes[customer]["deleted"] is False
    assert changes[follow_up]["deleted"] is True, "a deleted record comes as its tombstone"
    assert body["cursor"] == rep.cursor, "a fetch does not move the cursor"


def test_fetch_skips_invisible_records(make_device):
    rep = make_device("sales")
    other = make_device("sales")
    theirs = other.edit("customers", name="钱多多")
    pooled = other.edit("customers", name="赵磊")
    other.sync()
    manager = make_device("manager")
    manager.sync()
    manager.edit("customers", pooled, owner_id=None)
    manager.sync()
    rep.sync()

    body = fetched(rep, ("customers", theirs), ("customers", pooled), ("customers", new_id()))

    assert [change["id"] for change in body["changes"]] == [pooled]


def test_fetched_record_in_page_comes_once(make_device):
    rep = make_device("sales")
    customer = rep.edit("customers", name="吴昊")
    rep.sync()
    rep.cursor = 0

    body = fetched(rep, ("customers", customer))

    assert [change["id"] for change in body["changes"]].count(customer) == 1


@pytest.mark.parametrize("fetch", [
    "customers",
    [{"table": "nope", "id": "00000000-0000-4000-8000-000000000000"}],
    [{"table": "customers", "id": "not-a-uuid"}],
    [["customers", "00000000-0000-4000-8000-000000000000"]],
    [{"table": "customers", "id": "00000000-0000-4000-8000-000000000000"}] * 101,
], ids=["not-a-list", "unknown-table", "bad-id", "not-an-object", "too-many"])
def test_invalid_fetch_rejected(make_device, state, fetch):
    rep = make_device("sales")
    rep.edit("customers", name="郑云")
    body = rep.request(list(rep.outbox))
    body["fetch"] = fetch

    response = rep.post(body)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "fetch" in response.json()["message_en"]
    assert state.records.get().execute("SELECT count(*) FROM customers").fetchone()[0] == 0, "nothing stored"
