"""The fee schedule of a contract (PRODUCT.md §2.4).

Kinds:
- ``fixed``: an amount per month.
- ``per_fte``: ``fte`` × ``rate`` per month.
- ``per_unit``: units counted from an event source, priced in bands. With
  ``tiering: graduated`` each unit is priced by the band it falls in (like
  income tax); with ``tiering: whole_volume`` all units take the price of the
  band the total volume reaches.
- ``volume_band``: a baseline volume with a dead band of ± ``band_percent``;
  units above the band are charged at ``additional_price`` (ARC), units below
  it credited at ``reduced_price`` (RRC).
- ``one_time``: charged once, in ``month``.
Every kind may carry ``minimum_commitment`` (a monthly floor) and
``indexation`` (a yearly percent, or a table of factors by contract year).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Amount = Annotated[Decimal, Field(ge=0)]


class FeeKind(StrEnum):
    FIXED = "fixed"
    PER_FTE = "per_fte"
    PER_UNIT = "per_unit"
    VOLUME_BAND = "volume_band"
    ONE_TIME = "one_time"


class Tiering(StrEnum):
    GRADUATED = "graduated"
    WHOLE_VOLUME = "whole_volume"


class PriceBand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    upto: int | None = Field(default=None, gt=0, description="upper bound of the band; none: open")
    price: Amount


class Indexation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    percent_per_year: Decimal | None = Field(default=None, ge=-50, le=100)
    table: dict[int, Decimal] | None = Field(
        default=None, description="factor by contract year, e.g. {2: 1.03, 3: 1.061}"
    )

    @model_validator(mode="after")
    def _one_of(self) -> Indexation:
        if (self.percent_per_year is None) == (self.table is None):
            raise ValueError("give exactly one of percent_per_year and table")
        if self.table is not None:
            for year, factor in self.table.items():
                if year < 1 or factor <= 0:
                    raise ValueError(f"table: year {year} factor {factor} must be positive")
                if year == 1 and factor != 1:
                    # the first contract year pays the base price: another factor would be
                    # shown in the contract and never applied
                    raise ValueError(
                        f"table: year 1 pays the base price (factor 1), not {factor}; "
                        "indexation starts in year 2"
                    )
        return self


class Fee(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    kind: FeeKind
    description: str = ""
    amount: Amount | None = None
    per: Literal["month"] = "month"
    fte: Decimal | None = Field(default=None, gt=0)
    rate: Amount | None = None
    source: str | None = None
    filter: dict[str, str | int | bool | list[str | int | bool]] = Field(default_factory=dict)
    bands: tuple[PriceBand, ...] = ()
    tiering: Tiering = Tiering.GRADUATED
    baseline: int | None = Field(default=None, ge=0)
    band_percent: Decimal | None = Field(default=None, ge=0, le=100)
    additional_price: Amount | None = None
    reduced_price: Amount | None = None
    month: date | None = Field(default=None, description="for one_time: the month it is due")
    minimum_commitment: Amount | None = None
    indexation: Indexation | None = None

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Fee:
        needs: dict[FeeKind, tuple[str, ...]] = {
            FeeKind.FIXED: ("amount",),
            FeeKind.PER_FTE: ("fte", "rate"),
            FeeKind.PER_UNIT: ("source", "bands"),
            FeeKind.VOLUME_BAND: (
                "source",
                "amount",
                "baseline",
                "band_percent",
                "additional_price",
                "reduced_price",
            ),
            FeeKind.ONE_TIME: ("amount", "month"),
        }
        missing = [f for f in needs[self.kind] if getattr(self, f) in (None, ())]
        if missing:
            raise ValueError(f"a {self.kind.value} fee needs {', '.join(missing)}")
        if self.bands:
            bounds = [b.upto for b in self.bands]
            if bounds[-1] is not None:
                raise ValueError(
                    "the last price band must be open (no upto) so every volume has a price"
                )
            if any(b is None for b in bounds[:-1]):
                raise ValueError("only the last price band may be open")
            closed = [b for b in bounds[:-1] if b is not None]
            if closed != sorted(set(closed)):
                raise ValueError("price bands must rise: each upto above the one before")
        return self
