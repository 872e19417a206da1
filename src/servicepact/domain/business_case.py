"""The business case of outsourcing a process (PRODUCT.md §2.4, docs/business-case.md).

Inputs are monthly figures in the contract's currency: what running the process in-house costs
(the baseline) and what outsourcing it costs besides the vendor's fees (retained organisation,
governance, transition, broker). The vendor's fees come from the contract's fee schedule at the
planned volume, so the case and the invoices speak of the same prices.

Business-case files live in ``examples/business-cases/<contract id>.yaml`` (or any path given on
the command line) rather than in the contract file: the case is the client's internal planning,
not a term agreed with the vendor.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Money = Annotated[Decimal, Field(ge=0)]


class InHouseBaseline(BaseModel):
    """What the process costs when the client runs it itself, per month."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fte: Decimal = Field(ge=0, description="people doing the work")
    loaded_cost_per_fte: Money = Field(description="salary, benefits and taxes per FTE per month")
    facilities: Money = Decimal(0)
    systems: Money = Decimal(0)
    overhead: Money = Decimal(0)
    one_time_costs_avoided: Money = Field(
        default=Decimal(0),
        description="a one-off cost outsourcing avoids (e.g. a system upgrade), in month 1",
    )


class BrokerTerms(BaseModel):
    """What a broker keeps between the client's price and the vendor's (where known)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    margin_percent: Decimal | None = Field(
        default=None, ge=0, lt=100, description="share of the client's price the broker keeps"
    )
    vendor_fees_monthly: Money | None = Field(
        default=None, description="what the vendor receives per month, when the broker says"
    )
    fee_monthly: Money = Field(
        default=Decimal(0), description="a separate broker fee the client pays each month"
    )

    @model_validator(mode="after")
    def _one_way_to_know_the_margin(self) -> BrokerTerms:
        if self.margin_percent is not None and self.vendor_fees_monthly is not None:
            raise ValueError("give margin_percent or vendor_fees_monthly, not both")
        return self


class OutsourcedCosts(BaseModel):
    """What outsourcing costs besides the vendor's fees, per month unless one-time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    retained_organisation: Money = Field(
        default=Decimal(0), description="the client's own people who stay to run the process"
    )
    governance: Money = Field(default=Decimal(0), description="vendor management, audits")
    transition_one_time: Money = Field(
        default=Decimal(0), description="one-time transition costs outside the fee schedule"
    )
    expected_credits_monthly: Money = Field(
        default=Decimal(0), description="service credits the plan expects (reduce the cost)"
    )


class Sensitivity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    volume_percent: tuple[Decimal, ...] = (
        Decimal(-20),
        Decimal(-10),
        Decimal(0),
        Decimal(10),
        Decimal(20),
    )
    price_percent: tuple[Decimal, ...] = (Decimal(-10), Decimal(0), Decimal(10))


class BusinessCaseInputs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    contract_id: str
    currency: str = "KRW"
    months: int = Field(ge=1, le=240, description="the term the case runs over")
    start: str = Field(pattern=r"^\d{4}-\d{2}$", description="first month, e.g. 2026-01")
    discount_rate_percent: Decimal = Field(
        description="annual rate for the NPV; 0 to 100 %",
    )
    unit: str = Field(default="unit", description="what a unit is: call, payslip, invoice, order")
    monthly_volume: dict[str, int] = Field(
        default_factory=dict,
        description="planned volume per month by fee id (per-unit and volume-band fees)",
    )
    unit_fee: str | None = Field(
        default=None, description="the fee id whose volume counts units for the cost per unit"
    )
    in_house: InHouseBaseline
    outsourced: OutsourcedCosts = Field(default_factory=OutsourcedCosts)
    broker: BrokerTerms | None = None
    variable_in_house_share_percent: Decimal = Field(
        default=Decimal(100),
        ge=0,
        le=100,
        description="how much of the in-house staff cost scales with volume (sensitivity)",
    )
    sensitivity: Sensitivity = Field(default_factory=Sensitivity)

    @model_validator(mode="after")
    def _rate_and_volumes(self) -> BusinessCaseInputs:
        if not Decimal(0) <= self.discount_rate_percent <= Decimal(100):
            raise ValueError(
                f"discount_rate_percent {self.discount_rate_percent} is out of range: "
                "give an annual rate from 0 to 100 %"
            )
        for fee_id, volume in self.monthly_volume.items():
            if volume < 0:
                raise ValueError(f"monthly_volume.{fee_id}: a volume cannot be negative")
        if self.unit_fee is not None and self.unit_fee not in self.monthly_volume:
            raise ValueError(f"unit_fee {self.unit_fee!r} has no monthly_volume")
        return self


@dataclass(frozen=True)
class MonthCase:
    month: str
    in_house: Decimal
    outsourced: Decimal
    fees: Decimal
    saving: Decimal
    cumulative: Decimal
    discounted: Decimal  # the saving's present value


@dataclass(frozen=True)
class SensitivityCell:
    volume_percent: Decimal
    price_percent: Decimal
    total_saving: Decimal


@dataclass(frozen=True)
class BusinessCaseResult:
    contract_id: str
    currency: str
    months: tuple[MonthCase, ...]
    in_house_total: Decimal
    outsourced_total: Decimal
    saving_total: Decimal
    investment: Decimal  # one-time transition costs (fees and other)
    roi_percent: Decimal | None  # saving_total ÷ investment; none without an investment
    payback_month: int | None  # 1-based month the cumulative saving turns non-negative
    npv: Decimal
    discount_rate_percent: Decimal
    unit: str
    cost_per_unit_in_house: Decimal | None
    cost_per_unit_outsourced: Decimal | None
    sensitivity: tuple[SensitivityCell, ...]
    broker_margin_monthly: Decimal | None
    explanation: tuple[str, ...]


@dataclass(frozen=True)
class ActualMonth:
    """What a month really cost outsourced: the checked invoice and the credits taken."""

    month: str
    invoiced: Decimal  # the amount payable after the invoice check (fees − credits + earn-back)
    credits: Decimal = Decimal(0)
    volume: int | None = None


@dataclass(frozen=True)
class ActualsRow:
    month: str
    planned_saving: Decimal
    realised_saving: Decimal | None  # none while the month has no checked invoice
    difference: Decimal | None
    planned_cumulative: Decimal
    realised_cumulative: Decimal | None
