"""Vendor use cases: scorecards, ranking, comparison, trend, surveys, handoffs, the BPO map.

Scorecard inputs are gathered from what the other parts store: service-level
results (services/evaluation.py), credit statements and invoice checks
(services/commercials.py), control findings (services/loads.py and the periods),
the risk register, and the relationship surveys entered here per quarter. A
part that is not there (no evaluation yet, no invoice checked) is a gap in the
scorecard with its reason, never a zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from servicepact.contractfile.kinds import load_yaml_model
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import InvalidInput, NotFound, Problem
from servicepact.domain.json_values import canonical_hash
from servicepact.domain.periods import Period, parse_period
from servicepact.domain.periods import month as month_period
from servicepact.domain.results import ServiceLevelResult
from servicepact.domain.risks import Risk
from servicepact.domain.scorecards import ScorecardWeights
from servicepact.engine.bpo_map import ProcessMap, bpo_map
from servicepact.engine.evaluate import contract_timezone
from servicepact.engine.handoffs import HandoffReport as HandoffReport  # returned to callers
from servicepact.engine.handoffs import handoff_analysis
from servicepact.engine.risks import period_findings
from servicepact.engine.scorecard import (
    ComparisonRow,
    CreditsInput,
    InvoiceInput,
    KpiComparison,
    RankedVendor,
    Scorecard,
    ScorecardInputs,
    SurveyInput,
    Trend,
    compare_kpis,
    compare_scorecards,
    inputs_from_json,
    inputs_to_json,
    rank_vendors,
    scorecard_trend,
    sl_inputs_from_results,
    vendor_scorecard,
)
from servicepact.services import commercials
from servicepact.services._contracts import get_contract, governing_contracts, visible_contracts
from servicepact.services.ports import Ports
from servicepact.services.risks import list_risks, load_findings, results_for
from servicepact.store.db.governance import FrozenScorecardRepository, SurveyRepository
from servicepact.store.db.periods import CloseStatus, PeriodCloseRepository

TREND_MONTHS = 12  # PRODUCT.md §2.5: trend over the last twelve months


def load_weights(path: Path | None) -> ScorecardWeights:
    """Scorecard weights and bands from a YAML file, or the defaults."""
    return ScorecardWeights() if path is None else load_yaml_model(path, ScorecardWeights)


def _all_contracts(app: Ports, *, actor: Actor) -> list[Contract]:
    with app.uow(read_only=True) as uow:
        return visible_contracts(uow, actor=actor)


def _contracts_of(
    app: Ports, *, actor: Actor, vendor_id: str, known: Sequence[Contract] | None = None
) -> list[Contract]:
    every = known if known is not None else _all_contracts(app, actor=actor)
    contracts = [c for c in every if c.vendor == vendor_id]
    if not contracts:
        raise NotFound(f"no contracts with vendor {vendor_id!r}", where=vendor_id)
    return contracts


def vendors(app: Ports, *, actor: Actor) -> list[str]:
    with app.uow(read_only=True) as uow:
        return sorted({c.vendor for c in visible_contracts(uow, actor=actor)})


def _quarter_of(label: str) -> str:
    period = parse_period(label)
    return f"{period.start.year:04d}-Q{(period.start.month - 1) // 3 + 1}"


def _credits(app: Ports, *, actor: Actor, contract_id: str, period: str) -> CreditsInput | None:
    row = commercials.latest_statement(app, actor=actor, contract_id=contract_id, period=period)
    if row is None:
        return None
    return CreditsInput(incurred=Decimal(row["total"]), at_risk=Decimal(row["at_risk"]))


def _invoice(app: Ports, *, actor: Actor, contract_id: str, period: str) -> InvoiceInput | None:
    checks = commercials.list_invoice_checks(
        app, actor=actor, contract_id=contract_id, period=period
    )
    if not checks:
        return None
    details: dict[str, Any] = checks[0].get("details") or {}  # newest first
    expected_lines = len((details.get("expected") or {}).get("lines") or [])
    differences = len((details.get("check") or {}).get("differences") or [])
    checked = max(expected_lines, differences, 1)
    return InvoiceInput(lines_checked=checked, lines_with_difference=min(differences, checked))


def survey_for(
    app: Ports, *, vendor_id: str, quarter: str, as_of: datetime | None = None
) -> SurveyInput | None:
    """The vendor's survey of the quarter: as it stands, or as it stood at ``as_of``."""
    with app.uow(read_only=True) as uow:
        surveys = uow.repo(SurveyRepository)
        stored = (
            surveys.get(vendor_id, quarter)
            if as_of is None
            else surveys.as_of(vendor_id, quarter, as_of)
        )
    if stored is None:
        return None
    score, respondents = stored
    return SurveyInput(quarter=quarter, score=Decimal(score), respondents=respondents)


def record_survey(
    app: Ports, *, actor: Actor, vendor_id: str, quarter: str, score: Decimal, respondents: int
) -> SurveyInput:
    """Enter (or correct) a vendor's relationship survey for a quarter (0-100)."""
    actor.require_client("enter relationship surveys")
    problems: list[Problem] = []
    try:
        period = parse_period(quarter)
        if period.label != quarter or "Q" not in quarter:
            raise ValueError
    except ValueError:
        problems.append(Problem("quarter", "write a quarter as 2026-Q1", value=quarter))
    if not Decimal(0) <= score <= Decimal(100):
        problems.append(Problem("score", "must be between 0 and 100", value=str(score)))
    if respondents < 0:
        problems.append(Problem("respondents", "must not be negative", value=str(respondents)))
    if problems:
        raise InvalidInput(problems=problems)
    _contracts_of(app, actor=actor, vendor_id=vendor_id)
    with app.uow() as uow:
        surveys = uow.repo(SurveyRepository)
        before = surveys.get(vendor_id, quarter)
        score_text = format(score, "f")
        surveys.save(
            vendor_id=vendor_id,
            quarter=quarter,
            score=score_text,
            respondents=respondents,
            exists=before is not None,
            at=uow.now(),
            by=actor.user,
        )
        uow.record(
            actor=actor,
            entity_type="vendor_survey",
            entity_id=f"{vendor_id}/{quarter}",
            action="create" if before is None else "update",
            before=None if before is None else {"score": before[0]},
            after={"score": score_text, "respondents": respondents},
        )
    return SurveyInput(quarter=quarter, score=score, respondents=respondents)


def _require_period(label: str) -> None:
    """An unreadable period is the caller's mistake: InvalidInput naming it, not a ValueError."""
    try:
        parse_period(label)
    except ValueError as error:
        raise InvalidInput(problems=[Problem("period", str(error), value=label)]) from None


def _month_end(period: Period, contract: Contract) -> datetime:
    """The instant the month ends in the contract's timezone (its first calendar's)."""
    return datetime.combine(period.end, time(0), tzinfo=ZoneInfo(contract_timezone(contract)))


def _in_term(contract: Contract, period: Period) -> bool:
    return contract.term.start < period.end and contract.term.end >= period.start


def _register(app: Ports, *, actor: Actor) -> list[Risk]:
    """The whole register, closed risks included: a past month counts the risks open then."""
    return list_risks(app, actor=actor, include_closed=True)


def _frozen(
    app: Ports, *, actor: Actor, vendor_id: str, period: str, contracts: Sequence[Contract]
) -> ScorecardInputs | None:
    """The inputs frozen when the month closed, while every close they rest on still stands,
    the vendor has no other contract in the month, and the reader sees every one of them."""
    month = parse_period(period)
    in_term = {c.id for c in contracts if _in_term(c, month)}
    with app.uow(read_only=True) as uow:
        frozen = uow.repo(FrozenScorecardRepository).latest(vendor_id, period)
        if frozen is None or set(frozen.closes) != in_term:
            return None
        closes = uow.repo(PeriodCloseRepository)
        for contract_id, version in frozen.closes.items():
            record = closes.latest(contract_id, period)
            if record is None or record.status is not CloseStatus.CLOSED:
                return None
            if record.version != version:
                return None
    return inputs_from_json(frozen.inputs)


def live_scorecard_inputs(
    app: Ports,
    *,
    actor: Actor,
    vendor_id: str,
    period: str,
    contracts: Sequence[Contract],
    risks: Sequence[Risk],
) -> ScorecardInputs:
    """The inputs as they stood at the end of the month: the month's results, credits and
    invoice checks, the control findings open at its end (in each contract's timezone), the
    risks open at its end (by their opened and closed days) and the quarter's survey as it
    stood at the month's end (once the month has ended in every zone of the vendor)."""
    month = parse_period(period)
    # each contract's terms as the version governing the month has them (an amendment that
    # applies from a later month leaves this month's allocations alone)
    with app.uow(read_only=True) as uow:
        contracts = governing_contracts(uow, actor=actor, contracts=contracts, period=month.label)
    allocations = {
        (c.id, sl.id): sl.allocation_percent for c in contracts for sl in c.service_levels
    }
    results = []
    credits_incurred, at_risk, credits_seen = Decimal(0), Decimal(0), False
    lines, differing, invoices_seen = 0, 0, False
    findings, controls_ran = 0, False
    for contract in contracts:
        mine = [
            r
            for r in results_for(app, actor=actor, contract_id=contract.id)
            if r.period == period and not r.running
        ]
        results += mine
        credit = _credits(app, actor=actor, contract_id=contract.id, period=period)
        if credit is not None:
            credits_seen = True
            credits_incurred += credit.incurred
            at_risk += credit.at_risk
        invoice = _invoice(app, actor=actor, contract_id=contract.id, period=period)
        if invoice is not None:
            invoices_seen = True
            lines += invoice.lines_checked
            differing += invoice.lines_with_difference
        if mine:
            controls_ran = True
            end = _month_end(month, contract)
            findings += sum(
                1
                for f in load_findings(app, actor=actor, contract_id=contract.id)
                if f.open_at(end)
            )
            findings += len(period_findings(mine))
    contract_ids = {c.id for c in contracts}
    risk_scores = [
        r.score
        for r in risks
        if (vendor_id in r.vendors or contract_ids.intersection(r.contracts))
        and r.open_at_end(month.end)
    ]
    return ScorecardInputs(
        service_levels=sl_inputs_from_results(results, allocations),
        credits=CreditsInput(credits_incurred, at_risk) if credits_seen else None,
        invoice=InvoiceInput(lines, differing) if invoices_seen else None,
        control_findings_open=findings if controls_ran else None,
        open_risk_scores=risk_scores,
        survey=survey_for(
            app,
            vendor_id=vendor_id,
            quarter=_quarter_of(period),
            as_of=max(_month_end(month, c) for c in contracts) if contracts else None,
        ),
    )


def scorecard_inputs(
    app: Ports,
    *,
    actor: Actor,
    vendor_id: str,
    period: str,
    contracts: Sequence[Contract] | None = None,
    risks: Sequence[Risk] | None = None,
) -> ScorecardInputs:
    """What the scorecard of a vendor for a month rests on: frozen when the month is closed,
    else as things stood at the month's end (contracts and risks may be passed in when
    scoring many vendors or months, to read them once; ``risks`` is the whole register)."""
    _require_period(period)
    mine = _contracts_of(app, actor=actor, vendor_id=vendor_id, known=contracts)
    frozen = _frozen(app, actor=actor, vendor_id=vendor_id, period=period, contracts=mine)
    if frozen is not None:
        return frozen
    return live_scorecard_inputs(
        app,
        actor=actor,
        vendor_id=vendor_id,
        period=period,
        contracts=mine,
        risks=risks if risks is not None else _register(app, actor=actor),
    )


def freeze_scorecard(app: Ports, *, actor: Actor, vendor_id: str, period: str) -> int | None:
    """Freeze a vendor's scorecard inputs of a month once every contract of the vendor in the
    month is closed (called by the period close); the version frozen, or None while a contract
    of the vendor is still open for the month. Freezing the same inputs again adds nothing."""
    actor.require_client("freeze scorecards")
    month = parse_period(period)
    every = _contracts_of(app, actor=actor, vendor_id=vendor_id)
    in_term = [c for c in every if _in_term(c, month)]
    if not in_term:
        return None
    closes: dict[str, int] = {}
    with app.uow(read_only=True) as uow:
        repo = uow.repo(PeriodCloseRepository)
        for contract in in_term:
            record = repo.latest(contract.id, period)
            if record is None or record.status is not CloseStatus.CLOSED:
                return None
            closes[contract.id] = record.version
    inputs = inputs_to_json(
        live_scorecard_inputs(
            app,
            actor=actor,
            vendor_id=vendor_id,
            period=period,
            contracts=every,  # as a live reading does: every contract of the vendor
            risks=_register(app, actor=actor),
        )
    )
    with app.uow() as uow:
        written = uow.repo(FrozenScorecardRepository).freeze(
            vendor_id=vendor_id,
            period=period,
            inputs=inputs,
            closes=closes,
            inputs_sha256=canonical_hash({"inputs": inputs, "closes": closes}),
            at=uow.now(),
            by=actor.user,
        )
        if written.added:
            uow.record(
                actor=actor,
                entity_type="vendor_scorecard",
                entity_id=f"{vendor_id}/{period}/v{written.version}",
                action="freeze",
                after={"closes": closes, "inputs": inputs},
            )
    return written.version


def scorecard(
    app: Ports,
    *,
    actor: Actor,
    vendor_id: str,
    period: str,
    weights: ScorecardWeights | None = None,
    contracts: Sequence[Contract] | None = None,
    risks: Sequence[Risk] | None = None,
) -> Scorecard:
    inputs = scorecard_inputs(
        app, actor=actor, vendor_id=vendor_id, period=period, contracts=contracts, risks=risks
    )
    return vendor_scorecard(vendor_id, period, inputs, weights or ScorecardWeights())


def _scorecards(
    app: Ports,
    *,
    actor: Actor,
    vendor_ids: Sequence[str],
    period: str,
    weights: ScorecardWeights | None,
    contracts: Sequence[Contract],
) -> list[Scorecard]:
    """The month's scorecard of each vendor, in the order given.

    The contracts are the caller's and the risk register is read once here, so that every
    vendor is scored against the same snapshot and nothing is read again per vendor.
    """
    risks = _register(app, actor=actor)
    return [
        scorecard(
            app,
            actor=actor,
            vendor_id=vendor,
            period=period,
            weights=weights,
            contracts=contracts,
            risks=risks,
        )
        for vendor in vendor_ids
    ]


def ranking(
    app: Ports, *, actor: Actor, period: str, weights: ScorecardWeights | None = None
) -> tuple[list[RankedVendor], list[Scorecard]]:
    contracts = _all_contracts(app, actor=actor)
    cards = _scorecards(
        app,
        actor=actor,
        vendor_ids=sorted({c.vendor for c in contracts}),
        period=period,
        weights=weights,
        contracts=contracts,
    )
    return rank_vendors(cards), cards


@dataclass(frozen=True)
class VendorComparison:
    """Two vendors' scorecards of one month, component by component, and the KPIs both are
    measured on."""

    left: Scorecard
    right: Scorecard
    rows: list[ComparisonRow]
    kpis: list[KpiComparison]


def compare(
    app: Ports,
    *,
    actor: Actor,
    left: str,
    right: str,
    period: str,
    weights: ScorecardWeights | None = None,
) -> VendorComparison:
    """Two vendors on the same scorecard components, and on the KPIs both are measured on."""
    contracts = _all_contracts(app, actor=actor)
    cards = _scorecards(
        app,
        actor=actor,
        vendor_ids=(left, right),
        period=period,
        weights=weights,
        contracts=contracts,
    )

    def period_results(vendor: str) -> list[ServiceLevelResult]:
        found: list[ServiceLevelResult] = []
        for contract in _contracts_of(app, actor=actor, vendor_id=vendor, known=contracts):
            found += [
                r
                for r in results_for(app, actor=actor, contract_id=contract.id)
                if r.period == period and not r.running
            ]
        return found

    kpis = compare_kpis(period_results(left), period_results(right))
    return VendorComparison(
        left=cards[0],
        right=cards[1],
        rows=compare_scorecards(cards[0], cards[1]),
        kpis=kpis,
    )


def trend(
    app: Ports,
    *,
    actor: Actor,
    vendor_id: str,
    last: str,
    months: int = TREND_MONTHS,
    weights: ScorecardWeights | None = None,
) -> Trend:
    """The scorecard of each of the ``months`` months ending with ``last``; gaps included."""
    end = parse_period(last).start
    labels = []
    for back in range(months - 1, -1, -1):
        year, index = divmod(end.year * 12 + end.month - 1 - back, 12)
        labels.append(month_period(year, index + 1).label)
    contracts = _contracts_of(app, actor=actor, vendor_id=vendor_id)
    risks = _register(app, actor=actor)
    inputs = {
        label: scorecard_inputs(
            app, actor=actor, vendor_id=vendor_id, period=label, contracts=contracts, risks=risks
        )
        for label in labels
    }
    return scorecard_trend(vendor_id, labels, inputs, weights or ScorecardWeights())


# --- handoffs -----------------------------------------------------------------------------------


def handoffs(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    internal_parties: Sequence[str],
    bounce_threshold: int,
    weekly_capacity: int | None,
    as_of: datetime | None = None,
) -> HandoffReport:
    """Handoff and workload analysis over a contract's stored tickets."""
    with app.uow(read_only=True) as uow:
        contract = get_contract(uow, actor=actor, contract_id=contract_id).contract
    timezone = next(iter(contract.calendars.values())).timezone if contract.calendars else "UTC"
    store = app.event_store
    tickets = store.read(contract_id=contract_id, source="tickets", columns=["id", "assignments"])
    return handoff_analysis(
        tickets,
        vendor_party=contract.vendor,
        internal_parties=internal_parties,
        bounce_threshold=bounce_threshold,
        weekly_capacity=weekly_capacity,
        as_of=as_of,
        timezone=timezone,
    )


# --- BPO map ------------------------------------------------------------------------------------


def governance_map(app: Ports, *, actor: Actor) -> list[ProcessMap]:
    """Every outsourced process with its four governance layers (client roles only)."""
    from servicepact.services._portfolio import get_portfolio

    with app.uow(read_only=True) as uow:
        portfolio = get_portfolio(uow, actor=actor)
        contracts = visible_contracts(uow, actor=actor)
    results = []
    for contract in contracts:
        results += results_for(app, actor=actor, contract_id=contract.id)
    return bpo_map(
        processes=portfolio.processes,
        contracts=contracts,
        results=results,
        decisions=portfolio.decisions,
    )
