"""Hypothesis strategies for valid contracts: 1-8 service levels across KPIs, calendars, fees."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from servicepact.domain.contracts import Contract
from servicepact.domain.kpis import CATALOGUE, Direction

identifiers = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,11}", fullmatch=True)
names = st.text(
    alphabet=st.characters(categories=("L", "N", "Zs", "P"), exclude_characters="\x85"),
    min_size=1,
    max_size=30,
).filter(lambda text: text.strip() != "")


def decimals(low: str, high: str, places: int = 4) -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=places, allow_nan=False)


# Valid parameters per KPI, as a contract author would write them.
PARAMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "answered_within": st.fixed_dictionaries(
        {"seconds": st.integers(1, 120)},
        optional={"short_abandon_seconds": st.integers(0, 10)},
    ),
    "abandonment_rate": st.fixed_dictionaries(
        {}, optional={"short_abandon_seconds": st.integers(0, 10)}
    ),
    "responded_within": st.one_of(
        st.fixed_dictionaries(
            {"hours": st.floats(0.5, 72, allow_nan=False).map(lambda h: round(h, 2))}
        ),
        st.fixed_dictionaries(
            {
                "hours_by_priority": st.fixed_dictionaries(
                    {"P1": st.integers(1, 8), "P2": st.integers(8, 24)}
                )
            }
        ),
    ),
    "resolved_within": st.fixed_dictionaries({"hours": st.integers(1, 48)}),
    "backlog_older_than": st.fixed_dictionaries({"days": st.integers(1, 30)}),
    "inventory_accuracy": st.fixed_dictionaries({}, optional={"tolerance": st.integers(0, 5)}),
    "campaign_on_time": st.fixed_dictionaries(
        {}, optional={"grace_hours": st.floats(0, 48).map(lambda h: round(h, 1))}
    ),
    "availability": st.fixed_dictionaries(
        {}, optional={"service": st.sampled_from(["erp", "crm"])}
    ),
}

CALENDARS = st.dictionaries(
    identifiers,
    st.one_of(
        st.fixed_dictionaries(
            {"timezone": st.sampled_from(["Asia/Seoul", "UTC"]), "hours": st.just("24x7")}
        ),
        st.fixed_dictionaries(
            {
                "timezone": st.sampled_from(["Asia/Seoul", "Europe/Berlin"]),
                "hours": st.sampled_from(
                    [
                        {"mon-fri": "09:00-18:00"},
                        {"mon-fri": "09:00-12:00,13:00-18:00", "sat": "09:00-13:00"},
                    ]
                ),
            },
            optional={
                "holidays": st.fixed_dictionaries(
                    {"country": st.just("KR")},
                    optional={
                        "add": st.lists(
                            st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=2, unique=True
                        )
                    },
                )
            },
        ),
    ),
    min_size=1,
    max_size=3,
)


@st.composite
def service_level(
    draw: st.DrawFn, index: int, calendars: list[str], critical: bool
) -> dict[str, Any]:
    kpi = CATALOGUE[draw(st.sampled_from(sorted(CATALOGUE)))]
    if kpi.is_ratio():
        a, b = draw(decimals("0", "1")), draw(decimals("0", "1"))
    else:
        a, b = draw(decimals("0", "10000", 2)), draw(decimals("0", "10000", 2))
    low, high = min(a, b), max(a, b)
    expected, minimum = (high, low) if kpi.direction is Direction.HIGHER_IS_BETTER else (low, high)
    level: dict[str, Any] = {
        "id": f"SL-{index:02d}",
        "name": draw(names),
        "kpi": kpi.name,
        "source": kpi.event_type,
        "params": draw(PARAMS.get(kpi.name, st.just({}))),
        "expected": expected,
        "minimum": minimum,
        "kind": "critical" if critical else "key",
        "period": draw(st.sampled_from(["month", "quarter", "contract_year"])),
        "min_sample": draw(st.integers(1, 50)),
    }
    if kpi.uses_calendar or draw(st.booleans()):
        level["calendar"] = draw(st.sampled_from(calendars))
    if critical:
        level["allocation_percent"] = draw(decimals("1", "15", 1))
    if kpi.is_ratio() and draw(st.booleans()):
        level["improvement"] = {"per_year_percent_of_gap": draw(decimals("1", "50", 1))}
    if kpi.event_type == "tickets" and draw(st.booleans()):
        level["filter"] = {"priority": draw(st.sampled_from(["P1", "P2", ["P1", "P2"]]))}
    return level


@st.composite
def fee(draw: st.DrawFn, index: int, start: date, end: date) -> dict[str, Any]:
    kind = draw(st.sampled_from(["fixed", "per_fte", "per_unit", "volume_band", "one_time"]))
    data: dict[str, Any] = {"id": f"fee-{index}", "kind": kind}
    if kind == "fixed":
        data["amount"] = draw(decimals("0", "500000000", 0))
        if draw(st.booleans()):
            data["indexation"] = {"percent_per_year": draw(decimals("0", "5", 2))}
    elif kind == "per_fte":
        data |= {"fte": draw(decimals("0.5", "100", 1)), "rate": draw(decimals("1", "9000000", 0))}
    elif kind == "per_unit":
        bounds = sorted(draw(st.lists(st.integers(1, 100000), max_size=3, unique=True)))
        prices = [draw(decimals("1", "5000", 2)) for _ in range(len(bounds) + 1)]
        data |= {
            "source": "calls",
            "bands": [
                *({"upto": u, "price": p} for u, p in zip(bounds, prices, strict=False)),
                {"price": prices[-1]},
            ],
            "tiering": draw(st.sampled_from(["graduated", "whole_volume"])),
        }
    elif kind == "volume_band":
        data |= {
            "source": "tickets",
            "amount": draw(decimals("1", "100000000", 0)),
            "baseline": draw(st.integers(0, 10000)),
            "band_percent": draw(decimals("0", "20", 1)),
            "additional_price": draw(decimals("0", "10000", 0)),
            "reduced_price": draw(decimals("0", "10000", 0)),
        }
    else:
        days = (end - start).days
        month = start + timedelta(days=draw(st.integers(0, days)))
        data |= {"amount": draw(decimals("0", "90000000", 0)), "month": month}
    return data


@st.composite
def contracts(draw: st.DrawFn) -> Contract:
    calendars = draw(CALENDARS)
    start = draw(st.dates(date(2024, 1, 1), date(2027, 12, 31)))
    end = start + timedelta(days=draw(st.integers(1, 2000)))
    count = draw(st.integers(1, 8))
    critical = [draw(st.booleans()) for _ in range(count)]
    data: dict[str, Any] = {
        "id": draw(identifiers),
        "name": draw(names),
        "client": "client-a",
        "vendor": "vendor-b",
        "broker": draw(st.sampled_from([None, "broker-c"])),
        "processes": draw(st.lists(identifiers, max_size=3)),
        "term": {"start": start, "end": end},
        "currency": draw(st.sampled_from(["KRW", "USD", "EUR"])),
        "calendars": calendars,
        "fees": [draw(fee(i, start, end)) for i in range(draw(st.integers(0, 4)))],
        "service_levels": [
            draw(service_level(i, sorted(calendars), critical[i])) for i in range(count)
        ],
        "data_protection": draw(
            st.sampled_from(
                [
                    {},
                    {"personal_data": ["name", "phone"], "treatment": "pseudonymise"},
                    {"personal_data": ["email"], "treatment": "drop", "retention_months": 24},
                ]
            )
        ),
        "expected_daily_volume": draw(
            st.dictionaries(st.sampled_from(["calls", "tickets"]), st.integers(0, 5000))
        ),
    }
    if any(critical) or draw(st.booleans()):
        credits: dict[str, Any] = {
            "at_risk_percent": draw(decimals("1", "20", 1)),
            "pool_percent": draw(st.sampled_from([Decimal(100), Decimal(150), Decimal("200")])),
        }
        if draw(st.booleans()):
            credits["earn_back"] = {"after_months_met": draw(st.integers(1, 6))}
        if draw(st.booleans()):
            credits["escalation"] = {"within_months": 6, "multiplier": draw(decimals("1", "3", 2))}
        data["credits"] = credits
    return Contract.model_validate(data)
