"""Personal-data entrustment register and the access log of personal data.

When a client entrusts the processing of personal data to a vendor, the
entrustment must name what is processed and how it is protected: Korea's
Personal Information Protection Act Art. 26 (purpose, the scope of the
entrusted work, security measures, restrictions on re-entrustment,
supervision of the entrustee) and GDPR Art. 28(3) (subject matter, nature and
purpose, type of personal data, duration, sub-processors with prior
authorisation, security measures, audits and inspections). One entry per
contract holds those items; an inspection older than the contract's interval
is overdue and raises a finding.

The access log records who viewed or exported which personal data, when and
from where; an export must give a reason (PIPA Art. 29 and its standard on
safety measures ask for access records and purpose limitation). The log names
a category and a record reference (a pseudonym), never the personal data.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from servicepact.domain.contracts import Identifier
from servicepact.domain.event_types import PersonalData
from servicepact.domain.risks import ControlFinding, FindingSource


class InspectionResult(StrEnum):
    PASSED = "passed"
    FINDINGS = "findings"  # passed with findings to remedy
    FAILED = "failed"


class SubProcessor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    country: str | None = None
    purpose: str = Field(min_length=1)
    approved_on: date | None = Field(
        default=None, description="the client's prior authorisation (GDPR Art. 28(2))"
    )


class Inspection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: date
    result: InspectionResult
    inspector: str = ""
    note: str = ""


def _add_months(day: date, months: int) -> date:
    """Same day N months later, clipped to the month's length (31 Jan + 1 → 28/29 Feb)."""
    year, index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Entrustment(BaseModel):
    """The entrustment terms of one contract."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contract_id: Identifier
    vendor: Identifier
    categories: tuple[PersonalData, ...] = Field(min_length=1)
    purpose: str = Field(min_length=1)
    retention_months: int = Field(ge=1, le=240)
    security_measures: tuple[str, ...] = Field(min_length=1)
    sub_processors: tuple[SubProcessor, ...] = ()
    re_entrustment_allowed: bool = False
    inspection_interval_months: int = Field(
        default=12, ge=1, le=60, description="the contract's inspection cycle (annual by default)"
    )
    last_inspection: Inspection | None = None

    @model_validator(mode="after")
    def _sub_processors_allowed(self) -> Entrustment:
        if self.sub_processors and not self.re_entrustment_allowed:
            raise ValueError(
                "sub_processors are listed but re_entrustment_allowed is false: "
                "re-entrustment needs the client's consent (PIPA Art. 26(6), GDPR Art. 28(2))"
            )
        return self

    def next_inspection_due(self, start: date) -> date:
        """When the next inspection is due: from the last one, or from the contract start."""
        base = self.last_inspection.date if self.last_inspection else start
        return _add_months(base, self.inspection_interval_months)

    def inspection_overdue(self, today: date, *, start: date) -> bool:
        return today > self.next_inspection_due(start)


class EntrustmentRegister(BaseModel):
    """The register as a YAML file writes it (``examples/entrustment.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entrustments: tuple[Entrustment, ...] = ()

    @model_validator(mode="after")
    def _one_per_contract(self) -> EntrustmentRegister:
        ids = [e.contract_id for e in self.entrustments]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"one entrustment per contract; repeated: {', '.join(dupes)}")
        return self


class AccessAction(StrEnum):
    VIEW = "view"
    EXPORT = "export"


class AccessRecord(BaseModel):
    """Who viewed or exported which personal data, when and from where."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime
    user: str = Field(min_length=1)
    action: AccessAction
    contract_id: Identifier
    category: PersonalData
    record_ref: str = Field(min_length=1, description="pseudonymised reference of the record(s)")
    source_address: str = Field(min_length=1, description="where from: IP address or host")
    reason: str | None = None
    count: int = Field(default=1, ge=1, description="records viewed or exported")

    @model_validator(mode="after")
    def _export_has_reason(self) -> AccessRecord:
        if self.action is AccessAction.EXPORT and not (self.reason and self.reason.strip()):
            raise ValueError("an export of personal data needs a reason")
        if self.at.tzinfo is None:
            raise ValueError("the access time needs a time zone")
        return self


def inspection_findings(
    register: EntrustmentRegister, *, today: date, contract_starts: Mapping[str, date]
) -> list[ControlFinding]:
    """An overdue or failed inspection of an entrustee is a finding on its contract."""
    findings: list[ControlFinding] = []
    for entry in register.entrustments:
        start = contract_starts.get(entry.contract_id, today)
        due = entry.next_inspection_due(start)
        if today > due:
            last = (
                f"last inspected {entry.last_inspection.date}"
                if entry.last_inspection
                else "never inspected"
            )
            findings.append(
                ControlFinding(
                    key=f"entrustment:{entry.contract_id}:inspection_overdue",
                    contract_id=entry.contract_id,
                    source=FindingSource.ENTRUSTMENT,
                    check="inspection_overdue",
                    detail=(
                        f"inspection of {entry.vendor} was due {due} ({last}; every "
                        f"{entry.inspection_interval_months} months)"
                    ),
                )
            )
        if entry.last_inspection and entry.last_inspection.result is InspectionResult.FAILED:
            findings.append(
                ControlFinding(
                    key=f"entrustment:{entry.contract_id}:inspection_failed",
                    contract_id=entry.contract_id,
                    source=FindingSource.ENTRUSTMENT,
                    check="inspection_failed",
                    detail=(
                        f"the inspection of {entry.vendor} on {entry.last_inspection.date} failed"
                        + (f": {entry.last_inspection.note}" if entry.last_inspection.note else "")
                    ),
                )
            )
    return findings
