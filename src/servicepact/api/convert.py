"""Domain objects and stored records → the API's read schemas (one function each)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from pydantic import BaseModel

from servicepact.api import schemas
from servicepact.domain.exclusions import Exclusion
from servicepact.domain.results import ServiceLevelResult
from servicepact.domain.risks import Risk
from servicepact.services.commercials import jsonable
from servicepact.services.contracts import ContractSummary, StoredContract
from servicepact.services.loads import LoadReport
from servicepact.services.periods import PeriodCloseRecord
from servicepact.store.db.audit import AuditEntry
from servicepact.store.events.repository import BatchRecord, QuarantinedRow, StoredFinding


def _exact(value: int | Fraction | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return str(value)


def contract_summary(summary: ContractSummary) -> schemas.ContractSummaryRead:
    return schemas.ContractSummaryRead(
        id=summary.id,
        name=summary.name,
        client=summary.client,
        vendor=summary.vendor,
        broker=summary.broker,
        version=summary.version,
        updated_at=summary.updated_at,
    )


def contract(stored: StoredContract) -> schemas.ContractRead:
    return schemas.ContractRead(
        id=stored.contract.id,
        name=stored.contract.name,
        version=stored.version,
        versions=list(stored.versions),
        current=stored.current,
        applied_at=stored.applied_at,
        applied_by=stored.applied_by,
        sha256=stored.sha256,
        source_name=stored.source_name,
        supersedes=stored.supersedes,
        contract=stored.contract.model_dump(mode="json", exclude_none=True),
    )


def load_report(report: LoadReport) -> schemas.LoadReportRead:
    return schemas.LoadReportRead(
        contract_id=report.contract_id,
        source=report.source,
        batch_id=report.batch_id,
        status=report.status.value,
        rows_read=report.rows_read,
        rows_accepted=report.rows_accepted,
        rows_rejected=report.rows_rejected,
        corrections=report.corrections,
        batch_seq=report.batch_seq,
        duplicate_of=report.duplicate_of,
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
    )


def batch(record: BatchRecord) -> schemas.BatchRead:
    return schemas.BatchRead(
        seq=record.seq,
        source=record.source,
        content_sha256=record.content_sha256,
        file_name=record.file_name,
        rows_read=record.rows_read,
        rows_accepted=record.rows_accepted,
        rows_rejected=record.rows_rejected,
        corrections=record.corrections,
        loaded_at=record.loaded_at,
        loaded_by=record.loaded_by,
        status=str(record.status),
    )


def quarantined(row: QuarantinedRow) -> schemas.QuarantineRead:
    return schemas.QuarantineRead(
        id=row.id,
        batch_seq=row.batch_seq,
        source=row.source,
        row_number=row.row_number,
        line=row.line,
        event_id=row.event_id,
        values=jsonable(row.values),
        reasons=list(row.reasons),
        status=str(row.status),
    )


def finding(stored: StoredFinding) -> schemas.StoredFindingRead:
    return schemas.StoredFindingRead(
        id=stored.id,
        source=stored.source,
        batch_seq=stored.batch_seq,
        kind=stored.kind,
        severity=stored.severity,
        count=stored.count,
        detail=stored.detail,
        examples=list(stored.examples),
        status=str(stored.status),
        found_at=stored.found_at,
    )


def result(value: ServiceLevelResult) -> schemas.ResultRead:
    return schemas.ResultRead(
        service_level_id=value.service_level_id,
        period=value.period,
        kpi=value.kpi,
        contract_version=value.contract_version,
        value=_exact(value.value),
        value_float=value.value_float,
        numerator=_exact(value.numerator),
        denominator=value.denominator,
        sample_size=value.sample_size,
        expected=format(value.expected, "f"),
        minimum=format(value.minimum, "f"),
        status=value.status.value,
        colour=value.status.colour,
        excluded=value.excluded,
        completeness=_exact(value.completeness),
        running=value.running,
        notes=list(value.notes),
    )


def exclusion(value: Exclusion) -> schemas.ExclusionRead:
    return schemas.ExclusionRead(
        id=value.id,
        contract_id=value.contract_id,
        source=value.source,
        service_level_id=value.service_level_id,
        event_ids=list(value.event_ids),
        period=value.period,
        reason=value.reason,
        note=value.note,
        requested_by=value.requested_by,
        requested_at=value.requested_at,
        status=value.status,
        decided_by=value.decided_by,
        decided_at=value.decided_at,
    )


def period_close(record: PeriodCloseRecord) -> schemas.PeriodCloseRead:
    return schemas.PeriodCloseRead(
        contract_id=record.contract_id,
        period=record.period,
        version=record.version,
        status=record.status.value,
        contract_version=record.contract_version,
        inputs_sha256=record.inputs_sha256,
        outputs_sha256=record.outputs_sha256,
        closed_at=record.closed_at,
        closed_by=record.closed_by,
        reopened_at=record.reopened_at,
        reopened_by=record.reopened_by,
        reopen_reason=record.reopen_reason,
    )


def audit_entry(entry: AuditEntry) -> schemas.AuditEntryRead:
    return schemas.AuditEntryRead(
        seq=entry.seq,
        at=entry.at,
        actor_user=entry.actor_user,
        actor_role=entry.actor_role,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        action=entry.action,
        before=entry.before,
        after=entry.after,
        row_hash=entry.row_hash,
    )


def risk(value: Risk) -> schemas.RiskRead:
    return schemas.RiskRead(
        id=value.id,
        title=value.title,
        category=value.category.value,
        likelihood=value.likelihood,
        impact=value.impact,
        score=value.score,
        level=value.level.value,
        owner=value.owner,
        mitigation=value.mitigation,
        review_date=value.review_date,
        status=value.status.value,
        contracts=list(value.contracts),
        vendors=list(value.vendors),
        source=value.source.value,
        rule=value.rule,
        explanation=value.explanation,
    )


def model(value: BaseModel) -> dict[str, Any]:
    """A domain model as JSON values (for registers whose model is the API's answer)."""
    dumped: dict[str, Any] = value.model_dump(mode="json")
    return dumped


def document(value: Any) -> schemas.Document:
    return schemas.Document(data=jsonable(value))
