"""Cutting text on character boundaries and fitting push payloads."""

import json

import pytest

from genzong.server.reminders.text import cut, fit_payload, markdown_text, money


@pytest.mark.parametrize("text, limit, expected", [
    ("地板起拱", 10, "地板起拱"),
    ("地板起拱严重", 4, "地板起…"),
    ("cafe\u0301 noir", 5, "caf…"),             # é as e + combining acute stays whole
    ("cafe\u0301 noir", 6, "cafe\u0301…"),       # and keeps its accent when it fits
    ("ok 👩\u200d🔧 fixed", 5, "ok…"),          # a ZWJ sequence is never split
    ("a👨\u200d👩 b", 4, "a…"),                 # even when the cut falls after the joiner
    ("ok 👍🏽 fine", 5, "ok…"),                  # nor an emoji from its skin tone
    ("黄山\U00020000市", 3, "黄山…"),             # characters outside the BMP count as one
    ("abc", 1, "…"),
    ("abc", 0, ""),
])
def test_cut_on_character_boundary(text, limit, expected):
    assert cut(text, limit) == expected


def test_fit_payload_uses_the_budget():
    body = "回款" * 3000
    payload = fit_payload("逾期未付款：王芳", body, "/#/customer/x", "genzong-receivables-x", limit=3000)

    decoded = json.loads(payload)
    assert len(payload) <= 3000
    assert decoded["body"].endswith("…")
    # One more character would not have fitted.
    longer = fit_payload("逾期未付款：王芳", decoded["body"][:-1] + "回…", "/#/customer/x",
                         "genzong-receivables-x", limit=10_000)
    assert len(longer) > 3000


def test_fit_payload_cuts_title_last():
    payload = json.loads(fit_payload("题" * 100, "文" * 2000, "/u", "t", limit=250))
    assert payload["body"] == ""
    assert len(payload["title"]) < 100
    assert payload["title"].endswith("…")


def test_fit_payload_refuses_huge_url():
    with pytest.raises(ValueError):
        fit_payload("t", "b", "/" + "u" * 5000, "tag", limit=3000)


def test_money_format():
    assert money(123_450) == "¥1,234.50"
    assert money(5) == "¥0.05"
    assert money(10**13) == "¥100,000,000,000.00"


def test_markdown_text_is_inert():
    assert markdown_text("**粗**\n[链接](http://x) <@all> `code` # 标题") == \
        "＊＊粗＊＊ ［链接］(http://x) ＜@all＞ ｀code｀ ＃ 标题"
