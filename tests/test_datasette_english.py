"""datasette-metadata-en.yml gives English for every Chinese text of the Datasette metadata."""

import re

import pytest
import yaml

from genzong.server.datasette_english import load_english_metadata
from genzong.server.paths import project_root

from published import close_published, open_published

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
# Longer names make a laptop's table header wrap into several lines.
HEADER_MAX_CHARS = 24


@pytest.fixture(scope="module")
def chinese():
    with open(project_root() / "datasette-metadata.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def english(chinese):
    return load_english_metadata(project_root(), chinese, "genzong")


@pytest.fixture(scope="module")
def english_file():
    with open(project_root() / "datasette-metadata-en.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("english"), demo_customers=30)
    yield opened
    close_published(opened)


def entries(metadata: dict):
    """Yield (group, name, entry) for every table, view and canned query of the published database."""
    database = metadata["databases"]["genzong"]
    for group in ("tables", "queries"):
        for name, entry in database.get(group, {}).items():
            yield group, name, entry


def view_and_query_columns(published, chinese) -> dict[str, list[str]]:
    """Return the Chinese column and parameter names of each view and canned query, read from the database."""
    conn = published.state.records.get()
    names = {}
    for (view,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'"):
        names[view] = [row["name"] for row in conn.execute(f"PRAGMA table_info({view})")]
    for name, query in chinese["databases"]["genzong"]["queries"].items():
        params = {"_size": "1", **({"关键词": "地板"} if name == "search" else {})}
        response = published.get(f"/data/genzong/{name}.json", params=params)
        assert response.status_code == 200, response.text
        names[name] = [*response.json()["columns"], *query.get("params", [])]
    return {name: [column for column in columns if not column.isascii()] for name, columns in names.items()}


def test_site_and_database_titles(english_file):
    database = english_file["databases"]["genzong"]
    for texts in (english_file, database):
        assert texts["title"]
        assert texts["description"]


def test_every_title_and_description(chinese, english_file):
    missing = []
    for group, name, entry in entries(chinese):
        translated = english_file["databases"]["genzong"][group].get(name, {})
        missing += [f"{group}.{name}.{key}" for key in ("title", "description")
                    if entry.get(key) and not translated.get(key)]
    assert missing == []


def test_no_entry_without_chinese(chinese, english_file):
    """An English entry that the Chinese metadata lacks is a typo or a removed table."""
    chinese_names = {(group, name) for group, name, _ in entries(chinese)}
    extra = [f"{group}.{name}" for group, name, _ in entries(english_file) if (group, name) not in chinese_names]
    assert extra == []


def test_every_column_description(chinese, english_file):
    missing, extra = [], []
    for group, name, entry in entries(chinese):
        described = entry.get("columns", {})
        translated = english_file["databases"]["genzong"][group].get(name, {}).get("columns", {})
        missing += [f"{name}.{column}" for column, text in described.items() if text and not translated.get(column)]
        extra += [f"{name}.{column}" for column in translated if column not in described]
    assert missing == []
    assert extra == [], "English notes for columns that the table does not describe"


def test_every_view_and_query_column_named(published, chinese, english):
    columns = view_and_query_columns(published, chinese)
    assert "customer_list" in columns
    assert "search" in columns
    assert "开始日期" in columns["payments_by_status"], "parameters count too"
    missing = [f"{name}.{column}" for name, names in columns.items() for column in names
               if english.column_name(name, column) is None]
    assert missing == []


def test_column_names_distinct_on_each_page(published, chinese, english):
    clashes = []
    for name, names in view_and_query_columns(published, chinese).items():
        labels = [english.column_name(name, column) for column in dict.fromkeys(names)]
        clashes += [f"{name}: {label}" for label in set(labels) if labels.count(label) > 1]
    assert clashes == []


def test_column_names_short_and_english(english):
    names = [*english.column_names.values(),
             *(label for entry in [*english.tables.values(), *english.queries.values()]
               for label in entry.get("column_names", {}).values())]
    assert [name for name in names if CJK.search(name)] == []
    assert [name for name in names if len(name) > HEADER_MAX_CHARS] == []


def test_titles_english(english):
    titles = [english.title, english.database_title,
              *(entry["title"] for entry in [*english.tables.values(), *english.queries.values()])]
    assert [title for title in titles if CJK.search(title)] == []


def test_page_carries_only_its_own_texts(published, english):
    page = published.get("/data/genzong/customer_list").text
    assert english.tables["customer_list"]["description"] in page
    assert english.tables["follow_up_log"]["description"] not in page
    assert english.column_names["逾期笔数"] not in page, "a column of another page"
    assert english.tables["customers"]["columns"]["credited_to"] not in page


def test_custom_sql_page_gets_no_texts(published):
    page = published.get("/data/genzong", params={"sql": "select 1 as 客户名称"}).text
    assert '"Customer"' not in page, "the columns of a manager's own SQL keep their names"
