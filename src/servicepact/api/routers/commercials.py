"""Credits, invoice checks and the business case of a contract; period close and reopen."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from fastapi import APIRouter, HTTPException, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep
from servicepact.api.params import MonthPath
from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.services import commercials as service
from servicepact.services import periods

router = APIRouter(prefix="/contracts/{contract_id}", tags=["commercials"])
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@router.get(
    "/periods/{period}/credits",
    summary="The month's credit statement",
    description="Lines per breached service level, the cap, earn-back and flags, as exact text.",
)
def get_credits(
    app: AppDep, actor: ActorDep, contract_id: str, period: MonthPath
) -> schemas.Document:
    month = service.state_credits(app, actor=actor, contract_id=contract_id, period=period)
    return convert.document(
        {
            "month": month.month.label,
            "contract_version": month.stored.version,
            "contract_year": month.contract_year,
            "volumes": month.volumes,
            "credits": month.credits,
            "expected_invoice": month.expected,
        }
    )


@router.get("/periods/{period}/invoice-checks", summary="Stored invoice checks of a month")
def list_invoice_checks(
    app: AppDep, actor: ActorDep, contract_id: str, period: MonthPath
) -> schemas.Document:
    found = service.list_invoice_checks(app, actor=actor, contract_id=contract_id, period=period)
    return convert.document(found)


@router.post(
    "/periods/{period}/invoice-checks",
    summary="Check an uploaded invoice",
    description=(
        "Upload the vendor's invoice (CSV or XLSX, multipart field `file`); it is compared "
        "line by line with the expected invoice and the check is stored. A closed month "
        "answers 409."
    ),
    status_code=201,
)
async def check_invoice(
    app: AppDep, actor: ActorDep, contract_id: str, period: MonthPath, file: UploadFile
) -> schemas.Document:
    # The upload is already bounded (api/limits.py) and spooled by the form parser; reading the
    # workbook and checking it is work for a worker thread, never for the event loop.
    name = _SAFE_NAME.sub("_", Path(file.filename or "invoice.csv").name) or "invoice.csv"
    stored = await run_in_threadpool(_check, app, actor, contract_id, period, file.file, name)
    return convert.document({"id": stored.id, "check": stored.check, "expected": stored.expected})


def _check(
    app: App, actor: Actor, contract_id: str, period: str, upload: BinaryIO, name: str
) -> service.StoredInvoiceCheck:
    # Keep the extension (it selects the reader); never trust the client's path.
    with tempfile.TemporaryDirectory(prefix="servicepact-invoice-") as directory:
        path = Path(directory) / name
        upload.seek(0)
        with path.open("wb") as target:
            shutil.copyfileobj(upload, target)
        return service.check_invoice_file(
            app, actor=actor, contract_id=contract_id, period=period, path=path
        )


@router.get(
    "/business-case",
    summary="The business case against actuals",
    description="From the contract's applied business case; 404 when none was applied.",
)
def business_case(app: AppDep, actor: ActorDep, contract_id: str) -> schemas.Document:
    report = service.business_case_report(app, actor=actor, contract_id=contract_id)
    return convert.document({"result": report.result, "actuals": report.actuals})


_CASE_MEDIA_TYPES = frozenset(
    {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "application/json"}
)


@router.put(
    "/business-case",
    summary="Apply the contract's business case",
    description=(
        "Stores the business case (and its broker terms) as YAML or JSON, as its file writes "
        "it: a new version when the content changed, nothing when it did not "
        "(`changed: false`). Its `contract_id` must be the path's. Client managers only; "
        "invalid content answers 422 with every problem and its field path."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def apply_business_case(
    app: AppDep, actor: ActorDep, contract_id: str, request: Request
) -> schemas.BusinessCaseApplyRead:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in _CASE_MEDIA_TYPES:
        raise HTTPException(
            status_code=415,
            detail=f"send the business case as {' or '.join(sorted(_CASE_MEDIA_TYPES))}, "
            f"not {media_type or 'a body without Content-Type'}",
        )
    body = await request.body()  # bounded while it streams in (api/limits.py)
    applied = await run_in_threadpool(_apply_case, app, actor, contract_id, body)
    return schemas.BusinessCaseApplyRead(
        contract_id=applied.contract_id, version=applied.version, changed=applied.changed
    )


def _apply_case(
    app: App, actor: Actor, contract_id: str, body: bytes
) -> service.BusinessCaseApplied:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(problems=[Problem("body", "is not UTF-8 text")]) from None
    inputs = service.parse_business_case(text, source="body")
    if inputs.contract_id != contract_id:
        raise InvalidInput(
            problems=[
                Problem(
                    "contract_id",
                    f"the business case is for {inputs.contract_id!r}, not {contract_id!r}",
                    value=inputs.contract_id,
                )
            ],
            source="body",
        )
    return service.apply_business_case(app, actor=actor, inputs=inputs, source_name="api")


@router.post(
    "/periods/{period}/close",
    summary="Close a month",
    description="Freezes its results, credits and invoice checks. Client managers only.",
    tags=["periods"],
)
def close_period(
    app: AppDep, actor: ActorDep, contract_id: str, period: MonthPath
) -> schemas.PeriodCloseRead:
    record = periods.close_period(app, actor=actor, contract_id=contract_id, period=period)
    return convert.period_close(record)


@router.post(
    "/periods/{period}/reopen",
    summary="Reopen a closed month",
    description="Needs a reason; audited; the next close is a new version.",
    tags=["periods"],
)
def reopen_period(
    app: AppDep, actor: ActorDep, contract_id: str, period: MonthPath, body: schemas.ReopenCreate
) -> schemas.PeriodCloseRead:
    record = periods.reopen_period(
        app, actor=actor, contract_id=contract_id, period=period, reason=body.reason
    )
    return convert.period_close(record)
