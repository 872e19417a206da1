"""Risk register and internal control: apply the register, raise risks by rule, the heat map,
and the control findings of each contract (from loads, periods and the entrustment register).

Access: the register is the client's; a vendor or broker user sees only the risks
linked to contracts it can see, and cannot change any.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from servicepact.contractfile.kinds import load_yaml_model
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import NotFound
from servicepact.domain.fees import FeeKind
from servicepact.domain.results import ServiceLevelResult
from servicepact.domain.risks import (
    ControlFinding,
    FindingSource,
    FindingStatus,
    Risk,
    RiskRegister,
    RiskSource,
    RiskStatus,
    redacted_for,
)
from servicepact.engine.evaluate import contract_timezone
from servicepact.engine.risks import (
    HeatCell,
    RaisedRisk,
    RiskRules,
    automatic_risks,
    heat_map,
    period_findings,
)
from servicepact.services import evaluation, loads
from servicepact.services._contracts import get_contract, list_contracts, visible_contracts
from servicepact.services.ports import Ports
from servicepact.store.db.commercials import CreditStatementRepository
from servicepact.store.db.governance import RiskRepository
from servicepact.store.db.uow import UnitOfWork

# The owner of a risk may be a person: the audit trail records that it was set, not who.
_PERSONAL = frozenset({"owner"})
SPEND_WINDOW_MONTHS = 12  # concentration is judged on the last year of fees


# --- reading what the rules need --------------------------------------------------------------


def results_for(app: Ports, *, actor: Actor, contract_id: str) -> list[ServiceLevelResult]:
    """Stored results of a contract (services/evaluation.py); none when evaluation is absent."""
    listed: Sequence[ServiceLevelResult] = evaluation.list_results(
        app, actor=actor, contract_id=contract_id
    )
    return list(listed)


def load_findings(app: Ports, *, actor: Actor, contract_id: str) -> list[ControlFinding]:
    """Findings of the data-load controls (completeness, duplicates, timestamps, lateness)."""
    stored = loads.list_findings(app, actor=actor, contract_id=contract_id)
    return [
        ControlFinding(
            key=f"load:{item.id}",
            contract_id=item.contract_id,
            source=FindingSource.LOAD,
            check=str(item.kind),
            period=None,
            detail=f"{item.source}: {item.detail}",
            # a finding later data withdrew (a day completed since) is resolved: it raises no
            # alert, no risk and counts in no score, for no month (closed when it was found)
            status=FindingStatus.RESOLVED
            if str(item.status) == "withdrawn"
            else FindingStatus(str(item.status)),
            opened_at=item.found_at,
            closed_at=item.found_at if str(item.status) == "withdrawn" else item.closed_at,
        )
        for item in stored
    ]


def entrustment_findings(app: Ports, *, actor: Actor, today: date) -> list[ControlFinding]:
    from servicepact.services.entrustment import inspection_findings_for

    return inspection_findings_for(app, actor=actor, today=today)


def control_findings(
    app: Ports, *, actor: Actor, contract_id: str, today: date | None = None
) -> list[ControlFinding]:
    """Every control finding of a contract: loads, incomplete periods, entrustment."""
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
    findings = load_findings(app, actor=actor, contract_id=contract_id)
    findings += period_findings(results_for(app, actor=actor, contract_id=contract_id))
    day = today or app.now().date()
    findings += [
        f for f in entrustment_findings(app, actor=actor, today=day) if f.contract_id == contract_id
    ]
    return findings


def _spend_by_vendor(
    uow: UnitOfWork, *, contracts: Sequence[Contract], as_of: date
) -> dict[str, Decimal]:
    """Fees of the last twelve months per vendor, from the stored credit statements."""
    year, month = divmod(as_of.year * 12 + as_of.month - 1 - (SPEND_WINDOW_MONTHS - 1), 12)
    first_label = f"{year:04d}-{month + 1:02d}"
    last_label = f"{as_of.year:04d}-{as_of.month:02d}"
    vendors = {c.id: c.vendor for c in contracts}
    if not vendors:
        return {}
    latest = {
        (contract_id, period): amounts
        for (contract_id, period), amounts in uow.repo(CreditStatementRepository)
        .latest_amounts(list(vendors))
        .items()
        if len(period) == 7 and first_label <= period <= last_label
    }
    spend: dict[str, Decimal] = {}
    for (contract_id, _period), amounts in latest.items():
        vendor = vendors[contract_id]
        spend[vendor] = spend.get(vendor, Decimal(0)) + amounts.monthly_fees
    # A contract without any statement yet: its committed fees (fixed and per-FTE) for the
    # months of the window inside its term — a floor, since volume fees are not known.
    with_statements = {contract_id for contract_id, _ in latest}
    for contract in contracts:
        if contract.id in with_statements:
            continue
        months = sum(
            1
            for back in range(SPEND_WINDOW_MONTHS)
            if contract.term.start <= _month_start(as_of, back) <= contract.term.end
        )
        monthly = sum(
            (
                fee.amount
                if fee.kind is FeeKind.FIXED and fee.amount is not None
                else (fee.fte or Decimal(0)) * (fee.rate or Decimal(0))
                if fee.kind is FeeKind.PER_FTE
                else Decimal(0)
            )
            for fee in contract.fees
        )
        if months and monthly:
            spend[contract.vendor] = spend.get(contract.vendor, Decimal(0)) + monthly * months
    return spend


def _month_start(day: date, back: int) -> date:
    year, index = divmod(day.year * 12 + day.month - 1 - back, 12)
    return date(year, index + 1, 1)


# --- the register -------------------------------------------------------------------------------


def _summary(risk: Risk) -> dict[str, Any]:
    data = risk.model_dump(mode="json")
    return {k: ("(set)" if k in _PERSONAL and v else v) for k, v in data.items()}


def _risk_zone(risk: Risk, contracts: Sequence[Contract]) -> str:
    """The timezone a risk's days are counted in: that of the first contract it concerns (by
    id), else of its vendor's first contract, else UTC."""
    by_id = {c.id: c for c in contracts}
    for contract_id in sorted(risk.contracts):
        if contract_id in by_id:
            return contract_timezone(by_id[contract_id])
    for contract in sorted(contracts, key=lambda c: c.id):
        if contract.vendor in risk.vendors:
            return contract_timezone(contract)
    return "UTC"


def _dated(
    risk: Risk, *, before: Risk | None, now: datetime, zone: str, as_of: date | None = None
) -> Risk:
    """The risk with its opened and closed days: as the file states them, else as stored,
    else today in ``zone`` (or ``as_of``, the day a rule judged the condition, when earlier).
    A risk that is not closed has no closed day (a reopen clears it)."""
    today = now.astimezone(ZoneInfo(zone)).date()
    if as_of is not None:
        today = min(today, as_of)
    opened = risk.opened or (before.opened if before is not None else None) or today
    closed: date | None = None
    if risk.status is RiskStatus.CLOSED:
        kept = before.closed if before is not None and before.status is RiskStatus.CLOSED else None
        closed = risk.closed or kept or max(today, opened)
    return risk.model_copy(update={"opened": opened, "closed": closed})


@dataclass(frozen=True)
class RegisterOutcome:
    created: int
    updated: int
    unchanged: int


def load_risk_register(path: Path) -> RiskRegister:
    return load_yaml_model(path, RiskRegister)


def apply_risk_register(app: Ports, *, actor: Actor, register: RiskRegister) -> RegisterOutcome:
    """Create or update each risk of the file (by id); each change audited."""
    actor.require_client("change the risk register")
    created = updated = unchanged = 0
    with app.uow() as uow:
        contracts = visible_contracts(uow, actor=actor)
        known = {c.id for c in contracts}
        register_store = uow.repo(RiskRepository)
        for listed in register.risks:
            unknown = [c for c in listed.contracts if c not in known]
            if unknown:
                raise NotFound(f"risk {listed.id}: unknown contracts {', '.join(unknown)}")
            before = register_store.get(listed.id)
            risk = _dated(listed, before=before, now=uow.now(), zone=_risk_zone(listed, contracts))
            if before == risk:
                unchanged += 1
                continue
            register_store.save(risk, rule_key=None, exists=before is not None, at=uow.now())
            uow.record(
                actor=actor,
                entity_type="risk",
                entity_id=risk.id,
                action="create" if before is None else "update",
                before=None if before is None else _summary(before),
                after=_summary(risk),
            )
            created, updated = (created + 1, updated) if before is None else (created, updated + 1)
    return RegisterOutcome(created, updated, unchanged)


def list_risks(
    app: Ports, *, actor: Actor, contract_id: str | None = None, include_closed: bool = False
) -> list[Risk]:
    with app.uow(read_only=True) as uow:
        # Only the ids are needed: the summaries come from one query, without decoding contracts.
        summaries = list_contracts(uow, actor=actor)
        visible = {c.id for c in summaries}
        stored = uow.repo(RiskRepository).all()
    seen_contracts = frozenset(visible)
    seen_vendors = frozenset(c.vendor for c in summaries) | frozenset(
        c.broker for c in summaries if c.broker
    )
    out: list[Risk] = []
    for risk in stored:
        if not include_closed and risk.status is RiskStatus.CLOSED:
            continue
        if contract_id is not None and contract_id not in risk.contracts:
            continue
        if actor.scoped:
            if not visible.intersection(risk.contracts):
                continue  # vendors and brokers see only risks on their own contracts
            # ... and of a risk that spans other parties' contracts, only their own part
            risk = redacted_for(risk, contracts=seen_contracts, vendors=seen_vendors)
        out.append(risk)
    return out


def risk_heat_map(app: Ports, *, actor: Actor) -> list[list[HeatCell]]:
    return heat_map(list_risks(app, actor=actor))


def raise_risks(
    app: Ports,
    *,
    actor: Actor,
    as_of: date,
    rules: RiskRules | None = None,
    owner: str = "vendor manager",
) -> list[RaisedRisk]:
    """Run the automatic rules over every visible contract; upsert each raised risk by its key."""
    actor.require_client("raise risks")
    with app.uow(read_only=True) as uow:
        contracts = visible_contracts(uow, actor=actor)
        parties = [stored.party for stored in uow.parties.list()]
        spend = _spend_by_vendor(uow, contracts=contracts, as_of=as_of)
    results: list[ServiceLevelResult] = []
    findings: list[ControlFinding] = []
    for contract in contracts:
        results += results_for(app, actor=actor, contract_id=contract.id)
        findings += load_findings(app, actor=actor, contract_id=contract.id)
    raised = automatic_risks(
        as_of=as_of,
        contracts=contracts,
        results=results,
        parties=parties,
        spend_by_vendor=spend,
        findings=findings,
        rules=rules,
    )
    with app.uow() as uow:
        register_store = uow.repo(RiskRepository)
        for item in raised:
            before = register_store.by_rule_key(item.key)
            if before is None:
                number = register_store.count() + 1
                while register_store.get(f"AUTO-{number:04d}") is not None:  # taken by hand
                    number += 1
                raw = item.to_risk(risk_id=f"AUTO-{number:04d}", owner=owner)
                risk = _dated(
                    raw, before=None, now=uow.now(), zone=_risk_zone(raw, contracts), as_of=as_of
                )
                register_store.save(risk, rule_key=item.key, exists=False, at=uow.now())
                uow.record(
                    actor=actor,
                    entity_type="risk",
                    entity_id=risk.id,
                    action="raise",
                    after=_summary(risk),
                )
                continue
            # keep what people set (owner, mitigation, status, review date); refresh the facts
            reopened = before.status is RiskStatus.CLOSED
            after = before.model_copy(
                update={
                    "title": item.title,
                    "explanation": item.explanation,
                    "contracts": item.contracts,
                    "vendors": item.vendors,
                    "source": RiskSource.RULE,
                    "status": RiskStatus.OPEN if reopened else before.status,
                    # raised again after it was closed: a new spell, opened today
                    "opened": None if reopened else before.opened,
                    "closed": None,
                }
            )
            after = _dated(
                after, before=None, now=uow.now(), zone=_risk_zone(after, contracts), as_of=as_of
            )
            if after != before:
                register_store.save(after, rule_key=item.key, exists=True, at=uow.now())
                uow.record(
                    actor=actor,
                    entity_type="risk",
                    entity_id=after.id,
                    action="update",
                    before=_summary(before),
                    after=_summary(after),
                )
    return raised
