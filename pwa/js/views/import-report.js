// The import report as a manager reads it. It starts with how many rows
// create, update, stay unchanged or are rejected, and what needs attention.
// Then comes every listed row with its action and its problems by column,
// rejected rows first.
//
// The report is the JSON of POST /api/import. Its messages arrive in
// Chinese and English, and all of its text goes into the page as text.

import { h } from '../dom.js';
import { language, t } from '../i18n.js';
import { chip, section } from '../ui.js';

// Possible duplicates the importer did not merge: it created a customer and flagged it for a person to check.
const NOT_MERGED = new Set(['phone_name_differs', 'generic_name', 'same_name_other_phone']);
const COUNTED_ACTIONS = ['create', 'update', 'unchanged', 'reject'];
const ACTION_CHIPS = { create: 'success', update: '', unchanged: 'neutral', skip: 'neutral', reject: 'danger' };
// After rejected rows and rows with warnings come updates, then the rest in file order.
const ACTION_RANK = { update: 2, create: 3, unchanged: 4, skip: 5 };
const ROWS_PER_PAGE = 100;

function message(item) {
  return language() === 'en' ? item.message_en ?? item.message : item.message;
}

function hasWarning(row) {
  return row.problems.some((problem) => problem.level === 'warning');
}

function rank(row) {
  if (row.action === 'reject') return 0;
  if (hasWarning(row)) return 1;
  return ACTION_RANK[row.action] ?? 6;
}

// Sort the rows for a manager: rejected rows first, then rows with warnings,
// then updates, creations, unchanged and skipped rows. Each group keeps the
// file's order.
export function orderRows(rows) {
  return rows.map((row, index) => ({ row, index }))
    .sort((a, b) => rank(a.row) - rank(b.row) || a.index - b.index)
    .map(({ row }) => row);
}

function rowPlace(row) {
  return row.sheet ? t('import.sheet_row', { sheet: row.sheet, row: row.row }) : t('import.row', { row: row.row });
}

function countTiles(report) {
  return h('div', { class: 'import-counts' }, COUNTED_ACTIONS.map((action) => {
    const count = report.counts?.[action] ?? 0;
    return h('div', { class: ['import-count', `import-count-${action}`, count === 0 && 'import-count-zero'], dataset: { action } },
      h('span', { class: 'import-count-value', text: String(count) }),
      h('span', { class: 'import-count-label', text: t(`import.count_${action}`) }));
  }));
}

// "将写入：客户 新建 5；跟进记录 新建 6", leaving out zero counts.
function recordsLine(report) {
  const parts = [];
  for (const [table, counts] of Object.entries(report.records ?? {})) {
    const pieces = [];
    if (counts.create) pieces.push(t('import.records_new', { count: counts.create }));
    if (counts.update) pieces.push(t('import.records_changed', { count: counts.update }));
    if (pieces.length) parts.push(t('import.records_part', { table: t(`table.${table}`), counts: pieces.join(t('common.list_separator')) }));
  }
  if (!parts.length) return h('p', { class: 'import-records', text: t('import.records_none') });
  let key = 'import.records_planned';
  if (report.imported) key = 'import.records_written';
  else if (report.counts?.reject) key = 'import.records_other_rows';
  return h('p', { class: 'import-records', text: t(key, { parts: parts.join(t('common.pair_separator')) }) });
}

function summaryCard(report) {
  const skipped = report.counts?.skip ?? 0;
  const notes = (report.notes ?? []).filter((note) => note.level === 'info');
  return h('div', { class: 'card import-summary' },
    h('div', { class: 'card-title', text: t('import.report_file', { file: report.file, kind: t(`import.kind_${report.kind}`) }) }),
    countTiles(report),
    recordsLine(report),
    skipped ? h('p', { class: 'text-muted small', text: t('import.skipped_rows', { count: skipped }) }) : null,
    notes.length ? h('ul', { class: 'import-notes' }, notes.map((note) => h('li', { text: message(note) }))) : null);
}

function columnsSection(report) {
  const unused = report.unused_columns ?? [];
  const mapping = Object.entries(report.columns ?? {});
  return section(t('import.unused_columns'),
    unused.length
      ? h('div', { class: 'chips import-unused' }, unused.map((name) => chip(name, 'warning')))
      : h('p', { class: 'text-muted', text: t('import.all_columns_used') }),
    mapping.length ? h('details', { class: 'import-column-map' },
      h('summary', { text: t('import.column_map', { count: mapping.length }) }),
      h('dl', { class: 'details' }, mapping.map(([header, title]) => [h('dt', { text: header }), h('dd', { text: title })]))) : null);
}

function warningsSection(report) {
  // Unused columns have their own section; the other file notes that are not plain information go here.
  const fileWarnings = (report.notes ?? []).filter((note) => note.level !== 'info' && note.code !== 'unused_columns');
  const notMerged = [];
  let otherRows = 0;
  for (const row of report.rows ?? []) {
    const flags = row.problems.filter((problem) => NOT_MERGED.has(problem.code));
    if (flags.length) notMerged.push([row, flags]);
    else if (hasWarning(row)) otherRows += 1;
  }
  const nothing = !fileWarnings.length && !notMerged.length && !otherRows;
  return h('section', { class: 'section import-warnings' },
    h('h3', { text: t('import.warnings') }),
    nothing ? h('p', { class: 'text-muted', text: t('import.no_warnings') }) : null,
    fileWarnings.map((note) => h('p', {
      class: ['notice', note.level === 'error' ? 'notice-danger' : 'notice-warning'], dataset: { code: note.code }, text: message(note),
    })),
    notMerged.length ? h('div', { class: 'notice notice-warning import-not-merged' },
      h('strong', { text: t('import.not_merged') }),
      h('ul', {}, notMerged.map(([row, flags]) => h('li', { dataset: { row: String(row.row) } },
        h('span', { class: 'import-row-place', text: rowPlace(row) }),
        row.label ? h('span', { class: 'import-row-label', text: row.label }) : null,
        flags.map((flag) => h('span', { class: 'import-message', text: message(flag) })))))) : null,
    otherRows ? h('p', { class: 'text-muted', text: t('import.rows_with_warnings', { count: otherRows }) }) : null);
}

function problemItem(problem) {
  const hasValue = problem.value !== undefined && problem.value !== null && problem.value !== '';
  return h('li', { class: ['import-problem', `import-problem-${problem.level}`], dataset: { code: problem.code } },
    problem.column ? h('span', { class: 'import-column', text: problem.column }) : null,
    hasValue ? h('span', { class: 'import-value', text: String(problem.value), attrs: { title: t('import.value', { value: problem.value }) } }) : null,
    h('span', { class: 'import-message', text: message(problem) }));
}

function rowItem(row) {
  return h('li', { class: ['card', 'import-row', `import-row-${row.action}`], dataset: { action: row.action, row: String(row.row) } },
    h('div', { class: 'card-row' },
      h('span', { class: 'card-title' },
        h('span', { class: 'import-row-place', text: rowPlace(row) }),
        row.label ? h('span', { class: 'import-row-label', text: row.label }) : null),
      chip(t(`import.action_${row.action}`), ACTION_CHIPS[row.action] ?? '')),
    row.problems.length ? h('ul', { class: 'import-problems' }, row.problems.map(problemItem)) : null);
}

function rowsSection(report) {
  const rows = orderRows(report.rows ?? []);
  const list = h('ul', { class: 'cards import-rows' });
  const more = h('div', { class: 'actions' });
  let shown = 0;
  const showMore = () => {
    const next = rows.slice(shown, shown + ROWS_PER_PAGE);
    list.append(...next.map(rowItem));
    shown += next.length;
    const remaining = rows.length - shown;
    more.replaceChildren();
    if (remaining > 0) {
      more.append(h('button', {
        type: 'button', class: 'button button-secondary', text: t('import.show_more', { count: Math.min(ROWS_PER_PAGE, remaining), remaining }),
        on: { click: showMore },
      }));
    }
  };
  showMore();
  return h('section', { class: 'section' },
    h('h3', { text: t('common.counted', { title: t('import.rows'), count: rows.length }) }),
    list,
    more,
    report.rows_omitted ? h('p', { class: 'text-muted small', text: t('import.rows_omitted', { count: report.rows_omitted }) }) : null);
}

// The whole report; `title` is its heading (试导入结果 or 导入结果).
export function reportView(report, title) {
  return h('div', { class: 'import-report', dataset: { kind: report.kind, imported: String(Boolean(report.imported)) } },
    h('h3', { class: 'import-report-title', text: title }),
    summaryCard(report),
    warningsSection(report),
    columnsSection(report),
    rowsSection(report));
}
