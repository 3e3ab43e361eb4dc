"""The project, risk and survey views and canned queries, against values computed in Python.

The data is the demo (300 customers, with projects, risks and surveys) plus
records a manager's device syncs for the edge cases. Those are stages
finished early and late, an overdue stage, a stage without a plan, a paused
and a deleted project, unrated and closed risks, a survey with no answer,
and one that answered a question no longer configured. The expected values
read the raw tables with a plain sqlite3 connection.
"""

import json
import sqlite3
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from genzong.server.db import transaction
from genzong.server.records import Batch
from genzong.server.settings import DEFAULT_SURVEY_QUESTIONS
from genzong.server.timeutil import now_stamp

from device import Device
from published import close_published, open_published

ZONE = ZoneInfo("Asia/Shanghai")
TOLERANCE = 0.0051  # SQLite rounds halves away from zero, Python to even


@pytest.fixture(scope="module")
def today():
    return datetime.now(ZONE).date()


@pytest.fixture(scope="module")
def published(tmp_path_factory, today):
    opened = open_published(tmp_path_factory.mktemp("project-queries"))
    add_edge_cases(opened, today)
    yield opened
    close_published(opened)


def day(today: date, offset: int) -> str:
    return (today + timedelta(days=offset)).isoformat()


def previous_month(month: str) -> str:
    first = date.fromisoformat(f"{month}-01")
    return (first - timedelta(days=1)).strftime("%Y-%m")


def add_edge_cases(published, today: date) -> None:
    response = published.client.post("/api/login", json={"username": "jingli", "password": "genzong123"})
    published.client.cookies.clear()
    device = Device(published.client, response.json()["token"])
    device.sync()
    customers = device.rows("customers")
    owned = sorted((cid for cid, c in customers.items() if c.get("owner_id")), key=lambda cid: customers[cid]["code"])
    target = owned[0]
    owner = customers[target]["owner_id"]

    late = device.edit("projects", customer_id=target, name="边界项目", owner_id=owner, status="进行中")
    for position, (name, planned, actual) in enumerate((
            ("量房", -10, -12), ("报价", -5, -2), ("签约", -4, None), ("备货", None, None), ("安装", 3, None))):
        device.edit("project_stages", project_id=late, name=name, position=position,
                    planned_on=day(today, planned) if planned is not None else None,
                    actual_on=day(today, actual) if actual is not None else None)
    paused = device.edit("projects", customer_id=target, name="暂停项目", owner_id=owner, status="已暂停")
    device.edit("project_stages", project_id=paused, name="量房", position=0, planned_on=day(today, -20))
    gone = device.edit("projects", customer_id=target, name="已删除项目", owner_id=owner, status="进行中")
    device.edit("project_stages", project_id=gone, name="量房", position=0, planned_on=day(today, -20))
    device.edit("risks", project_id=gone, description="已删除项目的风险", probability=5, impact=5)

    device.edit("risks", project_id=late, category="进度", description="高风险未到期", probability=4, impact=5,
                status="待处理", due_on=day(today, 10))
    device.edit("risks", project_id=late, category="人员", description="低风险已逾期", probability=2, impact=2,
                status="处理中", due_on=day(today, -3))
    device.edit("risks", project_id=late, category="成本", description="已关闭的高风险", probability=5, impact=5,
                status="已关闭", due_on=day(today, -30))
    device.edit("risks", project_id=late, category="技术", description="尚未评估的风险")
    device.edit("risks", project_id=paused, category="质量", description="暂停项目的中风险", probability=3,
                impact=3, due_on=day(today, 5))
    device.sync()
    device.delete("projects", gone)

    month = today.strftime("%Y-%m")
    device.edit("surveys", customer_id=target, kind="回访", surveyed_on=f"{month}-01",
                answers={q["key"]: None for q in DEFAULT_SURVEY_QUESTIONS}, comment="客户没空回答")
    device.edit("surveys", customer_id=target, kind="安装", surveyed_on=f"{previous_month(month)}-02",
                answers={"product": 2, "legacy": 1, "service": None})
    device.sync()
    assert not device.rejected, device.rejected


# Reading the raw tables ------------------------------------------------------

@pytest.fixture(scope="module")
def raw(published):
    conn = sqlite3.connect(published.data.database)
    conn.row_factory = sqlite3.Row
    tables = {name: [dict(row) for row in conn.execute(f"SELECT * FROM {name}")]
              for name in ("customers", "projects", "project_stages", "risks", "surveys", "tickets", "users")}
    conn.close()
    return tables


def user_name(raw, user_id, empty="未指定"):
    return empty if user_id is None else {u["id"]: u["name"] for u in raw["users"]}[user_id]


def live_projects(raw) -> dict:
    customers = {c["id"]: c for c in raw["customers"] if not c["deleted"]}
    return {p["id"]: {**p, "customer": customers[p["customer_id"]]} for p in raw["projects"]
            if not p["deleted"] and p["customer_id"] in customers}


def days(start: str, end) -> int:
    return (date.fromisoformat(end) if isinstance(end, str) else end).toordinal() - date.fromisoformat(start).toordinal()


def expected_stages(raw, today: date) -> list[dict]:
    """Each live stage with its lateness, state and whether it is current, by the documented rules."""
    projects = live_projects(raw)
    by_project = defaultdict(list)
    for stage in raw["project_stages"]:
        if not stage["deleted"] and stage["project_id"] in projects:
            by_project[stage["project_id"]].append(stage)
    result = []
    for project_id, stages in by_project.items():
        project = projects[project_id]
        in_progress = (project["status"] or "进行中") == "进行中"
        stages.sort(key=lambda s: (s["position"] or 0, s["name"], s["id"]))
        unfinished = [s for s in stages if s["actual_on"] is None]
        for stage in stages:
            planned, actual = stage["planned_on"], stage["actual_on"]
            if planned is None:
                late = None
            elif actual:
                late = max(days(planned, actual), 0)
            elif in_progress and today > date.fromisoformat(planned):
                late = days(planned, today)
            else:
                late = 0
            if actual and planned is None:
                state = "已完成"
            elif actual:
                state = "延期完成" if actual > planned else "按期完成"
            else:
                state = "已逾期" if late else "未完成"
            result.append({**stage, "project": project, "late": late, "state": state,
                           "current": bool(unfinished) and unfinished[0]["id"] == stage["id"],
                           "done_count": len(stages) - len(unfinished), "total": len(stages)})
    return result


def expected_risks(raw, today: date) -> list[dict]:
    projects = live_projects(raw)
    result = []
    for risk in raw["risks"]:
        if risk["deleted"] or risk["project_id"] not in projects:
            continue
        project = projects[risk["project_id"]]
        exposure = risk["probability"] * risk["impact"] if risk["probability"] and risk["impact"] else None
        is_open = risk["status"] != "已关闭"
        overdue = days(risk["due_on"], today) if is_open and risk["due_on"] and risk["due_on"] < today.isoformat() else 0
        attention = is_open and project["status"] not in ("已完成", "已取消") and (overdue > 0 or (exposure or 0) >= 15)
        if exposure is None:
            level = None
        elif exposure >= 15:
            level = "高"
        elif exposure >= 8:
            level = "中"
        else:
            level = "低"
        result.append({**risk, "project": project, "exposure": exposure, "overdue": overdue, "open": is_open,
                       "attention": attention, "level": level, "status": risk["status"] or "待处理"})
    return result


# Projects --------------------------------------------------------------------

def test_edge_cases_arrived(raw):
    assert any(p["name"] == "边界项目" for p in raw["projects"])
    assert sum(p["deleted"] for p in raw["projects"]) == 1
    assert len([p for p in raw["projects"] if not p["deleted"]]) > 20, "the demo makes projects"
    assert len(raw["surveys"]) > 20, "the demo makes surveys"


def test_project_progress_query(published, raw, today):
    rows = published.rows("/data/genzong/project_progress")
    want = sorted((s["project"]["customer"]["code"], s["project"]["name"], s["position"] + 1, s["name"],
                   s["planned_on"], s["actual_on"], s["late"], s["state"], "是" if s["current"] else "否",
                   f"{s['done_count']}/{s['total']}", user_name(raw, s["project"]["owner_id"]))
                  for s in expected_stages(raw, today))
    got = sorted((r["客户编号"], r["项目名称"], r["序号"], r["阶段"], r["计划完成日期"], r["实际完成日期"],
                  r["延误天数"], r["阶段状态"], r["当前阶段"], r["项目进度"], r["负责人"]) for r in rows)
    assert got == want
    assert "已删除项目" not in {r["项目名称"] for r in rows}

    edge = {r["阶段"]: r for r in rows if r["项目名称"] == "边界项目"}
    assert (edge["量房"]["延误天数"], edge["量房"]["阶段状态"]) == (0, "按期完成")
    assert (edge["报价"]["延误天数"], edge["报价"]["阶段状态"]) == (3, "延期完成")
    assert (edge["签约"]["延误天数"], edge["签约"]["阶段状态"], edge["签约"]["当前阶段"]) == (4, "已逾期", "是")
    assert edge["备货"]["延误天数"] is None
    assert (edge["安装"]["延误天数"], edge["安装"]["阶段状态"]) == (0, "未完成")
    paused = [r for r in rows if r["项目名称"] == "暂停项目"]
    assert [(r["延误天数"], r["阶段状态"]) for r in paused] == [(0, "未完成")]


def test_project_progress_by_status(published, raw, today):
    rows = published.rows("/data/genzong/project_progress", 项目状态="已暂停")
    want = [s for s in expected_stages(raw, today) if s["project"]["status"] == "已暂停"]
    assert len(rows) == len(want) > 0
    assert {r["项目状态"] for r in rows} == {"已暂停"}


def test_project_overview_view(published, raw, today):
    rows = published.rows("/data/genzong/project_overview")
    stages = defaultdict(list)
    for stage in expected_stages(raw, today):
        stages[stage["project_id"]].append(stage)
    risks = defaultdict(list)
    for risk in expected_risks(raw, today):
        if risk["open"]:
            risks[risk["project_id"]].append(risk)
    want = []
    for project_id, project in live_projects(raw).items():
        own = stages[project_id]
        done = sum(1 for s in own if s["actual_on"])
        current = next((s for s in own if s["current"]), None)
        current_name = current["name"] if current else None
        if own and current is None:
            current_name = "全部完成"
        exposures = [r["exposure"] for r in risks[project_id] if r["exposure"] is not None]
        want.append((project["customer"]["code"], project["name"], len(own), done,
                     round(done * 100 / len(own)) if own else 0,
                     current_name,
                     current["late"] if current else None,
                     sum(1 for s in own if (s["late"] or 0) > 0), len(risks[project_id]),
                     max(exposures) if exposures else None))
    got = [(r["客户编号"], r["项目名称"], r["阶段总数"], r["已完成阶段"], r["完成进度"], r["当前阶段"],
            r["当前阶段延误天数"], r["延误阶段数"], r["未关闭风险"], r["最高风险值"]) for r in rows]
    assert sorted(got, key=repr) == sorted(want, key=repr)
    assert any(r["当前阶段延误天数"] for r in rows), "some demo projects run late"


# Risks -----------------------------------------------------------------------

def risk_tuple(risk, raw):
    return (risk["project"]["customer"]["code"], risk["project"]["name"], risk["description"], risk["exposure"],
            risk["level"], risk["overdue"], "是" if risk["attention"] else "否", risk["status"],
            user_name(raw, risk["owner_id"]))


def test_risk_list_open(published, raw, today):
    rows = published.rows("/data/genzong/risk_list")
    want = sorted(risk_tuple(r, raw) for r in expected_risks(raw, today) if r["open"])
    got = sorted((r["客户编号"], r["项目名称"], r["风险描述"], r["风险值"], r["风险等级"], r["逾期天数"], r["需关注"],
                  r["状态"], r["负责人"]) for r in rows)
    assert got == want
    exposures = [r["风险值"] for r in rows]
    rated = [value for value in exposures if value is not None]
    assert rated == sorted(rated, reverse=True)
    assert exposures.index(None) == len(rated), "unrated risks come last"
    by_text = {r["风险描述"]: r for r in rows}
    assert (by_text["高风险未到期"]["风险值"], by_text["高风险未到期"]["需关注"]) == (20, "是")
    assert (by_text["低风险已逾期"]["逾期天数"], by_text["低风险已逾期"]["需关注"]) == (3, "是")
    assert by_text["暂停项目的中风险"]["风险等级"] == "中"
    assert by_text["尚未评估的风险"]["风险值"] is None
    assert "已关闭的高风险" not in by_text
    assert "已删除项目的风险" not in by_text


def test_risk_list_closed(published, raw, today):
    rows = published.rows("/data/genzong/risk_list", 状态="已关闭")
    want = sorted(risk_tuple(r, raw) for r in expected_risks(raw, today) if r["status"] == "已关闭")
    got = sorted((r["客户编号"], r["项目名称"], r["风险描述"], r["风险值"], r["风险等级"], r["逾期天数"], r["需关注"],
                  r["状态"], r["负责人"]) for r in rows)
    assert got == want
    closed = next(r for r in rows if r["风险描述"] == "已关闭的高风险")
    assert (closed["逾期天数"], closed["需关注"]) == (0, "否")


# Surveys ---------------------------------------------------------------------

def live_surveys(raw) -> list[dict]:
    customers = {c["id"] for c in raw["customers"] if not c["deleted"]}
    return [{**s, "answers": json.loads(s["answers"]) if s["answers"] else {}} for s in raw["surveys"]
            if not s["deleted"] and s["customer_id"] in customers]


def mean(values):
    return sum(values) / len(values) if values else None


def survey_score(answers: dict):
    return mean([value for value in answers.values() if value is not None])


def expected_month(raw, month: str) -> dict:
    """The monthly report by the rule: answered questions only, overall over survey scores."""
    surveys = live_surveys(raw)
    keys = [q["key"] for q in DEFAULT_SURVEY_QUESTIONS]
    texts = {q["key"]: q["text"] for q in DEFAULT_SURVEY_QUESTIONS}

    def month_of(which):
        return [s for s in surveys if s["surveyed_on"].startswith(which)]

    current, previous = month_of(month), month_of(previous_month(month))
    extra = sorted({k for s in current + previous for k in s["answers"]} - set(keys))
    report = {}
    for key in keys + extra:
        now = [s["answers"][key] for s in current if key in s["answers"]]
        before = [s["answers"][key] for s in previous if key in s["answers"]]
        report[texts.get(key, key)] = {
            "average": mean([v for v in now if v is not None]), "answered": sum(v is not None for v in now),
            "unanswered": sum(v is None for v in now), "previous": mean([v for v in before if v is not None])}
    scores = [survey_score(s["answers"]) for s in current]
    report["总体"] = {"average": mean([s for s in scores if s is not None]),
                    "answered": sum(s is not None for s in scores), "unanswered": sum(s is None for s in scores),
                    "previous": mean([x for x in (survey_score(s["answers"]) for s in previous) if x is not None])}
    return {"rows": report, "count": len(current), "previous_count": len(previous), "order": ["总体"] +
            [texts.get(k, k) for k in keys + extra]}


def close(got, want) -> bool:
    if want is None:
        return got is None
    return got is not None and abs(got - want) <= TOLERANCE


@pytest.mark.parametrize("months_back", [0, 1])
def test_survey_monthly_report(published, raw, today, months_back):
    month = today.strftime("%Y-%m")
    for _ in range(months_back):
        month = previous_month(month)
    rows = published.rows("/data/genzong/survey_monthly", **({"月份": month} if months_back else {}))
    expected = expected_month(raw, month)
    assert [r["问题"] for r in rows] == expected["order"]
    for row in rows:
        want = expected["rows"][row["问题"]]
        assert row["月份"] == month
        assert close(row["平均分"], want["average"]), row
        assert close(row["上月平均分"], want["previous"]), row
        assert (row["回答数"], row["未回答数"]) == (want["answered"], want["unanswered"]), row
        assert (row["调查数"], row["上月调查数"]) == (expected["count"], expected["previous_count"])
        if want["average"] is None or want["previous"] is None:
            assert row["较上月"] is None
        else:
            assert abs(row["较上月"] - (want["average"] - want["previous"])) <= 2 * TOLERANCE, row
    ranked = sorted((r for r in rows[1:] if r["平均分"] is not None), key=lambda r: r["由低到高排名"])
    assert [r["由低到高排名"] for r in ranked] == list(range(1, len(ranked) + 1))
    assert [r["平均分"] for r in ranked] == sorted(r["平均分"] for r in ranked)
    assert rows[0]["由低到高排名"] is None
    assert expected["count"] > 0


def test_survey_monthly_counts_unanswered(published, raw, today):
    """This month's survey without answers counts as a survey but adds no score."""
    rows = published.rows("/data/genzong/survey_monthly")
    overall = rows[0]
    assert overall["问题"] == "总体"
    assert overall["未回答数"] >= 1
    assert overall["回答数"] + overall["未回答数"] == overall["调查数"]
    # The question only last month's edge case answered still shows, with last month's average.
    legacy = next(r for r in rows if r["问题"] == "legacy")
    assert (legacy["平均分"], legacy["上月平均分"], legacy["回答数"]) == (None, 1.0, 0)


@pytest.mark.parametrize("value", ["2026-13", "2026-0", "March", "2026-03-01"])
def test_invalid_month_rejected(published, value):
    response = published.get("/data/genzong/survey_monthly.json", params={"月份": value})
    assert response.status_code == 400
    assert "YYYY-MM" in response.json()["error"]
    assert value in response.json()["error"]


def test_survey_list_view(published, raw):
    rows = published.rows("/data/genzong/survey_list")
    tickets = {t["id"]: t["number"] for t in raw["tickets"]}
    want = sorted((((s["surveyed_on"], s["kind"], tickets.get(s["ticket_id"]), s["comment"],
                     sum(v is not None for v in s["answers"].values()), sum(v is None for v in s["answers"].values())),
                    survey_score(s["answers"])) for s in live_surveys(raw)), key=lambda pair: repr(pair[0]))
    got = sorted((((r["调查日期"], r["调查类型"], r["工单编号"], r["客户意见"], r["已答题数"], r["未答题数"]), r["得分"])
                  for r in rows), key=lambda pair: repr(pair[0]))
    assert [key for key, _ in got] == [key for key, _ in want]
    for (key, got_score), (_, want_score) in zip(got, want):
        assert close(got_score, want_score), key
    assert any(r["工单编号"] for r in rows), "回访 surveys name their ticket"
    empty = next(r for r in rows if r["客户意见"] == "客户没空回答")
    assert empty["得分"] is None
    assert empty["评分明细"] == "产品质量 未回答；安装质量 未回答；服务态度 未回答；响应速度 未回答；总体满意度 未回答"


def test_survey_questions_follow_setting(state):
    """A configured question list replaces the default one, in its order."""
    conn = state.records.get()
    questions = [{"key": "delivery", "text": "送货准时"}, {"key": "install", "text": "安装质量"}]
    with transaction(conn):
        batch = Batch(conn, now_stamp(), None, "server")
        batch.server_write("settings", "0c9f5e2a-3b1d-4c6e-8f70-2a4b6c8d0e1f",
                           {"key": "survey_questions", "value": questions})
        customer = "6a1e0f34-2c55-4c1b-9d0a-7b3e5f6a8c90"
        batch.server_write("customers", customer, {"name": "赵敏", "owner_id": None})
        batch.server_write("surveys", "7b2f1a45-3d66-4d2c-8e1b-8c4f6a7b9d01", {
            "customer_id": customer, "surveyed_on": "2026-03-05", "answers": {"install": 4, "delivery": None}})
        batch.flush()
    assert [tuple(row) for row in conn.execute("SELECT key, text, position FROM survey_questions")] == [
        ("delivery", "送货准时", 0), ("install", "安装质量", 1)]
    row = conn.execute("SELECT 得分, 评分明细 FROM survey_list").fetchone()
    assert tuple(row) == (4.0, "送货准时 未回答；安装质量 4")
