"""Demo projects with stages and risks, and satisfaction surveys, for ``server.demo``.

The demo company sells and installs flooring, so the demo sets the
``project_stages`` setting to a flooring shop's stages, as an admin would.
These records come from their own random generator, so a seed's customers,
follow-ups, receivables and tickets stay as they were before them.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from .records import Batch
from .settings import DEFAULT_SURVEY_QUESTIONS, SETTINGS_NAMESPACE

SEED = 2718
FLOORING_STAGES = ("量房", "报价", "签约", "备货", "安装", "验收", "回访")
PROJECT_NAMES = ("样板间木地板铺装", "别墅实木地板安装", "酒店客房地板翻新", "办公楼强化地板工程",
                 "精装楼盘地板供货", "学校体育馆运动地板", "商铺复合地板铺设", "老房地板翻新")
PROJECT_CONTENT = ("客厅、卧室和书房约 {area} 平方米，含踢脚线和防潮膜", "共 {area} 平方米，业主要求环保等级 ENF",
                   "分两期施工，首期 {area} 平方米", "地暖房间 {area} 平方米，需用地暖专用地板")
RISKS = (
    ("进度", "木地板到货可能延迟一周", "提前与厂家确认发货日期，准备备选型号"),
    ("质量", "地面找平不达标，铺装后可能起拱", "安装前复测含水率和平整度，不达标先找平"),
    ("人员", "安装师傅排期紧张", "提前一周锁定安装班组"),
    ("成本", "实木原料价格上涨，报价可能不足", "合同中约定价格有效期"),
    ("需求", "客户可能在备货后更改颜色", "签约时让客户确认色板并签字"),
    ("技术", "地暖房间需用专用地板和专用胶", "派技术员现场确认地暖类型"),
    ("进度", "楼盘交付推迟，影响进场时间", "每周与物业确认交付进度"),
    ("质量", "卫生间门口防水处理不到位", "加装过门石并做闭水试验"),
)
SURVEY_COMMENTS = ("安装师傅很专业，现场收拾得干净", "送货比约定晚了半天", "地板颜色和样板一致，很满意",
                   "希望售后响应再快一些", "价格有点高，但质量不错", "踢脚线接缝不太整齐", None, None, None)


@dataclass(frozen=True)
class DemoCustomer:
    id: str
    owner_id: str | None
    stage: str


@dataclass(frozen=True)
class DemoTicket:
    id: str
    customer_id: str
    status: str
    visit_on: str | None


class ProjectDemo:
    """Writes the demo's projects, stages, risks and surveys into ``batch``."""

    def __init__(self, batch: Batch, today: date, rng: random.Random | None = None):
        self.batch = batch
        self.today = today
        self.rng = rng or random.Random(SEED)

    def write(self, customers: list[DemoCustomer], tickets: list[DemoTicket]) -> None:
        self.batch.server_write("settings", str(uuid.uuid5(SETTINGS_NAMESPACE, "project_stages")),
                                {"key": "project_stages", "value": list(FLOORING_STAGES)}, history=False)
        for customer in customers:
            if customer.owner_id and customer.stage in ("跟进中", "已成交") and self.rng.random() < 0.3:
                self._project(customer)
            if customer.stage == "已成交" and self.rng.random() < 0.5:
                self._survey(customer.id, "安装", self._day(-self.rng.randint(0, 180)), None)
        for ticket in tickets:
            if ticket.status == "已回访" and ticket.visit_on:
                self._survey(ticket.customer_id, "回访", min(ticket.visit_on, self._day(0)), ticket.id)

    def _project(self, customer: DemoCustomer) -> None:
        rng = self.rng
        project_id = str(uuid.uuid4())
        start = -rng.randint(10, 70)
        planned = []
        for _ in FLOORING_STAGES:
            start += rng.randint(3, 10)
            planned.append(start)
        status = rng.choices(["进行中", "已完成", "已暂停"], [8, 2, 1])[0]
        done = len(FLOORING_STAGES) if status == "已完成" else rng.randint(0, len(FLOORING_STAGES) - 1)
        current = FLOORING_STAGES[done] if done < len(FLOORING_STAGES) else FLOORING_STAGES[-1]
        self.batch.server_write("projects", project_id, {
            "customer_id": customer.id, "name": rng.choice(PROJECT_NAMES), "owner_id": customer.owner_id,
            "content": rng.choice(PROJECT_CONTENT).format(area=rng.randrange(60, 400, 5)),
            "stage": current, "status": status, "expected_completion": self._day(planned[-1]),
            "outcome": "按期验收，客户满意" if status == "已完成" else None,
        }, history=False)
        for position, (name, offset) in enumerate(zip(FLOORING_STAGES, planned)):
            actual = None
            if position < done:
                actual = min(offset + rng.choice([-2, -1, 0, 0, 0, 1, 3, 6]), 0)
            self.batch.server_write("project_stages", str(uuid.uuid4()), {
                "project_id": project_id, "name": name, "position": position, "planned_on": self._day(offset),
                "actual_on": self._day(actual) if actual is not None else None,
            }, history=False)
        for category, description, mitigation in rng.sample(RISKS, rng.choice([0, 1, 1, 2, 3])):
            self.batch.server_write("risks", str(uuid.uuid4()), {
                "project_id": project_id, "category": category, "description": description,
                "probability": rng.choices(range(1, 6), [1, 3, 4, 3, 1])[0],
                "impact": rng.choices(range(1, 6), [1, 2, 4, 3, 2])[0],
                "owner_id": customer.owner_id, "mitigation": mitigation,
                "status": rng.choices(["待处理", "处理中", "已关闭"], [4, 3, 2])[0],
                "due_on": self._day(rng.randint(-12, 25)),
            }, history=False)

    def _survey(self, customer_id: str, kind: str, surveyed_on: str, ticket_id: str | None) -> None:
        rng = self.rng
        # Later months score a little better, so the monthly report shows a trend.
        months_ago = (self.today - date.fromisoformat(surveyed_on)).days // 30
        answers = {}
        for question in DEFAULT_SURVEY_QUESTIONS:
            if rng.random() < 0.12:
                answers[question["key"]] = None
            else:
                answers[question["key"]] = rng.choices(range(1, 6), [1, 2, 5 + months_ago, 9, 8 - months_ago])[0]
        self.batch.server_write("surveys", str(uuid.uuid4()), {
            "customer_id": customer_id, "ticket_id": ticket_id, "kind": kind, "surveyed_on": surveyed_on,
            "answers": answers, "comment": rng.choice(SURVEY_COMMENTS),
        }, history=False)

    def _day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()
