"""Deciding on exclusions from the contract page."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicepact.services import review
from servicepact.web.core import AppDep, ViewerDep, check_csrf

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@router.post("/exclusions/{exclusion_id}/decide")
def decide_exclusion(
    app: AppDep,
    viewer: ViewerDep,
    exclusion_id: str,
    decision: Annotated[Decision, Form()],
    csrf: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    period: Annotated[str, Form(pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$")] = "",
) -> Response:
    """Approve or reject a requested exclusion (client managers); an approval measures the
    month again at once. From a month's review page (``period``) back to it, else to the
    contract."""
    check_csrf(viewer, csrf)
    decided, _ = review.decide_exclusion(
        app,
        actor=viewer.actor,
        exclusion_id=exclusion_id,
        approve=decision is Decision.APPROVE,
        note=note,
        period=period or None,
    )
    target = f"/contracts/{quote(decided.contract_id)}"
    if period:
        target += f"/months/{quote(period)}"
    return RedirectResponse(target, status_code=303)
