"""The events behind a stored result (its drill-down), paged and filtered by outcome."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from servicepact.api import convert, schemas
from servicepact.api.auth import ActorDep, AppDep
from servicepact.api.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE, PageLinks
from servicepact.api.params import MeasuredPeriodPath
from servicepact.services import drilldown as service

router = APIRouter(prefix="/contracts/{contract_id}", tags=["results"])

OutcomeFilter = Literal["all", "failed", "met", "excluded"]


class PauseRead(BaseModel):
    start: str | None = Field(examples=["2026-03-10T11:00:00+09:00"])
    end: str | None = Field(description="null while the pause is open")


class ExclusionRef(BaseModel):
    id: str = Field(examples=["EX-3f2a9c0d1b7e"])
    reason: str = Field(examples=["client_caused"])
    note: str
    period: str | None


class ResultEventRead(BaseModel):
    """One event that counts for the result (or, for availability, one outage run)."""

    id: str | None = Field(description="the event's id; null for an outage run")
    outcome: Literal["failed", "met", "excluded"]
    reason: str = Field(
        description=(
            "why: over_target, not_done, condition_not_met, within_target, condition_met, "
            "worse_than_expected, better_than_expected, open_and_old, excluded, downtime, "
            "planned_outage"
        ),
        examples=["over_target"],
    )
    counts_at: str = Field(
        description="the instant the event counts at (its anchor), in the contract's time zone",
        examples=["2026-03-10T09:15:00+09:00"],
    )
    numerator: int = Field(description="what the event adds to the numerator")
    denominator: int = Field(description="what the event adds to the denominator")
    times: dict[str, Any] = Field(
        default_factory=dict, description="the columns the KPI reads, times in the contract's zone"
    )
    groups: dict[str, str | None] = Field(
        default_factory=dict, description="priority, queue, category, channel where present"
    )
    pauses: list[PauseRead] = Field(default_factory=list)
    measure: str | None = Field(
        default=None,
        description="what measured/target are: duration (seconds), business_time (business "
        "seconds), deadline (times), quantity (units) or value (the KPI's unit)",
    )
    measured: str | None = None
    target: str | None = None
    margin: str | None = Field(
        default=None, description="how far better (positive) or worse (negative) than target"
    )
    exclusion: ExclusionRef | None = None
    kind: str | None = Field(default=None, description="outage runs: unplanned or planned")
    start: str | None = None
    end: str | None = None
    working_seconds: int | None = None
    event_ids: list[str] | None = None


class ListedTotals(BaseModel):
    numerator: int = Field(description="Σ numerator of the counted items (in the sum's unit)")
    denominator: int
    sample_size: int


class Freshness(BaseModel):
    current: bool
    reasons: list[str] = Field(
        description="contract_amended, data_changed, exclusion_approved", examples=[[]]
    )
    closed: bool


class ResultEventsPage(BaseModel):
    items: list[ResultEventRead]
    total: int = Field(description="items with this outcome over all pages")
    page: int
    per_page: int
    links: PageLinks
    outcome: OutcomeFilter
    shows: Literal["events", "open_tickets", "outages"]
    kpi: str
    kpi_title: str
    formula: str
    params: dict[str, Any]
    timezone: str
    result: schemas.ResultRead
    result_version: int
    listed: ListedTotals
    agrees: bool = Field(description="the list adds up to the stored numerator and denominator")
    freshness: Freshness
    counts: dict[str, int] = Field(examples=[{"failed": 5, "excluded": 0, "met": 15}])
    breakdowns: dict[str, list[dict[str, Any]]] = Field(
        description="per priority, queue, category, channel (where present), day and week: "
        "failed, excluded, met, numerator, denominator"
    )


def _url(request: Request, page: int, per_page: int) -> str:
    return str(request.url.include_query_params(page=page, per_page=per_page))


@router.get(
    "/results/{service_level_id}/{period}/events",
    summary="List the events behind a result",
    description=(
        "The events that count for the stored result of one service level in one period, "
        "failing first, then excluded, then met, each by the instant it counts at. They add "
        "up to the stored numerator and denominator (`agrees`); `freshness` says whether the "
        "result is still current. Availability lists outage runs instead of events; the "
        "backlog lists the old tickets open at the period's end. A vendor sees its own "
        "contracts only (404 otherwise)."
    ),
)
def list_result_events(
    app: AppDep,
    actor: ActorDep,
    contract_id: str,
    service_level_id: str,
    period: MeasuredPeriodPath,
    request: Request,
    response: Response,
    outcome: Annotated[OutcomeFilter, Query(description="which events")] = "all",
    page: Annotated[int, Query(ge=1, description="1-based page number")] = 1,
    per_page: Annotated[
        int, Query(ge=1, le=MAX_PER_PAGE, description="items per page")
    ] = DEFAULT_PER_PAGE,
    breakdowns: Annotated[
        bool, Query(description="include the breakdowns (false: the page of events sooner)")
    ] = True,
) -> ResultEventsPage:
    found = service.result_events(
        app,
        actor=actor,
        contract_id=contract_id,
        service_level_id=service_level_id,
        period=period,
        outcome=outcome,
        page=page,
        per_page=per_page,
        breakdowns=breakdowns,
    )
    last = found.pages
    links = PageLinks(
        self=_url(request, page, per_page),
        first=_url(request, 1, per_page),
        prev=_url(request, page - 1, per_page) if page > 1 else None,
        next=_url(request, page + 1, per_page) if page < last else None,
        last=_url(request, last, per_page),
    )
    response.headers["X-Total-Count"] = str(found.total)
    response.headers["Link"] = ", ".join(
        f'<{url}>; rel="{rel}"'
        for rel, url in (
            ("first", links.first),
            ("prev", links.prev),
            ("next", links.next),
            ("last", links.last),
        )
        if url is not None
    )
    return ResultEventsPage(
        items=[ResultEventRead.model_validate(item) for item in found.items],
        total=found.total,
        page=page,
        per_page=per_page,
        links=links,
        outcome=outcome,
        shows=found.shows,
        kpi=found.definition.name,
        kpi_title=found.definition.title,
        formula=found.definition.formula,
        params=dict(found.service_level.params),
        timezone=found.timezone,
        result=convert.result(found.result),
        result_version=found.result_version,
        listed=ListedTotals(**found.totals),
        agrees=found.agrees,
        freshness=Freshness(**found.freshness.as_dict()),
        counts=found.counts,
        breakdowns=found.breakdowns,
    )
