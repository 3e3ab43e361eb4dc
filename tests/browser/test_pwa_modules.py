"""The PWA's pure modules, run in Chromium: the merge against the shared
vectors, the writing rule, money, payment status, 今日 items, customer
search, and the schema and catalogs against the server's registry."""

import json
import re
from pathlib import Path

import pytest

from genzong.server.schema import ENGLISH_CHOICES, ENGLISH_TITLES, TABLES
from .pwa_helpers import REPO

pytestmark = pytest.mark.browser

VECTORS = json.loads((REPO / "tests" / "vectors" / "merge.json").read_text())["cases"]


@pytest.fixture(scope="module")
def merged_vectors(module_page):
    """Every vector case merged by pwa/js/merge.js, as parsed JSON."""
    return module_page.evaluate("""async (cases) => {
        const { merge } = await import('/js/merge.js');
        return cases.map((c) => merge(c.local, c.remote));
    }""", VECTORS)


@pytest.mark.parametrize("index", range(len(VECTORS)), ids=[case["name"] for case in VECTORS])
def test_merge_vector(merged_vectors, index):
    expected = VECTORS[index]["expected"]
    result = merged_vectors[index]
    assert result["version"] == expected["version"]
    assert result["changed"] == expected["changed"]
    assert result["conflicts"] == expected["conflicts"]


def test_merge_does_not_change_inputs(module_page):
    case = next(c for c in VECTORS if c["expected"]["conflicts"])
    unchanged = module_page.evaluate("""async (c) => {
        const { merge } = await import('/js/merge.js');
        const local = structuredClone(c.local), remote = structuredClone(c.remote);
        merge(local, remote);
        return JSON.stringify(local) === JSON.stringify(c.local) && JSON.stringify(remote) === JSON.stringify(c.remote);
    }""", case)
    assert unchanged


def test_write_stamps_after_every_dot(module_page):
    result = module_page.evaluate("""async () => {
        const { write } = await import('/js/write.js');
        const base = {clock: {a: 3, server: 9}, dots: {name: ['a', 3, '2030-01-01T00:00:00.000Z'],
                      code: ['server', 9, '2026-01-01T00:00:00.000Z']}, fields: {name: '张伟', code: 'KH000001'}};
        const now = Date.parse('2026-12-04T08:00:00.000Z');
        const edited = write(base, 'd1', {phone: '138', name: '张伟'}, now);
        const fresh = write(null, 'd1', {name: '李娜'}, now);
        const same = write(edited, 'd1', {phone: '138'}, now);
        return {edited, fresh, same, base};
    }""")
    edited = result["edited"]
    assert edited["clock"] == {"a": 3, "d1": 1, "server": 9}
    assert edited["dots"]["phone"] == ["d1", 1, "2030-01-01T00:00:00.001Z"]
    assert edited["dots"]["name"] == ["a", 3, "2030-01-01T00:00:00.000Z"], "an unchanged value keeps its dot"
    assert result["fresh"]["dots"]["name"] == ["d1", 1, "2026-12-04T08:00:00.000Z"]
    assert result["same"] == edited, "writing the same value changes nothing"
    assert "phone" not in result["base"]["fields"], "write returns a copy"


def test_restamp_moves_only_unsynced_dots(module_page):
    record = module_page.evaluate("""async () => {
        const { restamp } = await import('/js/sync.js');
        const record = {table: 'customers', id: 'x', acked: 1, clock: {d1: 2, server: 5},
            dots: {name: ['d1', 1, '2026-12-04T08:20:00.000Z'], phone: ['d1', 2, '2026-12-04T08:30:00.000Z'],
                   code: ['server', 5, '2026-12-04T08:00:00.000Z']},
            fields: {name: '张伟', phone: '138', code: 'KH000001'}};
        return restamp(record, 'd1', Date.parse('2026-12-04T08:10:00.000Z'));
    }""")
    assert record["dots"]["code"] == ["server", 5, "2026-12-04T08:00:00.000Z"]
    assert record["dots"]["name"] == ["d1", 1, "2026-12-04T08:20:00.000Z"], "an acknowledged dot keeps its stamp"
    # The unsynced write moves to now, but 1 ms after every other dot of the record.
    assert record["dots"]["phone"] == ["d1", 2, "2026-12-04T08:20:00.001Z"]
    assert record["clock"] == {"d1": 2, "server": 5}


def test_restamp_stays_after_kept_aside_version(module_page):
    """An edit of a pulled value the screen showed stays after that value when restamped."""
    record = module_page.evaluate("""async () => {
        const { restamp } = await import('/js/sync.js');
        const record = {table: 'customers', id: 'x', acked: 0, clock: {d1: 1, server: 5},
            dots: {address: ['d1', 1, '2026-12-04T08:30:00.000Z'], code: ['server', 5, '2026-12-04T08:00:00.000Z']},
            fields: {address: '改过的地址', code: 'KH000001'},
            deferred: {clock: {d2: 1, server: 5}, dots: {address: ['d2', 1, '2026-12-04T08:25:00.000Z'],
                       code: ['server', 5, '2026-12-04T08:00:00.000Z']},
                       fields: {address: '新地址', code: 'KH000001'}}};
        return restamp(record, 'd1', Date.parse('2026-12-04T08:10:00.000Z'));
    }""")
    assert record["dots"]["address"] == ["d1", 1, "2026-12-04T08:25:00.001Z"]
    assert record["deferred"]["dots"]["address"] == ["d2", 1, "2026-12-04T08:25:00.000Z"]


@pytest.mark.parametrize("typed, fen", [
    ("1234.5", 123450), ("1,234.50", 123450), ("¥1234", 123400), ("0.1", 10), ("0.29", 29),
    ("１２.３", 1230), (".5", 50), ("12.", 1200), ("", None), ("100000000000", 10_000_000_000_000),
    ("12万", 12_000_000), ("1.5万", 1_500_000), ("¥2.345678 万", 2_345_678), ("10000元", 1_000_000),
    ("3.5万元", 3_500_000),
])
def test_parse_yuan_exact(module_page, typed, fen):
    result = module_page.evaluate("async (text) => (await import('/js/money.js')).parseYuan(text)", typed)
    assert result == {"fen": fen}


@pytest.mark.parametrize("typed, error", [
    ("5000.001", "money.decimals"), ("-3", "money.negative"), ("abc", "money.invalid"), ("1.2.3", "money.invalid"),
    ("100000000000.01", "money.too_large"), ("99999999999999999", "money.too_large"),
    ("万", "money.invalid"), ("1.2345678万", "money.decimals"), ("-2万", "money.negative"),
])
def test_parse_yuan_rejects(module_page, typed, error):
    result = module_page.evaluate("async (text) => (await import('/js/money.js')).parseYuan(text)", typed)
    assert result == {"error": error}


def test_format_fen(module_page):
    shown = module_page.evaluate("""async () => {
        const { formatFen } = await import('/js/money.js');
        return [123450, 5, 0, 100000000, 99].map(formatFen);
    }""")
    assert shown == ["¥1,234.50", "¥0.05", "¥0.00", "¥1,000,000.00", "¥0.99"]


@pytest.mark.parametrize("amount, payments, due, status", [
    (1000, [1000], "2026-12-01", "paid"),
    (1000, [600, 600], "2026-12-01", "paid"),
    (1000, [300], "2026-12-03", "overdue"),
    (1000, [], "2026-12-03", "overdue"),
    (1000, [300], "2026-12-04", "partial"),
    (1000, [], "2026-12-10", "unpaid"),
    (1000, [], None, "unpaid"),
])
def test_receivable_status(module_page, amount, payments, due, status):
    result = module_page.evaluate("""async ([amount, payments, due]) => {
        const { receivableStatus } = await import('/js/payments.js');
        return receivableStatus({amount_fen: amount, due_date: due},
            [...payments.map((fen) => ({amount_fen: fen})), {amount_fen: 999, deleted: true}], '2026-12-04');
    }""", [amount, payments, due])
    assert result["status"] == status
    assert result["paid"] == sum(payments)
    assert result["outstanding"] == max(amount - sum(payments), 0)
    assert result["overpaid"] == max(sum(payments) - amount, 0)


def test_today_in_organisation_time_zone(module_page):
    # 2026-12-04T17:30Z is already 12-05 in Shanghai but still 12-04 in New York.
    days = module_page.evaluate("""async () => {
        const { todayIn, zonedToUtc } = await import('/js/dates.js');
        const now = Date.parse('2026-12-04T17:30:00.000Z');
        return [todayIn('Asia/Shanghai', now), todayIn('America/New_York', now),
                new Date(zonedToUtc('2026-12-05', '09:00', 'Asia/Shanghai')).toISOString(),
                new Date(zonedToUtc('2026-07-01', '09:00', 'America/New_York')).toISOString()];
    }""")
    assert days == ["2026-12-05", "2026-12-04", "2026-12-05T01:00:00.000Z", "2026-07-01T13:00:00.000Z"]


def test_cached_dates_keep_zones_apart(module_page):
    """zonedParts and addDays cache their results; a repeated call must return
    the same result as the first, per time zone and per number of days."""
    result = module_page.evaluate("""async () => {
        const { addDays, zonedParts } = await import('/js/dates.js');
        const now = Date.parse('2026-12-04T17:30:45.000Z');
        const results = () => [zonedParts(now, 'Asia/Shanghai'), zonedParts(now, 'America/New_York'),
                             addDays('2026-12-30', 3), addDays('2026-12-30', -30)];
        const first = results();
        const again = results();
        return { first, again, frozen: Object.isFrozen(again[0]) };
    }""")
    assert result["first"] == [
        {"date": "2026-12-05", "time": "01:30", "seconds": 45},
        {"date": "2026-12-04", "time": "12:30", "seconds": 45},
        "2027-01-02", "2026-11-30"]
    assert result["again"] == result["first"]
    assert result["frozen"], "a caller cannot change a cached result"


def test_due_items(module_page):
    items = module_page.evaluate("""async () => {
        const { dueItems } = await import('/js/reminders.js');
        const me = 'u1';
        const records = {
            users: [{id: 'u1', role: 'manager'}, {id: 'u2', role: 'sales', manager_id: 'u1'},
                    {id: 'u3', role: 'sales', disabled: true}],
            customers: [
                {id: 'c1', name: '张伟', owner_id: me, next_follow_up: '2026-12-05'},
                {id: 'c2', name: '李娜', owner_id: me, next_follow_up: '2026-12-01'},
                {id: 'c3', name: '刘洋', owner_id: me, next_follow_up: '2026-12-06'},
                {id: 'c4', name: '陈静', owner_id: 'u2', next_follow_up: '2026-12-01'},
                {id: 'c5', name: '已删', owner_id: me, next_follow_up: '2026-12-01', deleted: true},
                {id: 'c6', name: '流失', owner_id: me, next_follow_up: '2026-12-01', stage: '已流失'},
                {id: 'c7', name: '公海', owner_id: null, next_follow_up: '2026-12-01'},
                {id: 'c8', name: '停用', owner_id: 'u3', next_follow_up: '2026-12-01'},
                {id: 'c9', name: '已跟进', owner_id: me, next_follow_up: '2026-12-01'},
                {id: 'c10', name: '早跟进', owner_id: me, next_follow_up: '2026-12-02'},
            ],
            // c9 was followed up on its date (local time) without moving it on; c10 before its date.
            follow_ups: [
                {id: 'f1', customer_id: 'c9', happened_at: '2026-11-30T16:30:00.000Z'},
                {id: 'f2', customer_id: 'c10', happened_at: '2026-12-01T15:00:00.000Z'},
                {id: 'f3', customer_id: 'c10', happened_at: '2026-12-03T02:00:00.000Z', deleted: true},
            ],
            receivables: [
                {id: 'r1', customer_id: 'c1', amount_fen: 1000, due_date: '2026-12-07'},
                {id: 'r2', customer_id: 'c1', amount_fen: 1000, due_date: '2026-12-01'},
                {id: 'r3', customer_id: 'c1', amount_fen: 1000, due_date: '2026-12-01'},
                {id: 'r4', customer_id: 'c1', amount_fen: 1000, due_date: '2026-12-20'},
                {id: 'r5', customer_id: 'c1', amount_fen: 1000, due_date: '2026-12-05'},
                {id: 'r6', customer_id: 'c5', amount_fen: 1000, due_date: '2026-12-01'},
            ],
            payments: [{id: 'p1', receivable_id: 'r3', amount_fen: 1000}, {id: 'p2', receivable_id: 'r5', amount_fen: 400}],
            tickets: [
                {id: 't1', kind: '投诉', status: '待处理', customer_id: 'c1', reply_due_at: '2026-12-04T20:00:00.000Z'},
                {id: 't2', kind: '投诉', status: '处理中', customer_id: 'c1', reply_due_at: '2026-12-04T15:00:00.000Z'},
                {id: 't3', kind: '投诉', status: '已解决', customer_id: 'c1', reply_due_at: '2026-12-04T15:00:00.000Z'},
                {id: 't4', kind: '问题', status: '待处理', owner_id: me, reply_due_at: '2026-12-06T15:00:00.000Z'},
                {id: 't5', kind: '问题', status: '待处理', owner_id: me, reply_due_at: '2026-12-04T15:00:00.000Z',
                 first_reply_at: '2026-12-04T14:00:00.000Z'},
                {id: 't6', kind: '投诉', status: '待处理', customer_id: 'c1', reply_due_at: '2026-12-05T03:00:00.000Z'},
                {id: 't7', kind: '问题', owner_id: me, reply_due_at: '2026-12-04T16:00:00.000Z'},
                {id: 't8', kind: '投诉', status: '待处理', customer_id: 'c5', reply_due_at: '2026-12-04T17:00:00.000Z'},
            ],
        };
        // 2026-12-05 01:00 in Shanghai.
        const now = Date.parse('2026-12-04T17:00:00.000Z');
        return {
            mine: dueItems({records, settings: {}, now, ownerId: me}),
            everyone: dueItems({records, settings: {reminder_receivable_days: 0}, now, ownerId: null}),
        };
    }""")
    keys = [item["key"] for item in items["mine"]]
    assert keys == [
        "ticket_overdue:t2:2026-12-04T15:00:00.000Z",
        "ticket_overdue:t7:2026-12-04T16:00:00.000Z",
        "ticket_overdue:t8:2026-12-04T17:00:00.000Z",  # a deleted customer's ticket stays its owner's
        "ticket_due:t1:2026-12-04T20:00:00.000Z",
        "receivable_overdue:r2:2026-12-01",
        "follow_up:c2:2026-12-01",
        "follow_up:c10:2026-12-02",
        "follow_up:c1:2026-12-05",
        "escalation:c4:2026-12-01",  # four days overdue, past the 3-day escalation setting
        "receivable_due:r5:2026-12-05",
        "receivable_due:r1:2026-12-07",
    ]
    by_key = {item["key"]: item for item in items["mine"]}
    assert by_key["receivable_due:r5:2026-12-05"]["outstanding"] == 600
    assert by_key["ticket_due:t1:2026-12-04T20:00:00.000Z"]["url"] == "/#/ticket/t1"
    assert by_key["receivable_overdue:r2:2026-12-01"]["url"] == "/#/customer/c1"
    everyone = [item["key"] for item in items["everyone"]]
    assert "follow_up:c4:2026-12-01" in everyone
    assert "receivable_due:r5:2026-12-05" in everyone
    assert "receivable_due:r1:2026-12-07" not in everyone, "a 0-day window leaves out later due dates"
    assert not [key for key in everyone if key.startswith("escalation")]
    # The team view lists the pool's customers and a disabled rep's, because no other rep follows them up.
    assert "follow_up:c7:2026-12-01" in everyone
    assert "follow_up:c8:2026-12-01" in everyone
    for left_out in ("c7", "c8"):
        assert not [key for key in keys if f":{left_out}:" in key], left_out
    for left_out in ("c3", "c5", "c6", "c9", "r3", "r4", "r6", "t3", "t4", "t5", "t6"):
        assert not [key for key in keys + everyone if f":{left_out}:" in key], left_out



def test_no_escalation_for_demoted_manager(module_page):
    """A manager demoted to sales still named by a rep gets no escalation, as on the server."""
    keys = module_page.evaluate("""async () => {
        const { dueItems } = await import('/js/reminders.js');
        const records = {
            users: [{id: 'u1', role: 'sales'}, {id: 'u2', role: 'sales', manager_id: 'u1'}],
            customers: [{id: 'c1', name: '陈静', owner_id: 'u2', next_follow_up: '2026-12-01'}],
        };
        const now = Date.parse('2026-12-04T17:00:00.000Z');
        return dueItems({records, settings: {}, now, ownerId: 'u1'}).map((item) => item.key);
    }""")
    assert keys == []

def test_customer_search(module_page):
    found = module_page.evaluate("""async () => {
        const { filterCustomers } = await import('/js/customers-query.js');
        const customers = [
            {id: 'a', name: '张伟', company: '杭州绿源地板有限公司', phone: '138-0013-8000', address: '西湖区文三路1号',
             kind: '直接', interest: 9, owner_id: 'u1', stage: '跟进中', next_follow_up: '2026-12-03'},
            {id: 'b', name: '李娜', company: '苏州华信', phone: '13900001234', address: '吴中区', kind: '潜在',
             interest: 3, owner_id: null, stage: '线索', next_follow_up: null},
            {id: 'c', name: 'Wang', company: null, phone: null, address: null, kind: '间接', interest: null,
             owner_id: 'u2', stage: '已成交', next_follow_up: '2026-12-10'},
        ];
        const ctx = {today: '2026-12-05', userId: 'u1'};
        const ids = (filters) => filterCustomers(customers, filters, ctx).map((c) => c.id);
        return {
            digits: ids({text: '8000'}), spaced: ids({text: '0013 8000'}), company: ids({text: '绿源'}),
            address: ids({text: '吴中'}), latin: ids({text: 'wang'}), kind: ids({kind: '潜在'}),
            high: ids({interest: 'high'}), noInterest: ids({interest: 'none'}), mine: ids({owner: 'mine'}),
            pool: ids({owner: 'pool'}), user: ids({owner: 'u2'}), stage: ids({stage: '已成交'}),
            due: ids({next: 'due'}), week: ids({next: 'week'}), none: ids({next: 'none'}), all: ids({}),
        };
    }""")
    assert found == {
        "digits": ["a"], "spaced": ["a"], "company": ["a"], "address": ["b"], "latin": ["c"], "kind": ["b"],
        "high": ["a"], "noInterest": ["c"], "mine": ["a"], "pool": ["b"], "user": ["c"], "stage": ["c"],
        "due": ["a"], "week": ["c"], "none": ["b"], "all": ["a", "c", "b"],
    }


def test_customer_search_reads_record_texts(module_page):
    """The customer search matches follow-up, receivable and ticket texts
    through the text index, which follows the store's changes."""
    result = module_page.evaluate("""async () => {
        const { Store } = await import('/js/store.js');
        const { write } = await import('/js/write.js');
        const { CustomerTextIndex } = await import('/js/customer-text-index.js');
        const { filterCustomers, matchesOwnFields } = await import('/js/customers-query.js');
        const store = new Store(null);
        const now = Date.parse('2026-12-05T08:00:00.000Z');
        const put = (tx, table, id, fields) => tx.putRecord({ table, id, ...write(tx.record(table, id) ?? null, 'server', fields, now), acked: 1 });
        await store.mutate((tx) => {
            put(tx, 'customers', 'a', { name: '张伟', company: '杭州冷库设备有限公司' });
            put(tx, 'customers', 'b', { name: '李娜' });
            put(tx, 'customers', 'c', { name: '王芳' });
            put(tx, 'follow_ups', 'f1', { customer_id: 'b', happened_at: '2026-11-02T02:00:00.000Z', content: '问了冷库的防潮地板' });
            put(tx, 'follow_ups', 'f2', { customer_id: 'b', happened_at: '2026-11-20T02:00:00.000Z', content: '再谈冷库', result: 'Needs a QUOTE' });
            put(tx, 'receivables', 'r1', { customer_id: 'c', order_no: 'DD-2026-117', amount_fen: 100, notes: '分两期付清' });
            put(tx, 'tickets', 't1', { customer_id: 'c', kind: '投诉', number: 'TS000042', subject: '踢脚线开裂' });
        });
        const index = new CustomerTextIndex(store);
        const ctx = { today: '2026-12-05', userId: 'u1', textIndex: index };
        const ids = (text) => filterCustomers(store.list('customers'), { text }, ctx).map((c) => c.id).sort();
        const seen = {};
        seen.coldStore = ids('冷库');
        seen.withoutIndex = filterCustomers(store.list('customers'), { text: '冷库' }, { today: '2026-12-05', userId: 'u1' }).map((c) => c.id);
        seen.result = ids('quote');
        seen.order = ids('DD-2026');
        seen.notes = ids('两期');
        seen.ticketSubject = ids('踢脚线');
        seen.ticketNumber = ids('ts000042');
        seen.latest = index.findMatch('b', '冷库');
        seen.resultMatch = index.findMatch('b', 'quote');
        seen.ownFields = [matchesOwnFields(store.get('customers', 'a'), '冷库'), matchesOwnFields(store.get('customers', 'b'), '冷库')];
        seen.noMatch = index.findMatch('a', '冷库');

        // An edit, a move to another customer, a deletion and a new record, synced in.
        await store.mutate((tx) => {
            put(tx, 'follow_ups', 'f1', { content: '问了冻库' });
            put(tx, 'follow_ups', 'f2', { customer_id: 'c' });
            put(tx, 'tickets', 't1', { deleted: true });
            put(tx, 'follow_ups', 'f3', { customer_id: 'a', happened_at: '2026-12-01T02:00:00.000Z', content: '约了下周量房' });
        });
        seen.afterEdit = ids('冻库');
        seen.moved = ids('再谈');
        seen.coldStoreAfter = ids('冷库');
        seen.deleted = ids('踢脚线');
        seen.added = ids('量房');

        // A cleared store (a logout) leaves nothing behind.
        await store.mutate((tx) => tx.clearAll());
        await store.mutate((tx) => put(tx, 'customers', 'd', { name: '赵敏' }));
        seen.afterClear = ids('量房');
        seen.clearedText = index.textOf('a');
        return seen;
    }""")
    assert result["coldStore"] == ["a", "b"], "a by its company, b by its follow-ups"
    assert result["withoutIndex"] == ["a"]
    assert result["result"] == ["b"], "a follow-up's result counts, in any case"
    assert result["order"] == ["c"]
    assert result["notes"] == ["c"]
    assert result["ticketSubject"] == ["c"]
    assert result["ticketNumber"] == ["c"]
    assert result["latest"] == {"table": "follow_ups", "id": "f2", "date": "2026-11-20T02:00:00.000Z",
                                "text": "再谈冷库", "start": 2}, "the latest follow-up that matches"
    assert result["resultMatch"]["text"] == "Needs a QUOTE"
    assert result["resultMatch"]["start"] == 8
    assert result["ownFields"] == [True, False]
    assert result["noMatch"] is None
    assert result["afterEdit"] == ["b"]
    assert result["moved"] == ["c"], "the follow-up moved with its customer_id"
    assert result["coldStoreAfter"] == ["a", "c"]
    assert result["deleted"] == []
    assert result["added"] == ["a"]
    assert result["afterClear"] == []
    assert result["clearedText"] == ""


def test_customer_list_sorts_names_by_pinyin(module_page):
    names = module_page.evaluate("""async () => {
        const { filterCustomers } = await import('/js/customers-query.js');
        const customers = ['张伟', '王芳', '李娜', '王', 'Wang', '阿强', '赵敏'].map((name, index) => ({
            id: String(index), name, next_follow_up: index === 6 ? '2026-12-01' : null }));
        const sorted = filterCustomers(customers, {text: ''}, {today: '2026-12-05', userId: 'u1'}).map((c) => c.name);
        const expected = ['赵敏', ...customers.slice(0, 6).map((c) => c.name).sort((a, b) => a.localeCompare(b, 'zh-CN'))];
        return {sorted, expected};
    }""")
    assert names["sorted"] == names["expected"]
    assert names["sorted"][:2] == ["赵敏", "阿强"]  # the earliest follow-up first, then 阿 (a) before the rest


def test_schema_matches_server(module_page):
    """pwa/js/schema.js declares the same tables and fields as server/schema.py."""
    tables = module_page.evaluate("async () => (await import('/js/schema.js')).TABLES")
    assert set(tables) == set(TABLES)
    for name, table in TABLES.items():
        mirror = tables[name]
        assert mirror["rank"] == table.rank, name
        assert mirror["writable"] == table.device_writable, name
        assert mirror.get("public", False) == table.public, name
        assert tuple(mirror.get("writeRoles", ())) == table.write_roles, name
        assert (tuple(mirror["parent"]) if mirror["parent"] else None) == table.parent, name
        assert list(mirror["fields"]) == [f.name for f in table.fields], name
        for spec in table.fields:
            field = mirror["fields"][spec.name]
            where = f"{name}.{spec.name}"
            assert field["kind"] == spec.kind, where
            assert field.get("required", False) == spec.required, where
            assert field.get("serverOnly", False) == spec.server_only, where
            assert tuple(field.get("choices", ())) == spec.choices, where
            assert field.get("refTable") == spec.ref_table, where
            if spec.kind == "text":
                assert field["maxLength"] == spec.max_length, where
            if spec.kind == "integer":
                assert (field.get("minimum"), field.get("maximum")) == (spec.minimum, spec.maximum), where


def test_catalogs_complete(module_page):
    """Every key the app uses exists in Chinese and English, and every field and choice has an English name.

    The tables' and fields' English names are the ones the server's English messages use.
    """
    # Modules that bring their own strings add them when imported.
    adders = ["/" + path.relative_to(REPO / "pwa").as_posix() for path in (REPO / "pwa" / "js").rglob("*.js")
              if path.name != "i18n.js" and "addMessages(" in path.read_text()]
    catalogs = module_page.evaluate("""async (modules) => {
        for (const module of modules) await import(module);
        return (await import('/js/i18n.js')).CATALOGS;
    }""", adders)
    zh, en = catalogs["zh"], catalogs["en"]
    source = "\n".join(path.read_text() for path in (REPO / "pwa" / "js").rglob("*.js"))
    used = set(re.findall(r"\bt\('([a-z_]+\.[a-z_.]+)'", source))
    used |= set(re.findall(r"error: '(money\.[a-z_]+)'", source))
    assert used, "the key pattern found no keys"
    assert sorted(used - zh.keys()) == []
    assert sorted(used - en.keys()) == []
    assert sorted(zh.keys() - en.keys()) == []
    # English adds singular forms (<key>_one) of keys both languages have.
    assert sorted(k for k in en if not k.startswith("value.") and k.removesuffix("_one") not in zh) == []
    for name, table in TABLES.items():
        english_title, english_fields = ENGLISH_TITLES[name]
        assert f"table.{name}" in zh
        assert en[f"table.{name}"] == english_title, "the server's English messages use the same name"
        assert list(english_fields) == [spec.name for spec in table.fields], name
        for spec in table.fields:
            assert f"field.{name}.{spec.name}" in zh
            assert en[f"field.{name}.{spec.name}"] == english_fields[spec.name], f"{name}.{spec.name}"
            for value in spec.choices:
                if not value.isascii():  # Chinese values need an English name, the same in the server's messages
                    assert en[f"value.{value}"] == ENGLISH_CHOICES[value], f"{name}.{spec.name} choice {value}"


# English texts that name what the person reads in Chinese elsewhere: a ledger's
# column, a region as typed, the chat apps' own names.
CHINESE_IN_ENGLISH = {
    "dealer.region_hint": "浙江 华东",
    "import.owner_hint": "负责人",
    "orgsettings.hint_chat_webhook_secret": "加签",
    "orgsettings.robot_dingtalk": "钉钉",
    "orgsettings.robot_wecom": "企业微信",
}


def test_english_catalog_without_chinese(module_page):
    """English texts contain no Chinese beyond the names listed in CHINESE_IN_ENGLISH.

    The money error used to ask English readers for "1.5万".
    """
    adders = ["/" + path.relative_to(REPO / "pwa").as_posix() for path in (REPO / "pwa" / "js").rglob("*.js")
              if path.name != "i18n.js" and "addMessages(" in path.read_text()]
    english = module_page.evaluate("""async (modules) => {
        for (const module of modules) await import(module);
        return (await import('/js/i18n.js')).CATALOGS.en;
    }""", adders)
    chinese = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
    found = {key: " ".join(chinese.findall(text)) for key, text in english.items()
             if not key.startswith("value.") and chinese.search(text)}
    assert found == CHINESE_IN_ENGLISH


def test_pulled_version_waits_for_unsynced_writes(module_page):
    """A pulled version stays aside while the record has unsynced writes, so
    the clock sent with them does not claim to have seen the pulled writes."""
    result = module_page.evaluate("""async () => {
        const { Store } = await import('/js/store.js');
        const { SyncClient } = await import('/js/sync.js');
        const { write } = await import('/js/write.js');
        const { app } = await import('/js/context.js');
        const { saveRecord } = await import('/js/edits.js');
        const store = new Store(null);
        const client = new SyncClient(store, { post: async () => { throw new Error('no server here'); } });
        const device = 'd-me';
        const id = '00000000-0000-4000-8000-000000000001';
        const other = '00000000-0000-4000-8000-000000000002';
        const third = '00000000-0000-4000-8000-000000000003';
        const synced = write(null, 'server', { name: '张伟', phone: '138' }, Date.parse('2026-12-04T08:00:00.000Z'));
        const local = write(synced, device, { phone: '139' }, Date.parse('2026-12-04T08:01:00.000Z'));
        const theirs = write(synced, 'd-other', { phone: '137', address: '杭州' }, Date.parse('2026-12-04T08:02:00.000Z'));
        const addressOnly = write(synced, 'd-other', { address: '宁波' }, Date.parse('2026-12-04T08:02:00.000Z'));
        await store.mutate((tx) => {
            tx.setMeta('session', { device, token: 'token' });
            for (const key of [id, other, third]) {
                tx.putRecord({ table: 'customers', id: key, ...local, acked: 0 });
                tx.enqueue('customers', key);
            }
        });
        const response = (results, changes) => ({ server_time: new Date().toISOString(), results, changes,
                                                  revoked: [], cursor: 5, epoch: 'e', more: false, reset: false });
        const pulled = (key, version = theirs) => ({ table: 'customers', id: key, clock: version.clock,
                                                     dots: version.dots, fields: version.fields, deleted: false });
        await store.mutate((tx) => client.applyResponse(tx, device, [], response([],
            [pulled(id), pulled(other), pulled(third, addressOnly)])));
        const queued = {
            clock: store.record('customers', id).clock, shown: store.get('customers', id),
            sent: client.nextBatch().map((item) => item.change.clock),
        };

        const batch = client.nextBatch().filter((item) => item.id === id);
        await store.mutate((tx) => client.applyResponse(tx, device, batch,
            response([{ table: 'customers', id, status: 'merged' }], [])));
        const acknowledged = { record: store.record('customers', id), queued: store.outbox.has(`customers/${id}`) };

        app.store = store;
        app.now = () => Date.parse('2026-12-04T08:01:30.000Z'); // a device clock behind the pulled writes
        await saveRecord('customers', other, { notes: '周六送货', address: '杭州', phone: '139' });
        await saveRecord('customers', third, { notes: '周日送货' });
        const edited = { record: store.record('customers', other), shown: store.get('customers', other) };
        const merged = store.record('customers', third);

        const editBatch = client.nextBatch().filter((item) => item.id === other);
        await store.mutate((tx) => client.applyResponse(tx, device, editBatch,
            response([{ table: 'customers', id: other, status: 'merged' }], [])));
        delete app.now;
        return { queued, acknowledged, edited, merged, editSent: editBatch[0].change,
                 afterEdit: store.record('customers', other) };
    }""")
    queued = result["queued"]
    assert queued["clock"] == {"d-me": 1, "server": 1}, "the record keeps its own clock while queued"
    assert queued["shown"]["phone"] == "137", "the screen shows the later pulled write"
    assert queued["shown"]["address"] == "杭州"
    assert all("d-other" not in clock for clock in queued["sent"]), "the pulled writes are not claimed as seen"

    record = result["acknowledged"]["record"]
    assert not result["acknowledged"]["queued"]
    assert "deferred" not in record, "merged once the server acknowledged the write"
    assert record["clock"] == {"d-me": 1, "d-other": 1, "server": 1}
    assert (record["fields"]["phone"], record["fields"]["address"]) == ("137", "杭州")

    # Merging the pulled version into this edit would drop the unsynced
    # phone 139 on the device, out of the server's sight, so it stays aside.
    edited = result["edited"]
    assert edited["record"]["deferred"]["fields"]["phone"] == "137"
    assert edited["record"]["clock"] == {"d-me": 2, "server": 1}
    assert edited["shown"]["notes"] == "周六送货", "the screen shows the edit"
    assert edited["shown"]["address"] == "杭州"
    sent = result["editSent"]
    assert sent["clock"] == {"d-me": 2, "server": 1}
    assert "address" not in sent["fields"], "a value saved as shown is no write"
    assert sent["dots"]["phone"][:2] == ["d-me", 2], "139 typed over the 137 shown is a new write"
    assert sent["dots"]["notes"][2] == "2026-12-04T08:02:00.001Z", "stamped after the pulled writes shown"
    assert result["afterEdit"]["clock"] == {"d-me": 2, "d-other": 1, "server": 1}
    assert "deferred" not in result["afterEdit"]

    # A pulled version that overwrites no unsynced write merges into the edit.
    merged = result["merged"]
    assert "deferred" not in merged, "an edit is made on what the person sees"
    assert merged["clock"] == {"d-me": 2, "d-other": 1, "server": 1}
    assert (merged["fields"]["phone"], merged["fields"]["address"]) == ("139", "宁波")
    assert merged["fields"]["notes"] == "周日送货"


def test_refresh_keeps_one_listener_per_view(module_page):
    """A view's render registers listeners; refreshing must not pile them up."""
    counts = module_page.evaluate("""async () => {
        const router = await import('/js/router.js');
        const target = new EventTarget();
        let live = 0, renders = 0;
        router.route('/listener-test', { render(params, page) {
            renders += 1;
            const onPing = () => page.refresh();
            target.addEventListener('ping', onPing);
            live += 1;
            page.onLeave(() => { target.removeEventListener('ping', onPing); live -= 1; });
            return document.createElement('div');
        } });
        const main = document.createElement('main');
        document.body.append(main);
        location.hash = '#/listener-test';
        router.start(main);
        for (let i = 0; i < 5; i += 1) target.dispatchEvent(new Event('ping'));
        return { live, renders };
    }""")
    assert counts["live"] == 1
    assert counts["renders"] == 6


PIPELINED_PULL = """async (failingCursor) => {
    const { Store } = await import('/js/store.js');
    const { SyncClient } = await import('/js/sync.js');
    const { write } = await import('/js/write.js');
    const store = new Store(null);
    // A device that pulled before (a cursor of 0 after an empty pull): its pull comes in one part.
    await store.mutate((tx) => { tx.setMeta('session', { device: 'd-me', token: 'token' }); tx.setMeta('cursor', 0); });
    const calls = [];
    const page = (cursor) => {
        const version = write(null, 'server', { name: `客户${cursor + 1}`, kind: '直接' }, Date.parse('2026-12-04T08:00:00.000Z'));
        const id = `00000000-0000-4000-8000-${String(cursor + 1).padStart(12, '0')}`;
        return { server_time: new Date().toISOString(), results: [], revoked: [], epoch: 'e-1', reset: false,
                 cursor: cursor + 1, more: cursor + 1 < 3,
                 changes: [{ table: 'customers', id, clock: version.clock, dots: version.dots, fields: version.fields, deleted: false }] };
    };
    const post = async (path, body) => {
        calls.push({ cursor: body.cursor, epoch: body.epoch, stored: store.getMeta('cursor') ?? 0, changes: body.changes.length });
        return page(body.cursor);
    };
    const client = new SyncClient(store, { post });
    const apply = client.applyResponse.bind(client);
    client.applyResponse = (tx, device, batch, response, ...rest) => {
        if (response.cursor === failingCursor) throw new Error('the disk is full');
        return apply(tx, device, batch, response, ...rest);
    };
    await client.run();
    clearTimeout(client.retryTimer);
    return { calls, state: client.state, cursor: store.getMeta('cursor') ?? 0,
             names: store.records('customers').map((record) => record.fields.name.value ?? record.fields.name).sort() };
}"""


def test_first_pull_page_redraws_at_once(module_page):
    """The first page of a pull redraws after the short delay, even right after a redraw; later pages wait."""
    delays = module_page.evaluate("""async () => {
        const { onStoreChanges } = await import('/js/store-changes.js');
        const store = new EventTarget();
        const runs = [];
        const lastRun = { at: -Infinity };
        const started = performance.now();
        onStoreChanges(store, () => runs.push(performance.now() - started), { delayMs: 20, pullIntervalMs: 600, lastRun });
        const change = (more) => store.dispatchEvent(new CustomEvent('change', { detail: { more } }));
        const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
        change(false); // the login, say, which redraws
        await sleep(60);
        change(true); // the pull's first page
        await sleep(60);
        change(true); // its second page
        await sleep(800);
        return runs;
    }""")

    assert len(delays) == 3
    assert delays[1] < 200, "the first page did not wait for the interval"
    assert delays[2] >= delays[1] + 500, "the second page waited for the interval"



def test_first_pull_second_part_waits_interval(module_page):
    """A first pull redraws for its first page, the end of its first part and its end, not more.

    The second part's first page follows the first part's end at once, so
    it waits for the interval like any later page.
    """
    result = module_page.evaluate("""async () => {
        const { Store } = await import('/js/store.js');
        const { SyncClient } = await import('/js/sync.js');
        const { onStoreChanges } = await import('/js/store-changes.js');
        const { write } = await import('/js/write.js');
        const store = new Store(null);
        await store.mutate((tx) => tx.setMeta('session', { device: 'd-me', token: 'token' }));
        const runs = [];
        const started = performance.now();
        onStoreChanges(store, () => runs.push(Math.round(performance.now() - started)),
                       { delayMs: 20, pullIntervalMs: 3000, lastRun: { at: -Infinity } });
        const changes = [];
        store.addEventListener('change', (event) => changes.push(event.detail.more));
        const customer = (number) => {
            const version = write(null, 'server', { name: `客户${number}`, kind: '直接' }, Date.parse('2026-12-04T08:00:00.000Z'));
            return { table: 'customers', id: `00000000-0000-4000-8000-${String(number).padStart(12, '0')}`,
                     clock: version.clock, dots: version.dots, fields: version.fields, deleted: false };
        };
        const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
        // Each part has two pages of one customer; the second part brings nothing new.
        const post = async (path, body) => {
            await sleep(60);
            const first = Boolean(body.only);
            const cursor = body.cursor + 1;
            return { server_time: new Date().toISOString(), results: [], revoked: [], epoch: 'e-1', reset: false,
                     cursor, more: cursor % 2 === 1, changes: first ? [customer(cursor)] : [] };
        };
        const client = new SyncClient(store, { post });
        await client.run();
        await sleep(200);
        return { runs, changes, pulled: store.getMeta('pulled') ?? null, state: client.state };
    }""")

    assert result["state"] == "idle"
    assert result["pulled"] is None
    assert len(result["changes"]) == 4
    assert len(result["runs"]) == 3, f"redraws at {result['runs']} ms"


def test_offline_keeps_expired_login_state(module_page):
    """Going offline after a 401 leaves the sync state unauthorized, so no request repeats the 401."""
    states = module_page.evaluate("""async () => {
        const { Store } = await import('/js/store.js');
        const { SyncClient } = await import('/js/sync.js');
        const client = new SyncClient(new Store(null));
        await client.start();
        clearInterval(client.periodicTimer);
        const seen = [];
        client.setState('unauthorized');
        window.dispatchEvent(new Event('offline'));
        seen.push(client.state);
        client.setState('idle');
        window.dispatchEvent(new Event('offline'));
        seen.push(client.state);
        return seen;
    }""")

    assert states == ["unauthorized", "offline"]


def test_pull_requests_next_page_while_storing(module_page):
    """Each next page of a pull is requested with the cursor of the page being stored, before it is stored."""
    result = module_page.evaluate(PIPELINED_PULL, None)

    assert result["calls"] == [
        {"cursor": 0, "epoch": None, "stored": 0, "changes": 0},
        {"cursor": 1, "epoch": "e-1", "stored": 0, "changes": 0},
        {"cursor": 2, "epoch": "e-1", "stored": 1, "changes": 0},
    ]
    assert result["state"] == "idle"
    assert result["cursor"] == 3
    assert len(result["names"]) == 3


def test_pull_drops_next_page_when_storing_fails(module_page):
    """A page that cannot be stored stops the pull: the page requested meanwhile is not applied."""
    result = module_page.evaluate(PIPELINED_PULL, 1)

    assert [call["cursor"] for call in result["calls"]] == [0, 1]
    assert result["state"] == "error"
    assert result["cursor"] == 0
    assert result["names"] == []


def test_store_index_follows_changes(module_page):
    """listBy's groups follow every later change: a new record, a record
    moved to another customer, a deletion, a deleted record brought back,
    and a cleared store."""
    steps = module_page.evaluate("""async () => {
        const { Store } = await import('/js/store.js');
        const { write } = await import('/js/write.js');
        const { DELETED } = await import('/js/merge.js');
        const store = new Store(null);
        let now = Date.parse('2026-12-04T08:00:00.000Z');
        const put = (id, fields) => store.mutate((tx) => {
            now += 1000;
            tx.putRecord({ table: 'follow_ups', id, ...write(tx.record('follow_ups', id) ?? null, 'd1', fields, now), acked: 0 });
        });
        const ids = (customer) => store.listBy('follow_ups', 'customer_id', customer).map((row) => row.id).sort();
        const seen = () => ({ a: ids('a'), b: ids('b') });
        const steps = {};
        await put('f1', { customer_id: 'a', content: '电话' });
        steps.before = seen();
        await put('f2', { customer_id: 'a', content: '拜访' });
        steps.added = seen();
        await put('f1', { customer_id: 'b' });
        steps.moved = seen();
        await put('f2', { [DELETED]: true });
        steps.deleted = seen();
        await put('f2', { [DELETED]: false });
        steps.restored = seen();
        await store.mutate((tx) => tx.deleteRecord('follow_ups', 'f1'));
        steps.removed = seen();
        await store.mutate((tx) => tx.clearAll());
        steps.cleared = seen();
        await put('f3', { customer_id: 'b', content: '微信' });
        steps.after_clear = seen();
        steps.fields = store.listBy('follow_ups', 'customer_id', 'b')[0];
        return steps;
    }""")
    assert steps["before"] == {"a": ["f1"], "b": []}
    assert steps["added"] == {"a": ["f1", "f2"], "b": []}
    assert steps["moved"] == {"a": ["f2"], "b": ["f1"]}
    assert steps["deleted"] == {"a": [], "b": ["f1"]}
    assert steps["restored"] == {"a": ["f2"], "b": ["f1"]}
    assert steps["removed"] == {"a": ["f2"], "b": []}
    assert steps["cleared"] == {"a": [], "b": []}
    assert steps["after_clear"] == {"a": [], "b": ["f3"]}
    assert steps["fields"] == {"id": "f3", "customer_id": "b", "content": "微信"}


def test_store_memo_follows_its_tables(module_page):
    """A memo is computed once, kept through changes to other tables, and
    computed again after a change to one of its own."""
    result = module_page.evaluate("""async () => {
        const { Store } = await import('/js/store.js');
        const { write } = await import('/js/write.js');
        const store = new Store(null);
        const now = Date.parse('2026-12-04T08:00:00.000Z');
        const put = (table, id, fields) => store.mutate((tx) => {
            tx.putRecord({ table, id, ...write(null, 'd1', fields, now), acked: 0 });
        });
        let computed = 0;
        const count = () => store.memo('test.followUps', ['follow_ups'], () => {
            computed += 1;
            return store.list('follow_ups').length;
        });
        const seen = [count(), count()];
        await put('customers', 'c1', { name: '张伟' });
        seen.push(count());
        await store.mutate((tx) => tx.setMeta('last_sync', 1));
        seen.push(count());
        await put('follow_ups', 'f1', { customer_id: 'c1', content: '电话' });
        seen.push(count(), count());
        await store.mutate((tx) => tx.clearAll());
        seen.push(count());
        return { seen, computed };
    }""")
    assert result["seen"] == [0, 0, 0, 0, 1, 1, 0]
    assert result["computed"] == 3
