// Satisfaction surveys (客人满意度追踪): the configured questions, a survey's
// score and the monthly report.
//
// The rules are those of the Datasette views in server/views.py:
//   - a survey's score is the average of its answered questions (scores
//     1–5). An unanswered question (null) is left out, not counted as 0,
//     and a survey with no answer has no score;
//   - a question's monthly average is the average of its answers in that
//     month; the overall monthly average is the average of the scores of
//     that month's surveys;
//   - averages are rounded to two decimals (see round2), and the change
//     against the previous month is taken between the rounded averages.

export const DEFAULT_SURVEY_QUESTIONS = [
  { key: 'product', text: '产品质量' },
  { key: 'install', text: '安装质量' },
  { key: 'service', text: '服务态度' },
  { key: 'speed', text: '响应速度' },
  { key: 'overall', text: '总体满意度' },
];
export const SCORES = [1, 2, 3, 4, 5];
export const LOWEST_COUNT = 3; // how many lowest-scoring questions the report names

function validScore(value) {
  return Number.isInteger(value) && value >= 1 && value <= 5;
}

// Round to two decimals, half away from zero, on the first 15 significant
// digits, so float noise (131 / 40 is stored as 3.27499999999999991) rounds as
// the exact value would. SQLite's round(x, 2) in Datasette gives the same
// result for every average k / n of 1–5 scores with n ≤ 40 (a browser test
// checks them all), so the phone and the published report agree.
export function round2(value) {
  if (value === null) return null;
  const sign = value < 0 ? -1 : 1;
  const shifted = Number((Math.abs(value) * 100).toPrecision(15));
  return (sign * Math.round(shifted)) / 100;
}

function average(values) {
  return values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null;
}

// The questions an admin configured (setting survey_questions), else the default list.
export function configuredQuestions(settings) {
  const value = settings?.survey_questions;
  const valid = Array.isArray(value) && value.length > 0
    && value.every((question) => typeof question?.key === 'string' && typeof question?.text === 'string');
  return valid ? value.map(({ key, text }) => ({ key, text })) : DEFAULT_SURVEY_QUESTIONS.map((q) => ({ ...q }));
}

// {score, answered, unanswered} of one survey's answers ({key: 1..5 or null}).
export function surveyScore(answers) {
  const values = Object.values(answers ?? {});
  const scores = values.filter(validScore);
  return { score: average(scores), answered: scores.length, unanswered: values.length - scores.length };
}

// '2026-03' → '2026-02'.
export function previousMonth(month) {
  const [year, number] = month.split('-').map(Number);
  return number === 1 ? `${year - 1}-12` : `${year}-${String(number - 1).padStart(2, '0')}`;
}

export function nextMonth(month) {
  const [year, number] = month.split('-').map(Number);
  return number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, '0')}`;
}

function monthSummary(surveys, month) {
  const chosen = surveys.filter((survey) => !survey.deleted && String(survey.surveyed_on ?? '').startsWith(`${month}-`));
  const scores = chosen.map((survey) => surveyScore(survey.answers).score).filter((score) => score !== null);
  const byQuestion = new Map();
  for (const survey of chosen) {
    for (const [key, value] of Object.entries(survey.answers ?? {})) {
      if (!byQuestion.has(key)) byQuestion.set(key, { values: [], unanswered: 0 });
      if (validScore(value)) byQuestion.get(key).values.push(value);
      else byQuestion.get(key).unanswered += 1;
    }
  }
  return { month, count: chosen.length, overall: round2(average(scores)), byQuestion };
}

function change(current, previous) {
  return current === null || previous === null ? null : round2(current - previous);
}

// The monthly report of `month` (YYYY-MM) over `surveys` (survey records):
//   {month, previousMonth, count, previousCount, overall, previousOverall,
//    overallChange, questions: [{key, text, average, answered, unanswered,
//    previousAverage, change}], lowest: [the LOWEST_COUNT answered questions
//    with the lowest average, lowest first], history: [{month, count,
//    overall}] for the six months ending at `month`}.
// Questions come in the configured order, then keys that only old surveys
// answered (a question removed from the settings), with the key as text.
export function monthlyReport(surveys, questions, month) {
  const current = monthSummary(surveys, month);
  const previous = monthSummary(surveys, previousMonth(month));
  const known = new Set(questions.map((question) => question.key));
  const extra = [...new Set([...current.byQuestion.keys(), ...previous.byQuestion.keys()])]
    .filter((key) => !known.has(key)).sort().map((key) => ({ key, text: key }));
  const rows = [...questions, ...extra].map(({ key, text }) => {
    const now = current.byQuestion.get(key);
    const before = previous.byQuestion.get(key);
    const averageNow = now ? round2(average(now.values)) : null;
    const averageBefore = before ? round2(average(before.values)) : null;
    return {
      key, text, average: averageNow, answered: now?.values.length ?? 0, unanswered: now?.unanswered ?? 0,
      previousAverage: averageBefore, change: change(averageNow, averageBefore),
    };
  });
  const lowest = rows.map((row, position) => ({ row, position }))
    .filter(({ row }) => row.average !== null)
    .sort((a, b) => a.row.average - b.row.average || a.position - b.position)
    .slice(0, LOWEST_COUNT).map(({ row }) => row);
  const history = [];
  for (let index = 0, cursor = month; index < 6; index += 1, cursor = previousMonth(cursor)) {
    const summary = monthSummary(surveys, cursor);
    history.unshift({ month: cursor, count: summary.count, overall: summary.overall });
  }
  return {
    month, previousMonth: previous.month, count: current.count, previousCount: previous.count,
    overall: current.overall, previousOverall: previous.overall, overallChange: change(current.overall, previous.overall),
    questions: rows, lowest, history,
  };
}
