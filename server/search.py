"""Chinese full-text search: an FTS5 index of overlapping character pairs.

SQLite's unicode61 tokenizer keeps a run of Chinese characters as one token,
so 地板 would not find 木地板安装, and the trigram tokenizer finds nothing
for queries shorter than 3 characters. So each indexed row stores, for every
word, its overlapping character pairs followed by the word's last character
(木地板 becomes 木地 地板 板). A query word of two or more characters becomes
a phrase of its pairs, and a one-character word becomes a prefix query.
Both find any substring of a word (a phone fragment too), but never one
that spans two words, except that a number written in groups (138 0013
8000) is also indexed as one word.

Each searched table has a contentless FTS5 table ``<table>_search`` keyed by
the table's rowid. Triggers keep it current on every insert, update and
delete; they call the SQL function ``search_terms``, which
``server.sqlfunctions`` registers on every Genzong connection. A connection
without it (the ``sqlite3`` shell, say) cannot write to the searched tables.
"""

import hashlib
import json
import re
import sqlite3
import unicodedata

# The columns indexed for each searched table, in this order.
SEARCHED_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("code", "legacy_code", "name", "company", "title", "phone", "email",
                  "address", "source", "notes"),
    "follow_ups": ("content", "result"),
    "tickets": ("number", "legacy_number", "subject", "content", "complainant", "contact",
                "investigation", "resolution", "result", "steps", "expected_result", "actual_result"),
}

# Bump when ``search_terms`` changes what it produces: the indexes are then
# rebuilt at the next upgrade, because a contentless index can only delete a
# row by repeating the exact terms it was given.
TOKENIZER_VERSION = 2

# Indexed tokens are one or two characters long, so this three-letter token
# never matches. FTS5 rejects an empty query, so a query without words uses it.
NO_MATCH = '"nomatch"'

_WORD = re.compile(r"[^\W_]+")
# At each letter or digit: the pair it starts, or the letter alone when it
# ends its word. This yields a word's pairs followed by its last character.
_TERM = re.compile(r"(?=([^\W_]{1,2}))")
# Digits split into groups by spaces, dashes, dots or brackets, as phone
# numbers are often written.
_GROUPED_DIGITS = re.compile(r"[0-9]+(?:[ \-.()]+[0-9]+)+")
_DIGIT_GAP = re.compile(r"[0-9][ \-.()]+[0-9]")
_NOT_DIGIT = re.compile(r"[^0-9]")
_VERSION_KEY = "search_index_version"
# Contentless: the terms are indexed but not stored. The per-row sizes stay
# (columnsize=0 would save a write per row) because without them SQLite
# rejects a scan of the table, so tools that read every table would fail.
INDEX_OPTIONS = "content='', tokenize='unicode61'"


# Fullwidth punctuation that Chinese text is full of, which NFKC maps to
# ASCII. Replacing these first usually leaves text that is already NFKC,
# which is far cheaper to check than to normalise. The result is the same,
# because the replacements are NFKC's own mappings.
_FULLWIDTH_PUNCTUATION = tuple((chr(code), chr(code - 0xFEE0)) for code in (
    0xFF0C, 0xFF1A, 0xFF1B, 0xFF08, 0xFF09, 0xFF01, 0xFF1F)) + (("\u3000", " "),)


def normalise(text: str) -> str:
    """Return ``text`` NFKC-normalised and lower-cased."""
    if not text.isascii():
        for wide, narrow in _FULLWIDTH_PUNCTUATION:
            if wide in text:
                text = text.replace(wide, narrow)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    return text.lower()


def words(text: str) -> list[str]:
    """Split ``text`` into lower-case words of letters and digits (NFKC-normalised)."""
    return _WORD.findall(normalise(text))


def word_terms(word: str) -> list[str]:
    """Return the indexed tokens of one word: its overlapping pairs, then its last character."""
    pairs = [word[i:i + 2] for i in range(len(word) - 1)]
    return pairs + [word[-1]]


def search_terms(*values) -> str:
    """Return the text the index stores for a row whose searched columns hold ``values``.

    NULLs and numbers are allowed; each value's words are indexed separately.
    The result joins ``word_terms`` of every word, built with one regular
    expression because the triggers call this on every write. Then come
    the terms of each number a value splits into groups (138 0013 8000,
    0571-88001234), as one word, so the whole number finds it too.
    """
    text = normalise(" ".join(str(value) for value in values if value is not None))
    terms = _TERM.findall(text)
    # A quick check first: most rows have no grouped number.
    if _DIGIT_GAP.search(text):
        for value in values:
            for number in _GROUPED_DIGITS.findall(normalise(str(value))) if value is not None else ():
                terms += word_terms(_NOT_DIGIT.sub("", number))
    return " ".join(terms)


def search_query(text) -> str:
    """Return the FTS5 query that finds rows containing every word of ``text``.

    A word of two or more characters must appear as a substring of one
    indexed word; a one-character word anywhere in one. Text without words
    (NULL, blanks, punctuation) returns a query that matches nothing.
    """
    parts = []
    for word in words(str(text or "")):
        if len(word) == 1:
            parts.append(f'"{word}"*')
        else:
            parts.append('"' + " ".join(word_terms(word)[:-1]) + '"')
    return " AND ".join(parts) if parts else NO_MATCH


def index_name(table: str) -> str:
    return f"{table}_search"


def match_clause(table: str, parameter: str) -> str:
    """Return a WHERE clause on ``table`` that keeps rows matching ``:parameter``."""
    index = index_name(table)
    return f"rowid IN (SELECT rowid FROM {index} WHERE {index} MATCH search_query(:{parameter}))"


# Views with a search box: the view's column, and the searched table and
# unique column whose values it shows there.
SEARCHED_VIEWS: dict[str, tuple[str, str, str]] = {
    "customer_list": ("客户编号", "customers", "code"),
}


def view_match_clause(view: str, parameter: str) -> str:
    """Return a WHERE clause on ``view`` that keeps the rows showing a table row that matches ``:parameter``.

    The view's column is compared with the table's unique column, so
    SQLite looks the matches up by that column's index.
    """
    view_column, table, key_column = SEARCHED_VIEWS[view]
    return f'"{view_column}" IN (SELECT {key_column} FROM {table} WHERE {match_clause(table, parameter)})'


# Keeping the indexes current ------------------------------------------------

def drop_search_triggers(conn: sqlite3.Connection) -> None:
    """Drop the triggers, so a schema change never runs them half-way."""
    for table in SEARCHED_COLUMNS:
        _drop_triggers(conn, table)


def _drop_triggers(conn: sqlite3.Connection, table: str) -> None:
    for event in ("insert", "update", "delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {index_name(table)}_{event}")


def ensure_search_indexes(conn: sqlite3.Connection) -> None:
    """Create the search indexes and their triggers, rebuilding the indexes when stale.

    An index is rebuilt from its table when it is missing or was made with
    other columns or another ``TOKENIZER_VERSION``. Call inside the upgrade
    transaction, after the tables exist.
    """
    version = _index_version()
    stored = conn.execute("SELECT value FROM meta WHERE key = ?", (_VERSION_KEY,)).fetchone()
    stale = stored is None or stored[0] != version
    for table, columns in SEARCHED_COLUMNS.items():
        index = index_name(table)
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (index,)).fetchone()
        if exists and stale:
            conn.execute(f"DROP TABLE {index}")
        if stale or not exists:
            conn.execute(f"CREATE VIRTUAL TABLE {index} USING fts5(terms, {INDEX_OPTIONS})")
            conn.execute(f"INSERT INTO {index} (rowid, terms) "
                         f"SELECT rowid, {_terms_call('', columns)} FROM {table}")
        _create_triggers(conn, table, columns)
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (_VERSION_KEY, version))


def _index_version() -> str:
    layout = json.dumps([TOKENIZER_VERSION, INDEX_OPTIONS, SEARCHED_COLUMNS], sort_keys=True)
    return hashlib.sha256(layout.encode()).hexdigest()[:16]


def _terms_call(row: str, columns: tuple[str, ...]) -> str:
    prefix = f"{row}." if row else ""
    return f"search_terms({', '.join(prefix + c for c in columns)})"


def _create_triggers(conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> None:
    index = index_name(table)
    delete_old = (f"INSERT INTO {index} ({index}, rowid, terms) "
                  f"VALUES ('delete', old.rowid, {_terms_call('old', columns)});")
    insert_new = f"INSERT INTO {index} (rowid, terms) VALUES (new.rowid, {_terms_call('new', columns)});"
    # Every sync upsert sets every column, so the update trigger compares
    # values: an update that leaves the searched text alone costs no index write.
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
    _drop_triggers(conn, table)
    conn.execute(f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN {insert_new} END")
    conn.execute(f"CREATE TRIGGER {index}_update AFTER UPDATE ON {table} "
                 f"WHEN old.rowid IS NOT new.rowid OR {changed} BEGIN {delete_old} {insert_new} END")
    conn.execute(f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN {delete_old} END")
