"""Contracts and their service levels — the heart of "contracts as code".

A ``Contract`` validates every cross-field rule of PRODUCT.md §4 and §7 and
raises errors keyed by field path (pydantic's ``loc``), so the contract-file
layer can point at the exact line of the YAML that is wrong.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from servicepact.domain.calendars import Calendar
from servicepact.domain.credits import CreditRegime
from servicepact.domain.event_types import BUILT_IN, PersonalData
from servicepact.domain.fees import Fee, FeeKind
from servicepact.domain.kpis import CATALOGUE, Direction, KpiDefinition, Unit, check_params
from servicepact.domain.money import MINOR_UNITS

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
FilterValue = str | int | bool | list[str | int | bool]


class ServiceLevelKind(StrEnum):
    CRITICAL = "critical"  # carries a service credit
    KEY = "key"  # key measurement: measured and reported, no credit


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    CONTRACT_YEAR = "contract_year"


class Treatment(StrEnum):
    PSEUDONYMISE = "pseudonymise"  # keyed hash (HMAC-SHA-256) at load
    DROP = "drop"  # the column never reaches storage
    ALLOW = "allow"  # stored in clear: only where the contract explicitly allows it


class Term(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Term:
        if self.end <= self.start:
            raise ValueError(f"the term ends ({self.end}) on or before it starts ({self.start})")
        return self


class Improvement(BaseModel):
    """Continuous improvement: each contract year the levels move toward perfection."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_year_percent_of_gap: Decimal = Field(gt=0, le=100)


class IdTreatment(StrEnum):
    PSEUDONYMISE = "pseudonymise"
    REFUSE = "refuse"


_PATTERN_SYNTAX = re.compile(r"[A-Za-z0-9\[\]{}\-_,.|?]+")


def _check_pattern(pattern: str) -> None:
    """A pattern of plain characters, classes, counts and alternatives: read the same by
    Python and RE2, linear to match (no groups, no look-around, no nested repetition)."""
    if not 1 <= len(pattern) <= 60 or not _PATTERN_SYNTAX.fullmatch(pattern):
        raise ValueError(
            f"{pattern!r}: use letters, digits, [classes], {{counts}}, ? and | (at most 60 "
            "characters), e.g. E[0-9]{5}"
        )
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise ValueError(f"{pattern!r} is not a regular expression: {error}") from None
    if compiled.fullmatch(""):
        raise ValueError(f"{pattern!r} matches empty text")


class DataProtection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    personal_data: tuple[PersonalData, ...] = ()
    treatment: Treatment = Treatment.PSEUDONYMISE
    allow_in_clear: tuple[PersonalData, ...] = Field(
        default=(), description="categories the contract explicitly allows to store in clear"
    )
    purpose: str = ""
    retention_months: int | None = Field(default=None, ge=1, le=240)
    employee_number_patterns: tuple[str, ...] = Field(
        default=(),
        max_length=10,
        description="regular expressions of the client's employee numbers (e.g. 'E[0-9]{5}'): "
        "masked as [employee] wherever they appear in free text",
    )
    personal_data_in_ids: IdTreatment = Field(
        default=IdTreatment.PSEUDONYMISE,
        description="an event id holding a personal value of its own row (PAY-2026-01-E10001): "
        "that part pseudonymised, or the file refused",
    )

    @field_validator("employee_number_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            _check_pattern(pattern)
        return patterns

    @model_validator(mode="after")
    def _clear_only_when_allowed(self) -> DataProtection:
        if self.treatment is Treatment.ALLOW and not self.allow_in_clear:
            raise ValueError(
                "treatment 'allow' stores personal data in clear: list the categories in "
                "allow_in_clear to make that explicit"
            )
        return self

    def treatment_for(self, category: PersonalData) -> Treatment:
        """How a column of this category is treated at load (drop unless declared)."""
        if category in self.allow_in_clear:
            return Treatment.ALLOW
        if category not in self.personal_data:
            return Treatment.DROP
        return Treatment.PSEUDONYMISE if self.treatment is Treatment.ALLOW else self.treatment


class ServiceLevel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: str = Field(min_length=1)
    kpi: str
    source: str
    params: dict[str, Any] = Field(default_factory=dict)
    filter: dict[str, FilterValue] = Field(default_factory=dict)
    calendar: str | None = None
    expected: Decimal
    minimum: Decimal
    kind: ServiceLevelKind = ServiceLevelKind.CRITICAL
    allocation_percent: Decimal | None = Field(default=None, gt=0, le=100)
    category: str | None = Field(default=None, description="performance category id")
    improvement: Improvement | None = None
    period: PeriodKind = PeriodKind.MONTH
    min_sample: int = Field(default=1, ge=1)

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, value: str) -> str:
        if value not in CATALOGUE:
            raise PydanticCustomError(
                "unknown_kpi",
                "unknown KPI {kpi}; known KPIs: {known}",
                {"kpi": repr(value), "known": ", ".join(sorted(CATALOGUE))},
            )
        return value

    @property
    def definition(self) -> KpiDefinition:
        return CATALOGUE[self.kpi]

    @property
    def direction(self) -> Direction:
        return self.definition.direction

    @property
    def credited(self) -> bool:
        return self.kind is ServiceLevelKind.CRITICAL

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> ServiceLevel:
        kpi = CATALOGUE[self.kpi]
        errors: list[InitErrorDetails] = []

        def fail(loc: tuple[str | int, ...], message: str) -> None:
            errors.append(
                InitErrorDetails(
                    type=PydanticCustomError("rule", message),
                    loc=loc,
                    input=None,
                )
            )

        custom_types = (info.context or {}).get("custom_event_types", ())
        if self.source != kpi.event_type and self.source not in custom_types:
            fail(("source",), f"{kpi.name} reads {kpi.event_type!r} events, not {self.source!r}")
        for param, message in check_params(kpi, self.params):
            fail(("params", param), message)
        if kpi.is_ratio():
            for name in ("expected", "minimum"):
                value = getattr(self, name)
                if not Decimal(0) <= value <= Decimal(1):
                    fail((name,), f"must be between 0 and 1 (a share), got {value}")
        else:
            for name in ("expected", "minimum"):
                if getattr(self, name) < 0:
                    fail((name,), f"must not be negative, got {getattr(self, name)}")
        if kpi.direction is Direction.HIGHER_IS_BETTER and self.minimum > self.expected:
            fail(
                ("minimum",),
                f"is stricter than expected ({self.minimum} > {self.expected}); "
                f"for {kpi.name} higher is better, so minimum must be ≤ expected",
            )
        if kpi.direction is Direction.LOWER_IS_BETTER and self.minimum < self.expected:
            fail(
                ("minimum",),
                f"is stricter than expected ({self.minimum} < {self.expected}); "
                f"for {kpi.name} lower is better, so minimum must be ≥ expected",
            )
        if self.kind is ServiceLevelKind.CRITICAL and self.allocation_percent is None:
            fail(("allocation_percent",), "a critical service level needs an allocation percent")
        if self.kind is ServiceLevelKind.KEY and self.allocation_percent is not None:
            fail(("allocation_percent",), "a key measurement carries no credit: remove it")
        if kpi.uses_calendar and self.calendar is None:
            fail(("calendar",), f"{kpi.name} measures business time: name a calendar")
        if self.improvement is not None and kpi.unit not in (Unit.RATIO,):
            fail(
                ("improvement",),
                "continuous improvement moves a share toward 100 %; it applies to ratio KPIs",
            )
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: str = Field(min_length=1)
    client: Identifier
    vendor: Identifier
    broker: Identifier | None = None
    processes: tuple[Identifier, ...] = ()
    term: Term
    currency: str = "KRW"
    calendars: dict[Identifier, Calendar] = Field(default_factory=dict)
    fees: tuple[Fee, ...] = ()
    credits: CreditRegime | None = None
    data_protection: DataProtection = Field(default_factory=DataProtection)
    service_levels: tuple[ServiceLevel, ...]
    expected_daily_volume: dict[str, int] = Field(
        default_factory=dict,
        description="events per working day by source, for the completeness control",
    )

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in MINOR_UNITS:
            raise ValueError(
                f"{value!r} is not a supported currency ({', '.join(sorted(MINOR_UNITS))})"
            )
        return value

    def service_level(self, sl_id: str) -> ServiceLevel:
        for sl in self.service_levels:
            if sl.id == sl_id:
                return sl
        raise KeyError(sl_id)

    @property
    def sources(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for sl in self.service_levels:
            seen.setdefault(sl.source, None)
        for fee in self.fees:
            if fee.source:
                seen.setdefault(fee.source, None)
        return tuple(seen)

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> Contract:
        errors: list[InitErrorDetails] = []

        def fail(loc: tuple[str | int, ...], message: str) -> None:
            errors.append(
                InitErrorDetails(
                    type=PydanticCustomError("rule", message),
                    loc=loc,
                    input=None,
                )
            )

        if self.broker is not None and self.broker == self.vendor:
            fail(("broker",), "the broker and the vendor are the same party")
        if self.client == self.vendor:
            fail(("vendor",), "the vendor and the client are the same party")
        if not self.service_levels:
            fail(("service_levels",), "a contract needs at least one service level")
        seen_ids: set[str] = set()
        for index, sl in enumerate(self.service_levels):
            if sl.id in seen_ids:
                fail(("service_levels", index, "id"), f"duplicate service level id {sl.id!r}")
            seen_ids.add(sl.id)
            if sl.calendar is not None and sl.calendar not in self.calendars:
                known = ", ".join(self.calendars) or "none declared"
                fail(
                    ("service_levels", index, "calendar"),
                    f"unknown calendar {sl.calendar!r} (calendars: {known})",
                )
        seen_fees: set[str] = set()
        for index, fee in enumerate(self.fees):
            if fee.id in seen_fees:
                fail(("fees", index, "id"), f"duplicate fee id {fee.id!r}")
            seen_fees.add(fee.id)
            if (
                fee.kind is FeeKind.ONE_TIME
                and fee.month is not None
                and not (self.term.start <= fee.month <= self.term.end)
            ):
                fail(("fees", index, "month"), "falls outside the contract term")
        custom = set((info.context or {}).get("custom_event_types", ()))
        for index, fee in enumerate(self.fees):
            if fee.source is not None and fee.source not in BUILT_IN and fee.source not in custom:
                fail(("fees", index, "source"), f"unknown event type {fee.source!r}")

        critical = [(i, sl) for i, sl in enumerate(self.service_levels) if sl.credited]
        if self.credits is None:
            if critical:
                fail(
                    ("credits",),
                    "critical service levels need a credit regime (credits.at_risk_percent)",
                )
        else:
            regime = self.credits
            total = sum((sl.allocation_percent or Decimal(0) for _, sl in critical), Decimal(0))
            if total > regime.pool_percent:
                fail(
                    ("service_levels",),
                    f"allocations add up to {total} %, above the pool of {regime.pool_percent} %",
                )
            category_ids = {c.id for c in regime.categories}
            for index, sl in critical:
                if (
                    sl.allocation_percent is not None
                    and sl.allocation_percent > regime.max_allocation_percent
                ):
                    fail(
                        ("service_levels", index, "allocation_percent"),
                        f"{sl.allocation_percent} % is above the per-level cap of "
                        f"{regime.max_allocation_percent} %",
                    )
                if regime.categories and sl.category not in category_ids:
                    fail(
                        ("service_levels", index, "category"),
                        f"must name one of the performance categories: {', '.join(category_ids)}",
                    )
        for index, sl in enumerate(self.service_levels):
            if sl.category is not None and (
                self.credits is None or sl.category not in {c.id for c in self.credits.categories}
            ):
                fail(("service_levels", index, "category"), f"unknown category {sl.category!r}")
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self
