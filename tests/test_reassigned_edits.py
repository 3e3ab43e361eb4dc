"""Offline edits of a customer handed over meanwhile are rejected as reassigned.

A rep edits a customer and adds to it offline; a manager hands the rep's
customers to another rep before the device syncs. The server rejects each
of those changes with ``reassigned``: its message explains that the record
went to someone else and that the rep should pass the change on. Before, it
was that the customer is not theirs, or that its parent must be synced
first. A rep
who never had the customer still gets ``permission_denied`` or
``parent_not_found``, which tell nothing about it.
"""

import pytest


@pytest.fixture
def handed_over(http, make_device, make_user, login_as):
    """Return (leaving rep's device with offline edits, ids by what they are, the taking rep)."""
    leaving, taking = make_user("sales", name="张离职"), make_user("sales", name="李接手")
    device = make_device(leaving)
    customer = device.edit("customers", name="韩文博", owner_id=leaving.id)
    receivable = device.edit("receivables", customer_id=customer, amount_fen=500_000, due_date="2026-11-20")
    follow_up = device.edit("follow_ups", customer_id=customer, happened_at="2026-11-02T02:00:00.000Z",
                            content="第一次拜访")
    device.sync()
    assert not device.rejected

    # Offline: an edit of the customer and of a follow-up, a payment, and a
    # new receivable with its payment.
    ids = {
        "customer": device.edit("customers", customer, notes="客户周六来店看样"),
        "follow-up edit": device.edit("follow_ups", follow_up, result="约好周六"),
        "new follow-up": device.edit("follow_ups", customer_id=customer, happened_at="2026-11-05T03:00:00.000Z",
                                     content="电话确认安装日期"),
        "payment": device.edit("payments", receivable_id=receivable, paid_on="2026-11-06", amount_fen=123_400),
    }
    ids["new receivable"] = device.edit("receivables", customer_id=customer, amount_fen=80_000)
    ids["its payment"] = device.edit("payments", receivable_id=ids["new receivable"], paid_on="2026-11-06",
                                     amount_fen=80_000)

    _, token = login_as("manager")
    response = http.post("/api/handover", json={"from": leaving.id, "to": taking.id},
                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return device, ids, taking


def test_offline_edits_rejected_as_reassigned(handed_over, state):
    device, ids, _ = handed_over
    device.sync()

    codes = {name: device.rejected.get((table, record_id), {}).get("code")
             for (name, record_id), table in zip(ids.items(), ["customers", "follow_ups", "follow_ups", "payments",
                                                                "receivables", "payments"])}
    assert codes == dict.fromkeys(ids, "reassigned")
    for result in device.rejected.values():
        assert result["message"] == ("这条记录或它所属的客户已转给李接手负责，你的修改没有保存。"
                                     "请把修改的内容告诉李接手或经理，由他们补录。")
        assert result["message_en"].startswith("This record or its customer was handed over to 李接手, "
                                               "so your change was not saved. Tell 李接手 or a manager")
    # Nothing was stored, and the device dropped the customer, which is no longer the rep's.
    conn = state.records.get()
    assert conn.execute("SELECT notes FROM customers WHERE id = ?", (ids["customer"],)).fetchone()[0] is None
    assert conn.execute("SELECT count(*) FROM payments WHERE amount_fen = 123400").fetchone()[0] == 0
    assert ("customers", ids["customer"]) in device.revoked


def test_taking_rep_gets_no_rejected_edit(handed_over, make_device):
    device, ids, taking = handed_over
    device.sync()
    taker = make_device(taking)
    taker.sync()
    customer = taker.get("customers", ids["customer"])
    assert customer["name"] == "韩文博"
    assert customer.get("notes") is None
    assert taker.get("follow_ups", ids["new follow-up"]) is None
    assert taker.get("follow_ups", ids["follow-up edit"]).get("result") is None


def test_stranger_gets_the_usual_codes(handed_over, make_device):
    device, ids, _ = handed_over
    stranger = make_device("sales")
    stranger.records[("customers", ids["customer"])] = device.records[("customers", ids["customer"])]
    stranger.outbox.add(("customers", ids["customer"]))
    stranger.edit("follow_ups", customer_id=ids["customer"], happened_at="2026-11-07T03:00:00.000Z", content="猜的")
    stranger.sync()
    codes = sorted(result["code"] for result in stranger.rejected.values())
    assert codes == ["parent_not_found", "permission_denied"]


def test_returned_to_pool_names_manager(handed_over, make_device):
    """The customer goes on from the taking rep to the public pool, so the message names a manager."""
    device, ids, _ = handed_over
    manager = make_device("manager")
    manager.sync()
    manager.edit("customers", ids["customer"], owner_id=None)
    manager.sync()
    device.sync()

    assert {result["code"] for result in device.rejected.values()} == {"reassigned"}
    assert len(device.rejected) == len(ids)
    for result in device.rejected.values():
        assert result["message"] == ("这条记录或它所属的客户已退回公海，你的修改没有保存。"
                                     "请把修改的内容告诉经理，由他们补录。")
        assert result["message_en"].startswith("This record or its customer was returned to the public pool, "
                                               "so your change was not saved. Tell a manager")


def test_pool_customer_child_says_claim_first(make_device, make_user):
    """A follow-up added offline to a customer the manager put back in the pool names the pool, not a missing customer.

    The pool customer stays on the rep's device, so "not found, sync first"
    would point the rep the wrong way. Claiming it back lets a retry succeed.
    """
    rep = make_user("sales", name="张伟")
    device = make_device(rep)
    customer = device.edit("customers", name="胡明", owner_id=rep.id)
    device.sync()
    follow_up = device.edit("follow_ups", customer_id=customer, happened_at="2026-11-05T03:00:00.000Z",
                            content="退回公海前的离线跟进")
    manager = make_device("manager")
    manager.sync()
    manager.edit("customers", customer, owner_id=None)
    manager.sync()

    device.sync()
    result = device.rejected[("follow_ups", follow_up)]
    assert result["code"] == "permission_denied"
    assert result["field"] == "customer_id"
    assert result["message"] == "无权修改该记录：它所属的客户不属于你；公海客户需先认领。"
    assert result["message_en"] == "You may not change this record: its customer is not yours; claim a pool customer first."

    claim = device.edit("pool_claims", customer_id=customer)
    device.sync()
    assert ("pool_claims", claim) not in device.rejected
    device.outbox.add(("follow_ups", follow_up))
    device.sync()
    assert ("follow_ups", follow_up) not in device.rejected
