"""How values are shown and written: exact numbers as integers or ``"p/q"`` text, values as a
person reads them (KPIS.md Display), money at the currency's minor unit, and the one JSON
shape of a result (docs/results.md)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Any

from servicepact.domain.contracts import ServiceLevel
from servicepact.domain.kpis import CATALOGUE, Unit
from servicepact.domain.money import minor_unit, round_money
from servicepact.domain.results import PeriodCompliance, ResultStatus, ServiceLevelResult


def amount_text(amount: Decimal, currency: str) -> str:
    """``12,000,000`` (KRW) or ``1,234.50`` (USD): grouped, at the currency's minor unit."""
    digits = minor_unit(currency)
    return f"{round_money(amount, currency):,.{digits}f}"


_UNIT_SUFFIX = {
    Unit.SECONDS: " s",
    Unit.MINUTES: " min",
    Unit.HOURS: " h",
    Unit.DAYS: " d",
    Unit.BUSINESS_DAYS: " business days",
    Unit.SCORE: "",
    Unit.COUNT: "",
}


def _rounded(value: Fraction, places: int) -> Decimal:
    """Exact half-even rounding of a fraction for display (never a float)."""
    quantum = Decimal(1).scaleb(-places)
    with localcontext() as ctx:
        ctx.prec = 60
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            quantum, rounding=ROUND_HALF_EVEN
        )


def format_value(value: Fraction | Decimal | None, unit: Unit) -> str:
    """A value as a person reads it: ratios as a percentage with two decimals (KPIS.md Display)."""
    if value is None:
        return "—"
    exact = Fraction(value)
    if unit is Unit.RATIO:
        return f"{_rounded(exact * 100, 2)} %"
    if unit is Unit.COUNT:
        return str(_rounded(exact, 0))
    return f"{_rounded(exact, 2)}{_UNIT_SUFFIX[unit]}"


def exact_text(value: int | Fraction | None) -> str | int | None:
    """An exact value as an integer or ``"p/q"`` text, as results are written (docs/results.md)."""
    if value is None or isinstance(value, int):
        return value
    if value.denominator == 1:
        return value.numerator
    return f"{value.numerator}/{value.denominator}"


def result_document(result: ServiceLevelResult, sl: ServiceLevel | None = None) -> dict[str, Any]:
    """A result as JSON-able values; exact numbers as integers or "p/q" text (docs/results.md)."""
    definition = sl.definition if sl is not None else CATALOGUE[result.kpi]
    return {
        "contract_id": result.contract_id,
        "contract_version": result.contract_version,
        "service_level_id": result.service_level_id,
        "service_level_name": sl.name if sl is not None else None,
        "kpi": result.kpi,
        "unit": definition.unit.value,
        "direction": definition.direction.value,
        "period": result.period,
        "period_start": result.period_start,
        "period_end": result.period_end,
        "running": result.running,
        "value": exact_text(result.value),
        "value_display": format_value(result.value, definition.unit),
        "numerator": exact_text(result.numerator),
        "denominator": result.denominator,
        "sample_size": result.sample_size,
        "expected": format(result.expected, "f"),
        "minimum": format(result.minimum, "f"),
        "expected_display": format_value(result.expected, definition.unit),
        "minimum_display": format_value(result.minimum, definition.unit),
        "status": result.status.value,
        "status_label": result.status.label,
        "excluded": result.excluded,
        "completeness": exact_text(result.completeness),
        "inputs_hash": result.inputs_hash,
        "calendar_hash": result.calendar_hash,
        "notes": list(result.notes),
    }


def compliance_document(
    compliance: PeriodCompliance, sl: ServiceLevel | None = None
) -> dict[str, Any]:
    """A service level over a reporting period as JSON-able values (docs/results.md)."""
    definition = sl.definition if sl is not None else CATALOGUE[compliance.kpi]
    share = compliance.share_met
    return {
        "contract_id": compliance.contract_id,
        "service_level_id": compliance.service_level_id,
        "service_level_name": sl.name if sl is not None else None,
        "kpi": compliance.kpi,
        "unit": definition.unit.value,
        "direction": definition.direction.value,
        "period": compliance.period,
        "period_start": compliance.period_start,
        "period_end": compliance.period_end,
        "measured_in": compliance.measured_in,
        "running": compliance.running,
        "aggregated": compliance.not_aggregated is None,
        "not_aggregated": compliance.not_aggregated,
        "value": exact_text(compliance.value),
        "value_display": format_value(compliance.value, definition.unit),
        "numerator": exact_text(compliance.numerator),
        "denominator": compliance.denominator,
        "sample_size": compliance.sample_size,
        "excluded": compliance.excluded,
        "periods": {
            "met": compliance.count(ResultStatus.MET),
            "below_expected": compliance.count(ResultStatus.BELOW_EXPECTED),
            "breached": compliance.count(ResultStatus.BREACHED),
            "insufficient_data": compliance.count(ResultStatus.INSUFFICIENT_DATA),
            "running": list(compliance.running_periods),
            "not_measured": list(compliance.not_measured),
            "to_come": list(compliance.to_come),
        },
        "share_met": exact_text(share),
        "share_met_display": share_text(share),
        "results": [
            {"period": r.period, "status": r.status.value, "running": r.running}
            for r in compliance.results
        ],
    }


def share_text(share: Fraction | None) -> str:
    """A share of periods as a percentage with two decimals, or a dash when none was judged."""
    return "—" if share is None else f"{_rounded(share * 100, 2)} %"


def trend_text(slope: Fraction | None, unit: Unit) -> str | None:
    """A slope as a person reads it, signed: ``+0.30 pp / month`` (a share moves in percentage
    points, not percent), ``-0.13 s / month``."""
    if slope is None:
        return None
    sign = "+" if slope > 0 else "-" if slope < 0 else "±"
    text = format_value(abs(slope), unit)
    if unit is Unit.RATIO:
        text = text.removesuffix(" %") + " pp"
    return f"{sign}{text} / month"
