"""Event types and KPIs a contract declares itself, from a small closed vocabulary.

A contract can measure a process the built-in catalogue does not know
(procurement, quality control, a bespoke measure) without any code: it
declares the *event type* its data come in (columns, types, bounds, personal
data, id column, anchor) and *KPIs* over those events, built only from:

- ``ratio``: events meeting a condition ÷ events in scope;
- ``mean``, ``percentile`` (exact, nearest rank) and ``max`` of a measure — a
  clock between two timestamp columns (business time on a named calendar, minus
  pauses, or wall time) or a numeric column;
- ``count`` of events meeting a condition, ``sum`` of a numeric column;
- ``ratio_of_sums``: Σ a column (over events meeting a condition) ÷ Σ another.

Conditions are ``all`` / ``any`` / ``not`` over comparisons of a column with a
constant or another column, ``present``, and a clock compared with a target
(``within``) that may depend on a column such as priority. Nothing is ever
evaluated as code. Every rule that needs the event type or the contract's
calendars is checked by :func:`check_kpi`, which returns each problem at its
path, so a contract file reports them on their lines, all at once. Limits on
nesting depth, on the number of conditions and on columns keep a hostile
definition from costing anything at evaluation time: it is refused before.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from servicepact.domain.event_types import BUILT_IN, ColumnType, EventType
from servicepact.domain.kpis import Aggregate, Direction, KpiDefinition, Unit

# --- limits: refused at validation, never met at evaluation ------------------------------
MAX_EVENT_TYPES = 16
MAX_COLUMNS = 64
MAX_KPIS = 64
MAX_CONDITIONS = 32  # comparison, clock and all/any/not nodes in one KPI, all parts together
MAX_DEPTH = 6  # nesting of all/any/not
MAX_LIST_VALUES = 64  # values in one ``in`` list or one target table

# When each built-in event type's events happen (KPIS.md rule 3): the default anchor of
# a KPI declared over a built-in type. A declared type names its own.
BUILT_IN_ANCHORS: dict[str, str] = {
    "tickets": "created_at",
    "calls": "offered_at",
    "availability": "start",
    "payroll_items": "scheduled_pay_date",
    "invoices_processed": "received_at",
    "orders": "promised_at",
    "inventory_counts": "counted_at",
    "campaigns": "planned_launch",
}

DEADLINE = "deadline"
"""The anchor of a clock target: the earlier of the moment it was met and its expiry."""

_NAME = r"^[a-z][a-z0-9_]*$"
_ORDERED = {ColumnType.INTEGER, ColumnType.DECIMAL, ColumnType.TIMESTAMP, ColumnType.DATE}
_NUMERIC = {ColumnType.INTEGER, ColumnType.DECIMAL}
_TEXT = {ColumnType.STRING, ColumnType.TEXT}
_INSTANTS = {ColumnType.TIMESTAMP, ColumnType.DATE}

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")
SYMBOLS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}
TIME_UNITS: dict[str, int] = {"seconds": 1, "minutes": 60, "hours": 3600}


class KpiKind(StrEnum):
    RATIO = "ratio"
    MEAN = "mean"
    PERCENTILE = "percentile"
    MAX = "max"
    COUNT = "count"
    SUM = "sum"
    RATIO_OF_SUMS = "ratio_of_sums"


_AGGREGATE = {
    KpiKind.RATIO: Aggregate.RATIO,
    KpiKind.RATIO_OF_SUMS: Aggregate.RATIO,
    KpiKind.MEAN: Aggregate.MEAN,
    KpiKind.PERCENTILE: Aggregate.VALUE,
    KpiKind.MAX: Aggregate.VALUE,
    KpiKind.COUNT: Aggregate.COUNT,
    KpiKind.SUM: Aggregate.COUNT,
}

# Seconds in one unit of a duration measure's result.
UNIT_SECONDS: dict[Unit, int] = {
    Unit.SECONDS: 1,
    Unit.MINUTES: 60,
    Unit.HOURS: 3600,
    Unit.DAYS: 86_400,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DeclaredEventType(EventType):
    """An event type a contract declares: a built-in's shape plus the anchor rule."""

    anchor: str = Field(description="the timestamp or date column that places an event in a period")

    @model_validator(mode="after")
    def _anchor_and_limits(self) -> DeclaredEventType:
        if len(self.columns) > MAX_COLUMNS:
            raise ValueError(
                f"declares {len(self.columns)} columns, above the limit of {MAX_COLUMNS}"
            )
        if self.name in BUILT_IN:
            raise ValueError(f"{self.name!r} is a built-in event type: choose another name")
        names = self.column_names
        if self.anchor not in names:
            raise ValueError(
                f"the anchor {self.anchor!r} is not a declared column{_close(self.anchor, names)}"
            )
        if self.column(self.anchor).type not in _INSTANTS:
            raise ValueError(f"the anchor {self.anchor!r} must be a timestamp or date column")
        if self.column(self.id_column).type is not ColumnType.STRING:
            raise ValueError(f"the id column {self.id_column!r} must be a string column")
        if not self.column(self.id_column).required:
            raise ValueError(f"the id column {self.id_column!r} must be required")
        return self


class Clock(_Strict):
    """Time from one timestamp column to another: business time on a calendar, or wall time."""

    start: str = Field(alias="from")
    end: str = Field(alias="to")
    calendar: str | None = Field(default=None, description="None: wall time (24x7, no pauses)")
    pauses: str | None = Field(default=None, description="an intervals column stopping the clock")


class Target(_Strict):
    """A duration target: ``{hours: 4}``, or per value of a column: ``{by: priority, hours:
    {P1: 4, P2: 8}}`` (events whose value is not listed are not counted)."""

    seconds: Decimal | dict[str, Decimal] | None = None
    minutes: Decimal | dict[str, Decimal] | None = None
    hours: Decimal | dict[str, Decimal] | None = None
    by: str | None = None

    @model_validator(mode="after")
    def _one_unit(self) -> Target:
        given = [u for u in TIME_UNITS if getattr(self, u) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of seconds, minutes or hours")
        value = getattr(self, given[0])
        if self.by is None and isinstance(value, dict):
            raise ValueError(f"a table of {given[0]} needs `by`: the column that picks the target")
        if self.by is not None and not isinstance(value, dict):
            raise ValueError(
                f"with `by: {self.by}` give {given[0]} per value, e.g. {{P1: 4, P2: 8}}"
            )
        values = value.values() if isinstance(value, dict) else [value]
        if isinstance(value, dict) and not 0 < len(value) <= MAX_LIST_VALUES:
            raise ValueError(f"list between 1 and {MAX_LIST_VALUES} values")
        if any(v < 0 for v in values):
            raise ValueError("a target must not be negative")
        return self

    @property
    def unit(self) -> str:
        return next(u for u in TIME_UNITS if getattr(self, u) is not None)

    def seconds_of(self, amount: Decimal) -> Fraction:
        return Fraction(amount) * TIME_UNITS[self.unit]

    def table(self) -> dict[str, Fraction] | None:
        value = getattr(self, self.unit)
        if not isinstance(value, dict):
            return None
        return {str(k): self.seconds_of(v) for k, v in value.items()}

    def uniform(self) -> Fraction | None:
        value = getattr(self, self.unit)
        return None if isinstance(value, dict) else self.seconds_of(value)


class ColumnRef(_Strict):
    column: str


Scalar = bool | int | Decimal | str
Operand = ColumnRef | Scalar


class Condition(_Strict):
    """One node: ``all``/``any``/``not``, a column comparison, ``present``, or a clock target."""

    all_: tuple[Condition, ...] | None = Field(default=None, alias="all")
    any_: tuple[Condition, ...] | None = Field(default=None, alias="any")
    not_: Condition | None = Field(default=None, alias="not")
    column: str | None = None
    eq: Operand | None = None
    ne: Operand | None = None
    lt: Operand | None = None
    le: Operand | None = None
    gt: Operand | None = None
    ge: Operand | None = None
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in")
    present: bool | None = None
    clock: Clock | None = None
    within: Target | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> Condition:
        shapes = [
            name
            for name, given in (
                ("all", self.all_ is not None),
                ("any", self.any_ is not None),
                ("not", self.not_ is not None),
                ("column", self.column is not None),
                ("clock", self.clock is not None),
            )
            if given
        ]
        if len(shapes) != 1:
            raise ValueError(
                "a condition is exactly one of: all: [...], any: [...], not: {...}, "
                "{column: c, eq|ne|lt|le|gt|ge|in|present: value}, or {clock: {...}, within: {...}}"
                + (f" (found {', '.join(shapes)})" if shapes else "")
            )
        operators = self.operators()
        if self.column is not None and len(operators) != 1:
            raise ValueError(
                f"compare column {self.column!r} with exactly one of "
                "eq, ne, lt, le, gt, ge, in, present"
            )
        if self.column is None and operators:
            raise ValueError(f"{operators[0]} needs a `column`")
        if self.clock is not None and self.within is None:
            raise ValueError("a clock condition needs `within`: the target")
        if self.clock is None and self.within is not None:
            raise ValueError("`within` needs a `clock`")
        for name, items in (("all", self.all_), ("any", self.any_)):
            if items is not None and not items:
                raise ValueError(f"`{name}` needs at least one condition")
        if self.in_ is not None and not 0 < len(self.in_) <= MAX_LIST_VALUES:
            raise ValueError(f"`in` lists between 1 and {MAX_LIST_VALUES} values")
        return self

    def operators(self) -> list[str]:
        found = [op for op in COMPARISONS if getattr(self, op) is not None]
        if self.in_ is not None:
            found.append("in")
        if self.present is not None:
            found.append("present")
        return found

    def children(self) -> tuple[Condition, ...]:
        if self.all_ is not None:
            return self.all_
        if self.any_ is not None:
            return self.any_
        if self.not_ is not None:
            return (self.not_,)
        return ()


class Measure(_Strict):
    """What a mean, percentile, max or sum is taken of: a clock or a numeric column."""

    clock: Clock | None = None
    column: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Measure:
        if (self.clock is None) == (self.column is None):
            raise ValueError("a measure is either {clock: {from: a, to: b, ...}} or {column: c}")
        return self


class SumOf(_Strict):
    """Σ a numeric column over the events in scope meeting ``where`` (all of them without)."""

    sum: str
    where: Condition | None = None


class DeclaredKpi(_Strict):
    name: str = Field(pattern=_NAME)
    kind: KpiKind
    title: str = Field(min_length=1)
    events: str = Field(description="the event type it reads (built-in or declared)")
    description: str = ""
    scope: Condition | None = Field(default=None, description="events counted at all")
    condition: Condition | None = None
    measure: Measure | None = None
    percentile: Decimal | None = None
    numerator: SumOf | None = None
    denominator: SumOf | None = None
    anchor: str | None = Field(
        default=None, description="a timestamp/date column, or 'deadline' for a clock target"
    )
    unit: Unit | None = None
    direction: Direction
    min_sample: int = Field(default=1, ge=1)

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in KpiKind.__members__.values():
            kinds = [k.value for k in KpiKind]
            close = difflib.get_close_matches(value, kinds, 1, 0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"unknown KPI kind {value!r} (kinds: {', '.join(kinds)}){hint}")
        return value

    @model_validator(mode="after")
    def _shape(self) -> DeclaredKpi:
        kind = self.kind
        wanted = {
            KpiKind.RATIO: {"condition"},
            KpiKind.MEAN: {"measure"},
            KpiKind.MAX: {"measure"},
            KpiKind.PERCENTILE: {"measure", "percentile"},
            KpiKind.COUNT: set(),
            KpiKind.SUM: {"measure"},
            KpiKind.RATIO_OF_SUMS: {"numerator", "denominator"},
        }[kind]
        allowed = wanted | ({"condition"} if kind in (KpiKind.COUNT, KpiKind.SUM) else set())
        problems = [
            f"a {kind.value} KPI needs `{part}`"
            for part in sorted(wanted)
            if getattr(self, part) is None
        ]
        problems += [
            f"`{part}` does not belong to a {kind.value} KPI"
            for part in ("condition", "measure", "percentile", "numerator", "denominator")
            if part not in allowed and getattr(self, part) is not None
        ]
        if self.percentile is not None and not Decimal(0) < self.percentile <= Decimal(100):
            problems.append(f"percentile must lie in (0, 100], got {self.percentile}")
        if kind is KpiKind.SUM and self.measure is not None and self.measure.clock is not None:
            problems.append("a sum adds a numeric column: measure: {column: c}")
        if self.anchor == DEADLINE and not (
            kind is KpiKind.RATIO
            and self.condition is not None
            and self.condition.clock is not None
        ):
            problems.append(
                "anchor: deadline places a clock target: the condition must be one clock "
                "with `within`"
            )
        if (
            self.unit is not None
            and self.unit is not self.default_unit()
            and (self.default_unit() in (Unit.RATIO, Unit.COUNT) or self.unit is Unit.RATIO)
        ):
            problems.append(f"a {kind.value} KPI is measured in {self.default_unit().value}")
        if (
            self.measure is not None
            and self.measure.clock is not None
            and self.unit not in (None, *UNIT_SECONDS)
        ):
            problems.append("a clock is measured in seconds, minutes, hours or days")
        nodes, depth = _size(self)
        if nodes > MAX_CONDITIONS:
            problems.append(f"has {nodes} conditions, above the limit of {MAX_CONDITIONS}")
        if depth > MAX_DEPTH:
            problems.append(f"nests conditions {depth} deep, above the limit of {MAX_DEPTH}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def default_unit(self) -> Unit:
        if self.kind in (KpiKind.RATIO, KpiKind.RATIO_OF_SUMS):
            return Unit.RATIO
        if self.kind is KpiKind.COUNT:
            return Unit.COUNT
        if self.measure is not None and self.measure.clock is not None:
            return Unit.HOURS
        return Unit.SCORE

    @property
    def effective_unit(self) -> Unit:
        return self.unit or self.default_unit()

    def conditions(self) -> Iterator[tuple[tuple[str | int, ...], Condition]]:
        """Every condition node with its path inside the KPI."""
        roots: list[tuple[tuple[str | int, ...], Condition | None]] = [
            (("scope",), self.scope),
            (("condition",), self.condition),
        ]
        for part in ("numerator", "denominator"):
            of = getattr(self, part)
            if of is not None:
                roots.append(((part, "where"), of.where))
        for path, root in roots:
            if root is not None:
                yield from _walk(path, root)

    def clocks(self) -> Iterator[tuple[tuple[str | int, ...], Clock]]:
        for path, node in self.conditions():
            if node.clock is not None:
                yield (*path, "clock"), node.clock
        if self.measure is not None and self.measure.clock is not None:
            yield ("measure", "clock"), self.measure.clock

    @property
    def calendar(self) -> str | None:
        """The calendar its business clocks run on (one per KPI), or None for wall time."""
        for _, clock in self.clocks():
            if clock.calendar is not None:
                return clock.calendar
        return None

    def anchor_column(self, event_anchor: str) -> str:
        """The column (or ``deadline``) that places an event in a period."""
        if self.anchor is not None:
            return self.anchor
        if self.measure is not None and self.measure.clock is not None:
            return self.measure.clock.end  # a duration falls when it ends (like MTTR)
        return event_anchor


def _walk(
    path: tuple[str | int, ...], node: Condition
) -> Iterator[tuple[tuple[str | int, ...], Condition]]:
    yield path, node
    key = "all" if node.all_ is not None else "any" if node.any_ is not None else "not"
    if node.not_ is not None:
        yield from _walk((*path, "not"), node.not_)
        return
    for index, child in enumerate(node.children()):
        yield from _walk((*path, key, index), child)


def _depth(node: Condition) -> int:
    return 1 + max((_depth(c) for c in node.children()), default=0)


def _size(kpi: DeclaredKpi) -> tuple[int, int]:
    roots = [kpi.scope, kpi.condition]
    roots += [of.where for of in (kpi.numerator, kpi.denominator) if of is not None]
    present = [r for r in roots if r is not None]
    nodes = sum(1 for root in present for _ in _walk((), root))
    return nodes, max((_depth(r) for r in present), default=0)


def _close(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), 1, 0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


# --- checks against the event type and the calendars ------------------------------------

Loc = tuple[str | int, ...]


def event_type_of(name: str, declared: Mapping[str, EventType]) -> EventType | None:
    return declared.get(name) or BUILT_IN.get(name)


def event_anchor(event_type: EventType) -> str:
    if isinstance(event_type, DeclaredEventType):
        return event_type.anchor
    return BUILT_IN_ANCHORS[event_type.name]


def parse_instant(text: str) -> int | None:
    """An ISO 8601 timestamp with an offset as UTC epoch microseconds, or None."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _constant_fits(kind: ColumnType, value: Scalar) -> str | None:
    """Why ``value`` cannot be compared with a column of ``kind``, or None."""
    if kind in _TEXT:
        return None if isinstance(value, str) else "is a string column: compare it with text"
    if kind is ColumnType.BOOLEAN:
        return (
            None if isinstance(value, bool) else "is a boolean column: compare it with true/false"
        )
    if kind in _NUMERIC:
        ok = isinstance(value, int | Decimal) and not isinstance(value, bool)
        return (
            None
            if ok
            else f"is a{'n' if kind is ColumnType.INTEGER else ''} {kind.value} column: "
            "compare it with a number"
        )
    if kind is ColumnType.TIMESTAMP:
        ok = isinstance(value, str) and parse_instant(value) is not None
        return (
            None
            if ok
            else "is a timestamp column: compare it with an ISO timestamp with an offset, "
            "e.g. '2026-03-01T09:00:00+09:00'"
        )
    if kind is ColumnType.DATE:
        ok = isinstance(value, str) and parse_day(value) is not None
        return None if ok else "is a date column: compare it with a date written YYYY-MM-DD"
    return f"is an {kind.value} column: it can only be tested with `present`"


def _family(kind: ColumnType) -> str:
    if kind in _NUMERIC:
        return "number"
    if kind in _TEXT:
        return "text"
    return kind.value


@dataclass
class _KpiCheck:
    """The problems found so far in one KPI, checked against its event type's columns and the
    contract's calendars."""

    event_type: EventType
    calendars: Mapping[str, Any]
    problems: list[tuple[Loc, str]] = field(default_factory=list)

    def column(
        self, loc: Loc, name: str, kinds: set[ColumnType] | None, what: str
    ) -> ColumnType | None:
        """The type of column ``name``; None (and a problem) when it is missing or not one
        of ``kinds``."""
        columns = {c.name: c.type for c in self.event_type.columns}
        if name not in columns:
            self.problems.append(
                (loc, f"{self.event_type.name} has no column {name!r}{_close(name, columns)}")
            )
            return None
        if kinds is not None and columns[name] not in kinds:
            self.problems.append((loc, f"{what}; {name!r} is a {columns[name].value} column"))
            return None
        return columns[name]

    def clock(self, loc: Loc, spec: Clock) -> None:
        need = "a clock runs between two timestamp columns"
        self.column((*loc, "from"), spec.start, {ColumnType.TIMESTAMP}, need)
        self.column((*loc, "to"), spec.end, {ColumnType.TIMESTAMP}, need)
        if spec.calendar is not None and spec.calendar not in self.calendars:
            known = ", ".join(self.calendars) or "none declared"
            self.problems.append(
                (
                    (*loc, "calendar"),
                    f"calendar {spec.calendar!r} is not declared (calendars: {known})"
                    + _close(spec.calendar, self.calendars),
                )
            )
        if spec.pauses is not None:
            self.column(
                (*loc, "pauses"),
                spec.pauses,
                {ColumnType.INTERVALS},
                "pauses are an intervals column",
            )
            if spec.calendar is None:
                self.problems.append(
                    ((*loc, "pauses"), "pauses need a calendar (a 24x7 calendar gives wall time)")
                )

    def condition(self, path: Loc, node: Condition) -> None:
        if node.clock is not None:
            self.clock((*path, "clock"), node.clock)
            target = node.within
            if target is not None and target.by is not None:
                self.column(
                    (*path, "within", "by"),
                    target.by,
                    {ColumnType.STRING, ColumnType.INTEGER},
                    "a target is picked by a string or integer column",
                )
            return
        if node.column is None:
            return
        kind = self.column((*path, "column"), node.column, None, "")
        if kind is None:
            return
        for op in node.operators():
            if op != "present":
                self.operator((*path, op), node, op, kind)

    def operator(self, loc: Loc, node: Condition, op: str, kind: ColumnType) -> None:
        """One comparison of a condition: its operand fits the column, and the column is
        ordered where the operator needs an order."""
        assert node.column is not None
        if op == "in":
            for index, value in enumerate(node.in_ or ()):
                why = _constant_fits(kind, value)
                if why is None and kind in (
                    ColumnType.TIMESTAMP,
                    ColumnType.DATE,
                    ColumnType.BOOLEAN,
                    ColumnType.DECIMAL,
                ):
                    why = f"is a {kind.value} column: `in` lists text or whole numbers"
                if why is not None:
                    self.problems.append(((*loc, index), f"{node.column!r} {why}"))
                    break
            return
        operand = getattr(node, op)
        if isinstance(operand, ColumnRef):
            other = self.column((*loc, "column"), operand.column, None, "")
            if other is not None and _family(other) != _family(kind):
                self.problems.append(
                    (
                        (*loc, "column"),
                        f"cannot compare {node.column!r} ({kind.value}) with "
                        f"{operand.column!r} ({other.value})",
                    )
                )
                return
            if other is None:
                return
        else:
            why = _constant_fits(kind, operand)
            if why is not None:
                self.problems.append((loc, f"{node.column!r} {why}"))
                return
        if op not in ("eq", "ne") and kind not in _ORDERED:
            self.problems.append(
                (
                    loc,
                    f"{node.column!r} is a {kind.value} column: only eq, ne, in and present apply",
                )
            )


def check_kpi(
    kpi: DeclaredKpi,
    declared_types: Mapping[str, EventType],
    calendars: Mapping[str, Any],
) -> list[tuple[Loc, str]]:
    """Every problem of a KPI against its event type and the contract's calendars."""
    event_type = event_type_of(kpi.events, declared_types)
    if event_type is None:
        known = sorted({*BUILT_IN, *declared_types})
        return [(("events",), f"unknown event type {kpi.events!r}{_close(kpi.events, known)}")]
    check = _KpiCheck(event_type, calendars)
    for path, node in kpi.conditions():
        check.condition(path, node)
    if kpi.measure is not None:
        if kpi.measure.clock is not None:
            check.clock(("measure", "clock"), kpi.measure.clock)
        elif kpi.measure.column is not None:
            check.column(
                ("measure", "column"),
                kpi.measure.column,
                _NUMERIC,
                f"a {kpi.kind.value} is taken of a number (integer or decimal column)",
            )
    for part in ("numerator", "denominator"):
        summed = getattr(kpi, part)
        if summed is not None:
            check.column(
                (part, "sum"), summed.sum, _NUMERIC, "a sum adds an integer or decimal column"
            )
    if kpi.anchor not in (None, DEADLINE):
        check.column(("anchor",), kpi.anchor, _INSTANTS, "an anchor is a timestamp or date column")
    named = {c.calendar for _, c in kpi.clocks() if c.calendar is not None}
    if len(named) > 1:
        check.problems.append(
            (
                ("measure",) if kpi.measure else ("condition",),
                f"a KPI runs its clocks on one calendar; this one names {', '.join(sorted(named))}",
            )
        )
    return check.problems


# --- the KPI as the rest of the product sees it ------------------------------------------


@dataclass(frozen=True)
class DeclaredKpiDefinition(KpiDefinition):
    """A catalogue-shaped definition of a declared KPI, carrying its declaration."""

    spec: DeclaredKpi | None = None
    event_anchor: str = ""

    @property
    def calendar(self) -> str | None:
        return self.spec.calendar if self.spec is not None else None


def definition_of(kpi: DeclaredKpi, event_type: EventType) -> DeclaredKpiDefinition:
    from servicepact.domain.declared_words import anchor_words, formula_words

    anchor = event_anchor(event_type)
    return DeclaredKpiDefinition(
        name=kpi.name,
        title=kpi.title,
        family="declared",
        event_type=kpi.events,
        unit=kpi.effective_unit,
        direction=kpi.direction,
        aggregate=_AGGREGATE[kpi.kind],
        formula=formula_words(kpi, event_type),
        anchor=anchor_words(kpi, anchor),
        source="the contract's own declaration",
        notes=kpi.description,
        spec=kpi,
        event_anchor=anchor,
    )
