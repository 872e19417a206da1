"""Uploading a contract's event data: the form, the job's progress, its report and row errors."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from servicepact.api.multipart import read_upload_form
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.services import contracts as contract_service
from servicepact.services import loads as load_service
from servicepact.services.uploads import UploadJobs, problem_rows, problems_csv
from servicepact.web.core import HTML, AppDep, ViewerDep, check_csrf, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
ERRORS_PAGE = 50


def jobs_of(request: Request) -> UploadJobs:
    jobs: UploadJobs = request.app.state.upload_jobs
    return jobs


@router.get("/contracts/{contract_id}/upload")
def upload_form(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    source: Annotated[str | None, Query(max_length=64)] = None,
) -> HTML:
    stored = contract_service.get_contract(app, actor=viewer.actor, contract_id=contract_id)
    viewer.actor.require_write("load data")
    batches = load_service.list_batches(app, actor=viewer.actor, contract_id=contract_id)
    return render(
        request,
        "upload.html",
        lang=viewer.lang,
        viewer=viewer,
        contract=stored.contract,
        chosen=source if source in stored.contract.sources else None,
        batches=batches[-10:][::-1],
        limit_mb=app.settings.max_upload_bytes // (1024 * 1024),
    )


@router.post("/contracts/{contract_id}/upload")
async def upload(request: Request, app: AppDep, viewer: ViewerDep, contract_id: str) -> Response:
    """Receive the file (streamed to disk, never parsed here) and start its load in a worker."""
    form = await read_upload_form(request, limit=app.settings.max_upload_bytes)
    check_csrf(viewer, str(form.get("csrf") or ""))
    source = str(form.get("source") or "")
    await run_in_threadpool(
        load_service.admit_load, app, actor=viewer.actor, contract_id=contract_id, source=source
    )
    upload_file = form.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        raise InvalidInput(problems=[Problem("file", "choose a file to upload")])
    encoding = str(form.get("encoding") or "") or None
    job = await run_in_threadpool(
        jobs_of(request).submit,
        actor=viewer.actor,
        contract_id=contract_id,
        source=source,
        stream=upload_file.file,
        file_name=upload_file.filename,
        accept_valid=form.get("accept_valid") == "yes",
        encoding=encoding,
    )
    return RedirectResponse(
        f"/contracts/{quote(contract_id)}/uploads/{quote(job.id)}", status_code=303
    )


@router.get("/contracts/{contract_id}/uploads/{job_id}")
def upload_job(
    request: Request,
    viewer: ViewerDep,
    contract_id: str,
    job_id: str,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTML:
    job = jobs_of(request).get(job_id, actor=viewer.actor, contract_id=contract_id)
    rows = problem_rows(job.problems)
    pages = max(1, -(-len(rows) // ERRORS_PAGE))
    shown = rows[(page - 1) * ERRORS_PAGE : page * ERRORS_PAGE]
    partial = request.headers.get("HX-Target") == "upload-status"
    return render(
        request,
        "upload_status.html" if partial else "upload_job.html",
        lang=viewer.lang,
        viewer=viewer,
        job=job,
        contract_id=contract_id,
        rows=shown,
        page=min(page, pages),
        pages=pages,
        total_errors=len(rows),
    )


@router.get("/contracts/{contract_id}/uploads/{job_id}/errors.csv")
def upload_errors_csv(
    request: Request, viewer: ViewerDep, contract_id: str, job_id: str
) -> Response:
    job = jobs_of(request).get(job_id, actor=viewer.actor, contract_id=contract_id)
    return Response(
        problems_csv(job.problems),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="row-errors-{job.id}.csv"'},
    )
