"""Service-level results per contract and period; evaluating a period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep, data_state_of
from servicepact.api.pagination import Page, PageDep, paginate
from servicepact.api.params import MeasuredPeriodPath
from servicepact.domain.periods import MEASURED_PERIOD_PATTERN
from servicepact.services import evaluation as service

router = APIRouter(prefix="/contracts/{contract_id}", tags=["results"])


@router.get(
    "/results",
    summary="List results",
    description="The latest stored result of each service level and period, oldest period first.",
    response_model=Page[schemas.ResultRead],
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
) -> Response:
    found = service.cached_list_results(
        app,
        actor=actor,
        contract_id=contract_id,
        period=period,
        present=convert.result,
        state=data_state_of(request),
    )
    page = paginate(found, params, request, response, lambda item: item)
    # The items were converted once for this state of the data; serialised here by pydantic
    # in one call (the bytes FastAPI would write, without validating the answer again).
    return Response(
        page.model_dump_json(by_alias=True),
        media_type="application/json",
        headers=dict(response.headers),
    )


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
