"""Domain objects and stored records → the API's read schemas (one function each)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, TypeVar

from pydantic import BaseModel

from servicepact.api import schemas
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.results import ServiceLevelResult
from servicepact.domain.risks import Risk
from servicepact.services.audit import AuditEntry
from servicepact.services.commercials import jsonable
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


def contract(stored: StoredContract) -> schemas.ContractRead:
    return _same_named(
        schemas.ContractRead,
        stored,
        id=stored.contract.id,
        name=stored.contract.name,
        versions=list(stored.versions),
        contract=stored.contract.model_dump(mode="json", exclude_none=True),
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
        error_count=len(rows),
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
