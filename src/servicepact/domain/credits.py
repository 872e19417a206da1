"""The service-credit regime of a contract (PRODUCT.md §7).

The regime is data; the arithmetic is in ``engine/credits.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

Percent = Decimal


class Escalation(BaseModel):
    """A repeated breach of the same level within ``within_months`` is multiplied."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    within_months: int = Field(default=12, ge=1, le=36)
    multiplier: Decimal = Field(default=Decimal("1.5"), ge=1, le=5)
    count_below_expected: bool = Field(
        default=True,
        description=(
            "PRODUCT.md §7: a month below expected (no credit) still counts toward escalation; "
            "set false to count only earlier breaches"
        ),
    )


class EarnBack(BaseModel):
    """A credit is returned when the level is met for the following N months."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    after_months_met: int = Field(ge=1, le=24)
    partial: bool = Field(
        default=False,
        description="return 1/N of the credit for each month met, instead of all or nothing",
    )


class PerformanceCategory(BaseModel):
    """Optional: credit = category allocation × level allocation × at-risk amount."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    allocation_percent: Decimal = Field(gt=0, le=100)


class CreditRegime(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at_risk_percent: Decimal = Field(gt=0, le=100)
    pool_percent: Decimal = Field(default=Decimal(100), ge=100, le=500)
    max_allocation_percent: Decimal = Field(
        default=Decimal(50), gt=0, le=100, description="no single level above this"
    )
    categories: tuple[PerformanceCategory, ...] = ()
    escalation: Escalation | None = None
    earn_back: EarnBack | None = None

    @model_validator(mode="after")
    def _categories(self) -> CreditRegime:
        ids = [c.id for c in self.categories]
        if len(ids) != len(set(ids)):
            raise ValueError("performance category ids must be unique")
        return self


class CreditOutcome(StrEnum):
    """What a service level's month meant for the credit."""

    CREDIT = "credit"  # breached: a credit is due
    MET = "met"
    BELOW_EXPECTED = "below_expected"  # no credit; counts toward escalation and the scorecard
    INSUFFICIENT_DATA = "insufficient_data"  # no credit, flagged for follow-up
    NO_RESULT = "no_result"  # nothing measured for the month: no credit, flagged
    WAIVED = "waived"  # an approved exclusion covers the month: no credit
    KEY_MEASUREMENT = "key_measurement"  # reported only, never credited

    @property
    def flagged(self) -> bool:
        return self in (CreditOutcome.INSUFFICIENT_DATA, CreditOutcome.NO_RESULT)


class EarnBackOutcome(StrEnum):
    RETURNED = "returned"  # met every month of the window: the whole credit comes back
    PARTIAL = "partial"  # the contract allows partial earn-back: k of N months returned
    BROKEN = "broken"  # a month in the window was not met: nothing comes back


@dataclass(frozen=True)
class CreditLine:
    """One critical service level (or key measurement) in one month, explained."""

    service_level_id: str
    name: str
    outcome: CreditOutcome
    months: tuple[str, ...]  # this month first, then earlier months that escalated it
    clause: str  # which contract terms produced the line
    arithmetic: str  # e.g. "12 % × 100,000,000 = 12,000,000; × 40 % = 4,800,000"
    expected: Decimal | None = None  # the (improved) targets the result was measured against
    minimum: Decimal | None = None
    value: str | None = None  # the measured value, as displayed
    allocation_percent: Decimal | None = None
    category_percent: Decimal | None = None
    multiplier: Decimal = Decimal(1)
    amount: Decimal = Decimal(0)  # before the monthly cap, rounded once
    charged: Decimal = Decimal(0)  # after the monthly cap

    @property
    def month(self) -> str:
        return self.months[0]


@dataclass(frozen=True)
class EarnBackLine:
    """A credit of an earlier month, returned (or not) after the level was met N months."""

    service_level_id: str
    credit_month: str
    window: tuple[str, ...]  # the N months after the credit month
    months_met: tuple[str, ...]
    credited: Decimal  # what was charged in the credit month
    returned: Decimal
    outcome: EarnBackOutcome
    clause: str
    arithmetic: str


@dataclass(frozen=True)
class CreditFlag:
    service_level_id: str
    month: str
    reason: str


@dataclass(frozen=True)
class CreditStatement:
    """The month's credits: lines, cap, earn-back and flags, all in the contract's currency."""

    contract_id: str
    month: str
    currency: str
    monthly_fees: Decimal
    at_risk: Decimal
    at_risk_arithmetic: str
    lines: tuple[CreditLine, ...]
    earn_back: tuple[EarnBackLine, ...] = ()
    flags: tuple[CreditFlag, ...] = ()
    cap_applied: bool = False
    cap_arithmetic: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total_before_cap(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def total(self) -> Decimal:
        """Credits charged this month (after the cap)."""
        return sum((line.charged for line in self.lines), Decimal(0))

    @property
    def earn_back_total(self) -> Decimal:
        return sum((line.returned for line in self.earn_back), Decimal(0))

    @property
    def net(self) -> Decimal:
        """What the month's invoice is reduced by: credits minus credits earned back."""
        return self.total - self.earn_back_total

    def charged_for(self, service_level_id: str) -> Decimal:
        return sum(
            (line.charged for line in self.lines if line.service_level_id == service_level_id),
            Decimal(0),
        )
