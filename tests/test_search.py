"""Chinese full-text search: the pair tokens, the index triggers, the search box and the 搜索 query."""

import csv
import html
import io
import re
import sqlite3
import unicodedata
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genzong.server import search
from genzong.server.db import transaction
from genzong.server.migrations import upgrade
from genzong.server.records import Batch
from genzong.server.sqlfunctions import register_functions
from genzong.server.timeutil import now_stamp
from genzong.sync import format_stamp

from device import Device
from published import close_published, open_published

# Tokens and queries -------------------------------------------------------


def test_word_terms_pairs_then_last():
    assert search.search_terms("木地板安装") == "木地 地板 板安 安装 装"
    assert search.search_terms("王") == "王"


def test_terms_split_words_and_skip_nulls():
    assert search.search_terms("杭州 木地", None, 42) == "杭州 州 木地 地 42 2"


def test_words_normalised():
    assert search.words("Ｚhang.Wei@Example.CN １３９-1234 a_b") == ["zhang", "wei", "example", "cn", "139",
                                                                    "1234", "a", "b"]


# Fullwidth and halfwidth forms, compatibility ideographs, circled and
# combining characters, ligatures: the characters NFKC changes.
nfkc_texts = st.text(alphabet=st.sampled_from(
    [chr(c) for c in [*range(0x20, 0x80), *range(0xFF00, 0xFFF0), 0x3000, 0x3001, 0x3002, 0x301, 0x308,
                      0x2460, 0x2161, 0xFB01, 0x212B, 0x3392, 0xF900, 0xF901, 0x1D400, 0x00C5, 0x00E9]]
    + list("木地板安装王芳")), max_size=12)


@settings(max_examples=500)
@given(nfkc_texts)
def test_normalise_is_nfkc_lower(text):
    assert search.normalise(text) == unicodedata.normalize("NFKC", text).lower()


# A small alphabet, so generated words share characters and pairs often.
word_lists = st.lists(st.text(alphabet="木地板安装13aB", min_size=1, max_size=6), min_size=1, max_size=5)


@given(word_lists)
def test_terms_are_word_terms(words):
    expected = " ".join(" ".join(search.word_terms(search.normalise(word))) for word in words)
    assert search.search_terms(*words) == expected


@settings(max_examples=300, deadline=None)
@given(word_lists, st.text(alphabet="木地板安装13ab", min_size=1, max_size=4))
def test_match_is_substring_of_a_word(words, query):
    conn = sqlite3.connect(":memory:")
    register_functions(conn)
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(terms, {search.INDEX_OPTIONS})")
    text = " ".join(words)
    conn.execute("INSERT INTO t (rowid, terms) VALUES (1, search_terms(?))", (text,))
    matched = conn.execute("SELECT count(*) FROM t WHERE t MATCH search_query(?)", (query,)).fetchone()[0]
    # Digits on both sides of a space also form one number, as in 138 0013 8000.
    numbers = re.findall(r"\d+", re.sub(r"(?<=\d) (?=\d)", "", text))
    assert bool(matched) == any(query.lower() in word.lower() for word in words + numbers)


@pytest.mark.parametrize("stored,query", [
    ("138 0013 8000", "13800138000"),
    ("138-0013-8000", "8001380"),
    ("(0571)88001234转801", "057188001234"),
    ("电话 0571 8800 1234，周六在家", "057188001234"),
])
def test_grouped_number_found_whole(stored, query):
    conn = sqlite3.connect(":memory:")
    register_functions(conn)
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(terms, {search.INDEX_OPTIONS})")
    conn.execute("INSERT INTO t (rowid, terms) VALUES (1, search_terms(?, ?))", ("欧阳振华", stored))
    assert conn.execute("SELECT count(*) FROM t WHERE t MATCH search_query(?)", (query,)).fetchone()[0] == 1


def test_numbers_of_two_values_stay_apart():
    assert search.search_terms("138", "0013") == "13 38 8 00 01 13 3"


@pytest.mark.parametrize("text,query", [
    ("地板", '"地板"'),
    ("木地板", '"木地 地板"'),
    ("板", '"板"*'),
    ("木地板 13", '"木地 地板" AND "13"'),
    ("  ", search.NO_MATCH),
    ("！？", search.NO_MATCH),
    (None, search.NO_MATCH),
])
def test_search_query(text, query):
    assert search.search_query(text) == query


# The index and its triggers --------------------------------------------------

def write(state, table: str, fields: dict, record_id: str | None = None) -> str:
    record_id = record_id or str(uuid.uuid4())
    conn = state.records.get()
    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        batch.server_write(table, record_id, fields)
        batch.flush()
    return record_id


def found(state, table: str, text: str) -> set[str]:
    rows = state.records.get().execute(
        f"SELECT id FROM {table} WHERE {search.match_clause(table, 'text')}", {"text": text})
    return {row[0] for row in rows}


def test_index_follows_writes(state):
    customer = write(state, "customers", {"name": "张伟", "company": "木地板安装公司"})
    assert found(state, "customers", "地板") == {customer}

    write(state, "customers", {"company": "瓷砖贸易行"}, customer)
    assert found(state, "customers", "地板") == set()
    assert found(state, "customers", "瓷砖") == {customer}
    assert found(state, "customers", "张伟") == {customer}

    state.records.get().execute("DELETE FROM customers WHERE id = ?", (customer,))
    assert found(state, "customers", "瓷砖") == set()


def test_batch_upsert_indexes_every_row(state):
    conn = state.records.get()
    ids = [str(uuid.uuid4()) for _ in range(300)]
    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        for number, record_id in enumerate(ids):
            batch.server_write("customers", record_id, {"name": f"客户{number:03d}", "company": "木地板安装公司"})
        batch.flush()
    assert found(state, "customers", "地板") == set(ids)

    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        batch.preload("customers", ids)
        for record_id in ids[:100]:
            batch.server_write("customers", record_id, {"company": "瓷砖贸易行"})
        batch.server_write("customers", str(uuid.uuid4()), {"name": "新客户", "company": "瓷砖贸易行"})
        batch.flush()
    assert found(state, "customers", "地板") == set(ids[100:])
    assert len(found(state, "customers", "瓷砖")) == 101
    assert found(state, "customers", "客户007") == {ids[7]}
    staged = conn.execute("SELECT count(*) FROM temp.genzong_upsert_customers").fetchone()[0]
    assert staged == 0


def test_batch_upsert_rolled_back(state):
    conn = state.records.get()
    with pytest.raises(RuntimeError):
        with transaction(conn):
            batch = Batch(conn, now_stamp(), None, "server")
            batch.server_write("customers", str(uuid.uuid4()), {"name": "回滚客户"})
            batch.flush()
            raise RuntimeError("stop before commit")
    assert found(state, "customers", "回滚") == set()
    assert conn.execute("SELECT count(*) FROM customers WHERE name = '回滚客户'").fetchone()[0] == 0

    customer = write(state, "customers", {"name": "回滚之后"})
    assert found(state, "customers", "回滚") == {customer}


def test_unchanged_text_keeps_index(state):
    customer = write(state, "customers", {"name": "刘洋", "phone": "13700001111"})
    write(state, "customers", {"stage": "跟进中", "interest": 8}, customer)
    assert found(state, "customers", "0000") == {customer}


def test_stale_index_rebuilt(state):
    conn = state.records.get()
    customer = write(state, "customers", {"name": "陈静"})
    search.drop_search_triggers(conn)
    conn.execute("UPDATE customers SET notes = '新增的备注' WHERE id = ?", (customer,))
    assert found(state, "customers", "备注") == set()

    conn.execute("UPDATE meta SET value = 'older' WHERE key = 'search_index_version'")
    upgrade(conn)
    assert found(state, "customers", "备注") == {customer}
    write(state, "customers", {"notes": "改过的说明"}, customer)
    assert found(state, "customers", "说明") == {customer}


def test_missing_index_created(state):
    conn = state.records.get()
    ticket = write(state, "tickets", {"kind": "投诉", "subject": "地板异响"})
    search.drop_search_triggers(conn)
    conn.execute("DROP TABLE tickets_search")
    upgrade(conn)
    assert found(state, "tickets", "异响") == {ticket}


# Through Datasette -----------------------------------------------------------

@pytest.fixture(scope="module")
def published(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("search"), demo_customers=None)
    opened.state.accounts().add("jingli", "genzong123", "manager", "王经理")
    response = opened.client.post("/api/login", json={"username": "jingli", "password": "genzong123"})
    opened.client.cookies.clear()
    device = Device(opened.client, response.json()["token"])
    zhang = device.edit("customers", name="张伟", company="杭州木地板安装有限公司", phone="13912345678",
                        email="Zhang.Wei@Example.cn")
    device.edit("customers", name="李娜", company="上海装饰", phone="021-62345678")
    # 地 and 板 end and start two different words here, so 地板 must not match.
    device.edit("customers", name="赵敏", address="杭州木地 板桥路 8 号")
    device.edit("follow_ups", customer_id=zhang, happened_at="2026-03-02T02:00:00.000Z", channel="拜访",
                content="客户确认木地板安装时间")
    device.edit("tickets", kind="投诉", customer_id=zhang, subject="木地板安装后起拱", contact="13912345678")
    device.sync()
    assert not device.rejected
    yield opened
    close_published(opened)


def box(published, table: str, text: str) -> list[dict]:
    return published.rows(f"/data/genzong/{table}", _search=text)


@pytest.mark.parametrize("text,names", [
    ("地板", {"张伟"}),
    ("木地板安装", {"张伟"}),
    ("安装", {"张伟"}),
    ("张", {"张伟"}),
    ("板", {"张伟", "赵敏"}),
    ("1234", {"张伟"}),
    ("6234", {"李娜"}),
    ("3912-345", {"张伟"}),
    ("example", {"张伟"}),
    ("杭州 装", {"张伟"}),
    ("板木", set()),
    ("xyz", set()),
    ("！！", set()),
])
def test_customer_search_box(published, text, names):
    assert {row["name"] for row in box(published, "customers", text)} == names


def test_search_box_other_tables(published):
    assert [row["content"] for row in box(published, "follow_ups", "确认")] == ["客户确认木地板安装时间"]
    assert [row["subject"] for row in box(published, "tickets", "起拱")] == ["木地板安装后起拱"]
    assert box(published, "tickets", "确认") == []


def test_search_box_page(published):
    response = published.get("/data/genzong/customers", params={"_search": "地板"})
    assert response.status_code == 200
    assert 'value="地板"' in response.text
    assert "search matches &#34;地板&#34;" in response.text
    assert "1 row" in response.text


@pytest.mark.parametrize("text,names", [
    ("张", {"张伟"}),
    ("板", {"张伟", "赵敏"}),
    ("地板", {"张伟"}),
    ("1234", {"张伟"}),
    ("6234", {"李娜"}),
    ("杭州 装", {"张伟"}),
    ("板木", set()),
])
def test_customer_list_search_box(published, text, names):
    assert {row["客户名称"] for row in box(published, "customer_list", text)} == names


def test_customer_list_search_by_code(published):
    codes = {row["客户名称"]: row["客户编号"] for row in published.rows("/data/genzong/customer_list")}
    assert {row["客户名称"] for row in box(published, "customer_list", codes["李娜"])} == {"李娜"}
    assert {row["客户名称"] for row in box(published, "customer_list", codes["李娜"].lower())} == {"李娜"}


def test_customer_list_search_page(published):
    response = published.get("/data/genzong/customer_list", params={"_search": "板", "客户名称": "赵敏"})
    assert response.status_code == 200
    assert 'name="_search"' in response.text
    assert 'value="板"' in response.text
    assert "search matches &#34;板&#34;" in response.text
    assert "1 row where" in response.text

    facets = published.get("/data/genzong/customer_list.json", params={"_search": "板"}).json()
    assert facets["filtered_table_rows_count"] == 2
    assert sum(item["count"] for item in facets["facet_results"]["负责人"]["results"]) == 2


def test_search_query_across_tables(published):
    rows = published.rows("/data/genzong/search", 关键词="木地板安装")
    assert [(row["类型"], row["客户名称"]) for row in rows] == [("客户", "张伟"), ("跟进记录", "张伟"), ("工单", "张伟")]
    by_phone = published.rows("/data/genzong/search", 关键词="3912")
    assert [row["类型"] for row in by_phone] == ["客户", "工单"]
    single = published.rows("/data/genzong/search", 关键词="拱")
    assert [row["类型"] for row in single] == ["工单"]
    assert published.rows("/data/genzong/search", 关键词="") == []


def test_search_query_links_views(published):
    """Each result's 查看 link opens the record in 客户一览, 跟进记录 or 投诉台账, with the search's own time."""
    rows = published.rows("/data/genzong/search", 关键词="木地板安装")
    links = [row["链接"] for row in rows]
    assert [urlsplit(link).path for link in links] == [
        "/data/genzong/customer_list", "/data/genzong/follow_up_log", "/data/genzong/ticket_log"]

    page = published.get("/data/genzong/search", params={"关键词": "木地板安装"})
    assert page.status_code == 200
    hrefs = [html.unescape(href) for href in re.findall(
        r'<a href="(/data/genzong/[^"]+)"><span class="genzong-text" lang="zh-CN">查看</span>', page.text)]
    assert hrefs == links

    customer = linked_rows(published, links[0])
    assert [(row["客户名称"], row["客户编号"]) for row in customer] == [("张伟", rows[0]["编号"])]
    follow_up = linked_rows(published, links[1])
    assert [row["跟进内容"] for row in follow_up] == ["客户确认木地板安装时间"]
    assert follow_up[0]["跟进时间"] == rows[1]["时间"], "the view shows the local time the search shows"
    ticket = linked_rows(published, links[2])
    assert [(row["主题"], row["工单编号"]) for row in ticket] == [("木地板安装后起拱", rows[2]["编号"])]


def linked_rows(published, link: str) -> list[dict]:
    """Return the rows of the page that a 链接 value opens."""
    parts = urlsplit(link)
    return published.rows(parts.path, **dict(parse_qsl(parts.query)))


def test_search_link_pastes_after_address(published):
    """The CSV's 链接 is a path from the server's root that opens the same page."""
    download = published.get("/data/genzong/search.csv", params={"关键词": "木地板安装"})
    assert download.status_code == 200
    links = [row["链接"] for row in csv.DictReader(io.StringIO(download.content.decode("utf-8-sig")))]
    assert len(links) == 3
    for link in links:
        assert link.startswith("/data/genzong/")
        assert len(linked_rows(published, link)) == 1, link


def test_search_link_pages_fast(published):
    """A linked view filters through an index: no full scan of customers or follow-ups."""
    rows = published.rows("/data/genzong/search", 关键词="木地板安装")
    for link in (rows[0]["链接"], rows[1]["链接"]):
        view = urlsplit(link).path.rsplit("/", 1)[1]
        filters = parse_qsl(urlsplit(link).query)
        where = " AND ".join(f'"{name}" = ?' for name, _ in filters)
        with sqlite3.connect(published.data.database) as conn:
            register_functions(conn)
            plan = conn.execute(f"EXPLAIN QUERY PLAN SELECT * FROM {view} WHERE {where}",
                                [value for _, value in filters]).fetchall()
        details = [row[-1] for row in plan]
        assert not any(re.match(r"SCAN (c|f)\b", detail) for detail in details), (link, details)


def test_link_column_other_values_unlinked(published):
    """A 链接 value that is not a path to a linked view of this database stays text."""
    sql = ("select 'users/x' as 链接 union all select '/data/genzong/users?id=1' "
           "union all select 'https://example.com/data/genzong/customer_list' "
           "union all select '/data/genzong/customer_list/../users'")
    page = published.get("/data/genzong", params={"sql": sql})
    assert page.status_code == 200
    assert "查看</span>" not in page.text
    assert "users/x" in page.text


def manager_device(published) -> Device:
    response = published.client.post("/api/login", json={"username": "jingli", "password": "genzong123"})
    published.client.cookies.clear()
    device = Device(published.client, response.json()["token"])
    device.sync()
    return device


def test_search_query_shows_latest_thousand(published):
    """Past 1,000 matches of the chosen kind, the page shows the latest 1,000 and reports it is truncated."""
    device = manager_device(published)
    li_na = next(cid for cid, row in device.rows("customers").items() if row["name"] == "李娜")
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for minute in range(1005):
        device.edit("follow_ups", customer_id=li_na, happened_at=format_stamp(start + timedelta(minutes=minute)),
                    channel="电话", content=f"第 {minute} 次核对账单")
    device.sync()

    response = published.get("/data/genzong/search.json",
                             params={"关键词": "核对账单", "类型": "跟进记录", "_shape": "objects"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["truncated"] is True
    contents = [row["内容"] for row in body["rows"]]
    assert len(contents) == 1000
    assert contents[0] == "第 1004 次核对账单"
    assert contents[-1] == "第 5 次核对账单"

    every_kind = [row["内容"] for row in published.rows("/data/genzong/search", 关键词="核对账单")]
    assert every_kind[:100] == contents[:100]
    assert every_kind[100:] == ["只显示了最新的 100 条跟进记录。要看更多，类型选 跟进记录（最多 1,000 条）。"]


def test_search_query_skips_tombstones(published):
    # Runs last in this module: it deletes customers.
    device = manager_device(published)
    customers = {row["name"]: cid for cid, row in device.rows("customers").items()}
    device.delete("customers", customers["李娜"])
    device.edit("tickets", kind="投诉", complainant="匿名", subject="木地板安装后有异响")
    device.sync()
    assert published.rows("/data/genzong/search", 关键词="6234") == []
    assert [row["deleted"] for row in box(published, "customers", "6234")] == [1]
    assert published.rows("/data/genzong/search", 关键词="核对账单") == [], "a deleted customer's follow-ups"

    device.delete("customers", customers["张伟"])
    device.sync()
    rows = published.rows("/data/genzong/search", 关键词="木地板安装")
    assert [(row["类型"], row["客户名称"]) for row in rows] == [("工单", "匿名")], \
        "a deleted customer's tickets leave, a ticket without a customer stays"


@pytest.mark.parametrize(("arguments", "expected"), [
    (("/data/genzong/ticket_log", "工单编号", "GD000001"),
     "/data/genzong/ticket_log?%E5%B7%A5%E5%8D%95%E7%BC%96%E5%8F%B7=GD000001"),
    (("/p", "a", "1+2 &x", "b", 3), "/p?a=1%2B2%20%26x&b=3"),
    (("/p",), "/p"),
    (("/p", "a", None), None),
    (("/p", "a"), None),
])
def test_page_url_function(arguments, expected):
    conn = sqlite3.connect(":memory:")
    register_functions(conn)
    placeholders = ", ".join("?" for _ in arguments)
    assert conn.execute(f"SELECT page_url({placeholders})", arguments).fetchone()[0] == expected
