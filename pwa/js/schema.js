// The synced tables and their fields, as the server declares them in
// server/schema.py. A browser test compares the two, so they cannot drift.
// Labels shown to people live in i18n.js under `field.<table>.<name>`.

export const TEXT = 'text';
export const INTEGER = 'integer';
export const BOOLEAN = 'boolean';
export const DATE = 'date';
export const TIMESTAMP = 'timestamp';
export const CHOICE = 'choice';
export const REFERENCE = 'reference';
export const LOCATION = 'location';
export const JSON_VALUE = 'json';
export const SCORES = 'scores'; // {"<question key>": 1..5 or null}

export const MAX_AMOUNT_FEN = 10 ** 13;

export const CUSTOMER_KINDS = ['直接', '间接', '潜在'];
export const CUSTOMER_STAGES = ['线索', '跟进中', '已成交', '已流失'];
export const CHANNELS = ['电话', '拜访', '到店', '微信', '短信', '邮件', '其他'];
export const PAYMENT_METHODS = ['现金', '转账', '微信', '支付宝', '其他'];
export const TICKET_KINDS = ['投诉', '问题', '需求'];
export const TICKET_SEVERITIES = ['一般', '重要', '紧急'];
export const TICKET_CATEGORIES = ['质量', '非质量'];
export const TICKET_STATUSES = ['待处理', '处理中', '已解决', '已回访', '暂缓'];
export const ROLES = ['sales', 'manager', 'admin'];
export const PROJECT_STATUSES = ['进行中', '已完成', '已暂停', '已取消'];
export const RISK_CATEGORIES = ['需求', '设计', '进度', '人员', '技术', '质量', '成本', '其他'];
export const RISK_STATUSES = ['待处理', '处理中', '已关闭'];
export const TICKET_DECISIONS = ['暂缓', '待处理', '处理中', '已处理'];
export const SURVEY_KINDS = ['回访', '安装', '其他'];
export const CLAIM_STATUSES = ['已认领'];

function text(maxLength = 200, extra = {}) {
  return { kind: TEXT, maxLength, ...extra };
}
const longText = (extra = {}) => text(10000, extra);
const choice = (choices, extra = {}) => ({ kind: CHOICE, choices, ...extra });
const money = (minimum = 0, extra = {}) => ({ kind: INTEGER, minimum, maximum: MAX_AMOUNT_FEN, ...extra });
const ref = (refTable, extra = {}) => ({ kind: REFERENCE, refTable, ...extra });
const plain = (kind, extra = {}) => ({ kind, ...extra });

export const TABLES = {
  customers: {
    rank: 0, writable: true, parent: null,
    fields: {
      code: text(20, { serverOnly: true }),
      legacy_code: text(50),
      name: text(200, { required: true }),
      company: text(),
      title: text(100),
      phone: text(100),
      email: text(),
      address: text(500),
      kind: choice(CUSTOMER_KINDS),
      source: text(100),
      interest: plain(INTEGER, { minimum: 1, maximum: 10 }),
      expected_purchase_date: plain(DATE),
      expected_amount_fen: money(),
      stage: choice(CUSTOMER_STAGES),
      owner_id: ref('users'),
      referred_by: ref('customers'),
      next_follow_up: plain(DATE),
      location: plain(LOCATION),
      notes: longText(),
      dealer_id: ref('dealers'),
    },
  },
  follow_ups: {
    rank: 1, writable: true, parent: ['customer_id', 'customers'],
    fields: {
      customer_id: ref('customers', { required: true }),
      happened_at: plain(TIMESTAMP, { required: true }),
      channel: choice(CHANNELS),
      content: longText(),
      result: longText(),
      next_follow_up: plain(DATE),
      location: plain(LOCATION),
      checked_in_at: plain(TIMESTAMP),
    },
  },
  receivables: {
    rank: 1, writable: true, parent: ['customer_id', 'customers'],
    fields: {
      customer_id: ref('customers', { required: true }),
      order_no: text(100),
      sale_date: plain(DATE),
      amount_fen: money(0, { required: true }),
      due_date: plain(DATE),
      notes: longText(),
      dealer_id: ref('dealers'),
    },
  },
  payments: {
    rank: 2, writable: true, parent: ['receivable_id', 'receivables'],
    fields: {
      receivable_id: ref('receivables', { required: true }),
      paid_on: plain(DATE, { required: true }),
      amount_fen: money(1, { required: true }),
      method: choice(PAYMENT_METHODS),
      notes: longText(),
    },
  },
  tickets: {
    rank: 1, writable: true, parent: ['customer_id', 'customers'],
    fields: {
      number: text(20, { serverOnly: true }),
      legacy_number: text(50),
      kind: choice(TICKET_KINDS, { required: true }),
      received_at: plain(TIMESTAMP),
      subject: text(),
      content: longText(),
      complainant: text(100),
      contact: text(100),
      customer_id: ref('customers'),
      owner_id: ref('users'),
      severity: choice(TICKET_SEVERITIES),
      category: choice(TICKET_CATEGORIES),
      status: choice(TICKET_STATUSES),
      reply_due_at: plain(TIMESTAMP),
      first_reply_at: plain(TIMESTAMP),
      investigation: longText(),
      resolution: longText(),
      result: longText(),
      resolved_at: plain(TIMESTAMP),
      visit_on: plain(DATE),
      satisfaction: plain(INTEGER, { minimum: 1, maximum: 5 }),
      steps: longText(),
      expected_result: longText(),
      actual_result: longText(),
      decision: choice(TICKET_DECISIONS),
      shipped_version: text(50),
    },
  },
  users: {
    rank: 0, writable: false, parent: null, public: true,
    fields: {
      username: text(64, { required: true }),
      name: text(100),
      role: choice(ROLES, { required: true }),
      manager_id: ref('users'),
      disabled: plain(BOOLEAN),
    },
  },
  settings: {
    rank: 0, writable: false, parent: null, public: true,
    fields: {
      key: text(100, { required: true }),
      value: plain(JSON_VALUE),
    },
  },
  history: {
    rank: 3, writable: false, parent: null,
    fields: {
      record_table: text(50, { required: true }),
      record_id: plain(TEXT, { required: true, maxLength: 200 }),
      field: text(50),
      old_value: plain(JSON_VALUE),
      new_value: plain(JSON_VALUE),
      user_id: ref('users'),
      device: text(64),
      changed_at: plain(TIMESTAMP, { required: true }),
    },
  },
  conflicts: {
    rank: 3, writable: true, parent: null,
    fields: {
      record_table: text(50, { required: true, serverOnly: true }),
      record_id: plain(TEXT, { required: true, serverOnly: true, maxLength: 200 }),
      field: text(50, { required: true, serverOnly: true }),
      kept_value: plain(JSON_VALUE, { serverOnly: true }),
      kept_dot: plain(JSON_VALUE, { serverOnly: true }),
      kept_user: ref('users', { serverOnly: true }),
      other_value: plain(JSON_VALUE, { serverOnly: true }),
      other_dot: plain(JSON_VALUE, { serverOnly: true }),
      other_user: ref('users', { serverOnly: true }),
      detected_at: plain(TIMESTAMP, { serverOnly: true }),
      resolved_at: plain(TIMESTAMP),
      resolution: choice(['kept', 'other']),
    },
  },
  dealers: {
    rank: 0, writable: true, parent: null, public: true, writeRoles: ['manager', 'admin'],
    fields: {
      name: text(200, { required: true }),
      region: text(100),
      contact: text(100),
      phone: text(100),
      address: text(500),
      notes: longText(),
    },
  },
  projects: {
    rank: 1, writable: true, parent: ['customer_id', 'customers'],
    fields: {
      customer_id: ref('customers', { required: true }),
      name: text(200, { required: true }),
      owner_id: ref('users'),
      content: longText(),
      stage: text(50),
      status: choice(PROJECT_STATUSES),
      expected_completion: plain(DATE),
      outcome: longText(),
    },
  },
  project_stages: {
    rank: 2, writable: true, parent: ['project_id', 'projects'],
    fields: {
      project_id: ref('projects', { required: true }),
      name: text(50, { required: true }),
      position: plain(INTEGER, { minimum: 0, maximum: 1000 }),
      planned_on: plain(DATE),
      actual_on: plain(DATE),
      notes: longText(),
    },
  },
  risks: {
    rank: 2, writable: true, parent: ['project_id', 'projects'],
    fields: {
      project_id: ref('projects', { required: true }),
      category: choice(RISK_CATEGORIES),
      description: longText({ required: true }),
      probability: plain(INTEGER, { minimum: 1, maximum: 5 }),
      impact: plain(INTEGER, { minimum: 1, maximum: 5 }),
      owner_id: ref('users'),
      mitigation: longText(),
      status: choice(RISK_STATUSES),
      due_on: plain(DATE),
    },
  },
  surveys: {
    rank: 2, writable: true, parent: ['customer_id', 'customers'],
    fields: {
      customer_id: ref('customers', { required: true }),
      ticket_id: ref('tickets'),
      kind: choice(SURVEY_KINDS),
      surveyed_on: plain(DATE, { required: true }),
      answers: plain(SCORES),
      comment: longText(),
    },
  },
  pool_claims: {
    rank: 1, writable: true, parent: ['customer_id', 'customers'],
    fields: {
      customer_id: ref('customers', { required: true }),
      claimed_by: ref('users', { serverOnly: true }),
      claimed_at: plain(TIMESTAMP, { serverOnly: true }),
      status: choice(CLAIM_STATUSES, { serverOnly: true }),
      note: longText(),
    },
  },
};

// Tables a device writes: it sends their records, and resends them all after a reset.
export const WRITABLE_TABLES = Object.keys(TABLES).filter((name) => TABLES[name].writable);

export function fieldSpec(table, name) {
  return TABLES[table]?.fields[name];
}
