"""Amounts per currency, KPI values and the Korean/English catalogue."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicepact.locale import (
    Lang,
    format_amount,
    format_kpi_value,
    parse_lang,
    translate,
)
from servicepact.locale.ko import KO


def test_won_has_no_minor_unit_and_reads_with_the_won_sign_in_korean() -> None:
    # PRODUCT.md §7 worked example: 4,800,000 + 3,600,000 = 8,400,000 KRW
    assert format_amount(Decimal(4_800_000) + Decimal(3_600_000), "KRW", Lang.KO) == "8,400,000원"
    assert format_amount(Decimal("8400000"), "KRW", Lang.EN) == "KRW 8,400,000"


def test_won_rounds_half_to_even_at_the_whole_won() -> None:
    # 0.5 → 0 and 1.5 → 2 (banker's rounding, as money.py does)
    assert format_amount(Decimal("1000.5"), "KRW", Lang.EN) == "KRW 1,000"
    assert format_amount(Decimal("1001.5"), "KRW", Lang.EN) == "KRW 1,002"


def test_dollars_keep_two_decimals() -> None:
    assert format_amount(Decimal("1234.5"), "USD", Lang.EN) == "USD 1,234.50"
    assert format_amount(Decimal("1234.5"), "USD", Lang.KO) == "USD 1,234.50"


@given(st.integers(min_value=0, max_value=10**15))
def test_a_whole_won_amount_reads_back_exactly(amount: int) -> None:
    text = format_amount(Decimal(amount), "KRW", Lang.KO)
    assert text.endswith("원")
    assert int(text.removesuffix("원").replace(",", "")) == amount


def test_kpi_values_show_ratios_as_percent_and_durations_with_their_unit() -> None:
    assert format_kpi_value(Fraction(15, 20), "ratio") == "75.0%"
    assert format_kpi_value(Fraction(33, 2), "seconds") == "16.5 s"
    assert format_kpi_value(Fraction(7), "count") == "7"
    assert format_kpi_value(None, "ratio") == "–"


def test_korean_messages_fall_back_to_english_and_fill_in_values() -> None:
    assert translate(Lang.KO, "Breached") == "위반"
    assert translate(Lang.EN, "Breached") == "Breached"
    assert translate(Lang.KO, "a message nobody translated") == "a message nobody translated"
    assert translate(Lang.KO, "Signed in as {user} ({role})", user="alice", role="x") == (
        "alice (x) 로그인"
    )


@pytest.mark.parametrize(("text", "lang"), [("ko", Lang.KO), ("EN", Lang.EN), ("en-US", Lang.EN)])
def test_a_language_parameter_is_read_leniently(text: str, lang: Lang) -> None:
    assert parse_lang(text) is lang


def test_an_unknown_language_is_none() -> None:
    assert parse_lang("fr") is None
    assert parse_lang(None) is None


def test_every_korean_message_keeps_the_fields_of_its_english_key() -> None:
    for english, korean in KO.items():
        assert set(_fields(english)) == set(_fields(korean)), english


def _fields(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]
