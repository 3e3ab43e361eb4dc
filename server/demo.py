"""Chinese demo data, so that ``make run`` shows a team at work.

Everything is written as server writes (device ``server``), like an import,
so every device receives it at its first sync. The same seed gives the same
people, companies and amounts; dates follow today, so some follow-ups are
due and some receivables overdue whenever the demo is made.

Dealers (one per city), customer locations and visit check-ins draw from a
second random generator, so they leave the rest of the data as it was. A
few customers are written as if their owner got them weeks ago, so they
return to the public pool within ``pool_warn_days``, and pool customers as
if they entered the pool some days ago.
"""

import math
import random
import uuid
from datetime import datetime, time, timedelta, timezone

from ..sync import format_stamp
from .db import transaction
from .demo_projects import DemoCustomer, DemoTicket, ProjectDemo
from .numbers import NumberCounter
from .records import Batch
from .settings import read_synced
from .timeutil import DEFAULT_TIME_ZONE, now_stamp, today, zone

DEMO_PASSWORD = "genzong123"
DEMO_USERS = (
    # username, role, name, manager
    ("admin", "admin", "系统管理员", None),
    ("jingli", "manager", "王经理", None),
    ("zhangwei", "sales", "张伟", "jingli"),
    ("lina", "sales", "李娜", "jingli"),
    ("liuyang", "sales", "刘洋", "jingli"),
    ("chenjing", "sales", "陈静", "jingli"),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀兰", "霞", "平", "刚", "桂英", "建国", "建华", "志强", "海燕", "晓东", "红梅", "玉兰", "文博", "子涵"]
CITIES = [("杭州市", ["西湖区", "拱墅区", "滨江区", "余杭区"], "0571"), ("上海市", ["浦东新区", "闵行区", "徐汇区"], "021"),
          ("苏州市", ["工业园区", "吴中区", "姑苏区"], "0512"), ("南京市", ["鼓楼区", "江宁区", "秦淮区"], "025"),
          ("宁波市", ["鄞州区", "海曙区"], "0574"), ("合肥市", ["蜀山区", "包河区"], "0551")]
STREETS = ["文三路", "建设路", "人民路", "解放路", "中山路", "长江路", "湖滨路", "学院路", "新华路", "延安路"]
COMPANY_HEADS = ["绿源", "华信", "东方", "金桥", "明德", "恒通", "鑫达", "宏图", "博远", "天成", "瑞丰", "嘉禾", "新元", "诚信"]
COMPANY_TAILS = ["地板有限公司", "装饰工程有限公司", "家居建材商行", "房地产开发有限公司", "物业管理有限公司",
                 "酒店管理有限公司", "室内设计工作室", "贸易有限公司", "建筑安装工程公司"]
TITLES = ["总经理", "采购经理", "项目经理", "设计师", "店长", "业主", "行政主管", "工程部主管", None]
SOURCES = ["老客户介绍", "展会", "电话咨询", "门店到访", "网络推广", "小区活动", "设计师推荐"]
CHANNEL_NOTES = {
    "电话": ["电话沟通报价，客户觉得价格偏高，答应再比较几家", "电话确认量房时间，约在周六上午",
             "回访安装效果，客户表示满意", "提醒客户付款期限将到，客户说月底前安排"],
    "拜访": ["上门量房，客厅和卧室共约 86 平方米", "拜访项目现场，与工程部主管确认铺装进度",
             "带样板上门，客户倾向于橡木色", "现场查看地板起拱情况，拍照记录"],
    "到店": ["客户到店看样，重点看了强化地板和实木复合地板", "到店签订合同，交付定金",
             "客户带家人到店，比较了三款木地板"],
    "微信": ["微信发送报价单和样板照片", "微信发送安装注意事项", "客户微信询问保养方法，已发送说明"],
    "短信": ["短信通知送货时间"], "邮件": ["邮件发送正式报价和合同草案"],
}
RESULTS = ["客户有意向，等待回复", "已约下次见面", "需要出详细报价", "客户暂不考虑", "已成交", None]
# City → (dealer name, region, contact, phone, address, centre (lat, lng)).
DEALERS = {
    "杭州市": ("杭州西湖经销点", "浙江", "周建平", "0571-87231456", "杭州市西湖区文三路88号", (30.2741, 120.1551)),
    "宁波市": ("宁波鄞州经销点", "浙江", "应海波", "0574-88325671", "宁波市鄞州区天童南路588号", (29.8683, 121.5440)),
    "上海市": ("上海浦东经销点", "上海", "沈丽华", "021-58761234", "上海市浦东新区张杨路1200号", (31.2304, 121.4737)),
    "苏州市": ("苏州园区经销点", "江苏", "顾志明", "0512-62897345", "苏州市工业园区星湖街328号", (31.2990, 120.5853)),
    "南京市": ("南京鼓楼经销点", "江苏", "陆晓燕", "025-83246789", "南京市鼓楼区中山北路200号", (32.0603, 118.7969)),
    "合肥市": ("合肥蜀山经销点", "安徽", "汪国庆", "0551-65423178", "合肥市蜀山区长江西路466号", (31.8206, 117.2272)),
}
DEALER_NAMESPACE = uuid.UUID("0f7d3c2a-5b41-4e8e-9d6a-3c1b2a4e5f60")
NEAR_POOL_EVERY = 25  # every 25th customer (when owned) returns to the pool within 1–3 days
METRES_PER_DEGREE = 111_320  # of latitude, and of longitude at the equator

TICKETS = [
    ("投诉", "地板起拱", "安装两周后客厅地板中间起拱，约 2 厘米", "质量"),
    ("投诉", "送货延误", "约定的送货日期晚了三天", "非质量"),
    ("投诉", "安装工态度", "安装师傅说话不客气", "非质量"),
    ("投诉", "地板异响", "卧室地板走动时有吱吱声", "质量"),
    ("问题", "踢脚线颜色不一致", "两批踢脚线颜色有差别", "质量"),
    ("问题", "发票抬头错误", "发票公司名称少了一个字", "非质量"),
    ("需求", "加购地板蜡", "客户需要两瓶保养地板蜡", "非质量"),
    ("需求", "增加书房铺装", "客户希望书房也铺同款地板", "非质量"),
]


class DemoError(RuntimeError):
    """The database is not empty, so the demo does not touch it."""


def fill_demo(state, customers: int = 300, seed: int = 7) -> list[tuple[str, str, str, str]]:
    """Create the demo users and records; return the logins as (username, password, role, name).

    Raises DemoError when the database already has customers.
    """
    conn = state.records.get()
    if conn.execute("SELECT count(*) FROM customers").fetchone()[0]:
        raise DemoError("the database already has customers; the demo fills only an empty database")
    accounts = state.accounts()
    user_ids = {}
    for username, role, name, manager in DEMO_USERS:
        user = accounts.by_username(username) or accounts.add(username, DEMO_PASSWORD, role, name, manager)
        user_ids[username] = user.id
    reps = [user_ids[u] for u, role, _, _ in DEMO_USERS if role == "sales"]
    with state.write_lock, transaction(conn):
        DemoWriter(conn, random.Random(seed), reps, random.Random(seed + 1)).write(customers)
    return [(u, DEMO_PASSWORD, role, name) for u, role, name, _ in DEMO_USERS]


def demo_logins(state) -> list[tuple[str, str, str, str]]:
    """Return the demo logins whose users exist in the database."""
    accounts = state.accounts()
    return [(u, DEMO_PASSWORD, role, name) for u, role, name, _ in DEMO_USERS if accounts.by_username(u)]


class DemoWriter:
    """Writes the demo records. ``rng`` draws the customers and their ledgers,
    and ``extra`` draws dealers, locations and check-ins."""

    def __init__(self, conn, rng: random.Random, reps: list[str], extra: random.Random | None = None):
        self.conn = conn
        self.rng = rng
        self.extra = extra or random.Random(0)
        self.reps = reps
        self.now = now_stamp()
        self.batch = Batch(conn, self.now, None, "server")
        # Batches of records written as if on an earlier day, by that day's stamp.
        self.earlier: dict[str, Batch] = {}
        self.numbers = NumberCounter(conn)
        self.today = today(DEFAULT_TIME_ZONE)
        self.customers: list[DemoCustomer] = []
        self.tickets: list[DemoTicket] = []
        self.pool_days = read_synced(conn, "pool_days")
        self.dealers: dict[str, str] = {}  # city → dealer id
        # For each customer, the earliest day (as days from today) of its follow-ups, sales and tickets.
        self.first_activity: dict[str, int] = {}
        self.created_at: dict[str, str] = {}

    def write(self, count: int) -> None:
        self._dealers()
        current = self.batch
        for index in range(count):
            self._customer(index)
            self.batch = current
        # The records of earlier days go first, so the projects written next
        # find those customers stored and take their owner as their scope.
        for batch in self.earlier.values():
            batch.flush()
        ProjectDemo(current, self.today).write(self.customers, self.tickets)
        self.numbers.save()
        current.flush()
        # A real customer is entered before anyone follows it up, but the demo
        # writes each one on the day its owner got it, because the public pool
        # reads that day from the owner_id dot. So the reports, which date a
        # customer by created_at, get the day before its first activity.
        self.conn.executemany("UPDATE customers SET created_at = ? WHERE id = ?",
                              [(stamp, customer_id) for customer_id, stamp in self.created_at.items()])

    def _dealers(self) -> None:
        for city, (name, region, contact, phone, address, _) in DEALERS.items():
            dealer_id = str(uuid.uuid5(DEALER_NAMESPACE, name))
            self.batch.server_write("dealers", dealer_id, {
                "name": name, "region": region, "contact": contact, "phone": phone, "address": address,
            }, history=False)
            self.dealers[city] = dealer_id

    def _stamp_days_ago(self, days: int) -> str:
        """Return the stamp of 10:00 local time ``days`` days ago."""
        moment = datetime.combine(self.today - timedelta(days=days), time(10, 0), tzinfo=zone(DEFAULT_TIME_ZONE))
        return format_stamp(moment.astimezone(timezone.utc))

    def _written_days_ago(self, days: int) -> Batch:
        """Return the batch whose writes are stamped ``days`` days ago, at 10:00."""
        stamp = self._stamp_days_ago(days)
        if stamp not in self.earlier:
            self.earlier[stamp] = Batch(self.conn, stamp, None, "server")
        return self.earlier[stamp]

    def _place(self, centre: tuple[float, float], within_metres: float) -> dict:
        """Return a location at most ``within_metres`` from ``centre`` in each direction."""
        lat, lng = centre
        north = self.extra.uniform(-within_metres, within_metres) / METRES_PER_DEGREE
        east = self.extra.uniform(-within_metres, within_metres) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
        return {"lat": round(lat + north, 6), "lng": round(lng + east, 6)}

    def _customer(self, index: int) -> None:
        rng = self.rng
        city, districts, area_code = rng.choice(CITIES)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        kind = rng.choices(["直接", "间接", "潜在"], [5, 2, 3])[0]
        stage = rng.choices(["线索", "跟进中", "已成交", "已流失"], [3, 5, 3, 1])[0]
        in_pool = index % 15 == 14
        owner = None if in_pool else self.reps[index % len(self.reps)]
        # Days before today that the owner got the customer (or it entered the pool).
        age = 0
        if in_pool:
            age = index % 20 + 1
        elif index % NEAR_POOL_EVERY == 3 and self.pool_days.get(kind):
            age = self.pool_days[kind] - (index % 3 + 1)
        if age:
            self.batch = self._written_days_ago(age)

        has_company = rng.random() < 0.7
        customer_id = str(uuid.uuid4())
        phone = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
        fields = {
            "code": self.numbers.next("customers"),
            "name": name,
            "company": city[:-1] + rng.choice(COMPANY_HEADS) + rng.choice(COMPANY_TAILS) if has_company else None,
            "title": rng.choice(TITLES) if has_company else "业主",
            "phone": phone if rng.random() < 0.85 else f"{area_code}-{rng.randint(5000000, 8999999)}",
            "email": f"kh{index + 1:04d}@example.cn" if rng.random() < 0.4 else None,
            "address": f"{city}{rng.choice(districts)}{rng.choice(STREETS)}{rng.randint(1, 999)}号",
            "kind": kind, "source": rng.choice(SOURCES), "interest": rng.randint(1, 10), "stage": stage,
            "owner_id": owner,
            "expected_purchase_date": self._day(rng.randint(-10, 90)) if stage in ("线索", "跟进中") else None,
            "expected_amount_fen": rng.randrange(5_000, 300_000, 100) * 100 if stage != "已流失" else None,
            "next_follow_up": self._day(rng.randint(-6, 14)) if stage in ("线索", "跟进中") else None,
            "notes": rng.choice([None, "对价格比较敏感", "重视环保等级", "装修工期紧", "老客户，信誉好"]),
        }
        dealer = self.dealers[city] if self.extra.random() < 0.7 else None
        location = self._place(DEALERS[city][5], 5000) if self.extra.random() < 0.4 else None
        fields.update({"dealer_id": dealer, "location": location})
        self.batch.server_write("customers", customer_id, fields, history=False)
        self.customers.append(DemoCustomer(customer_id, owner, stage))

        for _ in range(rng.randint(0, 5)):
            self._follow_up(customer_id, age, location)
        if stage in ("跟进中", "已成交") and rng.random() < 0.6:
            for _ in range(rng.randint(1, 2)):
                self._receivable(customer_id, index, dealer)
        if rng.random() < 0.15:
            self._ticket(customer_id, owner, name, phone)
        # Created the day before its first activity; one without any, on a day of the last 90.
        first = self.first_activity.get(customer_id)
        created = first - 1 if first is not None else -(index * 7 % 90 + 1)
        if created < -age:
            self.created_at[customer_id] = self._stamp_days_ago(-created)

    def _follow_up(self, customer_id: str, age: int, place: dict | None) -> None:
        """Write a follow-up at least ``age`` days old. A visit to a customer with a place checks in near it."""
        rng = self.rng
        channel = rng.choices(list(CHANNEL_NOTES), [5, 3, 2, 4, 1, 1])[0]
        offset = -age - rng.randint(0, 60)
        happened = self._past_moment(offset, rng.randint(9, 18))
        self._active(customer_id, offset)
        fields = {
            "customer_id": customer_id, "happened_at": happened, "channel": channel,
            "content": rng.choice(CHANNEL_NOTES[channel]), "result": rng.choice(RESULTS),
        }
        if channel == "拜访" and place:
            fields["location"] = {**self._place((place["lat"], place["lng"]), 300),
                                  "accuracy": self.extra.randint(8, 60)}
            fields["checked_in_at"] = happened
        self.batch.server_write("follow_ups", str(uuid.uuid4()), fields, history=False)

    def _receivable(self, customer_id: str, index: int, dealer: str | None) -> None:
        rng = self.rng
        amount = rng.randrange(3_000, 80_000, 100) * 100
        sale = -rng.randint(5, 90)
        self._active(customer_id, sale)
        receivable_id = str(uuid.uuid4())
        self.batch.server_write("receivables", receivable_id, {
            "customer_id": customer_id,
            "order_no": f"DD{self.today + timedelta(days=sale):%Y%m}{index:04d}{rng.randint(0, 9)}",
            "sale_date": self._day(sale), "amount_fen": amount,
            "due_date": self._day(sale + rng.choice([15, 30, 45, 60])), "dealer_id": dealer,
        }, history=False)
        paid_share = rng.choice([0, 0, 0.3, 0.5, 0.8, 1, 1])
        if paid_share:
            parts = 1 if paid_share == 1 and rng.random() < 0.5 else 2
            total = int(amount * paid_share) // 100 * 100
            for part in range(parts):
                share = total // parts if part < parts - 1 else total - (total // parts) * (parts - 1)
                self.batch.server_write("payments", str(uuid.uuid4()), {
                    "receivable_id": receivable_id, "paid_on": self._day(min(sale + 3 + part * 10, 0)),
                    "amount_fen": share, "method": rng.choice(["转账", "微信", "支付宝", "现金"]),
                }, history=False)

    def _ticket(self, customer_id: str, owner: str | None, name: str, phone: str) -> None:
        rng = self.rng
        kind, subject, content, category = rng.choice(TICKETS)
        received = -rng.randint(0, 30)
        self._active(customer_id, received)
        status = rng.choice(["待处理", "处理中", "已解决", "已回访"])
        received_at = self._past_moment(received, rng.randint(9, 17))
        resolved = status in ("已解决", "已回访")
        visit_on = self._day(min(received + 7, 0)) if status == "已回访" else None
        ticket_id = str(uuid.uuid4())
        self.batch.server_write("tickets", ticket_id, {
            "number": self.numbers.next("tickets"), "kind": kind, "received_at": received_at,
            "subject": subject, "content": content, "complainant": name, "contact": phone,
            "customer_id": customer_id, "owner_id": owner, "severity": rng.choice(["一般", "一般", "重要", "紧急"]),
            "category": category, "status": status,
            "reply_due_at": self._moment(received + 1, 18),
            "first_reply_at": self._past_moment(received, 17) if status != "待处理" else None,
            "resolution": "重新铺装并补偿保养蜡" if resolved else None,
            "resolved_at": self._past_moment(received + 3, 15) if resolved else None,
            "visit_on": visit_on,
            "satisfaction": rng.randint(3, 5) if status == "已回访" else None,
        }, history=False)
        self.tickets.append(DemoTicket(ticket_id, customer_id, status, visit_on))

    def _active(self, customer_id: str, offset: int) -> None:
        """Note activity on a customer ``offset`` days from today (negative in the past)."""
        self.first_activity[customer_id] = min(offset, self.first_activity.get(customer_id, offset))

    def _day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    def _moment(self, day_offset: int, hour: int) -> str:
        local = datetime.combine(self.today + timedelta(days=day_offset), time(hour, self.rng.randint(0, 59)),
                                 tzinfo=zone(DEFAULT_TIME_ZONE))
        return format_stamp(local.astimezone(timezone.utc))

    def _past_moment(self, day_offset: int, hour: int) -> str:
        """Return ``_moment``, or now when that is later: the demo records nothing that has not happened."""
        return min(self._moment(day_offset, hour), self.now)
