"""The drill-down of a result lists exactly what the result counted, for every KPI.

Parametrised over the catalogue: a KPI added without a drill-down (or whose drill-down
counts differently) fails here. Each case draws random events of the KPI's source
(missing values, pauses, priorities, events outside the month), approves an exclusion
for a few of them, and compares the list with ``evaluate_periods`` on the same inputs.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

from servicepact.domain.contracts import Contract
from servicepact.domain.event_schemas import arrow_schema
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.exclusions import Exclusion, ExclusionReason, ExclusionStatus
from servicepact.domain.kpis import CATALOGUE, Aggregate
from servicepact.domain.periods import parse_period
from servicepact.engine.drilldown import (
    OUTCOME_ORDER,
    TIMES_USED,
    DrillDown,
    Outcome,
    Shows,
    columns_needed,
    drill_down,
    from_arrow,
    in_list_order,
    to_arrow,
)
from servicepact.engine.evaluate import ClockCache, evaluate_periods
from servicepact.store.derived import DerivedCache

SEOUL = ZoneInfo("Asia/Seoul")
START = datetime(2026, 2, 20, tzinfo=SEOUL)  # events from late February into early April
SPAN = 45 * 86_400
CLOCKS = ClockCache()

PARAMS: dict[str, dict[str, Any]] = {
    "answered_within": {"seconds": 20},
    "responded_within": {"hours_by_priority": {"P1": 4, "P2": 8}},
    "resolved_within": {"hours": 16},
    "backlog_older_than": {"days": 3},
    "inventory_accuracy": {"tolerance_percent": 2.5},
    "campaign_on_time": {"grace_hours": 1.5},
}
# expected and minimum per unit, so that some events meet and some fail
LEVELS = {
    "ratio": ("0.9", "0.8"),
    "seconds": ("30", "60"),
    "hours": ("12", "24"),
    "business_days": ("2", "4"),
    "count": ("3", "6"),
    "score": ("4", "3"),
}


def _moment(rng: random.Random) -> datetime:
    return (START + timedelta(seconds=rng.randrange(SPAN))).astimezone(UTC)


def _maybe(rng: random.Random, value: Any, p: float = 0.8) -> Any:
    return value if rng.random() < p else None


def _row(source: str, rng: random.Random, i: int) -> dict[str, Any]:
    t = _moment(rng)
    later = lambda seconds: t + timedelta(seconds=rng.randrange(seconds))  # noqa: E731
    if source == "calls":
        answered = rng.random() < 0.8
        return {
            "offered_at": t,
            "answered_at": later(60) if answered else None,
            "abandoned_at": None if answered else later(30),
            "talk_seconds": rng.randrange(600),
            "hold_seconds": _maybe(rng, rng.randrange(60)),
            "wrap_seconds": rng.randrange(90),
            "resolved_first_contact": _maybe(rng, rng.random() < 0.7),
            "qa_score": _maybe(rng, Decimal(rng.randrange(60_000_000, 100_000_000)) / 10**6),
            "csat": _maybe(rng, rng.randint(1, 5)),
            "queue": rng.choice(["billing", "tech", None]),
            "channel": rng.choice(["phone", "chat"]),
        }
    if source == "tickets":
        pause_start = later(86_400)
        return {
            "created_at": t,
            "first_response_at": _maybe(rng, later(40_000)),
            "resolved_at": _maybe(rng, later(5 * 86_400), 0.7),
            "priority": rng.choice(["P1", "P2", "P3", None]),
            "category": rng.choice(["access", "hardware"]),
            "reopened": rng.random() < 0.1,
            "pauses": [{"start": pause_start, "end": pause_start + timedelta(hours=3)}]
            if rng.random() < 0.3
            else None,
        }
    if source == "availability":
        length = rng.randrange(60, 6 * 3600)
        return {"service": "erp", "start": t, "end": t + timedelta(seconds=length),
                "planned": rng.random() < 0.3}  # fmt: skip
    if source == "payroll_items":
        return {
            "scheduled_pay_date": t.astimezone(SEOUL).date(),
            "paid_at": _maybe(rng, later(2 * 86_400) - timedelta(days=1)),
            "error": rng.random() < 0.05,
        }
    if source == "invoices_processed":
        return {
            "received_at": t,
            "posted_at": _maybe(rng, later(6 * 86_400)),
            "paid_at": _maybe(rng, later(30 * 86_400)),
            "due_date": (t + timedelta(days=rng.randrange(20))).astimezone(SEOUL).date(),
            "first_pass_match": _maybe(rng, rng.random() < 0.8),
            "duplicate": rng.random() < 0.02,
        }
    if source == "orders":
        ordered = rng.randrange(1, 20)
        return {
            "promised_at": t.astimezone(SEOUL).date(),
            "delivered_at": _maybe(rng, later(2 * 86_400) - timedelta(days=1)),
            "qty_ordered": ordered,
            "qty_delivered": _maybe(rng, ordered - rng.choice([0, 0, 0, 1, 3])),
        }
    if source == "inventory_counts":
        system = rng.randrange(0, 200)
        return {"counted_at": t, "system_qty": system,
                "counted_qty": system + rng.choice([0, 0, 1, -2, 6])}  # fmt: skip
    if source == "campaigns":
        sent = rng.randrange(100, 1000)
        delivered = sent - rng.randrange(50)
        return {"planned_launch": t, "launched_at": _maybe(rng, later(3 * 3600)), "sent": sent,
                "delivered": delivered, "converted": rng.randrange(delivered // 5)}  # fmt: skip
    raise AssertionError(source)


def events(source: str, seed: int, n: int = 160) -> pa.Table:
    rng = random.Random(seed)
    rows = [{"id": f"E{i:04d}", **_row(source, rng, i)} for i in range(n)]
    schema = arrow_schema(BUILT_IN[source])
    return pa.Table.from_pydict(
        {f.name: [row.get(f.name) for row in rows] for f in schema}, schema=schema
    )


def contract_for(kpi: str) -> Contract:
    definition = CATALOGUE[kpi]
    expected, minimum = LEVELS[definition.unit.value]
    if definition.direction.value == "lower" and definition.unit.value == "ratio":
        expected, minimum = "0.1", "0.2"
    if definition.direction.value == "lower" and definition.unit.value == "score":
        expected, minimum = "3", "4"
    sl: dict[str, Any] = {
        "id": "SL-1",
        "name": kpi,
        "kpi": kpi,
        "source": definition.event_type,
        "params": PARAMS.get(kpi, {}),
        "expected": expected,
        "minimum": minimum,
        "allocation_percent": 50,
    }
    if definition.uses_calendar or kpi in {"responded_within", "resolved_within"}:
        sl["calendar"] = "office"
    return Contract.model_validate(
        {
            "id": "acme-ops",
            "name": "Operations",
            "client": "acme",
            "vendor": "helpco",
            "term": {"start": "2026-01-01", "end": "2027-12-31"},
            "calendars": {
                "office": {
                    "timezone": "Asia/Seoul",
                    "hours": {"mon-fri": "09:00-18:00"},
                    "holidays": {"country": "KR"},
                }
            },
            "credits": {"at_risk_percent": 10, "pool_percent": 100},
            "service_levels": [sl],
        }
    )


def waiver(contract: Contract, ids: list[str], period: str | None = None) -> Exclusion:
    return Exclusion(
        id="EX-2" if period else "EX-1",
        contract_id=contract.id,
        source=contract.service_levels[0].source,
        service_level_id="SL-1",
        event_ids=tuple(ids),
        period=period,
        reason=ExclusionReason.CLIENT_CAUSED,
        requested_by="bob",
        requested_at=datetime(2026, 4, 2, tzinfo=UTC),
        status=ExclusionStatus.APPROVED,
        decided_by="alice",
        decided_at=datetime(2026, 4, 3, tzinfo=UTC),
    )


def check(kpi: str, seed: int, *, period_waiver: bool = False, now: datetime | None = None) -> Any:
    contract = contract_for(kpi)
    sl = contract.service_levels[0]
    table = events(sl.source, seed)
    ids = table.column("id").to_pylist()
    exclusions = [waiver(contract, ids[3:40:4])]
    if period_waiver:
        exclusions.append(waiver(contract, [], "2026-03"))
    period = parse_period("2026-03", term=contract.term)
    (result,) = evaluate_periods(
        contract, sl, [period], table, clock_cache=CLOCKS, exclusions=exclusions, now=now
    )
    # the drill-down reads only the columns it names (the service reads no others)
    needed = columns_needed(sl, table.schema.names)
    assert needed is not None
    drill = drill_down(
        contract, sl, period, table.select(needed), clock_cache=CLOCKS, exclusions=exclusions,
        until=now if result.running else None,
    )  # fmt: skip
    totals = drill.totals()
    if result.kpi == "backlog_older_than":
        assert totals["numerator"] == result.numerator
    elif CATALOGUE[kpi].aggregate is Aggregate.MEAN:
        assert Fraction(totals["numerator"], drill.scale) == result.numerator
        assert totals["denominator"] == result.denominator
    else:
        assert totals["numerator"] == result.numerator
        assert totals["denominator"] == result.denominator
    assert totals["sample_size"] == result.sample_size
    assert drill.excluded_count == result.excluded
    return result, drill


@pytest.mark.parametrize("kpi", sorted(CATALOGUE))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_drill_down_adds_up_to_the_result(kpi: str, seed: int) -> None:
    result, drill = check(kpi, seed)
    assert result.sample_size > 0, "the case must measure something"
    counts = drill.counts()
    assert sum(counts.values()) == drill.outcome.size
    if drill.shows is Shows.EVENTS:
        # every event listed once, in the month, and the excluded ones are the waiver's
        assert len(set(drill.rows.tolist())) == drill.rows.size
        assert ((drill.anchor >= drill.window[0]) & (drill.anchor < drill.window[1])).all()
        excluded_ids = {drill.item(int(i))["id"] for i in drill.order("excluded")}
        assert excluded_ids <= set(drill.exclusions[0].event_ids)
        assert counts["excluded"] == result.excluded


@pytest.mark.parametrize("kpi", sorted(CATALOGUE))
def test_a_whole_period_waiver_leaves_nothing_counted(kpi: str) -> None:
    result, drill = check(kpi, 7, period_waiver=True)
    assert drill.totals()["sample_size"] == 0 == result.sample_size
    assert drill.counts()["failed"] == drill.counts()["met"] == 0


@pytest.mark.parametrize("kpi", sorted(CATALOGUE))
def test_a_running_month_drills_down_to_its_cut_off(kpi: str) -> None:
    result, _ = check(kpi, 11, now=datetime(2026, 3, 17, 13, 30, tzinfo=SEOUL))
    assert result.running


@pytest.mark.parametrize("kpi", sorted(CATALOGUE))
def test_every_kpi_names_the_times_it_uses(kpi: str) -> None:
    schema = arrow_schema(BUILT_IN[CATALOGUE[kpi].event_type])
    assert TIMES_USED[kpi]
    assert set(TIMES_USED[kpi]) <= set(schema.names)


def test_failing_events_come_first_then_excluded_then_met_each_by_anchor() -> None:
    _, drill = check("answered_within", 1)
    order = drill.order("all")
    outcomes = [drill.item(int(i))["outcome"] for i in order]
    ranks = [[o.value for o in (Outcome.FAILED, Outcome.EXCLUDED, Outcome.MET)].index(o)
             for o in outcomes]  # fmt: skip
    assert ranks == sorted(ranks)
    assert ranks[0] == 0
    failed = drill.order("failed")
    anchors = drill.anchor[failed].tolist()
    assert anchors == sorted(anchors)
    # the first page's partial sort gives the same events as the full sort
    assert drill.order("all", 7).tolist() == order[:7].tolist()
    assert [e["id"] for e in drill.page(offset=5, limit=5)] == [
        drill.item(int(i))["id"] for i in order[5:10]
    ]


def test_a_late_call_shows_its_wait_target_and_margin() -> None:
    contract = contract_for("answered_within")
    sl = contract.service_levels[0]
    offered = datetime(2026, 3, 3, 10, 0, tzinfo=SEOUL)
    table = pa.Table.from_pydict(
        {
            "id": ["C1", "C2", "C3"],
            "offered_at": [offered] * 3,
            "answered_at": [offered + timedelta(seconds=34), offered + timedelta(seconds=12), None],
            "abandoned_at": [None, None, offered + timedelta(seconds=40)],
        },
        schema=pa.schema([arrow_schema(BUILT_IN["calls"]).field(n)
                          for n in ("id", "offered_at", "answered_at", "abandoned_at")]),
    )  # fmt: skip
    period = parse_period("2026-03", term=contract.term)
    drill = drill_down(contract, sl, period, table, clock_cache=CLOCKS)
    late, abandoned, early = drill.page()
    assert (late["id"], late["outcome"], late["reason"]) == ("C1", "failed", "over_target")
    assert drill.measure == "duration_us"  # measured and target are waits in microseconds
    # 34 s waited against a 20 s target: 14 s late
    assert (late["measured"], late["target"], late["margin"]) == (
        34_000_000,
        20_000_000,
        -14_000_000,
    )
    assert (abandoned["id"], abandoned["reason"], abandoned["measured"]) == ("C3", "not_done", None)
    assert (early["id"], early["outcome"], early["margin"]) == ("C2", "met", 8_000_000)
    assert drill.totals() == {"numerator": 1, "denominator": 3, "sample_size": 3}
    days = drill.breakdowns()["day"]
    assert days == [{"key": "2026-03-03", "failed": 2, "excluded": 0, "met": 1,
                     "numerator": 1, "denominator": 3}]  # fmt: skip
    assert drill.breakdowns()["week"][0]["key"] == "2026-W10"


def test_availability_lists_outage_runs_whose_seconds_make_the_result() -> None:
    contract = contract_for("availability")
    sl = contract.service_levels[0]
    at = lambda d, h, m=0: datetime(2026, 3, d, h, m, tzinfo=SEOUL)  # noqa: E731
    table = pa.Table.from_pydict(
        {
            "id": ["O1", "O2", "O3"],
            "service": ["erp"] * 3,
            # O1 and O2 overlap: one run, 10:00-11:30 on a Tuesday (90 working minutes)
            "start": [at(3, 10), at(3, 11), at(4, 8)],
            "end": [at(3, 11), at(3, 11, 30), at(4, 10)],  # O3: 09:00-10:00 counts (planned)
            "planned": [False, False, True],
        },
        schema=arrow_schema(BUILT_IN["availability"]),
    )
    period = parse_period("2026-03", term=contract.term)
    (result,) = evaluate_periods(contract, sl, [period], table, clock_cache=CLOCKS)
    drill = drill_down(contract, sl, period, table, clock_cache=CLOCKS)
    assert drill.shows is Shows.OUTAGES
    down, planned = drill.page()
    assert (down["outcome"], down["seconds"], down["event_ids"]) == ("failed", 5400, ["O1", "O2"])
    assert (planned["outcome"], planned["seconds"], planned["event_ids"]) == (
        "excluded",
        3600,
        ["O3"],
    )
    # March 2026 in Seoul office hours: 21 working days (1 March is a Sunday, 2 March a
    # substitute holiday) × 9 h = 680,400 s; agreed = that − 3,600 planned
    assert drill.working_seconds == 21 * 9 * 3600
    assert (result.numerator, result.denominator) == (680_400 - 3_600 - 5_400, 680_400 - 3_600)
    assert drill.totals()["numerator"] == result.numerator


def test_backlog_lists_the_old_open_tickets() -> None:
    contract = contract_for("backlog_older_than")
    sl = contract.service_levels[0]
    at = lambda d: datetime(2026, 3, d, 12, tzinfo=SEOUL)  # noqa: E731
    table = pa.Table.from_pydict(
        {
            "id": ["T1", "T2", "T3", "T4"],
            "created_at": [at(10), at(29), at(5), at(20)],
            "resolved_at": [None, None, at(30), datetime(2026, 4, 2, tzinfo=SEOUL)],
        },
        schema=pa.schema([arrow_schema(BUILT_IN["tickets"]).field(n)
                          for n in ("id", "created_at", "resolved_at")]),
    )  # fmt: skip
    period = parse_period("2026-03", term=contract.term)
    drill = drill_down(contract, sl, period, table, clock_cache=CLOCKS)
    # open at 1 April 00:00 and created before 29 March 00:00: T1 and T4 (T2 too young,
    # T3 resolved)
    assert sorted(e["id"] for e in drill.page()) == ["T1", "T4"]
    assert drill.totals() == {"numerator": 2, "denominator": 0, "sample_size": 4}
    assert date(2026, 3, 1) <= date.fromisoformat(drill.breakdowns()["day"][0]["key"])


# --- list order and the stored form: the result page opens the list from it --------------


def pages(drill: DrillDown, outcome: str, per_page: int) -> list[list[dict[str, object]]]:
    total = drill.total_of(outcome)
    return [
        drill.page(outcome=outcome, offset=offset, limit=per_page)
        for offset in range(0, total + per_page, per_page)
    ]


def same_list(fresh: DrillDown, other: DrillDown) -> None:
    assert other.totals() == fresh.totals()
    assert other.counts() == fresh.counts()
    assert other.breakdowns() == fresh.breakdowns()
    for outcome in ("all", *(o.value for o in OUTCOME_ORDER)):
        assert other.total_of(outcome) == fresh.total_of(outcome)
        for per_page in (1, 7):
            assert pages(other, outcome, per_page) == pages(fresh, outcome, per_page)


@pytest.mark.parametrize("kpi", sorted(CATALOGUE))
def test_the_list_in_list_order_and_its_stored_form_list_the_same(kpi: str, tmp_path: Path) -> None:
    _, fresh = check(kpi, 2)
    _, computed = check(kpi, 2)
    ordered = in_list_order(computed)
    same_list(fresh, ordered)
    form = to_arrow(ordered)
    if fresh.shows is Shows.OUTAGES:
        assert form is None  # a handful of outage runs: computed each time
        return
    assert form is not None
    cache = DerivedCache(tmp_path)
    assert cache.save("abc123", form.events, form.items, form.meta)
    assert not cache.save("abc123", form.events, form.items, form.meta)  # written once
    loaded = cache.load("abc123")
    assert loaded is not None
    reopened = from_arrow(loaded.first, loaded.second, loaded.document, fresh.exclusions)
    assert reopened is not None
    same_list(fresh, reopened)


def test_a_stored_list_over_other_exclusions_is_not_used(tmp_path: Path) -> None:
    _, drill = check("answered_within", 1)
    form = to_arrow(in_list_order(drill))
    assert form is not None
    assert drill.exclusions, "the case has an exclusion"
    assert from_arrow(form.events, form.items, form.meta, exclusions=[]) is None


def test_a_damaged_entry_is_a_miss_and_keys_are_never_paths(tmp_path: Path) -> None:
    _, drill = check("resolved_within", 3)
    form = to_arrow(in_list_order(drill))
    assert form is not None
    cache = DerivedCache(tmp_path, keep=2)
    assert cache.save("k1", form.events, form.items, form.meta)
    (tmp_path / "k1" / "items.arrow").write_bytes(b"not arrow")
    assert cache.load("k1") is None
    assert cache.load("missing") is None
    with pytest.raises(ValueError, match="letters and digits"):
        cache.load("../k1")
    # only the newest `keep` entries stay
    assert cache.save("k2", form.events, form.items, form.meta)
    assert cache.save("k3", form.events, form.items, form.meta)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k2", "k3"]


def _tickets(rows: list[tuple[str, datetime, datetime | None]]) -> pa.Table:
    schema = arrow_schema(BUILT_IN["tickets"])
    return pa.Table.from_pydict(
        {
            "id": [r[0] for r in rows],
            "created_at": [r[1] for r in rows],
            "resolved_at": [r[2] for r in rows],
            "priority": ["P1"] * len(rows),
        },
        schema=pa.schema(
            [schema.field(n) for n in ("id", "created_at", "resolved_at", "priority")]
        ),
    )


def test_a_late_ticket_shows_its_business_time_target_and_margin() -> None:
    # 16 business hours, Mon-Fri 09:00-18:00 Seoul, all created Tue 10 Mar 09:00:
    # T1 resolved Thu 12 Mar 10:00 → 9 + 9 + 1 = 19 h, 3 h over; T2 still open, expired
    # Wed 11 Mar 16:00:01 (9 + 7 h), not done; T3 resolved 10 Mar 12:00 → 3 h, 13 h to spare
    contract = contract_for("resolved_within")
    sl = contract.service_levels[0]
    created = datetime(2026, 3, 10, 9, tzinfo=SEOUL)
    table = _tickets(
        [
            ("T1", created, datetime(2026, 3, 12, 10, tzinfo=SEOUL)),
            ("T2", created, None),
            ("T3", created, datetime(2026, 3, 10, 12, tzinfo=SEOUL)),
        ]
    )
    period = parse_period("2026-03", term=contract.term)
    drill = drill_down(contract, sl, period, table, clock_cache=CLOCKS)
    items = {item["id"]: item for item in drill.page()}
    hour = 3600
    seen = {
        i: (e["outcome"], e["reason"], e["measured"], e["target"], e["margin"], e["measure"])
        for i, e in items.items()
    }
    assert seen == {
        "T1": ("failed", "over_target", 19 * hour, 16 * hour, -3 * hour, "business_seconds"),
        "T2": ("failed", "not_done", None, 16 * hour, None, "business_seconds"),
        "T3": ("met", "within_target", 3 * hour, 16 * hour, 13 * hour, "business_seconds"),
    }
    assert drill.totals() == {"numerator": 1, "denominator": 3, "sample_size": 3}


def test_mean_time_to_resolve_lists_each_tickets_business_hours() -> None:
    # Tue 10 Mar 09:00 → 12:00 = 3 h and → Wed 11 Mar 10:00 = 9 + 1 = 10 h; T3 open: not listed
    contract = contract_for("mean_time_to_resolve")
    sl = contract.service_levels[0]
    created = datetime(2026, 3, 10, 9, tzinfo=SEOUL)
    table = _tickets(
        [
            ("T1", created, datetime(2026, 3, 10, 12, tzinfo=SEOUL)),
            ("T2", created, datetime(2026, 3, 11, 10, tzinfo=SEOUL)),
            ("T3", created, None),
        ]
    )
    period = parse_period("2026-03", term=contract.term)
    drill = drill_down(contract, sl, period, table, clock_cache=CLOCKS)
    seen = {e["id"]: (e["measured"], e["measure"]) for e in drill.page()}
    assert seen == {"T1": (3 * 3600, "business_seconds"), "T2": (10 * 3600, "business_seconds")}
    assert drill.totals() == {"numerator": 13 * 3600, "denominator": 2, "sample_size": 2}
