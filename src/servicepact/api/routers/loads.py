"""Operational data: push a batch of events, list batches, quarantined rows and findings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep
from servicepact.api.pagination import Page, PagerDep
from servicepact.services import loads as service

router = APIRouter(prefix="/contracts/{contract_id}", tags=["data loads"])
SourceQuery = Annotated[str | None, Query(description="one source (event type), e.g. calls")]


@router.post(
    "/sources/{source}/batches",
    summary="Load a batch of events",
    description=(
        "Rows are validated one by one with the same rules as a file load. All-or-nothing "
        "unless `accept_valid`: any bad row answers 422 naming each row, column and reason, "
        "and nothing is stored. The same batch again changes nothing (`status: duplicate`); "
        "a row with a known event id corrects that event. A batch above the configured "
        "number of rows or bytes (`SERVICEPACT_MAX_BATCH_ROWS`, `SERVICEPACT_MAX_BATCH_BYTES`) "
        "answers 413."
    ),
    status_code=201,
)
def post_batch(
    app: AppDep,
    actor: ActorDep,
    contract_id: str,
    source: str,
    batch: schemas.BatchCreate,
) -> schemas.LoadReportRead:
    limit = app.settings.max_batch_rows
    if len(batch.rows) > limit:
        raise HTTPException(
            status_code=413,
            detail=f"body.rows: {len(batch.rows):,} rows are above the limit of {limit:,} rows "
            "a batch (setting SERVICEPACT_MAX_BATCH_ROWS); send several batches",
        )
    report = service.load_rows(
        app,
        actor=actor,
        contract_id=contract_id,
        source=source,
        rows=batch.rows,
        accept_valid=batch.accept_valid,
        timezone=batch.timezone,
    )
    return convert.load_report(report)


@router.get("/batches", summary="List loaded batches")
def list_batches(
    app: AppDep,
    actor: ActorDep,
    contract_id: str,
    pager: PagerDep,
    source: SourceQuery = None,
) -> Page[schemas.BatchRead]:
    found = service.list_batches(app, actor=actor, contract_id=contract_id, source=source)
    return pager.page(found, convert.batch)


@router.get(
    "/quarantine",
    summary="List row errors (quarantined rows)",
    description="Rows rejected by loads that kept the good rows; personal data masked.",
)
def list_quarantine(
    app: AppDep,
    actor: ActorDep,
    contract_id: str,
    pager: PagerDep,
    source: SourceQuery = None,
    include_resolved: bool = False,
) -> Page[schemas.QuarantineRead]:
    found = service.list_quarantine(
        app,
        actor=actor,
        contract_id=contract_id,
        source=source,
        include_resolved=include_resolved,
    )
    return pager.page(found, convert.quarantined)


@router.get("/findings", summary="List control findings of the loads")
def list_findings(
    app: AppDep,
    actor: ActorDep,
    contract_id: str,
    pager: PagerDep,
    source: SourceQuery = None,
) -> Page[schemas.StoredFindingRead]:
    found = service.list_findings(app, actor=actor, contract_id=contract_id, source=source)
    return pager.page(found, convert.finding)
