"""The service-credit regime of a contract (PRODUCT.md §7).

The regime is data; the arithmetic is in ``engine/credits.py``.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Percent = Decimal


class Escalation(BaseModel):
    """A repeated breach of the same level within ``within_months`` is multiplied."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    within_months: int = Field(default=12, ge=1, le=36)
    multiplier: Decimal = Field(default=Decimal("1.5"), ge=1, le=5)


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
