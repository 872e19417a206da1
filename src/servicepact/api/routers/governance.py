"""Risk register and heat map, entrustment register, BPO map."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep
from servicepact.api.pagination import Page, PageDep, paginate
from servicepact.services import entrustment, risks, vendors

router = APIRouter(tags=["governance"])


@router.get(
    "/risks",
    summary="List risks",
    description="Open risks (closed too with `include_closed`); vendors see their contracts' only.",
)
def list_risks(
    app: AppDep,
    actor: ActorDep,
    params: PageDep,
    request: Request,
    response: Response,
    contract_id: Annotated[str | None, Query()] = None,
    include_closed: bool = False,
) -> Page[schemas.RiskRead]:
    found = risks.list_risks(
        app, actor=actor, contract_id=contract_id, include_closed=include_closed
    )
    return paginate(found, params, request, response, convert.risk)


@router.get(
    "/risks/heat-map",
    summary="Risk heat map",
    description="5 × 5 grid: rows by likelihood 5 (top) to 1, columns by impact 1 to 5.",
)
def heat_map(app: AppDep, actor: ActorDep) -> schemas.Document:
    return convert.document(risks.risk_heat_map(app, actor=actor))


@router.get("/entrustments", summary="Personal-data entrustment register")
def list_entrustments(
    app: AppDep, actor: ActorDep, params: PageDep, request: Request, response: Response
) -> Page[dict[str, Any]]:
    found = entrustment.list_entrustments(app, actor=actor)
    return paginate(found, params, request, response, convert.model)


@router.get(
    "/bpo-map",
    summary="BPO map",
    description="Each outsourced process through its four governance layers, with status.",
)
def bpo_map(app: AppDep, actor: ActorDep) -> schemas.Document:
    return convert.document(vendors.governance_map(app, actor=actor))
