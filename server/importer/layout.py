"""Ledger kinds, their column names, and finding the header row of a sheet.

Each kind lists the columns it understands with the spellings teams use
(客户名称/客户姓名/名称/店名, 联系电话/电话/手机/客户手机号/联系方式 …).
Headers are compared after folding full-width forms, dropping spaces,
required-marks (``*``) and a unit in brackets; a ``(万元)`` unit scales the
column's amounts.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .reading import MergedRange
from .problems import ImportFailure

CUSTOMERS, RECEIVABLES, TICKETS = "customers", "receivables", "tickets"
FOLLOW_UPS, PAYMENTS = "follow_ups", "payments"  # detail sheets beside a ledger
KINDS = (CUSTOMERS, RECEIVABLES, TICKETS)
KIND_TITLES = {CUSTOMERS: ("客户跟踪表", "customer ledger"), RECEIVABLES: ("回款跟踪表", "receivables ledger"),
               TICKETS: ("投诉台账", "complaint ledger"), FOLLOW_UPS: ("跟进记录", "follow-ups"),
               PAYMENTS: ("回款记录", "payments")}
HEADER_SEARCH_ROWS = 30  # title rows above the header are rarely more than a few


UNIT_IN_BRACKETS = re.compile(r"[(\[（【]([^)\]）】]*)[)\]）】]")
TRAILING_UNIT = re.compile(r"/(万元|元|万)$")


def normalize_header(text: str) -> str:
    """Fold a header for comparison: NFKC, lower case, no spaces, marks or bracketed units."""
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()
    folded = folded.strip("*★:：#")
    folded = UNIT_IN_BRACKETS.sub("", folded)
    return TRAILING_UNIT.sub("", folded)


def header_scale(text: str) -> int:
    """Return 10000 when a header gives its unit as 万元 or 万, else 1."""
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))
    return 10_000 if re.search(r"[(\[（【/](万元|万)[)\]）】]?$", folded) else 1


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    title: str  # the field's Chinese name, for the report
    headers: tuple[str, ...]  # spellings, best first
    distinctive: bool = False  # points to this kind when guessing a ledger's kind
    repeatable: bool = False  # several columns may feed it (two phone columns)


def col(key, title, *headers, distinctive=False, repeatable=False) -> ColumnSpec:
    return ColumnSpec(key, title, tuple(normalize_header(h) for h in headers), distinctive, repeatable)


CUSTOMER_IDENTITY = (
    col("code", "客户编号", "客户编号", "客户代码", "客户号", "customer code", "code"),
    col("name", "客户名称", "客户姓名", "客户名称", "客户名", "姓名", "名称", "客户", "店名", "门店名称",
        "店铺名称", "单位名称", "付款单位", "购货单位", "name", "customer", "customer name", "联系人"),
    col("company", "公司", "公司名称", "公司", "单位", "工作单位", "所属公司", "企业名称", "company"),
    col("phone", "电话", "联系电话", "电话", "手机", "手机号", "手机号码", "客户手机号", "联系方式", "电话号码",
        "联系手机", "座机", "固定电话", "phone", "mobile", "tel", "telephone", repeatable=True),
)
OWNER = col("owner", "负责人", "负责人", "业务员", "销售", "销售员", "跟进人", "所属销售", "客户经理", "owner")
DEALER = col("dealer", "经销点", "经销点", "所属经销点", "经销商", "网点", "dealer")
NOTES = col("notes", "备注", "备注", "说明", "备注说明", "notes", "note", "remark", "remarks")

COLUMNS: dict[str, tuple[ColumnSpec, ...]] = {
    CUSTOMERS: (
        *CUSTOMER_IDENTITY,
        col("legacy_code", "原编号", "原编号", "原客户编号", "legacy code"),
        col("title", "职位", "职位", "职务", "岗位", "title", "position"),
        col("email", "邮箱", "电子邮件", "邮箱", "电子邮箱", "email", "e-mail", "mail"),
        col("address", "地址", "地址", "公司地址", "联系地址", "详细地址", "客户地址", "所在地", "住址", "address"),
        col("kind", "客户类型", "客户类型", "客户类别", "客户分类", "类型", "type", distinctive=True),
        col("source", "客户来源", "客户来源", "来源", "来源渠道", "渠道", "source"),
        col("interest", "意向度", "意向度", "意向程度", "意向等级", "意向", "意向指数", "interest", distinctive=True),
        col("expected_purchase_date", "预计购买日期", "意向购买时间", "预计购买日期", "预计购买时间", "意向购买日期",
            "预计成交日期", "预计成交时间", "expected purchase date", distinctive=True),
        col("expected_amount", "预计金额", "意向购买金额", "预计金额", "预计购买金额", "预计成交金额", "意向金额", "预算",
            "expected amount", distinctive=True),
        col("stage", "阶段", "阶段", "客户阶段", "跟进阶段", "销售阶段", "跟进状态", "客户状态", "stage", distinctive=True),
        OWNER,
        DEALER,
        col("referred_by", "介绍人", "介绍人", "推荐人", "referred by"),
        col("next_follow_up", "下次跟进日期", "下次跟进", "下次跟进日期", "下次跟进时间", "下次联系时间", "下次回访",
            "next follow-up", distinctive=True),
        col("location", "客户位置", "位置", "客户位置", "经纬度", "location"),
        NOTES,
        col("follow_ups", "沟通记录", "沟通记录", "跟进记录", "跟进情况", "沟通情况", "拜访记录", "跟进内容",
            distinctive=True),
    ),
    RECEIVABLES: (
        col("row_ref", "序号", "序号", "no"),
        *CUSTOMER_IDENTITY,
        col("order_no", "订单号", "订单号", "订单编号", "合同号", "合同编号", "销售单号", "单号", "发票号", "发票号码",
            "order no"),
        col("sale_date", "销售日期", "销售日期", "开票日期", "发货日期", "订单日期", "签约日期", "合同日期", "日期",
            "sale date"),
        col("amount", "应收金额", "应收金额", "发票金额", "应收账款", "应收款", "合同金额", "订单金额", "销售金额",
            "应收", "金额", "amount", distinctive=True),
        col("paid", "已收金额", "已收金额", "已付金额", "已回款", "已回款金额", "回款金额", "实收金额", "已收款",
            "已付款金额", "已收", "paid", distinctive=True),
        col("outstanding", "未收金额", "未收金额", "未付金额", "欠款", "欠款金额", "余额", "未回款", "应收余额",
            "outstanding", distinctive=True),
        col("due_date", "付款期限", "预计回款日期", "付款期限", "到期日", "到期日期", "回款期限", "约定付款日期",
            "应付日期", "收款期限", "due date", distinctive=True),
        col("paid_on", "回款日期", "回款日期", "付款日期", "收款日期", "实际回款日期", "paid on", distinctive=True),
        col("method", "付款方式", "付款方式", "收款方式", "支付方式", "结算方式", "method"),
        col("status", "付款状态", "付款状态", "回款状态", "收款状态", "状态", "status", distinctive=True),
        OWNER,
        DEALER,
        NOTES,
    ),
    TICKETS: (
        col("number", "工单编号", "工单编号", "工单号", "ticket number"),
        col("legacy_number", "原编号", "投诉编号", "原编号", "编号", "投诉单号", "单号", "legacy number"),
        col("kind", "类型", "工单类型", "类型", "kind"),
        col("received_at", "受理时间", "投诉日期", "投诉时间", "受理日期", "受理时间", "反馈日期", "反馈时间", "登记日期",
            "接收日期", "日期", "received at", distinctive=True),
        col("subject", "主题", "投诉主题", "主题", "标题", "投诉事项", "问题", "问题摘要", "事由", "subject"),
        col("content", "内容", "投诉内容", "内容", "问题描述", "详细内容", "情况说明", "投诉详情", "描述", "content",
            distinctive=True),
        col("complainant", "投诉人", "投诉人", "反馈人", "投诉客户", "客户", "客户名称", "客户姓名", "姓名",
            "complainant", distinctive=True),
        col("contact", "联系方式", "联系方式", "联系电话", "电话", "手机", "contact"),
        col("customer_code", "客户编号", "客户编号", "customer code"),
        col("owner", "负责人", "负责人", "处理人", "责任人", "经办人", "owner"),
        col("severity", "严重程度", "严重程度", "紧急程度", "等级", "级别", "优先级", "severity"),
        col("category", "类别", "类别", "投诉类别", "投诉类型", "问题类别", "投诉性质", "性质", "category"),
        col("status", "处理状态", "处理状态", "处理进度", "状态", "进度", "status", distinctive=True),
        col("reply_due_at", "答复期限", "答复期限", "回复期限", "要求答复时间", "reply due"),
        col("first_reply_at", "首次答复时间", "首次答复时间", "首次回复时间", "答复时间", "回复时间", "first reply"),
        col("investigation", "调查情况", "调查情况", "调查结果", "原因分析", "原因", "investigation"),
        col("resolution", "处理方案", "处理方案", "处理措施", "解决方案", "处理意见", "resolution"),
        col("result", "处理结果", "处理结果", "结果", "处理情况", "result", distinctive=True),
        col("resolved_at", "解决时间", "解决时间", "解决日期", "完成时间", "完成日期", "结案日期", "处理完成时间",
            "resolved at"),
        col("visit_on", "回访日期", "回访日期", "回访时间", "visit on", distinctive=True),
        col("satisfaction", "满意度", "满意度", "客户满意度", "回访满意度", "satisfaction", distinctive=True),
        col("steps", "重现步骤", "重现步骤", "操作步骤", "复现步骤", "steps"),
        col("expected_result", "预期结果", "预期结果", "期望结果", "expected result"),
        col("actual_result", "实际结果", "实际结果", "actual result"),
        col("decision", "处理决定", "处理决定", "决定", "decision"),
        col("shipped_version", "发布版本", "发布版本", "版本", "版本号", "shipped version"),
    ),
    FOLLOW_UPS: (
        col("customer_code", "客户编号", "客户编号", "customer code"),
        col("customer_name", "客户名称", "客户名称", "客户姓名", "客户"),
        col("happened_at", "跟进时间", "跟进时间", "跟进日期", "沟通时间", "沟通日期", "拜访时间", "happened at",
            distinctive=True),
        col("channel", "沟通方式", "沟通方式", "跟进方式", "联系方式", "方式", "channel", distinctive=True),
        col("content", "跟进内容", "跟进内容", "沟通内容", "内容", "content"),
        col("result", "跟进结果", "跟进结果", "结果", "result"),
        col("next_follow_up", "下次跟进日期", "下次跟进日期", "下次跟进", "next follow-up"),
        col("location", "签到位置", "签到位置", "位置", "location"),
        col("checked_in_at", "签到时间", "签到时间", "checked in at"),
    ),
    PAYMENTS: (
        col("receivable_ref", "应收序号", "应收序号", "receivable no", distinctive=True),
        col("paid_on", "回款日期", "回款日期", "付款日期", "收款日期", "paid on", distinctive=True),
        col("amount", "回款金额", "回款金额", "收款金额", "金额", "amount", distinctive=True),
        col("method", "付款方式", "付款方式", "收款方式", "支付方式", "method"),
        col("notes", "备注", "备注", "notes"),
    ),
}

# Columns a sheet needs to be read as each kind: at least one key of each group.
REQUIRED_KEYS = {
    CUSTOMERS: (("name", "phone"),),
    RECEIVABLES: (("name", "phone", "code"), ("amount",)),
    TICKETS: (("subject", "content"),),
    FOLLOW_UPS: (("customer_code", "customer_name"), ("happened_at",)),
    PAYMENTS: (("receivable_ref",), ("paid_on",), ("amount",)),
}
# Companion sheets that may accompany a ledger in the same workbook.
DETAIL_KINDS = {CUSTOMERS: FOLLOW_UPS, RECEIVABLES: PAYMENTS}

@dataclass
class MappedColumn:
    index: int  # 0-based column in the sheet
    header: str  # as the file spells it
    spec: ColumnSpec
    scale: int = 1


@dataclass
class Layout:
    """Position of a ledger in a workbook (sheet, header row) and the field of each column."""

    kind: str
    sheet_index: int
    header_row: int  # 1-based
    columns: list[MappedColumn]
    unused: list[str] = field(default_factory=list)  # headers the import does not read
    score: int = 0
    # Cells that got the value of a range merged down over data rows:
    # (row number, 0-based column) → the range.
    merged_cells: dict[tuple[int, int], MergedRange] = field(default_factory=dict)
    _by_key: dict[str, list[MappedColumn]] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        for column in self.columns:
            self._by_key.setdefault(column.spec.key, []).append(column)

    def by_key(self, key: str) -> list[MappedColumn]:
        return self._by_key.get(key, [])

    def has(self, key: str) -> bool:
        return key in self._by_key


def _lookup(kind: str) -> dict[str, tuple[int, ColumnSpec]]:
    """Return header spelling → (priority, spec) for a kind, where a lower priority number is better."""
    table: dict[str, tuple[int, ColumnSpec]] = {}
    for spec in COLUMNS[kind]:
        for priority, header in enumerate(spec.headers):
            table.setdefault(header, (priority, spec))
    return table


LOOKUPS = {kind: _lookup(kind) for kind in COLUMNS}


def map_columns(kind: str, header_cells: list[Any]) -> tuple[list[MappedColumn], list[str]]:
    """Map a header row's cells to the columns of ``kind`` and return (mapped, unused headers).

    When two columns claim the same field, the better spelling wins (客户姓名
    over 联系人) and the other is reported unused, except for repeatable
    fields such as phones.
    """
    lookup = LOOKUPS[kind]
    best: dict[str, tuple[int, MappedColumn]] = {}
    mapped: list[MappedColumn] = []
    unused: list[str] = []
    for index, cell in enumerate(header_cells):
        if cell is None or not str(cell).strip():
            continue
        header = str(cell).strip()
        found = lookup.get(normalize_header(header))
        if found is None:
            unused.append(header)
            continue
        priority, spec = found
        column = MappedColumn(index, header, spec, header_scale(header))
        if spec.repeatable:
            mapped.append(column)
            continue
        if spec.key in best:
            held_priority, held = best[spec.key]
            if priority < held_priority:
                best[spec.key] = (priority, column)
                unused.append(held.header)
            else:
                unused.append(header)
            continue
        best[spec.key] = (priority, column)
    mapped.extend(column for _, column in best.values())
    mapped.sort(key=lambda c: c.index)
    return mapped, unused


def score_row(kind: str, cells: list[Any]) -> int:
    """Score how much a row looks like the header of ``kind`` (0 when it cannot be)."""
    mapped, _ = map_columns(kind, cells)
    keys = {c.spec.key for c in mapped}
    if any(not keys.intersection(group) for group in REQUIRED_KEYS[kind]) or len(keys) < 2:
        return 0
    return len(keys) + sum(2 for c in mapped if c.spec.distinctive)


def find_layout(sheets_rows: list[list[list[Any]]], kind: str | None) -> Layout:
    """Find the sheet and header row holding a ledger of ``kind`` (guessed when None).

    Every sheet's first rows are scored for every kind; the best-scoring
    (sheet, row, kind) wins, earlier sheets and rows first on a tie. Raises
    ImportFailure when no sheet has a recognisable header.
    """
    kinds = (kind,) if kind else KINDS
    best: Layout | None = None
    for sheet_index, rows in enumerate(sheets_rows):
        for row_index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
            if not cells:
                continue
            for candidate in kinds:
                score = score_row(candidate, cells)
                if score and (best is None or score > best.score):
                    columns, unused = map_columns(candidate, cells)
                    best = Layout(candidate, sheet_index, row_index + 1, columns, unused, score)
    if best is None:
        if kind:
            raise ImportFailure("no_ledger_of_kind", kind_title=KIND_TITLES[kind][0],
                                kind_title_en=KIND_TITLES[kind][1])
        raise ImportFailure("no_ledger_found")
    return best


def likelier_kind(sheets_rows: list[list[list[Any]]], layout: Layout) -> str | None:
    """Return the kind whose header the file matches better than the chosen kind's, or None.

    A person who chooses the kind by hand and picks the wrong one would
    otherwise import a receivables ledger as customers without a word.
    """
    guessed = find_layout(sheets_rows, None)
    return guessed.kind if guessed.kind != layout.kind and guessed.score > layout.score else None


def find_detail_layout(sheets_rows: list[list[list[Any]]], kind: str, skip_sheet: int) -> Layout | None:
    """Find a detail sheet (跟进记录 beside a customer ledger, 回款记录 beside receivables)."""
    detail_kind = DETAIL_KINDS.get(kind)
    if detail_kind is None:
        return None
    best: Layout | None = None
    for sheet_index, rows in enumerate(sheets_rows):
        if sheet_index == skip_sheet:
            continue
        for row_index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
            score = score_row(detail_kind, cells) if cells else 0
            if score and (best is None or score > best.score):
                columns, unused = map_columns(detail_kind, cells)
                best = Layout(detail_kind, sheet_index, row_index + 1, columns, unused, score)
    return best
