"""How the packs display values: measured values, targets, completeness and money.

Display only: rounding here changes what a reader sees, never a status or an amount (the
status was decided exactly by the engine; amounts come rounded from the credit engine and
``domain/money.py``). Ratios show as percentages with two decimals, rounded half up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from servicepact.domain.kpis import Unit
from servicepact.domain.money import format_money, minor_unit, round_money
from servicepact.reports.model import Money, Rag

MISSING = "–"  # shown where there is no value (no result, no completeness known)
_HUNDREDTH = Decimal("0.01")
_UNIT_SUFFIX = {
    Unit.SECONDS: " s",
    Unit.MINUTES: " min",
    Unit.HOURS: " h",
    Unit.DAYS: " d",
    Unit.BUSINESS_DAYS: " d",
}


def _decimal(value: Fraction) -> Decimal:
    """The fraction as a Decimal with enough digits that rounding to 0.01 is exact."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def percent_text(value: Fraction | Decimal | None) -> str:
    """``Fraction(19, 20)`` → ``95.00 %``; two decimals, half up."""
    if value is None:
        return MISSING
    exact = _decimal(value) if isinstance(value, Fraction) else value
    return f"{(exact * 100).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)} %"


def value_text(value: Fraction | Decimal | None, unit: str) -> str:
    """A measured value (or a target) in its KPI's unit: ratios in %, durations with a unit."""
    if value is None:
        return MISSING
    kind = Unit(unit)
    if kind is Unit.RATIO:
        return percent_text(value)
    exact = _decimal(value) if isinstance(value, Fraction) else value
    if kind is Unit.COUNT and exact == exact.to_integral_value():
        return f"{int(exact):,}"
    rounded = exact.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
    return f"{rounded:,}{_UNIT_SUFFIX.get(kind, '')}"


def exact_text(value: int | Fraction | None) -> str | None:
    """A numerator as stored: ``19`` or ``1234/5`` (a mean's exact sum over its count)."""
    if value is None:
        return None
    if isinstance(value, int) or value.denominator == 1:
        return str(int(value))
    return f"{value.numerator}/{value.denominator}"


def money(amount: Decimal | str, currency: str) -> Money:
    """An amount rounded to its currency's minor unit (KRW: none) with its display text."""
    value = round_money(Decimal(amount), currency)
    return Money(
        amount=value,
        currency=currency,
        text=format_money(value, currency),
        minor_unit=minor_unit(currency),
    )


def rag_of(colour: str | None) -> Rag:
    """The RAG of a status colour (``ResultStatus.colour``, a band's colour); grey otherwise."""
    if colour is None:
        return Rag.GREY
    try:
        return Rag(colour)
    except ValueError:
        return Rag.RED if colour == "darkred" else Rag.GREY
