"""Long texts on Datasette's pages: folded to a line that opens to the whole text."""

import csv
import html
import io

import pytest

from device import Device
from genzong.server.datasette_plugin import FOLDED_CHARS
from published import close_published, open_published

# A complaint as long as a pasted letter, with a character that HTML must escape.
COMPLAINT = "".join(f"第{number}段：地板起拱<开裂>，" for number in range(1, 601))
SHORT_COMPLAINT = "地板有划痕"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("long-text"), demo_customers=None)
    opened.state.accounts().add("jingli", "genzong123", "manager", "王经理")
    response = opened.client.post("/api/login", json={"username": "jingli", "password": "genzong123"})
    opened.client.cookies.clear()
    device = Device(opened.client, response.json()["token"])
    customer = device.edit("customers", name="严峻", phone="13900000001")
    for subject, content in (("长投诉", COMPLAINT), ("短投诉", SHORT_COMPLAINT)):
        device.edit("tickets", kind="投诉", subject=subject, content=content, customer_id=customer,
                    received_at="2026-12-01T02:00:00.000Z", status="待处理")
    device.sync()
    assert not device.rejected
    yield opened
    close_published(opened)


def test_long_complaint_folds_on_ticket_log(published):
    page = published.get("/data/genzong/ticket_log", params={"主题": "长投诉"}).text
    folded = html.escape(COMPLAINT[:FOLDED_CHARS], quote=False)
    whole = html.escape(COMPLAINT, quote=False)

    assert len(COMPLAINT) > 8_000
    assert (f'<details class="long-text"><summary><span class="excerpt">{folded}…</span></summary>{whole}</details>'
            in page)


def test_short_complaint_not_folded(published):
    page = published.get("/data/genzong/ticket_log", params={"主题": "短投诉"}).text

    assert SHORT_COMPLAINT in page
    assert 'class="long-text"' not in page


def test_long_complaint_folds_on_table_page(published):
    page = published.get("/data/genzong/tickets", params={"subject": "长投诉"}).text
    whole = html.escape(COMPLAINT, quote=False)

    assert f"…</span></summary>{whole}</details>" in page


def test_long_complaint_whole_in_csv(published):
    response = published.get("/data/genzong/ticket_log.csv", params={"主题": "长投诉", "_size": "max"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    assert [row["内容"] for row in rows] == [COMPLAINT]
