"""docs/sync-protocol.md describes exactly the tables and fields of the schema."""

import re
from pathlib import Path

from genzong.server.schema import TABLES

DOC = (Path(__file__).resolve().parent.parent / "docs" / "sync-protocol.md").read_text()


def documented_tables():
    tables = {}
    current = None
    for line in DOC.splitlines():
        heading = re.match(r"### `(\w+)`", line)
        if heading:
            current = tables.setdefault(heading.group(1), {})
            continue
        row = re.match(r"\| `(\w+)` \| ([^|]+) \| (\w+) \| ([^|]*) \|", line)
        if row and current is not None:
            current[row.group(1)] = {"title": row.group(2).strip(), "rule": row.group(4)}
    return tables


def test_documented_tables_match_schema():
    assert set(documented_tables()) == set(TABLES)


def test_documented_fields_match_schema():
    documented = documented_tables()
    for table in TABLES.values():
        fields = documented[table.name]
        assert list(fields) == [f.name for f in table.fields], table.name
        for spec in table.fields:
            row = fields[spec.name]
            assert row["title"] == spec.title, (table.name, spec.name)
            assert ("required" in row["rule"]) == spec.required, (table.name, spec.name)
            assert ("server writes" in row["rule"]) == spec.server_only, (table.name, spec.name)
            for choice in spec.choices:
                assert choice in row["rule"], (table.name, spec.name, choice)


def test_every_rejection_code_is_documented():
    from genzong.server.messages import MESSAGES
    for code in MESSAGES:
        if code in ("login_locked", "not_found", "forbidden"):
            continue  # not sync codes
        if code in ("invalid_subscription", "invalid_setting", "unknown_setting"):
            continue  # push and settings codes, documented in docs/reminders.md
        assert f"`{code}`" in DOC, code
