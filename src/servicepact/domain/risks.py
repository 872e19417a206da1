"""The risk register and internal-control findings (PRODUCT.md §2.6).

A risk has a category, likelihood and impact on a 1-5 scale, an owner, a
mitigation, a review date and a status, and links to the contracts and vendors
it concerns. Its score is likelihood × impact (1-25); the level bands below are
the product's default reading of a 5 × 5 matrix (the client may set its own).
Risks are entered by people or raised by rules (``engine/risks.py``); a raised
risk carries the rule and the explanation that raised it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from servicepact.domain.contracts import Identifier

SCALE = range(1, 6)  # likelihood and impact: 1 (rare / minor) .. 5 (almost certain / severe)


class RiskCategory(StrEnum):
    DATA_SECURITY = "data_security"
    SERVICE_QUALITY = "service_quality"
    CONTRACT = "contract"
    VENDOR_VIABILITY = "vendor_viability"
    CONCENTRATION = "concentration"
    COMPLIANCE = "compliance"
    BROKER = "broker"
    # Raised when data is missing or late: a failure of the client's internal control.
    INTERNAL_CONTROL = "internal_control"


class RiskStatus(StrEnum):
    OPEN = "open"
    MITIGATING = "mitigating"
    ACCEPTED = "accepted"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self is not RiskStatus.CLOSED


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def colour(self) -> str:
        return {"low": "green", "medium": "amber", "high": "red", "critical": "darkred"}[self.value]


# Default bands of likelihood × impact (lower bound of each level).
LEVEL_BANDS: tuple[tuple[int, RiskLevel], ...] = (
    (1, RiskLevel.LOW),
    (5, RiskLevel.MEDIUM),
    (10, RiskLevel.HIGH),
    (17, RiskLevel.CRITICAL),
)


def level_for(score: int) -> RiskLevel:
    level = RiskLevel.LOW
    for lower, band in LEVEL_BANDS:
        if score >= lower:
            level = band
    return level


class RiskSource(StrEnum):
    MANUAL = "manual"
    RULE = "rule"


class Risk(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    title: str = Field(min_length=1)
    category: RiskCategory
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    owner: str = Field(min_length=1)
    mitigation: str = ""
    review_date: date | None = None
    status: RiskStatus = RiskStatus.OPEN
    contracts: tuple[Identifier, ...] = ()
    vendors: tuple[Identifier, ...] = ()
    source: RiskSource = RiskSource.MANUAL
    rule: str | None = None
    explanation: str = ""
    # The day the risk was opened and the day it was closed (in the timezone of the contracts
    # it concerns). A register file may state them; when it does not, applying it records the
    # day of the change (services/risks.py).
    opened: date | None = None
    closed: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> Risk:
        if self.closed is not None and self.status is not RiskStatus.CLOSED:
            raise ValueError(f"closed {self.closed} is given but the status is {self.status}")
        if self.closed is not None and self.opened is not None and self.closed < self.opened:
            raise ValueError(f"closed {self.closed} is before opened {self.opened}")
        return self

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    def open_at_end(self, end: date) -> bool:
        """Open at the end of a period that ends (exclusive) on ``end``: opened before it and
        not closed by then. An undated risk counts by its status."""
        if self.opened is not None and self.opened >= end:
            return False
        if self.closed is not None:
            return self.closed >= end
        return self.status.is_open

    @property
    def level(self) -> RiskLevel:
        return level_for(self.score)


class RiskRegister(BaseModel):
    """The register as a YAML file writes it (``examples/risks.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    risks: tuple[Risk, ...] = ()


class FindingSource(StrEnum):
    LOAD = "load"  # a data load: completeness, duplicates, timestamps
    PERIOD = "period"  # a period's results: produced from incomplete data
    ENTRUSTMENT = "entrustment"  # personal-data entrustment: overdue inspection
    WORKLOAD = "workload"  # handoffs: internal capacity exceeded


class FindingStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class ControlFinding(BaseModel):
    """One thing an internal control found, on a contract, with its status."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1, description="stable identity: same condition → same key")
    contract_id: str
    source: FindingSource
    check: str = Field(min_length=1, description="e.g. completeness, duplicates, inspection")
    period: str | None = None
    detail: str
    status: FindingStatus = FindingStatus.OPEN
    opened_at: datetime | None = None  # when it was found (None: known only by its status)
    closed_at: datetime | None = None  # when it stopped being open

    def open_at(self, moment: datetime) -> bool:
        """Open at ``moment`` (e.g. a month's end): found before it and not closed by then."""
        if self.opened_at is None:
            return self.status is FindingStatus.OPEN
        if self.opened_at >= moment:
            return False
        if self.closed_at is not None:
            return self.closed_at > moment
        return self.status is FindingStatus.OPEN


OTHER_CONTRACT = "(another contract)"
OTHER_VENDOR = "(another vendor)"


def redacted_for(risk: Risk, *, contracts: frozenset[str], vendors: frozenset[str]) -> Risk:
    """The risk as a viewer who sees only ``contracts`` and ``vendors`` may read it.

    A risk can span contracts of several vendors (a concentration, a shared sub-processor):
    the viewer keeps the risk but reads only its own contract and vendor ids; the others are
    left out of the lists and replaced in the texts, field by field."""
    hidden = [c for c in risk.contracts if c not in contracts]
    hidden_vendors = [v for v in risk.vendors if v not in vendors]
    if not hidden and not hidden_vendors:
        return risk

    def text(value: str) -> str:
        # longest first, so an id that contains another is replaced whole
        for name in sorted(hidden, key=len, reverse=True):
            value = value.replace(name, OTHER_CONTRACT)
        for name in sorted(hidden_vendors, key=len, reverse=True):
            value = value.replace(name, OTHER_VENDOR)
        return value

    return risk.model_copy(
        update={
            "contracts": tuple(c for c in risk.contracts if c in contracts),
            "vendors": tuple(v for v in risk.vendors if v in vendors),
            "title": text(risk.title),
            "owner": text(risk.owner),
            "mitigation": text(risk.mitigation),
            "explanation": text(risk.explanation),
        }
    )
