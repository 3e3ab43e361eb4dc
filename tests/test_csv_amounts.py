"""Amounts of 元 in Datasette's CSV: two decimals, every other byte as Datasette wrote it."""

import csv
import io

import pytest

from genzong.server.csv_amounts import AmountRewriter, complete_records_end, two_decimals

from published import close_published, open_published

UTF8_BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize("cell, expected", [
    ("79800.0", "79800.00"),
    ("1234.5", "1234.50"),
    ("0.07", "0.07"),
    ("-12.0", "-12.00"),
    ("0", "0.00"),
    ("1e+16", "10000000000000000.00"),
    ("", ""),
    ("已付款", "已付款"),
    ("nan", "nan"),
])
def test_two_decimals(cell, expected):
    assert two_decimals(cell) == expected


def test_record_end_skips_quoted_breaks():
    text = 'a,b\r\n1,"two\r\nlines"\r\n3,"open\r\n'
    assert text[:complete_records_end(text)] == 'a,b\r\n1,"two\r\nlines"\r\n'
    assert complete_records_end("no break yet") == 0


def rewrite_in_chunks(body: bytes, size: int) -> bytes:
    rewriter = AmountRewriter(frozenset({"应收金额"}))
    chunks = [body[i:i + size] for i in range(0, len(body), size)] or [b""]
    return b"".join(rewriter.feed(chunk, last=index == len(chunks) - 1) for index, chunk in enumerate(chunks))


def csv_bytes(rows: list[list]) -> bytes:
    output = io.StringIO()
    csv.writer(output).writerows(rows)
    return output.getvalue().encode()


@pytest.mark.parametrize("size", [1, 2, 7, 1000])
def test_rewriter_any_chunk_size(size):
    body = csv_bytes([["客户名称", "应收金额", "备注"],
                      ["张伟", 79800.0, '说"明"，\r\n第二行'],
                      ["李娜", 1234.5, ""],
                      ["", None, "79800.0"]])
    expected = csv_bytes([["客户名称", "应收金额", "备注"],
                          ["张伟", "79800.00", '说"明"，\r\n第二行'],
                          ["李娜", "1234.50", ""],
                          ["", "", "79800.0"]])
    assert rewrite_in_chunks(body, size) == expected


def test_rewriter_without_amounts_passes_through():
    body = csv_bytes([["客户名称", "跟进次数"], ["张伟", 3.0], ["李娜", "a,b"]])
    assert rewrite_in_chunks(body, 5) == body


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    opened = open_published(tmp_path_factory.mktemp("csv"))
    yield opened
    close_published(opened)


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response.content.startswith(UTF8_BOM)
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("path, columns", [
    ("/data/genzong/receivable_tracking.csv?_size=max", ("应收金额", "已收金额", "未收金额")),
    ("/data/genzong/customer_list.csv?_stream=1", ("预计金额",)),
    ("/data/genzong/payments_by_status.csv", ("应收金额", "已收金额", "未收金额")),
    ("/data/genzong/overdue_receivables.csv", ("应收金额", "未收金额")),
])
def test_csv_amounts_two_decimals(published, path, columns):
    rows = read_csv(published.get(path))
    assert rows
    for column in columns:
        cells = [row[column] for row in rows if row[column]]
        assert cells, column
        assert all(len(cell.split(".")[1]) == 2 for cell in cells), (column, cells[:5])


def test_csv_amounts_match_json(published):
    rows = read_csv(published.get("/data/genzong/receivable_tracking.csv?_size=max"))
    expected = published.rows("/data/genzong/receivable_tracking")
    assert [row["应收金额"] for row in rows] == [f"{row['应收金额']:.2f}" for row in expected]
    assert [row["客户名称"] for row in rows] == [row["客户名称"] for row in expected]


def test_csv_fen_columns_stay_integers(published):
    rows = read_csv(published.get("/data/genzong/receivables.csv?_size=5"))
    assert all(row["amount_fen"].isdigit() for row in rows)


def test_csv_without_header_unchanged(published):
    response = published.get("/data/genzong/receivable_tracking.csv?_header=off&_size=3")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = published.rows("/data/genzong/receivable_tracking", _size="3")
    column = list(expected[0]).index("应收金额")
    assert rows[0][0] != "客户编号"
    assert [row[column] for row in rows] == [str(row["应收金额"]) for row in expected[:3]]


def test_html_page_sorts_amounts_as_numbers(published):
    rows = published.rows("/data/genzong/receivable_tracking", _sort_desc="应收金额")
    amounts = [row["应收金额"] for row in rows]
    assert all(isinstance(amount, float) for amount in amounts)
    assert amounts == sorted(amounts, reverse=True)
