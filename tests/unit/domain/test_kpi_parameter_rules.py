"""Each parameter rule of the KPI catalogue, one case per rule, with the message it gives."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from servicepact.domain.calendars import Calendar, HolidayRule, expand_days, parse_day_hours
from servicepact.domain.kpis import check_params, get_kpi


@pytest.mark.parametrize(
    ("kpi", "params", "expected"),
    [
        (
            "resolved_within",
            {"hours_by_priority": []},
            [
                ("hours_by_priority", "must be a mapping, e.g. {P1: 4, P2: 8}"),
            ],
        ),
        (
            "resolved_within",
            {"hours_by_priority": "P1=4"},
            [("hours_by_priority", "must be a mapping, e.g. {P1: 4, P2: 8}")],
        ),
        (
            "resolved_within",
            {"hours_by_priority": {"P1": 0, "P2": True, "P3": "8", "P4": 2.5}},
            [
                ("hours_by_priority.P1", "must be a positive number of hours"),
                ("hours_by_priority.P2", "must be a positive number of hours"),
                ("hours_by_priority.P3", "must be a positive number of hours"),
            ],
        ),
        ("resolved_within", {"hours": 4, "party": 7}, [("party", "must be text")]),
        (
            "resolved_within",
            {"hours": 4, "hours_by_priority": {"P1": 4}},
            [("hours", "give exactly one of hours and hours_by_priority")],
        ),
        (
            "resolved_within",
            {},
            [("hours", "give exactly one of hours and hours_by_priority")],
        ),
        (
            "responded_within",
            {"hours": 4, "clock_from": "assigned"},
            [("clock_from", "must be 'created' or 'handoff'")],
        ),
        (
            "responded_within",
            {"hours": 4, "clock_from": "handoff"},
            [("party", "is required with clock_from: handoff")],
        ),
        ("responded_within", {"hours": 4, "clock_from": "handoff", "party": "vendor"}, []),
        (
            "answered_within",
            {"seconds": True},
            [("seconds", "must be a whole number, got True")],
        ),
        (
            "answered_within",
            {"seconds": 2.5},
            [("seconds", "must be a whole number, got 2.5")],
        ),
        (
            "inventory_accuracy",
            {"tolerance": 1, "tolerance_percent": 2},
            [("tolerance", "give tolerance or tolerance_percent, not both")],
        ),
        ("inventory_accuracy", {"tolerance": 0, "tolerance_percent": 2}, []),
        (
            "average_handle_time",
            {"seconds": 20},
            [("seconds", "is not a parameter of average_handle_time (its parameters: none)")],
        ),
    ],
)
def test_each_parameter_rule_gives_its_message(
    kpi: str, params: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert check_params(get_kpi(kpi), params) == expected


def test_a_number_parameter_takes_a_fraction_and_checks_its_lower_bound() -> None:
    assert check_params(get_kpi("inventory_accuracy"), {"tolerance_percent": 2.5}) == []
    assert check_params(get_kpi("inventory_accuracy"), {"tolerance_percent": 0}) == []
    assert check_params(get_kpi("inventory_accuracy"), {"tolerance_percent": -0.5}) == [
        ("tolerance_percent", "must be at least 0, got -0.5")
    ]
    assert check_params(get_kpi("resolved_within"), {"hours": "4"}) == [
        ("hours", "must be a number, got '4'")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("09:00-12:00-13:00", "'09:00-12:00-13:00' is not an interval HH:MM-HH:MM"),
        ("09:00", "'09:00' is not an interval HH:MM-HH:MM"),
    ],
)
def test_an_interval_needs_exactly_two_bounds(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_day_hours(text)


def test_day_keys_expand_to_the_days_they_name() -> None:
    assert expand_days("sat") == ("sat",)
    assert expand_days("thu-sat") == ("thu", "fri", "sat")
    with pytest.raises(ValueError, match="'mon-xyz' is not a weekday range like mon-fri"):
        expand_days("mon-xyz")
    with pytest.raises(ValueError, match="'funday' is not a weekday"):
        expand_days("funday")


def test_holiday_subdivisions_need_a_known_country_and_subdivision() -> None:
    with pytest.raises(ValidationError, match="subdivision needs a country"):
        HolidayRule(subdivision="11")
    with pytest.raises(ValidationError, match="'XX' is not a subdivision of US"):
        HolidayRule(country="US", subdivision="XX")
    assert HolidayRule(country="US", subdivision="CA").subdivision == "CA"
    with pytest.raises(ValidationError, match="give at least one day of hours, or 24x7"):
        Calendar(timezone="Asia/Seoul", hours={})


def test_the_countries_and_subdivisions_accepted_are_those_the_holidays_package_lists() -> None:
    # The rule reads the package's registry rather than its full list (which imports every
    # country's module); what it accepts must be exactly that list, aliases included.
    import holidays

    listed = holidays.list_supported_countries()
    for code in ("KR", "KOR", "US", "UK", "GB"):
        assert code in listed
        assert HolidayRule(country=code).country == code
    with pytest.raises(ValidationError, match="'XK1' is not a country the holidays package"):
        HolidayRule(country="XK1")
    for code, subdivisions in listed.items():
        HolidayRule(country=code)  # every listed code is accepted
        for subdivision in subdivisions:
            assert HolidayRule(country=code, subdivision=subdivision).subdivision == subdivision
