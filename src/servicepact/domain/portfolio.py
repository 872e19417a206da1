"""Parties, the process catalogue with its four governance layers, and the decision log.

Governance layers (seed: 계층구조): 1 policy and decisions, 2 process
definition and handoffs, 3 operation (service levels and measures),
4 infrastructure (systems, sites, staffing).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from servicepact.domain.contracts import Identifier


class PartyKind(StrEnum):
    CLIENT = "client"
    VENDOR = "vendor"
    BROKER = "broker"


class ProcessDomain(StrEnum):
    SCM = "SCM"
    EA_GOVERNANCE = "EA/governance"
    ERP = "ERP"
    CRM = "CRM"


class Office(StrEnum):
    FRONT = "front"
    MIDDLE = "middle"
    BACK = "back"


class Layer(StrEnum):
    POLICY = "policy"
    PROCESS = "process"
    OPERATION = "operation"
    INFRASTRUCTURE = "infrastructure"


class ArtefactStatus(StrEnum):
    DEFINED = "defined"
    IN_PROGRESS = "in_progress"
    MISSING = "missing"


class Party(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    kind: PartyKind
    name: str = Field(min_length=1)
    country: str | None = None
    certifications: tuple[Certification, ...] = ()


class Certification(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    valid_until: date


class Artefact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    layer: Layer
    name: str = Field(min_length=1)
    status: ArtefactStatus = ArtefactStatus.DEFINED
    owner: str | None = None
    note: str = ""


class Process(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: str = Field(min_length=1)
    domain: ProcessDomain
    office: Office
    parent: Identifier | None = None
    artefacts: tuple[Artefact, ...] = ()

    def layer(self, layer: Layer) -> tuple[Artefact, ...]:
        return tuple(a for a in self.artefacts if a.layer is layer)


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    date: date
    title: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    rationale: str = Field(min_length=1)
    contracts: tuple[Identifier, ...] = ()
    processes: tuple[Identifier, ...] = ()


class Portfolio(BaseModel):
    """The client's side of the world: parties, process catalogue, decision log."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parties: tuple[Party, ...]
    processes: tuple[Process, ...] = ()
    decisions: tuple[Decision, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> Portfolio:
        party_ids = [p.id for p in self.parties]
        dupes = sorted({p for p in party_ids if party_ids.count(p) > 1})
        if dupes:
            raise ValueError(f"duplicate party ids: {', '.join(dupes)}")
        process_ids = {p.id for p in self.processes}
        if len(process_ids) != len(self.processes):
            raise ValueError("duplicate process ids")
        for process in self.processes:
            if process.parent is not None and process.parent not in process_ids:
                raise ValueError(f"process {process.id}: unknown parent {process.parent!r}")
        for decision in self.decisions:
            unknown = [p for p in decision.processes if p not in process_ids]
            if unknown:
                raise ValueError(f"decision {decision.id}: unknown processes {unknown}")
        return self


Party.model_rebuild()
