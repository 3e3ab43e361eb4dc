"""Genzong's Datasette plugin: login, read-only connections, Chinese search, 元.

One ``GenzongPlugin`` object serves one Datasette instance. Datasette's
plugin manager is shared by the whole process, so every hook first checks
that it was called for its own instance and otherwise returns None.

- ``actor_from_request`` returns the actor checked by ``ActorVerifier``.
  Datasette's own ``ds_actor`` reader still returns the unchecked cookie
  actor when this hook returns None, so ``permission_allowed`` (run last)
  denies every actor that does not carry this instance's marker.
- ``prepare_connection`` registers Genzong's SQL functions and sets
  ``PRAGMA query_only`` on the published database, so SQLite itself rejects
  writes, whatever SQL reaches it.
- ``filters_from_request`` serves the search box of the searched tables,
  and of the views that show their rows (客户一览), through the
  character-pair indexes of ``server.search``.
- ``render_cell`` shows money as ``¥1,234.50``: fen columns of the tables
  and 元 columns of the views and queries. A query's 链接 column, such as
  搜索's, becomes a link to the view page it names.
- ``extra_template_vars`` gives the canned-query template ``genzong_totals``,
  which adds up the columns a report's ``totals`` metadata lists for its
  合计 line.
- ``extra_body_script`` puts Datasette's own interface into Chinese, with a
  switch to English (``datasette_chinese.js``) that also shows the page's
  metadata in English (``datasette_english.py``), and folds a table's column
  descriptions into a collapsed 列说明 section, so the rows start near the
  top of the page, and its SQL definition into another.
- ``handle_exception`` answers a query stopped at the SQL time limit with a
  Chinese-first page that requests a shorter period. Other errors Datasette
  raises on purpose (not found, invalid SQL) get a page with Datasette's
  header, so the interface script runs there too. An unexpected error is
  logged and gets a page in both languages.
"""

import functools
import json
import logging
import sqlite3
from pathlib import Path
from urllib.parse import quote

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import tilde_decode, to_css_class
from datasette.utils.asgi import Base400, NotFound, Request, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup, escape

from . import search
from .datasette_access import (FAILED_MESSAGE, FAILED_MESSAGE_EN, FAILED_TITLE, FORBIDDEN_MESSAGE,
                               FORBIDDEN_MESSAGE_EN, FORBIDDEN_TITLE, LOGIN_LINK, REFUSAL_PATH, SCOPE_REFUSAL,
                               TIMED_OUT_MESSAGE, TIMED_OUT_MESSAGE_EN, TIMED_OUT_TITLE, ActorVerifier,
                               message_html, wants_json)
from .datasette_english import EnglishMetadata
from .db import BUSY_TIMEOUT_MS
from .sqlfunctions import register_functions

log = logging.getLogger("genzong.datasette")

SEARCH_PARAMETER = "genzong_search"

CHINESE_INTERFACE = Path(__file__).with_name("datasette_chinese.js").read_text(encoding="utf-8")
NAMES_PLACEHOLDER = "__GENZONG_NAMES__"
ENGLISH_PLACEHOLDER = "__GENZONG_ENGLISH__"

# A stylesheet that keeps the page hidden until datasette_chinese.js, at the
# end of the page, has translated it and marked <html> genzong-ready, so a
# slow page does not show Datasette's English first. The animation shows the
# page after 1.5 s even when the script never marks it, so a browser without
# JavaScript, or a failed script, still gets the page. A data: URL, because Datasette's hooks add stylesheets
# to <head> only by URL. The script hides Genzong's texts in the other language,
# which app.css would show again, because it makes every div a block.
HIDE_UNTIL_TRANSLATED = "data:text/css," + quote(
    "body{visibility:hidden;animation:genzong-reveal 0s linear 1.5s forwards}"
    "html.genzong-ready body{visibility:visible;animation:none}"
    "@keyframes genzong-reveal{to{visibility:visible}}"
    ".genzong-text[hidden],.genzong-message[hidden]{display:none}")

# Wraps Datasette's list of column descriptions, and the SQL that defines a
# table or view at the foot of its page, each in a collapsed <details>.
FOLD_TABLE_PAGE = """
(() => {
const english = document.documentElement.lang === "en";
function fold(element, label) {
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = label;
  element.parentNode.insertBefore(details, element);
  details.append(summary, element);
}
document.querySelectorAll("dl.column-descriptions").forEach((list) => {
  const count = list.querySelectorAll("dt").length;
  fold(list, english ? `Column notes (${count})` : `列说明（${count} 列）`);
});
document.querySelectorAll("section.content > pre.wrapped-sql").forEach((definition) => {
  fold(definition, english ? "SQL definition" : "SQL 定义（供技术人员查看）");
});
})();
"""

# A script that turns the search's 类型 text box into a list of the kinds it accepts.
# The values are the kinds as the query takes them; the labels follow the page's language.
SEARCH_KIND_CHOICES = """
const kindBox = document.querySelector('body.query-search input[name="类型"]');
if (kindBox) {
  const choices = document.createElement("select");
  choices.id = kindBox.id;
  choices.name = kindBox.name;
  const kinds = document.documentElement.lang === "en"
    ? [["", "All (latest 100 of each)"], ["客户", "Customers"], ["跟进记录", "Follow-ups"], ["工单", "Tickets"]]
    : [["", "全部（每类最新 100 条）"], ["客户", "客户"], ["跟进记录", "跟进记录"], ["工单", "工单"]];
  for (const [value, label] of kinds) {
    choices.append(new Option(label, value, false, value === kindBox.value));
  }
  kindBox.replaceWith(choices);
}
"""

# Moves a report's 合计 line, which the template writes above the query form, to just above the table.
MOVE_TOTALS = """
const totalsLine = document.querySelector("p.genzong-totals");
const resultTable = document.querySelector("form.sql ~ .table-wrapper");
if (totalsLine && resultTable) resultTable.before(totalsLine);
"""

# Columns of the views and canned queries that hold 元.
YUAN_COLUMNS = frozenset({"应收金额", "已收金额", "未收金额", "多付金额", "预计金额", "回款金额",
                          "销售额", "回款额", "月末逾期金额"})

# A query column that contains the path of the page a manager reads for a
# record, such as /data/genzong/customer_list?客户编号=KH000123. Only paths
# to these views of the published database become links.
RECORD_LINK_COLUMN = "链接"
LINKED_VIEWS = frozenset({"customer_list", "follow_up_log", "ticket_log"})

# A text longer than LONG_TEXT_CHARS, such as a complaint pasted from a
# letter, folds into its first FOLDED_CHARS characters, which open to the
# whole text. Datasette would cut it at 2,048 characters instead
# (truncate_cells_html), after making its row as tall as a few screens, and
# a view's row links nowhere else that shows the rest.
LONG_TEXT_CHARS = 200
FOLDED_CHARS = 50
# A folded text is wide enough for its first characters to take about three
# lines, however many columns squeeze the table. An opened one scrolls inside
# its cell, and its first characters are not repeated above it.
LONG_TEXT_STYLE = "data:text/css," + quote(
    "details.long-text{min-width:18em;max-width:36em}"
    "details.long-text[open]{max-height:20em;overflow-y:auto}"
    "details.long-text[open] .excerpt{display:none}")


class GenzongPlugin:
    """The hooks for one Datasette instance publishing ``database``."""

    def __init__(self, verifier: ActorVerifier, database: str, datasette, titles: dict[str, str],
                 english: EnglishMetadata):
        # Datasette lists plugins by __name__ and looks for static files in
        # the package of that name; a module name makes it skip the lookup.
        self.__name__ = __name__
        self.verifier = verifier
        self.database = database
        self.datasette = datasette
        self.english = english
        self.chinese_interface = chinese_interface_script(database, titles, english.database_title)
        # A visitor without a valid login gets only the refusal page, whose script needs no table titles.
        self.anonymous_interface = with_english(chinese_interface_script(database, {database: database}), {})

    def _ours(self, datasette) -> bool:
        return datasette is self.datasette

    @hookimpl
    def actor_from_request(self, datasette, request):
        if not self._ours(datasette):
            return None
        return self.verifier.verify_scope(request.scope)

    @hookimpl(trylast=True)
    def permission_allowed(self, datasette, actor, action):
        if not self._ours(datasette):
            return None
        if not self.verifier.is_verified(actor):
            return False
        return None

    @hookimpl
    def prepare_connection(self, conn: sqlite3.Connection, database, datasette):
        if not self._ours(datasette):
            return
        register_functions(conn)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if database == self.database:
            conn.execute("PRAGMA query_only = 1")

    # Runs last, so its ``supports_search`` overrides the built-in search
    # filter's, which finds no FTS table linked to these tables.
    @hookimpl(trylast=True)
    def filters_from_request(self, request, database, table, datasette):
        if not self._ours(datasette) or database != self.database:
            return None
        if table in search.SEARCHED_COLUMNS:
            clause = search.match_clause(table, SEARCH_PARAMETER)
        elif table in search.SEARCHED_VIEWS:
            clause = search.view_match_clause(table, SEARCH_PARAMETER)
        else:
            return None
        text = (request.args.get("_search") or "").strip()
        context = {"supports_search": True, "search": text}
        if not text:
            return FilterArguments([], extra_context=context)
        return FilterArguments(
            [clause],
            params={SEARCH_PARAMETER: text},
            # Datasette's own English words: its page script shows them in Chinese.
            human_descriptions=[f'search matches "{text}"'],
            extra_context=context,
        )

    @hookimpl
    def render_cell(self, value, column, table, database, datasette):
        if not self._ours(datasette) or database != self.database:
            return None
        if table is None and column == RECORD_LINK_COLUMN:
            return record_link(datasette, database, value)
        if isinstance(value, str) and len(value) > LONG_TEXT_CHARS:
            return fold_long_text(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if table and column.endswith("_fen"):
            return format_yuan(value / 100)
        if column in YUAN_COLUMNS:
            return format_yuan(value)
        return None

    @hookimpl
    def prepare_jinja2_environment(self, env, datasette):
        if not self._ours(datasette):
            return
        # Datasette's templates pass every cell's column name through this
        # filter, which hashes each Chinese name with MD5 on every call: about
        # 15 ms of a 1,000-row report's page (1.5 µs a call, 0.05 µs cached).
        env.filters["to_css_class"] = functools.lru_cache(maxsize=4096)(to_css_class)

    @hookimpl
    def extra_css_urls(self, datasette):
        if not self._ours(datasette):
            return None
        return [HIDE_UNTIL_TRANSLATED, LONG_TEXT_STYLE]

    @hookimpl
    def extra_body_script(self, template, database, table, columns, request, datasette):
        if not self._ours(datasette):
            return None
        if request is None or not self.verifier.is_verified(request.actor):
            return self.anonymous_interface
        texts = {}
        if database == self.database or template == "index.html":
            texts = self.english.page_texts(template, page_name(template, table, request), columns)
        # The interface script runs first because it sets the page's language, which the others read.
        scripts = [with_english(self.chinese_interface, texts)]
        if database == self.database and template == "table.html":
            scripts.append(FOLD_TABLE_PAGE)
        elif database == self.database and template.startswith("query"):
            scripts.extend([SEARCH_KIND_CHOICES, MOVE_TOTALS])
        return "\n".join(scripts)

    @hookimpl
    def extra_template_vars(self, template, database, table, request, datasette):
        if not self._ours(datasette) or database != self.database:
            return None
        name = page_name(template, table, request)
        return {"genzong_totals": report_totals,
                "genzong_english_column": lambda column: self.english.column_name(name, column) or column}

    @hookimpl
    def register_routes(self, datasette):
        if not self._ours(datasette):
            return None
        return [(f"^{REFUSAL_PATH}$", self._refusal_page)]

    async def _refusal_page(self, datasette, scope, receive):
        """Render the refusal that ``DatasetteMount`` put in the scope, with the header of every page.

        The header shows the login only when the mount verified it, not the
        unchecked actor of Datasette's own cookie reader.
        """
        refusal = scope.get(SCOPE_REFUSAL)
        if refusal is None:
            raise NotFound("Page not found")
        request = Request({**scope, "actor": self.verifier.verify_scope(scope)}, receive)
        body = await datasette.render_template(
            "error.html", {"ok": False, "status": refusal.status, "title": refusal.title,
                           "error": refusal.message_html()}, request=request)
        return Response.html(body, status=refusal.status,
                             headers={"cache-control": "private, no-store", "vary": "Cookie"})

    @hookimpl
    def forbidden(self, datasette, request, message):
        if not self._ours(datasette):
            return None

        async def page():
            body = await datasette.render_template(
                "error.html", {"title": FORBIDDEN_TITLE,
                               "error": message_html(FORBIDDEN_MESSAGE, FORBIDDEN_MESSAGE_EN, (LOGIN_LINK,))},
                request=request)
            return Response.html(body, status=403)
        return page

    @hookimpl(tryfirst=True)
    def handle_exception(self, datasette, request, exception):
        if not self._ours(datasette):
            return None
        # Datasette turns a query stopped at the SQL time limit into this error.
        if isinstance(exception, DatasetteError) and exception.title == "SQL Interrupted":
            return self._timed_out(datasette, request)
        if isinstance(exception, DatasetteError) and bad_sort(exception):
            # Datasette sends 500 for a sort by a column that does not exist,
            # which is the request's fault, not the server's.
            exception.status = 400
        # Datasette's own handler returns the JSON errors of JSON requests.
        if wants_json(request.path, request.query_string.encode()):
            return None
        if isinstance(exception, DatasetteError):
            message = Markup(exception.message) if exception.message_is_html else exception.message
            return self._error_page(datasette, request, exception.status, exception.title, message)
        if isinstance(exception, Base400):
            return self._error_page(datasette, request, exception.status, None, exception.args[0])
        log.error("datasette page %s failed", request.path, exc_info=exception)
        return self._error_page(datasette, request, 500, FAILED_TITLE, message_html(FAILED_MESSAGE, FAILED_MESSAGE_EN))

    @staticmethod
    def _error_page(datasette, request, status: int, title: str | None, message: str):
        """Show an error, such as a table not found, in a page with Datasette's header and the plugins' scripts.

        Datasette's own handler renders error.html without the header's links
        and without the plugins' scripts, so the page could not be put into Chinese.
        """
        async def page():
            body = await datasette.render_template(
                [f"{status}.html", "error.html"],
                {"ok": False, "error": message, "status": status, "title": title}, request=request)
            return Response.html(body, status=status)
        return page

    @staticmethod
    def _timed_out(datasette, request):
        seconds = f"{datasette.setting('sql_time_limit_ms') / 1000:g}"
        message = TIMED_OUT_MESSAGE.format(seconds=seconds)
        message_en = TIMED_OUT_MESSAGE_EN.format(seconds=seconds)
        if wants_json(request.path, request.query_string.encode()):
            return Response.json({"ok": False, "status": 400, "title": TIMED_OUT_TITLE,
                                  "error": message, "error_en": message_en}, status=400)

        async def page():
            body = await datasette.render_template(
                "error.html", {"title": TIMED_OUT_TITLE, "error": message_html(message, message_en)}, request=request)
            return Response.html(body, status=400)
        return page


def bad_sort(exception: DatasetteError) -> bool:
    """Tell whether Datasette raised ``exception`` for a ``_sort`` or ``_sort_desc`` it cannot sort by."""
    return exception.status == 500 and str(exception.message).startswith("Cannot sort table by ")


def page_titles(metadata: dict, database_name: str) -> dict[str, str]:
    """Return the title of the database and of each table, view and canned query, by name."""
    database = metadata["databases"][database_name]
    titles = {database_name: database.get("title", database_name)}
    for group in ("tables", "queries"):
        for name, entry in database.get(group, {}).items():
            if isinstance(entry, dict) and entry.get("title"):
                titles[name] = entry["title"]
    return titles


def chinese_interface_script(database: str, titles: dict[str, str], title_en: str | None = None) -> str:
    """Return ``datasette_chinese.js`` with the titles that ``page_titles`` gives for ``database``.

    ``title_en`` names the database in English pages' crumbs; without it they show ``database``.
    """
    names = {
        "database": {database: titles[database]},
        "databaseEnglish": {database: title_en or database},
        "tables": {name: title for name, title in titles.items() if name != database},
    }
    # "</script>" or "<!--" in a title would change how the inline <script> element parses.
    literal = json.dumps(names, ensure_ascii=False).replace("<", "\\u003c")
    return CHINESE_INTERFACE.replace(NAMES_PLACEHOLDER, literal)


def page_name(template: str, table: str | None, request) -> str | None:
    """Return the table, view or canned query that a page shows, or None for other pages.

    Datasette gives the hooks a canned query's name only in the request's URL.
    """
    if table:
        return table
    if template.startswith("query") and request is not None and "table" in request.url_vars:
        return tilde_decode(request.url_vars["table"])
    return None


def with_english(script: str, texts: dict) -> str:
    """Return the interface ``script`` with the English ``texts`` of one page filled in."""
    literal = json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c")
    return script.replace(ENGLISH_PLACEHOLDER, literal, 1)


def report_totals(columns: list[str], rows, names: list[str]) -> list[tuple[str, str]]:
    """Return (column, total as the page shows it) for each of ``names`` that ``columns`` has.

    元 columns are added up in whole fen, so the float sum does not drift,
    and shown as ``¥1,234.50``. Other columns are counts. NULLs and text are skipped.
    """
    totals = []
    for name in names:
        if name not in columns:
            continue
        index = columns.index(name)
        values = [row[index] for row in rows
                  if isinstance(row[index], (int, float)) and not isinstance(row[index], bool)]
        if name in YUAN_COLUMNS:
            totals.append((name, format_yuan(sum(round(value * 100) for value in values) / 100)))
        else:
            totals.append((name, f"{sum(values):,}"))
    return totals


def record_link(datasette, database: str, value) -> Markup | None:
    """Return a 查看 link to ``value``, a path to one of ``LINKED_VIEWS`` with its filters, or None.

    The link's text is in both languages, and the interface script hides
    the one the page is not in.
    """
    if not isinstance(value, str):
        return None
    prefix = datasette.urls.database(database) + "/"
    view = value.removeprefix(prefix).partition("?")[0]
    if not value.startswith(prefix) or view not in LINKED_VIEWS:
        return None
    return Markup(f'<a href="{escape(value)}">{both_languages("查看", "View")}</a>')


def fold_long_text(text: str) -> Markup:
    """Return ``text`` folded: its first ``FOLDED_CHARS`` characters, opening to all of it."""
    return Markup('<details class="long-text"><summary><span class="excerpt">{}…</span></summary>{}</details>').format(
        text[:FOLDED_CHARS], text)


def both_languages(text: str, text_en: str) -> Markup:
    """Return ``text`` and ``text_en`` as two spans marked with their ``lang``, for the interface script."""
    return Markup(f'<span class="genzong-text" lang="zh-CN">{escape(text)}</span>'
                  f'<span class="genzong-text" lang="en">{escape(text_en)}</span>')


def format_yuan(amount: float) -> str:
    """Format an amount of 元 as ``¥1,234.50`` (``-¥12.00`` when negative)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"
