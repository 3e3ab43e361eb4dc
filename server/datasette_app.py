"""Datasette, mounted in the Starlette app at ``/data/``, for managers.

``DatasetteMount`` is the ASGI app behind ``Mount("/data", ...)``. For each
request it:

1. strips ``/data`` from ``path`` and ``raw_path`` and clears ``root_path``.
   Datasette builds its links from the current path plus ``base_url``
   ("/data/"), so leaving the prefix in (as Starlette's Mount does) would
   double it in sort, facet, next-page and export links;
2. returns 403 unless the ``ds_actor`` cookie belongs to a current manager
   or admin (``server.datasette_access``), on every URL (pages, JSON, CSV
   and Datasette's own ``/-/`` pages) except the static files of Datasette
   and its plugins. Those hold no data, and the 403 page itself needs
   Datasette's stylesheet;
3. returns 405 for any method but GET and HEAD, except the POST of
   Datasette's own logout button, which Datasette checks for its CSRF
   token. Nothing in Genzong's Datasette takes a POST: its canned queries
   only read, and Datasette 0.65 answers a POST to a table or a read-only
   canned query with a 500;
4. reads dates and months as managers write them (2026/11/1, 2026年11月,
   a month alone for a period) as YYYY-MM-DD and YYYY-MM, and returns 400
   for a period parameter that is still not a date, a month parameter that
   is not YYYY-MM, or a search kind other than 客户, 跟进记录 and 工单. The
   page links to the same report without the invalid values, or with the
   two dates swapped when the start is after the end;
5. starts every CSV body with a UTF-8 byte order mark, so Excel on Chinese
   Windows reads it as UTF-8 instead of GBK, and sends it as a download
   named after the page's Chinese title and its filters (回款跟踪.csv,
   回款跟踪_逾期未付款.csv), because Datasette
   shows a CSV link without ``_dl`` as text in the browser. Amounts of 元
   get two decimals (79800.00, not 79800.0; see ``server.csv_amounts``).

Datasette opens only ``genzong.db``, never ``private.db``, and its
connections to it are read-only (see ``server.datasette_plugin``).
"""

import calendar
import html
import logging
import re
from datetime import date
from typing import NamedTuple
from urllib.parse import parse_qsl, quote, urlencode

import yaml
from datasette.app import Datasette
from datasette.plugins import pm
from datasette.utils import tilde_decode

from . import datasette_access as access
from . import search
from .csv_amounts import AmountRewriter
from .datasette_english import EnglishMetadata, load_english_metadata
from .datasette_plugin import YUAN_COLUMNS, GenzongPlugin, page_titles
from .paths import project_root
from .schema import TABLES
from .state import ServerState

log = logging.getLogger("genzong.datasette")

PREFIX = "/data"
BASE_URL = PREFIX + "/"
METADATA_FILE = "datasette-metadata.yml"
TEMPLATE_DIR = "datasette-templates"
UTF8_BOM = b"\xef\xbb\xbf"

SETTINGS = {
    "base_url": BASE_URL,
    # The period queries add up a year of records; Datasette's default
    # limit of 1 s is tight for them on a large team's database.
    "sql_time_limit_ms": 3000,
    # Suggesting facets runs one query per column over the whole table or
    # view, which made a page of a view ten times slower. The metadata names
    # the useful facets instead, and any column can still be faceted.
    "suggest_facets": False,
    # Datasette offers the file for download only when opened immutable,
    # which Genzong never does; keep the link off either way.
    "allow_download": False,
}

# The views managers start from, listed first on the database page.
REPORT_VIEWS = ("customer_list", "follow_up_log", "receivable_tracking", "ticket_log", "project_overview",
                "survey_list")

READ_METHODS = frozenset({"GET", "HEAD"})
# Datasette's own static files and those of its plugins (app.css, table.js),
# which every visitor may fetch.
STATIC_PREFIXES = ("/-/static/", "/-/static-plugins/")
# Datasette's logout button; Datasette checks its CSRF token.
POST_PATHS = frozenset({"/-/logout"})

# Canned-query parameters that take a business date (blank: the default period).
DATE_PARAMETERS = ("开始日期", "结束日期")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Canned-query parameters that take a month, YYYY-MM (blank: the current month).
MONTH_PARAMETERS = ("月份",)
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
# The canned query ``search`` and its kind parameter (blank: every kind).
SEARCH_QUERY = "search"
KIND_PARAMETER = "类型"
SEARCH_KINDS = ("客户", "跟进记录", "工单")
# The kinds of a ticket, which people try as the search's kind.
TICKET_KINDS = ("投诉", "问题", "需求")
# Whitespace and zero-width characters at either end of a pasted value.
# A date or a month as managers write them: 2026-11-01, 2026/11/1,
# 2026.11.1, 2026年11月1日; 2026-11, 2026/11, 2026年11月.
_WRITTEN_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_WRITTEN_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
# Period values that may go into a download's file name: checked dates and months.
_FILE_NAME_SAFE = re.compile(r"[0-9]{4}-[0-9]{2}(-[0-9]{2})?")
# Characters Windows does not allow in a file name, control characters, and
# the bidirectional controls that can make a name read backwards (…fdp.exe).
_FILE_NAME_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]+')
# The wording of each filter lookup in a download's name (逾期天数大于30). Other lookups are left out.
FILTER_WORDS = {"exact": "{value}", "not": "{column}不是{value}", "contains": "{column}包含{value}",
                "startswith": "{column}开头是{value}", "endswith": "{column}结尾是{value}",
                "gt": "{column}大于{value}", "gte": "{column}不小于{value}", "lt": "{column}小于{value}",
                "lte": "{column}不大于{value}", "isnull": "{column}未填写", "notnull": "{column}已填写",
                "isblank": "{column}为空", "notblank": "{column}有内容"}
# The filter part of a download's name stops at this many characters, so the
# whole name stays well below the 255 that Windows and most file systems allow.
FILTER_WORDS_MAX = 40
_EDGE_SPACE = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]+|[\s\u200b-\u200d\u2060\ufeff]+$")
# YAML folds a description's line breaks into spaces, which Chinese text has
# no use for after its own punctuation.
_FOLDED_BREAK = re.compile(r"(?<=[，。；：、）]) (?=\S)")


class Problem(NamedTuple):
    """An invalid parameter: messages in Chinese and English, and how the error page's link corrects it.

    The link drops the parameters in ``names`` and gives those in ``replacements`` new values.
    """

    message: str
    message_en: str
    names: tuple[str, ...]
    replacements: tuple[tuple[str, str], ...] = ()


def unfold_chinese(node):
    """Return ``node`` with the spaces that YAML folding left after Chinese punctuation removed.

    SQL is left alone.
    """
    if isinstance(node, dict):
        return {key: value if key == "sql" else unfold_chinese(value) for key, value in node.items()}
    if isinstance(node, list):
        return [unfold_chinese(value) for value in node]
    if isinstance(node, str):
        return _FOLDED_BREAK.sub("", node)
    return node


def load_metadata(database_name: str) -> tuple[dict, EnglishMetadata]:
    """Read ``datasette-metadata.yml`` and its English from the checkout, and add the database's contents page.

    ``database_name`` is the name Datasette gives the published database:
    its file name without the extension. Raises KeyError when a file has
    no entry for it.
    """
    with open(project_root() / METADATA_FILE, encoding="utf-8") as handle:
        metadata = unfold_chinese(yaml.safe_load(handle))
    english = load_english_metadata(project_root(), metadata, database_name)
    database = metadata["databases"][database_name]
    # Both languages, each marked with its lang for the interface script to show one.
    database["description_html"] = (
        f'<div class="genzong-text" lang="zh-CN">{contents_html(database_name, database, CONTENTS_HEADINGS)}</div>'
        f'<div class="genzong-text" lang="en">{contents_html(database_name, english_entries(english), CONTENTS_HEADINGS_EN)}</div>')
    return metadata, english


# The database page's sections: the report views, the canned queries and the tables.
CONTENTS_HEADINGS = ("报表", "统计与查询", "原始数据表")
CONTENTS_HEADINGS_EN = ("Reports", "Queries", "Tables")


def english_entries(english: EnglishMetadata) -> dict:
    """Return the English metadata in the form ``contents_html`` reads."""
    return {"description": english.database_description, "tables": english.tables, "queries": english.queries}


def contents_html(database_name: str, database: dict, headings: tuple[str, str, str]) -> str:
    """Return the database page's introduction: the reports, queries and tables, with links."""
    tables = database.get("tables", {})
    queries = database.get("queries", {})
    base = f"{BASE_URL}{database_name}/"

    def item(name: str, entry: dict) -> str:
        title = html.escape(entry.get("title") or name)
        text = html.escape(entry.get("description") or "")
        return f'<li><a href="{base}{name}">{title}</a>{" — " + text if text else ""}</li>'

    sections = [
        (headings[0], [(name, tables.get(name, {})) for name in REPORT_VIEWS]),
        (headings[1], list(queries.items())),
        (headings[2], [(name, tables.get(name, {})) for name in TABLES]),
    ]
    parts = [f"<p>{html.escape(database.get('description', ''))}</p>"]
    for heading, entries in sections:
        parts.append(f"<h2>{heading}</h2><ul class=\"bullets\">")
        parts.extend(item(name, entry) for name, entry in entries)
        parts.append("</ul>")
    return "".join(parts)


class DatasetteMount:
    """The ASGI app served at ``/data/``: Datasette behind Genzong's login.

    ``start`` builds Datasette for an opened server state and ``stop``
    releases it; requests before ``start`` get 503.
    """

    def __init__(self):
        self.database_name = ""
        self.datasette: Datasette | None = None
        self.verifier: access.ActorVerifier | None = None
        self._plugin: GenzongPlugin | None = None
        self.titles: dict[str, str] = {}
        self.english: EnglishMetadata | None = None
        self._app = None

    def start(self, state: ServerState) -> None:
        # The pool's file, not the folder's: a read-only folder is served
        # from a copy, because SQLite cannot open a WAL database there.
        database_file = state.records.path
        self.database_name = database_file.stem
        self.verifier = access.ActorVerifier(state)
        metadata, self.english = load_metadata(self.database_name)
        self.titles = page_titles(metadata, self.database_name)
        self.datasette = Datasette(files=[str(database_file)],
                                   metadata=metadata,
                                   template_dir=str(project_root() / TEMPLATE_DIR),
                                   settings=SETTINGS, secret=state.secret.decode())
        plugin = GenzongPlugin(self.verifier, self.database_name, self.datasette, self.titles, self.english)
        pm.register(plugin, name=f"genzong-{id(plugin)}")
        self._plugin = plugin
        self._app = self.datasette.app()
        log.info("datasette started at %s for %s", BASE_URL, database_file)

    def stop(self) -> None:
        if self._plugin is not None:
            pm.unregister(self._plugin)
            self._plugin = None
        if self.datasette is not None:
            for database in self.datasette.databases.values():
                database.close()
            self.datasette.executor.shutdown(wait=False)
            self.datasette = None
            log.info("datasette stopped")
        self._app = None

    def csv_file_names(self, path: str, query_string: bytes = b"") -> tuple[str, str]:
        """Return the download names of a CSV path: the page's title (回款跟踪.csv) and its name.

        The chosen filters follow the title, then a report's period or month
        (超时答复工单_投诉_2026-11-01至2026-11-30.csv, 客户一览_搜索秀.csv), so
        the exports of two months or two filters do not get the same name.
        The plain name, which is ASCII, marks filters only with ``_filtered``.
        """
        name = tilde_decode(path.rsplit("/", 1)[-1][:-len(".csv")])
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        values = dict(pairs)
        # The values were checked before the query ran; anything else is left out of the name.
        start, end, month = (values.get(key, "") if _FILE_NAME_SAFE.fullmatch(values.get(key, "")) else ""
                             for key in (*DATE_PARAMETERS, MONTH_PARAMETERS[0]))
        # The database's own CSV is a custom SQL query, whose parameters are not filters.
        # Datasette ignores _search on a table or view without a search box, so it names no filter there.
        searchable = name in search.SEARCHED_COLUMNS or name in search.SEARCHED_VIEWS
        filters = filter_words(pairs, searchable) if name != self.database_name else ""
        parts, ascii_parts = [self.titles.get(name, name)], [name]
        if filters:
            parts.append(filters)
            ascii_parts.append("filtered")
        if month:
            parts.append(month)
            ascii_parts.append(month)
        elif start and end:
            parts.append(f"{start}至{end}")
            ascii_parts.append(f"{start}_{end}")
        elif start or end:
            parts.append(f"{start}起" if start else f"至{end}")
            ascii_parts.append(f"from_{start}" if start else f"to_{end}")
        return "_".join(parts) + ".csv", "_".join(ascii_parts) + ".csv"

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        if self._app is None:
            await access.send_page(send, access.error_page(
                503, "服务未就绪 · Not ready", "数据浏览正在启动，请稍后刷新。",
                "Datasette is starting; reload in a moment.", as_json=False, login_link=False))
            return
        scope = strip_prefix(scope)
        path = scope["path"]
        as_json = access.wants_json(path, scope.get("query_string", b""))
        if is_static_file(scope) and scope["method"] in READ_METHODS:
            await self._app(scope, receive, send)
            return
        if self.verifier.verify_scope(scope) is None:
            await self._refuse(scope, receive, send, access.Refusal(
                403, access.FORBIDDEN_TITLE, access.FORBIDDEN_MESSAGE, access.FORBIDDEN_MESSAGE_EN,
                (access.LOGIN_LINK,)), as_json)
            return
        if scope["method"] not in READ_METHODS and path not in POST_PATHS:
            log.info("datasette request rejected: method %s path=%s", scope["method"], path)
            status, headers, body = access.error_page(
                405, "不支持的请求 · Method not allowed", "数据浏览是只读的，只能查看，不能提交修改。",
                "Data browsing is read-only: pages can be viewed, nothing can be submitted.",
                as_json=as_json, login_link=False)
            await access.send_page(send, (status, [*headers, (b"allow", b"GET, HEAD")], body))
            return
        if path == "/":
            await send_redirect(send, f"{BASE_URL}{self.database_name}")
            return
        # Datasette also finds a query by its tilde-encoded name (sear~63h for search).
        searching = tilde_decode(path.split(".", 1)[0]) == f"/{self.database_name}/{SEARCH_QUERY}"
        stripped = DATE_PARAMETERS + MONTH_PARAMETERS + ((KIND_PARAMETER,) if searching else ())
        typed_query = scope.get("query_string", b"")
        scope = {**scope, "query_string": strip_parameters(typed_query, stripped)}
        problem = check_date_parameters(scope["query_string"], self.english.column_names)
        if searching and not problem:
            problem = check_search_kind(scope["query_string"])
        if problem:
            log.info("datasette request rejected: %s path=%s", problem.message_en, path)
            if problem.replacements:
                # Swap the dates as typed: a month alone (2026-12, 2026-11) means its first day as
                # the start and its last day as the end, so swapping the read dates would lose days.
                problem = problem._replace(replacements=swapped_dates(typed_query))
            back = page_without(path, scope["query_string"], problem.names, problem.replacements)
            link = ((back, "调换日期后重新打开", "Open with the dates swapped") if problem.replacements
                    else (back, "去掉有误的条件重新打开", "Open without the invalid values"))
            await self._refuse(scope, receive, send, access.Refusal(
                400, "参数错误 · Invalid parameter", problem.message, problem.message_en, (link,)), as_json)
            return
        if path.endswith(".csv"):
            # With _header=off the CSV does not name its columns, so its amounts stay as they are.
            values = dict(parse_qsl(scope["query_string"].decode("latin-1")))
            amounts = None if values.get("_header") == "off" else AmountRewriter(YUAN_COLUMNS)
            send = as_csv_download(send, *self.csv_file_names(path, scope["query_string"]), amounts)
        await self._app(scope, receive, send)

    async def _refuse(self, scope, receive, send, refusal: access.Refusal, as_json: bool) -> None:
        """Send ``refusal`` as JSON, or as a page with the header and scripts of Datasette's other pages.

        Datasette renders the page at the plugin's ``REFUSAL_PATH``, with the
        request's query string dropped, so nothing else of the request runs.
        Other methods than GET and HEAD get a plain page, because Datasette
        rejects a POST without its CSRF token before any page.
        """
        if as_json:
            await access.send_page(send, refusal.json_page())
        elif scope["method"] not in READ_METHODS:
            await access.send_page(send, refusal.plain_page())
        else:
            refusal_scope = {**scope, "path": access.REFUSAL_PATH, "raw_path": access.REFUSAL_PATH.encode(),
                             "query_string": b"", access.SCOPE_REFUSAL: refusal}
            await self._app(refusal_scope, receive, send)


def filter_words(pairs: list[tuple[str, str]], searchable: bool = True) -> str:
    """Return the filters of a CSV request as words for its file name, such as ``投诉`` or ``搜索秀_逾期未付款``.

    A canned query's parameters and a table's exact filters give their
    values, other lookups their column too, and the search box 搜索 and its
    text when ``searchable`` (the page has a search box). Periods, months,
    blank values and Datasette's own ``_`` options are left out. Characters
    that Windows rejects become ``_``, and the words stop at
    ``FILTER_WORDS_MAX`` characters, ending with …, when longer.
    """
    words = []
    for key, value in pairs:
        value = _EDGE_SPACE.sub("", value)
        if key == "_search" and value and searchable:
            words.append(f"搜索{value}")
            continue
        if key.startswith("_") or key in DATE_PARAMETERS + MONTH_PARAMETERS or not value:
            continue
        column, _, lookup = key.rpartition("__") if "__" in key else (key, "", "exact")
        if lookup in FILTER_WORDS:
            words.append(FILTER_WORDS[lookup].format(column=column, value=value))
    text = _FILE_NAME_UNSAFE.sub("_", "_".join(words)).strip(" .")
    if len(text) > FILTER_WORDS_MAX:
        text = text[:FILTER_WORDS_MAX - 1].rstrip(" ._") + "…"
    return text


def strip_prefix(scope) -> dict:
    """Return a copy of ``scope`` with ``/data`` removed from its path, as Datasette expects."""
    path = scope["path"][len(PREFIX):] if scope["path"].startswith(PREFIX) else scope["path"]
    raw_path = scope.get("raw_path")
    if raw_path and raw_path.startswith(PREFIX.encode()):
        raw_path = raw_path[len(PREFIX):] or b"/"
    return {**scope, "path": path or "/", "raw_path": raw_path, "root_path": ""}


def is_static_file(scope) -> bool:
    """Tell whether Datasette routes a prefix-stripped ``scope`` to one of its static file handlers.

    Datasette routes by ``raw_path`` when the server sets it, and by ``path``
    otherwise, so both must start with a static prefix. The handlers serve
    only files inside their folder, whatever the rest of the path holds.
    """
    paths = [scope["path"]]
    if scope.get("raw_path"):
        paths.append(scope["raw_path"].decode("latin-1"))
    return all(path.startswith(STATIC_PREFIXES) for path in paths)


def strip_parameters(query_string: bytes, names: tuple[str, ...]) -> bytes:
    """Return the query string with the values of ``names`` cleaned for the check and the query.

    A date pasted from a chat or typed with a Chinese input method often
    carries a full-width, no-break or zero-width space, which SQL's trim()
    keeps, so spaces of any kind are cut from around the values. Dates and
    months written as managers write them (2026/11/1, 2026年11月1日, and a
    month alone for a period, 2026-11) become YYYY-MM-DD and YYYY-MM.
    """
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    cleaned = [(name, _usual_form(name, _EDGE_SPACE.sub("", value)) if name in names else value)
               for name, value in pairs]
    if cleaned == pairs:
        return query_string
    return urlencode(cleaned).encode()


def _usual_form(name: str, value: str) -> str:
    """Return a period or month value as YYYY-MM-DD or YYYY-MM, or unchanged when it is neither."""
    written = _WRITTEN_DAY.fullmatch(value)
    if written and name in DATE_PARAMETERS:
        usual = f"{written[1]}-{int(written[2]):02d}-{int(written[3]):02d}"
        try:
            date.fromisoformat(usual)
        except ValueError:
            return value  # the check names the date as it was typed
        return usual
    month = _WRITTEN_MONTH.fullmatch(value)
    if not month or not 1 <= int(month[2]) <= 12:
        return value
    year, number = int(month[1]), int(month[2])
    if name in MONTH_PARAMETERS:
        return f"{year}-{number:02d}"
    if name == "开始日期":
        return f"{year}-{number:02d}-01"
    if name == "结束日期":
        return f"{year}-{number:02d}-{calendar.monthrange(year, number)[1]:02d}"
    return value


def page_without(path: str, query_string: bytes, names: tuple[str, ...],
                 replacements: tuple[tuple[str, str], ...] = ()) -> str:
    """Return the URL of the HTML page at ``path`` with its other parameters, dropping ``names``.

    Each (name, value) of ``replacements`` sets the value of that parameter.
    """
    page = path.removesuffix(".json").removesuffix(".csv")
    new_values = dict(replacements)
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    other_pairs = [(name, new_values.get(name, value)) for name, value in pairs
                   if name not in names and name != "_format"]
    return PREFIX + page + (f"?{urlencode(other_pairs)}" if other_pairs else "")


def check_date_parameters(query_string: bytes, names_en: dict[str, str] | None = None) -> Problem | None:
    """Return the problem of an invalid period or month parameter, or None.

    Every invalid date is named, so the error page's link drops them all and
    keeps a valid one. A start after the end gets a link with the two swapped.
    ``names_en`` gives the parameters' English names for the English message
    (the Chinese name where it has none).
    """
    names_en = names_en or {}
    values = {}
    invalid = []
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name in MONTH_PARAMETERS and value.strip() and not _MONTH.fullmatch(value.strip()):
            return Problem(f"{name}“{value.strip()}”不是有效月份。请按 YYYY-MM 填写，例如 2026-01；留空则为本月。",
                           f"{names_en.get(name, name)} \"{value.strip()}\" is not a valid month. Use YYYY-MM, "
                           "such as 2026-01, or leave it blank for this month.", (name,))
        if name not in DATE_PARAMETERS or not value.strip():
            continue
        value = value.strip()
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            values[name] = date.fromisoformat(value)
        except ValueError:
            invalid.append((name, value))
    if invalid:
        return Problem(
            "".join(f"{name}“{value}”不是有效日期。" for name, value in invalid)
            + "请按 YYYY-MM-DD 填写，例如 2026-01-31；留空则使用默认期间。",
            " ".join(f"{names_en.get(name, name)} \"{value}\" is not a valid date." for name, value in invalid)
            + " Use YYYY-MM-DD, such as 2026-01-31, or leave it blank for the default period.",
            tuple(name for name, _ in invalid))
    start, end = values.get("开始日期"), values.get("结束日期")
    if start and end and start > end:
        return Problem(f"开始日期 {start} 晚于结束日期 {end}。请调换两个日期。",
                       f"The start date {start} is after the end date {end}. Swap them.", (),
                       (("开始日期", end.isoformat()), ("结束日期", start.isoformat())))
    return None


def swapped_dates(query_string: bytes) -> tuple[tuple[str, str], ...]:
    """Return (name, value) pairs that give each period parameter the other's value, spaces cut."""
    typed = {name: _EDGE_SPACE.sub("", value)
             for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
             if name in DATE_PARAMETERS}
    start, end = DATE_PARAMETERS
    return ((start, typed.get(end, "")), (end, typed.get(start, "")))


def check_search_kind(query_string: bytes) -> Problem | None:
    """Return the problem of a search kind outside ``SEARCH_KINDS``, or None."""
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name != KIND_PARAMETER or not value or value in SEARCH_KINDS:
            continue
        if value in TICKET_KINDS:
            return Problem(f"“{value}”是工单的类型，不是可搜索的类型。要搜索工单，类型请填写 工单；"
                           "要按投诉、问题或需求查看工单，请打开投诉台账并按类型筛选。",
                           f"\"{value}\" is a kind of ticket, not a searched kind. Enter 工单 to search "
                           "tickets, or filter 投诉台账 (ticket log) by its 类型 to list one kind of ticket.",
                           (name,))
        return Problem(f"类型“{value}”不是可搜索的类型。请填写 客户、跟进记录 或 工单；留空则每类显示最新的 100 条。",
                       f"Kind \"{value}\" is not a searched kind. Enter 客户 (customers), 跟进记录 (follow-ups) "
                       "or 工单 (tickets), or leave it blank for the latest 100 of each.", (name,))
    return None


async def send_redirect(send, location: str) -> None:
    await send({"type": "http.response.start", "status": 302,
                "headers": [(b"location", location.encode()), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


def as_csv_download(send, file_name: str, fallback: str, amounts: AmountRewriter | None = None):
    """Wrap ``send`` so a successful CSV response is a download named ``file_name`` that starts with the UTF-8 BOM.

    ``fallback``, the table or query name, goes in the plain ``filename`` for
    clients that do not read ``filename*`` (RFC 6266), which carries the Chinese name.
    ``amounts`` rewrites the body's amount columns; the response then has no
    ``content-length``, because the rewrite changes it.
    """
    pending = False
    rewriting = False
    fallback = re.sub(r'[^A-Za-z0-9._-]', "_", fallback)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}".encode()

    async def send_with_bom(message):
        nonlocal pending, rewriting
        if message["type"] == "http.response.start" and message["status"] == 200:
            pending = True
            # With _trace=1 Datasette returns an HTML page that shows the CSV, which is left alone.
            rewriting = amounts is not None and not any(
                name.lower() == b"content-type" and value.startswith(b"text/html")
                for name, value in message.get("headers", []))
            headers = []
            for name, value in message.get("headers", []):
                if name.lower() == b"content-length" and rewriting:
                    continue
                if name.lower() == b"content-length":
                    value = str(int(value) + len(UTF8_BOM)).encode()
                elif name.lower() == b"content-type":
                    value = b"text/csv; charset=utf-8"
                elif name.lower() == b"content-disposition":
                    continue
                headers.append((name, value))
            headers.append((b"content-disposition", disposition))
            message = {**message, "headers": headers}
        elif message["type"] == "http.response.body" and (pending or rewriting):
            body = message.get("body", b"")
            if rewriting:
                body = amounts.feed(body, last=not message.get("more_body", False))
            if pending:
                pending = False
                body = UTF8_BOM + body
            message = {**message, "body": body}
        await send(message)

    return send_with_bom
