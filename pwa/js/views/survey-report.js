// 满意度月报: for managers, one month's average per question and overall,
// the number of surveys, the lowest-scoring questions and the change against
// the previous month, computed on the device (so it works offline) and drawn
// as plain SVG. Also adds the 报表 links to the settings screen.

import './survey-messages.js';

import { app } from '../context.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { navigate, route } from '../router.js';
import { configuredQuestions, monthlyReport, nextMonth, previousMonth } from '../surveys.js';
import { emptyState, linkButton, pageHeader, section } from '../ui.js';
import { registerSettingsSection } from './settings.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const MAX_SCORE = 5;
const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function monthLabel(month) {
  const [year, number] = month.split('-').map(Number);
  return t('report.month', { year, month: number });
}

function formatAverage(value) {
  return value === null ? '—' : value.toFixed(2);
}

// "+0.20" with an arrow, coloured by direction; "上月无数据" without a comparison.
function changeNode(change) {
  if (change === null) return h('span', { class: 'text-muted', text: t('report.no_previous') });
  let arrow = '＝';
  let kind = 'change-flat';
  if (change > 0) [arrow, kind] = ['▲', 'change-up'];
  else if (change < 0) [arrow, kind] = ['▼', 'change-down'];
  const text = `${arrow} ${change > 0 ? '+' : ''}${change.toFixed(2)}`;
  return h('span', { class: ['change', kind], text: t('report.change', { change: text }) });
}

// Bars per question (and overall): this month above, the previous month below, on a 0–5 scale.
function comparisonChart(report) {
  const rows = [{ text: t('report.overall'), average: report.overall, previousAverage: report.previousOverall }, ...report.questions];
  const width = 340;
  const barSpace = 250;
  const rowHeight = 58;
  const top = 24;
  const height = top + rows.length * rowHeight + 18;
  const x = (score) => (score / MAX_SCORE) * barSpace;
  const grid = [0, 1, 2, 3, 4, 5].map((score) => [
    svg('line', { class: 'chart-grid', x1: x(score), x2: x(score), y1: top, y2: height - 16 }),
    svg('text', { class: 'chart-axis', x: x(score), y: height - 4, 'text-anchor': 'middle' }, score),
  ]);
  const legend = [
    svg('rect', { class: 'bar-current', x: 0, y: 4, width: 12, height: 12, rx: 2 }),
    svg('text', { class: 'chart-label', x: 16, y: 15 }, t('report.this_month')),
    svg('rect', { class: 'bar-previous', x: 90, y: 4, width: 12, height: 12, rx: 2 }),
    svg('text', { class: 'chart-label', x: 106, y: 15 }, t('report.last_month')),
  ];
  const bars = rows.map((row, index) => {
    const y = top + index * rowHeight;
    const bar = (value, offset, kind) => [
      svg('rect', { class: kind, x: 0, y: y + offset, width: value === null ? 0 : x(value), height: 12, rx: 2 }),
      svg('text', { class: 'chart-value', x: (value === null ? 0 : x(value)) + 6, y: y + offset + 11 }, formatAverage(value)),
    ];
    return svg('g', { class: 'chart-row', 'data-key': row.key ?? 'overall' },
      svg('text', { class: 'chart-label', x: 0, y: y + 14 }, row.text),
      bar(row.average, 20, 'bar-current'),
      bar(row.previousAverage, 36, 'bar-previous'));
  });
  return svg('svg', {
    class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': t('report.chart_label', { month: monthLabel(report.month) }),
  }, grid, legend, bars);
}

// The overall average of the last six months as a line.
function trendChart(report) {
  const width = 340;
  const height = 130;
  const left = 20;
  const step = (width - 2 * left) / (report.history.length - 1);
  const y = (score) => 20 + (1 - score / MAX_SCORE) * 80;
  const points = report.history.map((entry, index) => ({ ...entry, x: left + index * step }));
  const scored = points.filter((point) => point.overall !== null);
  return svg('svg', { class: 'chart chart-trend', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': t('report.trend') },
    [0, 5].map((score) => svg('line', { class: 'chart-grid', x1: left, x2: width - left, y1: y(score), y2: y(score) })),
    scored.length > 1 ? svg('polyline', { class: 'trend-line', points: scored.map((point) => `${point.x},${y(point.overall)}`).join(' ') }) : null,
    scored.map((point) => [
      svg('circle', { class: 'trend-point', cx: point.x, cy: y(point.overall), r: 4 }),
      svg('text', { class: 'chart-value', x: point.x, y: y(point.overall) - 8, 'text-anchor': 'middle' }, formatAverage(point.overall)),
    ]),
    points.map((point) => svg('text', { class: 'chart-axis', x: point.x, y: height - 6, 'text-anchor': 'middle' },
      `${Number(point.month.slice(5))}${t('report.month_suffix')}`)));
}

function statCard(label, value, detail) {
  return h('div', { class: 'card stat' },
    h('div', { class: 'text-muted small', text: label }),
    h('div', { class: 'stat-value', text: value }),
    detail);
}

function questionTable(report) {
  return h('table', { class: 'report-table' },
    h('thead', {}, h('tr', {},
      h('th', { text: t('report.question') }), h('th', { text: t('report.average') }),
      h('th', { text: t('report.last_month') }), h('th', { text: t('report.answers_column') }))),
    h('tbody', {}, report.questions.map((row) => h('tr', { dataset: { key: row.key } },
      h('td', { text: row.text }),
      h('td', { class: 'number', text: formatAverage(row.average) }),
      h('td', { class: 'number', text: formatAverage(row.previousAverage) }),
      // The count stays on one line; the longer English "2 not answered" may wrap on a phone.
      h('td', { class: 'number' }, String(row.answered),
        row.unanswered ? h('span', { class: 'report-unanswered', text: ` / ${t('report.unanswered', { count: row.unanswered })}` }) : null)))));
}

function render(params) {
  const back = '#/settings';
  if (!app.seesEverything) {
    return h('div', { class: 'view' }, pageHeader(t('report.title'), { back }), emptyState(t('report.managers_only')));
  }
  const thisMonth = app.today().slice(0, 7);
  const requested = params.query.get('month');
  const month = requested && MONTH_PATTERN.test(requested) ? requested : thisMonth;
  const report = monthlyReport(app.store.list('surveys'), configuredQuestions(app.settings()), month);
  const go = (target) => navigate(`/surveys/report?month=${target}`);

  const nav = h('div', { class: 'month-nav' },
    h('button', { type: 'button', class: 'button button-small', text: '‹', attrs: { 'aria-label': t('report.previous_month') },
      on: { click: () => go(previousMonth(month)) } }),
    h('strong', { class: 'month-label', text: monthLabel(month) }),
    h('button', { type: 'button', class: 'button button-small', text: '›', disabled: month >= thisMonth,
      attrs: { 'aria-label': t('report.next_month') }, on: { click: () => go(nextMonth(month)) } }));

  const stats = h('div', { class: 'stats' },
    statCard(t('report.surveys'), String(report.count),
      h('div', { class: 'small text-muted', text: t('report.previous_value', { value: report.previousCount }) })),
    statCard(t('report.overall'), formatAverage(report.overall), h('div', { class: 'small' }, changeNode(report.overallChange))));

  const body = report.count === 0 ? [emptyState(t('report.empty'))] : [
    section(t('report.per_question'), comparisonChart(report), questionTable(report)),
    section(t('report.lowest'), h('ol', { class: 'lowest' }, report.lowest.map((row) => h('li', { dataset: { key: row.key } },
      h('span', { text: row.text }), ' ',
      h('strong', { text: formatAverage(row.average) }), ' ',
      h('span', { class: 'small' }, changeNode(row.change)))))),
  ];
  return h('div', { class: 'view view-survey-report' },
    pageHeader(t('report.title'), { back }),
    nav,
    stats,
    h('p', { class: 'hint report-rule', text: t('report.rule') }),
    body,
    section(t('report.trend'), trendChart(report)));
}

// Datasette at /data/ serves managers and admins only. It opens in a new
// window because an installed app's window has no way back from it.
function browseDataLink() {
  return [
    h('div', { class: 'actions' }, h('a', { class: ['button', 'button-secondary'], href: '/data/',
      text: t('reports.browse_data'), attrs: { target: '_blank', rel: 'noopener' } })),
    h('p', { class: 'hint', text: t('reports.browse_data_hint') }),
  ];
}

registerSettingsSection({
  id: 'reports', order: 22, title: () => t('reports.title'),
  render: () => [
    h('div', { class: 'actions' },
      linkButton(t('reports.projects'), '#/projects'),
      app.seesEverything ? linkButton(t('review.title'), '#/review') : null,
      app.seesEverything ? linkButton(t('reports.survey_monthly'), '#/surveys/report') : null),
    app.seesEverything ? browseDataLink() : null,
  ],
});

route('/surveys/report', { tab: 'settings', render });
