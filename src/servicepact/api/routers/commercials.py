"""Credits, invoice checks and the business case of a contract; period close and reopen."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from fastapi import APIRouter, UploadFile
from starlette.concurrency import run_in_threadpool

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.services import commercials as service
from servicepact.services import periods

router = APIRouter(prefix="/contracts/{contract_id}", tags=["commercials"])
MAX_INVOICE_BYTES = 10 * 1024 * 1024  # an invoice is a few hundred lines; bounds a request
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@router.get(
    "/periods/{period}/credits",
    summary="The month's credit statement",
    description="Lines per breached service level, the cap, earn-back and flags, as exact text.",
)
def get_credits(app: AppDep, actor: ActorDep, contract_id: str, period: str) -> schemas.Document:
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
    app: AppDep, actor: ActorDep, contract_id: str, period: str
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
    app: AppDep, actor: ActorDep, contract_id: str, period: str, file: UploadFile
) -> schemas.Document:
    content = await file.read(MAX_INVOICE_BYTES + 1)
    if len(content) > MAX_INVOICE_BYTES:
        raise InvalidInput(
            problems=[Problem("file", f"is above the limit of {MAX_INVOICE_BYTES:,} bytes")]
        )
    # Keep the extension (it selects the reader); never trust the client's path.
    name = _SAFE_NAME.sub("_", Path(file.filename or "invoice.csv").name) or "invoice.csv"

    def check() -> schemas.Document:  # parsing and storing run in a worker thread
        with tempfile.TemporaryDirectory(prefix="servicepact-invoice-") as directory:
            path = Path(directory) / name
            path.write_bytes(content)
            stored = service.check_invoice_file(
                app, actor=actor, contract_id=contract_id, period=period, path=path
            )
        return convert.document(
            {"id": stored.id, "check": stored.check, "expected": stored.expected}
        )

    return await run_in_threadpool(check)


@router.get("/business-case", summary="The business case against actuals")
def business_case(app: AppDep, actor: ActorDep, contract_id: str) -> schemas.Document:
    report = service.business_case_report(app, actor=actor, contract_id=contract_id)
    return convert.document({"result": report.result, "actuals": report.actuals})


@router.post(
    "/periods/{period}/close",
    summary="Close a month",
    description="Freezes its results, credits and invoice checks. Client managers only.",
    tags=["periods"],
)
def close_period(
    app: AppDep, actor: ActorDep, contract_id: str, period: str
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
    app: AppDep, actor: ActorDep, contract_id: str, period: str, body: schemas.ReopenCreate
) -> schemas.PeriodCloseRead:
    record = periods.reopen_period(
        app, actor=actor, contract_id=contract_id, period=period, reason=body.reason
    )
    return convert.period_close(record)
