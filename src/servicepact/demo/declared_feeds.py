"""The demo's feeds of event types its contracts declare themselves (docs/custom-kpis.md).

Procurement (``purchase_orders``, examples/procurement.yaml) and the middle office's
quality control and compliance reviews (``compliance_reviews``,
examples/middle-office.yaml): a year of seeded, plausible events with the column
names those contracts declare, and a few bad months so that results and credits
have something to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from servicepact.demo.people import People
from servicepact.demo.timebase import (
    DAY,
    HOUR,
    MINUTE,
    BusinessClock,
    DemoYear,
    format_timestamps,
)
from servicepact.domain.event_types import EventType

Table = dict[str, list[str]]

# Requisitions and reviews arrive during office hours, with a trickle outside them.
_OFFICE_HOURS = [0] * 9 + [1.0, 1.4, 1.2, 0.5, 1.0, 1.2, 1.1, 1.0, 0.7] + [0] * 6
_OFF_HOURS = [0.1] * 9 + [0.3] * 12 + [0.1] * 3
_CATEGORIES = ("indirect", "it", "facilities", "marketing", "logistics")


def _daily(rng: np.random.Generator, year: DemoYear, base: float, scale: float) -> np.ndarray:
    weekday = np.asarray((1.1, 1.0, 1.0, 1.0, 0.9, 0.02, 0.01))[year.weekday()]
    lam = np.where(year.holiday(), 0.03, 1.0) * weekday * base * scale
    return np.asarray(rng.poisson(lam), dtype=np.int64)


def _arrivals(rng: np.random.Generator, year: DemoYear, counts: np.ndarray) -> np.ndarray:
    day_index = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    n = len(day_index)
    work = np.asarray(_OFFICE_HOURS, dtype=np.float64)
    off = np.asarray(_OFF_HOURS, dtype=np.float64)
    hours_work = rng.choice(24, size=n, p=work / work.sum())
    hours_off = rng.choice(24, size=n, p=off / off.sum())
    closed = (year.weekday() >= 5) | year.holiday()
    hours = np.where(closed[day_index], hours_off, hours_work)
    return np.sort(day_index * DAY + hours * HOUR + rng.integers(0, HOUR, n))


def _per_month(values: tuple[float, ...], months: np.ndarray) -> np.ndarray:
    table = np.append(np.asarray(values, dtype=np.float64), values[-1])
    return np.asarray(table[np.clip(months, 1, 13) - 1], dtype=np.float64)


def _text(values: np.ndarray, present: np.ndarray | None = None) -> list[str]:
    text = [str(v).lower() if isinstance(v, bool | np.bool_) else str(v) for v in values.tolist()]
    if present is None:
        return text
    return [t if p else "" for t, p in zip(text, present.tolist(), strict=True)]


@dataclass(frozen=True)
class _PausedFinish:
    """Per item: when it finished, whether a hold paused it, and the hold's start and end."""

    finish: np.ndarray
    paused: np.ndarray
    hold_start: np.ndarray
    hold_end: np.ndarray


def _paused_finish(
    rng: np.random.Generator,
    clock: BusinessClock,
    start: np.ndarray,
    minutes: np.ndarray,
    share: float,
) -> _PausedFinish:
    """Finish times of ``minutes`` of working time, some with a hold that stops the clock
    (the finish moves by the hold's working minutes, so the measured time stays drawn)."""
    n = len(start)
    finish = clock.add(start, minutes)
    paused = rng.random(n) < share
    hold_start = start + rng.integers(20, 150, n) * MINUTE
    hold_end = hold_start + np.rint(rng.lognormal(np.log(5 * 60), 0.7, n)).astype(np.int64) * MINUTE
    remaining = minutes - clock.between(start, hold_start)
    paused &= remaining > 0
    finish = np.where(paused, clock.add(hold_end, np.maximum(remaining, 0)), finish)
    return _PausedFinish(finish, paused, hold_start, hold_end)


def _holds(year: DemoYear, paused: np.ndarray, start: np.ndarray, end: np.ndarray) -> list[str]:
    starts, ends = format_timestamps(year, start), format_timestamps(year, end)
    return [
        f'[["{a}","{b}"]]' if p else ""
        for a, b, p in zip(starts, ends, paused.tolist(), strict=True)
    ]


def purchase_orders(
    rng: np.random.Generator, year: DemoYear, clock: BusinessClock, *, scale: float = 1.0
) -> Table:
    """PeopleCore's procurement desk: ~60 requisitions a working day; a slow September
    (a buyer short) and maverick buying in July (catalogue compliance dips)."""
    requested = _arrivals(rng, year, _daily(rng, year, 60, scale))
    n = len(requested)
    months = year.month_of_seconds(requested)
    urgent = rng.random(n) < 0.15
    slow = _per_month((1.0,) * 8 + (1.9, 1.1, 1.0, 1.0), months)
    median = np.where(urgent, 3.2 * 60, 9.0 * 60) * slow
    minutes = np.rint(rng.lognormal(np.log(median), 0.55)).astype(np.int64)
    approval = _paused_finish(rng, clock, requested, minutes, 0.08)
    issued = approval.finish
    extract = len(year.days) * DAY - 1
    category = rng.choice(len(_CATEGORIES), n, p=[0.4, 0.2, 0.15, 0.15, 0.1])
    on_catalogue = rng.random(n) < np.where(
        np.isin(category, (0, 1)), _per_month((0.88,) * 6 + (0.74,) + (0.88,) * 5, months), 0.5
    )
    amount = np.rint(rng.lognormal(np.log(2_400_000), 1.1, n) / 100) * 100
    saved = rng.random(n) < 0.35
    savings = np.rint(amount * rng.uniform(0.02, 0.12, n) / 10) * 10
    lines = rng.integers(1, 41, n)
    error_rate = _per_month((0.006,) * 10 + (0.018, 0.007), months)
    lines_in_error = rng.binomial(lines, error_rate)
    names, _ = People(rng).names(n)
    return {
        "id": [f"PR-{year.year}-{i:06d}" for i in range(1, n + 1)],
        "requested_at": format_timestamps(year, requested),
        "issued_at": format_timestamps(year, issued, issued <= extract),
        "category": [_CATEGORIES[c] for c in category.tolist()],
        "urgency": ["urgent" if u else "normal" for u in urgent.tolist()],
        "on_catalogue": _text(on_catalogue),
        "amount": _text(amount.astype(np.int64)),
        "savings": _text(savings.astype(np.int64), saved),
        "lines": _text(lines),
        "lines_in_error": _text(lines_in_error),
        "holds": _holds(year, approval.paused, approval.hold_start, approval.hold_end),
        "requester_name": names,
    }


_REVIEW_TYPES = ("kyc_review", "risk_review", "aml_alert", "qc_sample")


def compliance_reviews(
    rng: np.random.Generator, year: DemoYear, clock: BusinessClock, *, scale: float = 1.0
) -> Table:
    """Meridian Assurance's middle office: KYC and risk reviews on business-hour targets by
    risk rating, AML alerts cleared on the wall clock, QC samples of processed work. A
    backlog in April and May, and a weak QC quarter in the autumn."""
    opened = _arrivals(rng, year, _daily(rng, year, 45, scale))
    n = len(opened)
    months = year.month_of_seconds(opened)
    kind = rng.choice(len(_REVIEW_TYPES), n, p=[0.3, 0.15, 0.2, 0.35])
    rating = rng.choice(3, n, p=[0.55, 0.33, 0.12])  # low, medium, high
    backlog = _per_month((1.0, 1.0, 1.05, 1.7, 1.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0), months)
    review_median = np.asarray((22.0, 11.0, 3.6))[rating] * 60 * backlog
    minutes = np.rint(rng.lognormal(np.log(review_median), 0.5)).astype(np.int64)
    completed = _paused_finish(rng, clock, opened, minutes, 0.0).finish
    aml = kind == 2
    wall_minutes = np.rint(rng.lognormal(np.log(7 * 60 * backlog), 0.6)).astype(np.int64)
    completed = np.where(aml, opened + wall_minutes * MINUTE, completed)
    qc = kind == 3
    pass_rate = _per_month((0.97,) * 8 + (0.93, 0.92, 0.95, 0.97), months)
    passed = rng.random(n) < pass_rate
    items = np.where(qc, rng.integers(5, 41, n), rng.integers(1, 6, n))
    errors = np.where(qc & ~passed, np.maximum(rng.binomial(items, 0.12), 1), 0)
    escalated = rng.random(n) < np.where(aml, 0.06, 0.01)
    extract = len(year.days) * DAY - 1
    people = People(rng)
    customers, _ = people.names(n)
    return {
        "id": [f"MO-{year.year}-{i:06d}" for i in range(1, n + 1)],
        "opened_at": format_timestamps(year, opened),
        "completed_at": format_timestamps(year, completed, completed <= extract),
        "review_type": [_REVIEW_TYPES[k] for k in kind.tolist()],
        "risk_rating": [("low", "medium", "high")[r] for r in rating.tolist()],
        "passed": _text(passed, qc),
        "items_checked": _text(items),
        "errors_found": _text(errors),
        "escalated": _text(escalated),
        "customer_name": customers,
    }


@dataclass(frozen=True)
class DeclaredFeed:
    contract_id: str
    source: str
    contract_file: str  # in examples/: the contract that declares the event type
    generate: Callable[..., Table]
    stream: int  # the random stream of the demo seed this feed draws from
    description: str


DECLARED_FEEDS = (
    DeclaredFeed(
        "hanbit-proc-2026",
        "purchase_orders",
        "procurement.yaml",
        purchase_orders,
        10,
        "requisitions and purchase orders",
    ),
    DeclaredFeed(
        "hanbit-mo-2026",
        "compliance_reviews",
        "middle-office.yaml",
        compliance_reviews,
        11,
        "KYC, risk, AML and QC reviews",
    ),
)


def declared_event_type(feed: DeclaredFeed) -> EventType:
    """The event type the feed's contract declares (read from its example file)."""
    from servicepact.contractfile import load_contract_file
    from servicepact.examples import examples_dir

    contract = load_contract_file(examples_dir() / feed.contract_file).contract
    return contract.declared_event_types[feed.source]
