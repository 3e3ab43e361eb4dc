// Projects (项目/商机): stage progress, days late and risk exposure.
//
// These are the rules of the Datasette views in server/views.py, so a phone
// and a published report show the same numbers:
//   - a stage finished on actual_on is late by actual_on − planned_on days
//     (0 when it finished on time or early);
//   - an unfinished stage of a project in progress (status 进行中 or not set)
//     is late by today − planned_on days once its planned date has passed;
//     a paused, finished or cancelled project's open stages are not late;
//   - a stage without a planned date is never late;
//   - a risk's exposure (风险值) is probability × impact, 1–25: high from 15,
//     medium from 8, low below; a risk not 已关闭 is overdue the day after due_on.

export const DEFAULT_PROJECT_STAGES = ['需求分析', '项目计划', '模型设计', '系统开发', '系统测试', '实施部署', '运行维护'];
export const HIGH_EXPOSURE = 15;
export const MEDIUM_EXPOSURE = 8;
export const CLOSED_RISK = '已关闭';
// Projects whose risks no longer need attention.
export const ENDED_PROJECT_STATUSES = new Set(['已完成', '已取消']);

const DAY_MS = 86400000;

export function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

// The stage names an admin configured (setting project_stages), else the default list.
export function configuredStages(settings) {
  const value = settings?.project_stages;
  const valid = Array.isArray(value) && value.length > 0
    && value.every((name) => typeof name === 'string' && name.trim() !== '');
  return valid ? value.map((name) => name.trim()) : [...DEFAULT_PROJECT_STAGES];
}

export function projectInProgress(project) {
  return !project?.status || project.status === '进行中';
}

function compareText(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// A project's stage records in order (position, then name and id as the
// Datasette views sort them), deleted ones left out.
export function orderedStages(stages) {
  return stages.filter((stage) => !stage.deleted).sort((a, b) => (a.position ?? 0) - (b.position ?? 0)
    || compareText(String(a.name), String(b.name)) || compareText(a.id, b.id));
}

// Days a stage is late (see the rules above), or null without a planned date.
export function stageDaysLate(stage, today, inProgress = true) {
  if (!stage.planned_on) return null;
  if (stage.actual_on) return Math.max(daysBetween(stage.planned_on, stage.actual_on), 0);
  if (inProgress && today > stage.planned_on) return daysBetween(stage.planned_on, today);
  return 0;
}

// One of done_on_time, done_late, done (finished, no plan), overdue, open.
export function stageState(stage, today, inProgress = true) {
  const late = stageDaysLate(stage, today, inProgress);
  if (stage.actual_on) {
    if (late === null) return 'done';
    return late > 0 ? 'done_late' : 'done_on_time';
  }
  return late ? 'overdue' : 'open';
}

// Progress of a project through its stages: {total, done, percent, current,
// currentIndex, daysLate, lateStages}. `current` is the first unfinished
// stage (null once all are done) and daysLate is how late it is.
export function projectProgress(project, stages, today) {
  const ordered = orderedStages(stages);
  const inProgress = projectInProgress(project);
  const done = ordered.filter((stage) => stage.actual_on).length;
  const currentIndex = ordered.findIndex((stage) => !stage.actual_on);
  const current = currentIndex >= 0 ? ordered[currentIndex] : null;
  return {
    stages: ordered,
    total: ordered.length,
    done,
    percent: ordered.length ? Math.round((done * 100) / ordered.length) : 0,
    current,
    currentIndex,
    daysLate: current ? stageDaysLate(current, today, inProgress) ?? 0 : 0,
    lateStages: ordered.filter((stage) => (stageDaysLate(stage, today, inProgress) ?? 0) > 0).length,
  };
}

// Probability × impact, or null while either is missing.
export function riskExposure(risk) {
  const { probability, impact } = risk;
  return Number.isInteger(probability) && Number.isInteger(impact) ? probability * impact : null;
}

// 'high', 'medium', 'low', or null for an exposure of null.
export function riskLevel(exposure) {
  if (exposure === null || exposure === undefined) return null;
  if (exposure >= HIGH_EXPOSURE) return 'high';
  if (exposure >= MEDIUM_EXPOSURE) return 'medium';
  return 'low';
}

export function riskOpen(risk) {
  return risk.status !== CLOSED_RISK;
}

// Days past the risk's due_on for an open risk, else 0.
export function riskDaysOverdue(risk, today) {
  if (!riskOpen(risk) || !risk.due_on || risk.due_on >= today) return 0;
  return daysBetween(risk.due_on, today);
}

// Whether a risk belongs on the 今日 screen: open, on a project that has not
// ended, and either overdue or of high exposure.
export function riskNeedsAttention(risk, project, today) {
  if (!riskOpen(risk) || !project || ENDED_PROJECT_STATUSES.has(project.status)) return false;
  return riskDaysOverdue(risk, today) > 0 || (riskExposure(risk) ?? 0) >= HIGH_EXPOSURE;
}
