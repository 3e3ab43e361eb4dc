"""The English of Genzong's Datasette metadata, from ``datasette-metadata-en.yml``.

Datasette 0.65 serves one metadata file and decides nothing per request
about language, which is stored only in the browser. So ``datasette-metadata.yml``
stays Chinese, and the interface script puts these texts in place of it
when the page is English. Each page carries only the texts it can show:
its own title, description, column descriptions and column names, and on
the database page the titles of everything it lists.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

ENGLISH_METADATA_FILE = "datasette-metadata-en.yml"


@dataclass(frozen=True)
class EnglishMetadata:
    """English titles, descriptions and column names of one published database.

    ``tables`` and ``queries`` are the entries of ``datasette-metadata-en.yml``
    by name. ``parameters`` gives each canned query's parameter names, which
    only the Chinese metadata lists.
    """

    title: str
    description: str
    database_title: str
    database_description: str
    column_names: dict[str, str]
    tables: dict[str, dict] = field(default_factory=dict)
    queries: dict[str, dict] = field(default_factory=dict)
    parameters: dict[str, list[str]] = field(default_factory=dict)

    def entry(self, name: str) -> dict:
        """Return the English entry of the table, view or canned query ``name`` ({} when it has none)."""
        return self.tables.get(name) or self.queries.get(name) or {}

    def column_name(self, name: str, column: str) -> str | None:
        """Return the English of ``column`` on the page of ``name``, or None when it has none.

        A table's or query's own ``column_names`` come before the database's.
        """
        own = self.entry(name).get("column_names", {})
        return own.get(column) or self.column_names.get(column)

    def page_texts(self, template: str, name: str | None, columns) -> dict:
        """Return the English texts that the page rendered from ``template`` can show.

        ``name`` is the page's table, view or canned query, and ``columns``
        the column names Datasette gives the template (None on some pages).
        """
        if template == "index.html":
            return {"title": self.title, "description": self.description}
        if template == "database.html":
            return {"title": self.database_title,
                    "titles": {table: self.entry(table).get("title", table) for table in [*self.tables, *self.queries]},
                    "descriptions": {query: entry.get("description", "") for query, entry in self.queries.items()}}
        entry = self.entry(name) if name else {}
        if not entry:
            return {}
        texts = {"name": name, "title": entry.get("title", name)}
        if template == "row.html":
            return texts
        names = [*(columns or []), *entry.get("columns", {}), *self.parameters.get(name, [])]
        texts["description"] = entry.get("description", "")
        texts["notes"] = entry.get("columns", {})
        texts["columns"] = {column: english for column in names
                            if (english := self.column_name(name, column)) is not None}
        return texts


def load_english_metadata(root: Path, chinese: dict, database_name: str) -> EnglishMetadata:
    """Read ``datasette-metadata-en.yml`` under ``root`` for ``database_name``.

    ``chinese`` is the Chinese metadata, which gives the canned queries'
    parameters. Raises KeyError when the file has no entry for the database.
    """
    with open(root / ENGLISH_METADATA_FILE, encoding="utf-8") as handle:
        english = yaml.safe_load(handle)
    database = english["databases"][database_name]
    queries = chinese["databases"][database_name].get("queries", {})
    return EnglishMetadata(
        title=english.get("title", ""),
        description=english.get("description", ""),
        database_title=database.get("title", database_name),
        database_description=database.get("description", ""),
        column_names=database.get("column_names", {}),
        tables=database.get("tables", {}),
        queries=database.get("queries", {}),
        parameters={name: list(query.get("params", [])) for name, query in queries.items()},
    )
