"""Read models for the portfolio dashboard and the contract page (web UI, service review).

Each is gathered in one read-only unit of work with a few narrow queries (status columns,
stored totals), never by re-measuring: a page must answer in well under 100 ms, and what it
shows is exactly what was stored, with the version that produced it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract, ServiceLevel
from servicepact.domain.errors import NotFound
from servicepact.domain.exclusions import ExclusionStatus
from servicepact.domain.kpis import KpiDefinition
from servicepact.domain.results import ResultStatus
from servicepact.domain.risks import Risk, RiskLevel, RiskStatus
from servicepact.engine.bpo_map import ProcessMap
from servicepact.engine.risks import HeatCell, heat_map
from servicepact.engine.scorecard import RankedVendor, Scorecard
from servicepact.services import vendors
from servicepact.services._contracts import (
    ContractSummary,
    StoredContract,
    get_contract,
    list_contracts,
)
from servicepact.services._open_periods import closed_months
from servicepact.services.commercials import BusinessCaseReport, business_case_report
from servicepact.services.ports import Ports
from servicepact.services.risks import list_risks
from servicepact.services.view_cache import cached
from servicepact.store.db.commercials import CreditStatementRepository, InvoiceCheckRepository
from servicepact.store.db.evaluation import ExclusionRepository, ResultRepository
from servicepact.store.events.repository import (
    BatchRecord,
    BatchRepository,
    FindingStatus,
    QuarantinedRow,
    StoredFinding,
)

TREND_MONTHS = 12  # the service review shows a year (PRODUCT.md §2.8)
_AT_RISK_LEVELS = (RiskLevel.HIGH, RiskLevel.CRITICAL)


def _month_label(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def months_ending(last: str, count: int = TREND_MONTHS) -> list[str]:
    """``count`` month labels ending with ``last`` (``YYYY-MM``), oldest first."""
    year, month = int(last[:4]), int(last[5:7])
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def _fraction(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)


# --- the portfolio dashboard --------------------------------------------------------------------


@dataclass(frozen=True)
class ContractTile:
    id: str
    name: str
    vendor: str
    broker: str | None
    currency: str
    counts: dict[ResultStatus, int]
    breached: tuple[str, ...]  # service-level ids breached this month
    credits_to_date: Decimal


@dataclass(frozen=True)
class VendorAtRisk:
    vendor: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PortfolioOverview:
    month: str
    tiles: tuple[ContractTile, ...]
    totals: dict[ResultStatus, int]
    credits_to_date: dict[str, Decimal]  # per currency
    vendors_at_risk: tuple[VendorAtRisk, ...]


def portfolio_overview(app: Ports, *, actor: Actor, month: str | None = None) -> PortfolioOverview:
    """This month's status counts per contract, credits to date, and the vendors at risk.

    A vendor is at risk when one of its service levels is breached this month or an open risk
    of level high or above names it or its contracts.
    """
    label = month or _month_label(app.now())
    with app.uow(read_only=True) as uow:
        summaries = list_contracts(uow, actor=actor)
        ids = [s.id for s in summaries]
        current = uow.contracts.current_terms([(s.id, s.version) for s in summaries])
        statuses = uow.repo(ResultRepository).latest_statuses(ids, [label])
        credits = uow.repo(CreditStatementRepository).latest_amounts(ids)
    open_risks = list_risks(app, actor=actor)
    tiles: list[ContractTile] = []
    totals: dict[ResultStatus, int] = dict.fromkeys(ResultStatus, 0)
    credit_sums: dict[str, Decimal] = defaultdict(Decimal)
    reasons: dict[str, list[str]] = defaultdict(list)
    for summary in summaries:
        currency, service_levels = current[summary.id]
        counts: dict[ResultStatus, int] = dict.fromkeys(ResultStatus, 0)
        breached: list[str] = []
        for sl_id in service_levels:
            found = statuses.get((summary.id, sl_id, label))
            if found is None:
                continue
            status = ResultStatus(found[0])
            counts[status] += 1
            totals[status] += 1
            if status is ResultStatus.BREACHED:
                breached.append(sl_id)
        to_date = sum(
            (
                amounts.total
                for (cid, period), amounts in credits.items()
                if cid == summary.id and period <= label
            ),
            Decimal(0),
        )
        credit_sums[currency] += to_date
        if breached:
            reasons[summary.vendor].append(f"{summary.id}: {', '.join(breached)} breached")
        tiles.append(
            ContractTile(
                id=summary.id,
                name=summary.name,
                vendor=summary.vendor,
                broker=summary.broker,
                currency=currency,
                counts=counts,
                breached=tuple(breached),
                credits_to_date=to_date,
            )
        )
    vendor_of = {s.id: s.vendor for s in summaries}
    for risk in open_risks:
        if risk.status is RiskStatus.CLOSED or risk.level not in _AT_RISK_LEVELS:
            continue
        named = set(risk.vendors) | {vendor_of[c] for c in risk.contracts if c in vendor_of}
        for vendor in named & set(vendor_of.values()):
            reasons[vendor].append(f"risk {risk.id} ({risk.level.value}): {risk.title}")
    at_risk = tuple(
        VendorAtRisk(vendor=vendor, reasons=tuple(items))
        for vendor, items in sorted(reasons.items())
    )
    return PortfolioOverview(
        month=label,
        tiles=tuple(tiles),
        totals=totals,
        credits_to_date=dict(credit_sums),
        vendors_at_risk=at_risk,
    )


# --- the contract page --------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthCell:
    period: str
    status: ResultStatus | None  # None: not evaluated
    value: Fraction | None


@dataclass(frozen=True)
class ServiceLevelRow:
    id: str
    name: str
    kind: str
    kpi: KpiDefinition
    params: dict[str, Any]
    expected: Decimal
    minimum: Decimal
    allocation_percent: Decimal | None
    cells: tuple[MonthCell, ...]


@dataclass(frozen=True)
class CreditMonth:
    period: str
    total: Decimal
    earn_back: Decimal


@dataclass(frozen=True)
class InvoiceCheckRow:
    id: int
    period: str
    file: str
    verdict: str
    expected_total: Decimal
    invoiced_total: Decimal
    currency: str
    checked_at: datetime


@dataclass(frozen=True)
class OpenExclusion:
    id: str
    source: str
    service_level_id: str | None
    period: str | None
    events: int
    reason: str
    note: str
    requested_by: str
    requested_at: datetime


@dataclass(frozen=True)
class ContractOverview:
    stored: StoredContract
    months: tuple[str, ...]
    rows: tuple[ServiceLevelRow, ...]
    credits: tuple[CreditMonth, ...]
    invoice_checks: tuple[InvoiceCheckRow, ...]
    findings: tuple[StoredFinding, ...]
    open_exclusions: tuple[OpenExclusion, ...]
    closed_months: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def contract(self) -> Contract:
        return self.stored.contract


def _default_last(contract: Contract, now: datetime) -> str:
    current = _month_label(now)
    end = min(contract.term.end, contract.termination_date or contract.term.end)
    term_last = f"{end.year:04d}-{end.month:02d}"
    return min(current, term_last)


def cached_portfolio_overview(
    app: Ports, *, actor: Actor, month: str | None = None, state: int | None = None
) -> PortfolioOverview:
    """``portfolio_overview``, computed once per actor, month and state of the data."""
    label = month or _month_label(app.now())
    return cached(
        app,
        actor=actor,
        name="portfolio",
        args=(label,),
        compute=lambda: portfolio_overview(app, actor=actor, month=label),
        state=state,
    )


def cached_contract_overview(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    last: str | None = None,
    state: int | None = None,
) -> ContractOverview:
    """``contract_overview``, computed once per actor, contract, months and state of the data."""
    # Without ``last`` the months end at the current one: the current month is in the key.
    return cached(
        app,
        actor=actor,
        name="contract",
        args=(contract_id, last, _month_label(app.now())),
        compute=lambda: contract_overview(app, actor=actor, contract_id=contract_id, last=last),
        state=state,
    )


def _service_level_row(
    sl: ServiceLevel,
    months: list[str],
    statuses: Mapping[tuple[str, str, str], tuple[str, str | None]],
    contract_id: str,
) -> ServiceLevelRow:
    """A level's row of the review: its terms and, per month, its latest status and value."""
    return ServiceLevelRow(
        id=sl.id,
        name=sl.name,
        kind=sl.kind.value,
        kpi=sl.definition,
        params=dict(sl.params),
        expected=sl.expected,
        minimum=sl.minimum,
        allocation_percent=sl.allocation_percent,
        cells=tuple(
            MonthCell(
                period=month,
                status=None if found is None else ResultStatus(found[0]),
                value=None if found is None else _fraction(found[1]),
            )
            for month in months
            for found in [statuses.get((contract_id, sl.id, month))]
        ),
    )


def _invoice_check_row(check: Mapping[str, Any]) -> InvoiceCheckRow:
    return InvoiceCheckRow(
        id=check["id"],
        period=check["period"],
        file=check["source_name"],
        verdict=check["verdict"],
        expected_total=Decimal(check["expected_total"]),
        invoiced_total=Decimal(check["invoiced_total"]),
        currency=check["currency"],
        checked_at=check["created_at"],
    )


def contract_overview(
    app: Ports, *, actor: Actor, contract_id: str, last: str | None = None
) -> ContractOverview:
    """The service review of a contract: 12 months of RAG per service level, credits, invoice
    checks, open control findings and exclusions awaiting a decision."""
    with app.uow(read_only=True) as uow:
        stored = get_contract(uow, actor=actor, contract_id=contract_id)
        contract = stored.contract
        start = f"{contract.term.start.year:04d}-{contract.term.start.month:02d}"
        months = [
            m for m in months_ending(last or _default_last(contract, app.now())) if m >= start
        ]
        statuses = uow.repo(ResultRepository).latest_statuses([contract_id], months)
        credits = uow.repo(CreditStatementRepository).latest_amounts([contract_id])
        checks = uow.repo(InvoiceCheckRepository).list(contract_id)
        waiting = uow.repo(ExclusionRepository).of_contract(
            contract_id, status=ExclusionStatus.REQUESTED
        )
        closed = closed_months(uow, contract_id)
        findings = [
            f
            for f in uow.repo(BatchRepository).findings(contract_id=contract_id, source=None)
            if f.status is FindingStatus.OPEN
        ]
    rows = tuple(
        _service_level_row(sl, months, statuses, contract_id) for sl in contract.service_levels
    )
    return ContractOverview(
        stored=stored,
        months=tuple(months),
        rows=rows,
        credits=tuple(
            CreditMonth(period=period, total=amounts.total, earn_back=amounts.earn_back)
            for (_, period), amounts in sorted(credits.items())
        ),
        invoice_checks=tuple(_invoice_check_row(check) for check in checks),
        findings=tuple(findings),
        open_exclusions=tuple(
            OpenExclusion(
                id=exclusion.id,
                source=exclusion.source,
                service_level_id=exclusion.service_level_id,
                period=exclusion.period,
                events=len(exclusion.event_ids),
                reason=exclusion.reason.value,
                note=exclusion.note,
                requested_by=exclusion.requested_by,
                requested_at=exclusion.requested_at,
            )
            for exclusion in waiting
        ),
        closed_months=tuple(closed),
    )


# --- pages that combine a picker with one contract's data ---------------------------------------


@dataclass(frozen=True)
class LoadsView:
    contracts: tuple[ContractSummary, ...]
    chosen: str | None
    batches: tuple[BatchRecord, ...]
    rejected: tuple[QuarantinedRow, ...]


def loads_view(app: Ports, *, actor: Actor, contract_id: str | None = None) -> LoadsView:
    """The batches loaded into a contract (default the first one visible) and their row errors."""
    with app.uow(read_only=True) as uow:
        listed = tuple(list_contracts(uow, actor=actor))
        chosen = contract_id or (listed[0].id if listed else None)
        if chosen is None:
            return LoadsView(listed, None, (), ())
        get_contract(uow, actor=actor, contract_id=chosen)  # access: 404 when not visible
        repository = uow.repo(BatchRepository)
        batches = tuple(repository.batches(contract_id=chosen, source=None))
        rejected = tuple(repository.quarantined(contract_id=chosen, source=None, status=None))
    return LoadsView(listed, chosen, batches, rejected)


@dataclass(frozen=True)
class RiskView:
    grid: list[list[HeatCell]]
    register: tuple[Risk, ...]


def risk_view(app: Ports, *, actor: Actor) -> RiskView:
    """The heat map and the open risks it counts, both scoped to what the actor may see."""
    register = list_risks(app, actor=actor)
    return RiskView(grid=heat_map(register), register=tuple(register))


@dataclass(frozen=True)
class BusinessCaseView:
    contracts: tuple[ContractSummary, ...]
    chosen: str | None
    report: BusinessCaseReport | None  # None: no business case applied for the contract


def business_case_view(
    app: Ports, *, actor: Actor, contract_id: str | None = None
) -> BusinessCaseView:
    with app.uow(read_only=True) as uow:
        listed = tuple(list_contracts(uow, actor=actor))
    chosen = contract_id or (listed[0].id if listed else None)
    if chosen is None:
        return BusinessCaseView(listed, None, None)
    try:
        report = business_case_report(app, actor=actor, contract_id=chosen)
    except NotFound as missing:
        if missing.where == chosen:  # the contract itself is unknown or not visible
            raise
        report = None  # no business case applied for the contract
    return BusinessCaseView(listed, chosen, report)


# --- cached views of the slower reports ----------------------------------------------------------


def ranking_view(
    app: Ports, *, actor: Actor, period: str
) -> tuple[list[RankedVendor], list[Scorecard]]:
    """The vendor ranking and every scorecard of a month (``services/vendors.ranking``)."""
    return cached(
        app,
        actor=actor,
        name="ranking",
        args=(period,),
        compute=lambda: vendors.ranking(app, actor=actor, period=period),
    )


def bpo_map_view(app: Ports, *, actor: Actor) -> list[ProcessMap]:
    """The BPO map (``services/vendors.governance_map``)."""
    return cached(
        app,
        actor=actor,
        name="bpo_map",
        args=(),
        compute=lambda: vendors.governance_map(app, actor=actor),
    )


def cached_business_case_view(
    app: Ports, *, actor: Actor, contract_id: str | None = None
) -> BusinessCaseView:
    return cached(
        app,
        actor=actor,
        name="business_case",
        args=(contract_id,),
        compute=lambda: business_case_view(app, actor=actor, contract_id=contract_id),
    )
