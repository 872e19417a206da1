"""Deterministic synthetic operational data for the demo portfolio (examples/).

One function per feed builds a year of events as columns of text, in the
exact column names of ``domain/event_types.py``; ``generate_demo_files``
writes them as CSV (and one Parquet and one JSON Lines file, so that every
reader is exercised). The same seed gives byte-identical files: every feed
draws from its own numpy ``Generator`` seeded with ``(seed, feed number)``,
so changing one feed never shifts the numbers of another.

The data tells a story that the measurement should find:

- the contact centre (CallNet) answers slowly in January-March and improves
  from April (more agents after the Seollal peak);
- IT operations (NextIT) degrade from July: resolution times drift up month by
  month, reopen rates double, the ERP has a long outage in October;
- payroll has a late bank file in May and a faulty Chuseok bonus run in September;
- accounts payable pays duplicates in November (a supplier master-data merge);
- logistics (HanLogis) loses most of August's order export (a completeness
  finding) and delivers late in the Chuseok peak;
- 120 March IT tickets first arrive with the closure time as resolution time
  and are corrected by a second file (the newest version counts).

Volumes are modest (a few hundred thousand events in all) so that the whole
demo runs in well under a minute; ``scale`` shrinks them further for tests.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from servicepact.demo.declared_feeds import DECLARED_FEEDS, declared_event_type
from servicepact.demo.people import People
from servicepact.demo.timebase import (
    DAY,
    HOUR,
    MINUTE,
    BoolArray,
    BusinessClock,
    DemoYear,
    FloatArray,
    IntArray,
    format_dates,
    format_timestamps,
    office_hours,
)
from servicepact.domain.event_schemas import arrow_schema
from servicepact.domain.event_types import BUILT_IN, ColumnType, EventType

Table = dict[str, list[str]]
"""Columns of text in event-type order; an empty string is a missing value."""

SEOUL = ZoneInfo("Asia/Seoul")
DEFAULT_YEAR = 2026
DEFAULT_SEED = 20260101

CC, IT, HR, AP, LG, MK = (
    "hanbit-cc-2026",
    "hanbit-itops-2026",
    "hanbit-hr-2026",
    "hanbit-ap-2026",
    "hanbit-logistics-2026",
    "hanbit-mkt-2026",
)


@dataclass(frozen=True)
class DemoFile:
    """One generated file and what it is for."""

    contract_id: str
    source: str
    path: Path
    rows: int
    correction: bool = False
    description: str = ""


# --- shapes -------------------------------------------------------------------


def _daily_counts(
    rng: np.random.Generator,
    year: DemoYear,
    base: float,
    *,
    weekday: Sequence[float],
    holiday: float,
    month: Sequence[float] | None = None,
    scale: float = 1.0,
) -> IntArray:
    """Poisson counts per day: base × weekday factor × month factor (× holiday factor)."""
    lam = base * scale * np.asarray(weekday, dtype=np.float64)[year.weekday()]
    if month is not None:
        lam = lam * np.asarray(month, dtype=np.float64)[year.month() - 1]
    lam = np.where(year.holiday(), lam * holiday, lam)
    return np.asarray(rng.poisson(lam), dtype=np.int64)


def _arrivals(
    rng: np.random.Generator,
    year: DemoYear,
    counts: IntArray,
    workday_hours: Sequence[float],
    offday_hours: Sequence[float],
) -> IntArray:
    """Sorted local arrival seconds: the day from ``counts``, the hour from a day shape."""
    day_index = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    n = len(day_index)
    p_work = np.asarray(workday_hours, dtype=np.float64)
    p_off = np.asarray(offday_hours, dtype=np.float64)
    hours_work = rng.choice(24, size=n, p=p_work / p_work.sum())
    hours_off = rng.choice(24, size=n, p=p_off / p_off.sum())
    off = (year.weekday() >= 5) | year.holiday()
    hours = np.where(off[day_index], hours_off, hours_work)
    seconds = rng.integers(0, HOUR, n)
    return np.sort(day_index * DAY + hours * HOUR + seconds)


def _monthly(values: Sequence[float], months: IntArray) -> FloatArray:
    """A per-month parameter looked up for each event (months beyond the year repeat Dec)."""
    table = np.append(np.asarray(values, dtype=np.float64), values[-1])
    return np.asarray(table[np.clip(months, 1, 13) - 1], dtype=np.float64)


def _ids(prefix: str, count: int, width: int = 7) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]


def _ints(values: IntArray, present: BoolArray | None = None) -> list[str]:
    text = [str(v) for v in values.tolist()]
    if present is None:
        return text
    return [t if p else "" for t, p in zip(text, present.tolist(), strict=True)]


def _bools(values: BoolArray, present: BoolArray | None = None) -> list[str]:
    text = ["true" if v else "false" for v in values.tolist()]
    if present is None:
        return text
    return [t if p else "" for t, p in zip(text, present.tolist(), strict=True)]


def _choice(
    rng: np.random.Generator, options: Sequence[str], weights: Sequence[float], n: int
) -> list[str]:
    p = np.asarray(weights, dtype=np.float64)
    picks = rng.choice(len(options), size=n, p=p / p.sum())
    return [options[i] for i in picks.tolist()]


def _blank_unless(values: list[str], present: BoolArray) -> list[str]:
    return [v if p else "" for v, p in zip(values, present.tolist(), strict=True)]


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# Hour-of-day shapes (index = hour). Contact-centre lines open 09:00-18:00 on
# working days, 09:00-13:00 otherwise; calls peak 10-11 and 14-16.
_CALL_HOURS_WORK = [0] * 9 + [0.9, 1.5, 1.4, 0.7, 0.9, 1.3, 1.35, 1.2, 0.8] + [0] * 6
_CALL_HOURS_OFF = [0] * 9 + [1.0, 1.2, 1.1, 1.0] + [0] * 11
# Peak-hour queues are longer: the wait-time mean is scaled by the hour's load.
_CALL_LOAD = np.array([1.0] * 9 + [0.8, 1.3, 1.25, 0.75, 0.85, 1.2, 1.25, 1.1, 0.8] + [1.0] * 6)
# IT tickets: office-hour peaks, a trickle of night-time incidents.
_TICKET_HOURS_WORK = (
    [0.08] * 8 + [0.6, 1.5, 1.6, 1.3, 0.6, 1.2, 1.4, 1.3, 1.1, 0.8, 0.4] + [0.15] * 5
)
_TICKET_HOURS_OFF = [0.1] * 9 + [0.3] * 12 + [0.1] * 3
_OFFICE_HOURS = [0] * 9 + [1.0, 1.4, 1.2, 0.5, 1.0, 1.2, 1.1, 1.0, 0.7] + [0] * 6


# --- contact centre -----------------------------------------------------------


def _call_wait_mean(
    year: DemoYear, offered: IntArray, months: IntArray, wait_means: Sequence[float] | None
) -> FloatArray:
    """Each call's mean queue wait in seconds: the month's mean (slow until March, then
    staffed up, unless ``wait_means`` gives them), by the hour's load, and more on Mondays."""
    hours = (offered % DAY) // HOUR
    monday = year.weekday()[offered // DAY] == 0
    if wait_means is not None and len(wait_means) != 12:
        raise ValueError(f"wait_means needs 12 monthly values, got {len(wait_means)}")
    wait_mean = _monthly(
        tuple(wait_means)
        if wait_means is not None
        else (16.5, 17.5, 15.0, 11.5, 10.5, 10.0, 10.5, 11.0, 11.5, 10.0, 10.0, 10.5),
        months,
    )
    weighted: FloatArray = wait_mean * _CALL_LOAD[hours] * np.where(monday, 1.15, 1.0)
    return weighted


def calls(
    rng: np.random.Generator,
    year: DemoYear,
    *,
    scale: float = 1.0,
    wait_means: Sequence[float] | None = None,
) -> Table:
    """CallNet's calls: ~400 per working day, answer times improving from April.

    ``wait_means`` replaces the mean queue wait per month (12 values, seconds), e.g. for the
    in-house history a baseline study measures (services/baseline.py).
    """
    counts = _daily_counts(
        rng,
        year,
        400,
        weekday=(1.3, 1.05, 1.0, 0.97, 0.93, 0.35, 0.12),
        holiday=0.2,
        month=(1.0, 1.15, 0.95, 0.95, 1.0, 0.95, 1.0, 1.0, 1.1, 0.95, 1.1, 1.2),
        scale=scale,
    )
    offered = _arrivals(rng, year, counts, _CALL_HOURS_WORK, _CALL_HOURS_OFF)
    n = len(offered)
    months = year.month_of_seconds(offered)
    wait_mean = _call_wait_mean(year, offered, months, wait_means)
    wait = np.rint(rng.exponential(wait_mean)).astype(np.int64)
    patience = rng.exponential(240.0, n)
    wrong_number = rng.random(n) < 0.01  # hang up within seconds: a short abandon
    patience = np.where(wrong_number, rng.uniform(0, 4.5, n), patience)
    abandoned = patience < wait
    answered = ~abandoned
    abandon_at = offered + np.floor(patience).astype(np.int64)
    answer_at = offered + wait

    talk = np.rint(rng.lognormal(np.log(250), 0.5, n)).astype(np.int64)
    hold = np.where(rng.random(n) < 0.4, np.rint(rng.exponential(45, n)), 0).astype(np.int64)
    wrap = (30 + np.rint(rng.exponential(25, n))).astype(np.int64)
    fcr = rng.random(n) < _monthly(
        (0.77, 0.76, 0.77, 0.78, 0.78, 0.79, 0.78, 0.78, 0.76, 0.79, 0.79, 0.78), months
    )
    fcr_known = answered & (rng.random(n) > 0.03)
    # CSAT: a quarter of answered callers take the survey; July dips (a new returns policy).
    surveyed = answered & (rng.random(n) < 0.25)
    top2 = _monthly(
        (0.875, 0.875, 0.875, 0.88, 0.885, 0.885, 0.82, 0.875, 0.88, 0.885, 0.885, 0.885), months
    )
    u = rng.random(n)
    csat = np.where(
        u < top2 * 0.62,
        5,
        np.where(u < top2, 4, np.where(u < top2 + 0.08, 3, np.where(u < top2 + 0.11, 2, 1))),
    )
    scored = answered & (rng.random(n) < 0.04)
    qa = np.clip(rng.normal(86.5, 5.5, n), 0, 100).round(1)

    people = People(rng)
    names, _ = people.names(n)
    identified = rng.random(n) < 0.6
    agent = rng.integers(1, 86, n)
    return {
        "id": _ids(f"CALL-{year.year}-", n),
        "offered_at": format_timestamps(year, offered),
        "answered_at": format_timestamps(year, answer_at, answered),
        "abandoned_at": format_timestamps(year, abandon_at, abandoned),
        "talk_seconds": _ints(talk, answered),
        "hold_seconds": _ints(hold, answered),
        "wrap_seconds": _ints(wrap, answered),
        "resolved_first_contact": _bools(fcr, fcr_known),
        "qa_score": _blank_unless([f"{q:.1f}" for q in qa.tolist()], scored),
        "csat": _ints(csat.astype(np.int64), surveyed),
        "queue": _choice(rng, ("orders", "returns", "membership", "general"), (45, 25, 20, 10), n),
        "channel": _choice(rng, ("phone", "callback"), (85, 15), n),
        "agent": [f"CN-A{a:03d}" for a in agent.tolist()],
        "caller_phone": people.phones(n),
        "caller_name": _blank_unless(names, identified),
    }


# --- tickets --------------------------------------------------------------------

_IT_CATEGORIES = ("erp", "pos", "network", "access", "hardware", "software", "howto")
_IT_SUMMARIES = {
    "erp": "ERP posting error in the FI module",
    "pos": "POS terminal frozen at the Gangnam store",
    "network": "Store VPN disconnects every few minutes",
    "access": "Access request for an SAP role",
    "hardware": "Laptop battery swelling, needs replacement",
    "software": "Install the Office add-in for the merchandising team",
    "howto": "How to reset multi-factor authentication",
}
_IT_INTERNAL_TEAM = {
    "erp": "hanbit-erp",
    "pos": "hanbit-store-it",
    "network": "hanbit-network",
    "access": "hanbit-security",
    "hardware": "hanbit-store-it",
    "software": "hanbit-erp",
    "howto": "hanbit-erp",
}


@dataclass(frozen=True)
class _TicketTimes:
    created: IntArray
    response: IntArray
    resolved: IntArray
    pause_start: IntArray
    pause_end: IntArray
    paused: BoolArray


def _ticket_times(
    rng: np.random.Generator,
    created: IntArray,
    *,
    response_minutes: IntArray,
    response_business: BoolArray,
    resolve_minutes: IntArray,
    resolve_business: BoolArray,
    pause_share: float,
    clock: BusinessClock,
) -> _TicketTimes:
    """Wall-clock times from business (or wall) durations, with waiting-on-customer pauses.

    A pause stops the clock, so a paused ticket finishes later by the pause's
    working minutes: the measured time (business time minus pauses) stays the
    drawn duration.
    """
    n = len(created)
    response = np.where(
        response_business,
        clock.add(created, response_minutes),
        created + response_minutes * MINUTE,
    )
    resolved = np.where(
        resolve_business,
        clock.add(created, resolve_minutes),
        created + resolve_minutes * MINUTE,
    )
    resolved = np.maximum(resolved, response + MINUTE)
    paused = resolve_business & (rng.random(n) < pause_share)
    pause_start = response + rng.integers(10, 120, n) * MINUTE
    pause_length = np.rint(rng.lognormal(np.log(18 * 60), 0.8, n)).astype(np.int64) * MINUTE
    pause_end = pause_start + pause_length
    worked_before = clock.between(created, pause_start)
    remaining = resolve_minutes - worked_before
    paused &= remaining > 0
    resolved = np.where(paused, clock.add(pause_end, np.maximum(remaining, 0)), resolved)
    return _TicketTimes(created, response, resolved, pause_start, pause_end, paused)


def _assignments(
    rng: np.random.Generator,
    vendor: str,
    internal: list[str],
    start: IntArray,
    end: IntArray,
    open_: BoolArray,
    year: DemoYear,
    *,
    handoff_share: float,
    pingpong_share: float,
) -> list[str]:
    """Assignment histories: mostly the vendor alone; some hand-offs; a few ping-pongs.

    Written as compact JSON by hand: party ids and timestamps need no escaping,
    and formatting all boundaries in one numpy call keeps this fast.
    """
    n = len(start)
    u = rng.random(n)
    segments = np.where(
        u < pingpong_share,
        rng.integers(4, 7, n),
        np.where(u < pingpong_share + handoff_share, 3, 1),
    )
    cuts = np.sort(rng.random((n, 6)), axis=1)
    # Boundaries per ticket: start, k-1 cut points, end (k segments).
    seg = segments.tolist()
    owners = np.repeat(np.arange(n), segments + 1)
    position = np.concatenate([np.arange(k + 1) for k in seg]) if n else np.empty(0, np.int64)
    span = (end - start)[owners]
    inner = np.minimum(position - 1, 5).clip(min=0)
    fraction = np.where(
        position == 0, 0.0, np.where(position == segments[owners], 1.0, cuts[owners, inner])
    )
    bounds = start[owners] + np.floor(fraction * span).astype(np.int64)
    stamps = format_timestamps(year, bounds)
    out: list[str] = []
    cursor = 0
    open_l = open_.tolist()
    for i in range(n):
        k = seg[i]
        parts = []
        for s in range(k):
            party = vendor if s % 2 == 0 else internal[i]
            to = "null" if s == k - 1 and open_l[i] else f'"{stamps[cursor + s + 1]}"'
            parts.append(f'{{"party":"{party}","from":"{stamps[cursor + s]}","to":{to}}}')
        out.append("[" + ",".join(parts) + "]")
        cursor += k + 1
    return out


@dataclass(frozen=True)
class _ItTimes:
    """When NextIT's tickets were created, answered and resolved, and which were urgent
    (P1/P2, on the 24-hour clock) or reopened."""

    created: IntArray
    months: IntArray
    priority: np.ndarray
    urgent: BoolArray
    times: _TicketTimes
    reopened: BoolArray
    resolved: IntArray


def _it_ticket_times(
    rng: np.random.Generator, year: DemoYear, clock: BusinessClock, scale: float
) -> _ItTimes:
    counts = _daily_counts(
        rng, year, 100, weekday=(1.15, 1.05, 1.0, 1.0, 0.95, 0.22, 0.18), holiday=0.2, scale=scale
    )
    created = _arrivals(rng, year, counts, _TICKET_HOURS_WORK, _TICKET_HOURS_OFF)
    n = len(created)
    months = year.month_of_seconds(created)
    priority_index = rng.choice(4, size=n, p=[0.02, 0.10, 0.48, 0.40])
    priority = np.array(["P1", "P2", "P3", "P4"])[priority_index]
    urgent = priority_index <= 1
    # Resolution times drift up from July: the vendor moved senior engineers to a new client.
    drift = _monthly((1.0, 1.0, 1.0, 0.98, 1.0, 1.0, 1.15, 1.3, 1.4, 1.5, 1.55, 1.6), months)
    response_median = np.array([5.0, 20.0, 50.0, 110.0])[priority_index]
    response_minutes = np.maximum(1, np.rint(rng.lognormal(np.log(response_median), 0.7)))
    resolve_median = np.array([75.0, 150.0, 360.0, 840.0])[priority_index] * drift
    resolve_minutes = np.rint(rng.lognormal(np.log(resolve_median), np.where(urgent, 0.5, 0.6)))
    # A few tickets wait on a third party for weeks: the backlog older than 30 days.
    long_share = _monthly((0.0012,) * 6 + (0.003, 0.004, 0.005, 0.005, 0.005, 0.005), months)
    long_running = ~urgent & (rng.random(n) < long_share)
    resolve_minutes = np.where(
        long_running, rng.integers(24 * 9 * 60, 40 * 9 * 60, n), resolve_minutes
    )
    times = _ticket_times(
        rng,
        created,
        response_minutes=response_minutes.astype(np.int64),
        response_business=~urgent,
        resolve_minutes=resolve_minutes.astype(np.int64),
        resolve_business=~urgent,
        pause_share=0.12,
        clock=clock,
    )
    reopened = rng.random(n) < _monthly(
        (0.035,) * 6 + (0.06, 0.07, 0.075, 0.08, 0.08, 0.08), months
    )
    reopen_minutes = rng.integers(60, 600, n)
    resolved = np.where(
        reopened,
        np.where(
            urgent,
            times.resolved + reopen_minutes * MINUTE,
            clock.add(times.resolved, reopen_minutes),
        ),
        times.resolved,
    )
    return _ItTimes(created, months, priority, urgent, times, reopened, resolved)


def it_tickets(
    rng: np.random.Generator, year: DemoYear, clock: BusinessClock, *, scale: float = 1.0
) -> tuple[Table, Table]:
    """NextIT's tickets, degrading from July; and a corrections batch for 120 March tickets."""
    made = _it_ticket_times(rng, year, clock, scale)
    created, months, priority, urgent = made.created, made.months, made.priority, made.urgent
    times, reopened, resolved = made.times, made.reopened, made.resolved
    n = len(created)
    extract = year.seconds_of(year.days[-1]) + DAY - 1  # the data is exported at year end
    is_resolved = resolved <= extract
    is_responded = times.response <= extract
    categories = _choice(rng, _IT_CATEGORIES, (18, 14, 10, 20, 12, 14, 12), n)
    people = People(rng)
    names, roman = people.names(n)
    phones = people.phones(n)
    summaries = [_IT_SUMMARIES[c] for c in categories]
    mention = rng.random(n) < 0.05  # requesters paste their contact details into the text
    summaries = [
        f"{s} — 연락 바랍니다 {nm} {ph}" if m else s
        for s, m, nm, ph in zip(summaries, mention.tolist(), names, phones, strict=True)
    ]
    csat_given = is_resolved & (rng.random(n) < 0.3)
    happy = rng.random(n) < _monthly((0.85,) * 6 + (0.8, 0.75, 0.72, 0.7, 0.7, 0.7), months)
    csat = np.where(happy, rng.integers(4, 6, n), rng.integers(1, 4, n))
    pauses = [
        _json([[a, b]]) if p else ""
        for a, b, p in zip(
            format_timestamps(year, times.pause_start),
            format_timestamps(year, times.pause_end),
            times.paused.tolist(),
            strict=True,
        )
    ]
    history_end = np.where(is_resolved, resolved, extract)
    table: Table = {
        "id": _ids(f"INC-{year.year}-", n, 6),
        "created_at": format_timestamps(year, created),
        "first_response_at": format_timestamps(year, times.response, is_responded),
        "resolved_at": format_timestamps(year, resolved, is_resolved),
        "priority": [str(p) for p in priority.tolist()],
        "category": categories,
        "channel": _choice(rng, ("portal", "email", "phone", "chat"), (50, 25, 20, 5), n),
        "reopened": _bools(reopened, is_resolved),
        "csat": _ints(csat.astype(np.int64), csat_given),
        "pauses": pauses,
        "assignments": _assignments(
            rng,
            "nextit",
            [_IT_INTERNAL_TEAM[c] for c in categories],
            created,
            history_end,
            ~is_resolved,
            year,
            handoff_share=0.22,
            pingpong_share=0.06,
        ),
        "requester_name": names,
        "requester_email": people.emails(roman, "hanbit.co.kr"),
        "requester_phone": _blank_unless(phones, rng.random(n) < 0.6),
        "summary": summaries,
    }
    # The March export stamped 120 P3/P4 tickets with their closure time (three days
    # after resolution); the vendor re-sends them with the true resolution time.
    march = np.flatnonzero((months == 3) & ~urgent & is_resolved & ~times.paused & ~reopened)
    picked = np.sort(rng.choice(march, size=min(120, len(march)), replace=False))
    corrections: Table = {
        name: [column[i] for i in picked.tolist()] for name, column in table.items()
    }
    closure = format_timestamps(year, resolved[picked] + 3 * DAY)
    for row, i in enumerate(picked.tolist()):
        table["resolved_at"][i] = closure[row]
    # The assignment history is from the ITSM tool, which was right all along.
    return table, corrections


_HR_CATEGORIES = ("payroll-query", "leave", "certificate", "benefits", "onboarding", "year-end-tax")
_HR_SUMMARIES = {
    "payroll-query": "Overtime missing from last month's pay",
    "leave": "Annual leave balance looks wrong",
    "certificate": "재직증명서 발급 요청 (employment certificate)",
    "benefits": "Medical expense reimbursement",
    "onboarding": "New joiner not in the HR system",
    "year-end-tax": "연말정산 deduction documents",
}


def hr_tickets(
    rng: np.random.Generator, year: DemoYear, clock: BusinessClock, *, scale: float = 1.0
) -> Table:
    """PeopleCore's HR cases: ~20 per working day, a year-end-tax surge in Jan-Feb."""
    counts = _daily_counts(
        rng,
        year,
        20,
        weekday=(1.2, 1.0, 1.0, 1.0, 0.9, 0.0, 0.0),
        holiday=0.0,
        month=(2.0, 1.8, 1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1),
        scale=scale,
    )
    created = _arrivals(rng, year, counts, _OFFICE_HOURS, _OFFICE_HOURS)
    n = len(created)
    months = year.month_of_seconds(created)
    surge = _monthly((1.6, 1.4, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0), months)
    response = np.rint(rng.lognormal(np.log(150 * surge), 0.8)).astype(np.int64)
    resolve = np.rint(rng.lognormal(np.log(560 * surge), 0.8)).astype(np.int64)
    always = np.ones(n, dtype=np.bool_)
    times = _ticket_times(
        rng,
        created,
        response_minutes=np.maximum(response, 1),
        response_business=always,
        resolve_minutes=np.maximum(resolve, response + 1),
        resolve_business=always,
        pause_share=0.10,
        clock=clock,
    )
    reopened = rng.random(n) < 0.04
    extract = year.seconds_of(year.days[-1]) + DAY - 1
    is_resolved = times.resolved <= extract
    categories = _choice(rng, _HR_CATEGORIES, (25, 20, 20, 15, 10, 10), n)
    people = People(rng)
    names, roman = people.names(n)
    return {
        "id": _ids(f"HRC-{year.year}-", n, 6),
        "created_at": format_timestamps(year, created),
        "first_response_at": format_timestamps(year, times.response, times.response <= extract),
        "resolved_at": format_timestamps(year, times.resolved, is_resolved),
        "priority": _choice(rng, ("P3", "P4"), (30, 70), n),
        "category": categories,
        "channel": _choice(rng, ("portal", "email", "phone"), (60, 25, 15), n),
        "reopened": _bools(reopened, is_resolved),
        "csat": _ints(
            rng.choice([2, 3, 4, 5], size=n, p=[0.05, 0.12, 0.45, 0.38]).astype(np.int64),
            is_resolved & (rng.random(n) < 0.25),
        ),
        "pauses": [
            _json([[a, b]]) if p else ""
            for a, b, p in zip(
                format_timestamps(year, times.pause_start),
                format_timestamps(year, times.pause_end),
                times.paused.tolist(),
                strict=True,
            )
        ],
        "assignments": _assignments(
            rng,
            "peoplecore",
            ["hanbit-hrbp"] * n,
            created,
            np.where(is_resolved, times.resolved, extract),
            ~is_resolved,
            year,
            handoff_share=0.15,
            pingpong_share=0.05,
        ),
        "requester_name": names,
        "requester_email": people.emails(roman, "hanbit.co.kr"),
        "requester_phone": people.phones(n),
        "summary": [_HR_SUMMARIES[c] for c in categories],
    }


# --- availability ---------------------------------------------------------------


def availability(rng: np.random.Generator, year: DemoYear) -> Table:
    """Planned maintenance (monthly, Sunday nights) and unplanned outages of ERP and POS."""
    rows: list[tuple[str, int, int, bool]] = []
    sundays = [d for d in year.days if d.weekday() == 6]
    for month in range(1, 13):
        in_month = [d for d in sundays if d.month == month]
        # ERP: 2nd Sunday 02:00-05:00; POS: 3rd Sunday 01:00-03:00 (the change calendar).
        erp_day = year.seconds_of(in_month[1])
        pos_day = year.seconds_of(in_month[2])
        rows.append(("erp", erp_day + 2 * HOUR, erp_day + 5 * HOUR, True))
        rows.append(("pos", pos_day + 1 * HOUR, pos_day + 3 * HOUR, True))
    month_start = [year.seconds_of(d) for d in year.days if d.day == 1]
    month_days = np.diff([*month_start, len(year.days) * DAY]) // DAY
    for m in range(12):
        degraded = m >= 6
        for service, rate, median in (
            ("erp", 2.0 if degraded else 0.5, 30 if degraded else 12),
            ("pos", 0.6, 12),
        ):
            for _ in range(int(rng.poisson(rate))):
                start = month_start[m] + int(rng.integers(0, int(month_days[m]) * DAY))
                minutes = max(2, round(float(rng.lognormal(np.log(median), 0.7))))
                rows.append((service, start, start + minutes * MINUTE, False))
    # 14 October: the ERP database fails over badly and is down 13:20-17:50.
    october = year.seconds_of(year.days[0].replace(month=10, day=14))
    rows.append(
        ("erp", october + 13 * HOUR + 20 * MINUTE, october + 17 * HOUR + 50 * MINUTE, False)
    )
    rows.sort(key=lambda r: (r[1], r[0]))
    starts = np.array([r[1] for r in rows], dtype=np.int64)
    ends = np.array([r[2] for r in rows], dtype=np.int64)
    return {
        "id": _ids(f"OUT-{year.year}-", len(rows), 4),
        "service": [r[0] for r in rows],
        "start": format_timestamps(year, starts),
        "end": format_timestamps(year, ends),
        "planned": _bools(np.array([r[3] for r in rows], dtype=np.bool_)),
    }


# --- payroll ----------------------------------------------------------------------


def _pay_day(year: DemoYear, month: int, day: int) -> int:
    """The scheduled day, moved back to the previous working day (Korean practice)."""
    index = year.days.index(year.days[0].replace(month=month, day=day))
    while year.days[index].weekday() >= 5 or year.days[index] in year.kr_holidays:
        index -= 1
    return index


def payroll_items(rng: np.random.Generator, year: DemoYear, *, scale: float = 1.0) -> Table:
    """PeopleCore's payroll: ~1,200 employees a month plus Seollal and Chuseok bonus runs.

    Always the whole workforce, whatever ``scale``: a payroll run is one event a month
    per employee, and a smaller run would make its error rates mere noise.
    """
    del scale
    staff = 1300
    starts = np.where(rng.random(staff) < 0.9, 1, rng.integers(2, 13, staff))
    ends = np.where(rng.random(staff) < 0.92, 13, rng.integers(2, 13, staff))
    runs: list[tuple[str, int, int]] = [
        (f"{year.year}-{m:02d}-MONTHLY", m, _pay_day(year, m, 25)) for m in range(1, 13)
    ]
    # Bonus runs are paid on the last working day before the holiday.
    for label, holiday_name_month in (("SEOLLAL", 2), ("CHUSEOK", 9)):
        first_holiday = min(
            d
            for d in year.kr_holidays
            if d.year == year.year and d.month == holiday_name_month and d.day > 10
        )
        runs.append(
            (
                f"{year.year}-{holiday_name_month:02d}-{label}",
                holiday_name_month,
                _pay_day(year, holiday_name_month, first_holiday.day - 1),
            )
        )
    runs.sort(key=lambda r: r[2])
    ids: list[str] = []
    run_col: list[str] = []
    employees: list[int] = []
    pay_days: list[int] = []
    run_months: list[int] = []
    bonus: list[bool] = []
    for label, month, day_index in runs:
        active = np.flatnonzero((starts <= month) & (ends > month))
        for e in active.tolist():
            ids.append(f"PAY-{label}-E{10001 + e}")
            run_col.append(label)
            employees.append(10001 + e)
            pay_days.append(day_index)
            run_months.append(month)
            bonus.append(not label.endswith("MONTHLY"))
    n = len(ids)
    months = np.asarray(run_months, dtype=np.int64)
    pay_day = np.asarray(pay_days, dtype=np.int64)
    is_bonus = np.asarray(bonus, dtype=np.bool_)
    # May: the bank rejects part of the payment file; September's bonus run has errors.
    late_share = _monthly((0.0002,) * 4 + (0.015,) + (0.0002,) * 7, months)
    late = rng.random(n) < late_share
    error_share = np.where(is_bonus & (months == 9), 0.03, 0.002)
    error = rng.random(n) < error_share
    paid_day = pay_day + np.where(late, 1, 0)
    paid = paid_day * DAY + 9 * HOUR + rng.integers(0, 2 * HOUR, n)
    corrected = paid + rng.integers(1, 6, n) * DAY + 5 * HOUR
    people = People(rng)
    return {
        "id": ids,
        "run": run_col,
        "employee": [f"E{e}" for e in employees],
        "scheduled_pay_date": format_dates(year, pay_day * DAY),
        "paid_at": format_timestamps(year, paid),
        "error": _bools(error),
        "corrected_at": format_timestamps(year, corrected, error),
        "account_number": people.account_numbers(n),
        "resident_number": people.resident_numbers(n),
    }


# --- accounts payable --------------------------------------------------------------

_SUPPLIERS = tuple(
    f"(주){name}"
    for name in (
        "대성포장", "한결물산", "미래식품", "동방유통", "청솔제지", "세진전자",
        "우리목재", "태평양상사", "서해수산", "가람인쇄", "누리텍", "별빛조명",
        "온누리물류", "하나케미칼", "새봄의류", "푸른농산",
    )
)  # fmt: skip


def invoices_processed(
    rng: np.random.Generator, year: DemoYear, clock: BusinessClock, *, scale: float = 1.0
) -> Table:
    """PeopleCore's AP: ~150 invoices per working day; duplicates in November."""
    counts = _daily_counts(
        rng, year, 150, weekday=(1.2, 1.0, 1.0, 1.0, 0.95, 0.05, 0.03), holiday=0.05, scale=scale
    )
    received = _arrivals(rng, year, counts, _OFFICE_HOURS, _TICKET_HOURS_OFF)
    n = len(received)
    months = year.month_of_seconds(received)
    cycle_days = 0.4 + rng.exponential(
        _monthly((2.1, 2.6, 2.0, 2.0, 2.1, 2.0, 2.0, 2.1, 2.4, 2.0, 2.0, 2.6), months)
    )
    posted = clock.add(received, np.rint(cycle_days * 9 * 60).astype(np.int64))
    terms = rng.choice(np.array([10, 30, 45]), size=n, p=[0.15, 0.6, 0.25])
    due_day = received // DAY + terms
    late = rng.random(n) < _monthly(
        (0.012, 0.012, 0.012, 0.015, 0.012, 0.012, 0.012, 0.012, 0.02, 0.012, 0.012, 0.015), months
    )
    payment_day = np.where(late, due_day + rng.integers(1, 11, n), due_day - rng.integers(1, 5, n))
    paid = np.maximum(payment_day * DAY + 15 * HOUR, posted + DAY)
    extract = len(year.days) * DAY - 1
    match = rng.random(n) < _monthly(
        (0.86, 0.86, 0.87, 0.82, 0.86, 0.87, 0.87, 0.86, 0.86, 0.87, 0.86, 0.86), months
    )
    duplicate = rng.random(n) < np.where(months == 11, 0.0045, 0.0003)
    amounts = np.rint(rng.lognormal(np.log(1_800_000), 1.0, n) / 10) * 10
    return {
        "id": _ids(f"APV-{year.year}-", n, 6),
        "received_at": format_timestamps(year, received),
        "posted_at": format_timestamps(year, posted, posted <= extract),
        "paid_at": format_timestamps(year, paid, paid <= extract),
        "due_date": format_dates(year, due_day * DAY),
        "first_pass_match": _bools(match),
        "duplicate": _bools(duplicate),
        "supplier": _choice(rng, _SUPPLIERS, [1.0] * len(_SUPPLIERS), n),
        "amount": [str(int(a)) for a in amounts.tolist()],
    }


# --- logistics -------------------------------------------------------------------


def orders(rng: np.random.Generator, year: DemoYear, *, scale: float = 1.0) -> Table:
    """HanLogis's orders by promised date; most of August's export is lost."""
    counts = _daily_counts(
        rng,
        year,
        280,
        weekday=(1.15, 1.05, 1.0, 1.0, 1.0, 0.8, 0.0),
        holiday=0.2,
        month=(1.0, 1.1, 0.9, 0.95, 1.0, 0.95, 0.95, 1.0, 1.2, 1.0, 1.15, 1.25),
        scale=scale,
    )
    day_index = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    months = year.month()[day_index]
    # The WMS export failed from 3 August: only a sample of the month's orders arrived.
    lost = (months == 8) & (day_index >= year.days.index(year.days[0].replace(month=8, day=3)))
    keep = ~lost | (rng.random(len(day_index)) < 0.08)
    day_index, months = day_index[keep], months[keep]
    n = len(day_index)
    late_share = _monthly(
        (0.03, 0.035, 0.025, 0.025, 0.03, 0.03, 0.03, 0.03, 0.075, 0.03, 0.04, 0.055), months
    )
    late = rng.random(n) < late_share
    not_delivered = rng.random(n) < 0.003
    delivered = (
        day_index * DAY
        + rng.integers(10 * HOUR, 21 * HOUR, n)
        + np.where(late, rng.integers(1, 3, n) * DAY, 0)
    )
    qty = 1 + np.minimum(rng.geometric(0.45, n) - 1, 19)
    partial = (rng.random(n) < 0.015) & (qty > 1)
    qty_delivered = np.where(partial, qty - rng.integers(1, 3, n).clip(max=qty - 1), qty)
    qty_delivered = np.where(not_delivered, 0, qty_delivered)
    extract = len(year.days) * DAY - 1
    has_delivery = ~not_delivered & (delivered <= extract)
    people = People(rng)
    names, _ = people.names(n)
    return {
        "id": _ids(f"ORD-{year.year}-", n),
        "promised_at": format_dates(year, day_index * DAY),
        "delivered_at": format_timestamps(year, delivered, has_delivery),
        "qty_ordered": _ints(qty),
        "qty_delivered": _ints(
            np.where(has_delivery | not_delivered, qty_delivered, 0), has_delivery | not_delivered
        ),
        "warehouse": _choice(rng, ("ICN-1", "GMP-1"), (75, 25), n),
        "customer_name": names,
        "customer_address": people.addresses(n),
    }


def inventory_counts(rng: np.random.Generator, year: DemoYear, *, scale: float = 1.0) -> Table:
    """HanLogis's cycle counts; the Gimpo site (still on paper) is less accurate."""
    counts = _daily_counts(
        rng, year, 60, weekday=(1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.0), holiday=0.0, scale=scale
    )
    counted = _arrivals(rng, year, counts, _OFFICE_HOURS, _OFFICE_HOURS)
    n = len(counted)
    site = np.where(rng.random(n) < 0.75, "ICN", "GMP")
    system = np.clip(np.rint(rng.lognormal(np.log(60), 0.9, n)), 0, 2000).astype(np.int64)
    u = rng.random(n)
    big_error_share = np.where(site == "GMP", 0.05, 0.012)
    small = u < 0.05
    big = (u >= 0.05) & (u < 0.05 + big_error_share)
    sign = np.where(rng.random(n) < 0.5, -1, 1)
    delta = np.where(small, rng.integers(1, 3, n), np.where(big, rng.integers(3, 21, n), 0)) * sign
    counted_qty = np.maximum(system + delta, 0)
    aisle = rng.integers(1, 30, n)
    bay = rng.integers(1, 12, n)
    return {
        "id": _ids(f"CNT-{year.year}-", n, 6),
        "sku": [f"SKU-{s:06d}" for s in rng.integers(1, 5000, n).tolist()],
        "location": [
            f"{s}-A{a:02d}-{b:02d}"
            for s, a, b in zip(site.tolist(), aisle.tolist(), bay.tolist(), strict=True)
        ],
        "counted_at": format_timestamps(year, counted),
        "system_qty": _ints(system),
        "counted_qty": _ints(counted_qty),
    }


# --- marketing -------------------------------------------------------------------

_CAMPAIGN_THEMES = (
    "설 선물세트 기획전", "봄 신상품", "가정의 달 특가", "여름 바캉스", "추석 선물세트",
    "가을 정기세일", "블랙프라이데이", "연말 감사제", "멤버십 데이", "앱 전용 쿠폰",
)  # fmt: skip
_CHANNELS = {  # (share, sent median, delivery rate, conversion rate)
    "email": (0.45, 180_000, 0.978, 0.016),
    "sms": (0.30, 40_000, 0.992, 0.030),
    "push": (0.25, 300_000, 0.966, 0.022),
}


def campaigns(rng: np.random.Generator, year: DemoYear, *, scale: float = 1.0) -> Table:
    """BrightWave's campaigns: ~25 a month, launch delays, delivery and conversion."""
    del scale  # a few hundred rows: always the full set, so the monthly samples stay meaningful
    working = [i for i, d in enumerate(year.days) if d.weekday() < 5 and d not in year.kr_holidays]
    per_month = rng.poisson(25, 12)
    chosen: list[int] = []
    for m in range(12):
        days = [i for i in working if year.days[i].month == m + 1]
        chosen.extend(sorted(rng.choice(days, size=int(per_month[m]), replace=True).tolist()))
    day_index = np.asarray(chosen, dtype=np.int64)
    n = len(day_index)
    planned = day_index * DAY + rng.choice(
        np.array([10 * HOUR, 11 * HOUR + 30 * MINUTE, 18 * HOUR]), size=n
    )
    months = year.month()[day_index]
    u = rng.random(n)
    very_late = _monthly(
        (0.05, 0.12, 0.05, 0.04, 0.05, 0.05, 0.05, 0.05, 0.15, 0.05, 0.06, 0.1), months
    )
    delay_minutes = np.where(
        u < 0.7,
        rng.integers(-20, 1, n),
        np.where(u < 1 - very_late, rng.integers(1, 240, n), rng.integers(241, 1440, n)),
    )
    launched = planned + delay_minutes * MINUTE
    channel_names = list(_CHANNELS)
    channel = rng.choice(len(channel_names), size=n, p=[_CHANNELS[c][0] for c in channel_names])
    sent_median = np.array([_CHANNELS[c][1] for c in channel_names], dtype=np.float64)[channel]
    delivery = np.array([_CHANNELS[c][2] for c in channel_names])[channel]
    conversion = np.array([_CHANNELS[c][3] for c in channel_names])[channel]
    sent = np.rint(rng.lognormal(np.log(sent_median), 0.5)).astype(np.int64)
    delivered = rng.binomial(sent, np.clip(delivery + rng.normal(0, 0.006, n), 0, 1))
    converted = rng.binomial(delivered, np.clip(conversion * rng.lognormal(0, 0.25, n), 0, 1))
    themes = [_CAMPAIGN_THEMES[i] for i in rng.integers(0, len(_CAMPAIGN_THEMES), n).tolist()]
    return {
        "id": _ids(f"CMP-{year.year}-", n, 4),
        "name": [
            f"{t} ({channel_names[c]})" for t, c in zip(themes, channel.tolist(), strict=True)
        ],
        "planned_launch": format_timestamps(year, planned),
        "launched_at": format_timestamps(year, launched),
        "sent": _ints(sent),
        "delivered": _ints(delivered.astype(np.int64)),
        "bounced": _ints((sent - delivered).astype(np.int64)),
        "converted": _ints(converted.astype(np.int64)),
    }


# --- the present ---------------------------------------------------------------------

# The column that says when an event happened: events after the cut-off do not exist yet.
_HAPPENED = {
    "calls": "offered_at",
    "tickets": "created_at",
    "availability": "end",
    "payroll_items": "scheduled_pay_date",
    "invoices_processed": "received_at",
    "orders": "promised_at",
    "inventory_counts": "counted_at",
    "campaigns": "planned_launch",
}
# Columns that only make sense together with a later timestamp that is cut away.
_BLANK_WITH: dict[str, dict[str, tuple[str, ...]]] = {
    "tickets": {"resolved_at": ("reopened", "csat")},
    "orders": {"delivered_at": ("qty_delivered",)},
}


def _cut_json(kind: ColumnType, text: str, until: str) -> str:
    """Pauses and assignment histories as they stood at the cut-off."""
    if not text:
        return text
    items = json.loads(text)
    if kind is ColumnType.INTERVALS:
        kept = [[a, min(b, until)] for a, b in items if a <= until]
        return _json(kept) if kept else ""
    history = [h for h in items if h["from"] <= until]
    if history and history[-1]["to"] is not None and history[-1]["to"] > until:
        history[-1]["to"] = None
    return _json(history)


def cut_at(table: Table, source: str, until: str, event_type: EventType | None = None) -> Table:
    """The feed as it could be exported at ``until`` (a local ISO timestamp with offset).

    Events that had not happened are left out; later timestamps of the others
    (a resolution still to come, a payment not yet made) are left empty. Calls
    whose outcome is still open are left out whole. All timestamps share the
    +09:00 offset, so comparing their text compares the instants.
    """
    event_type = event_type or BUILT_IN[source]
    # a type the contract declares happens at its declared anchor
    happened_column = _HAPPENED.get(source) or str(getattr(event_type, "anchor", ""))
    happened = table[happened_column]
    until_day = until[:10]
    limit = until_day if event_type.column(happened_column).type is ColumnType.DATE else until
    stamps = [c.name for c in event_type.columns if c.type is ColumnType.TIMESTAMP]
    keep = [v <= limit for v in happened]
    if source == "calls":
        keep = [k and all(table[c][i] <= until for c in stamps) for i, k in enumerate(keep)]
    out: Table = {
        name: [v for v, k in zip(column, keep, strict=True) if k] for name, column in table.items()
    }
    for name in stamps:
        column = out[name]
        for i, value in enumerate(column):
            if value > until:
                column[i] = ""
                for other in _BLANK_WITH.get(source, {}).get(name, ()):
                    out[other][i] = ""
    for column_def in event_type.columns:
        if column_def.type in (ColumnType.INTERVALS, ColumnType.ASSIGNMENTS):
            out[column_def.name] = [
                _cut_json(column_def.type, v, until) for v in out[column_def.name]
            ]
    return out


# --- writers -----------------------------------------------------------------------


def _rows(table: Table) -> int:
    return len(next(iter(table.values()))) if table else 0


def write_csv(table: Table, path: Path) -> None:
    """UTF-8 CSV with a header, ``\\n`` line ends and minimal quoting (byte-stable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(table.keys())
        writer.writerows(zip(*table.values(), strict=True))


def write_jsonl(table: Table, path: Path, source: str) -> None:
    """One JSON object per line with typed values; missing values are left out."""
    event_type = BUILT_IN[source]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for values in zip(*table.values(), strict=True):
            record: dict[str, object] = {}
            for name, text in zip(table.keys(), values, strict=True):
                if text == "":
                    continue
                kind = event_type.column(name).type
                if kind is ColumnType.INTEGER:
                    record[name] = int(text)
                elif kind is ColumnType.BOOLEAN:
                    record[name] = text == "true"
                else:
                    record[name] = text
            handle.write(_json(record) + "\n")


def write_parquet(table: Table, path: Path, source: str) -> None:
    """Parquet in the event type's typed Arrow schema (timestamps in UTC)."""
    schema = arrow_schema(BUILT_IN[source])
    arrays = []
    for column in schema:
        text = pa.array([v if v != "" else None for v in table[column.name]], type=pa.string())
        if pa.types.is_timestamp(column.type):
            parsed = pc.strptime(text, format="%Y-%m-%dT%H:%M:%S%z", unit="us")
            arrays.append(parsed.cast(column.type))
        else:
            arrays.append(text.cast(column.type))
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path, compression="zstd")


# --- the whole portfolio --------------------------------------------------------------

_Feed = Callable[[np.random.Generator], Table]


def generate_demo_files(
    out_dir: Path,
    *,
    year: int = DEFAULT_YEAR,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    until: datetime | None = None,
) -> list[DemoFile]:
    """Write every demo feed under ``out_dir/<contract id>/`` and list them in load order.

    Correction files come after the files they correct. With ``until`` (an aware
    datetime inside the year) the feeds stop there, as an export made at that
    moment would: nothing in them lies in the future. The data before ``until``
    is the same whatever ``until`` is.
    """
    if until is not None and until.tzinfo is None:
        raise ValueError("until must carry a time zone")
    until_text = None
    if until is not None and until < datetime(year + 1, 1, 1, tzinfo=SEOUL):
        until_text = until.astimezone(SEOUL).replace(microsecond=0).isoformat()
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    demo_year = DemoYear(year)
    it_clock = BusinessClock(demo_year, office_hours(9, 18))
    hr_clock = BusinessClock(demo_year, office_hours(9, 18, lunch=True))

    def rng(feed: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([seed, feed]))

    feeds = _Feeds(out_dir, until_text)
    _emit_built_in(feeds, rng, demo_year, (it_clock, hr_clock), scale)
    # Processes measured only by the event types and KPIs their contracts declare.
    for feed in DECLARED_FEEDS:
        feeds.emit(
            feed.contract_id,
            feed.source,
            feed.generate(rng(feed.stream), demo_year, it_clock, scale=scale),
            f"{feed.source}.csv",
            description=feed.description,
            event_type=declared_event_type(feed),
        )
    return feeds.files


@dataclass
class _Feeds:
    """Writes each feed of the demo as the file a vendor would send, cut at ``until_text``
    when the feeds stop early, and lists the files in load order."""

    out_dir: Path
    until_text: str | None
    files: list[DemoFile] = field(default_factory=list)

    def emit(
        self,
        contract_id: str,
        source: str,
        table: Table,
        name: str,
        *,
        correction: bool = False,
        description: str = "",
        event_type: EventType | None = None,
    ) -> None:
        if self.until_text is not None:
            table = cut_at(table, source, self.until_text, event_type)
        if _rows(table) == 0:
            return  # nothing had happened yet: no file, as no export would be sent
        path = self.out_dir / contract_id / name
        if name.endswith(".parquet"):
            write_parquet(table, path, source)
        elif name.endswith(".jsonl"):
            write_jsonl(table, path, source)
        else:
            write_csv(table, path)
        files = self.files
        files.append(DemoFile(contract_id, source, path, _rows(table), correction, description))


def _emit_built_in(
    feeds: _Feeds,
    rng: Callable[[int], np.random.Generator],
    demo_year: DemoYear,
    clocks: tuple[BusinessClock, BusinessClock],
    scale: float,
) -> None:
    """The feeds of the built-in event types, each from its own random stream."""
    it_clock, hr_clock = clocks
    feeds.emit(
        CC, "calls", calls(rng(1), demo_year, scale=scale), "calls.csv", description="calls offered"
    )
    tickets, corrections = it_tickets(rng(2), demo_year, it_clock, scale=scale)
    feeds.emit(IT, "tickets", tickets, "tickets.csv", description="incidents and requests")
    feeds.emit(
        IT,
        "tickets",
        corrections,
        "tickets-corrections-2026-03.csv",
        correction=True,
        description="March resolution times corrected",
    )
    feeds.emit(
        IT,
        "availability",
        availability(rng(3), demo_year),
        "availability.csv",
        description="outages and maintenance",
    )
    feeds.emit(
        HR,
        "payroll_items",
        payroll_items(rng(4), demo_year, scale=scale),
        "payroll_items.csv",
        description="payroll items",
    )
    feeds.emit(
        HR,
        "tickets",
        hr_tickets(rng(5), demo_year, hr_clock, scale=scale),
        "tickets.csv",
        description="HR cases",
    )
    feeds.emit(
        AP,
        "invoices_processed",
        invoices_processed(rng(6), demo_year, it_clock, scale=scale),
        "invoices_processed.csv",
        description="supplier invoices",
    )
    feeds.emit(
        LG,
        "orders",
        orders(rng(7), demo_year, scale=scale),
        "orders.csv",
        description="orders by promised date",
    )
    feeds.emit(
        LG,
        "inventory_counts",
        inventory_counts(rng(8), demo_year, scale=scale),
        "inventory_counts.parquet",
        description="cycle counts",
    )
    feeds.emit(
        MK,
        "campaigns",
        campaigns(rng(9), demo_year, scale=scale),
        "campaigns.jsonl",
        description="campaigns",
    )


def generate_portfolio_data(
    out_dir: Path,
    *,
    year: int = DEFAULT_YEAR,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    until: datetime | None = None,
) -> dict[tuple[str, str], Path]:
    """The main data file of each (contract id, source); corrections are written beside them."""
    return {
        (f.contract_id, f.source): f.path
        for f in generate_demo_files(out_dir, year=year, seed=seed, scale=scale, until=until)
        if not f.correction
    }
