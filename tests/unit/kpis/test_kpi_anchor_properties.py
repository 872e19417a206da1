"""Properties of anchoring (KPIS.md rule 3): every counted event falls in exactly one period."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_fixtures import OFFICE_KR, compute, kst, month_window, table

MONTHS = [month_window(2026, m) for m in range(1, 13)]
YEAR = (MONTHS[0][0], MONTHS[-1][1])
START = kst(2026, 1, 1)

tickets = st.lists(
    st.tuples(
        st.integers(0, 330 * 24 * 3600),  # created: seconds into 2026
        st.one_of(st.none(), st.integers(0, 20 * 24 * 3600)),  # resolved after (or open)
        st.sampled_from(["P1", "P2"]),
        st.one_of(st.none(), st.tuples(st.integers(0, 48 * 3600), st.integers(0, 48 * 3600))),
    ),
    max_size=40,
)


def build(rows: list[tuple[int, int | None, str, tuple[int, int] | None]]) -> object:
    events = []
    for i, (created, after, priority, pause) in enumerate(rows):
        created_at = START + timedelta(seconds=created)
        row: dict[str, object] = {"id": str(i), "created_at": created_at, "priority": priority}
        if after is not None:
            row["resolved_at"] = created_at + timedelta(seconds=after)
        if pause is not None:
            begin = created_at + timedelta(seconds=pause[0])
            row["pauses"] = [{"start": begin, "end": begin + timedelta(seconds=pause[1])}]
        events.append(row)
    return table("tickets", events)


@settings(max_examples=25, deadline=None)
@given(tickets)
def test_monthly_counts_add_up_to_the_count_over_the_whole_year(rows: list) -> None:  # type: ignore[type-arg]
    # the twelve months partition the year, so the monthly numerators and denominators
    # must sum to the yearly ones: no ticket counted twice, none lost between months
    events = build(rows)
    params = {"hours_by_priority": {"P1": 4, "P2": 8}}
    monthly = compute("resolved_within", events, MONTHS, params=params, calendar=OFFICE_KR)
    yearly = compute("resolved_within", events, [YEAR], params=params, calendar=OFFICE_KR)[0]
    assert sum(m.numerator for m in monthly) == yearly.numerator
    assert sum(m.denominator for m in monthly) == yearly.denominator
    assert yearly.denominator <= len(rows)


@settings(max_examples=25, deadline=None)
@given(tickets)
def test_a_ticket_resolved_in_the_year_is_counted_once_by_mean_time_to_resolve(rows: list) -> None:  # type: ignore[type-arg]
    events = build(rows)
    monthly = compute("mean_time_to_resolve", events, MONTHS, calendar=OFFICE_KR)
    resolved_in_year = sum(
        1
        for created, after, _, _ in rows
        if after is not None and created + after < (YEAR[1] - YEAR[0]) // 1_000_000
    )
    assert sum(m.denominator for m in monthly) == resolved_in_year
