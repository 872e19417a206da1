"""What the API reads and writes: ``XRead`` answers, ``XCreate`` requests, separate from the
stored rows and domain objects they are built from (a storage change never changes the API).

Exact values travel as text: amounts as decimal strings ("4800000"), ratios as fractions
("19/20") next to a float for display; a client never gets a rounded number to compute with.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from servicepact.domain.exclusions import ExclusionReason, ExclusionStatus

# The largest stored whole number: SQLite INTEGER and PostgreSQL BIGINT are 64-bit signed.
# Numbers a client sends that reach the database (versions, sequence numbers) stay below it.
MAX_STORED_INT = 2**63 - 1
# Contract versions are stored as INTEGER, 32-bit signed on PostgreSQL: a version query above it
# would overflow there (a 500), so the schema bounds it and such a request answers 422.
MAX_VERSION = 2**31 - 1


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    version: str = Field(examples=["0.1.0"])
    database: str = Field(examples=["ok"])


class ContractSummaryRead(BaseModel):
    id: str = Field(examples=["hanbit-cc-2026"])
    name: str = Field(examples=["Customer contact centre"])
    client: str
    vendor: str = Field(examples=["callnet"])
    broker: str | None = None
    version: int = Field(examples=[2])
    updated_at: datetime


class TermPeriodRead(BaseModel):
    number: int = Field(description="0: the original term; N: the N-th automatic renewal")
    start: date
    end: date


class TerminationRead(BaseModel):
    date: date
    reason: str


class LifecycleRead(BaseModel):
    """The contract's lifecycle on today's date on its calendar (docs/contract-file.md)."""

    today: date = Field(description="today on the contract's calendar")
    status: Literal["not_started", "active", "in_notice_window", "terminated", "expired"]
    period: TermPeriodRead | None = Field(description="the term period running today")
    last_day: date | None = Field(description="the last day it can run; null: renews without limit")
    next_renewal: date | None = Field(description="first day of the next automatic renewal")
    notice_deadline: date | None = Field(
        description="the last day notice can be given to stop the next renewal"
    )
    ends_on_notice: date | None = Field(
        description="the day the contract ends when notice is given by the deadline"
    )
    days_to_deadline: int | None
    termination: TerminationRead | None


class HolidayListRead(BaseModel):
    calendar: str
    first_year: int
    last_year: int
    sha256: str = Field(description="SHA-256 of the list (docs/business-time.md)")
    dates: list[date] = Field(description="every holiday of the years, fixed when applied")


class ContractRead(BaseModel):
    id: str
    name: str
    version: int = Field(description="the version shown")
    versions: list[int] = Field(description="every stored version, oldest first")
    current: bool
    applied_at: datetime
    applied_by: str
    sha256: str
    source_name: str | None
    supersedes: int | None
    effective_from: str | None = Field(
        default=None,
        description="YYYY-MM: the first month this version governs (earlier months keep the "
        "previous version's terms); null: from the contract's start",
    )
    contract: dict[str, Any] = Field(description="the contract, as in its YAML file")
    lifecycle: LifecycleRead = Field(
        description="status, next renewal and notice deadline today (computed)"
    )
    calendar_hash: str = Field(description="SHA-256 over the version's holiday lists")
    holidays: list[HolidayListRead] = Field(
        description="each calendar's holidays, fixed when the version was applied"
    )


class CalendarDriftRead(BaseModel):
    calendar: str
    country: str | None
    subdivision: str | None
    first_year: int
    last_year: int
    stored_sha256: str
    package_sha256: str
    added: list[date] = Field(description="listed by the installed package, not stored")
    removed: list[date] = Field(description="stored, no longer listed by the package")


class CalendarCheckRead(BaseModel):
    contract_id: str
    version: int
    calendar_hash: str
    stored: bool = Field(description="false: the lists are not fixed yet (`servicepact init`)")
    differs: bool
    calendars: list[CalendarDriftRead]
    proposal: dict[str, Any] = Field(
        description="the calendars entries an amendment would set to adopt the package's dates"
    )
    effective_from: str | None = Field(description="YYYY-MM of the first differing date")


class HolidayChangeRead(BaseModel):
    added: list[date] = Field(description="days that are holidays in the new version only")
    removed: list[date] = Field(description="days that were holidays in the superseded version")


class ApplyRead(BaseModel):
    contract_id: str
    version: int
    changed: bool = Field(description="false when the same content was already applied")
    supersedes: int | None = None
    calendar_hash: str | None = Field(
        default=None,
        description="SHA-256 over the holiday lists fixed with the new version "
        "(null when nothing changed)",
    )
    holiday_changes: dict[str, HolidayChangeRead] = Field(
        default={},
        description="per calendar whose holidays differ from the superseded version's",
    )
    effective_from: str | None = Field(
        default=None, description="YYYY-MM: the first month this version governs"
    )
    remeasured: list[str] = Field(
        default=[], description="measured months measured again under the new version"
    )


class BusinessCaseApplyRead(BaseModel):
    contract_id: str
    version: int = Field(description="the business case's stored version")
    changed: bool = Field(description="false when the same content was already applied")


class BatchCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rows": [
                        {
                            "id": "C-1",
                            "offered_at": "2026-03-02T09:00:00+09:00",
                            "answered_at": "2026-03-02T09:00:12+09:00",
                        }
                    ],
                    "accept_valid": False,
                }
            ]
        }
    )

    rows: list[dict[str, Any]] = Field(min_length=1, description="events of the source's type")
    accept_valid: bool = Field(
        default=False,
        description="keep the good rows and quarantine the bad; default all-or-nothing",
    )
    timezone: str | None = Field(default=None, description="zone of times without an offset")


class FindingRead(BaseModel):
    kind: str
    severity: str
    count: int
    detail: str
    examples: list[str] = []


class FindingRevisionRead(BaseModel):
    finding: int = Field(description="the id of the stored finding")
    batch_seq: int | None = Field(description="the batch it was found in")
    action: str = Field(examples=["withdrawn", "narrowed"])
    days_short_before: int
    days_short_now: int
    detail: str


class LoadReportRead(BaseModel):
    contract_id: str
    source: str
    batch_id: str = Field(description="SHA-256 of the canonical rows")
    status: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    corrections: int
    batch_seq: int | None
    duplicate_of: int | None
    findings: list[FindingRead]
    errors: list[dict[str, Any]] = Field(description="rejected rows: where and why")
    findings_revised: list[FindingRevisionRead] = Field(
        default=[],
        description="earlier incomplete-day findings this load's data withdrew (every day "
        "they found short is complete now) or narrowed (fewer days short)",
    )


class RowErrorRead(BaseModel):
    row: int | None = Field(description="1-based data row of the file")
    line: int | None = Field(description="physical line (CSV, JSON Lines) or sheet row")
    column: str | None
    value: str | None = Field(description="the value as read, personal data masked")
    reason: str


class UploadJobRead(BaseModel):
    id: str
    contract_id: str
    source: str
    file_name: str = Field(description="the sender's file name, as a label only")
    size: int = Field(description="bytes received")
    state: str = Field(description="queued, running, done, refused (nothing stored) or failed")
    percent: int
    message: str
    report: LoadReportRead | None = Field(description="once done: what was stored")
    error_count: int
    errors: list[RowErrorRead] = Field(description="a page of the row errors (errors_offset)")


class BatchRead(BaseModel):
    seq: int
    source: str
    content_sha256: str
    file_name: str | None
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    corrections: int
    loaded_at: datetime
    loaded_by: str
    status: str


class QuarantineRead(BaseModel):
    id: int
    batch_seq: int
    source: str
    row_number: int | None
    line: int | None
    event_id: str | None
    values: dict[str, Any] = Field(description="the row as received, personal data masked")
    reasons: list[str]
    status: str


class StoredFindingRead(FindingRead):
    id: int
    source: str
    batch_seq: int | None
    status: str
    found_at: datetime


class ResultRead(BaseModel):
    service_level_id: str = Field(examples=["SL-01"])
    period: str = Field(examples=["2026-03"])
    kpi: str = Field(examples=["answered_within"])
    contract_version: int
    value: str | None = Field(description="exact value as a fraction", examples=["4/5"])
    value_float: float | None = Field(examples=[0.8])
    numerator: str | None
    denominator: int | None
    sample_size: int
    expected: str
    minimum: str
    status: str = Field(examples=["met"])
    colour: str = Field(description="RAG colour of the status", examples=["green"])
    excluded: int
    completeness: str | None
    running: bool
    notes: list[str]
    calendar_hash: str | None = Field(
        description="SHA-256 of the holiday lists measured with (null before they were kept)"
    )


class PeriodResultStatus(BaseModel):
    period: str = Field(examples=["2026-07"])
    status: str = Field(examples=["met"])
    running: bool


class ComplianceRead(BaseModel):
    """One service level over a reporting period (docs/results.md, "Reporting over periods")."""

    service_level_id: str = Field(examples=["SL-01"])
    kpi: str = Field(examples=["answered_within"])
    measured_in: str = Field(description="the level's own measurement period", examples=["month"])
    aggregated: bool = Field(description="whether the KPI has a value over the whole period")
    not_aggregated: str | None = Field(
        description="why there is no value over the period (a snapshot KPI)"
    )
    value: str | None = Field(
        description="exact value recomputed from the events of the whole period",
        examples=["17/20"],
    )
    value_float: float | None = Field(examples=[0.85])
    numerator: str | None
    denominator: int | None
    sample_size: int
    excluded: int
    running: bool = Field(description="the period holds the running month (value up to now)")
    met: int = Field(description="measured periods over that met the expected level")
    below_expected: int
    breached: int
    insufficient_data: int
    judged: int = Field(description="met + below_expected + breached")
    share_met: str | None = Field(
        description="met ÷ judged, exact; null when none was judged", examples=["1/3"]
    )
    share_met_float: float | None = Field(examples=[0.3333])
    running_periods: list[str]
    not_measured: list[str] = Field(description="periods begun with no stored result")
    to_come: list[str] = Field(description="periods not begun yet")
    results: list[PeriodResultStatus]


class ComplianceReport(BaseModel):
    contract_id: str
    period: str = Field(examples=["2026-Q3"])
    form: str = Field(examples=["quarter"])
    period_start: date
    period_end: date = Field(description="exclusive")
    service_levels: list[ComplianceRead]


class ExclusionCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "source": "calls",
                    "service_level_id": "SL-01",
                    "period": "2026-03",
                    "reason": "force_majeure",
                    "note": "power cut at the Busan site",
                }
            ]
        }
    )

    source: str
    reason: ExclusionReason
    service_level_id: str | None = None
    event_ids: list[str] = []
    period: str | None = None
    note: str = ""


class DecisionCreate(BaseModel):
    note: str = ""


class DisputeCreate(BaseModel):
    comment: str = Field(min_length=1, max_length=4000)
    service_level_id: str | None = Field(default=None, max_length=64)


class DisputeRead(BaseModel):
    id: str
    contract_id: str
    period: str
    service_level_id: str | None
    comment: str
    raised_by: str
    raised_at: datetime
    status: str = Field(description="open or resolved")
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str


class AcknowledgementRead(BaseModel):
    contract_id: str
    period: str
    results_sha256: str = Field(description="the results acknowledged, as they stood")
    acknowledged_by: str
    acknowledged_at: datetime


class MonthReviewRead(BaseModel):
    contract_id: str
    period: str
    running: bool
    closed: bool
    results_sha256: str
    signed: AcknowledgementRead | None = Field(description="sign-off of the current results")
    acknowledgements: list[AcknowledgementRead]
    disputes: list[DisputeRead]
    pending_exclusions: list[str]
    invoice_checks: list[int]


class ExclusionRead(BaseModel):
    id: str
    contract_id: str
    source: str
    service_level_id: str | None
    event_ids: list[str]
    period: str | None
    reason: ExclusionReason
    note: str
    requested_by: str
    requested_at: datetime
    status: ExclusionStatus
    decided_by: str | None
    decided_at: datetime | None


class ReopenCreate(BaseModel):
    reason: str = Field(min_length=1, examples=["vendor disputed SL-02 with new evidence"])


class PeriodCloseRead(BaseModel):
    contract_id: str
    period: str
    version: int
    status: str
    contract_version: int
    inputs_sha256: str
    outputs_sha256: str
    closed_at: datetime
    closed_by: str
    reopened_at: datetime | None
    reopened_by: str | None
    reopen_reason: str | None


class AuditEntryRead(BaseModel):
    seq: int
    at: datetime
    actor_user: str
    actor_role: str
    entity_type: str
    entity_id: str
    action: str
    before: Any
    after: Any
    row_hash: str


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    next: str | None = Field(description="the next (older) page, or null at the start")


class RiskRead(BaseModel):
    id: str = Field(examples=["R-001"])
    title: str
    category: str = Field(examples=["data_security"])
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    score: int = Field(description="likelihood × impact, 1-25")
    level: str = Field(examples=["high"])
    owner: str
    mitigation: str
    review_date: date | None
    status: str
    contracts: list[str]
    vendors: list[str]
    source: str = Field(description="manual, or raised by a rule")
    rule: str | None
    explanation: str
    opened: date | None = Field(description="the day the risk was opened")
    closed: date | None = Field(description="the day it was closed (a closed risk only)")


class Document(BaseModel):
    """A computed report (credits, scorecard, map, …) as exact JSON values."""

    data: Any


class ProblemEntry(BaseModel):
    where: str = Field(examples=["contract.service_levels[0].kpi"])
    message: str = Field(examples=["is not a known KPI"])
    line: int | None = None
    column: int | None = None


class Problem(BaseModel):
    """Every error answer (RFC 9457), as ``application/problem+json``."""

    type: str = Field(examples=["urn:servicepact:problem:invalid_input"])
    title: str = Field(examples=["Invalid input"])
    status: int = Field(examples=[422])
    detail: str
    instance: str = Field(examples=["/api/v1/contracts"])
    errors: list[ProblemEntry] = Field(
        default=[], description="for invalid input: every problem and where"
    )
