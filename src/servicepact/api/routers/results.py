"""Service-level results per contract and period; evaluating a period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep, data_state_of
from servicepact.api.pagination import Page, PageDep, paginate
from servicepact.domain.errors import InvalidInput
from servicepact.domain.periods import RESULT_PERIOD_PATTERN
from servicepact.services import evaluation as service
from servicepact.services import period_reports

PERIOD_DESCRIPTION = (
    "a month (2026-03), a quarter (2026-Q3), a calendar year (2026), the year to date "
    "(2026-YTD: January to the running month) or a contract year (Y1)"
)

router = APIRouter(prefix="/contracts/{contract_id}", tags=["results"])


@router.get(
    "/results",
    summary="List results",
    description=(
        "The latest stored result of each service level and period, oldest period first. With "
        "`period`, the results of the measured periods inside it (the months of a quarter, a "
        "year or the year to date, and a quarterly level's quarter)."
    ),
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
        Query(pattern=RESULT_PERIOD_PATTERN, description=PERIOD_DESCRIPTION, examples=["2026-Q3"]),
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
        "results (a new version only when the inputs changed). A closed month answers 409. A "
        "quarter, a year, the year to date or a contract year measures the measured periods "
        "begun inside it (each level's months, a quarterly level's quarter); a closed month "
        "inside it stands as stored and is answered with the others."
    ),
)
def evaluate_period(
    app: AppDep,
    actor: ActorDep,
    contract_id: str,
    period: Annotated[
        str,
        Path(pattern=RESULT_PERIOD_PATTERN, description=PERIOD_DESCRIPTION, examples=["2026-03"]),
    ],
) -> list[schemas.ResultRead]:
    found = service.evaluate_named(app, actor=actor, contract_id=contract_id, period=period)
    return [convert.result(r) for r in found]


@router.get(
    "/compliance",
    summary="Compliance over a period",
    description=(
        "Per service level over a reporting period: the KPI recomputed from the events of the "
        "whole period (for information; a snapshot KPI has none and says why), and its measured "
        "periods met, below expected, breached or short of data, with the share met (met ÷ "
        "judged). Credits stay with each month. An unknown period form answers 422 naming "
        "`period`."
    ),
    response_model=schemas.ComplianceReport,
)
def compliance(
    app: AppDep,
    actor: ActorDep,
    contract_id: str,
    request: Request,
    period: Annotated[
        str,
        Query(pattern=RESULT_PERIOD_PATTERN, description=PERIOD_DESCRIPTION, examples=["2026-Q3"]),
    ],
) -> schemas.ComplianceReport:
    view = period_reports.cached_compliance_view(
        app, actor=actor, contract_id=contract_id, period=period, state=data_state_of(request)
    )
    if view.problems:
        raise InvalidInput(view.problems)
    assert view.report is not None  # a view without problems has its report
    return convert.compliance(contract_id, view.report, view.found)
