"""Contracts: list, read (with versions), apply a contract document, export it as YAML."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep
from servicepact.api.errors import problem
from servicepact.api.pagination import Page, PageDep, paginate
from servicepact.bootstrap import App
from servicepact.contractfile.canonical import dump_contract
from servicepact.contractfile.documents import parse_contract_text
from servicepact.domain.access import Actor
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.periods import MONTH_PATTERN
from servicepact.services import contracts as service
from servicepact.services.freshness import remeasure_after_change

router = APIRouter(prefix="/contracts", tags=["contracts"])
YAML = "application/yaml"
CONTRACT_MEDIA_TYPES = frozenset(
    {YAML, "application/x-yaml", "text/yaml", "text/x-yaml", "application/json"}
)
_EXAMPLE = """servicepact: 1
contract:
  id: acme-cs-2026
  name: Customer contact centre
  client: acme
  vendor: helpco
  ...
"""
_CONTRACT_BODY = {
    "requestBody": {
        "required": True,
        "description": "A contract document (PRODUCT.md §4) as YAML, or the same as JSON.",
        "content": {
            YAML: {"schema": {"type": "string"}, "example": _EXAMPLE},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
VersionQuery = Annotated[
    int | None,
    Query(ge=1, le=schemas.MAX_VERSION, description="a stored version; default the current one"),
]


@router.get(
    "",
    summary="List the contracts you may see",
    description="Vendor and broker users see only their own contracts.",
)
def list_contracts(
    app: AppDep, actor: ActorDep, params: PageDep, request: Request, response: Response
) -> Page[schemas.ContractSummaryRead]:
    found = service.list_contracts(app, actor=actor)
    return paginate(found, params, request, response, convert.contract_summary)


@router.get(
    "/{contract_id}",
    summary="Read a contract with its versions",
    responses={404: {"description": "no such contract, or not yours"}},
)
def get_contract(
    app: AppDep, actor: ActorDep, contract_id: str, version: VersionQuery = None
) -> schemas.ContractRead:
    stored = service.get_contract(app, actor=actor, contract_id=contract_id, version=version)
    return convert.contract(stored, now=app.now())


@router.get(
    "/{contract_id}/calendar-check",
    summary="Compare the contract's stored holiday lists with the installed holidays package",
    description=(
        "The current version's holidays were fixed when it was applied and results use only "
        "them. This lists, per calendar, the dates the installed package now adds or removes "
        "and the calendars entries an amendment would set to adopt them. Changes nothing."
    ),
    responses={404: {"description": "no such contract, or not yours"}},
)
def check_calendars(app: AppDep, actor: ActorDep, contract_id: str) -> schemas.CalendarCheckRead:
    from servicepact.services.calendars import check_contract_calendars

    return convert.calendar_check(
        check_contract_calendars(app, actor=actor, contract_id=contract_id)
    )


@router.put(
    "",
    summary="Apply a contract document",
    description=(
        "Creates the contract, or a new version (an amendment) when the content changed; "
        "the same content again changes nothing (`changed: false`). Client managers only. "
        "Invalid documents answer 422 with every problem and its field path. An amendment "
        "of a contract with measured months needs `effective_from` (it applies from that "
        "month, after every measured one; earlier months keep the previous version's terms) "
        "or `remeasure_from` (the measured months from then on are measured again under it): "
        "without either it answers 409 `amendment_changes_results` naming the months, their "
        "current results (`months`) and the values to send again (`retry_with`). While "
        "months are closed, either must come after the last closed one."
    ),
    openapi_extra=_CONTRACT_BODY,
    status_code=200,
    response_model=schemas.ApplyRead,
)
async def apply_contract(
    app: AppDep,
    actor: ActorDep,
    request: Request,
    effective_from: Annotated[
        str | None,
        Query(
            pattern=MONTH_PATTERN,
            description=(
                "YYYY-MM: the month an amendment applies from (earlier months keep the "
                "previous version's terms); it must come after every measured and every "
                "closed month"
            ),
        ),
    ] = None,
    remeasure_from: Annotated[
        str | None,
        Query(
            pattern=MONTH_PATTERN,
            description=(
                "YYYY-MM: the month an amendment applies from, accepting that the measured "
                "months from then on are measured again under it; after every closed month"
            ),
        ),
    ] = None,
) -> schemas.ApplyRead | Response:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in CONTRACT_MEDIA_TYPES:
        raise HTTPException(
            status_code=415,
            detail=f"send the contract as {' or '.join(sorted(CONTRACT_MEDIA_TYPES))}, "
            f"not {media_type or 'a body without Content-Type'}",
        )
    body = await request.body()  # bounded while it streams in (api/limits.py)
    # Parsing and validating a document of up to a few megabytes is work for a worker thread,
    # never for the event loop that answers everybody else.
    try:
        outcome = await run_in_threadpool(_apply, app, actor, body, effective_from, remeasure_from)
    except service.AmendmentChangesResults as refused:
        return _changes_results(refused, request.url.path)
    return schemas.ApplyRead(
        contract_id=outcome.contract_id,
        version=outcome.version,
        changed=outcome.changed,
        supersedes=outcome.supersedes,
        calendar_hash=outcome.calendar_hash,
        holiday_changes={
            name: schemas.HolidayChangeRead(added=list(added), removed=list(removed))
            for name, added, removed in outcome.holiday_changes
        },
        effective_from=outcome.effective_from,
        remeasured=list(outcome.remeasured),
    )


def _changes_results(refused: service.AmendmentChangesResults, instance: str) -> Response:
    """409 naming the measured months an amendment would change, with what to send again."""
    names = ", ".join(m.period for m in refused.months)
    first = refused.months[0].period[:7]
    return problem(
        status=409,
        title="Conflict",
        code=refused.code,
        detail=(
            f"this amendment would change the results of measured months {names}. Send it "
            f"again with ?effective_from={refused.suggest} (it applies from then; earlier "
            f"months keep the current terms) or ?remeasure_from={refused.first or first} "
            f"(these months are measured again under it)"
        ),
        instance=instance,
        extensions={
            "months": [m.as_dict() for m in refused.months],
            "retry_with": {
                "effective_from": refused.suggest,
                "remeasure_from": refused.first or first,
            },
        },
    )


def _apply(
    app: App,
    actor: Actor,
    body: bytes,
    effective_from: str | None,
    remeasure_from: str | None = None,
) -> service.ApplyOutcome:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(problems=[Problem("body", "is not UTF-8 text")]) from None
    # JSON is a subset of YAML, so one parser reads both and reports the same field paths.
    document = parse_contract_text(text, source="body")
    outcome = service.apply_contract(
        app,
        actor=actor,
        document=document,
        effective_from=effective_from,
        remeasure_from=remeasure_from,
    )
    if outcome.supersedes is not None:
        # an amendment: the open months it reaches are measured again (already off the loop)
        remeasure_after_change(app, actor=actor, contract_id=outcome.contract_id)
    return outcome


@router.get(
    "/{contract_id}/export",
    summary="Export a contract as its canonical YAML",
    response_class=Response,
    responses={200: {"content": {YAML: {"example": _EXAMPLE}}}},
)
def export_contract(
    app: AppDep, actor: ActorDep, contract_id: str, version: VersionQuery = None
) -> Response:
    contract = service.export_contract(app, actor=actor, contract_id=contract_id, version=version)
    return Response(
        dump_contract(contract),
        media_type=YAML,
        headers={"Content-Disposition": f'attachment; filename="{contract.id}.yaml"'},
    )
