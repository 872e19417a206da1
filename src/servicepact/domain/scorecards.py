"""Vendor scorecards (PRODUCT.md §2.5): the configuration a composite score is built from.

A scorecard combines six components, each scored 0-100 and weighted:
service-level attainment (weighted by allocation), credits incurred, invoice
accuracy, control findings, open risks, and an optional relationship survey
(entered per quarter). A component without data is a *gap*: it is left out of
the composite (the remaining weights are renormalised) and listed with its
reason, never counted as 0 or 100. Standings are bands of the composite with
an action each. Every number here is a default the client may change; none
comes from a standard — they are the product's starting point.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from servicepact.domain.results import ResultStatus


class Component(StrEnum):
    SERVICE_LEVELS = "service_levels"
    CREDITS = "credits"
    INVOICE_ACCURACY = "invoice_accuracy"
    CONTROL_FINDINGS = "control_findings"
    OPEN_RISKS = "open_risks"
    SURVEY = "survey"


class StandingAction(StrEnum):
    NONE = "none"
    NOTIFY = "notify"  # tell the vendor manager (and the vendor)
    IMPROVEMENT_PLAN = "improvement_plan"  # require a written improvement plan from the vendor


class Band(BaseModel):
    """A standing: composites from ``lower`` (inclusive) up to the next band's lower bound."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    lower: Decimal = Field(ge=0, le=100)
    colour: str = "grey"
    actions: tuple[StandingAction, ...] = ()


DEFAULT_BANDS: tuple[Band, ...] = (
    Band(
        name="poor",
        lower=Decimal(0),
        colour="red",
        actions=(StandingAction.NOTIFY, StandingAction.IMPROVEMENT_PLAN),
    ),
    Band(name="fair", lower=Decimal(50), colour="amber", actions=(StandingAction.NOTIFY,)),
    Band(name="good", lower=Decimal(80), colour="green", actions=()),
)


class ScorecardWeights(BaseModel):
    """Relative weights of the components (renormalised over the components with data)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service_levels: Decimal = Field(default=Decimal(40), ge=0)
    credits: Decimal = Field(default=Decimal(15), ge=0)
    invoice_accuracy: Decimal = Field(default=Decimal(15), ge=0)
    control_findings: Decimal = Field(default=Decimal(10), ge=0)
    open_risks: Decimal = Field(default=Decimal(10), ge=0)
    survey: Decimal = Field(default=Decimal(10), ge=0)
    # Points a service-level result earns by status (insufficient data is a gap, never points).
    points: dict[ResultStatus, Decimal] = Field(
        default_factory=lambda: {
            ResultStatus.MET: Decimal(100),
            ResultStatus.BELOW_EXPECTED: Decimal(50),
            ResultStatus.BREACHED: Decimal(0),
        }
    )
    # A key measurement has no allocation; it weighs this many allocation points.
    key_measurement_weight: Decimal = Field(default=Decimal(10), ge=0)
    # Points lost per open control finding (floored at 0).
    points_per_finding: Decimal = Field(default=Decimal(20), gt=0)
    bands: tuple[Band, ...] = DEFAULT_BANDS

    def weight(self, component: Component) -> Decimal:
        return Decimal(getattr(self, component.value))

    @model_validator(mode="after")
    def _coherent(self) -> ScorecardWeights:
        if ResultStatus.INSUFFICIENT_DATA in self.points:
            raise ValueError("insufficient data is a gap and earns no points; remove it")
        if sum((self.weight(c) for c in Component), Decimal(0)) <= 0:
            raise ValueError("at least one component needs a weight above 0")
        lowers = [b.lower for b in self.bands]
        if not self.bands or lowers[0] != 0:
            raise ValueError("bands must start at 0")
        if lowers != sorted(lowers) or len(set(lowers)) != len(lowers):
            raise ValueError("bands must be in increasing order of their lower bound")
        return self

    def band_for(self, composite: Decimal) -> Band:
        chosen = self.bands[0]
        for band in self.bands:
            if composite >= band.lower:
                chosen = band
        return chosen
