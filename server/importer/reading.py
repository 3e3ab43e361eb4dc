"""Read a ledger file (.xlsx or .csv) into sheets of raw cell values.

Cells keep the type the file gave them: text, int, float, datetime (Excel
date cells, naive, with no time-zone shift) or ``Formula`` for a formula
whose result the file did not save. Numbers shown with a ``000…`` format
(phones typed into number cells) come back as zero-padded text.
"""

import codecs
import csv
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import openpyxl
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter
from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900
from openpyxl.utils.exceptions import InvalidFileException

from .problems import ImportFailure

log = logging.getLogger("genzong.importer")

MAX_ROWS = 200_000  # per sheet, to bound memory: larger ledgers are imported in parts
PROGRESS_EVERY = 2000  # rows between progress reports
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
ZERO_FORMAT = re.compile(r"0+\Z")
MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
MERGE_CELL_MAX = 64  # bytes, more than the longest element MERGE_CELL matches
XML_PIECE = 1 << 20


@dataclass(frozen=True)
class Formula:
    """A formula cell without a saved result (the file was written by a program)."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class MergedRange:
    """Cells merged into one over more than one row, 1-based; Excel shows the top-left value in all of them."""

    first_row: int
    first_column: int
    last_row: int
    last_column: int

    def __str__(self) -> str:
        return f"{get_column_letter(self.first_column)}{self.first_row}:{get_column_letter(self.last_column)}{self.last_row}"


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]  # rows[0] is the sheet's row 1
    merged: list[MergedRange] = field(default_factory=list)  # ranges over more than one row


@dataclass
class Workbook:
    file_name: str
    format: str  # "xlsx" or "csv"
    sheets: list[Sheet]
    excel_epoch: datetime = CALENDAR_WINDOWS_1900
    encoding: str | None = None  # CSV only
    delimiter: str | None = None  # CSV only
    notes: list[str] = field(default_factory=list)


def read_workbook(data: bytes, file_name: str, progress=None) -> Workbook:
    """Read ``data`` as .xlsx (by its content, whatever the name) or as CSV text.

    Raises ImportFailure for an empty file, an old binary .xls file, a damaged
    workbook (also one that is not a zip file but has an .xlsx name), text in
    an encoding other than UTF-8/UTF-16/GB18030, or a sheet with more than
    MAX_ROWS rows.
    """
    if not data.strip():
        raise ImportFailure("file_empty", name=file_name)
    if data.startswith(XLS_MAGIC):
        raise ImportFailure("xls_not_supported", name=file_name)
    if data.startswith(b"PK"):
        return _read_xlsx(data, file_name, progress)
    try:
        return _read_csv(data, file_name)
    except ImportFailure as failure:
        # Bytes that are neither a workbook nor text mean a damaged workbook
        # when the name says .xlsx, and advice about CSV encodings would mislead.
        if failure.code == "encoding_unknown" and file_name.lower().endswith((".xlsx", ".xlsm")):
            raise ImportFailure("xlsx_damaged", name=file_name) from None
        raise


# Excel -------------------------------------------------------------------

def _read_xlsx(data: bytes, file_name: str, progress=None) -> Workbook:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        # The file starts like a zip archive, as every workbook does, so it is a damaged or cut-off one.
        log.info("import of %s failed: not a readable workbook: %s", file_name, error)
        raise ImportFailure("xlsx_damaged", name=file_name) from None
    try:
        sheets = []
        formulas_in: list[int] = []
        for index, worksheet in enumerate(book.worksheets):
            rows, has_formulas = _read_sheet(worksheet, file_name, progress)
            sheets.append(Sheet(worksheet.title, rows, _merged_down(data, worksheet)))
            if has_formulas:
                formulas_in.append(index)
        epoch = book.epoch
    finally:
        book.close()
    if formulas_in:
        _fill_formula_results(data, sheets, formulas_in)
    return Workbook(file_name, "xlsx", sheets, excel_epoch=epoch)


def _read_sheet(worksheet, file_name: str, progress=None) -> tuple[list[list[Any]], bool]:
    """Return the sheet's rows of values and whether it has formulas.

    ``progress(rows read, rows the sheet claims to have)`` is called every
    few thousand rows, for a progress bar while a large file is read.
    """
    claimed_rows = worksheet.max_row
    # Files written by programs often carry a wrong <dimension>, so it is
    # reset and every row there is gets read.
    worksheet.reset_dimensions()
    rows: list[list[Any]] = []
    has_formulas = False
    for cells in worksheet.iter_rows():
        row = []
        for cell in cells:
            value = cell.value
            if value is None:
                row.append(None)
                continue
            data_type = cell.data_type
            if data_type == "f":
                has_formulas = True
                value = Formula(str(value))
            elif data_type == "n" and isinstance(value, (int, float)) and not isinstance(value, bool):
                value = _zero_padded(value, cell.number_format)
            row.append(value)
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise ImportFailure("too_many_rows", name=file_name, limit=MAX_ROWS)
        if progress and len(rows) % PROGRESS_EVERY == 0:
            progress(len(rows), claimed_rows if claimed_rows and claimed_rows >= len(rows) else None)
    while rows and not rows[-1]:
        rows.pop()
    return rows, has_formulas


def _merged_down(data: bytes, worksheet) -> list[MergedRange]:
    """Return the sheet's merged ranges that span more than one row.

    openpyxl's read-only sheets do not list merged cells, so they are read
    from the sheet's XML, in pieces, so that a large sheet is never held whole.
    """
    refs: set[bytes] = set()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            stream = archive.open(worksheet._worksheet_path)
        except KeyError:
            return []
        with stream:
            carried = b""
            while piece := stream.read(XML_PIECE):
                text = carried + piece
                refs.update(MERGE_CELL.findall(text))
                # An element cut at the end of this piece is found whole in the next.
                carried = text[-MERGE_CELL_MAX:]
    ranges = []
    for ref in refs:
        first, _, last = ref.decode().partition(":")
        first_column, first_row = coordinate_from_string(first)
        last_column, last_row = coordinate_from_string(last or first)
        if last_row > first_row:
            ranges.append(MergedRange(first_row, column_index_from_string(first_column), last_row,
                                      column_index_from_string(last_column)))
    return sorted(ranges, key=lambda merged: (merged.first_row, merged.first_column))


def _zero_padded(value: int | float, number_format: str | None) -> Any:
    """Return a number shown with a ``00000000000`` format as the text Excel shows."""
    if number_format and ZERO_FORMAT.match(number_format) and float(value).is_integer() and value >= 0:
        return str(int(value)).zfill(len(number_format))
    return value


def _fill_formula_results(data: bytes, sheets: list[Sheet], indexes: list[int]) -> None:
    """Replace formulas by the results Excel saved with them, where it saved any."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for index in indexes:
            worksheet = book.worksheets[index]
            worksheet.reset_dimensions()
            rows = sheets[index].rows
            for row_number, cells in enumerate(worksheet.iter_rows(values_only=True)):
                if row_number >= len(rows):
                    break
                row = rows[row_number]
                for column, value in enumerate(cells[:len(row)]):
                    if isinstance(row[column], Formula) and value is not None:
                        row[column] = value
    finally:
        book.close()


# CSV ---------------------------------------------------------------------

def _read_csv(data: bytes, file_name: str) -> Workbook:
    text, encoding = decode_text(data, file_name)
    delimiter = detect_delimiter(text)
    rows: list[list[Any]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            row = [cell if cell.strip() else None for cell in cells]
            while row and row[-1] is None:
                row.pop()
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise ImportFailure("too_many_rows", name=file_name, limit=MAX_ROWS)
    except csv.Error as error:
        raise ImportFailure("csv_unreadable", name=file_name, line=reader.line_num, detail=str(error)[:200]) from None
    while rows and not rows[-1]:
        rows.pop()
    sheet_name = re.sub(r"\.[^.]*$", "", file_name) or "CSV"
    return Workbook(file_name, "csv", [Sheet(sheet_name, rows)], encoding=encoding, delimiter=delimiter)


def decode_text(data: bytes, file_name: str) -> tuple[str, str]:
    """Decode CSV bytes: a BOM first, then strict UTF-8, then GB18030 (a superset of GBK).

    The order matters: GB18030 decodes almost any bytes into nonsense, so it
    is tried only after UTF-8 has failed.
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportFailure("encoding_unknown", name=file_name)


def detect_delimiter(text: str, sample_lines: int = 30) -> str:
    """Return the delimiter (``,`` ``;`` or tab) seen most often outside quotes in the first lines."""
    counts = {",": 0, ";": 0, "\t": 0}
    in_quotes = False
    lines = 0
    for char in text:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes:
            if char in counts:
                counts[char] += 1
            elif char == "\n":
                lines += 1
                if lines >= sample_lines:
                    break
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
