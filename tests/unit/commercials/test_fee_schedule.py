"""Fees of a month from the fee schedule, with hand-computed values (docs/invoices.md)."""

import subprocess
import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from servicepact.domain.errors import InvalidInput
from servicepact.domain.fees import Fee, Indexation
from servicepact.domain.periods import parse_period
from servicepact.engine.fees import at_risk_base, count_fee_units, fee_lines, index_factor

MARCH = parse_period("2026-03")
CALLS = [{"upto": 50000, "price": 900}, {"price": 800}]


def lines(doc, volume=None, year=1, month=MARCH, currency="KRW"):
    fee = Fee.model_validate(doc)
    volumes = {} if volume is None else {fee.id: volume}
    return fee_lines(fee, month, volumes, contract_year=year, currency=currency)


def amounts(result):
    return [(x.quantity, x.unit_price, x.amount) for x in result]


def test_a_fixed_fee_is_one_line_of_its_amount():
    assert amounts(lines({"id": "base", "kind": "fixed", "amount": 100000000})) == [
        (1, 100_000_000, 100_000_000)
    ]


def test_a_per_fte_fee_multiplies_ftes_by_the_rate():
    # 12.5 FTE × 4,000,000 = 50,000,000
    result = lines({"id": "team", "kind": "per_fte", "fte": "12.5", "rate": 4000000})
    assert amounts(result) == [(Decimal("12.5"), 4_000_000, 50_000_000)]
    assert result[0].arithmetic == "12.5 × 4,000,000 = 50,000,000"


def test_graduated_bands_price_each_unit_by_the_band_it_falls_in():
    # 50,000 × 900 = 45,000,000; 10,000 × 800 = 8,000,000
    result = lines({"id": "calls", "kind": "per_unit", "source": "calls", "bands": CALLS}, 60000)
    assert amounts(result) == [(50000, 900, 45_000_000), (10000, 800, 8_000_000)]
    assert "band 1 (1–50,000)" in result[0].description
    assert "band 2 (over 50,000)" in result[1].description


def test_whole_volume_tiers_price_every_unit_at_the_band_the_total_reaches():
    doc = {
        "id": "calls",
        "kind": "per_unit",
        "source": "calls",
        "bands": CALLS,
        "tiering": "whole_volume",
    }
    # 60,000 × 800 = 48,000,000; exactly 50,000 stays in band 1: 50,000 × 900 = 45,000,000
    assert amounts(lines(doc, 60000)) == [(60000, 800, 48_000_000)]
    assert amounts(lines(doc, 50000)) == [(50000, 900, 45_000_000)]


def test_zero_volume_is_a_zero_line_not_a_missing_one():
    doc = {"id": "calls", "kind": "per_unit", "source": "calls", "bands": CALLS}
    assert amounts(lines(doc, 0)) == [(0, 900, 0)]


VOLUME_BAND = {
    "id": "orders",
    "kind": "volume_band",
    "source": "orders",
    "amount": 50000000,
    "baseline": 10000,
    "band_percent": 10,
    "additional_price": 3000,
    "reduced_price": 2000,
}


def test_volume_above_the_band_adds_an_additional_resource_charge():
    # band 10,000 ± 10 % = 9,000–11,000; 12,500 measured → (12,500 − 11,000) × 3,000 = 4,500,000
    result = lines(VOLUME_BAND, 12500)
    assert amounts(result) == [(1, 50_000_000, 50_000_000), (1500, 3000, 4_500_000)]
    assert "baseline 10,000 ± 10 % = 9,000–11,000; measured 12,500" in result[1].arithmetic


def test_volume_below_the_band_gives_a_reduced_resource_credit():
    # 8,000 measured → (9,000 − 8,000) × −2,000 = −2,000,000
    assert amounts(lines(VOLUME_BAND, 8000))[1] == (1000, -2000, -2_000_000)


def test_volume_inside_the_band_is_the_base_charge_only():
    assert len(lines(VOLUME_BAND, 10500)) == 1
    assert len(lines(VOLUME_BAND, 11000)) == 1
    assert len(lines(VOLUME_BAND, 9000)) == 1


ODD_BAND = {**VOLUME_BAND, "baseline": 1005, "band_percent": "7.5"}


def test_a_band_edge_between_whole_units_rounds_inwards():
    # 1,005 × 1.075 = 1,080.375 → the band ends at 1,080 (floor, not 1,081);
    # 1,005 × 0.925 = 929.625 → it starts at 930 (ceil, not 929).
    assert len(lines(ODD_BAND, 1080)) == 1
    above = lines(ODD_BAND, 1081)
    assert amounts(above)[1] == (1, 3000, 3000)  # (1,081 − 1,080) × 3,000
    assert "baseline 1,005 ± 7.5 % = 930–1,080; measured 1,081" in above[1].arithmetic
    assert len(lines(ODD_BAND, 930)) == 1
    assert amounts(lines(ODD_BAND, 929))[1] == (1, -2000, -2000)  # (930 − 929) × −2,000
    assert amounts(lines(ODD_BAND, 1090))[1] == (10, 3000, 30_000)  # (1,090 − 1,080) × 3,000


def test_a_minimum_commitment_tops_up_a_low_month():
    # 1,000 × 900 = 900,000 < 1,000,000 → top-up 100,000
    doc = {
        "id": "calls",
        "kind": "per_unit",
        "source": "calls",
        "bands": CALLS,
        "minimum_commitment": 1000000,
    }
    result = lines(doc, 1000)
    assert amounts(result) == [(1000, 900, 900_000), (1, 100_000, 100_000)]
    assert "minimum commitment 1,000,000 − charged 900,000" in result[1].arithmetic
    assert len(lines(doc, 2000)) == 1  # 1,800,000 ≥ the minimum


def test_indexation_by_percent_compounds_per_contract_year():
    # year 3: 100,000,000 × 1.03² = 100,000,000 × 1.0609 = 106,090,000
    doc = {
        "id": "base",
        "kind": "fixed",
        "amount": 100000000,
        "indexation": {"percent_per_year": 3},
    }
    assert amounts(lines(doc, year=1)) == [(1, 100_000_000, 100_000_000)]
    assert amounts(lines(doc, year=3)) == [(1, 106_090_000, 106_090_000)]
    assert "× 1.0609 (indexation, contract year 3)" in lines(doc, year=3)[0].arithmetic


def test_indexation_applies_to_unit_prices_rounded_to_the_minor_unit():
    # 900 × 1.03 = 927; 800 × 1.03 = 824; 50,000 × 927 + 10,000 × 824 = 46,350,000 + 8,240,000
    doc = {
        "id": "calls",
        "kind": "per_unit",
        "source": "calls",
        "bands": CALLS,
        "indexation": {"percent_per_year": 3},
    }
    assert amounts(lines(doc, 60000, year=2)) == [(50000, 927, 46_350_000), (10000, 824, 8_240_000)]


def test_an_index_table_keeps_the_last_listed_factor_for_later_years():
    table = Indexation(table={2: Decimal("1.03"), 3: Decimal("1.061")})
    assert index_factor(table, 1) == 1
    assert index_factor(table, 2) == Decimal("1.03")
    assert index_factor(table, 4) == Decimal("1.061")


def test_a_one_time_transition_fee_falls_in_its_month_only_and_carries_no_risk():
    doc = {"id": "transition", "kind": "one_time", "amount": 30000000, "month": "2026-01-01"}
    january = lines(doc, month=parse_period("2026-01"))
    assert amounts(january) == [(1, 30_000_000, 30_000_000)]
    assert lines(doc) == []
    fixed = lines({"id": "base", "kind": "fixed", "amount": 100000000})
    # at risk applies to recurring fees only: 100,000,000, not 130,000,000
    assert at_risk_base([*fixed, *january]) == Decimal(100_000_000)
    assert Fee.model_validate(doc).month == date(2026, 1, 1)


def test_usd_prices_and_amounts_round_half_up_to_the_cent():
    # 3 × 10.005 = 30.015 → 30.02
    result = lines(
        {"id": "x", "kind": "per_unit", "source": "calls", "bands": [{"price": "10.005"}]},
        3,
        currency="USD",
    )
    assert result[0].amount == Decimal("30.02")


def test_a_negative_or_missing_volume_is_refused_with_the_fee_named():
    doc = {"id": "calls", "kind": "per_unit", "source": "calls", "bands": CALLS}
    with pytest.raises(InvalidInput, match=r"fees\.calls: a volume cannot be negative"):
        lines(doc, -1)
    with pytest.raises(InvalidInput, match=r"fees\.calls: no measured volume"):
        lines(doc)


def test_a_fee_whose_bands_leave_volumes_without_a_price_is_refused():
    with pytest.raises(ValidationError, match="last price band must be open"):
        Fee.model_validate(
            {
                "id": "calls",
                "kind": "per_unit",
                "source": "calls",
                "bands": [{"upto": 10, "price": 1}],
            }
        )


def described(result):
    return [(x.description, x.arithmetic) for x in result]


def test_each_line_says_what_it_charges_and_how_it_was_reached():
    calls = {"id": "calls", "kind": "per_unit", "source": "calls", "description": "Calls"}
    # One unit past the first band: 50,000 × 900 and a line for the single unit at 800.
    assert described(lines({**calls, "bands": CALLS}, 50001)) == [
        ("Calls: band 1 (1–50,000)", "50,000 × 900 = 45,000,000"),
        ("Calls: band 2 (over 50,000)", "1 × 800 = 800"),
    ]
    whole = {
        **calls,
        "tiering": "whole_volume",
        "bands": [{"upto": 100, "price": 900}, {"upto": 200, "price": 800}, {"price": 700}],
    }
    assert described(lines(whole, 150)) == [
        ("Calls: 150 units, whole volume in band 2", "150 × 800 = 120,000")
    ]
    assert described(lines(VOLUME_BAND, 12500)) == [
        ("orders: baseline 10,000 units", "1 × 50,000,000 = 50,000,000"),
        (
            "orders: additional resource charge, 12,500 units above 11,000",
            "baseline 10,000 ± 10 % = 9,000–11,000; measured 12,500: 1,500 × 3,000 = 4,500,000",
        ),
    ]
    assert described(lines(VOLUME_BAND, 8000))[1] == (
        "orders: reduced resource credit, 8,000 units below 9,000",
        "baseline 10,000 ± 10 % = 9,000–11,000; measured 8,000: 1,000 × −2,000 = -2,000,000",
    )


def test_dollar_arithmetic_keeps_the_cents_in_every_figure():
    # 10.50 × 1.03 = 10.815 → 10.82 (half up); 2.5 FTE × 10.82 = 27.05.
    desk = {"id": "desk", "kind": "per_fte", "fte": "2.5", "rate": "10.5"}
    indexed = {**desk, "indexation": {"percent_per_year": 3}}
    assert described(lines(indexed, year=2, currency="USD")) == [
        (
            "desk (2.5 FTE)",
            "2.5 × 10.50 × 1.03 (indexation, contract year 2) = 10.82 = 27.05",
        )
    ]
    # Not indexed: 2.5 × 11.00 = 27.50, the price and the amount both to the cent.
    assert described(lines({**desk, "rate": "11"}, currency="USD")) == [
        ("desk (2.5 FTE)", "2.5 × 11.00 = 27.50")
    ]


def test_a_negative_volume_is_named_with_its_value():
    with pytest.raises(InvalidInput) as refused:
        lines({"id": "calls", "kind": "per_unit", "source": "calls", "bands": CALLS}, -5)
    [problem] = refused.value.problems
    assert (problem.where, problem.message, problem.value) == (
        "fees.calls",
        "a volume cannot be negative",
        "-5",
    )


def test_a_fee_built_without_an_open_band_is_refused_not_priced_at_zero():
    # The Fee model refuses such bands; a fee built around it must still not price at zero.
    fee = Fee.model_validate({"id": "calls", "kind": "per_unit", "source": "calls", "bands": CALLS})
    closed = fee.model_copy(update={"bands": fee.bands[:1]})
    with pytest.raises(InvalidInput) as refused:
        fee_lines(closed, MARCH, {"calls": 60000}, contract_year=1, currency="KRW")
    [problem] = refused.value.problems
    assert (problem.where, problem.message) == (
        "fees.calls.bands",
        "no price band covers 60000 units",
    )


def test_the_at_risk_base_of_no_lines_is_an_exact_zero():
    base = at_risk_base([])
    assert base == 0
    assert isinstance(base, Decimal)


def test_a_dollar_minimum_commitment_tops_up_to_the_cent_and_not_at_the_floor():
    # 150.00 − 100.50 charged = 49.50 top-up.
    base = {"id": "base", "kind": "fixed", "amount": "100.5", "minimum_commitment": 150}
    assert described(lines({**base, "description": "Base service"}, currency="USD")) == [
        ("Base service", "1 × 100.50 = 100.50"),
        (
            "Base service: minimum commitment top-up",
            "minimum commitment 150.00 − charged 100.50: 1 × 49.50 = 49.50",
        ),
    ]
    # Charged exactly the floor: nothing to top up, not a zero line.
    assert described(lines({**base, "amount": 150}, currency="USD")) == [
        ("base", "1 × 150.00 = 150.00")
    ]


def test_a_dollar_one_time_fee_is_written_to_the_cent():
    setup = {"id": "setup", "kind": "one_time", "amount": 2500, "month": "2026-03-01"}
    assert described(lines({**setup, "description": "Transition"}, currency="USD")) == [
        ("Transition", "1 × 2,500.00 = 2,500.00")
    ]


def test_an_index_table_starting_later_leaves_earlier_years_at_the_base_price():
    table = Indexation.model_validate({"table": {3: "1.05"}})
    assert index_factor(table, 2) == 1
    assert index_factor(table, 3) == Decimal("1.05")


def _calls_in_seoul() -> tuple[list[Fee], object]:
    import pyarrow as pa

    # Seoul is UTC+9: March 2026 there is [2026-02-28 15:00, 2026-03-31 15:00) in UTC.
    utc = [
        "2026-02-28T14:59:59Z",  # 23:59:59 on 28 February in Seoul: before the month
        "2026-02-28T15:00:00Z",  # midnight, 1 March: the first instant counted
        "2026-03-15T03:00:00Z",
        None,  # no time: not counted
        "2026-03-31T14:59:59.999999Z",  # the last microsecond of March
        "2026-03-31T15:00:00Z",  # midnight, 1 April: after the month
    ]
    times = pa.array(utc, pa.string()).cast(pa.timestamp("us", tz="UTC"))
    table = pa.table({"answered_at": times, "queue": ["a", "b", "a", "a", "b", "a"]})
    fees = [
        Fee.model_validate({"id": "calls", "kind": "per_unit", "source": "calls", "bands": CALLS}),
        Fee.model_validate(
            {
                "id": "queue-a",
                "kind": "per_unit",
                "source": "calls",
                "bands": CALLS,
                "filter": {"queue": "a"},
            }
        ),
    ]
    return fees, table


def test_units_are_the_events_whose_local_time_falls_in_the_month():
    fees, table = _calls_in_seoul()
    counted = count_fee_units(
        table, fees=fees, anchor="answered_at", month=MARCH, timezone="Asia/Seoul"
    )
    # rows 2, 3 and 5 fall in March in Seoul; of those, queue "a" is row 3 only
    assert counted == {"calls": 3, "queue-a": 1}
    april = parse_period("2026-04")
    assert count_fee_units(
        table, fees=fees, anchor="answered_at", month=april, timezone="Asia/Seoul"
    ) == {"calls": 1, "queue-a": 1}
    assert count_fee_units(
        table.slice(0, 0), fees=fees, anchor="answered_at", month=MARCH, timezone="Asia/Seoul"
    ) == {"calls": 0, "queue-a": 0}


@pytest.mark.slow  # a new process
def test_counting_units_without_a_filter_leaves_pandas_unloaded():
    # pyarrow imports pandas (~0.3 s) on its first conversion of a Python value; a review
    # pack counts each month's units, and a fresh `servicepact report` needs nothing of pandas.
    script = (
        "import sys, datetime\n"
        "import pyarrow.parquet as pq\n"
        "from servicepact.domain.fees import Fee\n"
        "from servicepact.domain.periods import parse_period\n"
        "from servicepact.engine.fees import count_fee_units\n"
        "table = pq.ParquetFile(sys.argv[1]).read()  # as the event store reads one batch\n"
        "fee = Fee.model_validate({'id': 'calls', 'kind': 'per_unit', 'source': 'calls',\n"
        "                          'bands': [{'price': 800}]})\n"
        "print(count_fee_units(table, fees=[fee], anchor='answered_at',\n"
        "                      month=parse_period('2026-03'), timezone='Asia/Seoul'))\n"
        "print('pandas' in sys.modules)\n"
    )
    _, table = _calls_in_seoul()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "calls.parquet"
        pq.write_table(table, path)
        done = subprocess.run(
            [sys.executable, "-c", script, str(path)],
            capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
    assert done.stdout.split("\n")[:2] == ["{'calls': 3}", "False"]


def test_units_anchored_on_a_date_count_the_days_of_the_month_and_each_filter_value_whole():
    import pyarrow as pa

    pay_dates = [
        date(2026, 2, 28),  # before March
        date(2026, 3, 1),  # the first day counts
        date(2026, 3, 31),  # so does the last
        date(2026, 4, 1),  # after March
        None,  # no date: not counted
        date(2026, 3, 15),
        date(2026, 3, 20),
        date(2026, 3, 10),
    ]
    runs = ["main", "main", "bonus", "main", "main", "n", "extra", "main"]
    table = pa.table({"pay_date": pa.array(pay_dates, pa.date32()), "run": runs})
    band = [{"price": 100}]
    fees = [
        Fee.model_validate({"id": fee_id, "kind": "per_unit", "source": "payroll_items", **extra})
        for fee_id, extra in (
            ("all", {"bands": band}),
            ("main", {"bands": band, "filter": {"run": "main"}}),
            ("other", {"bands": band, "filter": {"run": ["bonus", "extra"]}}),
        )
    ]
    counted = count_fee_units(
        table, fees=fees, anchor="pay_date", month=MARCH, timezone="Asia/Seoul"
    )
    # March: rows 1, 2, 5, 6 and 7; "main" rows 1 and 7 (not "n", a letter of "main");
    # "bonus" or "extra": rows 2 and 6
    assert counted == {"all": 5, "main": 2, "other": 2}


def test_an_indexed_dollar_price_is_written_to_the_cent():
    # 1,000.00 × 1.05 = 1,050.00 in contract year 2
    fee = {"id": "base", "kind": "fixed", "amount": 1000, "indexation": {"percent_per_year": 5}}
    assert described(lines(fee, year=2, currency="USD")) == [
        ("base", "1 × 1,000.00 × 1.05 (indexation, contract year 2) = 1,050.00 = 1,050.00")
    ]
