"""The import report: problems per cell, the outcome of each row, notes about the file."""

from dataclasses import dataclass, field
from typing import Any

from .messages import import_message

ERROR = "error"  # the row cannot be imported, so the file is not imported
WARNING = "warning"  # imported, but a person should look at it
INFO = "info"  # how a value was read

CREATE, UPDATE, UNCHANGED, SKIP, REJECT = "create", "update", "unchanged", "skip", "reject"


class ImportFailure(Exception):
    """The file as a whole cannot be imported, and nothing was written.

    ``report`` is set when the failure comes after the rows were checked
    (rows were rejected), so callers can still show every row's problems.
    """

    def __init__(self, code: str, report: "ImportReport | None" = None, **values):
        super().__init__(import_message(code, "en", **values))
        self.code = code
        self.values = values
        self.report = report

    def to_json(self) -> dict:
        return {"error": self.code, "message": import_message(self.code, "zh", **self.values),
                "message_en": import_message(self.code, "en", **self.values)}


@dataclass(slots=True)
class Problem:
    code: str
    level: str
    column: str | None = None  # the column's header as the file spells it
    values: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "zh") -> str:
        return import_message(self.code, lang, **self.values)

    def to_json(self) -> dict:
        result = {"code": self.code, "level": self.level, "message": self.message("zh"),
                  "message_en": self.message("en")}
        if self.column:
            result["column"] = self.column
        if "value" in self.values:
            result["value"] = self.values["value"]
        return result


@dataclass(slots=True)
class RowOutcome:
    """The action the import takes on one row of the ledger, and the row's problems."""

    row: int  # the sheet's row number, as the spreadsheet shows it
    action: str = CREATE
    label: str = ""  # the customer's or ticket's name, to recognise the row
    problems: list[Problem] = field(default_factory=list)
    record_id: str | None = None  # the main record the row creates or updates
    sheet: str | None = None  # set for rows of a detail sheet (跟进记录, 回款记录)

    def add(self, code: str, level: str, column: str | None = None, **values) -> None:
        self.problems.append(Problem(code, level, column, values))

    @property
    def has_errors(self) -> bool:
        return any(p.level == ERROR for p in self.problems)

    def to_json(self) -> dict:
        result = {"row": self.row, "action": self.action, "label": self.label,
                  "problems": [p.to_json() for p in self.problems]}
        if self.sheet:
            result["sheet"] = self.sheet
        return result


@dataclass
class ImportReport:
    """The outcome of an import or a dry run, row by row."""

    file_name: str
    kind: str
    sheet: str
    header_row: int
    dry_run: bool
    columns: dict[str, str] = field(default_factory=dict)  # header → field title
    unused_columns: list[str] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # about the whole file
    rows: list[RowOutcome] = field(default_factory=list)
    records: dict[str, dict[str, int]] = field(default_factory=dict)  # table → {create, update}
    imported: bool = False
    transaction_seconds: float | None = None  # how long the import held the write lock

    def counts(self) -> dict[str, int]:
        totals = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, SKIP: 0, REJECT: 0}
        for outcome in self.rows:
            totals[outcome.action] += 1
        return totals

    @property
    def rejected(self) -> int:
        return sum(1 for outcome in self.rows if outcome.action == REJECT)

    def to_json(self, row_limit: int | None = None) -> dict:
        """Return the report as JSON, listing at most ``row_limit`` plain rows.

        A plain row creates, changes nothing or is skipped, with notes at
        most. Updates, rejects and rows with warnings are always listed.
        """
        listed, plain = [], 0
        for outcome in self.rows:
            remarkable = any(problem.level != INFO for problem in outcome.problems)
            if not remarkable and outcome.action in (CREATE, UNCHANGED, SKIP):
                plain += 1
                if row_limit is not None and plain > row_limit:
                    continue
            listed.append(outcome.to_json())
        return {
            "file": self.file_name, "kind": self.kind, "sheet": self.sheet, "header_row": self.header_row,
            "dry_run": self.dry_run, "imported": self.imported,
            "columns": self.columns, "unused_columns": self.unused_columns,
            "counts": self.counts(), "records": self.records,
            "notes": [note.to_json() for note in self.notes],
            "rows": listed, "rows_omitted": len(self.rows) - len(listed),
        }
