"""The words of a reminder: notification title and body, push payload, chat line.

Chinese is the default language and English the alternative, chosen per
push subscription. Long values are cut on a character boundary (never inside
a character, and never between a character and the marks or joiners that
belong to it), so what a phone shows is always valid text.
"""

import json
import unicodedata
from datetime import datetime, timezone

from . import items as kinds
from .items import DueItem
from ..timeutil import zone

# Push services reject encrypted bodies above 4096 bytes, about 3993 bytes of
# plaintext, and some browsers take less (about 3 KB). Payloads stay below
# this many bytes of UTF-8 JSON.
MAX_PAYLOAD_BYTES = 3000
MAX_TITLE_CHARS = 100
MAX_CONTENT_CHARS = 300
ELLIPSIS = "…"
JOINERS = {"\u200d", "\u200c", "\ufe0e", "\ufe0f"}
ZERO_WIDTH_JOINERS = {"\u200d", "\u200c"}


# Cutting text ---------------------------------------------------------------

def _belongs_to_previous(char: str) -> bool:
    return bool(unicodedata.combining(char)) or char in JOINERS or unicodedata.category(char) == "Mn" \
        or 0x1F3FB <= ord(char) <= 0x1F3FF  # emoji skin-tone modifiers


def cut(text: str, max_chars: int) -> str:
    """Return ``text`` cut to at most ``max_chars`` characters, ending with … when cut."""
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return ELLIPSIS[:max_chars]
    end = max_chars - 1
    # Step back over marks and joiners, over a character a joiner ties to
    # the one before, and over the character they attach to.
    while end > 0 and (_belongs_to_previous(text[end]) or text[end - 1] == "\u200d"):
        end -= 1
    kept = text[:end]
    # The kept text ends with a whole character and its marks; only a joiner
    # there would join it to the ellipsis.
    while kept and kept[-1] in ZERO_WIDTH_JOINERS:
        kept = kept[:-1]
    return kept.rstrip() + ELLIPSIS


def _json_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def fit_payload(title: str, body: str, url: str, tag: str, limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """Return the push payload JSON ``{"title", "body", "url", "tag"}`` within ``limit`` bytes.

    The body is shortened first, then the title, each to the longest cut
    that still fits. Raises ValueError when even an empty title and body do
    not fit (a URL or tag far longer than any Genzong makes).
    """
    title = cut(title, MAX_TITLE_CHARS)
    payload = {"title": title, "body": body, "url": url, "tag": tag}
    if len(_json_bytes(payload)) <= limit:
        return _json_bytes(payload)
    for name in ("body", "title"):
        full = payload[name]
        low, high = 0, len(full)
        while low < high:
            middle = (low + high + 1) // 2
            if len(_json_bytes({**payload, name: cut(full, middle)})) <= limit:
                low = middle
            else:
                high = middle - 1
        payload[name] = cut(full, low)
        if len(_json_bytes(payload)) <= limit:
            return _json_bytes(payload)
    raise ValueError(f"the push payload's url and tag alone exceed {limit} bytes")


# Formatting values ----------------------------------------------------------

def money(fen: int) -> str:
    """Format integer fen as ¥1,234.50."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def _local(stamp: str, time_zone: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(zone(time_zone))


def _deadline_text(stamp: str, time_zone: str, lang: str) -> str:
    moment = _local(stamp, time_zone)
    if lang == "en":
        return moment.strftime("%Y-%m-%d %H:%M")
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


def _duration(minutes: int, lang: str) -> str:
    hours, rest = divmod(max(minutes, 0), 60)
    if lang == "en":
        parts = [f"{hours} h" if hours else "", f"{rest} min" if rest or not hours else ""]
    else:
        parts = [f"{hours} 小时" if hours else "", f"{rest} 分钟" if rest or not hours else ""]
    return " ".join(part for part in parts if part)


def _who(facts: dict) -> str:
    customer = facts.get("customer") or "—"
    company = facts.get("company")
    return f"{customer}（{company}）" if company and company != customer else customer


def _who_en(facts: dict) -> str:
    customer = facts.get("customer") or "—"
    company = facts.get("company")
    return f"{customer} ({company})" if company and company != customer else customer


# Titles and bodies ----------------------------------------------------------

def title_and_body(item: DueItem, lang: str, time_zone: str, now: datetime) -> tuple[str, str]:
    """Return the notification title and body of ``item`` in ``lang`` ("zh" or "en")."""
    compose = _ENGLISH if lang == "en" else _CHINESE
    return compose[item.kind](item.facts, time_zone, now)


def _follow_up_zh(f, tz, now):
    days = f["days_overdue"]
    when = "今天应跟进。" if days == 0 else f"应于 {f['date']} 跟进，已逾期 {days} 天。"
    phone = f"电话 {f['phone']}。" if f.get("phone") else ""
    return f"跟进提醒：{_who(f)}", when + phone


def _follow_up_en(f, tz, now):
    days = f["days_overdue"]
    when = "Follow-up due today." if days == 0 else f"Follow-up was due {f['date']}, {days} days ago."
    phone = f" Phone {f['phone']}." if f.get("phone") else ""
    return f"Follow up: {_who_en(f)}", when + phone


def _escalation_zh(f, tz, now):
    return (f"跟进逾期：{f['owner_name']}的客户 {_who(f)}",
            f"应于 {f['date']} 跟进，已逾期 {f['days_overdue']} 天，尚未跟进。")


def _escalation_en(f, tz, now):
    return (f"Overdue follow-up: {_who_en(f)}, {f['owner_name']}",
            f"The follow-up was due {f['date']} and is {f['days_overdue']} days overdue.")


def _order_zh(f):
    return f"订单 {f['order_no']}，" if f.get("order_no") else ""


def _order_en(f):
    return f"Order {f['order_no']}: " if f.get("order_no") else ""


def _receivable_due_zh(f, tz, now):
    days = f["days_left"]
    if days == 0:
        when = "今天到期"
    elif days == 1:
        when = "明天到期"
    else:
        when = f"还有 {days} 天"
    paid = f"，已付 {money(f['paid_fen'])}" if f["paid_fen"] else ""
    return (f"回款提醒：{_who(f)}",
            f"{_order_zh(f)}待收 {money(f['outstanding_fen'])}（应收 {money(f['amount_fen'])}{paid}），"
            f"付款期限 {f['date']}（{when}）。")


def _receivable_due_en(f, tz, now):
    days = f["days_left"]
    if days == 0:
        when = "due today"
    elif days == 1:
        when = "due tomorrow"
    else:
        when = f"due in {days} days"
    return (f"Payment due: {_who_en(f)}",
            f"{_order_en(f)}{money(f['outstanding_fen'])} outstanding of {money(f['amount_fen'])}, "
            f"due {f['date']} ({when}).")


def _receivable_overdue_zh(f, tz, now):
    paid = f"，已付 {money(f['paid_fen'])}" if f["paid_fen"] else ""
    return (f"逾期未付款：{_who(f)}",
            f"{_order_zh(f)}待收 {money(f['outstanding_fen'])}（应收 {money(f['amount_fen'])}{paid}），"
            f"付款期限 {f['date']}，已逾期 {-f['days_left']} 天。")


def _receivable_overdue_en(f, tz, now):
    return (f"Payment overdue: {_who_en(f)}",
            f"{_order_en(f)}{money(f['outstanding_fen'])} outstanding of {money(f['amount_fen'])}, "
            f"was due {f['date']}, {-f['days_left']} days overdue.")


def _ticket_name(f) -> str:
    return " ".join(part for part in (f.get("number"), f.get("subject")) if part) or "—"


def _minutes_between(now: datetime, stamp: str) -> int:
    deadline = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return int((deadline - now.astimezone(timezone.utc)).total_seconds() // 60)


def _ticket_zh(f, tz, now, overdue: bool):
    minutes = _minutes_between(now, f["deadline"])
    deadline = _deadline_text(f["deadline"], tz, "zh")
    if overdue:
        title = f"工单已超时未答复：{_ticket_name(f)}"
        when = f"答复期限 {deadline}，已超时 {_duration(-minutes, 'zh')}。"
    else:
        title = f"工单即将超时：{_ticket_name(f)}"
        when = f"答复期限 {deadline}（还剩 {_duration(minutes, 'zh')}）。"
    customer = f"客户：{f['customer']}。" if f.get("customer") else ""
    content = cut(f.get("content") or "", MAX_CONTENT_CHARS)
    return title, when + customer + content


def _ticket_en(f, tz, now, overdue: bool):
    minutes = _minutes_between(now, f["deadline"])
    deadline = _deadline_text(f["deadline"], tz, "en")
    if overdue:
        title = f"Ticket reply overdue: {_ticket_name(f)}"
        when = f"Reply was due {deadline}, {_duration(-minutes, 'en')} ago."
    else:
        title = f"Ticket reply due soon: {_ticket_name(f)}"
        when = f"Reply due {deadline} (in {_duration(minutes, 'en')})."
    customer = f" Customer: {f['customer']}." if f.get("customer") else ""
    content = cut(f.get("content") or "", MAX_CONTENT_CHARS)
    return title, when + customer + (" " + content if content else "")


def _risk_zh(f, tz, now):
    description = cut(f.get("description") or "", MAX_CONTENT_CHARS)
    category = f"{f['category']}风险" if f.get("category") else "风险"
    exposure = f"风险值 {f['exposure']}" if f.get("exposure") else "风险值未评估"
    if f["days_overdue"]:
        title = f"风险应对已逾期：{f['project']}"
        when = f"应对期限 {f['date']}，已逾期 {f['days_overdue']} 天，{exposure}。"
    else:
        title = f"高风险：{f['project']}"
        due = f"，应对期限 {f['date']}" if f.get("date") else ""
        when = f"{exposure}（概率 × 影响）{due}。"
    return title, f"{when}客户：{_who(f)}。{category}：{description}"


def _risk_en(f, tz, now):
    description = cut(f.get("description") or "", MAX_CONTENT_CHARS)
    exposure = f"exposure {f['exposure']}" if f.get("exposure") else "exposure not rated"
    if f["days_overdue"]:
        title = f"Risk response overdue: {f['project']}"
        when = f"Response was due {f['date']}, {f['days_overdue']} days ago; {exposure}."
    else:
        title = f"High risk: {f['project']}"
        due = f", response due {f['date']}" if f.get("date") else ""
        when = f"Exposure {f['exposure']} (probability × impact){due}."
    return title, f"{when} Customer: {_who_en(f)}. {description}"


def _pool_warning_zh(f, tz, now):
    days = f["days_left"]
    if days <= 0:
        when = f"今天（{f['date']}）退回公海"
    elif days == 1:
        when = f"明天（{f['date']}）退回公海"
    else:
        when = f"{days} 天后（{f['date']}）退回公海"
    return (f"即将退回公海：{_who(f)}",
            f"自 {f['last_activity']} 起没有跟进，{when}。写一条跟进即可保留该客户。")


def _pool_warning_en(f, tz, now):
    days = f["days_left"]
    if days <= 0:
        when = f"returns to the public pool today ({f['date']})"
    elif days == 1:
        when = f"returns to the public pool tomorrow ({f['date']})"
    else:
        when = f"returns to the public pool in {days} days ({f['date']})"
    return (f"Returning to the pool: {_who_en(f)}",
            f"No follow-up since {f['last_activity']}; it {when}. Log a follow-up to keep the customer.")


_CHINESE = {
    kinds.FOLLOW_UP: _follow_up_zh,
    kinds.ESCALATION: _escalation_zh,
    kinds.RECEIVABLE_DUE: _receivable_due_zh,
    kinds.RECEIVABLE_OVERDUE: _receivable_overdue_zh,
    kinds.TICKET_DUE: lambda f, tz, now: _ticket_zh(f, tz, now, overdue=False),
    kinds.TICKET_OVERDUE: lambda f, tz, now: _ticket_zh(f, tz, now, overdue=True),
    kinds.RISK_OVERDUE: _risk_zh,
    kinds.RISK_HIGH: _risk_zh,
    kinds.POOL_WARNING: _pool_warning_zh,
}
_ENGLISH = {
    kinds.FOLLOW_UP: _follow_up_en,
    kinds.ESCALATION: _escalation_en,
    kinds.RECEIVABLE_DUE: _receivable_due_en,
    kinds.RECEIVABLE_OVERDUE: _receivable_overdue_en,
    kinds.TICKET_DUE: lambda f, tz, now: _ticket_en(f, tz, now, overdue=False),
    kinds.TICKET_OVERDUE: lambda f, tz, now: _ticket_en(f, tz, now, overdue=True),
    kinds.RISK_OVERDUE: _risk_en,
    kinds.RISK_HIGH: _risk_en,
    kinds.POOL_WARNING: _pool_warning_en,
}


# Push payloads --------------------------------------------------------------

def item_payload(item: DueItem, lang: str, time_zone: str, now: datetime) -> tuple[str, bytes]:
    """Return (title, payload bytes) of the push message for one item."""
    title, body = title_and_body(item, lang, time_zone, now)
    return title, fit_payload(title, body, item.url, item.tag)


SUMMARY_TAG = "genzong-summary"
_SUMMARY_LABELS = {
    "zh": {"follow": "跟进", "receivable": "回款", "ticket": "工单", "escalation": "逾期上报", "risk": "项目风险",
           "pool": "即将退回公海"},
    "en": {"follow": "follow-ups", "receivable": "payments", "ticket": "tickets", "escalation": "escalations",
           "risk": "project risks", "pool": "pool returns"},
}
# Summary groups of the kinds that share their table with other kinds, and
# of the other kinds by their table.
_SUMMARY_GROUPS = {kinds.ESCALATION: "escalation", kinds.FOLLOW_UP: "follow", kinds.POOL_WARNING: "pool"}
_TABLE_GROUPS = {"receivables": "receivable", "risks": "risk", "tickets": "ticket"}


def summary_payload(due: list[DueItem], lang: str) -> tuple[str, bytes]:
    """Return (title, payload bytes) of one message that stands for many items."""
    counts: dict[str, int] = {}
    for item in due:
        group = _SUMMARY_GROUPS.get(item.kind) or _TABLE_GROUPS[item.record_table]
        counts[group] = counts.get(group, 0) + 1
    labels = _SUMMARY_LABELS[lang if lang == "en" else "zh"]
    order = ("ticket", "receivable", "risk", "follow", "pool", "escalation")
    if lang == "en":
        title = f"{len(due)} reminders"
        body = ", ".join(f"{counts[g]} {labels[g]}" for g in order if g in counts) + ". Tap to see today's list."
    else:
        title = f"你有 {len(due)} 项提醒"
        body = "，".join(f"{labels[g]} {counts[g]} 项" for g in order if g in counts) + "。点按查看今日待办。"
    return title, fit_payload(title, body, kinds.TODAY_URL, SUMMARY_TAG)


# Chat robot lines -----------------------------------------------------------

# Characters that mean something in the robots' Markdown, swapped for their
# full-width forms so a customer's name cannot bold, link or break a message.
_MARKDOWN_SAFE = str.maketrans({"*": "＊", "_": "＿", "[": "［", "]": "］", "<": "＜", ">": "＞",
                                "`": "｀", "#": "＃", "|": "｜", "\\": "＼", "~": "～",
                                "\n": " ", "\r": " ", "\t": " "})


def markdown_text(text: str, max_chars: int = 80) -> str:
    """Return user text made inert for chat Markdown, on one line, cut to ``max_chars``."""
    return cut(text.translate(_MARKDOWN_SAFE).strip(), max_chars)


CHAT_LABELS = {
    kinds.FOLLOW_UP: "跟进",
    kinds.ESCALATION: "跟进逾期",
    kinds.RECEIVABLE_DUE: "回款",
    kinds.RECEIVABLE_OVERDUE: "逾期未付款",
    kinds.TICKET_DUE: "工单即将超时",
    kinds.TICKET_OVERDUE: "工单已超时",
    kinds.RISK_OVERDUE: "风险应对逾期",
    kinds.RISK_HIGH: "高风险",
    kinds.POOL_WARNING: "即将退回公海",
}


def chat_line(item: DueItem, time_zone: str, now: datetime) -> str:
    """Return one Markdown list line for ``item``: bold label, then the Chinese title's subject and body."""
    title, body = title_and_body(item, "zh", time_zone, now)
    subject = title.split("：", 1)[-1]
    return f"- **{CHAT_LABELS[item.kind]}** {markdown_text(subject, 60)}：{markdown_text(body, 120)}"
