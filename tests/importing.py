"""Helpers for the import and export tests: run an import, read tables back, write workbooks."""

import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl

from genzong.server.importer.service import ImportRequest, run_import
from genzong.server.schema import SYNC_COLUMNS as ALL_SYNC_COLUMNS

DATA = Path(__file__).parent / "data"
# The record's id is compared like a field.
SYNC_COLUMNS = tuple(name for name in ALL_SYNC_COLUMNS if name != "id")


def import_bytes(state, data: bytes, name: str, **options):
    """Import ``data`` into ``state``'s database; options are ImportRequest fields."""
    return run_import(state.records.get(), ImportRequest(data, name, **options), write_lock=state.write_lock)


def import_file(state, path: Path, **options):
    return import_bytes(state, Path(path).read_bytes(), Path(path).name, **options)


def rows(state, table: str, where: str = "deleted = 0", params=()) -> list[dict[str, Any]]:
    """Return a table's rows as dicts of their field values (sync columns left out)."""
    conn = state.records.get()
    result = []
    for row in conn.execute(f"SELECT * FROM {table} WHERE {where}", params):
        record = {k: row[k] for k in row.keys() if k not in SYNC_COLUMNS}
        if table == "customers" and record.get("location"):
            record["location"] = json.loads(record["location"])
        if table == "follow_ups" and record.get("location"):
            record["location"] = json.loads(record["location"])
        result.append(record)
    return result


def one(state, table: str, **match) -> dict[str, Any]:
    found = [r for r in rows(state, table) if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, f"expected one {table} row with {match}, found {len(found)}"
    return found[0]


def database_dump(state) -> dict[str, Any]:
    """Return every row of every table the importer could touch, sync columns included."""
    conn = state.records.get()
    dump = {}
    for table in ("customers", "follow_ups", "receivables", "payments", "tickets", "history", "meta"):
        dump[table] = sorted(tuple(row) for row in conn.execute(f"SELECT * FROM {table}"))
    return dump


def write_workbook(path: Path, sheets: dict[str, list[list[Any]]], epoch=None) -> Path:
    """Write an .xlsx with one sheet per entry: {title: rows}."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    if epoch is not None:
        book.epoch = epoch
    for title, sheet_rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in sheet_rows:
            sheet.append(row)
    book.save(path)
    return path


def csv_bytes(rows_: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """Write rows as CSV text (quoting cells as Excel does) in ``encoding``."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows_)
    return buffer.getvalue().encode(encoding)
