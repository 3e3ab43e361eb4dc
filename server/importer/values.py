"""Parse the values people type into ledgers: amounts, dates, phones, choices.

Every parser takes a raw cell (str, int, float, datetime or date) and either
returns the exact value with flags saying what was assumed, or raises
``CellError`` with a message code (see ``messages``) and the values the
message needs. Nothing here reads the database, so the parsers are pure and
run before any write transaction.
"""

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel

from ..schema import MAX_AMOUNT_FEN


class CellError(ValueError):
    """A cell's value cannot be stored exactly. ``code`` names the message."""

    def __init__(self, code: str, **values):
        super().__init__(code)
        self.code = code
        self.values = values


# Words people type for "nothing here": such a cell is treated as blank.
BLANK_WORDS = frozenset({"-", "--", "—", "——", "/", "\\", "无", "暂无", "没有", "空", "n/a", "na", "null",
                         "none", "不详", "未知", "待定", "待填", "/", "x"})


def clean_text(raw: Any) -> str | None:
    """Return a cell as stripped text, or None for a blank cell or a blank word."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).replace("\u3000", " ").strip()
    if not text or text.lower() in BLANK_WORDS:
        return None
    return text


def squeeze(text: str) -> str:
    """Return ``text`` with full-width forms folded (NFKC) and runs of spaces made one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


WHITESPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Return ``text`` with full-width forms folded (NFKC) and spaces removed, for comparing."""
    return WHITESPACE.sub("", unicodedata.normalize("NFKC", text))


# Amounts -----------------------------------------------------------------

DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2,
          "三": 3, "叁": 3, "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6,
          "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "k": 1000}
LARGE_UNITS = {"万": 10**4, "萬": 10**4, "w": 10**4, "亿": 10**8, "億": 10**8}
CHINESE_NUMBER_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(LARGE_UNITS) + "点"
APPROXIMATE_PREFIX = re.compile(r"^(大约|大概|约|近|将近|差不多)")
APPROXIMATE_SUFFIX = re.compile(r"(左右|上下|以上|以内|出头|多|余|\+)$")
APPROXIMATE_INNER = re.compile(r"(?<=[\d" + "".join(DIGITS) + "十百千万拾佰仟萬kw])(多|余)(?=[万萬千仟元圆块])")
CURRENCY_PREFIX = re.compile(r"^(人民币|rmb|cny|¥)", re.IGNORECASE)
CURRENCY_SUFFIX = re.compile(r"(元整|圆整|元|圆|块钱|块|整|rmb|cny)$", re.IGNORECASE)
PLAIN_NUMBER = re.compile(r"\d+(\.\d+)?\Z")
NUMBER_TOKEN = re.compile(r"\d+(?:\.\d+)?|[" + CHINESE_NUMBER_CHARS + "]")


@dataclass(frozen=True)
class Amount:
    fen: int
    approximate: bool = False  # typed with 约/左右/多…: imported with a warning


def parse_amount(raw: Any, scale: int = 1) -> Amount | None:
    """Parse money in yuan (times ``scale``, e.g. 10000 for a 万元 column) to exact fen.

    Accepts numbers stored as numbers, ``10000元``, ``¥1,234.50``, ``1.8万``,
    ``2万元``, ``五千``, ``四万二``, ``壹万贰仟元整``, ``十二元五角`` and negatives
    written ``-5`` or in brackets. Returns None for a blank cell. Raises
    CellError for text that is not an amount and for a value below one fen.
    """
    if isinstance(raw, bool):
        raise CellError("invalid_amount", value=str(raw))
    if isinstance(raw, (int, float)):
        return Amount(_number_cell_to_fen(raw, scale))
    text = clean_text(raw)
    if text is None:
        return None
    yuan, approximate = parse_yuan(text)
    fen = yuan * 100 * scale
    if fen != fen.to_integral_value():
        raise CellError("amount_below_fen", value=text)
    fen = int(fen)
    if abs(fen) > MAX_AMOUNT_FEN:
        raise CellError("amount_too_large", value=text)
    return Amount(fen, approximate)


def _number_cell_to_fen(number: int | float, scale: int) -> int:
    """Convert a number cell to fen, rounding away binary float noise but not real fractions of a fen."""
    if isinstance(number, float) and not math.isfinite(number):
        raise CellError("invalid_amount", value=str(number))
    # repr gives a float's shortest decimal form: 1234.5, not 1234.49999…
    exact = Decimal(number if isinstance(number, int) else repr(number)) * 100 * scale
    rounded = exact.to_integral_value()
    # A float cell carries about 15 significant digits: anything closer than
    # a millionth of a fen to a whole fen is noise from binary arithmetic.
    if abs(exact - rounded) > Decimal("0.000001"):
        raise CellError("amount_below_fen", value=repr(number))
    if abs(rounded) > MAX_AMOUNT_FEN:
        raise CellError("amount_too_large", value=repr(number))
    return int(rounded)


def parse_yuan(text: str) -> tuple[Decimal, bool]:
    """Return (yuan, approximate) for an amount typed as text, or raise CellError."""
    folded = fold(text).lower().replace(",", "").replace("'", "")
    negative = False
    if folded.startswith("(") and folded.endswith(")"):
        negative, folded = True, folded[1:-1]
    approximate = False
    # Strip signs, currency marks and approximation words in any order
    # (约¥2万元, -¥500, 5000余元, 2万元左右) until nothing changes.
    previous = None
    while folded != previous:
        previous = folded
        if folded.startswith(("-", "−")):
            negative, folded = True, folded[1:]
        for pattern in (APPROXIMATE_PREFIX, APPROXIMATE_SUFFIX, APPROXIMATE_INNER):
            stripped = pattern.sub("", folded)
            if stripped != folded:
                approximate, folded = True, stripped
        folded = CURRENCY_SUFFIX.sub("", CURRENCY_PREFIX.sub("", folded))
    if not folded:
        raise CellError("invalid_amount", value=text)
    try:
        yuan = _parse_yuan_and_fractions(folded)
    except (InvalidOperation, ValueError):
        raise CellError("invalid_amount", value=text) from None
    return (-yuan if negative else yuan), approximate


def _parse_yuan_and_fractions(text: str) -> Decimal:
    """Parse ``1234.5``, ``1.8万``, ``十二元五角``, ``三块五`` (units 元/块, 角/毛, 分)."""
    if PLAIN_NUMBER.match(text):
        return Decimal(text)
    match = re.fullmatch(r"(.*?)(?:[元圆块](.*))?", text)
    whole, rest = match.group(1), match.group(2) or ""
    yuan = parse_number(whole) if whole else Decimal(0)
    if rest:
        jiao = re.fullmatch(r"(?:([^角毛分]+)[角毛])?(?:([^角毛分]+)分)?", rest)
        if jiao and (jiao.group(1) or jiao.group(2)):
            if jiao.group(1):
                yuan += parse_number(jiao.group(1)) / 10
            if jiao.group(2):
                yuan += parse_number(jiao.group(2)) / 100
        elif len(rest) == 1:
            yuan += parse_number(rest) / 10  # 三块五: a lone digit after 块 counts 角
        else:
            raise ValueError(text)
    return yuan


def parse_number(text: str) -> Decimal:
    """Parse a number written with Arabic or Chinese digits and units (四万二, 1.8万, 一万零五).

    A digit at the end takes the unit below the one before it (四万二 = 42000,
    三千五 = 3500, 1万5 = 15000) unless 零 comes between (一万零五 = 10005).
    Raises ValueError for anything else.
    """
    text = _decimal_point_to_arabic(text)
    if PLAIN_NUMBER.match(text):
        return Decimal(text)
    tokens = NUMBER_TOKEN.findall(text)
    if not tokens or "".join(tokens) != text:
        raise ValueError(f"not a number: {text!r}")
    total = Decimal(0)
    section = Decimal(0)
    current: Decimal | None = None
    current_is_single_digit = False
    last_unit = 0
    zero_between = False
    for token in tokens:
        if token in DIGITS or token[0].isdigit():
            if current is not None:
                raise ValueError(f"two numbers in a row: {text!r}")
            value = Decimal(DIGITS[token]) if token in DIGITS else Decimal(token)
            if token in DIGITS and DIGITS[token] == 0:
                zero_between = True
                continue
            current = value
            current_is_single_digit = len(token) == 1
        elif token in SMALL_UNITS:
            unit = SMALL_UNITS[token]
            section += (current if current is not None else 1) * unit
            current, last_unit, zero_between = None, unit, False
        elif token in LARGE_UNITS:
            unit = LARGE_UNITS[token]
            section += current if current is not None else 0
            if section == 0:
                section = Decimal(1)
            if total and unit > 10**4 and total < unit:
                total = (total + section) * unit  # 一万亿: a larger unit scales what came before
            else:
                total += section * unit
            section, current, last_unit, zero_between = Decimal(0), None, unit, False
        else:
            raise ValueError(f"unexpected {token!r} in {text!r}")
    if current is not None:
        if current_is_single_digit and last_unit >= 10 and not zero_between:
            section += current * last_unit / 10
        else:
            section += current
    return total + section


def _decimal_point_to_arabic(text: str) -> str:
    """Rewrite Chinese decimals such as 一点五 as 1.5, so the unit parser gets one number token."""
    def replace(match: re.Match) -> str:
        whole = "".join(str(DIGITS[c]) if c in DIGITS else c for c in match.group(1))
        fraction = "".join(str(DIGITS[c]) if c in DIGITS else c for c in match.group(2))
        return f"{whole}.{fraction}"
    chinese_digit = "[0-9" + "".join(DIGITS) + "]"
    return re.sub(f"({chinese_digit}+)点({chinese_digit}+)", replace, text)


# Dates and times ---------------------------------------------------------

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FULL_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
MONTH_DAY = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
YEAR_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
TIME_OF_DAY = re.compile(r"(\d{1,2})[:：时点](\d{1,2})?(?:[:：分](\d{1,2}(?:\.\d+)?))?秒?")
ISO_WITH_ZONE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})\Z")
DATE_REST = re.compile(r"\s*(?:(?:上午|下午|晚上|早上)?\s*" + TIME_OF_DAY.pattern + r")?\s*\Z")
EXCEL_SERIAL_RANGE = (1, 2958465)  # 1900-01-01 to 9999-12-31


@dataclass(frozen=True)
class DateContext:
    """File and organisation facts that date parsing depends on."""

    default_year: int  # for 7月20日: the file's most common full-date year, else this year
    time_zone: str = "Asia/Shanghai"
    excel_epoch: datetime = CALENDAR_WINDOWS_1900


@dataclass(frozen=True)
class ParsedDate:
    value: date
    year_inferred: bool = False  # typed without a year
    month_only: bool = False  # typed as a month, so imported as its first day
    shifted_from: str | None = None  # a timestamp with a zone, converted to the organisation's date


@dataclass(frozen=True)
class ParsedMoment:
    value: datetime  # aware, UTC
    year_inferred: bool = False
    date_only: bool = False  # no time of day: imported as 00:00 in the organisation's zone


def full_date_year(raw: Any) -> int | None:
    """Return the year of a cell that contains a full date (with a year), else None.

    The import counts these years to choose the year of dates typed without one.
    """
    if isinstance(raw, (datetime, date)):
        return raw.year
    text = clean_text(raw)
    if text is None or isinstance(raw, (int, float)):
        return None
    folded = squeeze(text)
    match = FULL_DATE.match(folded) or COMPACT_DATE.fullmatch(folded[:8])
    if match and 1900 <= int(match.group(1)) <= 2200:
        return int(match.group(1))
    return None


def parse_date(raw: Any, context: DateContext) -> ParsedDate | None:
    """Parse a business date, or return None for a blank cell.

    Accepts date cells (taken as they are, with no time-zone shift), Excel
    serial numbers, ``2022-07-31``, ``2022/7/5``, ``2022年7月20日`` and
    ``20220731``. ``7月20日`` and ``7.29号`` take their year from ``context``,
    ``2023年3月`` means the first of the month, and an ISO timestamp with a
    zone is converted to the organisation's date. Raises CellError for a
    date that does not exist and for text that is not a date.
    """
    if isinstance(raw, datetime):
        return ParsedDate(raw.date())
    if isinstance(raw, date):
        return ParsedDate(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return ParsedDate(_excel_serial(raw, context).date())
    text = clean_text(raw)
    if text is None:
        return None
    if ISO_DATE.fullmatch(text):
        return ParsedDate(_make_date(int(text[:4]), int(text[5:7]), int(text[8:10]), text))
    folded = squeeze(text)
    if ISO_WITH_ZONE.match(folded):
        moment = _parse_iso_with_zone(folded, text)
        local = moment.astimezone(ZoneInfo(context.time_zone)).date()
        return ParsedDate(local, shifted_from=text)
    if re.fullmatch(r"\d{5}(\.\d+)?", folded):
        return ParsedDate(_excel_serial(float(folded), context).date())
    match = COMPACT_DATE.fullmatch(folded)
    if match:
        return ParsedDate(_make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), text))
    match = FULL_DATE.match(folded)
    if match and DATE_REST.fullmatch(folded[match.end():]):
        return ParsedDate(_make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), text))
    match = YEAR_MONTH.fullmatch(folded)
    if match and ("年" in folded or len(match.group(1)) == 4):
        return ParsedDate(_make_date(int(match.group(1)), int(match.group(2)), 1, text), month_only=True)
    match = MONTH_DAY.match(folded)
    if match and DATE_REST.fullmatch(folded[match.end():]) and _looks_like_month_day(folded, match):
        return ParsedDate(_make_date(context.default_year, int(match.group(1)), int(match.group(2)), text),
                          year_inferred=True)
    raise CellError("invalid_date", value=text)


def _looks_like_month_day(folded: str, match: re.Match) -> bool:
    # 7.29 alone could be a decimal number, so it is a date only with 号/日
    # or a separator other than the point.
    return "." not in folded[:match.end()] or folded[match.end() - 1] in "日号"


def parse_moment(raw: Any, context: DateContext) -> ParsedMoment | None:
    """Parse a point in time and return it in UTC, or None for a blank cell.

    Times typed without a zone (and date cells) are the organisation's local
    time; a date alone means 00:00 that day. Raises CellError like parse_date.
    """
    zone = ZoneInfo(context.time_zone)
    if isinstance(raw, datetime):
        local = raw.replace(tzinfo=zone) if raw.tzinfo is None else raw
        return ParsedMoment(local.astimezone(timezone.utc))
    if isinstance(raw, date) or isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if isinstance(raw, date):
            local = datetime.combine(raw, time(0), tzinfo=zone)
            return ParsedMoment(local.astimezone(timezone.utc), date_only=True)
        naive = _excel_serial(raw, context)
        date_only = naive.time() == time(0)
        return ParsedMoment(naive.replace(tzinfo=zone).astimezone(timezone.utc), date_only=date_only)
    text = clean_text(raw)
    if text is None:
        return None
    normalized = squeeze(text)
    if ISO_WITH_ZONE.match(normalized):
        return ParsedMoment(_parse_iso_with_zone(normalized, text).astimezone(timezone.utc))
    day = parse_date(text, context)
    if day.shifted_from:
        return ParsedMoment(datetime.combine(day.value, time(0), tzinfo=zone).astimezone(timezone.utc),
                            day.year_inferred, date_only=True)
    clock = _time_of_day(normalized, text)
    local = datetime.combine(day.value, clock or time(0), tzinfo=zone)
    return ParsedMoment(local.astimezone(timezone.utc), day.year_inferred, date_only=clock is None)


def _time_of_day(folded: str, original: str) -> time | None:
    rest = FULL_DATE.sub("", folded, count=1) if FULL_DATE.match(folded) else MONTH_DAY.sub("", folded, count=1)
    match = re.search(r"(上午|下午|晚上|早上)?" + TIME_OF_DAY.pattern, rest)
    if not match:
        return None
    hour, minute = int(match.group(2)), int(match.group(3) or 0)
    seconds = Decimal(match.group(4) or 0)
    if match.group(1) in ("下午", "晚上") and hour < 12:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= seconds < 60):
        raise CellError("invalid_date", value=original)
    whole = int(seconds)
    return time(hour, minute, whole, int((seconds - whole) * 1_000_000))


def _parse_iso_with_zone(text: str, original: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise CellError("invalid_date", value=original) from None


def _excel_serial(number: float, context: DateContext) -> datetime:
    if not EXCEL_SERIAL_RANGE[0] <= number <= EXCEL_SERIAL_RANGE[1]:
        raise CellError("invalid_date", value=str(number))
    moment = from_excel(number, context.excel_epoch)
    # Excel keeps times as fractions of a day: round float noise to the millisecond.
    micro = round(moment.microsecond / 1000) * 1000
    return moment.replace(microsecond=0) + timedelta(microseconds=micro)


def _make_date(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError("date_not_exist", value=original) from None


# Phones ------------------------------------------------------------------

PHONE_LABEL = re.compile(r"(联系电话|电话号码|电话|手机号码|手机号|手机|座机|固话|tel|mobile|phone|微信同号|同微信)[:：]?",
                         re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE_SEPARATORS = re.compile(r"[/,;、|\n]|或|和")
EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{9,11}")
LOCAL_NUMBER = re.compile(r"[2-9]\d{6,7}")
SERVICE_NUMBER = re.compile(r"[48]00\d{7}")
PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
COUNTRY_CODE = re.compile(r"(\+86|0086|\+)")


@dataclass(frozen=True)
class Phone:
    display: str  # as stored: 13912340001, 0571-86001122, 0571-88001234转801
    key: str  # digits without country code or extension, for matching duplicates


@dataclass
class Phones:
    numbers: list[Phone] = field(default_factory=list)
    leftover: str = ""  # text that is not a phone number, kept as typed
    emails: list[str] = field(default_factory=list)
    restored_zero: bool = False  # a number cell that had lost a landline's leading 0

    @property
    def display(self) -> str | None:
        parts = [p.display for p in self.numbers]
        if self.leftover:
            parts.append(self.leftover)
        return " / ".join(parts) or None

    @property
    def keys(self) -> set[str]:
        return {p.key for p in self.numbers}


def parse_phones(raw: Any) -> Phones:
    """Parse a phone cell into numbers in one canonical form.

    Handles ``+86``/``0086`` prefixes, spaces and dashes, landlines with area
    codes and extensions (``0571-88001234转801``), several numbers in one cell,
    and numbers stored as Excel numbers. Text that contains no phone number
    is kept in ``leftover``, and e-mail addresses go to ``emails``.
    """
    result = Phones()
    if raw is None or isinstance(raw, bool):
        return result
    if isinstance(raw, (int, float)):
        digits = str(int(raw)) if float(raw).is_integer() else repr(raw)
        if not MOBILE.fullmatch(digits) and 10 <= len(digits) <= 11 and digits[0] != "0":
            # Excel drops the leading 0 of a landline typed into a number cell.
            phone = _canonical("0" + digits)
            if phone:
                result.numbers.append(phone)
                result.restored_zero = True
                return result
        phone = _canonical(digits)
        if phone:
            result.numbers.append(phone)
        else:
            result.leftover = digits
        return result
    text = clean_text(raw)
    if text is None:
        return result
    normalized = unicodedata.normalize("NFKC", text)
    if "@" in normalized:
        result.emails = [m.group(0) for m in EMAIL.finditer(normalized)]
        normalized = EMAIL.sub(" ", normalized)
    normalized = PHONE_LABEL.sub(" ", normalized)
    leftovers = []
    for part in PHONE_SEPARATORS.split(normalized):
        part = part.strip()
        if not part:
            continue
        found, rest = _phones_in_part(part)
        result.numbers.extend(found)
        if rest:
            leftovers.append(rest)
    if leftovers and not result.numbers and not result.emails:
        result.leftover = text.strip()
    elif leftovers:
        result.leftover = " ".join(leftovers)
    unique = list({p.key + p.display: p for p in result.numbers}.values())
    result.numbers = unique
    return result


PHONE_RUN = re.compile(r"(?:\+86|0086|\+)?[\s\-]*\(?\d[\d\s\-()]{5,}\d(?:\s*(?:转|分机|ext\.?|x|#)\s*\d{1,6})?",
                       re.IGNORECASE)


def _phones_in_part(part: str) -> tuple[list[Phone], str]:
    """Return the phone numbers in one part of a cell and the text left around them."""
    phone = _canonical(part)
    if phone:
        return [phone], ""
    found: list[Phone] = []
    leftover = part
    for match in PHONE_RUN.finditer(part):
        run = match.group(0).strip()
        single = _canonical(run)
        pieces = [single] if single else [_canonical(piece) for piece in run.split()]
        if pieces and all(pieces):
            found.extend(pieces)
            leftover = leftover.replace(run, " ", 1)
    return found, " ".join(leftover.split())


def _canonical(text: str) -> Phone | None:
    extension = None
    match = EXTENSION.search(text)
    if match:
        extension, text = match.group(1), text[:match.start()]
    compact = PHONE_PUNCTUATION.sub("", text)
    country = COUNTRY_CODE.match(compact)
    if country:
        compact = compact[country.end():]
        if not MOBILE.fullmatch(compact) and not compact.startswith("0"):
            compact = "0" + compact
    if not compact.isdigit():
        return None
    if MOBILE.fullmatch(compact) and extension is None:
        return Phone(compact, compact)
    if LANDLINE.fullmatch(compact):
        area = 3 if compact[1] in "12" else 4
        display = f"{compact[:area]}-{compact[area:]}"
        if len(compact) - area not in (7, 8):
            return None
        return Phone(display + (f"转{extension}" if extension else ""), compact)
    if SERVICE_NUMBER.fullmatch(compact):
        return Phone(f"{compact[:3]}-{compact[3:6]}-{compact[6:]}" + (f"转{extension}" if extension else ""),
                     compact)
    if LOCAL_NUMBER.fullmatch(compact):
        return Phone(compact + (f"转{extension}" if extension else ""), compact)
    return None


# Choices -----------------------------------------------------------------

BRACKETED = re.compile(r"\(([^)]*)\)")
CHOICE_SUFFIX = re.compile(r"(型|客户|类|状态)$")


def parse_choice(raw: Any, synonyms: dict[str, str], allowed: tuple[str, ...]) -> str | None:
    """Map a typed status or type (已付清, 间接型(关键人) …) to one of ``allowed``.

    ``synonyms`` maps folded spellings to allowed values. Tries the text as
    typed, without brackets, the text inside brackets, and without the
    suffixes 型/客户/类. Raises CellError naming the allowed values.
    """
    text = clean_text(raw)
    if text is None:
        return None
    folded = fold(text).lower()
    if folded in synonyms:
        return synonyms[folded]
    inside = BRACKETED.findall(folded)
    outside = BRACKETED.sub("", folded)
    candidates = [folded, outside, *inside]
    candidates += [CHOICE_SUFFIX.sub("", c) for c in list(candidates)]
    for candidate in candidates:
        if candidate in synonyms:
            return synonyms[candidate]
        if candidate in allowed:
            return candidate
    raise CellError("invalid_choice", value=text, allowed="/".join(allowed))


def parse_whole_number(raw: Any, low: int, high: int, words: dict[str, int] | None = None) -> tuple[int, bool] | None:
    """Parse a score such as 意向度 (``low``–``high``) into (value, from_word), or None when blank.

    ``words`` maps words such as 高/满意 to scores. A score taken from a word
    is flagged, so the report can mention it. Raises CellError outside the range
    or for a fraction.
    """
    text = clean_text(raw)
    if text is None:
        return None
    folded = fold(text).lower()
    if words and folded in words:
        return words[folded], True
    folded = re.sub(r"(分|星|级)$", "", folded)
    folded = re.sub(r"/(5|10)$", "", folded)
    try:
        number = parse_number(folded) if not isinstance(raw, (int, float)) else Decimal(repr(raw))
    except (ValueError, InvalidOperation):
        raise CellError("invalid_score", value=text, low=low, high=high) from None
    if number != number.to_integral_value() or not low <= number <= high:
        raise CellError("invalid_score", value=text, low=low, high=high)
    return int(number), False


def parse_location(raw: Any) -> dict | None:
    """Parse ``30.2741,120.1551`` (latitude, longitude in degrees) into a location."""
    text = clean_text(raw)
    if text is None:
        return None
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)\s*(?:[,，]\s*(\d+(?:\.\d+)?))?\s*", text)
    if not match:
        raise CellError("invalid_location", value=text)
    lat, lng = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise CellError("invalid_location", value=text)
    location = {"lat": lat, "lng": lng}
    if match.group(3):
        location["accuracy"] = float(match.group(3))
    return location


def format_location(location: dict | None) -> str | None:
    if not location:
        return None
    text = f"{location['lat']},{location['lng']}"
    if location.get("accuracy") is not None:
        text += f",{location['accuracy']}"
    return text
