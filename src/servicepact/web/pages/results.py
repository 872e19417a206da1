"""The result page of one cell (contract × service level × month): the rule, the figures, the
events that count (failing first), breakdowns, exports, and — for the vendor on the failing
events — the form that requests an exclusion for the events it selects."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicepact.domain.access import Role
from servicepact.domain.contracts import Term
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.exclusions import ExclusionReason
from servicepact.locale import Lang, translate
from servicepact.services import drilldown, evaluation, freshness
from servicepact.web.core import HTML, AppDep, ViewerDep, check_csrf, data_state_of, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PER_PAGE = 50
PAGE_PATH = "/contracts/{contract_id}/results/{service_level_id}/{period}"
OutcomeQuery = Annotated[str, Query(pattern="^(all|failed|met|excluded)$")]
PageQuery = Annotated[int, Query(ge=1, le=1_000_000)]

# Why an event met or failed, by KPI where the words differ (the engine gives a code).
_WHY: dict[tuple[str, str], str] = {
    ("*", "over_target"): "Later than the target",
    ("*", "within_target"): "Within the target",
    ("*", "not_done"): "Not done",
    ("*", "condition_not_met"): "Condition not met",
    ("*", "condition_met"): "Condition met",
    ("*", "worse_than_expected"): "Worse than the expected level",
    ("*", "better_than_expected"): "At or better than the expected level",
    ("*", "open_and_old"): "Open at the month's end and older than the limit",
    ("*", "excluded"): "Excluded",
    ("*", "downtime"): "Unplanned downtime",
    ("*", "planned_outage"): "Planned maintenance (out of agreed time)",
    ("answered_within", "not_done"): "Not answered",
    ("responded_within", "not_done"): "No response yet",
    ("resolved_within", "not_done"): "Not resolved yet",
    ("payroll_on_time", "not_done"): "Not paid",
    ("on_time_payment", "not_done"): "Not paid",
    ("otif", "not_done"): "Not delivered",
    ("otif", "condition_not_met"): "Delivered short",
    ("campaign_on_time", "not_done"): "Not launched",
    ("abandonment_rate", "condition_not_met"): "Abandoned",
    ("abandonment_rate", "condition_met"): "Not abandoned",
    ("first_contact_resolution", "condition_not_met"): "Not resolved at first contact",
    ("first_contact_resolution", "condition_met"): "Resolved at first contact",
    ("csat_top2", "condition_not_met"): "Scored 1 to 3",
    ("csat_top2", "condition_met"): "Scored 4 or 5",
    ("reopen_rate", "condition_not_met"): "Reopened",
    ("reopen_rate", "condition_met"): "Not reopened",
    ("payroll_accuracy", "condition_not_met"): "Paid with an error",
    ("payroll_accuracy", "condition_met"): "Paid without error",
    ("first_pass_match_rate", "condition_not_met"): "Not matched first time",
    ("first_pass_match_rate", "condition_met"): "Matched first time",
    ("duplicate_payment_rate", "condition_not_met"): "Paid twice",
    ("duplicate_payment_rate", "condition_met"): "Not a duplicate",
    ("fill_rate", "condition_not_met"): "Not filled in full",
    ("fill_rate", "condition_met"): "Filled in full",
    ("delivery_rate", "condition_not_met"): "Not all delivered",
    ("delivery_rate", "condition_met"): "All delivered",
    ("conversion_rate", "condition_not_met"): "Not all converted",
    ("conversion_rate", "condition_met"): "All converted",
    ("inventory_accuracy", "over_target"): "Difference over the tolerance",
}

_OUTCOME_COLOUR = {"failed": "red", "met": "green", "excluded": "grey"}
_OUTCOME_LABEL = {"failed": "Failed", "met": "Met", "excluded": "Excluded"}
_STALE_LABEL = {
    "contract_amended": "the contract was amended",
    "data_changed": "the data changed",
    "exclusion_approved": "an exclusion was approved",
}


def why(kpi: str, reason: str) -> str:
    return _WHY.get((kpi, reason), _WHY.get(("*", reason), reason))


def local(text: str | None) -> str:
    """An ISO time in the contract's zone as the page shows it (the zone is named once)."""
    if not text:
        return ""
    moment = datetime.fromisoformat(text)
    shown = moment.strftime("%Y-%m-%d %H:%M:%S")
    return shown + (f".{moment.microsecond:06d}" if moment.microsecond else "")


def _duration(seconds: float, lang: Lang) -> str:
    """A length of time as a person reads it: 40 s, 2 h 05 m, 3 d 4 h."""
    whole = int(abs(seconds))
    if whole < 120 and seconds == int(seconds):
        return translate(lang, "{n} s", n=whole)
    if whole < 120:
        return translate(lang, "{n} s", n=f"{abs(seconds):g}")
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return translate(lang, "{d} d {h} h", d=days, h=hours)
    if hours:
        return translate(lang, "{h} h {m:02d} m", h=hours, m=minutes)
    return translate(lang, "{m} m", m=minutes)


def _margin(margin: float, lang: Lang, *, business: bool = False) -> str:
    if margin == 0:
        return translate(lang, "exactly on target")
    text = _duration(margin, lang)
    if business:
        text += translate(lang, " (business time)")
    return (
        translate(lang, "{x} early", x=text) if margin > 0 else translate(lang, "{x} late", x=text)
    )


def display(item: dict[str, Any], lang: Lang) -> dict[str, str]:
    """Measured, target and margin of one event in words and units."""
    measure = item.get("measure")
    measured, target, margin = item.get("measured"), item.get("target"), item.get("margin")
    if measure in ("duration", "business_time"):
        business = measure == "business_time"
        return {
            "measured": "—" if measured is None else _duration(float(measured), lang),
            "target": "" if target is None else _duration(float(target), lang),
            "margin": "" if margin is None else _margin(float(margin), lang, business=business),
        }
    if measure == "deadline":
        return {
            "measured": "—" if measured is None else local(measured),
            "target": translate(lang, "before {t}", t=local(target)),
            "margin": "" if margin is None else _margin(float(margin), lang),
        }
    if measure == "quantity":
        over = None if margin is None else -int(margin)
        return {
            "measured": translate(lang, "{n} units", n=measured),
            "target": translate(lang, "≤ {n} units", n=target),
            "margin": ""
            if over is None
            else translate(lang, "{n} over", n=over)
            if over > 0
            else translate(lang, "{n} under", n=-over),
        }
    if measure == "value":
        return {"measured": measured or "", "target": target or "", "margin": margin or ""}
    return {"measured": "", "target": "", "margin": ""}


def _page_url(
    contract_id: str, service_level_id: str, period: str, suffix: str = "", **query: Any
) -> str:
    path = PAGE_PATH.format(
        contract_id=quote(contract_id, safe=""),
        service_level_id=quote(service_level_id, safe=""),
        period=quote(period, safe=""),
    )
    wanted = {k: v for k, v in query.items() if v not in (None, "")}
    return path + suffix + (f"?{urlencode(wanted)}" if wanted else "")


def _result_page(
    request: Request,
    app: Any,
    viewer: Any,
    contract_id: str,
    service_level_id: str,
    period: str,
    outcome: str,
    page: int,
    *,
    errors: list[Problem] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTML:
    view = drilldown.result_events(
        app,
        actor=viewer.actor,
        contract_id=contract_id,
        service_level_id=service_level_id,
        period=period,
        outcome=outcome,
        page=page,
        per_page=PER_PAGE,
        breakdowns=False,  # fetched by the page on their own (``breakdowns_fragment``)
    )
    lang: Lang = viewer.lang
    for item in view.items:
        item["shown"] = display(item, lang)
        item["why"] = translate(lang, why(view.definition.name, item["reason"]))
    can_request = (
        viewer.actor.role in (Role.VENDOR, Role.CLIENT_MANAGER, Role.ADMIN)
        and not view.freshness.closed
        and view.shows == "events"
        and outcome == "failed"
        and view.total > 0
    )
    can_remeasure = (
        viewer.actor.role in (Role.ADMIN, Role.CLIENT_MANAGER, Role.VENDOR)
        and not view.freshness.closed
    )

    def link(**query: Any) -> str:
        return _page_url(contract_id, service_level_id, view.result.period, **query)

    times = [
        name
        for name in dict.fromkeys(n for item in view.items for n in item.get("times", {}))
        if name
    ]
    groups = [
        name for name in dict.fromkeys(g for item in view.items for g in item.get("groups", {}))
    ]
    return render(
        request,
        "result.html",
        lang=lang,
        viewer=viewer,
        status_code=status_code,
        view=view,
        outcome=outcome,
        link=link,
        export_url=lambda kind: _page_url(
            contract_id, service_level_id, view.result.period, f"/events.{kind}", outcome=outcome
        ),
        action=lambda suffix: _page_url(contract_id, service_level_id, view.result.period, suffix),
        local=local,
        times=times,
        groups=groups,
        can_request=can_request,
        can_remeasure=can_remeasure,
        reasons=[(r.value, r.label) for r in ExclusionReason],
        outcome_colour=_OUTCOME_COLOUR,
        outcome_label=_OUTCOME_LABEL,
        stale_label=_STALE_LABEL,
        errors=errors or [],
        form=form or {},
        requested=request.query_params.get("requested"),
        remeasured=request.query_params.get("remeasured"),
    )


@router.get(PAGE_PATH)
def result_page(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    service_level_id: str,
    period: str,
    outcome: OutcomeQuery = "all",
    page: PageQuery = 1,
) -> HTML:
    return _result_page(request, app, viewer, contract_id, service_level_id, period, outcome, page)


def _export_rows(
    app: Any, viewer: Any, contract_id: str, sl: str, period: str, outcome: str
) -> Any:
    return list(
        drilldown.iter_result_events(
            app, actor=viewer.actor, contract_id=contract_id, service_level_id=sl, period=period,
            outcome=outcome,
        )
    )  # fmt: skip


def _file_name(contract_id: str, sl: str, period: str, outcome: str, suffix: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{contract_id}_{sl}_{period}")
    return f"{safe}_{outcome}.{suffix}"


@router.get(PAGE_PATH + "/breakdowns")
def breakdowns_fragment(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    service_level_id: str,
    period: str,
) -> HTML:
    """The breakdowns of the result page, asked for by the page once its events are shown
    (htmx), or opened on their own without JavaScript."""
    view = drilldown.result_events(
        app, actor=viewer.actor, contract_id=contract_id, service_level_id=service_level_id,
        period=period, per_page=1,
    )  # fmt: skip
    fragment = request.headers.get("HX-Request") is not None
    return render(
        request,
        "result_breakdowns.html" if fragment else "result_breakdowns_page.html",
        lang=viewer.lang,
        viewer=viewer,
        view=view,
        fragment=fragment,
        back=_page_url(contract_id, service_level_id, view.result.period),
    )


@router.get(PAGE_PATH + "/events.csv")
def export_csv(
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    service_level_id: str,
    period: str,
    outcome: OutcomeQuery = "all",
) -> Response:
    from servicepact.reports.event_lists import to_csv

    rows = _export_rows(app, viewer, contract_id, service_level_id, period, outcome)
    name = _file_name(contract_id, service_level_id, period, outcome, "csv")
    return Response(
        # a byte-order mark lets spreadsheet programs read the UTF-8 (Korean) text
        "\ufeff" + to_csv(rows, drilldown.EXPORT_COLUMNS),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(PAGE_PATH + "/events.xlsx")
def export_xlsx(
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    service_level_id: str,
    period: str,
    outcome: OutcomeQuery = "all",
) -> Response:
    from servicepact.reports.event_lists import to_xlsx

    rows = _export_rows(app, viewer, contract_id, service_level_id, period, outcome)
    name = _file_name(contract_id, service_level_id, period, outcome, "xlsx")
    body = to_xlsx(rows, drilldown.EXPORT_COLUMNS, sheet=f"{service_level_id} {period}")
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(PAGE_PATH + "/remeasure")
async def remeasure(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    service_level_id: str,
    period: str,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Measure the month again now (when the page says it is out of date)."""
    check_csrf(viewer, csrf)
    done = await run_in_threadpool(
        freshness.refresh_results,
        app,
        actor=viewer.actor,
        contract_id=contract_id,
        periods=[period],
    )
    target = _page_url(contract_id, service_level_id, period, remeasured="1" if done else "0")
    return RedirectResponse(target, status_code=303)


@router.post(PAGE_PATH + "/exclusions")
def request_exclusion(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    service_level_id: str,
    period: str,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    event: Annotated[list[str] | None, Form(max_length=200)] = None,
) -> Response:
    """Ask to exclude the selected failing events (the client decides on the contract page)."""
    check_csrf(viewer, csrf)
    chosen = [e for e in (event or []) if e]
    problems: list[Problem] = []
    if not chosen:
        problems.append(Problem("event", "Select at least one event to exclude."))
    if reason not in {r.value for r in ExclusionReason}:
        problems.append(Problem("reason", "Choose a reason."))
    if not note.strip():
        problems.append(Problem("note", "Say why these events should not count."))
    form = {"reason": reason, "note": note, "events": chosen}
    if chosen and not problems:
        strangers = drilldown.not_failing(
            app, actor=viewer.actor, contract_id=contract_id, service_level_id=service_level_id,
            period=period, event_ids=chosen,
        )  # fmt: skip
        if strangers:
            problems.append(
                Problem(
                    "event", "Not a failing event of this result", value=", ".join(strangers[:5])
                )
            )
    if problems:
        return _result_page(
            request, app, viewer, contract_id, service_level_id, period, "failed", 1,
            errors=problems, form=form, status_code=422,
        )  # fmt: skip
    view = drilldown.result_events(
        app, actor=viewer.actor, contract_id=contract_id, service_level_id=service_level_id,
        period=period, outcome="failed", per_page=1,
    )  # fmt: skip
    try:
        made = evaluation.request_exclusion(
            app,
            actor=viewer.actor,
            contract_id=contract_id,
            source=view.service_level.source,
            service_level_id=service_level_id,
            event_ids=chosen,
            reason=ExclusionReason(reason),
            note=note.strip(),
        )
    except InvalidInput as error:
        return _result_page(
            request, app, viewer, contract_id, service_level_id, period, "failed", 1,
            errors=list(error.problems), form=form, status_code=422,
        )  # fmt: skip
    target = _page_url(
        contract_id, service_level_id, view.result.period, outcome="failed", requested=made.id
    )
    return RedirectResponse(target, status_code=303)


# --- a service level over a quarter, a year, the year to date -------------------------------

COMPLIANCE_PATH = "/contracts/{contract_id}/compliance"


def period_choices(today: date, term: Term) -> list[list[tuple[str, str]]]:
    """The reporting periods offered as links, newest year first: (label, what it shows).
    Only periods that have begun and overlap the contract's term: nothing leads to an empty
    report."""
    rows = []
    last = min(today.year, term.end.year)
    for year in range(last, term.start.year - 1, -1):
        row = [(f"{year}-YTD", "Year to date")] if year == today.year else []
        row += [
            (f"{year}-Q{q}", f"Q{q}")
            for q in range(1, 5)
            if date(year, 3 * q - 2, 1) <= today
            and date(year, 3 * q - 2, 1) <= term.end
            and date(year, 3 * q, monthrange(year, 3 * q)[1]) >= term.start
        ]
        row.append((str(year), "Year"))
        rows.append(row)
    return rows


@router.get(COMPLIANCE_PATH)
def compliance_page(
    request: Request,
    app: AppDep,
    viewer: ViewerDep,
    contract_id: str,
    period: Annotated[str | None, Query(max_length=20)] = None,
) -> HTML:
    """Each service level over a reporting period: the value recomputed over the period's events
    and the months met, below expected, breached or short of data (docs/web.md)."""
    from servicepact.domain.display import compliance_document
    from servicepact.services import period_reports

    view = period_reports.cached_compliance_view(
        app,
        actor=viewer.actor,
        contract_id=contract_id,
        period=period,
        state=data_state_of(request),
    )
    names = {sl.id: sl for sl in view.contract.service_levels}
    rows = [
        {"sl": names[item.service_level_id], "item": item,
         "doc": compliance_document(item, names[item.service_level_id])}
        for item in view.found
    ]  # fmt: skip
    report = view.report
    return render(
        request,
        "compliance.html",
        lang=viewer.lang,
        viewer=viewer,
        contract=view.contract,
        chosen=view.period,
        report=report,
        last_day=None if report is None else report.end - timedelta(days=1),
        rows=rows,
        errors=view.problems,
        choices=period_choices(view.today, view.contract.term),
        status_code=422 if view.problems else 200,
    )
