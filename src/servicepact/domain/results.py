"""Results of measuring a service level over a period.

Values are exact: a ratio keeps its integer numerator and denominator and a
mean its exact sum and count (``Fraction``), so "19 of 20 against 95 %" is
``met`` (KPIS.md rule 1). Floats appear only when a value is displayed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from servicepact.domain.kpis import Direction


class ResultStatus(StrEnum):
    MET = "met"
    BELOW_EXPECTED = "below_expected"
    BREACHED = "breached"
    INSUFFICIENT_DATA = "insufficient_data"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def colour(self) -> str:
        """RAG colour for reports and the UI."""
        return _COLOURS[self]


_LABELS = {
    ResultStatus.MET: "Met",
    ResultStatus.BELOW_EXPECTED: "Below expected",
    ResultStatus.BREACHED: "Breached",
    ResultStatus.INSUFFICIENT_DATA: "Insufficient data",
}
_COLOURS = {
    ResultStatus.MET: "green",
    ResultStatus.BELOW_EXPECTED: "amber",
    ResultStatus.BREACHED: "red",
    ResultStatus.INSUFFICIENT_DATA: "grey",
}


def status_for(
    value: Fraction | None,
    *,
    expected: Decimal,
    minimum: Decimal,
    direction: Direction,
    sample_size: int,
    min_sample: int = 1,
) -> ResultStatus:
    """KPIS.md rule 2, compared exactly (Decimal targets become exact fractions)."""
    if value is None or sample_size < min_sample:
        return ResultStatus.INSUFFICIENT_DATA
    exp, low = Fraction(expected), Fraction(minimum)
    if direction is Direction.HIGHER_IS_BETTER:
        if value >= exp:
            return ResultStatus.MET
        return ResultStatus.BELOW_EXPECTED if value >= low else ResultStatus.BREACHED
    if value <= exp:
        return ResultStatus.MET
    return ResultStatus.BELOW_EXPECTED if value <= low else ResultStatus.BREACHED


@dataclass(frozen=True)
class ServiceLevelResult:
    contract_id: str
    contract_version: int
    service_level_id: str
    kpi: str
    period: str  # label: 2026-03, 2026-Q1, Y1
    period_start: str  # ISO date
    period_end: str  # ISO date, exclusive
    value: Fraction | None
    numerator: int | Fraction | None
    denominator: int | None
    sample_size: int
    expected: Decimal
    minimum: Decimal
    status: ResultStatus
    excluded: int = 0
    completeness: Fraction | None = None  # received ÷ expected events, when expected is known
    running: bool = False  # the period has not ended yet
    inputs_hash: str = ""  # contract version + batches + engine version
    notes: tuple[str, ...] = field(default_factory=tuple)
    # SHA-256 of the holiday lists the result was measured with (Contract.calendar_hash);
    # None on results stored before holiday lists were kept.
    calendar_hash: str | None = None

    @property
    def value_float(self) -> float | None:
        return None if self.value is None else float(self.value)


def latest_closed_by_level(
    results: Iterable[ServiceLevelResult],
) -> dict[tuple[str, str], ServiceLevelResult]:
    """The latest closed (not running) result of each (contract id, service level id)."""
    latest: dict[tuple[str, str], ServiceLevelResult] = {}
    for result in results:
        if result.running:
            continue
        key = (result.contract_id, result.service_level_id)
        if key not in latest or result.period_start > latest[key].period_start:
            latest[key] = result
    return latest
