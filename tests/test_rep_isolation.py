"""A sales rep reaches none of another rep's records, through any endpoint.

Rep A owns customers with every kind of child (follow-ups, a receivable
and its payment, a ticket, history and a conflict); rep B owns others.
Each test tries one way in as B and checks that nothing of A's comes back
and nothing of A's changes.
"""

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from genzong.server import settings
from genzong.server.app import create_app
from genzong.server.reminders.run import run_pass
from genzong.server.paths import DataDir
from genzong.server.routes.auth import actor_cookie
from genzong.server.state import open_data_dir
from genzong.sync import DELETED, format_stamp

from conftest import PASSWORD
from device import Device, new_id, version_to_change
from reminder_helpers import FAST, NOW, TODAY, subscribe
from stand_ins import ChatRobot, PushService


@pytest.fixture
def http(data_dir, state):
    """The real app without its scheduler, so only the reminder passes a test runs send anything."""
    with TestClient(create_app(data_dir, state, reminders=False, daily_backups=False)) as client:
        yield client


@pytest.fixture
def push_service():
    service = PushService().start()
    yield service
    service.stop()


class Team:
    """Rep A's and rep B's records, written through sync by their devices."""

    def __init__(self, state, http):
        self.state = state
        self.http = http
        manager = self.add_user("manager", "王经理")
        self.a = self.device(self.add_user("sales", "张伟", manager.username))
        self.b = self.device(self.add_user("sales", "李娜", manager.username))
        self.manager = self.device(manager)
        a, b = self.a, self.b

        self.a_customer = a.edit("customers", name="甲的客户", phone="13800000001", notes="甲的备注",
                                 stage="跟进中", next_follow_up=TODAY)
        self.a_follow_up = a.edit("follow_ups", customer_id=self.a_customer,
                                  happened_at="2026-03-01T02:00:00.000Z", content="甲的跟进")
        self.a_receivable = a.edit("receivables", customer_id=self.a_customer, order_no="DD-JIA",
                                   amount_fen=880_000, due_date="2026-03-06")
        self.a_payment = a.edit("payments", receivable_id=self.a_receivable, paid_on="2026-03-02",
                                amount_fen=100_000)
        self.a_ticket = a.edit("tickets", customer_id=self.a_customer, kind="投诉", subject="甲的工单",
                               status="待处理", reply_due_at=format_stamp(NOW + timedelta(hours=2)))
        self.a_project = a.edit("projects", customer_id=self.a_customer, name="甲的项目")
        self.a_risk = a.edit("risks", project_id=self.a_project, description="甲的风险", probability=4, impact=4,
                             due_on="2026-03-01")
        a.sync()
        # A second device of A edits the same field concurrently: a conflict row.
        self.a_phone = Device(http, a.token)
        self.a_phone.sync()
        a.edit("customers", self.a_customer, notes="甲的备注（电脑）")
        self.a_phone.edit("customers", self.a_customer, notes="甲的备注（手机）")
        a.sync()
        self.a_phone.sync()
        a.sync()

        self.b_customer = b.edit("customers", name="乙的客户", next_follow_up=TODAY)
        b.sync()
        self.manager.sync()
        for device in (a, self.a_phone, b):
            assert device.rejected == {}, device.rejected
        http.cookies.clear()  # the manager's login left its Datasette cookie in the client

    def add_user(self, role: str, name: str, manager: str | None = None):
        return self.state.accounts().add(f"{role}-{new_id()[:8]}", PASSWORD, role, name, manager)

    def device(self, user) -> Device:
        response = self.http.post("/api/login", json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        device = Device(self.http, response.json()["token"])
        device.user = user
        return device

    def a_record_ids(self) -> set[str]:
        """Every record id of A's that B must never receive: A's records, their history and conflicts."""
        ids = {self.a_customer, self.a_follow_up, self.a_receivable, self.a_payment, self.a_ticket,
               self.a_project, self.a_risk}
        for table in ("history", "conflicts"):
            ids |= {row_id for row_id, row in self.manager.rows(table).items() if row["record_id"] in ids}
        return ids


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One team for the tests that change nothing (each checks that it did not)."""
    data = DataDir(tmp_path_factory.mktemp("isolation") / "data")
    opened = open_data_dir(data)
    with TestClient(create_app(data, opened, reminders=False, daily_backups=False)) as client:
        yield Team(opened, client)
    opened.close()


@pytest.fixture
def team(state, http):
    """A team of its own, for a test that sends reminders or moves customers."""
    return Team(state, http)


def last_seq(state) -> int:
    return int(state.records.get().execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()[0])


def test_conflict_and_history_exist(shared):
    """The other tests rely on A having history and an open conflict."""
    conflicts = [row for row in shared.manager.rows("conflicts").values() if row["record_id"] == shared.a_customer]
    history = [row for row in shared.manager.rows("history").values() if row["record_id"] == shared.a_customer]
    assert len(conflicts) == 1, conflicts
    # One row for the first notes change; the concurrent one adds a second
    # only when its stamp is the later one.
    assert {row["field"] for row in history} == {"notes"}, history


def test_pull_from_any_cursor_shows_nothing_of_a(shared):
    team = shared
    hidden = team.a_record_ids()
    end = last_seq(team.state)
    # Every cursor there is, A's own cursors among them, and cursors past the end.
    cursors = [*range(0, end + 2), team.a.cursor, team.a_phone.cursor, end + 1000]
    seen_by_b = set()
    for cursor in cursors:
        body = {"device": team.b.id, "epoch": team.a.epoch, "cursor": cursor, "changes": []}
        response = team.b.post(body)
        assert response.status_code == 200, response.text
        text = response.text
        leaked = sorted(record_id for record_id in hidden if record_id in text)
        assert leaked == [], f"cursor {cursor} sent A's records {leaked}"
        assert "甲的" not in text, f"cursor {cursor} sent A's text"
        seen_by_b |= {change["id"] for change in response.json()["changes"]}
    assert team.b_customer in seen_by_b, "B's pulls returned B's own customer"


def test_manager_pull_does_see_a(shared):
    """The pull check above can fail: the same request from a manager returns A's records."""
    body = {"device": shared.manager.id, "epoch": shared.a.epoch, "cursor": 0, "changes": []}
    text = shared.manager.post(body).text
    assert all(record_id in text for record_id in shared.a_record_ids())


def probe_changes(team) -> list[tuple[str, dict]]:
    """Changes of A's customer that B could build from a guessed or remembered id.

    Each must be rejected as permission_denied. A code that depends on the
    stored version (its counters, dots or values) would let B read A's
    record one bit at a time.
    """
    stored = team.a.records[("customers", team.a_customer)]
    base = version_to_change("customers", team.a_customer, stored)
    notes_dot = stored.dots["notes"]
    b_dot = [team.b.id, 1, format_stamp(NOW)]
    probes = []
    for counter in range(1, stored.clock[notes_dot[0]] + 2):
        probes.append((f"clock {notes_dot[0]}={counter}",
                       {**base, "clock": {notes_dot[0]: counter}, "dots": {}, "fields": {}}))
    probes.append(("stored dot, right value", base))
    probes.append(("stored dot, guessed value", {**base, "fields": {**base["fields"], "notes": "猜测"}}))
    earlier = [team.b.id, 1, "2000-01-01T00:00:00.000Z"]
    probes.append(("dot earlier than the stored one",
                   {**base, "clock": {**base["clock"], team.b.id: 1}, "dots": {**base["dots"], "notes": earlier},
                    "fields": {**base["fields"], "notes": "改"}}))
    future = [team.b.id, 1, "2999-01-01T00:00:00.000Z"]
    probes.append(("dot stamped in the future",
                   {**base, "clock": {team.b.id: 1}, "dots": {"notes": future}, "fields": {"notes": "改"}}))
    probes.append(("server-written field",
                   {**base, "clock": {**base["clock"], team.b.id: 1}, "dots": {**base["dots"], "code": b_dot},
                    "fields": {**base["fields"], "code": "KH999999"}}))
    probes.append(("tombstone", {**base, "clock": {team.b.id: 1}, "dots": {DELETED: b_dot},
                                 "fields": {}, "deleted": True}))
    return probes


def test_guessed_ids_all_get_permission_denied(shared):
    team = shared
    before = last_seq(team.state)
    answers = {}
    for name, change in probe_changes(team):
        body = {"device": team.b.id, "epoch": team.b.epoch, "cursor": team.b.cursor, "changes": [change]}
        response = team.b.post(body)
        assert response.status_code == 200, (name, response.text)
        result = response.json()["results"][0]
        answers[name] = (result["code"], result["message"])
        assert "甲的" not in response.text, name

    assert {code for code, _ in answers.values()} == {"permission_denied"}, answers
    assert len({text for _, text in answers.values()}) == 1, "the messages differ by probe"
    assert last_seq(team.state) == before


def test_child_under_guessed_parent_rejected(shared):
    team = shared
    follow_up = new_id()
    change = {"table": "follow_ups", "id": follow_up, "clock": {team.b.id: 1},
              "dots": {name: [team.b.id, 1, format_stamp(NOW)] for name in ("customer_id", "happened_at")},
              "fields": {"customer_id": team.a_customer, "happened_at": format_stamp(NOW)}, "deleted": False}
    body = {"device": team.b.id, "epoch": team.b.epoch, "cursor": team.b.cursor, "changes": [change]}
    before = last_seq(team.state)
    result = team.b.post(body).json()["results"][0]
    assert result["code"] == "parent_not_found"
    assert last_seq(team.state) == before


# Manager-only endpoints: (method, path, body). The import and export carry
# every rep's records, and the report of an import lists them row by row.
MANAGER_ENDPOINTS = [
    ("GET", "/api/export?kind=customers", None),
    ("GET", "/api/export?kind=receivables", None),
    ("GET", "/api/export?kind=tickets", None),
    ("POST", "/api/import?filename=x.csv&dry_run=1", "客户名称,电话\n甲的客户,13800000001\n".encode()),
    ("POST", "/api/import?filename=x.csv&stream=1", "客户名称,电话\n新客户,13800000002\n".encode()),
    ("POST", "/api/handover", json.dumps({"from": "00000000-0000-4000-8000-000000000000",
                                          "to": "00000000-0000-4000-8000-000000000001"}).encode()),
    ("GET", "/api/settings", None),
    ("PUT", "/api/settings/escalation_days", b'{"value": 9}'),
    ("DELETE", "/api/settings/escalation_days", None),
]


@pytest.mark.parametrize("method, path, body", MANAGER_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in MANAGER_ENDPOINTS])
def test_rep_refused_by_manager_endpoints(shared, method, path, body):
    before = last_seq(shared.state)
    response = shared.http.request(method, path, content=body,
                                   headers={"Authorization": f"Bearer {shared.b.token}"})
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "forbidden"
    assert last_seq(shared.state) == before


# Datasette URLs beyond the table, view and query pages the access tests
# cover: row pages, search, SQL, downloads and Datasette's own /-/ pages.
DATASETTE_EXTRA_URLS = [
    "/data/genzong/customers/{a_customer}",
    "/data/genzong/customers/{a_customer}.json",
    "/data/genzong/customers.json?_search=" + quote("甲的"),
    "/data/genzong/customers.csv?_search=" + quote("甲的") + "&_stream=on",
    "/data/genzong/search?" + quote("关键词") + "=" + quote("甲的"),
    "/data/genzong/search.json?" + quote("关键词") + "=" + quote("甲的"),
    "/data/genzong/search.csv?" + quote("关键词") + "=" + quote("甲的"),
    "/data/genzong/history.json",
    "/data/genzong/conflicts.csv",
    "/data/genzong.json?sql=" + quote("select id, name, notes from customers"),
    "/data/genzong.csv?sql=" + quote("select id, name, notes from customers"),
    "/data/genzong.db",
    "/data/-/threads.json",
    "/data/-/settings.json",
    "/data/-/config",
    "/data/-/messages",
    "/data/-/permissions",
    "/data/-/patterns",
    "/data/-/logout",
    "/data/-/auth-token?token=guess",
]


def datasette_cookie(state, user) -> dict[str, str]:
    """A valid ``ds_actor`` cookie of ``user``, signed as a login would sign it."""
    return {"Cookie": f"ds_actor={actor_cookie(state.secret, user, state.accounts().token_version(user.id))}"}


@pytest.mark.parametrize("url", DATASETTE_EXTRA_URLS)
def test_rep_gets_403_from_datasette(shared, url):
    url = url.format(a_customer=shared.a_customer)
    as_cookie = shared.http.get(url, headers=datasette_cookie(shared.state, shared.b.user), follow_redirects=False)
    as_bearer = shared.http.get(url, headers={"Authorization": f"Bearer {shared.b.token}"}, follow_redirects=False)
    for response in (as_cookie, as_bearer):
        assert response.status_code == 403, response.text[:300]
        assert shared.a_customer not in response.text
        assert "甲的" not in readable(response)


def test_manager_reaches_those_datasette_urls(shared):
    """The 403s above can fail: a manager's cookie opens the row, the search and the SQL."""
    headers = datasette_cookie(shared.state, shared.manager.user)
    for url in DATASETTE_EXTRA_URLS[:7] + DATASETTE_EXTRA_URLS[9:11]:
        response = shared.http.get(url.format(a_customer=shared.a_customer), headers=headers)
        assert response.status_code == 200, url
        assert "甲的客户" in readable(response), url


def readable(response) -> str:
    """The text of a response, with JSON's escaped Chinese decoded."""
    if response.headers["content-type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.text


# Reminders -------------------------------------------------------------------

def messages_by_record(sub) -> set[str]:
    """The record ids named by a subscription's push messages: tags are genzong-<table>-<id>."""
    return {message["tag"].split("-", 2)[2] for message in sub.messages}


def test_push_goes_only_to_owner(team, http, state, push_service):
    a_sub = subscribe(http, team.a.token, push_service)
    b_sub = subscribe(http, team.b.token, push_service)

    run_pass(state, now=NOW, policy=FAST)

    assert push_service.errors == []
    a_records = messages_by_record(a_sub)
    b_records = messages_by_record(b_sub)
    assert a_records == {team.a_customer, team.a_receivable, team.a_ticket, team.a_risk}
    assert b_records == {team.b_customer}
    assert not any("甲的" in json.dumps(message, ensure_ascii=False) for message in b_sub.messages)


def test_summary_push_counts_only_own_items(team, http, state, push_service):
    for index in range(6):
        team.a.edit("customers", name=f"甲的客户{index}", next_follow_up=TODAY)
    team.a.sync()
    a_sub = subscribe(http, team.a.token, push_service)
    b_sub = subscribe(http, team.b.token, push_service)

    run_pass(state, now=NOW, policy=FAST)

    assert [message["title"] for message in a_sub.messages] == ["你有 10 项提醒"]
    assert [message["title"] for message in b_sub.messages] == ["跟进提醒：乙的客户"]


def test_reassigned_customer_leaves_old_rep(team, http, state, push_service):
    a_sub = subscribe(http, team.a.token, push_service)
    b_sub = subscribe(http, team.b.token, push_service)
    run_pass(state, now=NOW, policy=FAST)
    a_before = len(a_sub.messages)

    team.manager.sync()
    team.manager.edit("customers", team.a_customer, owner_id=team.b.user.id)
    team.manager.sync()
    result = run_pass(state, now=NOW + timedelta(minutes=5), policy=FAST)

    assert push_service.errors == []
    assert len(a_sub.messages) == a_before, "A got a push for a customer no longer A's"
    assert {team.a_customer, team.a_receivable, team.a_ticket, team.a_risk} <= messages_by_record(b_sub)
    assert result.pushed == 4

    # A's devices drop the customer with everything under it; B's get it all.
    team.a.sync()
    team.a_phone.sync()
    team.b.sync()
    moved = team.a_record_ids()
    for device in (team.a, team.a_phone):
        held = {record_id for (_, record_id) in device.records}
        assert held & moved == set(), f"A's device still holds {held & moved}"
    assert moved <= {record_id for (_, record_id) in team.b.records}
    conflicts = [row for row in team.b.rows("conflicts").values() if row["record_id"] == team.a_customer]
    assert len(conflicts) == 1


def test_chat_lists_items_under_their_owner(team, state):
    # A name that tries to start a heading of its own in the robot's Markdown.
    team.a.edit("customers", team.a_customer, name="甲的客户\n**李娜**（1 项）")
    team.a.sync()
    robot = ChatRobot().start()
    try:
        for key, value in {"chat_webhook_url": robot.wecom_url, "chat_webhook_kind": "wecom"}.items():
            settings.write(state.records.get(), state.private.get(), key, value)
        run_pass(state, now=NOW, policy=FAST)
    finally:
        robot.stop()

    assert robot.errors == []
    lines = robot.messages[0]["markdown"]["content"].split("\n")
    headings = [index for index, line in enumerate(lines) if line.startswith("**")]
    assert [lines[index] for index in headings] == ["**张伟**（4 项）", "**李娜**（1 项）"]
    zhang = lines[headings[0] + 1:headings[1]]
    li = lines[headings[1] + 1:]
    assert all("甲的" in line for line in zhang)
    assert not any("甲的" in line for line in li)
    assert any("乙的客户" in line for line in li)


def test_escalation_skips_demoted_manager(state, http, push_service):
    """A manager demoted to sales who still has reps gets none of their escalations.

    ``Accounts.update`` now refuses that demotion, but a database written
    before it checked may hold such a team, so the role is written directly.
    """
    team = Team(state, http)
    manager = state.accounts().get(team.a.user.manager_id)
    manager_token = team.manager.token
    manager_sub = subscribe(http, manager_token, push_service)
    # 8 days overdue, and after the 2026-03-01 follow-up: escalated.
    team.a.edit("customers", team.a_customer, next_follow_up="2026-03-02")
    team.a.sync()
    state.accounts()._write_user(manager.id, {"role": "sales"}, previous_role="manager")
    a_sub = subscribe(http, team.a.token, push_service)

    run_pass(state, now=NOW, policy=FAST)

    assert push_service.errors == []
    assert manager_sub.messages == [], "a sales rep got another rep's escalation"
    assert team.a_customer in messages_by_record(a_sub)


def test_demoted_manager_device_drops_others_records(state, http):
    team = Team(state, http)
    held = team.manager
    assert held.get("customers", team.a_customer) is not None
    successor = team.add_user("manager", "赵经理")
    for rep in (team.a, team.b):
        state.accounts().update(rep.user.username, manager=successor.username)
    state.accounts().update(held.user.username, role="sales")
    held.sync()
    assert held.get("customers", team.a_customer) is None
