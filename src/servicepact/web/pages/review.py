"""The month's review page and its actions: disputes, decisions, sign-off, invoice, close,
reopen and the review pack."""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from servicepact.api.multipart import read_upload_form
from servicepact.domain.errors import InvalidInput, NotFound, Problem
from servicepact.services import commercials, periods, review, view_cache
from servicepact.services.uploads import check_workbook, display_name, too_large
from servicepact.web.core import HTML, AppDep, ViewerDep, check_csrf, data_state_of, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

MonthPath = Annotated[str, PathParam(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Note = Annotated[str, Form(max_length=4000)]
_INVOICE_SUFFIX = {b"PK\x03\x04": ".xlsx"}


def month_url(contract_id: str, period: str) -> str:
    return f"/contracts/{quote(contract_id)}/months/{quote(period)}"


def _back(contract_id: str, period: str) -> RedirectResponse:
    return RedirectResponse(month_url(contract_id, period), status_code=303)


@router.get("/contracts/{contract_id}/months/{period}")
def month_page(
    request: Request, app: AppDep, viewer: ViewerDep, contract_id: str, period: MonthPath
) -> HTML:
    view = review.cached_month_review(
        app, actor=viewer.actor, contract_id=contract_id, period=period,
        state=data_state_of(request),
    )  # fmt: skip
    return render(request, "month.html", lang=viewer.lang, viewer=viewer, view=view)


@router.post("/contracts/{contract_id}/months/{period}/disputes")
def raise_dispute(
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    period: MonthPath,
    comment: Note,
    csrf: Annotated[str, Form()] = "",
    service_level_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    check_csrf(viewer, csrf)
    review.raise_dispute(
        app,
        actor=viewer.actor,
        contract_id=contract_id,
        period=period,
        comment=comment,
        service_level_id=service_level_id or None,
    )
    return _back(contract_id, period)


@router.post("/disputes/{dispute_id}/resolve")
def resolve_dispute(
    app: AppDep,
    viewer: ViewerDep,
    dispute_id: str,
    note: Note,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, csrf)
    done = review.resolve_dispute(app, actor=viewer.actor, dispute_id=dispute_id, note=note)
    return _back(done.contract_id, done.period)


@router.post("/contracts/{contract_id}/months/{period}/acknowledge")
def acknowledge(
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    period: MonthPath,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, csrf)
    review.acknowledge_month(app, actor=viewer.actor, contract_id=contract_id, period=period)
    return _back(contract_id, period)


class Step(StrEnum):
    CLOSE = "close"
    REOPEN = "reopen"


@router.get("/contracts/{contract_id}/months/{period}/confirm/{step}")
def confirm_page(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    period: MonthPath,
    step: Step,
) -> HTML:
    """Closing and reopening change money: the page says once what will change."""
    viewer.actor.require_client(f"{step.value} months")
    view = review.cached_month_review(
        app, actor=viewer.actor, contract_id=contract_id, period=period,
        state=data_state_of(request),
    )  # fmt: skip
    return render(request, "month_confirm.html", lang=viewer.lang, viewer=viewer, view=view,
                  step=step.value)  # fmt: skip


@router.post("/contracts/{contract_id}/months/{period}/close")
def close_month(
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    period: MonthPath,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, csrf)
    periods.close_period(app, actor=viewer.actor, contract_id=contract_id, period=period)
    return _back(contract_id, period)


@router.post("/contracts/{contract_id}/months/{period}/reopen")
def reopen_month(
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    period: MonthPath,
    reason: Note = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer, csrf)
    periods.reopen_period(
        app, actor=viewer.actor, contract_id=contract_id, period=period, reason=reason
    )
    return _back(contract_id, period)


# --- invoice -----------------------------------------------------------------------------------


@router.post("/contracts/{contract_id}/months/{period}/invoice")
async def check_invoice(
    request: Request, app: AppDep, viewer: ViewerDep, contract_id: str, period: MonthPath
) -> Response:
    """Receive the vendor's invoice and check it (in a worker thread, not on the loop)."""
    viewer.actor.require_client("check invoices")
    form = await read_upload_form(request, limit=app.settings.max_upload_bytes)
    check_csrf(viewer, str(form.get("csrf") or ""))
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        raise InvalidInput(problems=[Problem("file", "choose the invoice file (CSV or Excel)")])
    checked = await run_in_threadpool(
        _check_invoice, app, viewer, contract_id, period, sent, app.settings.max_upload_bytes
    )
    return RedirectResponse(f"/contracts/{quote(contract_id)}/invoices/{checked}", status_code=303)


def _check_invoice(
    app: AppDep, viewer: ViewerDep, contract_id: str, period: str, sent: UploadFile, limit: int
) -> int:
    viewer.actor.require_client("check invoices")
    work = Path(tempfile.mkdtemp(prefix="invoice-", dir=_work_dir(app)))
    try:
        head = sent.file.read(4)
        sent.file.seek(0)
        path = work / f"invoice{_INVOICE_SUFFIX.get(head, '.csv')}"
        size = 0
        with path.open("wb") as out:
            while block := sent.file.read(1 << 20):
                size += len(block)
                if size > limit:
                    raise too_large(limit)
                out.write(block)
        if path.suffix == ".xlsx":
            check_workbook(path, limit=limit)
        stored = commercials.check_invoice_file(
            app,
            actor=viewer.actor,
            contract_id=contract_id,
            period=period,
            path=path,
            file_name=display_name(sent.filename),
        )
        return stored.id
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _work_dir(app: AppDep) -> Path:
    directory = app.settings.data_dir / "uploads"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@router.get("/contracts/{contract_id}/invoices/{check_id}")
def invoice_page(
    request: Request, app: AppDep, viewer: ViewerDep, contract_id: str, check_id: int
) -> HTML:
    checks = commercials.list_invoice_checks(app, actor=viewer.actor, contract_id=contract_id)
    found = next((c for c in checks if c["id"] == check_id), None)
    if found is None:
        raise NotFound(f"no invoice check {check_id} of {contract_id}", where=str(check_id))
    difference = Decimal(found["invoiced_total"]) - Decimal(found["expected_total"])
    return render(request, "invoice.html", lang=viewer.lang, viewer=viewer, check=found,
                  contract_id=contract_id, difference=difference)  # fmt: skip


# --- review pack -------------------------------------------------------------------------------


class PackFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    XLSX = "xlsx"


_MEDIA = {
    PackFormat.HTML: "text/html; charset=utf-8",
    PackFormat.PDF: "application/pdf",
    PackFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get("/contracts/{contract_id}/months/{period}/pack.{fmt}")
def review_pack(
    app: AppDep, viewer: ViewerDep, contract_id: str, period: MonthPath, fmt: PackFormat
) -> Response:
    """The month's review pack as ``servicepact report`` makes it, in the viewer's language;
    built in a worker thread and kept until the data changes."""
    from servicepact.reports.formats import ReportFormat
    from servicepact.reports.packs import build_pack, font_cache
    from servicepact.reports.packs import render as render_pack

    def build() -> bytes:
        pack = build_pack(app, actor=viewer.actor, period=period, contract_id=contract_id)
        return render_pack(
            pack, fmt=ReportFormat(fmt.value), lang=viewer.lang, font_cache=font_cache(app)
        )

    content = view_cache.cached(
        app,
        actor=viewer.actor,
        name="review-pack",
        args=(contract_id, period, fmt.value, viewer.lang.value),
        compute=build,
    )
    name = f"{contract_id}-{period}-{viewer.lang.value}.{fmt.value}"
    disposition = "inline" if fmt is PackFormat.HTML else "attachment"
    return Response(
        content,
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )
