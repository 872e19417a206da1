"""Display rules of the packs: percentages, units, money, RAG, charts, spreadsheet text."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from decimal import Decimal
from fractions import Fraction

import openpyxl
import pytest
import xlsxwriter
from hypothesis import example, given, settings
from hypothesis import strategies as st

from servicepact.reports.build import worst_rag
from servicepact.reports.charts import RAG_COLOURS, trend_svg
from servicepact.reports.formatting import exact_text, money, percent_text, rag_of, value_text
from servicepact.reports.html import css_string
from servicepact.reports.messages import Lang, Messages, parse_lang
from servicepact.reports.model import Rag, StatusCounts, TrendPoint
from servicepact.reports.xlsx import _Writer, needs_escape, sheet_name

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(19, 20), "95.00 %"),
        (Fraction(1, 3), "33.33 %"),  # 33.333… rounds down
        (Fraction(2, 3), "66.67 %"),  # 66.666… rounds up
        (Fraction(1, 8), "12.50 %"),
        (Fraction(1, 20000), "0.01 %"),  # 0.005 % is a half: rounds up, not to even
        (Fraction(3, 40000), "0.01 %"),  # 0.0075 %
        (Fraction(1, 1), "100.00 %"),
        (Decimal("0.8"), "80.00 %"),
        (None, "–"),
    ],
)
def test_ratios_show_as_percentages_with_two_decimals_rounded_half_up(value, text):
    assert percent_text(value) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (Fraction(12863, 838), "seconds", "15.35 s"),  # 15.3496… s
        (Decimal(360), "seconds", "360.00 s"),
        (Fraction(7, 2), "hours", "3.50 h"),
        (Fraction(3, 2), "business_days", "1.50 d"),
        (Decimal(1234), "count", "1,234"),
        (Fraction(22887, 260), "score", "88.03"),
        (Fraction(14, 20), "ratio", "70.00 %"),
    ],
)
def test_other_measures_show_in_their_unit_with_two_decimals(value, unit, text):
    assert value_text(value, unit) == text


def test_an_exact_numerator_is_an_integer_or_a_fraction():
    assert exact_text(14) == "14"
    assert exact_text(Fraction(28, 2)) == "14"
    assert exact_text(Fraction(22887, 10)) == "22887/10"
    assert exact_text(None) is None


def test_money_is_rounded_to_the_currencys_minor_unit():
    krw = money(Decimal("1234.5"), "KRW")  # KRW has no minor unit: half up to 1,235
    assert (krw.amount, krw.text, krw.minor_unit) == (Decimal(1235), "1,235 KRW", 0)
    usd = money("1234.005", "USD")
    assert (usd.amount, usd.text, usd.minor_unit) == (Decimal("1234.01"), "1,234.01 USD", 2)


def test_status_colours_map_to_rag_and_anything_else_is_grey():
    assert [rag_of(c) for c in ("green", "amber", "red", "darkred", "blue", None)] == [
        Rag.GREEN,
        Rag.AMBER,
        Rag.RED,
        Rag.RED,
        Rag.GREY,
        Rag.GREY,
    ]


@pytest.mark.parametrize(
    ("counts", "rag"),
    [
        (StatusCounts(met=3, breached=1), Rag.RED),
        (StatusCounts(met=3, below_expected=1), Rag.AMBER),
        (StatusCounts(met=3, insufficient_data=1), Rag.AMBER),
        (StatusCounts(met=3, not_evaluated=1), Rag.GREEN),
        (StatusCounts(not_evaluated=2), Rag.GREY),
    ],
)
def test_a_contracts_month_takes_its_worst_status(counts, rag):
    assert worst_rag(counts) == rag


def _points(values):
    out = []
    for i, value in enumerate(values, start=1):
        out.append(
            TrendPoint(
                period=f"2026-{i:02d}",
                value=value,
                value_text="–" if value is None else f"{value * 100:.2f} %",
                status=None if value is None else "met",
                rag=Rag.GREY if value is None else Rag.GREEN,
            )
        )
    return out


def test_a_trend_chart_draws_a_dot_per_measured_month_and_breaks_the_line_at_gaps():
    svg = trend_svg(
        _points([0.9, 0.85, None, 0.7, 0.8]),
        expected=0.8,
        minimum=0.75,
        unit="ratio",
        title="SL-01 <trend> & more",
    )
    root = ET.fromstring(svg)  # well-formed XML, the title escaped
    assert root.find(f"{SVG}title").text == "SL-01 <trend> & more"
    assert len(root.findall(f"{SVG}circle")) == 4
    assert {c.get("fill") for c in root.findall(f"{SVG}circle")} == {RAG_COLOURS[Rag.GREEN]}
    lines = root.findall(f"{SVG}polyline")
    assert [len(p.get("points").split()) for p in lines] == [2, 2]  # Jan-Feb, Apr-May
    assert len(root.findall(f"{SVG}line")) == 2  # expected and minimum
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_a_chart_with_no_result_at_all_still_draws_its_targets():
    root = ET.fromstring(
        trend_svg(_points([None, None]), expected=0.8, minimum=0.75, unit="ratio", title="x")
    )
    assert root.findall(f"{SVG}circle") == []
    assert len(root.findall(f"{SVG}line")) == 2


@given(
    st.lists(st.one_of(st.none(), st.floats(0, 1)), min_size=1, max_size=12),
    st.floats(0, 1),
    st.floats(0, 1),
)
@example([5e-324], 5e-324, 5e-324)  # the headroom of so small a range rounds to nothing
@example([None], 0.0, 0.0)
@settings(max_examples=60, deadline=None)
def test_every_dot_of_a_ratio_chart_lies_inside_the_plot(values, expected, minimum):
    root = ET.fromstring(
        trend_svg(_points(values), expected=expected, minimum=minimum, unit="ratio", title="t")
    )
    frame = root.find(f"{SVG}rect")
    top, height = float(frame.get("y")), float(frame.get("height"))
    for dot in root.findall(f"{SVG}circle"):
        assert top - 0.1 <= float(dot.get("cy")) <= top + height + 0.1


def test_css_strings_cannot_close_the_string_or_the_style_element():
    assert css_string('a"b\\c</style>') == "a\\22 b\\5c c\\3c /style\\3e "
    assert css_string("계약 · 2026-03") == "계약 · 2026-03"


def test_korean_labels_fall_back_to_english_and_scopes_tell_codes_apart():
    ko, en = Messages(Lang.KO), Messages(Lang.EN)
    assert (ko.label("breached"), en.label("breached")) == ("위반", "Breached")
    assert (ko.label(None), en.label(None)) == ("미평가", "Not evaluated")
    assert ko.label("critical") == "핵심"  # a service level's kind
    assert ko.label("critical", "level") == "매우 높음"  # a risk level
    assert ko.t("A sentence nobody translated") == "A sentence nobody translated"
    assert ko.t("Dashboard") == "대시보드"  # from the shared catalogue the web UI uses
    assert en.label("wrong_price") == "Wrong price"
    assert parse_lang(" KO ") is Lang.KO
    with pytest.raises(ValueError, match="ko or en"):
        parse_lang("fr")


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\r=x"])
def test_text_that_a_spreadsheet_could_run_needs_escaping(text):
    assert needs_escape(text)


@pytest.mark.parametrize("text", ["SL-01", "1+1", " =x", "", "계약"])
def test_ordinary_text_needs_no_escaping(text):
    assert not needs_escape(text)


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    names = [sheet_name(t, taken) for t in ("Risks", "risks", "a/b:c*d?[e]", "x" * 40, "x" * 40)]
    assert names[:3] == ["Risks", "risks 2", "a b c d  e"]
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == len(names)


def _round_trip(values):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    writer = _Writer(book)
    sheet = book.add_worksheet("s")
    for row, value in enumerate(values):
        writer.cell(sheet, row, 0, value)
    book.close()
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["s"]


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xD7FF), max_size=30))
@settings(max_examples=40, deadline=None)
def test_any_text_comes_back_from_the_workbook_as_the_same_text(text):
    cell = _round_trip([text])["A1"]
    if text == "":
        assert cell.value in (None, "")
        return
    assert cell.value == text
    assert cell.data_type == "s"  # text, never a formula
    assert cell.quotePrefix == needs_escape(text)


def test_amounts_are_numbers_formatted_with_their_currency():
    sheet = _round_trip([money(Decimal(4_800_000), "KRW"), money(Decimal("12.5"), "USD")])
    assert sheet["A1"].value == 4_800_000
    assert sheet["A1"].number_format == '#,##0 "KRW";-#,##0 "KRW"'
    assert sheet["A2"].value == 12.5
    assert sheet["A2"].number_format == '#,##0.00 "USD";-#,##0.00 "USD"'
