"""SQL views of satisfaction surveys (客人满意度追踪), for Datasette.

A survey's ``answers`` is a JSON object ``{"<question key>": 1..5 or null}``.
Its score is the average of the answered questions only: an unanswered
question (null) is left out, not counted as 0, and a survey without any
answer has no score. The PWA (``pwa/js/surveys.js``) applies the same rule.

``survey_questions`` lists the configured questions (the ``survey_questions``
setting, or the default list when it is unset or not a JSON list);
``survey_scores`` is every live survey with its month and score;
``survey_list`` is the Chinese report of them.
"""

import json

from .settings import DEFAULT_SURVEY_QUESTIONS

# Questions that only older surveys answered (removed from the setting since)
# sort after the configured ones, by key.
UNLISTED_POSITION = 1000

_DEFAULT_QUESTIONS = json.dumps(list(DEFAULT_SURVEY_QUESTIONS), ensure_ascii=False).replace("'", "''")

SURVEY_QUESTIONS = f"""
WITH configured AS (
    SELECT CASE WHEN json_valid(value) AND json_type(value) = 'array' THEN value END AS questions
    FROM settings WHERE key = 'survey_questions' AND deleted = 0)
SELECT
    json_extract(q.value, '$.key') AS key,
    json_extract(q.value, '$.text') AS text,
    q.key AS position
FROM json_each(coalesce((SELECT questions FROM configured), '{_DEFAULT_QUESTIONS}')) q
"""

SURVEY_SCORES = """
SELECT
    s.id, s.customer_id, c.owner_id, s.ticket_id, s.kind, s.surveyed_on,
    substr(s.surveyed_on, 1, 7) AS month,
    s.answers,
    (SELECT avg(a.value) FROM json_each(s.answers) a WHERE a.type = 'integer') AS score,
    (SELECT count(*) FROM json_each(s.answers) a WHERE a.type = 'integer') AS answered,
    (SELECT count(*) FROM json_each(s.answers) a WHERE a.type != 'integer') AS unanswered,
    s.comment
FROM surveys s
JOIN customers c ON c.id = s.customer_id AND c.deleted = 0
WHERE s.deleted = 0
"""

SURVEY_LIST = f"""
SELECT
    s.surveyed_on AS 调查日期,
    c.code AS 客户编号,
    c.name AS 客户名称,
    CASE WHEN s.owner_id IS NULL THEN '公海' ELSE coalesce(u.name, u.username, s.owner_id) END AS 负责人,
    s.kind AS 调查类型,
    t.number AS 工单编号,
    round(s.score, 2) AS 得分,
    s.answered AS 已答题数,
    s.unanswered AS 未答题数,
    (SELECT group_concat(item, '；') FROM (
        SELECT coalesce(q.text, a.key) || ' ' || coalesce(a.value, '未回答') AS item
        FROM json_each(s.answers) a
        LEFT JOIN survey_questions q ON q.key = a.key
        ORDER BY coalesce(q.position, {UNLISTED_POSITION}), a.key)) AS 评分明细,
    s.comment AS 客户意见
FROM survey_scores s
JOIN customers c ON c.id = s.customer_id
LEFT JOIN users u ON u.id = s.owner_id
LEFT JOIN tickets t ON t.id = s.ticket_id AND t.deleted = 0
"""

SURVEY_VIEWS: dict[str, str] = {
    "survey_questions": SURVEY_QUESTIONS,
    "survey_scores": SURVEY_SCORES,
    "survey_list": SURVEY_LIST,
}
