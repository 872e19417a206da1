"""Domain objects and stored records → the API's read schemas (one function each)."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any, TypeVar

from pydantic import BaseModel

from servicepact.api import schemas
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.json_values import jsonable
from servicepact.domain.periods import ReportPeriod
from servicepact.domain.results import PeriodCompliance, ResultStatus, ServiceLevelResult
from servicepact.domain.risks import Risk
from servicepact.services.audit import AuditEntry
from servicepact.services.calendars import ContractCalendarCheck
from servicepact.services.contracts import ContractSummary, StoredContract
from servicepact.services.loads import BatchRecord, LoadReport, QuarantinedRow, StoredFinding
from servicepact.services.periods import PeriodCloseRecord
from servicepact.services.uploads import UploadJob, problem_rows

ReadT = TypeVar("ReadT", bound=BaseModel)


def _exact(value: int | Fraction | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return str(value)


def _same_named(schema: type[ReadT], source: object, /, **converted: Any) -> ReadT:
    """``schema`` filled from ``source``: each field from the attribute of the same name.

    Most read schemas mirror their record field for field; ``converted`` names only the
    fields that differ (enums as their value, tuples as lists, exact numbers as text) so each
    converter below says what changes and nothing else.
    """
    carried = {name: getattr(source, name) for name in schema.model_fields if name not in converted}
    return schema(**carried, **converted)


def contract_summary(summary: ContractSummary) -> schemas.ContractSummaryRead:
    return _same_named(schemas.ContractSummaryRead, summary)


def contract(stored: StoredContract, *, now: datetime) -> schemas.ContractRead:
    found = stored.contract
    return _same_named(
        schemas.ContractRead,
        stored,
        id=found.id,
        name=found.name,
        versions=list(stored.versions),
        contract=found.model_dump(mode="json", exclude_none=True),
        lifecycle=schemas.LifecycleRead.model_validate(
            found.lifecycle_on(found.today(now)).to_json()
        ),
        calendar_hash=stored.calendar_hash,
        holidays=[
            schemas.HolidayListRead(
                calendar=name,
                first_year=held.first_year,
                last_year=held.last_year,
                sha256=held.sha256,
                dates=list(held.dates),
            )
            for name, held in sorted((stored.holidays or {}).items())
        ],
    )


def calendar_check(check: ContractCalendarCheck) -> schemas.CalendarCheckRead:
    return schemas.CalendarCheckRead(
        contract_id=check.contract_id,
        version=check.version,
        calendar_hash=check.calendar_hash,
        stored=check.stored,
        differs=check.differs,
        calendars=[
            schemas.CalendarDriftRead(
                calendar=c.calendar,
                country=c.country,
                subdivision=c.subdivision,
                first_year=c.first_year,
                last_year=c.last_year,
                stored_sha256=c.stored_sha256,
                package_sha256=c.package_sha256,
                added=list(c.added),
                removed=list(c.removed),
            )
            for c in check.calendars
        ],
        proposal=check.proposal,
        effective_from=check.effective_from,
    )


def load_report(report: LoadReport) -> schemas.LoadReportRead:
    return _same_named(
        schemas.LoadReportRead,
        report,
        status=report.status.value,
        findings=[
            schemas.FindingRead(
                kind=f.kind.value,
                severity=f.severity.value,
                count=f.count,
                detail=f.detail,
                examples=list(f.examples),
            )
            for f in report.findings
        ],
        errors=[{"where": p.where, "message": p.message, "line": p.line} for p in report.problems],
        findings_revised=[schemas.FindingRevisionRead(**r.as_dict()) for r in report.revised],
    )


def upload_job(job: UploadJob, *, offset: int = 0, limit: int = 100) -> schemas.UploadJobRead:
    rows = problem_rows(job.problems)
    return schemas.UploadJobRead(
        id=job.id,
        contract_id=job.contract_id,
        source=job.source,
        file_name=job.file_name,
        size=job.size,
        state=job.state.value,
        percent=job.percent,
        message=job.message,
        report=None if job.report is None else load_report(job.report),
        error_count=job.problem_count,
        errors=[schemas.RowErrorRead(**row) for row in rows[offset : offset + limit]],
    )


def batch(record: BatchRecord) -> schemas.BatchRead:
    return _same_named(schemas.BatchRead, record, status=str(record.status))


def quarantined(row: QuarantinedRow) -> schemas.QuarantineRead:
    return _same_named(
        schemas.QuarantineRead,
        row,
        values=jsonable(row.values),
        reasons=list(row.reasons),
        status=str(row.status),
    )


def finding(stored: StoredFinding) -> schemas.StoredFindingRead:
    return _same_named(
        schemas.StoredFindingRead,
        stored,
        examples=list(stored.examples),
        status=str(stored.status),
    )


def result(value: ServiceLevelResult) -> schemas.ResultRead:
    return _same_named(
        schemas.ResultRead,
        value,
        value=_exact(value.value),
        numerator=_exact(value.numerator),
        expected=format(value.expected, "f"),
        minimum=format(value.minimum, "f"),
        status=value.status.value,
        colour=value.status.colour,
        completeness=_exact(value.completeness),
        notes=list(value.notes),
    )


def compliance(
    contract_id: str, report: ReportPeriod, found: list[PeriodCompliance]
) -> schemas.ComplianceReport:
    def one(item: PeriodCompliance) -> schemas.ComplianceRead:
        share = item.share_met
        return schemas.ComplianceRead(
            service_level_id=item.service_level_id,
            kpi=item.kpi,
            measured_in=item.measured_in,
            aggregated=item.not_aggregated is None,
            not_aggregated=item.not_aggregated,
            value=_exact(item.value),
            value_float=None if item.value is None else float(item.value),
            numerator=_exact(item.numerator),
            denominator=item.denominator,
            sample_size=item.sample_size,
            excluded=item.excluded,
            running=item.running,
            met=item.count(ResultStatus.MET),
            below_expected=item.count(ResultStatus.BELOW_EXPECTED),
            breached=item.count(ResultStatus.BREACHED),
            insufficient_data=item.count(ResultStatus.INSUFFICIENT_DATA),
            judged=item.judged,
            share_met=_exact(share),
            share_met_float=None if share is None else float(share),
            running_periods=list(item.running_periods),
            not_measured=list(item.not_measured),
            to_come=list(item.to_come),
            results=[
                schemas.PeriodResultStatus(
                    period=r.period, status=r.status.value, running=r.running
                )
                for r in item.results
            ],
        )

    return schemas.ComplianceReport(
        contract_id=contract_id,
        period=report.label,
        form=report.form.value,
        period_start=report.start,
        period_end=report.end,
        service_levels=[one(item) for item in found],
    )


def exclusion(value: Exclusion) -> schemas.ExclusionRead:
    return _same_named(schemas.ExclusionRead, value, event_ids=list(value.event_ids))


def period_close(record: PeriodCloseRecord) -> schemas.PeriodCloseRead:
    return _same_named(schemas.PeriodCloseRead, record, status=record.status.value)


def audit_entry(entry: AuditEntry) -> schemas.AuditEntryRead:
    return _same_named(schemas.AuditEntryRead, entry)


def risk(value: Risk) -> schemas.RiskRead:
    return _same_named(
        schemas.RiskRead,
        value,
        category=value.category.value,
        level=value.level.value,
        status=value.status.value,
        contracts=list(value.contracts),
        vendors=list(value.vendors),
        source=value.source.value,
    )


def model(value: BaseModel) -> dict[str, Any]:
    """A domain model as JSON values (for registers whose model is the API's answer)."""
    dumped: dict[str, Any] = value.model_dump(mode="json")
    return dumped


def document(value: Any) -> schemas.Document:
    return schemas.Document(data=jsonable(value))
