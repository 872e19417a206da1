"""A declared KPI's formula and anchor in words, as the catalogue states built-in ones.

The contract page, the review pack and ``contract show`` print these beside the
KPI, so a reader sees exactly what is counted without reading the YAML.
"""

from __future__ import annotations

from decimal import Decimal

from servicepact.domain.declared import (
    DEADLINE,
    SYMBOLS,
    Clock,
    ColumnRef,
    Condition,
    DeclaredKpi,
    KpiKind,
    Measure,
    Scalar,
    SumOf,
    Target,
)
from servicepact.domain.event_types import EventType


def _value(value: Scalar | ColumnRef) -> str:
    if isinstance(value, ColumnRef):
        return value.column
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def _amount(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _target(target: Target) -> str:
    unit = target.unit
    short = {"seconds": "s", "minutes": "min", "hours": "h"}[unit]
    value = getattr(target, unit)
    if isinstance(value, dict):
        parts = ", ".join(f"{k}: {_amount(v)} {short}" for k, v in sorted(value.items()))
        return f"the target for its {target.by} ({parts}; other values not counted)"
    return f"{_amount(value)} {short}"


def clock_words(clock: Clock) -> str:
    if clock.calendar is None:
        return f"the wall time from {clock.start} to {clock.end}"
    pauses = f", minus {clock.pauses}" if clock.pauses else ""
    return (
        f"the business time on calendar {clock.calendar} from {clock.start} to {clock.end}{pauses}"
    )


def condition_words(node: Condition) -> str:
    if node.all_ is not None:
        return " and ".join(_grouped(c) for c in node.all_)
    if node.any_ is not None:
        return " or ".join(_grouped(c) for c in node.any_)
    if node.not_ is not None:
        return f"not {_grouped(node.not_)}"
    if node.clock is not None and node.within is not None:
        return f"{clock_words(node.clock)} is ≤ {_target(node.within)}"
    column = node.column or ""
    if node.present is not None:
        return f"{column} is given" if node.present else f"{column} is missing"
    if node.in_ is not None:
        return f"{column} in [{', '.join(_value(v) for v in node.in_)}]"
    for op, symbol in SYMBOLS.items():
        operand = getattr(node, op)
        if operand is not None:
            return f"{column} {symbol} {_value(operand)}"
    return "?"  # pragma: no cover - a validated condition has one shape


def _grouped(node: Condition) -> str:
    text = condition_words(node)
    return f"({text})" if node.all_ is not None or node.any_ is not None else text


def _measure(measure: Measure) -> str:
    if measure.clock is not None:
        return clock_words(measure.clock)
    return measure.column or ""


def _sum(of: SumOf, events: str) -> str:
    where = f" over {events} where {condition_words(of.where)}" if of.where else ""
    return f"Σ {of.sum}{where}"


def formula_words(kpi: DeclaredKpi, event_type: EventType) -> str:
    events = event_type.name.replace("_", " ")
    in_scope = f"{events} where {condition_words(kpi.scope)}" if kpi.scope else events
    kind = kpi.kind
    if kind is KpiKind.RATIO:
        assert kpi.condition is not None
        met = condition_words(kpi.condition)
        both = f"{in_scope} and {met}" if kpi.scope else f"{events} where {met}"
        return f"{both} ÷ {in_scope}"
    if kind is KpiKind.COUNT:
        if kpi.condition is None:
            return f"number of {in_scope}"
        joiner = " and " if kpi.scope else " where "
        return f"number of {in_scope}{joiner}{condition_words(kpi.condition)}"
    if kind is KpiKind.RATIO_OF_SUMS:
        assert kpi.numerator is not None
        assert kpi.denominator is not None
        text = f"{_sum(kpi.numerator, events)} ÷ {_sum(kpi.denominator, events)}"
        return text + (f" (over {in_scope})" if kpi.scope else "")
    assert kpi.measure is not None
    measured = _measure(kpi.measure)
    unit = kpi.effective_unit.value
    if kind is KpiKind.SUM:
        if kpi.condition is not None:
            joiner = " and " if kpi.scope else " where "
            in_scope += joiner + condition_words(kpi.condition)
        return f"Σ {measured} over {in_scope}"
    if kind is KpiKind.MEAN:
        return f"mean of {measured}, in {unit}, over {in_scope} with a value"
    if kind is KpiKind.MAX:
        return f"largest {measured}, in {unit}, over {in_scope} with a value"
    assert kpi.percentile is not None
    return (
        f"{_amount(kpi.percentile)}th percentile (nearest rank: the value at rank "
        f"⌈p × n⌉ of the n sorted values) of {measured}, in {unit}, over {in_scope} with a value"
    )


def anchor_words(kpi: DeclaredKpi, event_anchor: str) -> str:
    column = kpi.anchor_column(event_anchor)
    if column == DEADLINE and kpi.condition is not None and kpi.condition.clock is not None:
        return f"the earlier of {kpi.condition.clock.end} and the moment the target expired"
    return column
