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
- ``filters_from_request`` serves the search box of the searched tables
  through the character-pair indexes of ``server.search``.
- ``render_cell`` shows money as ``¥1,234.50``: fen columns of the tables
  and 元 columns of the views and queries.
- ``extra_body_script`` folds a table's column descriptions into a
  collapsed 列说明 section, so the rows start near the top of the page.
- ``handle_exception`` answers a query stopped at the SQL time limit with a
  Chinese-first page that requests a shorter period.
"""

import sqlite3

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils.asgi import Response
from datasette.views.base import DatasetteError

from . import search
from .datasette_access import (FORBIDDEN_MESSAGE, FORBIDDEN_TITLE, TIMED_OUT_MESSAGE, TIMED_OUT_MESSAGE_EN,
                               TIMED_OUT_TITLE, ActorVerifier, wants_json)
from .db import BUSY_TIMEOUT_MS
from .sqlfunctions import register_functions

SEARCH_PARAMETER = "genzong_search"

# Wraps Datasette's list of column descriptions in a collapsed <details>.
FOLD_COLUMN_DESCRIPTIONS = """
document.querySelectorAll("dl.column-descriptions").forEach((list) => {
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = "列说明（" + list.querySelectorAll("dt").length + " 列）";
  list.parentNode.insertBefore(details, list);
  details.append(summary, list);
});
"""

# A script that turns the search's 类型 text box into a list of the kinds it accepts.
SEARCH_KIND_CHOICES = """
const kindBox = document.querySelector('body.query-search input[name="类型"]');
if (kindBox) {
  const choices = document.createElement("select");
  choices.id = kindBox.id;
  choices.name = kindBox.name;
  for (const [value, label] of [["", "全部（每类最新 100 条）"], ["客户", "客户"], ["跟进记录", "跟进记录"], ["工单", "工单"]]) {
    choices.append(new Option(label, value, false, value === kindBox.value));
  }
  kindBox.replaceWith(choices);
}
"""

# Columns of the views and canned queries that hold 元.
YUAN_COLUMNS = frozenset({"应收金额", "已收金额", "未收金额", "多付金额", "预计金额", "回款金额",
                          "销售额", "回款额", "月末逾期金额"})


class GenzongPlugin:
    """The hooks for one Datasette instance publishing ``database``."""

    def __init__(self, verifier: ActorVerifier, database: str, datasette):
        # Datasette lists plugins by __name__ and looks for static files in
        # the package of that name; a module name makes it skip the lookup.
        self.__name__ = __name__
        self.verifier = verifier
        self.database = database
        self.datasette = datasette

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
        if not self._ours(datasette) or database != self.database or table not in search.SEARCHED_COLUMNS:
            return None
        text = (request.args.get("_search") or "").strip()
        context = {"supports_search": True, "search": text}
        if not text:
            return FilterArguments([], extra_context=context)
        return FilterArguments(
            [search.match_clause(table, SEARCH_PARAMETER)],
            params={SEARCH_PARAMETER: text},
            human_descriptions=[f"搜索“{text}”"],
            extra_context=context,
        )

    @hookimpl
    def render_cell(self, value, column, table, database, datasette):
        if not self._ours(datasette) or database != self.database:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if table and column.endswith("_fen"):
            return format_yuan(value / 100)
        if column in YUAN_COLUMNS:
            return format_yuan(value)
        return None

    @hookimpl
    def extra_body_script(self, template, database, datasette):
        if not self._ours(datasette) or database != self.database:
            return None
        if template == "table.html":
            return FOLD_COLUMN_DESCRIPTIONS
        if template.startswith("query"):
            return SEARCH_KIND_CHOICES
        return None

    @hookimpl
    def forbidden(self, datasette, request, message):
        if not self._ours(datasette):
            return None

        async def page():
            body = await datasette.render_template(
                "error.html", {"title": FORBIDDEN_TITLE, "error": FORBIDDEN_MESSAGE}, request=request)
            return Response.html(body, status=403)
        return page

    @hookimpl(tryfirst=True)
    def handle_exception(self, datasette, request, exception):
        # Datasette turns a query stopped at the SQL time limit into this error.
        if (not self._ours(datasette) or not isinstance(exception, DatasetteError)
                or exception.title != "SQL Interrupted"):
            return None
        seconds = f"{datasette.setting('sql_time_limit_ms') / 1000:g}"
        message = TIMED_OUT_MESSAGE.format(seconds=seconds)
        message_en = TIMED_OUT_MESSAGE_EN.format(seconds=seconds)
        if wants_json(request.path, request.query_string.encode()):
            return Response.json({"ok": False, "status": 400, "title": TIMED_OUT_TITLE,
                                  "error": message, "error_en": message_en}, status=400)

        async def page():
            body = await datasette.render_template(
                "error.html", {"title": TIMED_OUT_TITLE, "error": f"{message} {message_en}"}, request=request)
            return Response.html(body, status=400)
        return page


def format_yuan(amount: float) -> str:
    """Format an amount of 元 as ``¥1,234.50`` (``-¥12.00`` when negative)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"
