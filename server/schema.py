"""The synced tables and their fields, as one registry.

Storage, wire validation, permissions, the Datasette metadata test and the
protocol document's drift test all read this registry, so a field is
declared once. Every synced table also has the sync columns ``id``,
``clock``, ``dots``, ``deleted``, ``seq`` and ``updated_at``, and four
columns the server keeps and never sends on the wire: ``scope_owner``, the
id of the user whose devices see the row (see ``server.visibility``);
``created_at`` and ``created_by``, the time of the record's first write and
the user whose device made it (see ``server.store``); and ``credited_to``,
the scope owner the row got at its first write. A hand-over, a new owner
or a return to the pool changes ``scope_owner`` but never ``credited_to``,
so the performance reports credit a closed month to the rep who owned the
customer then. A row moved to another parent record, such as a receivable
entered under the wrong customer, takes its new scope owner as
``credited_to``, and so do the children that move with it (see
``server.records``).
"""

from dataclasses import dataclass, field
from functools import cached_property

from .messages import Detail

TEXT = "text"          # str, at most max_length characters
INTEGER = "integer"    # int between minimum and maximum
BOOLEAN = "boolean"    # true or false
DATE = "date"          # YYYY-MM-DD business date in the organisation's time zone
TIMESTAMP = "timestamp"  # YYYY-MM-DDTHH:MM:SS.sssZ in UTC
CHOICE = "choice"      # one of choices
REFERENCE = "reference"  # id of a record in ref_table (a user id for users)
LOCATION = "location"  # {"lat", "lng"[, "accuracy"]} in degrees and metres
JSON = "json"          # any JSON value, stored as JSON text
SCORES = "scores"      # {"<question key>": 1..5 or null}, stored as JSON text

MAX_AMOUNT_FEN = 10**13  # one hundred billion yuan: far above any real invoice


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    title: str
    required: bool = False
    max_length: int = 200
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    ref_table: str | None = None
    server_only: bool = False  # only the server writes it (codes, numbers)
    description: str = ""

    @property
    def column_type(self) -> str:
        return "INTEGER" if self.kind in (INTEGER, BOOLEAN) else "TEXT"


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    fields: tuple[Field, ...]
    parent: tuple[str, str] | None = None  # (field, table) that decides who sees a row
    device_writable: bool = True  # False: server-written, devices receive it read-only
    write_roles: tuple[str, ...] = ()  # roles that may write it from a device; empty: any, by scope
    public: bool = False  # every user sees every row (reference data such as users)
    rank: int = 0  # merge order inside one request: parents first
    indexes: tuple[tuple[str, ...], ...] = ()
    description: str = ""
    field_map: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "field_map", {f.name: f for f in self.fields})

    # Cached: the sync path reads these for every change it merges.
    @cached_property
    def server_fields(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.server_only)

    @cached_property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @cached_property
    def user_references(self) -> tuple[Field, ...]:
        """The fields that hold a user's id."""
        return tuple(f for f in self.fields if f.kind == REFERENCE and f.ref_table == "users")


def text(name, title, max_length=200, **kw):
    return Field(name, TEXT, title, max_length=max_length, **kw)


def long_text(name, title, **kw):
    return Field(name, TEXT, title, max_length=10_000, **kw)


def choice(name, title, choices, **kw):
    return Field(name, CHOICE, title, choices=tuple(choices), **kw)


def money(name, title, minimum=0, **kw):
    return Field(name, INTEGER, title, minimum=minimum, maximum=MAX_AMOUNT_FEN, **kw)


def ref(name, title, table, **kw):
    return Field(name, REFERENCE, title, ref_table=table, **kw)


CUSTOMER_KINDS = ("直接", "间接", "潜在")
CUSTOMER_STAGES = ("线索", "跟进中", "已成交", "已流失")
CHANNELS = ("电话", "拜访", "到店", "微信", "短信", "邮件", "其他")
PAYMENT_METHODS = ("现金", "转账", "微信", "支付宝", "其他")
TICKET_KINDS = ("投诉", "问题", "需求")
TICKET_SEVERITIES = ("一般", "重要", "紧急")
TICKET_CATEGORIES = ("质量", "非质量")
TICKET_STATUSES = ("待处理", "处理中", "已解决", "已回访", "暂缓")
ROLES = ("sales", "manager", "admin")
PROJECT_STATUSES = ("进行中", "已完成", "已暂停", "已取消")
RISK_CATEGORIES = ("需求", "设计", "进度", "人员", "技术", "质量", "成本", "其他")
RISK_STATUSES = ("待处理", "处理中", "已关闭")
TICKET_DECISIONS = ("暂缓", "待处理", "处理中", "已处理")
SURVEY_KINDS = ("回访", "安装", "其他")
CLAIM_STATUSES = ("已认领",)

CUSTOMERS = Table("customers", "客户", rank=0, fields=(
    text("code", "客户编号", 20, server_only=True, description="服务器在首次同步时分配，如 KH000123"),
    text("legacy_code", "原编号", 50, description="导入的台账中的原客户编号"),
    text("name", "客户名称", required=True),
    text("company", "公司"),
    text("title", "职位", 100),
    text("phone", "电话", 100),
    text("email", "邮箱"),
    text("address", "地址", 500),
    choice("kind", "客户类型", CUSTOMER_KINDS, description="直接/间接/潜在；间接即关键人"),
    text("source", "客户来源", 100),
    Field("interest", INTEGER, "意向度", minimum=1, maximum=10, description="1–10，越高越有意向"),
    Field("expected_purchase_date", DATE, "预计购买日期"),
    money("expected_amount_fen", "预计金额", description="单位：分"),
    choice("stage", "阶段", CUSTOMER_STAGES),
    ref("owner_id", "负责人", "users", description="空表示在公海中"),
    ref("referred_by", "介绍人", "customers"),
    Field("next_follow_up", DATE, "下次跟进日期"),
    Field("location", LOCATION, "客户位置", description="在客户处签到时记录的经纬度"),
    long_text("notes", "备注"),
    ref("dealer_id", "经销点", "dealers"),
), indexes=(
    # Finds an owner's customers.
    ("owner_id", "created_at", "deleted"),
    # Counts 业务员月度业绩's new customers per month and per owner they were created for.
    ("credited_to", "created_at", "deleted"),
    ("next_follow_up", "code"), ("phone",), ("name",), ("dealer_id",),
    # Gives 业务员月度业绩 the first and last creation times.
    ("created_at", "deleted", "owner_id")))

FOLLOW_UPS = Table("follow_ups", "跟进记录", rank=1, parent=("customer_id", "customers"), fields=(
    ref("customer_id", "客户", "customers", required=True),
    Field("happened_at", TIMESTAMP, "跟进时间", required=True),
    choice("channel", "沟通方式", CHANNELS),
    long_text("content", "跟进内容"),
    long_text("result", "跟进结果"),
    Field("next_follow_up", DATE, "下次跟进日期"),
    Field("location", LOCATION, "签到位置"),
    Field("checked_in_at", TIMESTAMP, "签到时间", description="拜访签到的时间，与签到位置一起记录"),
), indexes=(("customer_id",),
             # Serves the follow-up log newest first, and contains what its row count reads of each
             # follow-up. The search walks it from the latest follow-up.
             ("happened_at", "deleted", "customer_id", "scope_owner", "created_by"),
             # Covers a customer's latest follow-up, count and "followed up since" checks in the reports.
             ("customer_id", "deleted", "happened_at"),
             # Counts 业务员月度业绩's follow-ups per creator and month (imported ones: see
             # follow_ups_imported_credited_to in server.migrations).
             ("created_by", "happened_at", "deleted", "customer_id"),
             # Serves the 沟通方式 facet of the follow-up log, which counts every follow-up per channel:
             # at 1,000,000 follow-ups a scan of the table passed Datasette's 200 ms facet limit.
             ("channel", "deleted", "customer_id")))

# Columns the database derives from other rows and never syncs, with their
# types. A receivable's paid_fen and last_paid_on are the sum and latest
# paid_on of its live payments. Triggers in server.migrations keep them.
DERIVED_COLUMNS = {"receivables": (("paid_fen", "INTEGER NOT NULL DEFAULT 0"), ("last_paid_on", "TEXT"))}

# A covering index that leads with id. Reports that look up many receivables'
# payments walk it, in id order, so their lookups in the payments'
# receivable_id index go in order too. The paid totals in it let them skip
# the lookup for most receivables, and credited_to gives 回款统计：按业务员和月份
# the rep each receivable counts for.
RECEIVABLES_BY_ID_COLUMNS = ("id", "deleted", "due_date", "sale_date", "amount_fen", "customer_id", "scope_owner",
                             "dealer_id", "paid_fen", "last_paid_on", "credited_to")
RECEIVABLES_BY_ID = "receivables_" + "_".join(RECEIVABLES_BY_ID_COLUMNS)

RECEIVABLES = Table("receivables", "应收", rank=1, parent=("customer_id", "customers"), fields=(
    ref("customer_id", "客户", "customers", required=True),
    text("order_no", "订单号", 100),
    Field("sale_date", DATE, "销售日期"),
    money("amount_fen", "应收金额", required=True, description="发票/应收金额，单位：分"),
    Field("due_date", DATE, "付款期限"),
    long_text("notes", "备注"),
    ref("dealer_id", "经销点", "dealers"),
), indexes=(("customer_id",), ("dealer_id",),
             # Covers the columns 逾期回款 reads of every receivable it scans, shown or not.
             ("due_date", "deleted", "amount_fen", "id", "customer_id", "sale_date", "scope_owner", "dealer_id"),
             # Covers what the monthly reviews read of the month's sales, and finds the
             # two 回款统计 queries' receivables without a sale date.
             ("sale_date", "deleted", "amount_fen", "due_date", "id", "customer_id", "scope_owner"),
             RECEIVABLES_BY_ID_COLUMNS))

PAYMENTS = Table("payments", "回款记录", rank=2, parent=("receivable_id", "receivables"), fields=(
    ref("receivable_id", "应收", "receivables", required=True),
    Field("paid_on", DATE, "回款日期", required=True),
    money("amount_fen", "回款金额", minimum=1, required=True, description="单位：分，必须为正数"),
    choice("method", "付款方式", PAYMENT_METHODS),
    long_text("notes", "备注"),
), indexes=(("receivable_id",),
             # Covers what the reports read of the payments of a period or month.
             ("paid_on", "deleted", "receivable_id", "scope_owner", "amount_fen"),
             # Covers a receivable's paid total and last payment date, which the triggers that
             # keep receivables.paid_fen read, and the reviews' sums up to a month's end.
             ("receivable_id", "deleted", "amount_fen", "paid_on"),
             # Counts and sums 业务员月度业绩's payments per month and per owner they were written for.
             ("credited_to", "paid_on", "deleted", "receivable_id", "amount_fen")))

TICKETS = Table("tickets", "工单", rank=1, parent=("customer_id", "customers"), fields=(
    text("number", "工单编号", 20, server_only=True, description="服务器在首次同步时分配，如 GD000123"),
    text("legacy_number", "原编号", 50, description="导入的台账中的原编号"),
    choice("kind", "类型", TICKET_KINDS, required=True),
    Field("received_at", TIMESTAMP, "受理时间"),
    text("subject", "主题"),
    long_text("content", "内容"),
    text("complainant", "投诉人", 100),
    text("contact", "联系方式", 100),
    ref("customer_id", "客户", "customers"),
    ref("owner_id", "负责人", "users"),
    choice("severity", "严重程度", TICKET_SEVERITIES),
    choice("category", "类别", TICKET_CATEGORIES),
    choice("status", "处理状态", TICKET_STATUSES),
    Field("reply_due_at", TIMESTAMP, "答复期限"),
    Field("first_reply_at", TIMESTAMP, "首次答复时间"),
    long_text("investigation", "调查情况"),
    long_text("resolution", "处理方案"),
    long_text("result", "处理结果"),
    Field("resolved_at", TIMESTAMP, "解决时间"),
    Field("visit_on", DATE, "回访日期"),
    Field("satisfaction", INTEGER, "满意度", minimum=1, maximum=5),
    long_text("steps", "重现步骤", description="需求/问题工单：操作步骤"),
    long_text("expected_result", "预期结果"),
    long_text("actual_result", "实际结果"),
    choice("decision", "处理决定", TICKET_DECISIONS),
    text("shipped_version", "发布版本", 50),
), indexes=(("customer_id",), ("owner_id",), ("status",), ("reply_due_at",)))

USERS = Table("users", "用户", rank=0, device_writable=False, public=True, fields=(
    text("username", "用户名", 64, required=True),
    text("name", "姓名", 100),
    choice("role", "角色", ROLES, required=True),
    ref("manager_id", "上级经理", "users"),
    Field("disabled", BOOLEAN, "已停用"),
), indexes=(("username",),))

SETTINGS = Table("settings", "设置", rank=0, device_writable=False, public=True, fields=(
    text("key", "键", 100, required=True),
    Field("value", JSON, "值"),
), indexes=(("key",),))

HISTORY = Table("history", "修改历史", rank=3, device_writable=False, fields=(
    text("record_table", "表", 50, required=True),
    Field("record_id", TEXT, "记录", required=True),
    text("field", "字段", 50, description="为空表示记录被创建"),
    Field("old_value", JSON, "原值"),
    Field("new_value", JSON, "新值"),
    ref("user_id", "修改人", "users"),
    text("device", "设备", 64),
    Field("changed_at", TIMESTAMP, "修改时间", required=True),
), indexes=(("record_table", "record_id"),))

CONFLICTS = Table("conflicts", "冲突", rank=3, fields=(
    text("record_table", "表", 50, required=True, server_only=True),
    Field("record_id", TEXT, "记录", required=True, server_only=True),
    text("field", "字段", 50, required=True, server_only=True),
    Field("kept_value", JSON, "保留的值", server_only=True),
    Field("kept_dot", JSON, "保留值的写入", server_only=True),
    ref("kept_user", "保留值的修改人", "users", server_only=True),
    Field("other_value", JSON, "被覆盖的值", server_only=True),
    Field("other_dot", JSON, "被覆盖值的写入", server_only=True),
    ref("other_user", "被覆盖值的修改人", "users", server_only=True),
    Field("detected_at", TIMESTAMP, "发现时间", server_only=True),
    Field("resolved_at", TIMESTAMP, "处理时间"),
    choice("resolution", "处理方式", ("kept", "other")),
), indexes=(("record_table", "record_id"),))

DEALERS = Table("dealers", "经销点", rank=0, public=True, write_roles=("manager", "admin"), fields=(
    text("name", "经销点名称", required=True),
    text("region", "区域", 100),
    text("contact", "联系人", 100),
    text("phone", "电话", 100),
    text("address", "地址", 500),
    long_text("notes", "备注"),
), indexes=(("region",),))

PROJECTS = Table("projects", "项目", rank=1, parent=("customer_id", "customers"), fields=(
    ref("customer_id", "客户", "customers", required=True),
    text("name", "项目名称", required=True),
    ref("owner_id", "负责人", "users"),
    long_text("content", "项目内容"),
    text("stage", "当前阶段", 50, description="阶段列表见设置 project_stages"),
    choice("status", "状态", PROJECT_STATUSES),
    Field("expected_completion", DATE, "预计完成日期"),
    long_text("outcome", "项目结果"),
), indexes=(("customer_id",), ("owner_id",)))

PROJECT_STAGES = Table("project_stages", "项目阶段", rank=2, parent=("project_id", "projects"), fields=(
    ref("project_id", "项目", "projects", required=True),
    text("name", "阶段", 50, required=True),
    Field("position", INTEGER, "顺序", minimum=0, maximum=1000),
    Field("planned_on", DATE, "计划完成日期"),
    Field("actual_on", DATE, "实际完成日期"),
    long_text("notes", "备注"),
), indexes=(("project_id",),))

RISKS = Table("risks", "风险", rank=2, parent=("project_id", "projects"), fields=(
    ref("project_id", "项目", "projects", required=True),
    choice("category", "风险类别", RISK_CATEGORIES),
    long_text("description", "风险描述", required=True),
    Field("probability", INTEGER, "发生概率", minimum=1, maximum=5, description="1–5"),
    Field("impact", INTEGER, "影响程度", minimum=1, maximum=5, description="1–5"),
    ref("owner_id", "负责人", "users"),
    long_text("mitigation", "应对措施"),
    choice("status", "状态", RISK_STATUSES),
    Field("due_on", DATE, "应对期限"),
), indexes=(("project_id",), ("status",)))

SURVEYS = Table("surveys", "满意度调查", rank=2, parent=("customer_id", "customers"), fields=(
    ref("customer_id", "客户", "customers", required=True),
    ref("ticket_id", "工单", "tickets"),
    choice("kind", "调查类型", SURVEY_KINDS),
    Field("surveyed_on", DATE, "调查日期", required=True),
    Field("answers", SCORES, "评分", description="每个问题 1–5 分；未回答的问题不计入平均分"),
    long_text("comment", "客户意见"),
), indexes=(("customer_id",), ("surveyed_on",)))

POOL_CLAIMS = Table("pool_claims", "公海认领", rank=1, parent=("customer_id", "customers"), fields=(
    ref("customer_id", "客户", "customers", required=True),
    ref("claimed_by", "认领人", "users", server_only=True),
    Field("claimed_at", TIMESTAMP, "认领时间", server_only=True),
    choice("status", "结果", CLAIM_STATUSES, server_only=True),
    long_text("note", "认领备注"),
), indexes=(("customer_id",), ("claimed_by",)))

TABLES: dict[str, Table] = {t.name: t for t in (
    CUSTOMERS, FOLLOW_UPS, RECEIVABLES, PAYMENTS, TICKETS,
    USERS, SETTINGS, HISTORY, CONFLICTS,
    DEALERS, PROJECTS, PROJECT_STAGES, RISKS, SURVEYS, POOL_CLAIMS,
)}

# The English names of the tables and fields, which English error messages
# show. The PWA's catalogs (pwa/js/i18n.js) use the same names, and
# tests/browser/test_pwa_modules.py checks that they match.
ENGLISH_TITLES: dict[str, tuple[str, dict[str, str]]] = {
    "customers": ("Customer", {
        "code": "Customer no.", "legacy_code": "Former no.", "name": "Name", "company": "Company",
        "title": "Position", "phone": "Phone", "email": "Email", "address": "Address", "kind": "Customer type",
        "source": "Source", "interest": "Interest", "expected_purchase_date": "Expected purchase date",
        "expected_amount_fen": "Expected amount", "stage": "Follow-up status", "owner_id": "Owner",
        "referred_by": "Referred by", "next_follow_up": "Next follow-up", "location": "Location", "notes": "Notes",
        "dealer_id": "Dealer",
    }),
    "follow_ups": ("Follow-up", {
        "customer_id": "Customer", "happened_at": "Time", "channel": "Channel", "content": "What happened",
        "result": "Result", "next_follow_up": "Next follow-up", "location": "Check-in location",
        "checked_in_at": "Checked in at",
    }),
    "receivables": ("Receivable", {
        "customer_id": "Customer", "order_no": "Order no.", "sale_date": "Sale date", "amount_fen": "Amount due",
        "due_date": "Due date", "notes": "Notes", "dealer_id": "Dealer",
    }),
    "payments": ("Payment", {
        "receivable_id": "Receivable", "paid_on": "Paid on", "amount_fen": "Amount paid", "method": "Method",
        "notes": "Notes",
    }),
    "tickets": ("Ticket", {
        "number": "Ticket no.", "legacy_number": "Former no.", "kind": "Type", "received_at": "Received",
        "subject": "Subject", "content": "Details", "complainant": "Complainant", "contact": "Contact",
        "customer_id": "Customer", "owner_id": "Owner", "severity": "Severity", "category": "Category",
        "status": "Status", "reply_due_at": "Reply due", "first_reply_at": "First reply",
        "investigation": "Investigation", "resolution": "Resolution", "result": "Outcome",
        "resolved_at": "Resolved", "visit_on": "Follow-up visit", "satisfaction": "Satisfaction",
        "steps": "Steps to reproduce", "expected_result": "Expected result", "actual_result": "Actual result",
        "decision": "Decision", "shipped_version": "Shipped in version",
    }),
    "users": ("User", {
        "username": "Username", "name": "Name", "role": "Role", "manager_id": "Manager", "disabled": "Disabled",
    }),
    "settings": ("Setting", {
        "key": "Key", "value": "Value",
    }),
    "history": ("History", {
        "record_table": "Table", "record_id": "Record", "field": "Field", "old_value": "Old value",
        "new_value": "New value", "user_id": "Changed by", "device": "Device", "changed_at": "Changed at",
    }),
    "conflicts": ("Conflict review", {
        "record_table": "Table", "record_id": "Record", "field": "Field", "kept_value": "Kept value",
        "kept_dot": "Kept write", "kept_user": "Kept by", "other_value": "Other value", "other_dot": "Other write",
        "other_user": "Other by", "detected_at": "Detected", "resolved_at": "Resolved", "resolution": "Resolution",
    }),
    "dealers": ("Dealer", {
        "name": "Dealer name", "region": "Region", "contact": "Contact person", "phone": "Phone",
        "address": "Address", "notes": "Notes",
    }),
    "projects": ("Project", {
        "customer_id": "Customer", "name": "Project name", "owner_id": "Owner", "content": "Scope",
        "stage": "Current stage", "status": "Status", "expected_completion": "Expected completion",
        "outcome": "Outcome",
    }),
    "project_stages": ("Project stage", {
        "project_id": "Project", "name": "Stage", "position": "Order", "planned_on": "Planned completion",
        "actual_on": "Actual completion", "notes": "Notes",
    }),
    "risks": ("Risk", {
        "project_id": "Project", "category": "Risk category", "description": "Description",
        "probability": "Probability", "impact": "Impact", "owner_id": "Owner", "mitigation": "Mitigation",
        "status": "Status", "due_on": "Act by",
    }),
    "surveys": ("Satisfaction survey", {
        "customer_id": "Customer", "ticket_id": "Ticket", "kind": "Survey type", "surveyed_on": "Survey date",
        "answers": "Scores", "comment": "Customer comments",
    }),
    "pool_claims": ("Pool claim", {
        "customer_id": "Customer", "claimed_by": "Claimed by", "claimed_at": "Claimed at", "status": "Result",
        "note": "Claim note",
    }),
}


# The English names of the stored Chinese choices, as the PWA shows them.
ENGLISH_CHOICES: dict[str, str] = {
    "直接": "Direct", "间接": "Key contact", "潜在": "Prospect", "线索": "Lead", "跟进中": "In progress", "已成交": "Won",
    "已流失": "Lost", "电话": "Phone", "拜访": "Visit", "到店": "Store visit", "微信": "WeChat", "短信": "SMS",
    "邮件": "Email", "其他": "Other", "现金": "Cash", "转账": "Bank transfer", "支付宝": "Alipay", "投诉": "Complaint",
    "问题": "Problem", "需求": "Request", "一般": "Normal", "重要": "Important", "紧急": "Urgent", "质量": "Quality",
    "非质量": "Non-quality", "待处理": "Open", "处理中": "In progress", "已解决": "Resolved", "已回访": "Visited",
    "暂缓": "On hold", "已处理": "Handled", "进行中": "In progress", "已完成": "Completed", "已暂停": "Paused",
    "已取消": "Cancelled", "设计": "Design", "进度": "Schedule", "人员": "Staffing", "技术": "Technical", "成本": "Cost",
    "已关闭": "Closed", "回访": "Follow-up visit", "安装": "Installation", "已认领": "Claimed",
}

# Tables whose rows belong to one record of another table: their visibility
# follows that record's (see server.visibility).
RECORD_ATTACHED = ("history", "conflicts")

SYNC_COLUMNS = ("id", "clock", "dots", "deleted", "seq", "updated_at", "scope_owner", "created_at", "created_by",
                "credited_to")
# Sync columns that later versions added: an upgrade adds them to older files.
ADDED_SYNC_COLUMNS = ("created_at", "created_by", "credited_to")


def children_of(table_name: str) -> list[Table]:
    """Return the tables whose ``parent`` points at ``table_name``."""
    return [t for t in TABLES.values() if t.parent and t.parent[1] == table_name]


def title_pair(table_name: str, field_name: str | None = None) -> Detail:
    """Return the Chinese and English title of a table, or of its field ``field_name``.

    A name the schema does not know is returned as it is, in both languages.
    """
    table = TABLES.get(table_name)
    if table is None:
        return Detail(table_name, table_name)
    english_title, english_fields = ENGLISH_TITLES[table_name]
    if field_name is None:
        return Detail(table.title, english_title)
    spec = table.field_map.get(field_name)
    if spec is None:
        return Detail(field_name, field_name)
    return Detail(spec.title, english_fields[field_name])
