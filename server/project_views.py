"""SQL views of projects, their stages and risks (多项目进度跟踪, 风险管理), for Datasette.

The rules are the PWA's (``pwa/js/projects.js``), so a report and a phone
show the same numbers:

- a stage finished on ``actual_on`` is late by ``actual_on - planned_on``
  days, and by 0 when it finished on time or early;
- an unfinished stage of a project in progress (status 进行中 or not set) is
  late by ``today - planned_on`` days once its planned date has passed; the
  open stages of a paused, finished or cancelled project are not late;
- a stage without a planned date has no lateness (NULL);
- the current stage is the first unfinished one by ``position``;
- a risk's exposure (风险值) is probability × impact: 高 from 15, 中 from 8,
  低 below; an open risk (not 已关闭) is overdue the day after ``due_on``.

``project_stage_status`` and ``risk_exposure`` are helper views with ASCII
columns for the canned queries; ``project_overview`` is the Chinese report.
They leave out deleted rows and the children of deleted projects and
customers.
"""

# The order in which a project's stages are listed; the PWA sorts the same way.
STAGE_ORDER = "coalesce(position, 0), name, id"

PROJECT_STAGE_STATUS = f"""
WITH calendar AS MATERIALIZED (SELECT today FROM org_calendar),
stages AS MATERIALIZED (
    SELECT st.id, st.project_id, p.customer_id, st.name, coalesce(st.position, 0) AS position,
           st.planned_on, st.actual_on, st.notes,
           coalesce(p.status, '进行中') = '进行中' AS in_progress,
           (SELECT first.id FROM project_stages first
            WHERE first.project_id = st.project_id AND first.deleted = 0 AND first.actual_on IS NULL
            ORDER BY {STAGE_ORDER} LIMIT 1) AS current_id
    FROM project_stages st
    JOIN projects p ON p.id = st.project_id AND p.deleted = 0
    JOIN customers c ON c.id = p.customer_id AND c.deleted = 0
    WHERE st.deleted = 0)
SELECT
    s.id, s.project_id, s.customer_id, s.name, s.position, s.planned_on, s.actual_on, s.notes,
    s.in_progress,
    CASE WHEN s.planned_on IS NULL THEN NULL
         WHEN s.actual_on IS NOT NULL
              THEN max(CAST(julianday(s.actual_on) - julianday(s.planned_on) AS INTEGER), 0)
         WHEN s.in_progress AND calendar.today > s.planned_on
              THEN CAST(julianday(calendar.today) - julianday(s.planned_on) AS INTEGER)
         ELSE 0 END AS days_late,
    CASE WHEN s.actual_on IS NOT NULL THEN
              CASE WHEN s.planned_on IS NULL THEN '已完成'
                   WHEN s.actual_on > s.planned_on THEN '延期完成'
                   ELSE '按期完成' END
         WHEN s.in_progress AND calendar.today > s.planned_on THEN '已逾期'
         ELSE '未完成' END AS state,
    s.id = s.current_id AS is_current
FROM stages s CROSS JOIN calendar
"""

RISK_EXPOSURE = """
WITH calendar AS MATERIALIZED (SELECT today FROM org_calendar),
risks_with_exposure AS (
    SELECT r.id, r.project_id, p.customer_id, p.status AS project_status, r.category, r.description,
           r.probability, r.impact, r.probability * r.impact AS exposure, r.owner_id, r.mitigation,
           coalesce(r.status, '待处理') AS status, r.due_on,
           coalesce(r.status, '') != '已关闭' AS is_open,
           CASE WHEN coalesce(r.status, '') != '已关闭' AND r.due_on < calendar.today
                THEN CAST(julianday(calendar.today) - julianday(r.due_on) AS INTEGER)
                ELSE 0 END AS days_overdue
    FROM risks r
    CROSS JOIN calendar
    JOIN projects p ON p.id = r.project_id AND p.deleted = 0
    JOIN customers c ON c.id = p.customer_id AND c.deleted = 0
    WHERE r.deleted = 0)
SELECT
    id, project_id, customer_id, project_status, category, description, probability, impact, exposure,
    CASE WHEN exposure >= 15 THEN '高' WHEN exposure >= 8 THEN '中' WHEN exposure IS NOT NULL THEN '低' END AS level,
    owner_id, mitigation, status, due_on, is_open, days_overdue,
    is_open AND coalesce(project_status, '') NOT IN ('已完成', '已取消')
         AND (days_overdue > 0 OR coalesce(exposure, 0) >= 15) AS needs_attention
FROM risks_with_exposure
"""


def _owner_name(user: str, owner_id: str) -> str:
    return f"CASE WHEN {owner_id} IS NULL THEN '未指定' ELSE coalesce({user}.name, {user}.username, {owner_id}) END"


PROJECT_OVERVIEW = f"""
WITH stage_totals AS MATERIALIZED (
    SELECT project_id, count(*) AS total, count(actual_on) AS done,
           sum(coalesce(days_late, 0) > 0) AS late_stages
    FROM project_stage_status GROUP BY project_id),
current_stage AS MATERIALIZED (
    SELECT project_id, name, planned_on, days_late FROM project_stage_status WHERE is_current),
risk_totals AS MATERIALIZED (
    SELECT project_id, sum(is_open) AS open_risks, max(CASE WHEN is_open THEN exposure END) AS max_exposure
    FROM risk_exposure GROUP BY project_id)
SELECT
    c.code AS 客户编号,
    c.name AS 客户名称,
    p.name AS 项目名称,
    {_owner_name('u', 'p.owner_id')} AS 负责人,
    p.status AS 状态,
    p.expected_completion AS 预计完成日期,
    coalesce(t.total, 0) AS 阶段总数,
    coalesce(t.done, 0) AS 已完成阶段,
    CASE WHEN t.total > 0 THEN CAST(round(t.done * 100.0 / t.total) AS INTEGER) ELSE 0 END AS 完成进度,
    CASE WHEN t.total > 0 AND cs.name IS NULL THEN '全部完成' ELSE cs.name END AS 当前阶段,
    cs.planned_on AS 当前阶段计划完成日期,
    cs.days_late AS 当前阶段延误天数,
    coalesce(t.late_stages, 0) AS 延误阶段数,
    coalesce(r.open_risks, 0) AS 未关闭风险,
    r.max_exposure AS 最高风险值,
    p.content AS 项目内容,
    p.outcome AS 项目结果
FROM projects p
JOIN customers c ON c.id = p.customer_id AND c.deleted = 0
LEFT JOIN users u ON u.id = p.owner_id
LEFT JOIN stage_totals t ON t.project_id = p.id
LEFT JOIN current_stage cs ON cs.project_id = p.id
LEFT JOIN risk_totals r ON r.project_id = p.id
WHERE p.deleted = 0
"""

# In dependency order, after the views they read (org_calendar).
PROJECT_VIEWS: dict[str, str] = {
    "project_stage_status": PROJECT_STAGE_STATUS,
    "risk_exposure": RISK_EXPOSURE,
    "project_overview": PROJECT_OVERVIEW,
}
