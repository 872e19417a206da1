"""Continuous improvement: the expected and minimum levels in force in a contract year.

PRODUCT.md §7: "each contract year, expected and minimum move by the set
percent of the remaining gap to perfection". Contract year 1 uses the levels as
written; each later year moves each level by ``per_year_percent_of_gap`` of its
remaining gap to perfect — 1 (100 %) for a higher-is-better share, 0 for a
lower-is-better one:

    higher: level[y] = level[y−1] + p × (1 − level[y−1])
    lower:  level[y] = level[y−1] − p × level[y−1]

e.g. 0.80 with 10 %: year 2 → 0.82, year 3 → 0.838.

Rounding: every year is computed exactly in Decimal from the exact previous
year (no intermediate rounding; 40 significant digits is far more than any
contract needs), and the level in force is then rounded half-even to six
decimal places — the precision of the stored targets (decimal128(20, 6)) —
before it is compared with a result. A period belongs to the contract year
holding its first day.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal

from servicepact.domain.contracts import Contract, ServiceLevel
from servicepact.domain.kpis import Direction
from servicepact.domain.periods import Period, contract_year_of

TARGET_PLACES = Decimal("0.000001")  # six decimal places, as targets are stored
_EXACT = Context(prec=40)
_HUNDRED = Decimal(100)


def improved_level(
    level: Decimal, percent_of_gap: Decimal, years: int, direction: Direction
) -> Decimal:
    """``level`` after ``years`` annual improvements, rounded to six places (see module doc)."""
    share = _EXACT.divide(percent_of_gap, _HUNDRED)
    current = level
    for _ in range(max(years, 0)):
        if direction is Direction.HIGHER_IS_BETTER:
            current = _EXACT.add(
                current, _EXACT.multiply(share, _EXACT.subtract(Decimal(1), current))
            )
        else:
            current = _EXACT.subtract(current, _EXACT.multiply(share, current))
    return current.quantize(TARGET_PLACES, rounding=ROUND_HALF_EVEN)


def contract_year_for(contract: Contract, day: date) -> int:
    return max(contract_year_of(contract.term, day), 1)


def targets_for(contract: Contract, sl: ServiceLevel, period: Period) -> tuple[Decimal, Decimal]:
    """(expected, minimum) in force for ``period`` (its first day's contract year)."""
    if sl.improvement is None:
        return sl.expected, sl.minimum
    years = contract_year_for(contract, period.start) - 1
    percent = sl.improvement.per_year_percent_of_gap
    return (
        improved_level(sl.expected, percent, years, sl.direction),
        improved_level(sl.minimum, percent, years, sl.direction),
    )
