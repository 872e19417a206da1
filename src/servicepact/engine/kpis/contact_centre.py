"""Contact-centre KPIs over ``calls`` (KPIS.md "Contact centre").

Anchors: ``offered_at`` for shares of calls offered or answered; the
completion time (``answered_at``) for the time averages ASA and AHT (KPIS.md
rule 3). Times are compared in microseconds, as stored, so "answered within 20 s"
is exact to the microsecond.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from servicepact.engine.kpis.base import (
    MICROS,
    BoolArray,
    KpiContext,
    Measure,
    Outcomes,
    booleans,
    decimals_scaled,
    each_once,
    integers,
    per_event_kpi,
    timestamps_us,
)


def _short_abandon(table: pa.Table, ctx: KpiContext) -> tuple[BoolArray, BoolArray]:
    """(abandoned, short abandon): abandoned unanswered calls, and those within the threshold.

    A call abandoned exactly ``short_abandon_seconds`` after being offered is a
    short abandon ("within" includes the boundary).
    """
    offered, _ = timestamps_us(table, "offered_at")
    _, answered = timestamps_us(table, "answered_at")
    abandoned_at, abandoned_valid = timestamps_us(table, "abandoned_at")
    abandoned = abandoned_valid & ~answered
    threshold = int(ctx.param("short_abandon_seconds")) * MICROS
    short = abandoned & (abandoned_at - offered <= threshold)
    return abandoned, short


def _answered_within(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Calls answered within `seconds` of offered_at ÷ (calls offered − short abandons)."""
    offered, _ = timestamps_us(table, "offered_at")
    answered_at, answered = timestamps_us(table, "answered_at")
    _, short = _short_abandon(table, ctx)
    counted = ~short
    target = int(ctx.param("seconds")) * MICROS
    wait = answered_at - offered
    within = answered & (wait <= target)
    return Outcomes(
        offered[counted],
        within[counted].astype(np.int64),
        each_once(int(counted.sum())),
        counted=counted,
        measured=wait[counted],
        measured_known=answered[counted],
        target=np.full(int(counted.sum()), target, dtype=np.int64),
        measure=Measure.DURATION_US,
    )


def _abandonment_rate(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Calls abandoned (not short) ÷ (calls offered − short abandons)."""
    offered, _ = timestamps_us(table, "offered_at")
    abandoned, short = _short_abandon(table, ctx)
    counted = ~short
    return Outcomes(
        offered[counted],
        (abandoned & ~short)[counted].astype(np.int64),
        each_once(int(counted.sum())),
        counted=counted,
    )


def _average_speed_of_answer(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Mean of answered_at − offered_at over answered calls (µs summed, shown in seconds)."""
    offered, _ = timestamps_us(table, "offered_at")
    answered_at, answered = timestamps_us(table, "answered_at")
    wait = (answered_at - offered)[answered]
    return Outcomes(
        answered_at[answered], wait, each_once(wait.size), scale=MICROS, counted=answered
    )


def _average_handle_time(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Mean talk + hold + wrap seconds over answered calls; a missing part counts as 0 s."""
    answered_at, answered = timestamps_us(table, "answered_at")
    total = np.zeros(table.num_rows, dtype=np.int64)
    for name in ("talk_seconds", "hold_seconds", "wrap_seconds"):
        values, _ = integers(table, name)
        total += values
    return Outcomes(
        answered_at[answered], total[answered], each_once(int(answered.sum())), counted=answered
    )


def _first_contact_resolution(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Answered calls resolved at first contact ÷ answered calls with a value."""
    offered, _ = timestamps_us(table, "offered_at")
    _, answered = timestamps_us(table, "answered_at")
    resolved, known = booleans(table, "resolved_first_contact")
    counted = answered & known
    return Outcomes(
        offered[counted],
        resolved[counted].astype(np.int64),
        each_once(int(counted.sum())),
        counted=counted,
    )


def _csat_average(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Mean csat (1-5) over calls with a score."""
    offered, _ = timestamps_us(table, "offered_at")
    score, scored = integers(table, "csat")
    return Outcomes(offered[scored], score[scored], each_once(int(scored.sum())), counted=scored)


def _csat_top2(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Calls scored 4 or 5 ÷ calls with a score."""
    offered, _ = timestamps_us(table, "offered_at")
    score, scored = integers(table, "csat")
    top = (score >= 4)[scored].astype(np.int64)  # the top two boxes of a 1-5 scale
    return Outcomes(offered[scored], top, each_once(int(scored.sum())), counted=scored)


def _quality_score(table: pa.Table, ctx: KpiContext) -> Outcomes:
    """Mean qa_score (0-100) over scored calls; the decimal is summed in millionths, exactly."""
    offered, _ = timestamps_us(table, "offered_at")
    score, scored = decimals_scaled(table, "qa_score", 6)
    return Outcomes(
        offered[scored], score[scored], each_once(int(scored.sum())), scale=10**6, counted=scored
    )


COMPUTATIONS = {
    "answered_within": per_event_kpi(_answered_within),
    "average_speed_of_answer": per_event_kpi(_average_speed_of_answer),
    "abandonment_rate": per_event_kpi(_abandonment_rate),
    "average_handle_time": per_event_kpi(_average_handle_time),
    "first_contact_resolution": per_event_kpi(_first_contact_resolution),
    "csat_average": per_event_kpi(_csat_average),
    "csat_top2": per_event_kpi(_csat_top2),
    "quality_score": per_event_kpi(_quality_score),
}
