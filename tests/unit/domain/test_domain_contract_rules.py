import copy
from datetime import date

import pytest
from pydantic import ValidationError

from servicepact.domain.access import Actor, Role
from servicepact.domain.calendars import Calendar, expand_days, parse_day_hours
from servicepact.domain.contracts import Contract, Treatment
from servicepact.domain.errors import AccessDenied
from servicepact.domain.event_types import PersonalData

BASE = {
    "id": "acme-cs-2026",
    "name": "Customer contact centre",
    "client": "acme",
    "vendor": "helpco",
    "term": {"start": "2026-01-01", "end": "2028-12-31"},
    "currency": "KRW",
    "calendars": {
        "office": {
            "timezone": "Asia/Seoul",
            "hours": {"mon-fri": "09:00-18:00"},
            "holidays": {"country": "KR", "add": ["2026-05-01"]},
        },
        "always": {"timezone": "Asia/Seoul", "hours": "24x7"},
    },
    "fees": [{"id": "base", "kind": "fixed", "amount": 120000000}],
    "credits": {"at_risk_percent": 12, "pool_percent": 150},
    "service_levels": [
        {
            "id": "SL-01",
            "name": "Calls answered within 20 s",
            "kpi": "answered_within",
            "source": "calls",
            "params": {"seconds": 20},
            "expected": "0.80",
            "minimum": "0.75",
            "allocation_percent": 40,
        },
        {
            "id": "SL-02",
            "name": "P1 resolved within 4 business hours",
            "kpi": "resolved_within",
            "source": "tickets",
            "filter": {"priority": "P1"},
            "params": {"hours": 4},
            "calendar": "office",
            "expected": "0.95",
            "minimum": "0.90",
            "allocation_percent": 30,
        },
    ],
}


def contract_with(**changes):
    doc = copy.deepcopy(BASE)
    for path, value in changes.items():
        target = doc
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        target[keys[-1]] = value
    return doc


def errors_of(doc):
    with pytest.raises(ValidationError) as info:
        Contract.model_validate(doc)
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in info.value.errors()}


def test_the_product_example_contract_is_valid():
    contract = Contract.model_validate(BASE)
    assert contract.service_level("SL-02").calendar == "office"
    assert contract.sources == ("calls", "tickets")


def test_minimum_stricter_than_expected_is_keyed_by_field():
    errors = errors_of(contract_with(service_levels__1__minimum="0.99"))
    assert "stricter than expected" in errors["service_levels.1.minimum"]


def test_allocations_above_the_pool_are_refused():
    doc = contract_with(credits={"at_risk_percent": 12, "pool_percent": 100})
    doc["service_levels"][0]["allocation_percent"] = 50
    doc["service_levels"][1]["allocation_percent"] = 50.5
    errors = errors_of(doc)
    assert "above the pool of 100" in errors["service_levels"]


def test_an_allocation_above_the_per_level_cap_is_refused():
    errors = errors_of(contract_with(service_levels__0__allocation_percent=60))
    assert "above the per-level cap of 50" in errors["service_levels.0.allocation_percent"]


def test_a_critical_level_needs_an_allocation_and_a_key_measurement_has_none():
    doc = contract_with(service_levels__0__allocation_percent=None)
    assert "needs an allocation" in errors_of(doc)["service_levels.0.allocation_percent"]
    doc = contract_with(service_levels__1__kind="key")
    assert "carries no credit" in errors_of(doc)["service_levels.1.allocation_percent"]


def test_an_unknown_calendar_is_named():
    errors = errors_of(contract_with(service_levels__1__calendar="night"))
    assert "unknown calendar 'night'" in errors["service_levels.1.calendar"]


def test_a_business_time_kpi_without_a_calendar_is_refused():
    errors = errors_of(contract_with(service_levels__1__calendar=None))
    assert "name a calendar" in errors["service_levels.1.calendar"]


def test_duplicate_service_level_ids_are_refused():
    errors = errors_of(contract_with(service_levels__1__id="SL-01"))
    assert "duplicate service level id" in errors["service_levels.1.id"]


def test_an_unknown_kpi_lists_the_known_ones():
    errors = errors_of(contract_with(service_levels__0__kpi="answer_fast"))
    assert "unknown KPI 'answer_fast'" in errors["service_levels.0.kpi"]
    assert "answered_within" in errors["service_levels.0.kpi"]


def test_a_ratio_target_outside_zero_and_one_is_refused():
    doc = contract_with(service_levels__0__expected="80", service_levels__0__minimum="75")
    errors = errors_of(doc)
    assert "between 0 and 1" in errors["service_levels.0.expected"]


def test_kpi_parameters_are_checked_against_the_catalogue():
    errors = errors_of(contract_with(service_levels__0__params={"secs": 20}))
    assert "is required" in errors["service_levels.0.params.seconds"]
    assert "not a parameter" in errors["service_levels.0.params.secs"]


def test_a_source_that_does_not_match_the_kpi_is_refused():
    errors = errors_of(contract_with(service_levels__0__source="tickets"))
    assert "reads 'calls' events" in errors["service_levels.0.source"]


def test_a_term_that_ends_before_it_starts_is_refused():
    errors = errors_of(contract_with(term={"start": "2026-01-01", "end": "2025-12-31"}))
    assert "ends" in errors["term"]


def test_negative_fees_are_refused():
    errors = errors_of(contract_with(fees=[{"id": "base", "kind": "fixed", "amount": -1}]))
    assert any(key.startswith("fees.0") for key in errors)


def test_price_bands_must_end_open():
    fees = [
        {"id": "calls", "kind": "per_unit", "source": "calls", "bands": [{"upto": 5, "price": 1}]}
    ]
    errors = errors_of(contract_with(fees=fees))
    assert any("must be open" in msg for msg in errors.values())


def test_personal_data_outside_the_contract_is_dropped_and_clear_text_needs_explicit_consent():
    doc = contract_with(data_protection={"personal_data": ["name"], "treatment": "pseudonymise"})
    terms = Contract.model_validate(doc).data_protection
    assert terms.treatment_for(PersonalData.NAME) is Treatment.PSEUDONYMISE
    assert terms.treatment_for(PersonalData.PHONE) is Treatment.DROP
    clear = {"personal_data": ["name"], "treatment": "allow"}
    errors = errors_of(contract_with(data_protection=clear))
    assert "allow_in_clear" in errors["data_protection"]


def test_hours_parse_split_shifts_and_ranges():
    assert parse_day_hours("09:00-12:00,13:00-18:00") == ((32400, 43200), (46800, 64800))
    assert parse_day_hours("closed") == ()
    assert expand_days("mon-wed") == ("mon", "tue", "wed")
    cal = Calendar(timezone="Asia/Seoul", hours={"mon-fri": "09:00-18:00", "sat": "09:00-13:00"})
    assert cal.weekly[5] == ((32400, 46800),)
    assert cal.weekly[6] == ()


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"mon-fri": "18:00-09:00"}, "ends before it starts"),
        ({"mon-fri": "09:00-13:00,12:00-18:00"}, "overlap"),
        ({"mon-fri": "9-18"}, "not a time of day"),
        ({"mon-fri": "09:00-18:00", "fri": "09:00-12:00"}, "given twice"),
        ({"fri-mon": "09:00-18:00"}, "runs backwards"),
        ({"mon-fri": "09:00-24:30"}, "between 00:00 and 24:00"),
    ],
)
def test_bad_hours_are_explained(hours, message):
    with pytest.raises(ValidationError, match=message):
        Calendar(timezone="Asia/Seoul", hours=hours)


def test_unknown_time_zone_and_country_are_refused():
    with pytest.raises(ValidationError, match="IANA time zone"):
        Calendar(timezone="Asia/Busan", hours="24x7")
    with pytest.raises(ValidationError, match="holidays package"):
        Calendar(timezone="Asia/Seoul", hours="24x7", holidays={"country": "XX"})


def test_holiday_dates_add_and_remove_days():
    cal = Calendar(
        timezone="Asia/Seoul",
        hours="24x7",
        holidays={"country": "KR", "add": ["2026-05-01"], "remove": ["2026-01-01"]},
    )
    days = cal.holiday_dates(2026, 2026)
    assert date(2026, 5, 1) in days
    assert date(2026, 1, 1) not in days
    assert date(2026, 3, 1) in days  # 삼일절


def test_vendor_users_see_only_their_own_contracts():
    bob = Actor(user="bob", role=Role.VENDOR, party="helpco")
    assert bob.can_see(vendor="helpco", broker=None)
    assert not bob.can_see(vendor="otherco", broker=None)
    with pytest.raises(AccessDenied):
        bob.require_see(contract_id="x", vendor="otherco", broker=None)
    broker = Actor(user="dana", role=Role.BROKER, party="bridge")
    assert broker.can_see(vendor="helpco", broker="bridge")
    assert not broker.can_see(vendor="helpco", broker=None)
    with pytest.raises(ValueError, match="must belong to a party"):
        Actor(user="eve", role=Role.VENDOR)


def test_auditors_cannot_write():
    auditor = Actor(user="audrey", role=Role.AUDITOR)
    with pytest.raises(AccessDenied):
        auditor.require_write("load data")
    assert auditor.can_see(vendor="anyone", broker=None)


def test_the_clients_planning_is_hidden_from_vendors_and_brokers():
    bob = Actor(user="bob", role=Role.VENDOR, party="helpco")
    with pytest.raises(AccessDenied, match="client's users only"):
        bob.require_client_view("the business case")
    Actor(user="alice", role=Role.CLIENT_MANAGER).require_client_view("the business case")
    Actor(user="audrey", role=Role.AUDITOR).require_client_view("the business case")
    assert Actor(user="audrey", role=Role.AUDITOR).reads_audit
    assert not Actor(user="alice", role=Role.CLIENT_MANAGER).reads_audit


# A lower-is-better KPI measured in seconds (average speed of answer) in place of SL-01.
ASA = {
    "service_levels__0__kpi": "average_speed_of_answer",
    "service_levels__0__params": {},
    "service_levels__0__expected": "30",
    "service_levels__0__minimum": "40",
}
FIXED = {"id": "base", "kind": "fixed", "amount": 1}


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        (
            {**ASA, "service_levels__0__expected": "-5"},
            "service_levels.0.expected",
            "must not be negative, got -5",
        ),
        (
            {**ASA, "service_levels__0__minimum": "20"},
            "service_levels.0.minimum",
            "is stricter than expected (20 < 30); for average_speed_of_answer lower is "
            "better, so minimum must be ≥ expected",
        ),
        (
            {**ASA, "service_levels__0__improvement": {"per_year_percent_of_gap": 10}},
            "service_levels.0.improvement",
            "continuous improvement moves a share toward 100 %; it applies to ratio KPIs",
        ),
        ({"broker": "helpco"}, "broker", "the broker and the vendor are the same party"),
        ({"client": "helpco"}, "vendor", "the vendor and the client are the same party"),
        ({"service_levels": []}, "service_levels", "a contract needs at least one service level"),
        (
            {"fees": [FIXED, {**FIXED, "amount": 2}]},
            "fees.1.id",
            "duplicate fee id 'base'",
        ),
        (
            {
                "fees": [
                    FIXED,
                    {"id": "setup", "kind": "one_time", "amount": 5, "month": "2029-01-01"},
                ]
            },
            "fees.1.month",
            "falls outside the contract term",
        ),
        (
            {
                "fees": [
                    {"id": "vol", "kind": "per_unit", "source": "parcels", "bands": [{"price": 5}]}
                ]
            },
            "fees.0.source",
            "unknown event type 'parcels'",
        ),
        (
            {
                "credits": {
                    "at_risk_percent": 12,
                    "pool_percent": 150,
                    "categories": [{"id": "service", "allocation_percent": 60}],
                }
            },
            "service_levels.1.category",
            "must name one of the performance categories: service",
        ),
        (
            {"service_levels__0__category": "quality"},
            "service_levels.0.category",
            "unknown category 'quality'",
        ),
    ],
)
def test_each_contract_rule_names_its_field(changes, where, message):
    assert errors_of(contract_with(**changes)).get(where) == message


def test_boundaries_of_the_contract_rules_are_allowed():
    # On the edge of each rule: a zero target, minimum equal to expected, a one-time fee
    # in the last month of the term, a level in a declared category.
    zero = Contract.model_validate(
        contract_with(
            **{**ASA, "service_levels__0__expected": "0", "service_levels__0__minimum": "0"}
        )
    )
    assert (zero.service_levels[0].expected, zero.service_levels[0].minimum) == (0, 0)
    contract = Contract.model_validate(
        contract_with(
            fees=[FIXED, {"id": "setup", "kind": "one_time", "amount": 5, "month": "2028-12-01"}],
            credits={
                "at_risk_percent": 12,
                "pool_percent": 150,
                "categories": [{"id": "service", "allocation_percent": 60}],
            },
            service_levels__0__category="service",
            service_levels__1__category="service",
        )
    )
    assert [f.id for f in contract.fees] == ["base", "setup"]
