// Every string people see, in Chinese (zh, the default) and English (en).
//
// t('key', {name: value}) fills {name} placeholders, and takes an English
// `<key>_one` for a count of 1. A key missing in English
// falls back to Chinese, then to the key itself. Field labels are
// `field.<table>.<name>`; the Chinese values of choice fields (直接, 电话, 待处理…)
// are stored as they are and shown translated through `value.<value>` in English.
// Modules added later can bring their own strings with addMessages.

const STORAGE_KEY = 'genzong.language';

export const LANGUAGES = [
  { code: 'zh', name: '中文' },
  { code: 'en', name: 'English' },
];

const FIELDS_ZH = {
  customers: {
    code: '客户编号', legacy_code: '原编号', name: '客户名称', company: '公司', title: '职位', phone: '电话',
    email: '邮箱', address: '地址', kind: '客户类型', source: '客户来源', interest: '意向度',
    expected_purchase_date: '预计购买日期', expected_amount_fen: '预计金额', stage: '跟进状态', owner_id: '负责人',
    referred_by: '介绍人', next_follow_up: '下次跟进日期', location: '客户位置', notes: '备注', dealer_id: '经销点',
  },
  follow_ups: {
    customer_id: '客户', happened_at: '跟进时间', channel: '沟通方式', content: '跟进内容', result: '跟进结果',
    next_follow_up: '下次跟进日期', location: '签到位置', checked_in_at: '签到时间',
  },
  receivables: {
    customer_id: '客户', order_no: '订单号', sale_date: '销售日期', amount_fen: '应收金额', due_date: '付款期限', notes: '备注',
    dealer_id: '经销点',
  },
  payments: { receivable_id: '应收', paid_on: '回款日期', amount_fen: '回款金额', method: '付款方式', notes: '备注' },
  tickets: {
    number: '工单编号', legacy_number: '原编号', kind: '类型', received_at: '受理时间', subject: '主题', content: '内容',
    complainant: '投诉人', contact: '联系方式', customer_id: '客户', owner_id: '负责人', severity: '严重程度',
    category: '类别', status: '处理状态', reply_due_at: '答复期限', first_reply_at: '首次答复时间',
    investigation: '调查情况', resolution: '处理方案', result: '处理结果', resolved_at: '解决时间', visit_on: '回访日期',
    satisfaction: '满意度', steps: '重现步骤', expected_result: '预期结果', actual_result: '实际结果', decision: '处理决定',
    shipped_version: '发布版本',
  },
  users: { username: '用户名', name: '姓名', role: '角色', manager_id: '上级经理', disabled: '已停用' },
  settings: { key: '键', value: '值' },
  history: {
    record_table: '表', record_id: '记录', field: '字段', old_value: '原值', new_value: '新值', user_id: '修改人',
    device: '设备', changed_at: '修改时间',
  },
  conflicts: {
    record_table: '表', record_id: '记录', field: '字段', kept_value: '保留的值', kept_dot: '保留值的写入',
    kept_user: '保留值的修改人', other_value: '被覆盖的值', other_dot: '被覆盖值的写入', other_user: '被覆盖值的修改人',
    detected_at: '发现时间', resolved_at: '处理时间', resolution: '处理方式',
  },
  dealers: { name: '经销点名称', region: '区域', contact: '联系人', phone: '电话', address: '地址', notes: '备注' },
  projects: {
    customer_id: '客户', name: '项目名称', owner_id: '负责人', content: '项目内容', stage: '当前阶段', status: '状态',
    expected_completion: '预计完成日期', outcome: '项目结果',
  },
  project_stages: {
    project_id: '项目', name: '阶段', position: '顺序', planned_on: '计划完成日期', actual_on: '实际完成日期', notes: '备注',
  },
  risks: {
    project_id: '项目', category: '风险类别', description: '风险描述', probability: '发生概率', impact: '影响程度',
    owner_id: '负责人', mitigation: '应对措施', status: '状态', due_on: '应对期限',
  },
  surveys: {
    customer_id: '客户', ticket_id: '工单', kind: '调查类型', surveyed_on: '调查日期', answers: '评分', comment: '客户意见',
  },
  pool_claims: { customer_id: '客户', claimed_by: '认领人', claimed_at: '认领时间', status: '结果', note: '认领备注' },
};

const FIELDS_EN = {
  customers: {
    code: 'Customer no.', legacy_code: 'Former no.', name: 'Name', company: 'Company', title: 'Position', phone: 'Phone',
    email: 'Email', address: 'Address', kind: 'Customer type', source: 'Source', interest: 'Interest',
    expected_purchase_date: 'Expected purchase date', expected_amount_fen: 'Expected amount', stage: 'Follow-up status',
    owner_id: 'Owner', referred_by: 'Referred by', next_follow_up: 'Next follow-up', location: 'Location', notes: 'Notes',
    dealer_id: 'Dealer',
  },
  follow_ups: {
    customer_id: 'Customer', happened_at: 'Time', channel: 'Channel', content: 'What happened', result: 'Result',
    next_follow_up: 'Next follow-up', location: 'Check-in location', checked_in_at: 'Checked in at',
  },
  receivables: {
    customer_id: 'Customer', order_no: 'Order no.', sale_date: 'Sale date', amount_fen: 'Amount due', due_date: 'Due date',
    notes: 'Notes', dealer_id: 'Dealer',
  },
  payments: { receivable_id: 'Receivable', paid_on: 'Paid on', amount_fen: 'Amount paid', method: 'Method', notes: 'Notes' },
  tickets: {
    number: 'Ticket no.', legacy_number: 'Former no.', kind: 'Type', received_at: 'Received', subject: 'Subject',
    content: 'Details', complainant: 'Complainant', contact: 'Contact', customer_id: 'Customer', owner_id: 'Owner',
    severity: 'Severity', category: 'Category', status: 'Status', reply_due_at: 'Reply due', first_reply_at: 'First reply',
    investigation: 'Investigation', resolution: 'Resolution', result: 'Outcome', resolved_at: 'Resolved',
    visit_on: 'Follow-up visit', satisfaction: 'Satisfaction', steps: 'Steps to reproduce',
    expected_result: 'Expected result', actual_result: 'Actual result', decision: 'Decision', shipped_version: 'Shipped in version',
  },
  users: { username: 'Username', name: 'Name', role: 'Role', manager_id: 'Manager', disabled: 'Disabled' },
  settings: { key: 'Key', value: 'Value' },
  history: {
    record_table: 'Table', record_id: 'Record', field: 'Field', old_value: 'Old value', new_value: 'New value',
    user_id: 'Changed by', device: 'Device', changed_at: 'Changed at',
  },
  conflicts: {
    record_table: 'Table', record_id: 'Record', field: 'Field', kept_value: 'Kept value', kept_dot: 'Kept write',
    kept_user: 'Kept by', other_value: 'Other value', other_dot: 'Other write', other_user: 'Other by',
    detected_at: 'Detected', resolved_at: 'Resolved', resolution: 'Resolution',
  },
  dealers: { name: 'Dealer name', region: 'Region', contact: 'Contact person', phone: 'Phone', address: 'Address', notes: 'Notes' },
  projects: {
    customer_id: 'Customer', name: 'Project name', owner_id: 'Owner', content: 'Scope', stage: 'Current stage', status: 'Status',
    expected_completion: 'Expected completion', outcome: 'Outcome',
  },
  project_stages: {
    project_id: 'Project', name: 'Stage', position: 'Order', planned_on: 'Planned completion', actual_on: 'Actual completion',
    notes: 'Notes',
  },
  risks: {
    project_id: 'Project', category: 'Risk category', description: 'Description', probability: 'Probability', impact: 'Impact',
    owner_id: 'Owner', mitigation: 'Mitigation', status: 'Status', due_on: 'Act by',
  },
  surveys: {
    customer_id: 'Customer', ticket_id: 'Ticket', kind: 'Survey type', surveyed_on: 'Survey date', answers: 'Scores',
    comment: 'Customer comments',
  },
  pool_claims: { customer_id: 'Customer', claimed_by: 'Claimed by', claimed_at: 'Claimed at', status: 'Result', note: 'Claim note' },
};

// English names of the Chinese values stored in choice fields.
const VALUES_EN = {
  直接: 'Direct', 间接: 'Key contact', 潜在: 'Prospect',
  线索: 'Lead', 跟进中: 'In progress', 已成交: 'Won', 已流失: 'Lost',
  电话: 'Phone', 拜访: 'Visit', 到店: 'Store visit', 微信: 'WeChat', 短信: 'SMS', 邮件: 'Email', 其他: 'Other',
  现金: 'Cash', 转账: 'Bank transfer', 支付宝: 'Alipay',
  投诉: 'Complaint', 问题: 'Problem', 需求: 'Request',
  一般: 'Normal', 重要: 'Important', 紧急: 'Urgent',
  质量: 'Quality', 非质量: 'Non-quality',
  待处理: 'Open', 处理中: 'In progress', 已解决: 'Resolved', 已回访: 'Visited', 暂缓: 'On hold',
  kept: 'Kept', other: 'Other value used',
  进行中: 'In progress', 已完成: 'Completed', 已暂停: 'Paused', 已取消: 'Cancelled',
  设计: 'Design', 进度: 'Schedule', 人员: 'Staffing', 技术: 'Technical', 成本: 'Cost',
  已关闭: 'Closed', 已处理: 'Handled', 回访: 'Follow-up visit', 安装: 'Installation', 已认领: 'Claimed',
};

function flatten(prefix, tree) {
  const out = {};
  for (const [table, fields] of Object.entries(tree)) {
    for (const [name, label] of Object.entries(fields)) out[`${prefix}.${table}.${name}`] = label;
  }
  return out;
}

const zh = {
  'app.name': '跟踪',
  'app.title': '{screen} - 跟踪',
  'app.loading': '正在打开…',
  'tab.today': '今日', 'tab.customers': '客户', 'tab.tickets': '工单', 'tab.sync': '同步', 'tab.settings': '设置',
  'table.customers': '客户', 'table.follow_ups': '跟进记录', 'table.receivables': '应收', 'table.payments': '回款记录',
  'table.tickets': '工单', 'table.conflicts': '冲突处理', 'table.users': '用户', 'table.settings': '设置', 'table.history': '修改历史',
  'table.dealers': '经销点', 'table.projects': '项目', 'table.project_stages': '项目阶段', 'table.risks': '风险',
  'table.surveys': '满意度调查', 'table.pool_claims': '公海认领',
  'role.sales': '业务员', 'role.manager': '销售经理', 'role.admin': '管理员',

  'common.back': '返回', 'common.close': '关闭', 'common.edit': '编辑', 'common.delete': '删除',
  'common.yes': '是', 'common.no': '否', 'common.empty_value': '（空）', 'common.deleted': '已删除', 'common.not_deleted': '未删除',
  'common.unknown_user': '未知用户', 'common.pending_sync': '待同步',
  'common.counted': '{title}（{count}）', 'common.labelled': '{label}：{value}', 'common.with_code': '{name}（{code}）',
  'common.list_separator': '、', 'common.pair_separator': '；',
  'common.saved': '已保存', 'common.saved_offline': '已保存在本机，联网后自动同步',
  'common.deleted_offline': '已在本机删除，联网后自动同步', 'common.undo': '撤销', 'common.restored': '已恢复',
  'common.undo_gone': '无法撤销：这条记录已不在本机（可能已转给他人或被清除）。',
  'common.read_only': '你没有修改这条记录的权限。', 'common.not_found_title': '找不到页面',
  'common.not_found': '找不到这条记录。它可能已被删除，或你没有查看权限。',

  'banner.no_offline': '当前浏览器不支持离线使用（{missing}）。请点右上角“…”，选择“在浏览器中打开”，用手机自带的浏览器访问本页面。现在仍可联网使用，但断网后无法打开，未同步的修改也可能丢失。',
  'banner.missing_sw': '缺少 Service Worker', 'banner.missing_idb': '无法使用本地数据库',
  'banner.insecure': '此页面不是通过 HTTPS 打开的，无法离线使用，也收不到提醒。请让管理员提供 https:// 开头的地址。现在仍可联网使用。',
  'banner.start_failed': '应用启动失败，请刷新页面重试：',
  'banner.update': '新版本已准备好。', 'banner.update_action': '立即更新',
  'banner.updated_elsewhere': '应用已在其他窗口更新，请刷新本页面。', 'banner.reload': '刷新',
  'banner.unauthorized': '登录已失效，修改暂时无法同步。本机数据会保留，请重新登录。', 'banner.log_in': '重新登录',
  'banner.install_safari': '请把本应用添加到主屏幕（点“分享”→“添加到主屏幕”）。在 Safari 中直接访问时，若连续几天不打开，浏览器可能清除本机数据。',
  'banner.unsynced_safari': '有 {count} 条修改尚未同步。请尽快联网同步：Safari 可能清除长时间未打开网站的本机数据。',
  'banner.storage_failed': '保存到本机失败：{detail}。刚才的修改没有保存，请重试。',

  'storage.quota': '手机存储空间不足，修改没有保存。请清理手机空间后重试，已填写的内容仍保留在表单中。',
  'storage.memory_only': '本机数据库不可用（可能是无痕模式或应用内浏览器），数据只保存在当前页面中，刷新或关闭后未同步的修改会丢失。',
  'storage.persisted': '本机数据已设为持久保存，浏览器不会自动清除。',
  'storage.not_persisted': '浏览器未承诺持久保存本机数据，空间不足时可能清除。请及时同步；把应用添加到主屏幕通常可以获得持久保存。',

  'login.tagline': '客户跟踪 · 离线可用', 'login.username': '用户名', 'login.password': '密码', 'login.submit': '登录',
  'login.missing': '请输入用户名和密码。', 'login.failed': '用户名或密码错误。',
  'login.offline': '无法连接服务器。登录需要网络，请联网后再试。', 'login.error': '登录失败（{status}），请稍后再试。',
  'login.expired': '登录已失效，请重新登录。本机数据和未同步的修改都会保留。', 'login.again': '重新登录',
  'login.disabled_pending': '本机还有 {count} 条未同步的修改，账号停用后无法上传。请告诉经理，由经理决定如何处理。',
  'login.other_user_pending': '本机还有 {name} 的 {count} 条修改尚未同步。用其他账号登录会删除这些修改，确定继续吗？',

  'today.title': '今日', 'today.scope_mine': '我的', 'today.scope_team': '团队',
  'today.moved_away': '你负责的 {count} 位客户已转给其他人负责，已从本机移除（{when}）。',
  'today.moved_in': '{count} 位客户已转到你名下（{when}）：', 'today.moved_in_more': ' 等',
  'today.loading_logs': '跟进记录还没下载完。下载完之前，公海提醒暂不显示，已经跟进过的客户也可能列在待跟进里。',
  'today.follow_ups': '待跟进', 'today.receivables': '回款', 'today.tickets': '工单答复',
  'today.nothing_due': '今天没有到期的事项。', 'today.first_pull': '数据还没下载完，下载完后这里会列出今天到期的事项。', 'today.owner': '负责人：{name}',
  'today.escalations': '团队逾期跟进', 'today.follow_up_detail': '计划跟进',
  'today.total_items': '共 {count} 项', 'today.total_separator': '；',
  'today.total_receivables': '回款 {count} 笔，待收 {outstanding}，其中逾期 {overdue}',
  'today.receivable_detail': '待收 {amount} {order}', 'today.due_today': '今天到期', 'today.due_tomorrow': '明天到期',
  'today.due_on': '{date} 到期', 'today.overdue_days': '已逾期 {days} 天（{date}）',
  'today.reply_due': '答复期限 {time}', 'today.reply_overdue': '已超过答复期限（{time}）',

  'customers.title': '客户', 'customers.new': '新客户', 'customers.search': '搜索客户',
  'customers.search_placeholder': '姓名、公司、电话、跟进、单号', 'customers.filter': '筛选',
  'customers.sort': '排序', 'customers.sort_next': '下次跟进日期', 'customers.sort_contact_oldest': '最久未跟进在前',
  'customers.sort_contact_latest': '最近跟进在前', 'customers.sort_interest': '意向度高在前', 'customers.sort_name': '姓名',
  'customers.never_contacted': '从未跟进', 'customers.contact_unknown': '认领后可见跟进', 'customers.last_contact_days': '上次跟进 {days} 天前', 'customers.last_contact_today': '今天跟进过',
  'customers.bulk_start': '批量分配', 'customers.bulk_count': '已选 {count} 位', 'customers.bulk_all': '全选 {count} 位', 'customers.bulk_none': '全不选',
  'customers.bulk_owner': '分配给…', 'customers.bulk_assign': '分配', 'common.cancel': '取消',
  'customers.bulk_confirm': '把 {count} 位客户分配给{owner}？', 'customers.bulk_done': '已把 {count} 位客户分配给{owner}',
  'customers.bulk_pool_confirm': '把 {count} 位客户放回公海？他们将没有负责人，每位业务员都能认领。', 'customers.bulk_pool_done': '已把 {count} 位客户放回公海',
  'customers.bulk_already': '选中的客户已经由{owner}负责', 'customers.bulk_already_pool': '选中的客户已经在公海中',
  'customers.match_follow_up_on': '跟进 {date}', 'customers.match_follow_ups': '跟进',
  'customers.match_receivables': '回款', 'customers.match_tickets': '工单',
  'customers.count': '共 {count} 位客户', 'customers.search_loading': '跟进记录还没下载完，按跟进内容搜到的客户可能还不全。', 'customers.empty': '还没有客户。点“新客户”添加第一位。', 'customers.first_pull': '客户还没下载完，联网时会自动下载，请稍候。',
  'customers.no_match': '没有符合条件的客户。', 'customers.show_more': '再显示 {count} 位',
  'filter.all': '全部', 'filter.clear': '清除筛选', 'filter.not_set': '未填写',
  'filter.interest_high': '高（8–10）', 'filter.interest_medium': '中（4–7）', 'filter.interest_low': '低（1–3）',
  'filter.owner_mine': '我的客户', 'filter.owner_pool': '公海',
  'filter.next_due': '已到期', 'filter.next_today': '今天', 'filter.next_week': '7 天内', 'filter.next_none': '未安排',

  'customer.duplicate_title': '本机已有同名或同电话的客户，可能是同一位：', 'customer.duplicate_owner': '负责人：{owner}',
  'customer.duplicate_more': '还有 {count} 位同名或同电话的客户。',
  'customer.title': '客户详情', 'customer.new_title': '新客户', 'customer.edit_title': '编辑客户', 'customer.create': '保存客户',
  'customer.not_found': '找不到这位客户。客户可能已被删除，或你没有查看权限。',
  'customer.code_pending': '编号待分配', 'customer.pool': '公海', 'customer.call': '打电话', 'customer.call_number': '打电话 {number}', 'customer.pool_confirm': '确定把 {name} 退回公海吗？退回后没有负责人，所有业务员都可以认领。',
  'customer.pool_confirm_open': '确定把 {name} 退回公海吗？该客户还有 {unpaid} 笔未收清的应收（共 {amount}）和 {tickets} 个未结工单，退回后没有负责人跟进，直到有人认领。',
  'customer.add_follow_up': '写跟进', 'customer.add_receivable': '新建应收', 'customer.add_ticket': '登记投诉/问题',
  'customer.interest_value': '意向 {value}/10', 'customer.next_short': '下次跟进 {date}',
  'customer.follow_ups': '跟进记录', 'customer.receivables': '应收与回款', 'customer.tickets': '工单',
  'customer.no_follow_ups': '还没有跟进记录。', 'customer.follow_ups_loading': '跟进记录还没下载完，这里可能还不全。', 'customer.no_receivables': '没有应收款。', 'customer.no_tickets': '没有工单。',
  'customer.has_conflicts': '有 {count} 处修改冲突待处理，点此查看。',
  'customer.rejected_notice': '这位客户的修改被服务器拒绝，点此查看原因。',
  'customer.kind_hint': '间接客户即关键人。',
  'customer.referrer_placeholder': '输入姓名、公司或电话查找',
  'customer.delete': '删除客户', 'customer.delete_confirm': '确定删除客户“{name}”吗？',
  'merge.title': '合并重复客户', 'merge.open': '合并重复客户',
  'merge.explain': '选出与“{kept}”重复的客户：它的跟进、回款、工单、项目和调查会并入这位客户，空着的资料用它的补上，电话和备注合在一起，然后删除它。',
  'merge.search': '按姓名、公司、电话或编号查找', 'merge.likely': '可能重复', 'merge.none': '没有可以合并的客户。',
  'merge.moving': '将并入的记录', 'merge.filling': '将补上或合并的资料', 'merge.count': '{count} 条',
  'merge.nothing_moves': '没有要并入的记录。', 'merge.nothing_fills': '资料不变。',
  'merge.deleted_after': '合并后删除“{duplicate}”。', 'merge.submit': '合并',
  'merge.gone': '“{name}”已被删除或已不在你名下，未合并。',
  'merge.confirm': '把“{duplicate}”合并到“{kept}”并删除“{duplicate}”？', 'merge.done': '已合并，“{duplicate}”已删除',

  'follow_up.new_title': '写跟进', 'follow_up.edit_title': '编辑跟进记录', 'follow_up.create': '保存跟进',
  'follow_up.content_placeholder': '沟通了什么，客户怎么说', 'follow_up.content_required': '请填写跟进内容或跟进结果。',
  'follow_up.next_hint': '会同时更新客户的下次跟进日期。', 'follow_up.tomorrow': '明天', 'follow_up.in_3_days': '3 天后',
  'follow_up.in_a_week': '一周后', 'follow_up.delete_confirm': '确定删除这条跟进记录吗？',

  'receivable.new_title': '新建应收', 'receivable.edit_title': '编辑应收', 'receivable.untitled': '应收款',
  'receivable.paid': '已收', 'receivable.outstanding': '待收', 'receivable.add_payment': '记回款',
  'receivable.due_before_sale': '付款期限不能早于销售日期。', 'receivable.notes_hint': '退款请记在备注中，不要记为负数回款。',
  'receivable.delete_confirm': '确定删除这笔应收吗？它的回款记录将不再显示。',
  'payment.new_title': '记回款', 'payment.edit_title': '编辑回款', 'payment.outstanding_hint': '当前待收 {amount}',
  'payment.overpay_confirm': '回款金额超过待收金额 {amount}，确定保存吗？', 'payment.delete_confirm': '确定删除这条回款记录吗？',
  'payment_status.paid': '已付款', 'payment_status.partial': '部分付款', 'payment_status.unpaid': '待付款',
  'payment_status.overdue': '逾期未付款', 'payment_status.overpaid': '超额付款',

  'tickets.title': '工单', 'tickets.new': '新建工单', 'tickets.search': '搜索工单',
  'tickets.search_placeholder': '编号、主题、投诉人、客户', 'tickets.count': '共 {count} 张工单', 'tickets.empty': '没有工单。',
  'tickets.filter_open': '未结', 'tickets.filter_done': '已结', 'tickets.filter_all': '全部',
  'ticket.title': '工单', 'ticket.new_title': '新建工单', 'ticket.edit_title': '编辑工单', 'ticket.create': '保存工单',
  'ticket.details': '详情', 'ticket.customer': '客户', 'ticket.no_customer': '不关联客户', 'ticket.number_pending': '编号待分配',
  'ticket.start': '开始处理', 'ticket.postpone': '暂缓', 'ticket.resolve': '标记已解决', 'ticket.resume': '恢复处理', 'ticket.reopen': '重新处理', 'ticket.owner_hint': '关联客户的工单由客户的负责人处理。',
  'ticket.visited': '完成回访', 'ticket.record_reply': '记录首次答复', 'ticket.reply_overdue': '已超过答复期限，尚未答复客户。',
  'ticket.reply_due_short': '答复期限 {time}', 'ticket.reply_due_hint': '默认为受理后 24 小时。',
  'ticket.subject_placeholder': '一句话说明问题，如“地板起拱”', 'ticket.satisfaction_value': '{value} 分',
  'ticket.resolution_required': '已解决或已回访的工单需要填写处理方案。',
  'ticket.subject_required': '请填写主题或内容，说明客户反映了什么问题。',
  'ticket.reply_before_received': '答复期限不能早于受理时间。', 'ticket.time_before_received': '不能早于受理时间，请检查日期和时间。', 'ticket.delete_confirm': '确定删除这张工单吗？',

  'sync.title': '同步', 'sync.state': '状态', 'sync.pending': '待同步修改', 'sync.last_sync': '上次成功同步',
  'sync.never': '尚未同步', 'sync.first_pull_partial': '{time} 下载了一部分，首次下载还没完成',
  'sync.now': '立即同步', 'sync.state_idle': '已连接', 'sync.state_syncing': '正在同步…',
  'sync.state_offline': '离线', 'sync.state_error': '同步失败', 'sync.state_unauthorized': '登录已失效',
  'sync.offline_detail': '暂时连不上服务器。修改已保存在本机，联网后会自动同步。',
  'sync.unauthorized': '登录已失效，请重新登录后继续同步。本机数据会保留。',
  'sync.server_error': '服务器返回错误（{status}），稍后会自动重试。',
  'sync.rejected': '被拒绝的修改', 'sync.rejected_code': '服务器拒绝了这条修改（{code}）。',
  'sync.revoked_reason': '这条记录已转给其他人负责，已从本机移除。你未同步的内容如下，请联系负责人补录。',
  'sync.typed_values': '查看你填写的内容', 'sync.changed_by_you': '你改的', 'sync.retry': '重试', 'sync.discard': '放弃本机修改', 'sync.dismiss': '知道了',
  'sync.discard_confirm': '放弃后，这条记录会恢复为服务器上的版本，本机的修改将丢失。确定吗？',
  'sync.device': '设备编号：{device}',
  'sync.chip_synced': '已同步', 'sync.chip_pending': '{count} 条待同步', 'sync.chip_syncing': '同步中…', 'sync.chip_loading_logs': '正在下载跟进记录…',
  'sync.chip_offline': '离线', 'sync.chip_error': '同步失败', 'sync.chip_unauthorized': '需重新登录',

  'conflict.title': '修改冲突', 'conflict.none': '没有待处理的冲突。',
  'conflict.explain': '两台设备在互不知情时修改了同一项内容。同一字段保留较晚的修改；删除与修改同时发生时保留删除，可以恢复记录。请确认是否改用另一个值。',
  'conflict.field': '字段：{field} · 发现于 {time}', 'conflict.kept': '当前值', 'conflict.other': '另一个值', 'conflict.this_device': '{user}（本机）',
  'conflict.keep': '保留当前值', 'conflict.use_other': '改用另一个值', 'conflict.restore': '恢复记录',
  'conflict.record_deleted': '记录已删除', 'conflict.delete_field': '删除记录',
  'conflict.read_only': '你没有修改这条记录的权限，请负责人处理。',

  'history.title': '修改历史', 'history.empty': '还没有修改记录。', 'history.loading': '修改历史还没下载完，这里可能还不全。', 'history.server': '系统',
  'history.deleted': '删除了这条记录', 'history.restored': '恢复了这条记录',

  'form.save': '保存', 'form.not_set': '（不填）', 'form.lookup_unmatched': '请从输入框下方的列表中选一位{label}，或清空输入框。', 'form.required': '请填写{label}。',
  'form.too_long': '{label}最多 {max} 个字，现在有 {length} 个字。', 'form.integer': '{label}必须是整数。',
  'form.range': '{label}必须在 {min} 到 {max} 之间。', 'form.date': '{label}不是有效的日期。',
  'form.datetime': '{label}不是有效的日期时间。', 'form.email': '{label}格式不正确，例如 name@example.com。',
  'form.money_positive': '{label}必须大于 0。', 'form.yuan_hint': '单位：元，例如 1234.50',
  'form.fix_errors': '请先改正标红的内容，已填写的内容都还在。', 'form.save_failed': '保存失败：{detail}',
  'money.invalid': '{label}不是有效的金额，请填写数字，例如 1234.50 或 1.5万。', 'money.decimals': '{label}最多两位小数（精确到分）。',
  'money.negative': '{label}不能为负数。退款请写在备注中。', 'money.too_large': '{label}太大，请检查是否多输了数字。',

  'settings.title': '设置', 'settings.language': '语言 / Language', 'settings.account': '账号', 'settings.user': '用户',
  'settings.role': '角色', 'settings.device': '设备编号', 'settings.log_out': '退出登录',
  'settings.log_out_confirm': '退出后本机的数据会被清除，下次登录时重新下载。确定退出吗？',
  'settings.log_out_pending': '还有 {count} 条修改尚未同步，退出会丢失这些修改！确定退出吗？',
  'settings.storage': '本机存储', 'settings.install': '添加到主屏幕',
  'settings.install_hint': '把应用添加到主屏幕后，可以像普通应用一样打开，离线数据也更不容易被浏览器清除。',
  'settings.installed': '已作为应用安装。', 'settings.about': '关于', 'settings.version': '版本',
  'settings.version_unknown': '未知', 'settings.offline_ready': '可离线使用',
};

const en = {
  'app.name': 'Genzong',
  'app.title': '{screen} - Genzong',
  'app.loading': 'Opening…',
  'tab.today': 'Today', 'tab.customers': 'Customers', 'tab.tickets': 'Tickets', 'tab.sync': 'Sync', 'tab.settings': 'Settings',
  'table.customers': 'Customer', 'table.follow_ups': 'Follow-up', 'table.receivables': 'Receivable', 'table.payments': 'Payment',
  'table.tickets': 'Ticket', 'table.conflicts': 'Conflict review', 'table.users': 'User', 'table.settings': 'Setting',
  'table.history': 'History', 'table.dealers': 'Dealer', 'table.projects': 'Project', 'table.project_stages': 'Project stage',
  'table.risks': 'Risk', 'table.surveys': 'Satisfaction survey', 'table.pool_claims': 'Pool claim',
  'role.sales': 'Sales rep', 'role.manager': 'Sales manager', 'role.admin': 'Administrator',

  'common.back': 'Back', 'common.close': 'Close', 'common.edit': 'Edit', 'common.delete': 'Delete',
  'common.yes': 'Yes', 'common.no': 'No', 'common.empty_value': '(empty)', 'common.deleted': 'Deleted',
  'common.not_deleted': 'Not deleted', 'common.unknown_user': 'Unknown user', 'common.pending_sync': 'Not synced yet',
  'common.counted': '{title} ({count})', 'common.labelled': '{label}: {value}', 'common.with_code': '{name} ({code})',
  'common.list_separator': ', ', 'common.pair_separator': '; ',
  'common.saved': 'Saved', 'common.saved_offline': 'Saved on this device; it syncs when you are online',
  'common.deleted_offline': 'Deleted on this device; it syncs when you are online', 'common.undo': 'Undo', 'common.restored': 'Restored',
  'common.undo_gone': 'Cannot undo: this record is no longer on this device (it may have gone to someone else).',
  'common.read_only': 'You may not change this record.', 'common.not_found_title': 'Page not found',
  'common.not_found': 'This record was not found. It may have been deleted, or you may not see it.',

  'banner.no_offline': 'This browser cannot work offline ({missing}). Tap "…" in the top corner and choose "Open in browser" to use the phone\'s own browser. You can still work online here, but the app will not open without a connection and unsynced changes may be lost.',
  'banner.missing_sw': 'no service worker', 'banner.missing_idb': 'no local database',
  'banner.insecure': 'This page was not opened over HTTPS, so it cannot work offline or show reminders. Ask your administrator for an https:// address. You can still work online.',
  'banner.start_failed': 'The app failed to start. Reload the page and try again:',
  'banner.update': 'A new version is ready.', 'banner.update_action': 'Update now',
  'banner.updated_elsewhere': 'The app was updated in another window. Reload this page.', 'banner.reload': 'Reload',
  'banner.unauthorized': 'Your login has expired, so changes cannot sync. Your data stays on this device; log in again.',
  'banner.log_in': 'Log in again',
  'banner.install_safari': 'Add this app to your home screen (Share → Add to Home Screen). Safari may clear the data of a website you have not opened for a few days.',
  'banner.unsynced_safari': '{count} changes are not synced yet. Sync soon: Safari may clear the data of websites not opened for a while.', 'banner.unsynced_safari_one': '{count} change is not synced yet. Sync soon: Safari may clear the data of websites not opened for a while.',
  'banner.storage_failed': 'Saving on this device failed: {detail}. Your last change was not saved; try again.',

  'storage.quota': 'The phone is out of storage, so the change was not saved. Free some space and try again; what you typed is still in the form.',
  'storage.memory_only': 'The local database is not available (private mode or an in-app browser). Data lives only in this page: unsynced changes are lost when it is reloaded or closed.',
  'storage.persisted': 'Data on this device is stored persistently; the browser will not clear it on its own.',
  'storage.not_persisted': 'The browser has not promised to keep this data and may clear it when space runs low. Sync often; adding the app to the home screen usually makes storage persistent.',

  'login.tagline': 'Customer tracking that works offline', 'login.username': 'Username', 'login.password': 'Password',
  'login.submit': 'Log in', 'login.missing': 'Enter your username and password.', 'login.failed': 'Wrong username or password.',
  'login.offline': 'Cannot reach the server. Logging in needs a connection; try again when you are online.',
  'login.error': 'Login failed ({status}). Try again later.',
  'login.expired': 'Your login has expired. Log in again; your data and unsynced changes stay on this device.',
  'login.again': 'Log in again',
  'login.disabled_pending': 'This device still holds {count} unsynced changes, which a disabled account cannot upload. Tell your manager, who decides what happens to them.',
  'login.other_user_pending': '{name} has {count} unsynced changes on this device. Logging in as another user deletes them. Continue?', 'login.other_user_pending_one': '{name} has {count} unsynced change on this device. Logging in as another user deletes it. Continue?',

  'today.title': 'Today', 'today.scope_mine': 'Mine', 'today.scope_team': 'Team',
  'today.loading_logs': 'Follow-ups have not finished downloading. Until they have, pool warnings are held back, and customers already followed up may be listed as due.',
  'today.moved_away': '{count} of your customers were given to someone else and removed from this device ({when}).', 'today.moved_away_one': '{count} of your customers was given to someone else and removed from this device ({when}).',
  'today.moved_in': '{count} customers are now yours ({when}):', 'today.moved_in_one': '{count} customer is now yours ({when}):', 'today.moved_in_more': ', and more',
  'today.follow_ups': 'Follow-ups due', 'today.receivables': 'Payments due', 'today.tickets': 'Ticket replies',
  'today.nothing_due': 'Nothing is due today.', 'today.first_pull': 'Your data has not finished downloading. Items due today show here once it has.', 'today.owner': 'Owner: {name}',
  'today.escalations': 'Team follow-ups overdue', 'today.follow_up_detail': 'Planned follow-up',
  'today.total_items': '{count} items', 'today.total_items_one': '{count} item', 'today.total_separator': '; ',
  'today.total_receivables': '{count} payments due, {outstanding} outstanding, {overdue} of it overdue',
  'today.total_receivables_one': '{count} payment due, {outstanding} outstanding, {overdue} of it overdue',
  'today.receivable_detail': '{amount} outstanding {order}', 'today.due_today': 'Due today', 'today.due_tomorrow': 'Due tomorrow',
  'today.due_on': 'Due {date}', 'today.overdue_days': '{days} days overdue ({date})', 'today.overdue_days_one': '{days} day overdue ({date})',
  'today.reply_due': 'Reply due {time}', 'today.reply_overdue': 'Reply overdue (due {time})',

  'customers.title': 'Customers', 'customers.new': 'New customer', 'customers.search': 'Search customers',
  'customers.search_placeholder': 'Name, phone, order no.', 'customers.filter': 'Filter',
  'customers.sort': 'Sort by', 'customers.sort_next': 'Next follow-up', 'customers.sort_contact_oldest': 'Longest without contact',
  'customers.sort_contact_latest': 'Latest contact', 'customers.sort_interest': 'Interest, highest first', 'customers.sort_name': 'Name',
  'customers.never_contacted': 'Never contacted', 'customers.contact_unknown': 'Claim to see follow-ups', 'customers.last_contact_days': 'Last contact {days} days ago', 'customers.last_contact_days_one': 'Last contact {days} day ago',
  'customers.last_contact_today': 'Contacted today',
  'customers.bulk_start': 'Assign several', 'customers.bulk_count': '{count} selected', 'customers.bulk_all': 'Select all {count}', 'customers.bulk_none': 'Select none',
  'customers.bulk_owner': 'Assign to…', 'customers.bulk_assign': 'Assign', 'common.cancel': 'Cancel',
  'customers.bulk_confirm': 'Assign {count} customers to {owner}?', 'customers.bulk_confirm_one': 'Assign {count} customer to {owner}?',
  'customers.bulk_done': 'Assigned {count} customers to {owner}', 'customers.bulk_done_one': 'Assigned {count} customer to {owner}',
  'customers.bulk_pool_confirm': 'Put {count} customers in the pool? They will have no owner, and any rep can claim them.',
  'customers.bulk_pool_confirm_one': 'Put {count} customer in the pool? It will have no owner, and any rep can claim it.',
  'customers.bulk_pool_done': 'Put {count} customers in the pool', 'customers.bulk_pool_done_one': 'Put {count} customer in the pool',
  'customers.bulk_already': 'The selected customers already belong to {owner}', 'customers.bulk_already_pool': 'The selected customers are already in the pool',
  'customers.match_follow_up_on': 'Follow-up {date}', 'customers.match_follow_ups': 'Follow-up',
  'customers.match_receivables': 'Receivable', 'customers.match_tickets': 'Ticket',
  'customers.count': '{count} customers', 'customers.search_loading': 'Follow-ups have not finished downloading, so some matches in them may be missing.', 'customers.count_one': '{count} customer', 'customers.empty': 'No customers yet. Tap "New customer" to add one.', 'customers.first_pull': 'Your customers have not finished downloading. They download by themselves while online.',
  'customers.no_match': 'No customer matches.', 'customers.show_more': 'Show {count} more',
  'filter.all': 'All', 'filter.clear': 'Clear filters', 'filter.not_set': 'Not set',
  'filter.interest_high': 'High (8–10)', 'filter.interest_medium': 'Mid (4–7)', 'filter.interest_low': 'Low (1–3)',
  'filter.owner_mine': 'Mine', 'filter.owner_pool': 'Public pool',
  'filter.next_due': 'Due', 'filter.next_today': 'Today', 'filter.next_week': 'Next 7 days', 'filter.next_none': 'Not set',

  'customer.duplicate_title': 'A customer with this name or phone is on this device already; it may be the same one:',
  'customer.duplicate_owner': 'owner: {owner}',
  'customer.duplicate_more': '{count} more with this name or phone.', 'customer.duplicate_more_one': '{count} more with this name or phone.',
  'customer.title': 'Customer', 'customer.new_title': 'New customer', 'customer.edit_title': 'Edit customer',
  'customer.create': 'Save customer',
  'customer.not_found': 'This customer was not found. It may have been deleted, or you may not see it.',
  'customer.code_pending': 'No number yet', 'customer.pool': 'Public pool', 'customer.call': 'Call', 'customer.call_number': 'Call {number}', 'customer.pool_confirm': 'Return {name} to the public pool? Nobody will own it, and any rep can claim it.',
  'customer.pool_confirm_open': 'Return {name} to the public pool? Still open: receivables not fully paid: {unpaid} ({amount}); tickets: {tickets}. Nobody will follow them up until someone claims the customer.',
  'customer.add_follow_up': 'Log follow-up', 'customer.add_receivable': 'New receivable', 'customer.add_ticket': 'New complaint',
  'customer.interest_value': 'Interest {value}/10', 'customer.next_short': 'Next {date}',
  'customer.follow_ups': 'Follow-ups', 'customer.receivables': 'Receivables and payments', 'customer.tickets': 'Tickets',
  'customer.no_follow_ups': 'No follow-ups yet.', 'customer.follow_ups_loading': 'Follow-ups have not finished downloading, so some may be missing here.', 'customer.no_receivables': 'No receivables.', 'customer.no_tickets': 'No tickets.',
  'customer.has_conflicts': '{count} conflicting edits need review. Tap to see them.', 'customer.has_conflicts_one': '{count} conflicting edit needs review. Tap to see it.',
  'customer.rejected_notice': 'The server rejected a change to this customer. Tap to see why.',
  'customer.kind_hint': 'A key contact influences a purchase without making it.',
  'customer.referrer_placeholder': 'Type a name, company or phone',
  'customer.delete': 'Delete customer', 'customer.delete_confirm': 'Delete customer "{name}"?',
  'merge.title': 'Merge duplicate customer', 'merge.open': 'Merge a duplicate',
  'merge.explain': 'Choose the customer that duplicates "{kept}". Its follow-ups, receivables, tickets, projects and surveys move to this customer, its details fill the empty ones here, phone numbers and notes are joined, and it is then deleted.',
  'merge.search': 'Name, company, phone or code', 'merge.likely': 'Likely duplicate', 'merge.none': 'No customer to merge.',
  'merge.moving': 'Records moving over', 'merge.filling': 'Details filled in or joined', 'merge.count': '{count} records', 'merge.count_one': '{count} record',
  'merge.nothing_moves': 'No records move.', 'merge.nothing_fills': 'The details stay as they are.',
  'merge.deleted_after': '"{duplicate}" is deleted after the merge.', 'merge.submit': 'Merge',
  'merge.gone': '"{name}" was deleted or is no longer yours, so nothing was merged.',
  'merge.confirm': 'Merge "{duplicate}" into "{kept}" and delete "{duplicate}"?', 'merge.done': 'Merged; "{duplicate}" is deleted',

  'follow_up.new_title': 'Log follow-up', 'follow_up.edit_title': 'Edit follow-up', 'follow_up.create': 'Save follow-up',
  'follow_up.content_placeholder': 'What you discussed and what the customer said',
  'follow_up.content_required': 'Fill in what happened or the result.',
  'follow_up.next_hint': 'Also sets the customer\'s next follow-up date.', 'follow_up.tomorrow': 'Tomorrow',
  'follow_up.in_3_days': 'In 3 days', 'follow_up.in_a_week': 'In a week', 'follow_up.delete_confirm': 'Delete this follow-up?',

  'receivable.new_title': 'New receivable', 'receivable.edit_title': 'Edit receivable', 'receivable.untitled': 'Receivable',
  'receivable.paid': 'Paid', 'receivable.outstanding': 'Outstanding', 'receivable.add_payment': 'Record payment',
  'receivable.due_before_sale': 'The due date cannot be before the sale date.',
  'receivable.notes_hint': 'Note refunds here rather than as negative payments.',
  'receivable.delete_confirm': 'Delete this receivable? Its payments will no longer show.',
  'payment.new_title': 'Record payment', 'payment.edit_title': 'Edit payment', 'payment.outstanding_hint': 'Outstanding now: {amount}',
  'payment.overpay_confirm': 'The payment is more than the outstanding {amount}. Save anyway?',
  'payment.delete_confirm': 'Delete this payment?',
  'payment_status.paid': 'Paid', 'payment_status.partial': 'Partly paid', 'payment_status.unpaid': 'Unpaid',
  'payment_status.overdue': 'Overdue', 'payment_status.overpaid': 'Overpaid',

  'tickets.title': 'Tickets', 'tickets.new': 'New ticket', 'tickets.search': 'Search tickets',
  'tickets.search_placeholder': 'Number, subject, name', 'tickets.count': '{count} tickets', 'tickets.count_one': '{count} ticket',
  'tickets.empty': 'No tickets.', 'tickets.filter_open': 'Open', 'tickets.filter_done': 'Closed', 'tickets.filter_all': 'All',
  'ticket.title': 'Ticket', 'ticket.new_title': 'New ticket', 'ticket.edit_title': 'Edit ticket', 'ticket.create': 'Save ticket',
  'ticket.details': 'Details', 'ticket.customer': 'Customer', 'ticket.no_customer': 'No customer', 'ticket.number_pending': 'No number yet',
  'ticket.start': 'Start handling', 'ticket.postpone': 'Put on hold', 'ticket.resolve': 'Mark resolved', 'ticket.resume': 'Resume', 'ticket.reopen': 'Reopen', 'ticket.owner_hint': 'A ticket linked to a customer is handled by the customer\'s owner.',
  'ticket.visited': 'Follow-up visit done', 'ticket.record_reply': 'Record first reply',
  'ticket.reply_overdue': 'The reply deadline has passed and the customer has no reply yet.',
  'ticket.reply_due_short': 'Reply due {time}', 'ticket.reply_due_hint': '24 hours after receipt unless changed.',
  'ticket.subject_placeholder': 'In a few words, such as "floor bulging"', 'ticket.satisfaction_value': '{value} of 5',
  'ticket.resolution_required': 'A resolved or visited ticket needs a resolution.',
  'ticket.subject_required': 'Fill in the subject or the content: what did the customer report?',
  'ticket.reply_before_received': 'The reply deadline cannot be before the time received.', 'ticket.time_before_received': 'This cannot be before the time received. Check the date and time.',
  'ticket.delete_confirm': 'Delete this ticket?',

  'sync.title': 'Sync', 'sync.state': 'Status', 'sync.pending': 'Changes waiting', 'sync.last_sync': 'Last successful sync',
  'sync.never': 'Never', 'sync.first_pull_partial': 'Partly downloaded {time}; the first download has not finished',
  'sync.now': 'Sync now', 'sync.state_idle': 'Connected', 'sync.state_syncing': 'Syncing…',
  'sync.state_offline': 'Offline', 'sync.state_error': 'Sync failed', 'sync.state_unauthorized': 'Login expired',
  'sync.offline_detail': 'The server cannot be reached. Changes are saved on this device and sync when you are online.',
  'sync.unauthorized': 'Your login has expired. Log in again to go on syncing; your data stays on this device.',
  'sync.server_error': 'The server answered with an error ({status}). The app retries by itself.',
  'sync.rejected': 'Rejected changes', 'sync.rejected_code': 'The server rejected this change ({code}).',
  'sync.revoked_reason': 'This record was given to someone else and was removed from this device. What you had not synced is below; ask its new owner to add it.',
  'sync.typed_values': 'Show what you typed', 'sync.changed_by_you': 'Your change', 'sync.retry': 'Retry', 'sync.discard': 'Discard my change', 'sync.dismiss': 'OK',
  'sync.discard_confirm': 'The record goes back to the server\'s version and your change on this device is lost. Continue?',
  'sync.device': 'Device id: {device}',
  'sync.chip_synced': 'Synced', 'sync.chip_pending': '{count} waiting', 'sync.chip_syncing': 'Syncing…', 'sync.chip_loading_logs': 'Downloading follow-ups…',
  'sync.chip_offline': 'Offline', 'sync.chip_error': 'Sync failed', 'sync.chip_unauthorized': 'Log in again',

  'conflict.title': 'Conflicting edits', 'conflict.none': 'No conflicts to review.',
  'conflict.explain': 'Two devices changed the same thing without seeing each other\'s change. A field keeps the later edit; a delete made while another device edited the record is kept, and the record can be restored. Check whether the other value should be used instead.',
  'conflict.field': 'Field: {field} · found {time}', 'conflict.kept': 'Current value', 'conflict.other': 'Other value', 'conflict.this_device': '{user} (this device)',
  'conflict.keep': 'Keep current value', 'conflict.use_other': 'Use the other value', 'conflict.restore': 'Restore the record',
  'conflict.record_deleted': 'Record deleted', 'conflict.delete_field': 'Record deleted',
  'conflict.read_only': 'You may not change this record; its owner can resolve it.',

  'history.title': 'History', 'history.empty': 'No changes yet.', 'history.loading': 'The history has not finished downloading, so some changes may be missing here.', 'history.server': 'System',
  'history.deleted': 'Deleted this record', 'history.restored': 'Restored this record',

  'form.save': 'Save', 'form.not_set': '(not set)', 'form.lookup_unmatched': 'Pick "{label}" from the list under the box, or clear the box.', 'form.required': 'Fill in "{label}".',
  'form.too_long': '{label} takes at most {max} characters; it has {length}.', 'form.integer': '{label} must be a whole number.',
  'form.range': '{label} must be from {min} to {max}.', 'form.date': '{label} is not a valid date.',
  'form.datetime': '{label} is not a valid date and time.', 'form.email': '{label} is not an email address, such as name@example.com.',
  'form.money_positive': '{label} must be more than 0.', 'form.yuan_hint': 'In yuan, such as 1234.50',
  'form.fix_errors': 'Correct the fields marked in red; everything you typed is still here.',
  'form.save_failed': 'Saving failed: {detail}',
  'money.invalid': '{label} is not an amount. Type a number of yuan such as 1234.50.',
  'money.decimals': '{label} takes at most two decimal places (fen).',
  'money.negative': '{label} cannot be negative. Note refunds in the notes.',
  'money.too_large': '{label} is too large. Check for extra digits.',

  'settings.title': 'Settings', 'settings.language': 'Language', 'settings.account': 'Account', 'settings.user': 'User',
  'settings.role': 'Role', 'settings.device': 'Device id', 'settings.log_out': 'Log out',
  'settings.log_out_confirm': 'Logging out removes the data from this device; it downloads again at the next login. Log out?',
  'settings.log_out_pending': '{count} changes are not synced yet and will be lost if you log out! Log out anyway?', 'settings.log_out_pending_one': '{count} change is not synced yet and will be lost if you log out! Log out anyway?',
  'settings.storage': 'Storage on this device', 'settings.install': 'Add to home screen',
  'settings.install_hint': 'Added to the home screen, the app opens like any other and the browser is less likely to clear its data.',
  'settings.installed': 'Installed as an app.', 'settings.about': 'About', 'settings.version': 'Version',
  'settings.version_unknown': 'Unknown', 'settings.offline_ready': 'Works offline',
};

export const CATALOGS = {
  zh: { ...zh, ...flatten('field', FIELDS_ZH) },
  en: { ...en, ...flatten('field', FIELDS_EN), ...Object.fromEntries(Object.entries(VALUES_EN).map(([k, v]) => [`value.${k}`, v])) },
};

// Add strings for a module: addMessages({zh: {...}, en: {...}}).
export function addMessages(catalogs) {
  for (const [code, entries] of Object.entries(catalogs)) Object.assign(CATALOGS[code] ??= {}, entries);
}

function storedLanguage() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

let current = storedLanguage() === 'en' ? 'en' : 'zh';

export function language() {
  return current;
}

// Switch the language, remember it on this device and tell the app to redraw.
export function setLanguage(code) {
  current = code === 'en' ? 'en' : 'zh';
  try {
    localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // Without localStorage the choice lasts until the page is reloaded.
  }
  document.documentElement.lang = current === 'en' ? 'en' : 'zh-CN';
  document.dispatchEvent(new CustomEvent('languagechange'));
}

// English needs the singular for a count of one: a key may have a `<key>_one`
// form, used when any of the values is the number 1 ("1 customer").
export function t(key, values = {}) {
  const singular = current === 'en' && Object.values(values).includes(1) ? CATALOGS.en[`${key}_one`] : undefined;
  const template = singular ?? CATALOGS[current][key] ?? CATALOGS.zh[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name] ?? '') : match));
}

export function fieldLabel(table, name) {
  return t(`field.${table}.${name}`);
}

// A stored choice value (直接, 电话, 待处理…) in the current language.
export function choiceLabel(value) {
  if (value === null || value === undefined) return '';
  return current === 'en' ? CATALOGS.en[`value.${value}`] ?? String(value) : String(value);
}

const WEEKDAYS = {
  zh: ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'],
  en: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
};
const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

// "12月4日 星期五" or "Friday, 4 December" for a YYYY-MM-DD date.
export function formatLongDate(date) {
  const [year, month, day] = date.split('-').map(Number);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  if (current === 'en') return `${WEEKDAYS.en[weekday]}, ${day} ${MONTHS_EN[month - 1]} ${year}`;
  return `${year}年${month}月${day}日 ${WEEKDAYS.zh[weekday]}`;
}

// Fill elements marked data-i18n="key" (the static shell in index.html).
export function translateStatic(root = document) {
  for (const element of root.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
}
