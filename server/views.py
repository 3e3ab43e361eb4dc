"""SQL views that present the ledgers the way managers know them, for Datasette.

The views have ASCII names and Chinese column names; ``datasette-metadata.yml``
gives their Chinese titles. They leave out tombstones (``deleted = 1``) and
the children of deleted customers, hide the sync columns, show money in 元
(``amount_fen / 100.0``) and timestamps in the organisation's time zone.

Two helper views feed the others and the canned queries: ``org_calendar``
(today and the usual period bounds in the organisation's time zone, from the
``time_zone`` setting) and ``receivable_balances`` (the payment status rule,
in one place). The views call ``org_today`` and ``org_datetime``, which
``server.sqlfunctions`` registers on every Genzong and Datasette connection.

The views have no ORDER BY: Datasette counts a view's rows on every page,
and SQLite evaluates every column of every row to count a sorted view.
The metadata file gives each view its default sort instead.

``server.migrations.upgrade`` drops the views before it changes tables and
creates them again afterwards, so every database has the current ones.
"""

import sqlite3

from .project_views import PROJECT_VIEWS
from .schema import RECEIVABLES_BY_ID
from .survey_views import SURVEY_VIEWS
from .timeutil import DEFAULT_TIME_ZONE

# "Now" as a UTC timestamp in the wire's fixed-width form, so it compares
# with stored timestamps as text.
UTC_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

ORG_CALENDAR = f"""
WITH zone AS (
    SELECT coalesce((
        SELECT CASE WHEN json_valid(value) THEN
                   CASE WHEN json_type(value) = 'text' THEN json_extract(value, '$') END END
        FROM settings WHERE key = 'time_zone' AND deleted = 0), '{DEFAULT_TIME_ZONE}') AS time_zone),
today AS MATERIALIZED (SELECT time_zone, org_today(time_zone) AS today FROM zone)
SELECT
    time_zone,
    today,
    date(today, '-6 days', 'weekday 1') AS week_start,
    date(today, 'weekday 0') AS week_end,
    date(today, 'start of month') AS month_start,
    date(today, 'start of month', '+1 month', '-1 day') AS month_end,
    date(today, 'start of month', '-11 months') AS year_start
FROM today
"""

# Payment status, first match wins: paid >= amount is 已付款 (overpaid_fen
# flags an overpayment); past the due date is 逾期未付款; some payment is
# 部分付款; otherwise 待付款. A receivable due today is not yet overdue.
# paid_fen and last_paid_on are the receivable's paid total and latest
# payment date, which the database keeps (schema.DERIVED_COLUMNS). The
# receivable canned queries repeat this rule for the rows they read, and
# tests check both against one Python model (tests/receivable_model.py).
RECEIVABLE_BALANCES = f"""
WITH calendar AS MATERIALIZED (SELECT today FROM org_calendar)
SELECT
    t.id, t.customer_id, t.owner_id, t.order_no, t.sale_date, t.due_date,
    t.amount_fen, t.paid_fen,
    max(t.amount_fen - t.paid_fen, 0) AS outstanding_fen,
    max(t.paid_fen - t.amount_fen, 0) AS overpaid_fen,
    CASE WHEN t.paid_fen >= t.amount_fen THEN '已付款'
         WHEN calendar.today > t.due_date THEN '逾期未付款'
         WHEN t.paid_fen > 0 THEN '部分付款'
         ELSE '待付款' END AS status,
    CASE WHEN t.paid_fen < t.amount_fen AND calendar.today > t.due_date
         THEN CAST(julianday(calendar.today) - julianday(t.due_date) AS INTEGER) END AS days_overdue,
    t.last_paid_on, t.notes
-- Every receivable has its customer, and scope_owner is that customer's
-- owner, so checking a few deleted ids replaces a join per receivable. The
-- index holds the paid totals, so a row count or a facet reads no row.
FROM (SELECT r.id, r.customer_id, r.scope_owner AS owner_id, r.order_no, r.sale_date, r.due_date,
             r.amount_fen, r.paid_fen, r.last_paid_on, r.notes
      FROM receivables r INDEXED BY {RECEIVABLES_BY_ID}
      WHERE r.deleted = 0 AND r.customer_id NOT IN (SELECT id FROM customers WHERE deleted = 1)) t
CROSS JOIN calendar
"""


def _user_name(user_id: str, empty: str) -> str:
    """Return SQL for the display name of user ``user_id``, or the text ``empty`` when it is NULL.

    The name is a subquery, so a row count or facet that does not read it costs no lookup.
    """
    return (f"CASE WHEN {user_id} IS NULL THEN '{empty}' ELSE coalesce("
            f"(SELECT coalesce(u.name, u.username) FROM users u WHERE u.id = {user_id}), {user_id}) END")


CUSTOMER_LIST = f"""
SELECT
    c.code AS 客户编号,
    c.name AS 客户名称,
    c.company AS 公司,
    c.title AS 职位,
    c.phone AS 电话,
    c.email AS 邮箱,
    c.address AS 地址,
    c.kind AS 客户类型,
    c.source AS 客户来源,
    c.interest AS 意向度,
    c.stage AS 阶段,
    {_user_name('c.owner_id', '公海')} AS 负责人,
    c.expected_purchase_date AS 预计购买日期,
    c.expected_amount_fen / 100.0 AS 预计金额,
    c.next_follow_up AS 下次跟进日期,
    org_datetime((SELECT max(f.happened_at) FROM follow_ups f
                  WHERE f.customer_id = c.id AND f.deleted = 0), cal.time_zone) AS 最近跟进时间,
    (SELECT count(*) FROM follow_ups f WHERE f.customer_id = c.id AND f.deleted = 0) AS 跟进次数,
    referrer.name AS 介绍人,
    dealer.name AS 经销点,
    c.legacy_code AS 原编号,
    c.notes AS 备注
FROM customers c
CROSS JOIN (SELECT time_zone FROM org_calendar) cal
LEFT JOIN customers referrer ON referrer.id = c.referred_by AND referrer.deleted = 0
LEFT JOIN dealers dealer ON dealer.id = c.dealer_id AND dealer.deleted = 0
WHERE c.deleted = 0
"""

FOLLOW_UP_LOG = f"""
SELECT
    org_datetime(f.happened_at, cal.time_zone) AS 跟进时间,
    -- Names are looked up per shown row: Datasette's row count and facets
    -- read the same view, and they need no customer or user. The owner is
    -- scope_owner, which the server keeps equal to the customer's owner.
    (SELECT c.code FROM customers c WHERE c.id = f.customer_id) AS 客户编号,
    (SELECT c.name FROM customers c WHERE c.id = f.customer_id) AS 客户名称,
    {_user_name('f.scope_owner', '公海')} AS 负责人,
    {_user_name('f.created_by', '系统')} AS 记录人,
    f.channel AS 沟通方式,
    f.content AS 跟进内容,
    f.result AS 跟进结果,
    f.next_follow_up AS 下次跟进日期,
    CASE WHEN f.checked_in_at IS NOT NULL OR f.location IS NOT NULL THEN '是' ELSE '否' END AS 已签到,
    -- The page sorts by this stored column, which an index serves, instead of
    -- converting every follow-up's time to the local 跟进时间.
    f.happened_at AS 时间戳
FROM follow_ups f
CROSS JOIN (SELECT time_zone FROM org_calendar) cal
WHERE f.deleted = 0 AND f.customer_id NOT IN (SELECT id FROM customers WHERE deleted = 1)
"""

RECEIVABLE_TRACKING = f"""
SELECT
    -- Looked up per row, so the row count and facets need no customer or user.
    (SELECT c.code FROM customers c WHERE c.id = b.customer_id) AS 客户编号,
    (SELECT c.name FROM customers c WHERE c.id = b.customer_id) AS 客户名称,
    {_user_name('b.owner_id', '公海')} AS 负责人,
    b.order_no AS 订单号,
    b.sale_date AS 销售日期,
    b.due_date AS 付款期限,
    b.amount_fen / 100.0 AS 应收金额,
    b.paid_fen / 100.0 AS 已收金额,
    b.outstanding_fen / 100.0 AS 未收金额,
    b.status AS 付款状态,
    b.days_overdue AS 逾期天数,
    CASE WHEN b.overpaid_fen > 0 THEN b.overpaid_fen / 100.0 END AS 多付金额,
    b.last_paid_on AS 最近回款日期,
    b.notes AS 备注
FROM receivable_balances b
"""

# A ticket missed its reply deadline when its first reply came after it, or
# while it is open (待处理 or 处理中) without a reply past the deadline. A
# resolution also replies to the customer, so it counts as the reply when
# none was recorded. A ticket on hold (暂缓) without a reply does not count as
# missed while on hold, as the reminders leave it out.
# The same rule is in the canned queries 投诉处理时效 and 超时答复工单.
MISSED_REPLY = (f"(t.reply_due_at IS NOT NULL AND (coalesce(t.first_reply_at, t.resolved_at) > t.reply_due_at "
                f"OR (t.first_reply_at IS NULL AND t.resolved_at IS NULL "
                f"AND coalesce(t.status, '待处理') IN ('待处理', '处理中') AND t.reply_due_at < {UTC_NOW})))")

TICKET_LOG = f"""
SELECT
    t.number AS 工单编号,
    t.legacy_number AS 原编号,
    t.kind AS 类型,
    org_datetime(t.received_at, cal.time_zone) AS 受理时间,
    t.subject AS 主题,
    t.content AS 内容,
    t.complainant AS 投诉人,
    t.contact AS 联系方式,
    c.code AS 客户编号,
    c.name AS 客户名称,
    {_user_name('t.owner_id', '未分配')} AS 负责人,
    t.severity AS 严重程度,
    t.category AS 类别,
    t.status AS 处理状态,
    org_datetime(t.reply_due_at, cal.time_zone) AS 答复期限,
    org_datetime(t.first_reply_at, cal.time_zone) AS 首次答复时间,
    round((julianday(t.first_reply_at) - julianday(t.received_at)) * 24, 1) AS 答复用时,
    CASE WHEN {MISSED_REPLY} THEN '是' ELSE '否' END AS 超时答复,
    t.investigation AS 调查情况,
    t.resolution AS 处理方案,
    t.result AS 处理结果,
    t.steps AS 重现步骤,
    t.expected_result AS 预期结果,
    t.actual_result AS 实际结果,
    t.decision AS 处理决定,
    t.shipped_version AS 发布版本,
    org_datetime(t.resolved_at, cal.time_zone) AS 解决时间,
    round((julianday(t.resolved_at) - julianday(t.received_at)) * 24, 1) AS 解决用时,
    t.visit_on AS 回访日期,
    t.satisfaction AS 满意度
FROM tickets t
CROSS JOIN (SELECT time_zone FROM org_calendar) cal
LEFT JOIN customers c ON c.id = t.customer_id
WHERE t.deleted = 0 AND coalesce(c.deleted, 0) = 0
"""

# The events of the monthly review, one row each: a receivable ('sale', dated
# by sale_date), a payment ('payment', by paid_on) and a complaint
# ('complaint': a 投诉 ticket, by its local received date). owner_id is the
# customer's owner, or a ticket's own owner when it has no customer.
# dealer_id is the receivable's dealer, else the customer's, and NULL for a
# deleted dealer. Sale rows carry due_date and payments their receivable_id,
# so a query can work out what was overdue at any date.
REVIEW_EVENTS = """
WITH live_dealers AS MATERIALIZED (SELECT id FROM dealers WHERE deleted = 0),
live_receivables AS MATERIALIZED (
    SELECT r.id, r.sale_date, r.due_date, r.amount_fen, c.owner_id,
           coalesce(r.dealer_id, c.dealer_id) AS dealer_id
    FROM receivables r
    JOIN customers c ON c.id = r.customer_id AND c.deleted = 0
    WHERE r.deleted = 0)
SELECT 'sale' AS kind, r.sale_date AS day, r.owner_id,
       CASE WHEN r.dealer_id IN live_dealers THEN r.dealer_id END AS dealer_id,
       r.amount_fen, r.id AS receivable_id, r.due_date
FROM live_receivables r
UNION ALL
SELECT 'payment', p.paid_on, r.owner_id,
       CASE WHEN r.dealer_id IN live_dealers THEN r.dealer_id END,
       p.amount_fen, r.id, NULL
FROM payments p
JOIN live_receivables r ON r.id = p.receivable_id
WHERE p.deleted = 0
UNION ALL
SELECT 'complaint', org_date(t.received_at, cal.time_zone),
       CASE WHEN t.customer_id IS NULL THEN t.owner_id ELSE c.owner_id END,
       CASE WHEN c.dealer_id IN live_dealers THEN c.dealer_id END,
       NULL, NULL, NULL
FROM tickets t
CROSS JOIN (SELECT time_zone FROM org_calendar) cal
LEFT JOIN customers c ON c.id = t.customer_id
WHERE t.deleted = 0 AND t.kind = '投诉' AND coalesce(c.deleted, 0) = 0
"""

# In dependency order: a view is created after the views it reads.
VIEWS: dict[str, str] = {
    "org_calendar": ORG_CALENDAR,
    "receivable_balances": RECEIVABLE_BALANCES,
    "customer_list": CUSTOMER_LIST,
    "follow_up_log": FOLLOW_UP_LOG,
    "receivable_tracking": RECEIVABLE_TRACKING,
    "ticket_log": TICKET_LOG,
    **PROJECT_VIEWS,
    **SURVEY_VIEWS,
    "review_events": REVIEW_EVENTS,
}


def drop_views(conn: sqlite3.Connection) -> None:
    """Drop Genzong's views, so a table change never trips over one."""
    for name in reversed(VIEWS):
        conn.execute(f"DROP VIEW IF EXISTS {name}")


def create_views(conn: sqlite3.Connection) -> None:
    """Create (or replace) every view. Call inside the upgrade transaction."""
    drop_views(conn)
    for name, select in VIEWS.items():
        conn.execute(f"CREATE VIEW {name} AS {select.strip()}")
