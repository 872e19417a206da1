"""Deciding on exclusions from the contract page."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicepact.services import evaluation
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
) -> Response:
    """Approve or reject a requested exclusion from the contract page (client managers)."""
    check_csrf(viewer, csrf)
    decide = (
        evaluation.approve_exclusion
        if decision is Decision.APPROVE
        else evaluation.reject_exclusion
    )
    decided = decide(app, actor=viewer.actor, exclusion_id=exclusion_id, note=note)
    return RedirectResponse(f"/contracts/{quote(decided.contract_id)}", status_code=303)
