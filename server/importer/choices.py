"""The spellings teams use for Genzong's fixed values, folded (see ``values.fold``) and lower case."""

from ..schema import (CHANNELS, CUSTOMER_KINDS, CUSTOMER_STAGES, PAYMENT_METHODS, TICKET_CATEGORIES,
                      TICKET_DECISIONS, TICKET_KINDS, TICKET_SEVERITIES, TICKET_STATUSES)

CUSTOMER_KIND = {
    "直接": "直接", "直接型": "直接", "直接客户": "直接", "终端": "直接", "终端客户": "直接", "direct": "直接",
    "间接": "间接", "间接型": "间接", "关键人": "间接", "间接客户": "间接", "indirect": "间接", "keyperson": "间接",
    "潜在": "潜在", "潜在型": "潜在", "潜在客户": "潜在", "prospect": "潜在", "potential": "潜在",
}

CUSTOMER_STAGE = {
    "线索": "线索", "新线索": "线索", "新客户": "线索", "未联系": "线索", "初步接触": "线索", "lead": "线索",
    "跟进": "跟进中", "跟进中": "跟进中", "洽谈": "跟进中", "洽谈中": "跟进中", "意向": "跟进中", "报价": "跟进中",
    "已报价": "跟进中", "following": "跟进中",
    "成交": "已成交", "已成交": "已成交", "已签约": "已成交", "签约": "已成交", "签单": "已成交", "已签单": "已成交",
    "已购买": "已成交", "won": "已成交",
    "流失": "已流失", "已流失": "已流失", "放弃": "已流失", "已放弃": "已流失", "丢单": "已流失", "无意向": "已流失",
    "lost": "已流失",
}

# Payment status is derived from amounts and the due date, never stored: a
# ledger's status column is read only to check it against the amounts.
PAID, PARTLY_PAID, OVERDUE, UNPAID = "已付款", "部分付款", "逾期未付款", "待付款"
PAYMENT_STATUSES = (PAID, PARTLY_PAID, OVERDUE, UNPAID)
PAYMENT_STATUS = {
    "已付款": PAID, "已付": PAID, "已付清": PAID, "付清": PAID, "已结清": PAID, "结清": PAID, "已收款": PAID,
    "已收清": PAID, "已回款": PAID, "全额付款": PAID, "已全额付款": PAID, "paid": PAID,
    "部分付款": PARTLY_PAID, "部分回款": PARTLY_PAID, "部分收款": PARTLY_PAID, "部分已付": PARTLY_PAID,
    "未付清": PARTLY_PAID, "未结清": PARTLY_PAID, "partlypaid": PARTLY_PAID, "partial": PARTLY_PAID,
    "逾期": OVERDUE, "逾期未付款": OVERDUE, "已逾期": OVERDUE, "逾期未付": OVERDUE, "超期": OVERDUE,
    "超期未付": OVERDUE, "overdue": OVERDUE,
    "待付款": UNPAID, "未付款": UNPAID, "未付": UNPAID, "未收款": UNPAID, "未回款": UNPAID, "待收款": UNPAID,
    "unpaid": UNPAID,
}

PAYMENT_METHOD = {
    "现金": "现金", "cash": "现金",
    "转账": "转账", "银行转账": "转账", "对公转账": "转账", "汇款": "转账", "电汇": "转账", "网银": "转账",
    "bank": "转账", "transfer": "转账",
    "微信": "微信", "微信支付": "微信", "微信转账": "微信", "wechat": "微信",
    "支付宝": "支付宝", "alipay": "支付宝",
    "其他": "其他", "其它": "其他", "支票": "其他", "承兑": "其他", "承兑汇票": "其他", "刷卡": "其他",
    "pos": "其他", "other": "其他",
}

CHANNEL = {
    "电话": "电话", "来电": "电话", "去电": "电话", "电联": "电话", "致电": "电话", "phone": "电话", "call": "电话",
    "拜访": "拜访", "上门": "拜访", "走访": "拜访", "面谈": "拜访", "见面": "拜访", "visit": "拜访",
    "到店": "到店", "来店": "到店", "进店": "到店", "store": "到店",
    "微信": "微信", "wechat": "微信",
    "短信": "短信", "sms": "短信",
    "邮件": "邮件", "邮箱": "邮件", "email": "邮件", "e-mail": "邮件",
    "其他": "其他", "其它": "其他", "qq": "其他", "other": "其他",
}

TICKET_KIND = {"投诉": "投诉", "客诉": "投诉", "complaint": "投诉",
               "问题": "问题", "咨询": "问题", "故障": "问题", "issue": "问题",
               "需求": "需求", "建议": "需求", "request": "需求"}

TICKET_SEVERITY = {"一般": "一般", "普通": "一般", "低": "一般", "轻微": "一般", "normal": "一般", "low": "一般",
                   "重要": "重要", "中": "重要", "较重": "重要", "严重": "重要", "high": "重要",
                   "紧急": "紧急", "高": "紧急", "特急": "紧急", "非常严重": "紧急", "urgent": "紧急"}

TICKET_CATEGORY = {"质量": "质量", "质量问题": "质量", "质量投诉": "质量", "产品质量": "质量", "quality": "质量",
                   "非质量": "非质量", "非质量问题": "非质量", "非质量投诉": "非质量", "服务": "非质量",
                   "服务态度": "非质量", "物流": "非质量", "送货": "非质量", "other": "非质量"}

TICKET_STATUS = {
    "待处理": "待处理", "未处理": "待处理", "新建": "待处理", "未开始": "待处理", "open": "待处理",
    "处理中": "处理中", "跟进中": "处理中", "进行中": "处理中", "正在处理": "处理中", "inprogress": "处理中",
    "已解决": "已解决", "已处理": "已解决", "已完成": "已解决", "处理完毕": "已解决", "已结案": "已解决",
    "结案": "已解决", "已关闭": "已解决", "resolved": "已解决", "closed": "已解决",
    "已回访": "已回访", "回访完成": "已回访", "visited": "已回访",
    "暂缓": "暂缓", "挂起": "暂缓", "搁置": "暂缓", "暂停": "暂缓", "onhold": "暂缓",
}

TICKET_DECISION = {"暂缓": "暂缓", "暂不处理": "暂缓", "待处理": "待处理", "处理中": "处理中", "已处理": "已处理",
                   "已完成": "已处理", "已解决": "已处理"}

INTEREST_WORDS = {"高": 8, "较高": 7, "中": 5, "一般": 5, "较低": 3, "低": 2}
SATISFACTION_WORDS = {"非常满意": 5, "很满意": 5, "满意": 4, "基本满意": 3, "一般": 3, "不满意": 2,
                      "很不满意": 1, "非常不满意": 1}

ALLOWED = {
    "customer_kind": CUSTOMER_KINDS, "stage": CUSTOMER_STAGES, "method": PAYMENT_METHODS, "channel": CHANNELS,
    "ticket_kind": TICKET_KINDS, "severity": TICKET_SEVERITIES, "category": TICKET_CATEGORIES,
    "ticket_status": TICKET_STATUSES, "payment_status": PAYMENT_STATUSES, "decision": TICKET_DECISIONS,
}
SYNONYMS = {
    "customer_kind": CUSTOMER_KIND, "stage": CUSTOMER_STAGE, "method": PAYMENT_METHOD, "channel": CHANNEL,
    "ticket_kind": TICKET_KIND, "severity": TICKET_SEVERITY, "category": TICKET_CATEGORY,
    "ticket_status": TICKET_STATUS, "payment_status": PAYMENT_STATUS, "decision": TICKET_DECISION,
}
