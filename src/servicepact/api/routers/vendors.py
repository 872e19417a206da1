"""Vendors: scorecards and ranking; vendor selection projects."""

from __future__ import annotations

from fastapi import APIRouter

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep
from servicepact.api.params import MonthQuery
from servicepact.services import selection, vendors

router = APIRouter(tags=["vendors"])
PeriodQuery = MonthQuery


@router.get(
    "/vendors/ranking",
    summary="Rank vendors for a month",
    description="Vendor users see only their own vendor.",
)
def ranking(app: AppDep, actor: ActorDep, period: PeriodQuery) -> schemas.Document:
    ranked, cards = vendors.ranking(app, actor=actor, period=period)
    return convert.document({"ranking": ranked, "scorecards": cards})


@router.get(
    "/vendors/{vendor_id}/scorecard",
    summary="A vendor's scorecard for a month",
    description="Composite score, its components and their gaps; 404 for a vendor not yours.",
)
def scorecard(
    app: AppDep, actor: ActorDep, vendor_id: str, period: PeriodQuery
) -> schemas.Document:
    card = vendors.scorecard(app, actor=actor, vendor_id=vendor_id, period=period)
    return convert.document(card)


@router.get("/selection/projects", summary="List vendor selection projects", tags=["selection"])
def list_projects(actor: ActorDep) -> list[str]:
    return selection.list_projects(actor=actor)


@router.get(
    "/selection/projects/{project}",
    summary="Evaluate a selection project",
    description="Knock-outs, weights (AHP with consistency), ranking, spread and sensitivity.",
    tags=["selection"],
)
def project_result(actor: ActorDep, project: str) -> schemas.Document:
    result = selection.project_result(actor=actor, project=project)
    return schemas.Document(data=selection.result_json(result))
