"""Operational data: push a batch of events, list batches, quarantined rows and findings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep
from servicepact.api.multipart import read_upload_form
from servicepact.api.pagination import Page, PagerDep
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.services import loads as service
from servicepact.services import uploads

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


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "accept_valid": {"type": "boolean", "default": False},
                        "encoding": {"type": "string", "enum": ["utf-8", "cp949"]},
                    },
                }
            }
        },
    }
}


@router.post(
    "/sources/{source}/files",
    summary="Upload an event file (loaded in the background)",
    description=(
        "A CSV (UTF-8 or CP949), Excel, JSON Lines or Parquet file, its type read from its "
        "content, loaded exactly as `servicepact load` loads it. Answers 202 at once with the "
        "upload job; poll `GET /uploads/{job}` until its state is `done`, `refused` or "
        "`failed`. Larger than the configured limit: 413."
    ),
    status_code=202,
    openapi_extra=_UPLOAD_BODY,
)
async def upload_file(
    request: Request, app: AppDep, actor: ActorDep, contract_id: str, source: str
) -> schemas.UploadJobRead:
    await run_in_threadpool(
        service.admit_load, app, actor=actor, contract_id=contract_id, source=source
    )
    form = await read_upload_form(request, limit=app.settings.max_upload_bytes)
    sent = form.get("file")
    if not isinstance(sent, UploadFile):
        raise InvalidInput(problems=[Problem("file", "send the file as the form field 'file'")])
    encoding = form.get("encoding")
    job = await run_in_threadpool(
        _jobs(request).submit,
        actor=actor,
        contract_id=contract_id,
        source=source,
        stream=sent.file,
        file_name=sent.filename,
        accept_valid=str(form.get("accept_valid", "")).lower() in ("true", "1", "yes", "on"),
        encoding=encoding if isinstance(encoding, str) and encoding else None,
    )
    return convert.upload_job(job)


uploads_router = APIRouter(prefix="/uploads", tags=["data loads"])


@uploads_router.get("/{job_id}", summary="An upload's state and, once over, its report")
def get_upload(
    request: Request,
    actor: ActorDep,
    job_id: str,
    errors_offset: Annotated[int, Query(ge=0)] = 0,
    errors_limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> schemas.UploadJobRead:
    job = _jobs(request).get(job_id, actor=actor)
    return convert.upload_job(job, offset=errors_offset, limit=errors_limit)


@uploads_router.get(
    "/{job_id}/errors.csv",
    summary="Every row error of an upload as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def upload_errors(request: Request, actor: ActorDep, job_id: str) -> Response:
    job = _jobs(request).get(job_id, actor=actor)
    return Response(uploads.problems_csv(job.problems), media_type="text/csv; charset=utf-8")


def _jobs(request: Request) -> uploads.UploadJobs:
    jobs: uploads.UploadJobs = request.app.state.upload_jobs
    return jobs
