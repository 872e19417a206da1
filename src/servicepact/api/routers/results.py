"""Service-level results per contract and period; evaluating a period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep
from servicepact.api.pagination import Page, PageDep, paginate
from servicepact.api.params import MeasuredPeriodPath
from servicepact.domain.periods import MEASURED_PERIOD_PATTERN
from servicepact.services import evaluation as service

router = APIRouter(prefix="/contracts/{contract_id}", tags=["results"])


@router.get(
    "/results",
    summary="List results",
    description="The latest stored result of each service level and period, oldest period first.",
)
def list_results(
    app: AppDep,
    actor: ActorDep,
    contract_id: str,
    params: PageDep,
    request: Request,
    response: Response,
    period: Annotated[
        str | None,
        Query(pattern=MEASURED_PERIOD_PATTERN, description="one period", examples=["2026-03"]),
    ] = None,
) -> Page[schemas.ResultRead]:
    found = service.cached_list_results(app, actor=actor, contract_id=contract_id, period=period)
    return paginate(found, params, request, response, convert.result)


@router.post(
    "/periods/{period}/evaluate",
    summary="Evaluate a period",
    description=(
        "Measures every service level for the period from the stored events and stores the "
        "results (a new version only when the inputs changed). A closed period answers 409."
    ),
)
def evaluate_period(
    app: AppDep, actor: ActorDep, contract_id: str, period: MeasuredPeriodPath
) -> list[schemas.ResultRead]:
    found = service.evaluate_period(app, actor=actor, contract_id=contract_id, period_label=period)
    return [convert.result(r) for r in found]
