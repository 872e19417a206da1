"""Exclusions (waivers): events or a whole period taken out of a service level's measure.

PRODUCT.md §2.3 and KPIS.md rule 5: an approved exclusion removes its events
from the numerator and the denominator alike, and is listed with the result.
A vendor (or the client) requests one with a reason; only the client approves
or rejects it; every step is audited by the service layer. Only ``approved``
exclusions change a result.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from servicepact.domain.contracts import Identifier


class ExclusionReason(StrEnum):
    CLIENT_CAUSED = "client_caused"  # the client's own action or omission caused the failure
    FORCE_MAJEURE = "force_majeure"
    AGREED = "agreed"  # agreed between the parties for another reason, stated in the note

    @property
    def label(self) -> str:
        return {
            ExclusionReason.CLIENT_CAUSED: "Client-caused",
            ExclusionReason.FORCE_MAJEURE: "Force majeure",
            ExclusionReason.AGREED: "Agreed",
        }[self]


class ExclusionStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def colour(self) -> str:
        return {"requested": "amber", "approved": "green", "rejected": "grey"}[self.value]


class Exclusion(BaseModel):
    """One waiver: either some event ids or a whole period, for one service level or all."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=64)
    contract_id: Identifier
    source: str = Field(min_length=1, description="the event type the events belong to")
    service_level_id: Identifier | None = Field(
        default=None, description="None: every service level reading the source"
    )
    event_ids: tuple[str, ...] = ()
    period: str | None = Field(default=None, description="a whole period: 2026-03, 2026-Q1, Y1")
    reason: ExclusionReason
    note: str = ""
    requested_by: str = Field(min_length=1)
    requested_at: datetime
    status: ExclusionStatus = ExclusionStatus.REQUESTED
    decided_by: str | None = None
    decided_at: datetime | None = None

    @model_validator(mode="after")
    def _one_scope(self) -> Exclusion:
        if bool(self.event_ids) == (self.period is not None):
            raise ValueError("an exclusion names either event ids or a whole period, not both")
        if len(set(self.event_ids)) != len(self.event_ids):
            raise ValueError("event ids are listed more than once")
        if self.status is not ExclusionStatus.REQUESTED and self.decided_by is None:
            raise ValueError(f"a {self.status.value} exclusion needs the user who decided it")
        return self

    @property
    def approved(self) -> bool:
        return self.status is ExclusionStatus.APPROVED

    def applies_to(self, *, source: str, service_level_id: str) -> bool:
        return self.source == source and self.service_level_id in (None, service_level_id)

    def covers_period(self, label: str) -> bool:
        return self.period == label
