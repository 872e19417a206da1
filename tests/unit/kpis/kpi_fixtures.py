"""Small typed event tables and contexts for hand-computed KPI cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from servicepact.domain.calendars import Calendar
from servicepact.domain.event_schemas import arrow_schema
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.kpis import CATALOGUE
from servicepact.engine.business_time import Backend, BusinessClock
from servicepact.engine.kpis import COMPUTATIONS, KpiAggregate, KpiContext
from servicepact.engine.kpis.base import MICROS, TargetSeconds

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")

ALWAYS = Calendar(timezone="Asia/Seoul", hours="24x7")
OFFICE_KR = Calendar.model_validate(
    {"timezone": "Asia/Seoul", "hours": {"mon-fri": "09:00-18:00"}, "holidays": {"country": "KR"}}
)
OFFICE_NY = Calendar.model_validate(
    {"timezone": "America/New_York", "hours": {"mon-fri": "09:00-17:00"}}
)


def kst(*parts: int) -> datetime:
    """A Seoul wall time (UTC+9 all year: no daylight saving)."""
    return datetime(*parts, tzinfo=SEOUL)  # type: ignore[misc]


def table(event_type: str, rows: Sequence[dict[str, Any]]) -> pa.Table:
    """A table in the event type's Arrow schema; unspecified columns are null."""
    schema = arrow_schema(BUILT_IN[event_type])
    columns = {f.name: [row.get(f.name) for row in rows] for f in schema}
    return pa.Table.from_pydict(columns, schema=schema)


def window(start: datetime, end: datetime) -> tuple[int, int]:
    return int(start.timestamp()) * MICROS, int(end.timestamp()) * MICROS


def month_window(year: int, month: int, zone: ZoneInfo = SEOUL) -> tuple[int, int]:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return window(
        datetime(year, month, 1, tzinfo=zone), datetime(nxt.year, nxt.month, 1, tzinfo=zone)
    )


_CLOCKS: dict[tuple[str, str], BusinessClock] = {}


def _clock(calendar: Calendar, backend: Backend = "auto") -> BusinessClock:
    """Clocks are built once per calendar and backend for the whole test session (building
    one is slow)."""
    key = (calendar.model_dump_json(), backend)
    if key not in _CLOCKS:
        _CLOCKS[key] = BusinessClock.build(calendar, 2025, 2028, backend=backend)
    return _CLOCKS[key]


def compute(
    kpi: str,
    events: pa.Table,
    windows: Sequence[tuple[int, int]],
    *,
    params: dict[str, Any] | None = None,
    calendar: Calendar | None = None,
    timezone: str = "Asia/Seoul",
    backend: Backend = "auto",
    decoy: dict[str, Any] | None = None,
    targets: TargetSeconds | None = None,
    as_source: bool = False,
) -> list[KpiAggregate]:
    """``kpi`` over ``events`` per window. With a ``decoy`` row, the events are read as a
    filtered service level reads them: the source table holds the decoy first and the
    selection names every other row, so the decoy must change nothing. ``as_source``
    reads them as an unfiltered level does: the events are the source table itself."""
    clock = _clock(calendar, backend) if calendar is not None else None
    selection = None
    if decoy is not None:
        events = pa.concat_tables([pa.Table.from_pylist([decoy], schema=events.schema), events])
        selection = np.arange(1, events.num_rows, dtype=np.int64)
    ctx = KpiContext(
        definition=CATALOGUE[kpi],
        params=params or {},
        timezone=calendar.timezone if calendar is not None else timezone,
        calendar=calendar,
        clock=clock,
        source_table=events if decoy is not None or as_source else None,
        selection=selection,
        targets=targets,
    )
    return COMPUTATIONS[kpi](events, ctx, windows)


def one(kpi: str, events: pa.Table, win: tuple[int, int], **kw: Any) -> KpiAggregate:
    return compute(kpi, events, [win], **kw)[0]
