"""Internal controls run on every load (PRODUCT.md §2.6): pure functions over Arrow tables.

The loader feeds each stored chunk to a ``ControlTally`` and asks it for
``findings`` at the end; the tally keeps counts and a few example ids, never the
rows, so memory stays flat whatever the batch size. The clock, the contract's
calendar and its expected volumes are passed in: nothing here reads a global.

Controls and their thresholds:

* completeness — per working day of the contract calendar between the first and
  last anchor day of the batch, the events the source holds for that day — every
  committed batch with this one (``day_counts``), not this batch alone — against the
  contract's ``expected_daily_volume`` for the source; a day below
  ``COMPLETENESS_MIN_SHARE`` of it is a finding (warning). A one-row batch on a day
  that already holds its tickets finds nothing; a finding whose days later data
  completes is withdrawn (``short_days`` judges it again, services/loads.py).
* out of order — pairs of timestamps that must not run backwards (``ORDER_PAIRS``);
  each violated pair is a finding (warning).
* in the future — any timestamp later than the load time (error: the clock of the
  sending system is wrong or the data is made up).
* late submission — events loaded more than ``LATE_AFTER_DAYS`` after their
  anchor (info: results for a closed period may already have been reported).
* corrections — ids that replace events of earlier batches (info; computed by the
  event store, reported here for one list of findings).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.calendars import Calendar
from servicepact.domain.event_types import ANCHORS, ColumnType, EventType
from servicepact.domain.load_findings import Finding, FindingKind, Severity

# A day with less than half the expected volume more likely lost data than had a
# quiet day; "below 50 %" is the threshold the measurement-engine issue names.
COMPLETENESS_MIN_SHARE = 0.5
# Monthly results are usually prepared in the first working week of the next
# month: data that arrives more than five days after the event risks missing them
# (the default of the measurement-engine issue; a contract may state another).
LATE_AFTER_DAYS = 5
MAX_EXAMPLES = 5

# (earlier, later): the later one must not come before the earlier one.
ORDER_PAIRS: dict[str, tuple[tuple[str, str], ...]] = {
    "tickets": (
        ("created_at", "first_response_at"),
        ("created_at", "resolved_at"),
    ),
    "calls": (
        ("offered_at", "answered_at"),
        ("offered_at", "abandoned_at"),
    ),
    "availability": (("start", "end"),),
    "payroll_items": (("paid_at", "corrected_at"),),
    "invoices_processed": (
        ("received_at", "posted_at"),
        ("posted_at", "paid_at"),
        ("received_at", "paid_at"),
    ),
    "campaigns": (),
    "orders": (),
    "inventory_counts": (),
}


@dataclass
class _Count:
    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, ids: pa.Array, mask: pa.Array) -> None:
        hits = pc.filter(ids, mask)
        self.count += len(hits)
        room = MAX_EXAMPLES - len(self.examples)
        if room > 0 and len(hits):
            self.examples.extend(str(v) for v in hits.slice(0, room).to_pylist())


@dataclass
class ControlTally:
    """Counts gathered chunk by chunk; ``findings`` turns them into control findings."""

    event_type: EventType
    loaded_at: datetime  # the load's time: "now" for the future and lateness checks
    zone: str = "UTC"  # the contract's time zone: anchors are read in it
    late_after: timedelta = timedelta(days=LATE_AFTER_DAYS)
    per_day: Counter[date] = field(default_factory=Counter)
    out_of_order: dict[tuple[str, str], _Count] = field(default_factory=dict)
    future: _Count = field(default_factory=_Count)
    late: _Count = field(default_factory=_Count)

    def __post_init__(self) -> None:
        if self.loaded_at.tzinfo is None:
            raise ValueError("loaded_at must be an aware datetime")

    @property
    def anchor(self) -> str | None:
        declared = getattr(self.event_type, "anchor", None)  # a declared type names its own
        return declared if isinstance(declared, str) else ANCHORS.get(self.event_type.name)

    def columns(self) -> list[str]:
        """The columns the controls read (so the caller can read only those)."""
        wanted = {self.event_type.id_column}
        wanted.update(c.name for c in self.event_type.columns if c.type is ColumnType.TIMESTAMP)
        if self.anchor:
            wanted.add(self.anchor)
        return [c for c in self.event_type.column_names if c in wanted]

    def add(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        ids = table.column(self.event_type.id_column)
        now = pa.scalar(self.loaded_at.astimezone(UTC), type=pa.timestamp("us", tz="UTC"))
        for earlier, later in ORDER_PAIRS.get(self.event_type.name, ()):
            if earlier in table.column_names and later in table.column_names:
                backwards = pc.fill_null(pc.less(table.column(later), table.column(earlier)), False)
                self.out_of_order.setdefault((earlier, later), _Count()).add(ids, backwards)
        future = None
        for column in self.event_type.columns:
            if column.type is ColumnType.TIMESTAMP and column.name in table.column_names:
                ahead = pc.fill_null(pc.greater(table.column(column.name), now), False)
                future = ahead if future is None else pc.or_(future, ahead)
        if future is not None:
            self.future.add(ids, future)
        anchor = self.anchor
        if anchor is None or anchor not in table.column_names:
            return
        values = table.column(anchor)
        if pa.types.is_timestamp(values.type):
            days = local_days(values, self.zone)
            limit = pa.scalar(self.loaded_at.astimezone(UTC) - self.late_after, type=values.type)
            late = pc.fill_null(pc.less(values, limit), False)
        else:
            days = values
            cutoff = (self.loaded_at.astimezone(UTC) - self.late_after).date()
            late = pc.fill_null(pc.less(values, pa.scalar(cutoff, pa.date32())), False)
        self.late.add(ids, late)
        counts = pc.value_counts(pc.drop_null(days))
        for day, count in zip(
            counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True
        ):
            self.per_day[day] += count

    @property
    def day_range(self) -> tuple[date, date] | None:
        """The first and last anchor day of the rows seen (local days), if any."""
        return (min(self.per_day), max(self.per_day)) if self.per_day else None

    def findings(
        self,
        *,
        expected_daily: int | None,
        calendar: Calendar | None,
        corrections: tuple[int, list[str]] | None = None,
        day_counts: Mapping[date, int] | None = None,
    ) -> list[Finding]:
        """The findings; completeness counts ``day_counts`` (the events the source holds per
        day, this batch included) when given, this batch's rows alone otherwise."""
        found: list[Finding] = []
        if expected_daily and self.per_day:
            first, last = min(self.per_day), max(self.per_day)
            counts = self.per_day if day_counts is None else day_counts
            short = short_days(counts, first, last, expected_daily, calendar)
            finding = incomplete_day_finding(short, expected_daily)
            if finding is not None:
                found.append(finding)
        for (earlier, later), tally in self.out_of_order.items():
            if tally.count:
                found.append(
                    Finding(
                        FindingKind.OUT_OF_ORDER,
                        Severity.WARNING,
                        tally.count,
                        f"{tally.count} events have {later} before {earlier}",
                        tuple(tally.examples),
                    )
                )
        if self.future.count:
            found.append(
                Finding(
                    FindingKind.FUTURE_TIMESTAMP,
                    Severity.ERROR,
                    self.future.count,
                    f"{self.future.count} events have a timestamp after the load time "
                    f"({self.loaded_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)",
                    tuple(self.future.examples),
                )
            )
        if self.late.count:
            found.append(
                Finding(
                    FindingKind.LATE_SUBMISSION,
                    Severity.INFO,
                    self.late.count,
                    f"{self.late.count} events were submitted more than "
                    f"{self.late_after.days} days after their {self.anchor}",
                    tuple(self.late.examples),
                )
            )
        if corrections is not None and corrections[0]:
            count, examples = corrections
            found.append(
                Finding(
                    FindingKind.CORRECTIONS,
                    Severity.INFO,
                    count,
                    f"{count} corrections: these ids replace events of earlier batches",
                    tuple(examples[:MAX_EXAMPLES]),
                )
            )
        return found


def short_days(
    per_day: Mapping[date, int],
    first: date,
    last: date,
    expected: int,
    calendar: Calendar | None,
) -> list[tuple[date, int]]:
    """The working days from ``first`` to ``last`` holding less than
    ``COMPLETENESS_MIN_SHARE`` of ``expected`` events, with what they hold."""
    holidays = calendar.holiday_dates(first.year, last.year) if calendar else frozenset()
    short: list[tuple[date, int]] = []
    day = first
    while day <= last:
        working = (
            bool(calendar.weekly[day.weekday()]) and day not in holidays
            if calendar is not None
            else day.weekday() < 5  # no calendar: Monday to Friday
        )
        received = per_day.get(day, 0)
        if working and received < expected * COMPLETENESS_MIN_SHARE:
            short.append((day, received))
        day += timedelta(days=1)
    return short


def incomplete_day_finding(short: list[tuple[date, int]], expected: int) -> Finding | None:
    """The completeness finding over the short days, or None when there are none."""
    if not short:
        return None
    return Finding(
        FindingKind.INCOMPLETE_DAY,
        Severity.WARNING,
        len(short),
        f"{len(short)} working days received less than "
        f"{COMPLETENESS_MIN_SHARE:.0%} of the expected {expected} events "
        f"(e.g. {short[0][0].isoformat()}: {short[0][1]})",
        tuple(d.isoformat() for d, _ in short[:MAX_EXAMPLES]),
    )


def local_days(values: pa.Array | pa.ChunkedArray, zone: str) -> pa.Array | pa.ChunkedArray:
    """Local calendar days of UTC timestamps in ``zone``."""
    local = pc.local_timestamp(values.cast(pa.timestamp("us", tz=zone)))
    return pc.cast(local, pa.date32())
