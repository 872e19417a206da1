"""The monthly review between client and vendor: disputes, decisions, sign-off, the month view.

The cycle of a month (docs/web.md): the vendor submits its data; the results are measured;
the vendor requests exclusions or disputes a result; the client decides each request (the
month is measured again at once, so both parties see the new figures) and resolves each
dispute; the client checks the vendor's invoice; the vendor acknowledges the results; the
client closes the month (``periods.close_period``) and may reopen it with a reason.

Every change here is audited through the unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import Any

from servicepact.domain.access import Actor, Role
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import AccessDenied, Conflict, InvalidInput, NotFound, Problem
from servicepact.domain.exclusions import Exclusion, ExclusionStatus
from servicepact.domain.json_values import canonical_hash, jsonable
from servicepact.domain.kpis import get_kpi
from servicepact.domain.periods import parse_period
from servicepact.domain.results import ResultStatus, ServiceLevelResult
from servicepact.services import evaluation
from servicepact.services._contracts import (
    StoredContract,
    get_contract,
    governing_contract,
    list_contracts,
)
from servicepact.services._open_periods import ensure_open
from servicepact.services.periods import CloseStatus, PeriodCloseRecord, period_history
from servicepact.services.ports import Ports
from servicepact.store.db.periods import PeriodCloseRepository
from servicepact.store.db.review import (
    OPEN,
    DashboardRepository,
    ReviewRepository,
)
from servicepact.store.db.review import AcknowledgementRecord as AcknowledgementRecord
from servicepact.store.db.review import DisputeRecord as DisputeRecord
from servicepact.store.db.uow import UnitOfWork

MAX_COMMENT = 4000


def _month_label(stored: StoredContract, period: str, where: str = "period") -> str:
    try:
        parsed = parse_period(period, term=stored.contract.term)
    except ValueError as error:
        raise InvalidInput([Problem(where, str(error), value=period)]) from None
    if parsed.kind.value != "month":
        raise InvalidInput([Problem(where, "give a month, e.g. 2026-03", value=period)])
    return parsed.label


def _text(value: str, where: str, *, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise InvalidInput([Problem(where, "say why; it is kept with the decision")])
    if len(text) > MAX_COMMENT:
        raise InvalidInput([Problem(where, f"at most {MAX_COMMENT:,} characters")])
    return text


def results_sha256(results: list[ServiceLevelResult]) -> str:
    """The hash of a month's results as shown: what a sign-off refers to."""
    ordered = sorted(results, key=lambda r: r.service_level_id)
    return canonical_hash(
        [
            {"sl": r.service_level_id, "status": r.status.value, "value": jsonable(r.value),
             "inputs": r.inputs_hash}
            for r in ordered
        ]
    )  # fmt: skip


# --- disputes -----------------------------------------------------------------------------------


def raise_dispute(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    period: str,
    comment: str,
    service_level_id: str | None = None,
) -> DisputeRecord:
    """The vendor (or the client) disputes a month's result, with a comment; audited."""
    actor.require_write("dispute results")
    if actor.role is Role.BROKER:
        raise AccessDenied("broker users cannot dispute results")
    text = _text(comment, "comment", required=True)
    with app.uow() as uow:
        stored = get_contract(uow, actor=actor, contract_id=contract_id)
        label = _month_label(stored, period)
        if service_level_id:
            # a level of the version governing the month (one an amendment drops from a
            # later month on is still disputed in the months it was measured in)
            governing = governing_contract(uow, actor=actor, contract_id=contract_id, period=label)
            try:
                governing.contract.service_level(service_level_id)
            except KeyError:
                raise InvalidInput(
                    [Problem("service_level_id", "is not a service level of the contract",
                             value=service_level_id)]
                ) from None  # fmt: skip
        ensure_open(uow, contract_id=contract_id, period=label, doing="disputing its results")
        record = DisputeRecord(
            id=f"DS-{uuid.uuid4().hex[:12]}",
            contract_id=contract_id,
            period=label,
            service_level_id=service_level_id or None,
            comment=text,
            raised_by=actor.user,
            raised_at=uow.now(),
            status=OPEN,
            resolved_by=None,
            resolved_at=None,
            resolution_note="",
        )
        uow.repo(ReviewRepository).add_dispute(record)
        uow.record(
            actor=actor,
            entity_type="dispute",
            entity_id=record.id,
            action="raise",
            after={"contract_id": contract_id, "period": label,
                   "service_level_id": record.service_level_id, "comment": text},
        )  # fmt: skip
    return record


def resolve_dispute(app: Ports, *, actor: Actor, dispute_id: str, note: str) -> DisputeRecord:
    """The client answers a dispute and closes it, with a note; audited."""
    actor.require_client("resolve disputes")
    text = _text(note, "note", required=True)
    with app.uow() as uow:
        repo = uow.repo(ReviewRepository)
        found = repo.dispute(dispute_id)
        if found is None:
            raise NotFound(f"no dispute {dispute_id!r}", where=dispute_id)
        get_contract(uow, actor=actor, contract_id=found.contract_id)
        if not found.open:
            raise Conflict(f"dispute {dispute_id} is already resolved", where=dispute_id)
        repo.resolve(dispute_id, by=actor.user, at=uow.now(), note=text)
        uow.record(
            actor=actor,
            entity_type="dispute",
            entity_id=dispute_id,
            action="resolve",
            before={"status": OPEN},
            after={"status": "resolved", "note": text},
        )
        updated = repo.dispute(dispute_id)
    assert updated is not None
    return updated


def list_disputes(
    app: Ports, *, actor: Actor, contract_id: str, period: str | None = None
) -> list[DisputeRecord]:
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        return uow.repo(ReviewRepository).disputes([contract_id], period=period)


# --- exclusion decisions ----------------------------------------------------------------------


def decide_exclusion(
    app: Ports,
    *,
    actor: Actor,
    exclusion_id: str,
    approve: bool,
    note: str,
    period: str | None = None,
) -> tuple[Exclusion, list[ServiceLevelResult]]:
    """Approve or reject a request, then measure its month again when it is open.

    The month is the exclusion's own period, or ``period`` (the month it was decided on)
    for a request naming events. Returns the decision and the month's new results.
    """
    decide = evaluation.approve_exclusion if approve else evaluation.reject_exclusion
    decided = decide(app, actor=actor, exclusion_id=exclusion_id, note=note)
    month = decided.period or period
    if not approve or month is None:
        return decided, []
    with app.uow(read_only=True) as uow:
        stored = get_contract(uow, actor=actor, contract_id=decided.contract_id)
        label = _month_label(stored, month)
        closed = _latest_close(uow, decided.contract_id, label)
    if closed is not None and closed.status is CloseStatus.CLOSED:
        return decided, []
    results = evaluation.evaluate_period(
        app, actor=actor, contract_id=decided.contract_id, period_label=label
    )
    return decided, results


def _latest_close(uow: UnitOfWork, contract_id: str, period: str) -> PeriodCloseRecord | None:
    return uow.repo(PeriodCloseRepository).latest(contract_id, period)


# --- sign-off ---------------------------------------------------------------------------------


def acknowledge_month(
    app: Ports, *, actor: Actor, contract_id: str, period: str
) -> AcknowledgementRecord:
    """The vendor signs off the month's results as they stand; audited.

    Refused while a dispute of the month is open (the client resolves it first) and
    when the month has no results yet.
    """
    if actor.role not in (Role.VENDOR, Role.ADMIN):
        raise AccessDenied("only the vendor acknowledges a month's results")
    results = _month_results(app, actor=actor, contract_id=contract_id, period=period)
    with app.uow() as uow:
        stored = get_contract(uow, actor=actor, contract_id=contract_id)
        label = _month_label(stored, period)
        if not results:
            raise Conflict(
                f"{label} has no results yet: load its data and measure it first", where=label
            )
        repo = uow.repo(ReviewRepository)
        still_open = repo.disputes([contract_id], period=label, only_open=True)
        if still_open:
            raise Conflict(
                f"{len(still_open)} dispute(s) of {label} are still open; the client resolves "
                "them before the results are acknowledged",
                where=label,
            )
        digest = results_sha256(results)
        now = uow.now()
        record_id = repo.acknowledge(
            contract_id=contract_id, period=label, results_sha256=digest, by=actor.user, at=now
        )
        uow.record(
            actor=actor,
            entity_type="month_acknowledgement",
            entity_id=f"{contract_id}/{label}/{record_id}",
            action="acknowledge",
            after={"results_sha256": digest, "results": len(results)},
        )
    return AcknowledgementRecord(
        id=record_id,
        contract_id=contract_id,
        period=label,
        results_sha256=digest,
        acknowledged_by=actor.user,
        acknowledged_at=now,
    )


def _month_results(
    app: Ports, *, actor: Actor, contract_id: str, period: str
) -> list[ServiceLevelResult]:
    return sorted(
        evaluation.list_results(app, actor=actor, contract_id=contract_id, period=period),
        key=lambda r: r.service_level_id,
    )


# --- the month view ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthReview:
    stored: StoredContract
    period: str
    running: bool  # the month has not ended yet
    results: list[ServiceLevelResult]
    results_sha256: str
    exclusions: list[Exclusion]
    disputes: list[DisputeRecord]
    acknowledgements: list[AcknowledgementRecord]
    close_history: list[PeriodCloseRecord]
    invoice_checks: list[dict[str, Any]]
    credits_total: Decimal | None  # the latest stated credits of the month, when stated
    at_risk: Decimal | None
    units: dict[str, str]  # service level → its KPI's unit (ratio, seconds, count, …)

    @property
    def close(self) -> PeriodCloseRecord | None:
        return self.close_history[-1] if self.close_history else None

    @property
    def closed(self) -> bool:
        return self.close is not None and self.close.status is CloseStatus.CLOSED

    @property
    def signed(self) -> AcknowledgementRecord | None:
        """The newest sign-off of the results as they are now."""
        for ack in reversed(self.acknowledgements):
            if ack.results_sha256 == self.results_sha256:
                return ack
        return None

    @property
    def open_disputes(self) -> list[DisputeRecord]:
        return [d for d in self.disputes if d.open]

    @property
    def pending(self) -> list[Exclusion]:
        return [x for x in self.exclusions if x.status is ExclusionStatus.REQUESTED]


def month_review(app: Ports, *, actor: Actor, contract_id: str, period: str) -> MonthReview:
    """Everything the month's review page shows, for those who may see the contract."""
    from servicepact.services.commercials import latest_statement, list_invoice_checks

    with app.uow(read_only=True) as uow:
        stored = get_contract(uow, actor=actor, contract_id=contract_id)
        label = _month_label(stored, period)
        repo = uow.repo(ReviewRepository)
        disputes = repo.disputes([contract_id], period=label)
        acks = repo.acknowledgements(contract_id, label)
    try:
        history = period_history(app, actor=actor, contract_id=contract_id, period=label)
    except NotFound:
        history = []
    results = _month_results(app, actor=actor, contract_id=contract_id, period=label)
    exclusions = [
        x
        for x in evaluation.list_exclusions(app, actor=actor, contract_id=contract_id)
        if x.period in (label, None)  # a request naming events is shown with each open month
    ]
    statement = latest_statement(app, actor=actor, contract_id=contract_id, period=label)
    start = date.fromisoformat(f"{label}-01")
    next_month = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return MonthReview(
        stored=stored,
        period=label,
        running=app.now().date() < next_month,
        results=results,
        results_sha256=results_sha256(results),
        exclusions=exclusions,
        disputes=disputes,
        acknowledgements=acks,
        close_history=history,
        invoice_checks=list_invoice_checks(app, actor=actor, contract_id=contract_id, period=label),
        credits_total=None if statement is None else Decimal(statement["total"]),
        at_risk=None if statement is None else Decimal(statement["at_risk"]),
        units={sl.id: get_kpi(sl.kpi).unit.value for sl in stored.contract.service_levels},
    )


def cached_month_review(
    app: Ports, *, actor: Actor, contract_id: str, period: str, state: int | None = None
) -> MonthReview:
    """``month_review`` read once per actor, contract, month, hour and state of the data
    (every write moves the state: a load, a decision, a close; the hour moves "running")."""
    from servicepact.services.view_cache import cached

    hour = app.now().strftime("%Y-%m-%dT%H")
    return cached(
        app,
        actor=actor,
        name="month_review",
        args=(contract_id, period, hour),
        compute=lambda: month_review(app, actor=actor, contract_id=contract_id, period=period),
        state=state,
    )


# --- the dashboard a vendor manager opens first ------------------------------------------------


@dataclass(frozen=True)
class SparkPoint:
    month: str
    met_share: Fraction | None  # service levels met ÷ measured; None: nothing measured


@dataclass(frozen=True)
class ContractMonth:
    contract_id: str
    name: str
    vendor: str
    currency: str
    counts: dict[ResultStatus, int]
    previous_counts: dict[ResultStatus, int]
    gross_credits: Decimal | None  # the stored statement's credits, before earn-back
    net_credits: Decimal | None  # after earn-back: the review pack's figure
    at_risk: Decimal | None
    spark: tuple[SparkPoint, ...]
    forecast_breaches: tuple[str, ...]  # service levels the running month is forecast to miss
    pending_exclusions: int
    open_disputes: int
    missing_sources: tuple[str, ...]  # sources without any event in the month
    signed: bool
    closed: bool

    @property
    def breached_change(self) -> int:
        return self.counts[ResultStatus.BREACHED] - self.previous_counts[ResultStatus.BREACHED]


@dataclass(frozen=True)
class ReviewDashboard:
    month: str
    running_month: str
    running_share: Fraction  # how far the running month has run
    rows: tuple[ContractMonth, ...]
    to_submit: tuple[tuple[str, str], ...]  # (contract, source) with no data in the running month


def _previous_month_label(label: str) -> str:
    index = int(label[:4]) * 12 + int(label[5:7]) - 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def review_dashboard(
    app: Ports, *, actor: Actor, month: str | None = None, state: int | None = None
) -> ReviewDashboard:
    """Per visible contract: the month's standing and what is waiting on whom.

    ``month`` defaults to the last complete month; the running month is the one the clock
    is in, with its elapsed share. Kept per actor, month, hour (the running month's share and
    forecasts move with the clock) and state of the data (``state``: the one the request read).
    """
    from servicepact.services.view_cache import cached

    now = app.now()
    running = f"{now.year:04d}-{now.month:02d}"
    label = month or _previous_month_label(running)
    hour = now.strftime("%Y-%m-%dT%H")
    return cached(
        app,
        actor=actor,
        name="review-dashboard",
        args=(label, running, hour),
        compute=lambda: _dashboard(app, actor=actor, month=label, running=running),
        state=state,
    )


def _status_counts(
    results: Mapping[tuple[str, str, str], tuple[str, int]],
    contract_id: str,
    levels: list[str],
    label: str,
) -> dict[ResultStatus, int]:
    """How many of the contract's levels stand at each status in the month ``label``."""
    counted = dict.fromkeys(ResultStatus, 0)
    for sl in levels:
        found = results.get((contract_id, sl, label))
        if found is not None:
            counted[ResultStatus(found[0])] += 1
    return counted


def _forecast_breaches(app: Ports, *, actor: Actor, contract: Contract, now: datetime) -> list[str]:
    """The levels whose running month is at risk or projected to breach."""
    from servicepact.services.alerts import _forecasts

    breaches: list[str] = []
    for forecast in _forecasts(app, actor=actor, contract=contract, now=now):
        status = getattr(forecast, "projected_status", None)
        if getattr(forecast, "at_risk", False) or status is ResultStatus.BREACHED:
            breaches.append(str(getattr(forecast, "service_level_id", "")))
    return breaches


def _elapsed_share(running: str, now: datetime) -> Fraction:
    """The share of the running month's days gone by ``now``."""
    start = date.fromisoformat(f"{running}-01")
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    days = (following - start).days
    return Fraction(min(days, max(0, (now.date() - start).days)), days)


def _dashboard(app: Ports, *, actor: Actor, month: str, running: str) -> ReviewDashboard:
    from servicepact.services.overview import months_ending

    now = app.now()
    months = months_ending(month)
    previous = _previous_month_label(month)
    with app.uow(read_only=True) as uow:
        visible = list_contracts(uow, actor=actor)
        stored = {s.id: get_contract(uow, actor=actor, contract_id=s.id) for s in visible}
        ids = list(stored)
        repo = uow.repo(DashboardRepository)
        results = repo.latest_results(ids, [*months, previous, running])
        statements = repo.latest_statements(ids, month)
        pending = repo.pending_exclusions(ids)
        disputes_open = uow.repo(ReviewRepository).disputes(ids, only_open=True)
        acknowledged = uow.repo(ReviewRepository).acknowledged_months(ids)
        closed = repo.closed_months(ids)
    rows: list[ContractMonth] = []
    to_submit: list[tuple[str, str]] = []
    for contract_id, record in stored.items():
        contract = record.contract
        levels = [sl.id for sl in contract.service_levels]
        counts_of = partial(_status_counts, results, contract_id, levels)
        spark = []
        for label in months:
            counts = counts_of(label)
            measured = sum(counts.values())
            spark.append(
                SparkPoint(
                    label, Fraction(counts[ResultStatus.MET], measured) if measured else None
                )
            )
        forecasts: list[str] = []
        if month == running or _previous_month_label(running) == month:
            forecasts = _forecast_breaches(app, actor=actor, contract=contract, now=now)
        statement = statements.get(contract_id)
        sources = sorted(contract.sources)
        loaded = {
            (contract_id, sl.source, label)
            for sl in contract.service_levels
            for label in (month, running)
            if results.get((contract_id, sl.id, label), ("", 0))[1] > 0
        }
        missing = tuple(s for s in sources if (contract_id, s, month) not in loaded)
        if actor.scoped:
            to_submit.extend(
                (contract_id, s) for s in sources if (contract_id, s, running) not in loaded
            )
        rows.append(
            ContractMonth(
                contract_id=contract_id,
                name=contract.name,
                vendor=contract.vendor,
                currency=contract.currency,
                counts=counts_of(month),
                previous_counts=counts_of(previous),
                gross_credits=None if statement is None else statement[0],
                net_credits=None if statement is None else statement[0] - statement[1],
                at_risk=None if statement is None else statement[2],
                spark=tuple(spark),
                forecast_breaches=tuple(forecasts),
                pending_exclusions=pending.get(contract_id, 0),
                open_disputes=sum(1 for d in disputes_open if d.contract_id == contract_id),
                missing_sources=missing,
                signed=(contract_id, month) in acknowledged,
                closed=(contract_id, month) in closed,
            )
        )
    return ReviewDashboard(
        month=month,
        running_month=running,
        running_share=_elapsed_share(running, now),
        rows=tuple(rows),
        to_submit=tuple(to_submit) if actor.scoped else (),
    )
