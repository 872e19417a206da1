"""Parameters several routes share, with the exact form the server accepts in the schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from servicepact.domain.periods import MEASURED_PERIOD_PATTERN, MONTH_PATTERN

MonthPath = Annotated[
    str, Path(pattern=MONTH_PATTERN, description="a month, YYYY-MM", examples=["2026-03"])
]
MeasuredPeriodPath = Annotated[
    str,
    Path(
        pattern=MEASURED_PERIOD_PATTERN,
        description="a month (2026-03), a quarter (2026-Q1) or a contract year (Y1)",
        examples=["2026-03"],
    ),
]
MonthQuery = Annotated[
    str, Query(pattern=MONTH_PATTERN, description="a month, YYYY-MM", examples=["2026-03"])
]
OptionalMonthQuery = Annotated[
    str | None,
    Query(pattern=MONTH_PATTERN, description="a month, YYYY-MM", examples=["2026-03"]),
]
