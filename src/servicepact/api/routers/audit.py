"""The audit trail (auditors and administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep
from servicepact.api.pagination import MAX_PER_PAGE
from servicepact.services import audit as service

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get(
    "",
    summary="Read the audit trail",
    description=(
        "Newest first. Pages by cursor: follow `next` (it sets `before_seq` to the oldest "
        "row shown), since new rows keep arriving at the head."
    ),
)
def list_entries(
    app: AppDep,
    actor: ActorDep,
    request: Request,
    entity_type: Annotated[str | None, Query(examples=["contract"])] = None,
    entity_id: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 100,
    before_seq: Annotated[int | None, Query(ge=1, le=schemas.MAX_STORED_INT)] = None,
) -> schemas.AuditPage:
    entries = service.list_entries(
        app,
        actor=actor,
        entity_type=entity_type,
        entity_id=entity_id,
        limit=limit,
        before_seq=before_seq,
    )
    following = None
    if len(entries) == limit and entries[-1].seq > 1:
        following = str(request.url.include_query_params(before_seq=entries[-1].seq))
    return schemas.AuditPage(items=[convert.audit_entry(e) for e in entries], next=following)
