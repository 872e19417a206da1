"""Read models for the portfolio dashboard and the contract page (web UI, service review).

Each is gathered in one read-only unit of work with a few narrow queries (status columns,
stored totals), never by re-measuring: a page must answer in well under 100 ms, and what it
shows is exactly what was stored, with the version that produced it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import NotFound
from servicepact.domain.exclusions import ExclusionStatus
from servicepact.domain.kpis import KpiDefinition
from servicepact.domain.results import ResultStatus
from servicepact.domain.risks import Risk, RiskLevel, RiskStatus
from servicepact.engine.bpo_map import ProcessMap
from servicepact.engine.risks import HeatCell, heat_map
from servicepact.engine.scorecard import RankedVendor, Scorecard
from servicepact.services import vendors
from servicepact.services.commercials import BusinessCaseReport, business_case_report
from servicepact.services.contracts import (
    ContractSummary,
    StoredContract,
    get_contract,
    list_contracts,
)
from servicepact.services.risks import list_risks
from servicepact.services.view_cache import FILE_VIEW_SECONDS, cached
from servicepact.store.db.tables.commercials import credit_statements, invoice_checks, period_closes
from servicepact.store.db.tables.contracts import contract_versions
from servicepact.store.db.tables.evaluation import exclusions, sl_results
from servicepact.store.db.uow import UnitOfWork
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


def _latest_statuses(
    uow: UnitOfWork, contract_ids: list[str], periods: list[str]
) -> dict[tuple[str, str, str], tuple[str, str | None]]:
    """(contract, service level, period) → (status, exact value) of the newest version."""
    if not contract_ids or not periods:
        return {}
    rows = uow.connection.execute(
        sa.select(
            sl_results.c.contract_id,
            sl_results.c.service_level_id,
            sl_results.c.period,
            sl_results.c.version,
            sl_results.c.status,
            sl_results.c.value,
        ).where(sl_results.c.contract_id.in_(contract_ids), sl_results.c.period.in_(periods))
    ).all()
    newest: dict[tuple[str, str, str], tuple[int, str, str | None]] = {}
    for row in rows:
        key = (row.contract_id, row.service_level_id, row.period)
        if key not in newest or row.version > newest[key][0]:
            newest[key] = (row.version, row.status, row.value)
    return {key: (status, value) for key, (_, status, value) in newest.items()}


def _credit_totals(uow: UnitOfWork, contract_ids: list[str]) -> dict[tuple[str, str], Decimal]:
    """(contract, month) → credits of the newest stored statement of that month."""
    if not contract_ids:
        return {}
    rows = uow.connection.execute(
        sa.select(
            credit_statements.c.contract_id,
            credit_statements.c.period,
            credit_statements.c.version,
            credit_statements.c.total,
        ).where(credit_statements.c.contract_id.in_(contract_ids))
    ).all()
    newest: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for row in rows:
        key = (row.contract_id, row.period)
        if key not in newest or row.version > newest[key][0]:
            newest[key] = (row.version, Decimal(row.total))
    return {key: total for key, (_, total) in newest.items()}


def _current_terms(
    uow: UnitOfWork, heads: list[tuple[str, int]]
) -> dict[str, tuple[str, tuple[str, ...]]]:
    """contract → (currency, service-level ids) of its current version, read from the stored
    JSON without validating whole contracts (the dashboard needs only these two)."""
    if not heads:
        return {}
    wanted = set(heads)
    rows = uow.connection.execute(
        sa.select(
            contract_versions.c.contract_id,
            contract_versions.c.version,
            contract_versions.c.contract,
        ).where(contract_versions.c.contract_id.in_([cid for cid, _ in heads]))
    ).all()
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for row in rows:
        if (row.contract_id, row.version) in wanted:
            doc = row.contract
            out[row.contract_id] = (
                str(doc["currency"]),
                tuple(str(sl["id"]) for sl in doc.get("service_levels", ())),
            )
    return out


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


def portfolio_overview(app: App, *, actor: Actor, month: str | None = None) -> PortfolioOverview:
    """This month's status counts per contract, credits to date, and the vendors at risk.

    A vendor is at risk when one of its service levels is breached this month or an open risk
    of level high or above names it or its contracts.
    """
    label = month or _month_label(app.now())
    with app.uow(read_only=True) as uow:
        summaries = list_contracts(uow, actor=actor)
        ids = [s.id for s in summaries]
        current = _current_terms(uow, [(s.id, s.version) for s in summaries])
        statuses = _latest_statuses(uow, ids, [label])
        credits = _credit_totals(uow, ids)
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
                total
                for (cid, period), total in credits.items()
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
    end = contract.term.end
    term_last = f"{end.year:04d}-{end.month:02d}"
    return min(current, term_last)


def cached_portfolio_overview(
    app: App, *, actor: Actor, month: str | None = None, state: int | None = None
) -> PortfolioOverview:
    """``portfolio_overview``, computed once per actor, month and state of the data."""
    label = month or _month_label(app.now())
    return cached(
        app,
        actor,
        "portfolio",
        (label,),
        lambda: portfolio_overview(app, actor=actor, month=label),
        state=state,
    )


def cached_contract_overview(
    app: App,
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
        actor,
        "contract",
        (contract_id, last, _month_label(app.now())),
        lambda: contract_overview(app, actor=actor, contract_id=contract_id, last=last),
        state=state,
    )


def contract_overview(
    app: App, *, actor: Actor, contract_id: str, last: str | None = None
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
        statuses = _latest_statuses(uow, [contract_id], months)
        credits = _credit_totals(uow, [contract_id])
        earn_back = {
            (row.period, row.version): Decimal(row.earn_back)
            for row in uow.connection.execute(
                sa.select(
                    credit_statements.c.period,
                    credit_statements.c.version,
                    credit_statements.c.earn_back,
                ).where(credit_statements.c.contract_id == contract_id)
            )
        }
        checks = uow.connection.execute(
            sa.select(
                invoice_checks.c.id,
                invoice_checks.c.period,
                invoice_checks.c.source_name,
                invoice_checks.c.verdict,
                invoice_checks.c.expected_total,
                invoice_checks.c.invoiced_total,
                invoice_checks.c.currency,
                invoice_checks.c.created_at,
            )
            .where(invoice_checks.c.contract_id == contract_id)
            .order_by(invoice_checks.c.id.desc())
        ).all()
        waiting = uow.connection.execute(
            sa.select(exclusions)
            .where(
                exclusions.c.contract_id == contract_id,
                exclusions.c.status == ExclusionStatus.REQUESTED.value,
            )
            .order_by(exclusions.c.requested_at)
        ).all()
        closes = uow.connection.execute(
            sa.select(
                period_closes.c.period, period_closes.c.version, period_closes.c.status
            ).where(period_closes.c.contract_id == contract_id)
        ).all()
        findings = [
            f
            for f in uow.repo(BatchRepository).findings(contract_id=contract_id, source=None)
            if f.status is FindingStatus.OPEN
        ]
    rows = tuple(
        ServiceLevelRow(
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
        for sl in contract.service_levels
    )
    newest_close: dict[str, tuple[int, str]] = {}
    for row in closes:
        if row.period not in newest_close or row.version > newest_close[row.period][0]:
            newest_close[row.period] = (row.version, row.status)
    newest_version: dict[str, int] = {}
    for period, version in earn_back:
        newest_version[period] = max(version, newest_version.get(period, 0))
    return ContractOverview(
        stored=stored,
        months=tuple(months),
        rows=rows,
        credits=tuple(
            CreditMonth(
                period=period,
                total=total,
                earn_back=earn_back.get((period, newest_version.get(period, 0)), Decimal(0)),
            )
            for (_, period), total in sorted(credits.items())
        ),
        invoice_checks=tuple(
            InvoiceCheckRow(
                id=row.id,
                period=row.period,
                file=row.source_name,
                verdict=row.verdict,
                expected_total=Decimal(row.expected_total),
                invoiced_total=Decimal(row.invoiced_total),
                currency=row.currency,
                checked_at=row.created_at,
            )
            for row in checks
        ),
        findings=tuple(findings),
        open_exclusions=tuple(
            OpenExclusion(
                id=row.id,
                source=row.source,
                service_level_id=row.service_level_id,
                period=row.period,
                events=len(row.event_ids or ()),
                reason=row.reason,
                note=row.note,
                requested_by=row.requested_by,
                requested_at=row.requested_at,
            )
            for row in waiting
        ),
        closed_months=tuple(
            sorted(p for p, (_, status) in newest_close.items() if status == "closed")
        ),
    )


# --- pages that combine a picker with one contract's data ---------------------------------------


@dataclass(frozen=True)
class LoadsView:
    contracts: tuple[ContractSummary, ...]
    chosen: str | None
    batches: tuple[BatchRecord, ...]
    rejected: tuple[QuarantinedRow, ...]


def loads_view(app: App, *, actor: Actor, contract_id: str | None = None) -> LoadsView:
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


def risk_view(app: App, *, actor: Actor) -> RiskView:
    """The heat map and the open risks it counts, both scoped to what the actor may see."""
    register = list_risks(app, actor=actor)
    return RiskView(grid=heat_map(register), register=tuple(register))


@dataclass(frozen=True)
class BusinessCaseView:
    contracts: tuple[ContractSummary, ...]
    chosen: str | None
    report: BusinessCaseReport | None  # None: no business-case file for the contract


def business_case_view(
    app: App, *, actor: Actor, contract_id: str | None = None
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
        report = None  # the contract has no business-case file
    return BusinessCaseView(listed, chosen, report)


# --- cached views of the slower reports ----------------------------------------------------------


def ranking_view(
    app: App, *, actor: Actor, period: str
) -> tuple[list[RankedVendor], list[Scorecard]]:
    """The vendor ranking and every scorecard of a month (``services/vendors.ranking``)."""
    return cached(
        app, actor, "ranking", (period,), lambda: vendors.ranking(app, actor=actor, period=period)
    )


def bpo_map_view(app: App, *, actor: Actor) -> list[ProcessMap]:
    """The BPO map (``services/vendors.governance_map``)."""
    return cached(app, actor, "bpo_map", (), lambda: vendors.governance_map(app, actor=actor))


def cached_business_case_view(
    app: App, *, actor: Actor, contract_id: str | None = None
) -> BusinessCaseView:
    return cached(
        app,
        actor,
        "business_case",
        (contract_id,),
        lambda: business_case_view(app, actor=actor, contract_id=contract_id),
        max_age=FILE_VIEW_SECONDS,
    )
