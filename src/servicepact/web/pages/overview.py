"""The read-only overview pages: dashboard, contract, vendors, selection, business case, risks,
BPO map, data loads, audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from servicepact.services import audit, freshness, overview, review, selection
from servicepact.web import charts
from servicepact.web.core import (
    HTML,
    AppDep,
    MonthQuery,
    ViewerDep,
    cached_page,
    data_state_of,
    previous_month,
    render,
    render_html,
    respond,
)

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


# --- pages ----------------------------------------------------------------------------------


@router.get("/")
def dashboard(request: Request, app: AppDep, viewer: ViewerDep, month: MonthQuery = None) -> HTML:
    """The last complete month by default; the running month on request, marked partial."""
    shown = month or previous_month(app.now())
    state = data_state_of(request)

    def page() -> str:
        view = overview.cached_portfolio_overview(app, actor=viewer.actor, month=shown, state=state)
        monthly = review.review_dashboard(app, actor=viewer.actor, month=shown, state=state)
        return render_html(
            request, "dashboard.html", lang=viewer.lang, viewer=viewer, view=view, review=monthly
        )

    # the page most opened: rendered once per viewer and state of the data, not per request
    return respond(request, cached_page(request, app, viewer, "dashboard", (shown,), page))


@router.get("/contracts/{contract_id}")
def contract_page(
    request: Request, app: AppDep, viewer: ViewerDep, contract_id: str, last: MonthQuery = None
) -> HTML:
    view = overview.cached_contract_overview(
        app,
        actor=viewer.actor,
        contract_id=contract_id,
        last=last,
        state=data_state_of(request),
    )
    # results whose inputs changed since they were measured are marked, never shown as current
    stale = {
        (s.service_level_id, s.period)
        for s in freshness.cached_stale_results(app, actor=viewer.actor, contract_id=contract_id)
    }
    return render(
        request,
        "contract.html",
        lang=viewer.lang,
        viewer=viewer,
        view=view,
        trend_charts=charts.trend_charts(view),
        stale=stale,
        lifecycle=view.contract.lifecycle_on(view.contract.today(app.now())),
    )


@router.get("/vendors")
def vendors_page(
    request: Request, app: AppDep, viewer: ViewerDep, period: MonthQuery = None
) -> HTML:
    month = period or previous_month(app.now())
    ranked, cards = overview.ranking_view(app, actor=viewer.actor, period=month)
    return render(
        request,
        "vendors.html",
        lang=viewer.lang,
        viewer=viewer,
        period=month,
        ranked=ranked,
        cards={card.vendor_id: card for card in cards},
    )


@router.get("/selection")
def selection_page(
    request: Request, viewer: ViewerDep, project: Annotated[str | None, Query()] = None
) -> HTML:
    projects = selection.list_projects(actor=viewer.actor)
    chosen = project or (projects[0] if projects else None)
    result = (
        None
        if chosen is None
        else selection.result_json(selection.project_result(actor=viewer.actor, project=chosen))
    )
    return render(
        request,
        "selection.html",
        lang=viewer.lang,
        viewer=viewer,
        projects=projects,
        chosen=chosen,
        result=result,
    )


@router.get("/business-case")
def business_case_page(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    contract: Annotated[str | None, Query()] = None,
) -> HTML:
    view = overview.cached_business_case_view(app, actor=viewer.actor, contract_id=contract)
    return render(
        request,
        "business_case.html",
        lang=viewer.lang,
        viewer=viewer,
        view=view,
        chart=None if view.report is None else charts.savings_chart(view.report.result),
    )


@router.get("/risks")
def risks_page(request: Request, app: AppDep, viewer: ViewerDep) -> HTML:
    view = overview.risk_view(app, actor=viewer.actor)
    return render(request, "risks.html", lang=viewer.lang, viewer=viewer, view=view)


@router.get("/bpo-map")
def bpo_map_page(request: Request, app: AppDep, viewer: ViewerDep) -> HTML:
    processes = overview.bpo_map_view(app, actor=viewer.actor)
    return render(request, "bpo_map.html", lang=viewer.lang, viewer=viewer, processes=processes)


@router.get("/loads")
def loads_page(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    contract: Annotated[str | None, Query()] = None,
) -> HTML:
    view = overview.loads_view(app, actor=viewer.actor, contract_id=contract)
    return render(request, "loads.html", lang=viewer.lang, viewer=viewer, view=view)


AUDIT_PAGE = 50


@router.get("/audit")
def audit_page(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    before_seq: Annotated[int | None, Query(ge=1)] = None,
) -> HTML:
    entries = audit.list_entries(app, actor=viewer.actor, limit=AUDIT_PAGE, before_seq=before_seq)
    older = entries[-1].seq if len(entries) == AUDIT_PAGE and entries[-1].seq > 1 else None
    more = request.headers.get("HX-Target") == "audit-more"  # htmx asks for the rows only
    template = "audit_rows.html" if more else "audit.html"
    return render(request, template, lang=viewer.lang, viewer=viewer, entries=entries, older=older)
