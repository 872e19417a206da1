"""A small contract and tables for evaluation tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from servicepact.domain.contracts import Contract
from servicepact.domain.event_schemas import arrow_schema
from servicepact.domain.event_types import BUILT_IN

SEOUL = ZoneInfo("Asia/Seoul")


def kst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SEOUL)  # type: ignore[misc]


def contract(*service_levels: dict[str, Any], **extra: Any) -> Contract:
    document: dict[str, Any] = {
        "id": "acme-cs",
        "name": "Customer contact",
        "client": "acme",
        "vendor": "helpco",
        "term": {"start": "2026-01-01", "end": "2028-12-31"},
        "calendars": {
            "always": {"timezone": "Asia/Seoul", "hours": "24x7"},
            "office": {
                "timezone": "Asia/Seoul",
                "hours": {"mon-fri": "09:00-18:00"},
                "holidays": {"country": "KR"},
            },
        },
        "credits": {"at_risk_percent": 12, "pool_percent": 150},
        "service_levels": list(service_levels),
        **extra,
    }
    return Contract.model_validate(document)


def answered_sl(**overrides: Any) -> dict[str, Any]:
    return {
        "id": "SL-01",
        "name": "Calls answered within 20 s",
        "kpi": "answered_within",
        "source": "calls",
        "params": {"seconds": 20},
        "calendar": "always",
        "expected": "0.95",
        "minimum": "0.90",
        "allocation_percent": 40,
        **overrides,
    }


def table(event_type: str, rows: list[dict[str, Any]], batch: str | None = None) -> pa.Table:
    schema = arrow_schema(BUILT_IN[event_type], with_provenance=batch is not None)
    columns = {f.name: [row.get(f.name) for row in rows] for f in schema}
    if batch is not None:
        columns["_batch"] = [batch] * len(rows)
        columns["_row"] = list(range(1, len(rows) + 1))
    return pa.Table.from_pydict(columns, schema=schema)


def calls(
    answered_in_time: int, late: int, *, day: int = 10, channel: str = "phone"
) -> list[dict[str, Any]]:
    """``answered_in_time`` calls answered after 10 s and ``late`` after 60 s on March ``day``."""
    rows = []
    for i in range(answered_in_time + late):
        offered = kst(2026, 3, day, 9, i % 60, 0)
        wait = 10 if i < answered_in_time else 60
        rows.append(
            {
                "id": f"{channel}-{day}-{i}",
                "offered_at": offered,
                "answered_at": datetime.fromtimestamp(offered.timestamp() + wait, SEOUL),
                "channel": channel,
            }
        )
    return rows
