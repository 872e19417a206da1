"""Handoffs between vendor and internal teams, computed by hand from assignment histories."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pyarrow as pa
import pytest

from servicepact.domain.errors import InvalidInput
from servicepact.domain.event_schemas import ASSIGNMENT
from servicepact.engine.handoffs import HandoffReport, handoff_analysis


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 4, day, hour, tzinfo=UTC)


def _table(rows: list[tuple[str, list[tuple[str, datetime, datetime | None]]]]) -> pa.Table:
    return pa.table(
        {
            "id": pa.array([r[0] for r in rows], pa.string()),
            "assignments": pa.array(
                [[{"party": p, "from": f, "to": t} for p, f, t in r[1]] for r in rows],
                pa.list_(ASSIGNMENT),
            ),
        }
    )


TICKETS = _table(
    [
        # T1: vendor 2 h → service desk 3 h → vendor 1 h: 2 handoffs
        (
            "T1",
            [
                ("helpco", _at(6, 0), _at(6, 2)),
                ("desk", _at(6, 2), _at(6, 5)),
                ("helpco", _at(6, 5), _at(6, 6)),
            ],
        ),
        # T2: the vendor alone, 1 h
        ("T2", [("helpco", _at(7, 0), _at(7, 1))]),
        # T3 (listed out of order): v 1 h, broker 1 h, desk 2 h, v 1 h, finance 1 h, v open
        #   → 4 handoffs
        (
            "T3",
            [
                ("desk", _at(8, 2), _at(8, 4)),
                ("helpco", _at(8, 0), _at(8, 1)),
                ("broker", _at(8, 1), _at(8, 2)),
                ("helpco", _at(8, 4), _at(8, 5)),
                ("finance", _at(8, 5), _at(8, 6)),
                ("helpco", _at(8, 6), None),
            ],
        ),
        # T4: only the requester: not a vendor/internal ticket
        ("T4", [("requester", _at(8, 0), _at(8, 1))]),
        # T5: vendor 1 h → desk 1 h in the next ISO week: 1 handoff
        ("T5", [("helpco", _at(13, 0), _at(13, 1)), ("desk", _at(13, 1), _at(13, 2))]),
        ("T6", []),
    ]
)


def _analyse(**kw: object) -> HandoffReport:
    args: dict[str, object] = {
        "vendor_party": "helpco",
        "internal_parties": ("desk", "finance"),
        "bounce_threshold": 2,
        "weekly_capacity": 2,
    }
    args.update(kw)
    return handoff_analysis(TICKETS, **args)  # type: ignore[arg-type]


def test_handoffs_rate_and_direction_match_hand_count() -> None:
    # tickets with vendor/internal work: T1, T2, T3, T5 = 4; with a handoff: T1, T3, T5 = 3 → 3/4
    # handoffs: T1 2 + T3 4 (the broker is skipped: v→desk, desk→v, v→finance, finance→v) + T5 1 = 7
    # to internal: T1 1 + T3 2 + T5 1 = 4; to the vendor: 7 − 4 = 3
    report = _analyse()
    assert report.tickets == 4
    assert report.tickets_with_handoff == 3
    assert report.handoff_rate == Fraction(3, 4)
    assert (report.handoffs, report.to_internal, report.to_vendor) == (7, 4, 3)
    assert report.handoffs_per_ticket == Fraction(7, 4)


def test_a_ticket_passed_more_than_the_threshold_counts_as_a_bounce() -> None:
    # T3 has 4 handoffs > 2; T1 has exactly 2, which is not more than 2
    assert _analyse().bounced == (("T3", 4),)
    assert _analyse(bounce_threshold=1).bounced == (("T3", 4), ("T1", 2))


def test_time_held_on_each_side_sums_closed_assignments() -> None:
    # vendor: T1 2+1, T2 1, T3 1+1 (the open one is not counted), T5 1 = 7 h
    # internal: T1 3, T3 2+1, T5 1 = 7 h; other: broker 1 + requester 1 = 2 h
    report = _analyse()
    assert report.held_hours == {"other": 2.0, "vendor": 7.0, "internal": 7.0}
    assert report.open_assignments == 1


def test_open_assignments_count_up_to_as_of_when_given() -> None:
    # T3's last vendor assignment from 04-08 06:00 to as_of 04-08 10:00 adds 4 h: 7 + 4 = 11
    report = _analyse(as_of=_at(8, 10))
    assert report.held_hours["vendor"] == 11.0


def test_weekly_pushback_above_the_internal_capacity_is_an_overload_finding() -> None:
    # vendor → internal: 2026-W15: T1 (04-06), T3 twice (04-08) = 3; 2026-W16: T5 (04-13) = 1
    # capacity 2 → W15 over by 1
    report = _analyse()
    assert [(w.week, w.pushed_to_internal, w.overloaded) for w in report.weeks] == [
        ("2026-W15", 3, True),
        ("2026-W16", 1, False),
    ]
    assert len(report.overloads) == 1
    assert report.overloads[0].detail == (
        "helpco handed 3 tickets to internal teams in 2026-W15, above their stated capacity "
        "of 2 a week (+1)"
    )


def test_without_a_stated_capacity_there_is_no_overload() -> None:
    report = _analyse(weekly_capacity=None)
    assert report.overloads == ()
    assert report.weeks[0].excess == 0


def test_weeks_are_read_in_the_clients_time_zone() -> None:
    # Sunday 2026-04-12 20:00 UTC is Monday 05:00 in Seoul: W15 in UTC, W16 in Asia/Seoul
    table = _table([("T9", [("helpco", _at(12, 19), _at(12, 20)), ("desk", _at(12, 20), None)])])
    args = {
        "vendor_party": "helpco",
        "internal_parties": ["desk"],
        "bounce_threshold": 3,
        "weekly_capacity": 5,
    }
    assert handoff_analysis(table, **args).weeks[0].week == "2026-W15"  # type: ignore[arg-type]
    seoul = handoff_analysis(table, timezone="Asia/Seoul", **args)  # type: ignore[arg-type]
    assert seoul.weeks[0].week == "2026-W16"


def test_the_vendor_cannot_also_be_an_internal_team() -> None:
    with pytest.raises(InvalidInput, match="is the vendor"):
        _analyse(internal_parties=("helpco",))


def test_a_table_without_assignments_is_rejected_by_column_name() -> None:
    with pytest.raises(InvalidInput, match=r"tickets\.assignments"):
        handoff_analysis(
            pa.table({"id": ["T1"]}),
            vendor_party="v",
            internal_parties=["i"],
            bounce_threshold=1,
            weekly_capacity=None,
        )


def test_a_negative_bounce_threshold_is_refused() -> None:
    with pytest.raises(InvalidInput, match="bounce_threshold"):
        _analyse(bounce_threshold=-1)


def test_without_work_pushed_to_internal_teams_there_are_no_weeks() -> None:
    # T2 alone: the vendor holds it 1 h and hands it to nobody → 0 handoffs, no week loaded
    report = handoff_analysis(
        _table([("T2", [("helpco", _at(7, 0), _at(7, 1))])]),
        vendor_party="helpco",
        internal_parties=("desk",),
        bounce_threshold=0,
        weekly_capacity=1,
    )
    assert (report.tickets, report.handoffs, report.to_internal) == (1, 0, 0)
    assert (report.weeks, report.overloads) == ((), ())
    assert report.held_hours == {"other": 0.0, "vendor": 1.0, "internal": 0.0}
