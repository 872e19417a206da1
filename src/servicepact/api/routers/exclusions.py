"""Exclusions (waivers): a vendor or the client requests, the client approves or rejects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep
from servicepact.api.pagination import Page, PagerDep
from servicepact.domain.exclusions import ExclusionStatus
from servicepact.services import evaluation as service
from servicepact.services import review

router = APIRouter(tags=["exclusions"])


@router.get("/contracts/{contract_id}/exclusions", summary="List a contract's exclusions")
def list_exclusions(
    app: AppDep,
    actor: ActorDep,
    contract_id: str,
    pager: PagerDep,
    status: Annotated[ExclusionStatus | None, Query()] = None,
) -> Page[schemas.ExclusionRead]:
    found = service.list_exclusions(app, actor=actor, contract_id=contract_id, status=status)
    return pager.page(found, convert.exclusion)


@router.post(
    "/contracts/{contract_id}/exclusions",
    summary="Request an exclusion",
    description="Events (by id) or a whole period of a source, for a stated reason.",
    status_code=201,
)
def request_exclusion(
    app: AppDep, actor: ActorDep, contract_id: str, body: schemas.ExclusionCreate
) -> schemas.ExclusionRead:
    created = service.request_exclusion(
        app,
        actor=actor,
        contract_id=contract_id,
        source=body.source,
        reason=body.reason,
        service_level_id=body.service_level_id,
        event_ids=body.event_ids,
        period=body.period,
        note=body.note,
    )
    return convert.exclusion(created)


@router.post(
    "/exclusions/{exclusion_id}/approve",
    summary="Approve an exclusion (client)",
    description="An exclusion of a whole open month measures that month again at once.",
)
def approve_exclusion(
    app: AppDep, actor: ActorDep, exclusion_id: str, body: schemas.DecisionCreate
) -> schemas.ExclusionRead:
    decided, _ = review.decide_exclusion(
        app, actor=actor, exclusion_id=exclusion_id, approve=True, note=body.note
    )
    return convert.exclusion(decided)


@router.post("/exclusions/{exclusion_id}/reject", summary="Reject an exclusion (client)")
def reject_exclusion(
    app: AppDep, actor: ActorDep, exclusion_id: str, body: schemas.DecisionCreate
) -> schemas.ExclusionRead:
    decided = service.reject_exclusion(app, actor=actor, exclusion_id=exclusion_id, note=body.note)
    return convert.exclusion(decided)
