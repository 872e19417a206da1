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


@dataclass(frozen=True)
class PeriodCompliance:
    """One service level over a reporting period (a quarter, a year, the year to date, ...).

    ``results`` are the stored or computed results of the level's own measured periods (its
    months, for a monthly level) lying in the reporting period; the counts and the share of
    months met come from them. ``value`` is the KPI recomputed over the events of the whole
    period (up to now), for information: the contract judges, and credits, each measured
    period alone. A KPI that cannot be aggregated (a snapshot, like a backlog at a period's
    end) has no value and says why in ``not_aggregated``.
    """

    contract_id: str
    service_level_id: str
    kpi: str
    period: str
    period_start: str  # ISO date
    period_end: str  # ISO date, exclusive
    measured_in: str  # the level's own period kind: month, quarter, contract_year
    results: tuple[ServiceLevelResult, ...]
    value: Fraction | None = None
    numerator: int | Fraction | None = None
    denominator: int | None = None
    sample_size: int = 0
    excluded: int = 0
    running: bool = False  # the reporting period holds the running month
    not_aggregated: str | None = None
    not_measured: tuple[str, ...] = ()  # measured periods begun but with no result
    to_come: tuple[str, ...] = ()  # measured periods not begun yet

    def count(self, status: ResultStatus) -> int:
        """Measured periods over (not running) with this status."""
        return sum(1 for r in self.results if not r.running and r.status is status)

    @property
    def running_periods(self) -> tuple[str, ...]:
        return tuple(r.period for r in self.results if r.running)

    @property
    def judged(self) -> int:
        """Periods over that were judged against the levels (insufficient data is not judged,
        KPIS.md rule 2)."""
        return sum(
            self.count(s)
            for s in (ResultStatus.MET, ResultStatus.BELOW_EXPECTED, ResultStatus.BREACHED)
        )

    @property
    def share_met(self) -> Fraction | None:
        """Measured periods met ÷ periods judged; None when none was judged."""
        judged = self.judged
        return None if judged == 0 else Fraction(self.count(ResultStatus.MET), judged)
