"""Contracts and their service levels — the heart of "contracts as code".

A ``Contract`` validates every cross-field rule of PRODUCT.md §4 and §7 and
raises errors keyed by field path (pydantic's ``loc``), so the contract-file
layer can point at the exact line of the YAML that is wrong.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from servicepact.domain.calendars import Calendar, HolidayList, holiday_lists_hash
from servicepact.domain.credits import CreditRegime
from servicepact.domain.declared import (
    MAX_EVENT_TYPES,
    MAX_KPIS,
    DeclaredEventType,
    DeclaredKpi,
    DeclaredKpiDefinition,
    check_kpi,
    definition_of,
    event_type_of,
)
from servicepact.domain.event_types import BUILT_IN, PersonalData
from servicepact.domain.fees import Fee, FeeKind
from servicepact.domain.kpis import CATALOGUE, Direction, KpiDefinition, Unit, check_params
from servicepact.domain.lifecycle import (
    Lifecycle,
    LifecycleState,
    last_possible_day,
    lifecycle_state,
    working_days,
)
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
    # The definition of a KPI the contract declares itself (set while the contract is
    # validated; see Contract.declared_context), or None for a catalogue KPI.
    _declared: DeclaredKpiDefinition | None = PrivateAttr(default=None)

    @field_validator("kpi")
    @classmethod
    def _known_kpi(cls, value: str, info: ValidationInfo) -> str:
        declared = (info.context or {}).get("declared_kpis", {})
        if value not in CATALOGUE and value not in declared:
            known = sorted({*CATALOGUE, *declared})
            close = difflib.get_close_matches(value, known, 1, 0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            listed = ", ".join(sorted(declared)) if declared else ", ".join(sorted(CATALOGUE))
            what = "the contract's own KPIs and the catalogue" if declared else "known KPIs"
            raise PydanticCustomError(
                "unknown_kpi",
                "unknown KPI {kpi}{hint} ({what}: {known})",
                {"kpi": repr(value), "hint": hint, "what": what, "known": listed},
            )
        return value

    @property
    def definition(self) -> KpiDefinition:
        if self._declared is not None:
            return self._declared
        return CATALOGUE[self.kpi]

    @property
    def effective_min_sample(self) -> int:
        """The larger of the level's minimum sample and its declared KPI's."""
        spec = self._declared.spec if self._declared is not None else None
        return max(self.min_sample, spec.min_sample if spec is not None else 1)

    @property
    def calendar_name(self) -> str | None:
        """The calendar the level measures on: its own, else its declared KPI's clock's."""
        if self.calendar is not None:
            return self.calendar
        return self._declared.calendar if self._declared is not None else None

    @property
    def direction(self) -> Direction:
        return self.definition.direction

    @property
    def credited(self) -> bool:
        return self.kind is ServiceLevelKind.CRITICAL

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> ServiceLevel:
        declared = (info.context or {}).get("declared_kpis", {})
        if self.kpi in declared:
            return self._coherent_declared(declared[self.kpi])
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

    def _coherent_declared(self, kpi: DeclaredKpiDefinition | None) -> ServiceLevel:
        """The rules of a level measuring a KPI the contract declares (None: that KPI is
        itself broken, and reported where it is declared)."""
        if kpi is None:
            return self
        errors: list[InitErrorDetails] = []

        def fail(loc: tuple[str | int, ...], message: str) -> None:
            errors.append(
                InitErrorDetails(type=PydanticCustomError("rule", message), loc=loc, input=None)
            )

        if self.source != kpi.event_type:
            fail(("source",), f"{kpi.name} reads {kpi.event_type!r} events, not {self.source!r}")
        if self.params:
            fail(("params",), f"{kpi.name} is declared by the contract and takes no parameters")
        if kpi.is_ratio():
            for name in ("expected", "minimum"):
                value = getattr(self, name)
                if not Decimal(0) <= value <= Decimal(1):
                    fail((name,), f"must be between 0 and 1 (a share), got {value}")
        higher = kpi.direction is Direction.HIGHER_IS_BETTER
        if higher and self.minimum > self.expected:
            fail(("minimum",), f"for {kpi.name} higher is better, so minimum must be ≤ expected")
        if not higher and self.minimum < self.expected:
            fail(("minimum",), f"for {kpi.name} lower is better, so minimum must be ≥ expected")
        if self.kind is ServiceLevelKind.CRITICAL and self.allocation_percent is None:
            fail(("allocation_percent",), "a critical service level needs an allocation percent")
        if self.kind is ServiceLevelKind.KEY and self.allocation_percent is not None:
            fail(("allocation_percent",), "a key measurement carries no credit: remove it")
        if self.calendar is not None and kpi.calendar not in (None, self.calendar):
            fail(
                ("calendar",),
                f"{kpi.name} runs its clock on calendar {kpi.calendar!r}, not {self.calendar!r}",
            )
        if self.improvement is not None and not kpi.is_ratio():
            fail(("improvement",), "continuous improvement applies to ratio KPIs")
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        self._declared = kpi
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
    lifecycle: Lifecycle | None = Field(
        default=None, description="renewal, notice and termination (docs/contract-file.md)"
    )
    currency: str = "KRW"
    calendars: dict[Identifier, Calendar] = Field(default_factory=dict)
    fees: tuple[Fee, ...] = ()
    credits: CreditRegime | None = None
    data_protection: DataProtection = Field(default_factory=DataProtection)
    event_types: tuple[DeclaredEventType, ...] = Field(
        default=(), description="event types the contract declares (docs/custom-kpis.md)"
    )
    kpis: tuple[DeclaredKpi, ...] = Field(
        default=(), description="KPIs the contract declares from the closed vocabulary"
    )
    service_levels: tuple[ServiceLevel, ...]
    expected_daily_volume: dict[str, int] = Field(
        default_factory=dict,
        description="events per working day by source, for the completeness control",
    )

    @classmethod
    def model_validate(
        cls, obj: Any, *, context: dict[str, Any] | None = None, **options: Any
    ) -> Contract:
        return super().model_validate(obj, context=cls.declared_context(obj, context), **options)

    @staticmethod
    def declared_context(data: Any, context: dict[str, Any] | None = None) -> dict[str, Any]:
        """The validation context with the contract's declared event types and KPIs.

        Service levels are validated before the contract they belong to, so the KPIs
        the contract declares are read from the raw data first: a level may then name
        one (its definition, or None when the declaration is itself broken and reported
        at its own place).
        """
        result = dict(context or {})
        if not isinstance(data, dict) or "declared_kpis" in result:
            return result
        types: dict[str, DeclaredEventType] = {}
        names: list[str] = []
        for raw in data.get("event_types") or ():
            if isinstance(raw, dict) and isinstance(raw.get("name"), str):
                names.append(raw["name"])
                try:
                    declared = DeclaredEventType.model_validate(raw)
                except ValidationError:
                    continue
                types[declared.name] = declared
        kpis: dict[str, DeclaredKpiDefinition | None] = {}
        for raw in data.get("kpis") or ():
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                continue
            kpis[raw["name"]] = None
            try:
                kpi = DeclaredKpi.model_validate(raw)
            except ValidationError:
                continue
            event_type = event_type_of(kpi.events, types)
            if event_type is None or check_kpi(kpi, types, data.get("calendars") or {}):
                continue
            kpis[kpi.name] = definition_of(kpi, event_type)
        result["declared_kpis"] = kpis
        result["custom_event_types"] = (*result.get("custom_event_types", ()), *names)
        return result

    @property
    def declared_event_types(self) -> dict[str, DeclaredEventType]:
        return {t.name: t for t in self.event_types}

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in MINOR_UNITS:
            raise ValueError(
                f"{value!r} is not a supported currency ({', '.join(sorted(MINOR_UNITS))})"
            )
        return value

    @property
    def lifecycle_timezone(self) -> str:
        """The zone of the contract's calendar that dates its lifecycle: the notice calendar,
        else the first calendar declared, else UTC."""
        life = self.lifecycle
        if life is not None and life.notice is not None and life.notice.calendar is not None:
            calendar = self.calendars.get(life.notice.calendar)
            if calendar is not None:
                return calendar.timezone
        for calendar in self.calendars.values():
            return calendar.timezone
        return "UTC"

    def today(self, now: datetime) -> date:
        """The day ``now`` falls on, on the contract's calendar."""
        return now.astimezone(ZoneInfo(self.lifecycle_timezone)).date()

    def lifecycle_on(self, today: date) -> LifecycleState:
        """Status, next renewal and notice deadline on ``today`` (domain/lifecycle.py)."""
        working = None
        life = self.lifecycle
        if life is not None and life.notice is not None and life.notice.calendar is not None:
            calendar = self.calendars[life.notice.calendar]
            working = working_days(
                lambda weekday: bool(calendar.weekly[weekday]),
                lambda year: calendar.holiday_dates(year, year),
            )
        return lifecycle_state(self.term.start, self.term.end, life, today, working)

    @property
    def termination_date(self) -> date | None:
        """The last day of a terminated contract: months starting after it are not measured."""
        life = self.lifecycle
        return None if life is None or life.termination is None else life.termination.date

    def after_termination(self, first_day: date) -> str | None:
        """Why a period starting on ``first_day`` is not measured, or None when it is."""
        termination = None if self.lifecycle is None else self.lifecycle.termination
        if termination is None or first_day <= termination.date:
            return None
        return (
            f"starts after the contract was terminated on {termination.date} "
            f"({termination.reason}); months after termination are not measured"
        )

    def service_level(self, sl_id: str) -> ServiceLevel:
        for sl in self.service_levels:
            if sl.id == sl_id:
                return sl
        raise KeyError(sl_id)

    # --- holiday lists (docs/business-time.md, "Holiday lists") -------------------------------

    @property
    def holiday_years(self) -> tuple[int, int]:
        """The years a version's holiday lists cover: the term's, one before (work opened just
        before the term starts) and one after (deadlines running past its end)."""
        return self.term.start.year - 1, self.term.end.year + 1

    def materialise_holidays(self) -> dict[str, HolidayList]:
        """Each calendar's holidays over ``holiday_years`` from its rule as the installed
        ``holidays`` package gives them today (calendars without holidays have none)."""
        first, last = self.holiday_years
        lists: dict[str, HolidayList] = {}
        for name, calendar in self.calendars.items():
            fixed = calendar.materialise_holidays(first, last)
            if fixed is not None:
                lists[name] = fixed
        return lists

    def with_holiday_lists(self, lists: dict[str, HolidayList]) -> Contract:
        """This contract measured with the stored lists, never the package, for its calendars."""
        if not lists:
            return self
        calendars = {
            name: calendar.with_stored(lists.get(name)) for name, calendar in self.calendars.items()
        }
        return self.model_copy(update={"calendars": calendars})

    @property
    def holiday_lists(self) -> dict[str, HolidayList]:
        """The lists this contract is measured with: the stored ones of a stored version, else
        (a contract read from a file) the package's over ``holiday_years``."""
        stored = {
            name: calendar.stored_holidays
            for name, calendar in self.calendars.items()
            if calendar.stored_holidays is not None
        }
        return stored or self.materialise_holidays()

    @property
    def calendar_hash(self) -> str:
        """SHA-256 over the holiday lists the contract is measured with (each result keeps it)."""
        return holiday_lists_hash(self.holiday_lists)

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
        self._check_lifecycle(fail)
        custom = set((info.context or {}).get("custom_event_types", ()))
        self._check_declarations(fail, custom)
        custom.update(t.name for t in self.event_types)
        for index, fee in enumerate(self.fees):
            if fee.source is not None and fee.source not in BUILT_IN and fee.source not in custom:
                fail(("fees", index, "source"), f"unknown event type {fee.source!r}")

        self._check_credits(fail)
        for index, sl in enumerate(self.service_levels):
            if sl.category is not None and (
                self.credits is None or sl.category not in {c.id for c in self.credits.categories}
            ):
                fail(("service_levels", index, "category"), f"unknown category {sl.category!r}")
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def _check_credits(self, fail: Any) -> None:
        """Critical levels have a credit regime; their allocations fit its pool and per-level
        cap; each names one of its performance categories when it has some."""
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

    def _check_lifecycle(self, fail: Any) -> None:
        """The notice calendar is declared; a termination lies within the contract's run."""
        life = self.lifecycle
        if life is None:
            return
        notice = life.notice
        if notice is not None and notice.calendar not in (None, *self.calendars):
            known = ", ".join(self.calendars) or "none declared"
            fail(
                ("lifecycle", "notice", "calendar"),
                f"unknown calendar {notice.calendar!r} (calendars: {known})",
            )
        if life.termination is None:
            return
        day = life.termination.date
        if day < self.term.start:
            fail(
                ("lifecycle", "termination", "date"),
                f"{day} is before the term starts ({self.term.start})",
            )
            return
        last = last_possible_day(self.term.start, self.term.end, life.renewal)
        if last is not None and day > last:
            why = (
                "the term ends then and does not renew"
                if not life.renewal.automatic
                else "the last allowed renewal ends then"
            )
            fail(
                ("lifecycle", "termination", "date"),
                f"{day} is after the contract's last possible day {last} ({why})",
            )

    def _check_declarations(self, fail: Any, named: set[str]) -> None:
        """Declared event types and KPIs: unique names, limits, and each KPI against its
        event type and the calendars (every problem at its own path)."""
        if len(self.event_types) > MAX_EVENT_TYPES:
            fail(("event_types",), f"declares more than {MAX_EVENT_TYPES} event types")
        if len(self.kpis) > MAX_KPIS:
            fail(("kpis",), f"declares more than {MAX_KPIS} KPIs")
        seen: set[str] = set()
        for index, event_type in enumerate(self.event_types):
            if event_type.name in seen:
                fail(
                    ("event_types", index, "name"), f"event type {event_type.name!r} declared twice"
                )
            seen.add(event_type.name)
        types = self.declared_event_types
        seen = set()
        for index, kpi in enumerate(self.kpis):
            if kpi.name in CATALOGUE:
                fail(
                    ("kpis", index, "name"), f"{kpi.name!r} is a catalogue KPI: choose another name"
                )
            if kpi.name in seen:
                fail(("kpis", index, "name"), f"KPI {kpi.name!r} declared twice")
            seen.add(kpi.name)
            if kpi.events in named and kpi.events not in types:
                continue  # its event type is declared but broken: reported there
            for loc, message in check_kpi(kpi, types, self.calendars):
                fail(("kpis", index, *loc), message)
