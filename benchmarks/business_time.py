"""Business-time kernel against businesstimedelta and pandas CustomBusinessHour.

    .venv/bin/python benchmarks/business_time.py            # 10,000 compared; 1 M and 10 M alone
    .venv/bin/python benchmarks/business_time.py --quick    # 2,000 compared; 100,000 alone

The same seeded tickets (created during 2026 in Seoul, open from minutes to weeks)
are measured in one calendar, Monday to Friday 09:00-12:00 and 13:00-18:00 in
Asia/Seoul with Korean public holidays, by three tools:

* the kernel (``servicepact.engine.business_time``), on whole arrays;
* businesstimedelta, one ticket at a time (WorkDayRule + LunchTimeRule + HolidayRule);
* pandas ``CustomBusinessHour``, one ticket at a time.

All three must agree to the second, on business seconds from creation to
resolution and on the due time of a 1/2/4/8/24-business-hour target; the script
stops with an error if one disagrees. Then the kernel alone runs on 1 M and 10 M
tickets. Everything runs on one core: the thread variables below are set before
numpy loads.

pandas has no "business time between two instants", so its figure is built from
its own parts: ``rollforward`` moves each end to a business instant, business days
between the two dates are counted with the same offset's calendar, and the
position inside the day is read from the opening times. pandas counts a closing
instant (12:00, 18:00) as a business instant: ``rollforward(18:00)`` stays at
18:00 where the kernel's next working instant is 09:00 the next working day. The
position-in-day reading makes both give the same number (18:00 is 8 business
hours into its day, which is where the next day's 09:00 starts less one day).
For due times pandas differs in one way: when a target runs out exactly at
closing it answers the next opening (Monday 09:00 for 8 business hours from
Thursday evening), where the kernel and businesstimedelta answer the closing
instant (Friday 18:00), the earliest instant with that business time. Both are
the same business instant; the script maps pandas's answer back to the closing
with ``rollback`` before comparing, and counts how often that happened.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as clock_time
from typing import Any

# One core: thread pools read these when numpy (and numba) load, so they are set first.
for _variable in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

from servicepact.domain.calendars import Calendar, HolidayRule  # noqa: E402
from servicepact.engine.business_time import BusinessClock  # noqa: E402

SEOUL_OFFSET = 9 * 3600  # Korea keeps UTC+9 all year (no daylight saving since 1988)
CALENDAR = Calendar(
    timezone="Asia/Seoul",
    hours={"mon-fri": "09:00-12:00,13:00-18:00"},
    holidays=HolidayRule(country="KR"),
)
TARGET_HOURS = np.array([1, 2, 4, 8, 24])
SEED = 20260301


def tickets(count: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Created uniformly over 2026 (Seoul), open for a log-normal time (median 6 h,
    capped at 60 days); each with a target of 1, 2, 4, 8 or 24 business hours."""
    rng = np.random.default_rng(seed)
    year_start = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()) - SEOUL_OFFSET
    year_end = int(datetime(2027, 1, 1, tzinfo=UTC).timestamp()) - SEOUL_OFFSET
    created = rng.integers(year_start, year_end, count, dtype=np.int64)
    open_for = np.minimum(rng.lognormal(np.log(6 * 3600), 1.5, count), 60 * 86_400)
    resolved = created + open_for.astype(np.int64)
    targets = TARGET_HOURS[rng.integers(0, TARGET_HOURS.size, count)]
    return created, resolved, targets


def best_of(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        began = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - began)
    return best, result


# -- businesstimedelta ----------------------------------------------------------------


def peer_businesstimedelta(
    created: np.ndarray, resolved: np.ndarray, targets: np.ndarray, holidays: list[date]
) -> tuple[float, np.ndarray, np.ndarray]:
    import businesstimedelta as btd
    import pytz

    zone = pytz.timezone("Asia/Seoul")
    weekdays = [0, 1, 2, 3, 4]
    rules = btd.Rules(
        [
            btd.WorkDayRule(clock_time(9), clock_time(18), weekdays, tz=zone),
            btd.LunchTimeRule(clock_time(12), clock_time(13), weekdays, tz=zone),
            btd.HolidayRule(holidays, tz=zone),
        ]
    )
    starts = [datetime.fromtimestamp(int(t), tz=zone) for t in created]
    ends = [datetime.fromtimestamp(int(t), tz=zone) for t in resolved]
    began = time.perf_counter()
    elapsed = np.array(
        [
            int(rules.difference(a, b).timedelta.total_seconds())
            for a, b in zip(starts, ends, strict=True)
        ]
    )
    seconds = time.perf_counter() - began
    due = np.array(
        [
            int((a + btd.BusinessTimeDelta(rules, hours=int(h))).timestamp())
            for a, h in zip(starts, targets, strict=True)
        ]
    )
    return seconds, elapsed, due


# -- pandas ---------------------------------------------------------------------------


def peer_pandas(
    created: np.ndarray, resolved: np.ndarray, targets: np.ndarray, holidays: list[date]
) -> tuple[float, np.ndarray, np.ndarray]:
    import pandas as pd

    weekmask = "Mon Tue Wed Thu Fri"
    hour = pd.offsets.CustomBusinessHour(
        start=["09:00", "13:00"], end=["12:00", "18:00"], weekmask=weekmask, holidays=holidays
    )
    day = pd.offsets.CustomBusinessDay(weekmask=weekmask, holidays=holidays)
    # Naive Seoul wall times: exact, as Seoul has one offset all year.
    starts = [pd.Timestamp(int(t) + SEOUL_OFFSET, unit="s") for t in created]
    ends = [pd.Timestamp(int(t) + SEOUL_OFFSET, unit="s") for t in resolved]
    morning, lunch_end = 9 * 3600, 13 * 3600
    morning_length = 3 * 3600

    def into_day(moment: pd.Timestamp) -> int:
        """Business seconds from the day's opening to a business (or closing) instant."""
        since_midnight = int((moment - moment.normalize()).total_seconds())
        if since_midnight <= morning + morning_length:
            return since_midnight - morning
        return morning_length + since_midnight - lunch_end

    def business_seconds(a: pd.Timestamp, b: pd.Timestamp) -> int:
        a, b = hour.rollforward(a), hour.rollforward(b)
        days = len(pd.date_range(a.normalize(), b.normalize(), freq=day)) - 1
        return days * 8 * 3600 + into_day(b) - into_day(a)

    began = time.perf_counter()
    elapsed = np.array([business_seconds(a, b) for a, b in zip(starts, ends, strict=True)])
    seconds = time.perf_counter() - began
    offsets = {int(h): hour * int(h) for h in TARGET_HOURS}
    one_second = pd.Timedelta(seconds=1)
    mapped_back = [0]

    def earliest(start: pd.Timestamp, due: pd.Timestamp) -> int:
        """pandas answers the next opening when a target runs out exactly at closing;
        the same business instant began at that closing, which ``rollback`` finds."""
        before = due - one_second
        closing = hour.rollback(before)
        if closing != before and closing >= start:
            due = closing
            mapped_back[0] += 1
        return int(due.value // 10**9) - SEOUL_OFFSET

    due = np.array([earliest(a, a + offsets[int(h)]) for a, h in zip(starts, targets, strict=True)])
    print(f"pandas due times mapped from the next opening back to closing: {mapped_back[0]:,}")
    return seconds, elapsed, due


def kernel_alone(clock: BusinessClock, size: int) -> list[tuple[str, int, float]]:
    created, resolved, targets = tickets(size, SEED + size)
    due_seconds = targets * 3600
    seconds, _ = best_of(3, lambda: clock.elapsed(created, resolved))
    deadline_seconds, _ = best_of(3, lambda: clock.deadline(created, due_seconds))
    return [("kernel", size, seconds), ("kernel deadlines", size, deadline_seconds)]


# -- the run --------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--backend", default="auto", choices=["auto", "numpy", "numba"])
    options = parser.parse_args()
    compared = 2_000 if options.quick else 10_000
    alone = [100_000] if options.quick else [1_000_000, 10_000_000]

    began = time.perf_counter()
    clock = BusinessClock.build(CALENDAR, 2026, 2027, backend=options.backend)
    build_seconds = time.perf_counter() - began
    holidays = sorted(CALENDAR.holiday_dates(2026, 2027))
    print(f"python {platform.python_version()}, numpy {np.__version__}, kernel {clock.backend}")
    print("calendar: Mon-Fri 09:00-12:00,13:00-18:00 Asia/Seoul, KR holidays 2026-2027")
    print(f"clock built in {build_seconds * 1000:.0f} ms (compiled kernels load on first use)")

    created, resolved, targets = tickets(compared)
    clock.elapsed(created[:10], resolved[:10])  # first call: numba loads its cached code
    clock.deadline(created[:10], 3600)
    kernel_seconds, kernel_elapsed = best_of(5, lambda: clock.elapsed(created, resolved))
    kernel_due = clock.deadline(created, targets * 3600)
    btd_seconds, btd_elapsed, btd_due = peer_businesstimedelta(created, resolved, targets, holidays)
    pd_seconds, pd_elapsed, pd_due = peer_pandas(created, resolved, targets, holidays)

    for name, elapsed, due in (
        ("businesstimedelta", btd_elapsed, btd_due),
        ("pandas", pd_elapsed, pd_due),
    ):
        wrong = np.flatnonzero(elapsed != kernel_elapsed)
        late = np.flatnonzero(due != kernel_due)
        if wrong.size or late.size:
            row = int(wrong[0] if wrong.size else late[0])
            raise SystemExit(
                f"{name} disagrees with the kernel on {wrong.size} elapsed and {late.size} "
                f"due times; first row {row}: created {created[row]}, resolved "
                f"{resolved[row]}, target {targets[row]} h: kernel {kernel_elapsed[row]} s / "
                f"{kernel_due[row]}, {name} {elapsed[row]} s / {due[row]}"
            )
    print(f"agreement: all three give the same business seconds and due times on {compared:,}")
    print(f"tickets (to the second); mean {kernel_elapsed.mean() / 3600:.2f} business hours\n")

    rows = [
        ("kernel", compared, kernel_seconds),
        ("businesstimedelta", compared, btd_seconds),
        ("pandas CustomBusinessHour", compared, pd_seconds),
    ]
    for size in alone:
        rows.extend(kernel_alone(clock, size))

    print(f"{'tool':<28}{'tickets':>12}{'seconds':>12}{'tickets/s':>16}{'× btd':>12}")
    btd_rate = compared / btd_seconds
    for name, size, seconds in rows:
        rate = size / seconds
        print(f"{name:<28}{size:>12,}{seconds:>12.4f}{rate:>16,.0f}{rate / btd_rate:>12,.0f}")


if __name__ == "__main__":
    main()
