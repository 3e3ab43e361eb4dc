"""Amounts of 元 with two decimals in Datasette's CSV, as accounting tables write them.

The views and canned queries compute 元 as ``amount_fen / 100.0``, so
SQLite returns a float and Datasette's CSV writer prints Python's shortest
form of it: ``79800.0``, ``1234.5``. ``AmountRewriter`` rewrites the cells of
the named columns to ``79800.00`` and ``1234.50`` as the CSV streams through,
and leaves every other byte as Datasette wrote it. The HTML pages and JSON
keep the numbers, so sorting stays numeric.
"""

import codecs
import csv
import io
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def two_decimals(cell: str) -> str:
    """Return a number as text with two decimals (``79800.0`` to ``79800.00``), or ``cell`` unchanged when it is not one."""
    try:
        amount = Decimal(cell)
    except InvalidOperation:
        return cell
    if not amount.is_finite():
        return cell
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def complete_records_end(text: str) -> int:
    """Return the length of the longest start of ``text`` that ends a CSV record.

    A line break ends a record unless it is inside a quoted cell, which is
    the case when an odd number of quotes comes before it.
    """
    end = text.rfind("\n")
    while end >= 0 and text.count('"', 0, end) % 2:
        end = text.rfind("\n", 0, end)
    return end + 1


class AmountRewriter:
    """Rewrite the amount columns of a CSV body that arrives in chunks.

    The first record is the header, which names the columns. A body with no
    column in ``columns`` passes through unchanged after its header.
    """

    def __init__(self, columns: frozenset[str]):
        self.columns = columns
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.pending = ""
        # None until the header has been read, then the indexes of the columns to rewrite.
        self.indexes: list[int] | None = None

    def feed(self, chunk: bytes, last: bool = False) -> bytes:
        """Return the rewritten bytes of the records that ``chunk`` completes; ``last`` flushes the rest."""
        text = self.pending + self.decoder.decode(chunk, final=last)
        if self.indexes == []:
            self.pending = ""
            return text.encode()
        end = len(text) if last else complete_records_end(text)
        self.pending = text[end:]
        return self._rewrite(text[:end]).encode()

    def _rewrite(self, records: str) -> str:
        if not records:
            return ""
        output = io.StringIO()
        writer = csv.writer(output)
        for row in csv.reader(io.StringIO(records, newline="")):
            if self.indexes is None:
                self.indexes = [index for index, name in enumerate(row) if name in self.columns]
            else:
                for index in self.indexes:
                    if index < len(row):
                        row[index] = two_decimals(row[index])
            writer.writerow(row)
        return output.getvalue()
