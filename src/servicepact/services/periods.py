"""Period close and reopen (PRODUCT.md §2.3).

Closing a month freezes what it rests on and what it produced: the results, the credit
statement and the invoice checks, with a hash of the inputs (contract version, event batches,
engine version) and a hash of the outputs. When the vendor's last contract in the month is
closed, the vendor's scorecard inputs of the month are frozen too (services/vendors.py).
While a month is closed, loading data for it, stating its credits again or checking an
invoice for it is refused (``ensure_open``). Reopening is explicit, needs a reason and is
audited; the next close is a new version, and every earlier version stays readable with its
snapshot.
"""

from __future__ import annotations

from typing import Any

from servicepact.domain.access import Actor
from servicepact.domain.errors import Conflict, InvalidInput, NotFound, PeriodClosed, Problem
from servicepact.domain.json_values import canonical_hash, jsonable
from servicepact.domain.results import ServiceLevelResult
from servicepact.services._contracts import get_contract
from servicepact.services._open_periods import closed_message
from servicepact.services._statements import MonthCommercials, store_statement
from servicepact.services.commercials import (
    ENGINE_VERSION,
    list_invoice_checks,
    results_of,
    state_credits,
)
from servicepact.services.ports import Ports
from servicepact.services.scale_out import EngineChoice
from servicepact.services.vendors import freeze_scorecard
from servicepact.store.db.commercials import CreditStatementRepository
from servicepact.store.db.periods import CloseStatus, PeriodCloseRecord, PeriodCloseRepository
from servicepact.store.db.uow import UnitOfWork
from servicepact.store.events.repository import BatchRepository

__all__ = [
    "CloseStatus",
    "PeriodCloseRecord",
    "close_period",
    "period_history",
    "reopen_period",
    "statement_versions",
]

MAX_REASON = 2000


def close_period(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    period: str,
    engine: str | EngineChoice | None = None,
    spark_master: str | None = None,
) -> PeriodCloseRecord:
    """Freeze a month: results, credits and invoice checks, with input and output hashes.
    The month's units per fee are counted over its events on ``engine`` (default: local;
    ``spark`` on ``spark_master``) before anything is written."""
    actor.require_client("close periods")
    month = state_credits(
        app, actor=actor, contract_id=contract_id, period=period, store=False,
        engine=engine, spark_master=spark_master,
    )  # fmt: skip
    label = month.month.label
    if app.now().date() < month.month.end:
        raise Conflict(
            f"{label} has not ended yet (it runs to {month.month.end:%Y-%m-%d}); close it after",
            where=f"{contract_id}/{label}",
        )
    results = [
        r for r in results_of(app, actor=actor, contract_id=contract_id) if r.period == label
    ]
    checks = list_invoice_checks(app, actor=actor, contract_id=contract_id, period=label)
    with app.uow() as uow:
        closes = uow.repo(PeriodCloseRepository)
        previous = closes.latest(contract_id, label)
        if previous is not None and previous.status is CloseStatus.CLOSED:
            raise PeriodClosed(
                closed_message(previous, "closing it again"), where=f"{contract_id}/{label}"
            )
        statement_version = store_statement(uow, actor=actor, month=month)
        inputs = _close_inputs(uow, contract_id, month)
        outputs = _close_outputs(results, month, statement_version, checks)
        inputs_hash, outputs_hash = canonical_hash(inputs), canonical_hash(outputs)
        version = closes.add_close(
            contract_id=contract_id,
            period=label,
            contract_version=month.stored.version,
            inputs_sha256=inputs_hash,
            outputs_sha256=outputs_hash,
            snapshot={"inputs": inputs, "outputs": outputs},
            at=uow.now(),
            by=actor.user,
        )
        uow.record(
            actor=actor,
            entity_type="period_close",
            entity_id=f"{contract_id}/{label}/v{version}",
            action="close",
            after={"inputs_sha256": inputs_hash, "outputs_sha256": outputs_hash},
        )
        record = closes.latest(contract_id, label)
    assert record is not None
    # The vendor's scorecard of the month is frozen once its last contract in it is closed.
    freeze_scorecard(app, actor=actor, vendor_id=month.stored.contract.vendor, period=label)
    return record


def _close_inputs(uow: UnitOfWork, contract_id: str, month: MonthCommercials) -> dict[str, Any]:
    """What a closed month rests on: the contract version, the event batches, the engine."""
    return {
        "contract_id": contract_id,
        "contract_version": month.stored.version,
        "contract_sha256": month.stored.sha256,
        "batches": uow.repo(BatchRepository).content_hashes(contract_id),
        "engine_version": ENGINE_VERSION,
        "commercial_inputs_sha256": month.inputs_sha256,
    }


def _close_outputs(
    results: list[ServiceLevelResult],
    month: MonthCommercials,
    statement_version: int,
    checks: list[dict[str, Any]],
) -> dict[str, Any]:
    """What a closed month produced: its results, credits and invoice checks."""
    return {
        "results": jsonable(sorted(results, key=lambda r: r.service_level_id)),
        "credits": jsonable(month.credits),
        "credit_statement_version": statement_version,
        "invoice_checks": [
            {
                "id": check["id"],
                "file": check["source_name"],
                "verdict": check["verdict"],
                "expected_total": check["expected_total"],
                "invoiced_total": check["invoiced_total"],
                "differences": check["details"]["check"]["differences"],
            }
            for check in reversed(checks)  # oldest first
        ],
    }


def reopen_period(
    app: Ports, *, actor: Actor, contract_id: str, period: str, reason: str
) -> PeriodCloseRecord:
    """Reopen a closed month; the closed version and its snapshot stay readable."""
    actor.require_client("reopen periods")
    text = reason.strip()
    if not text:
        raise InvalidInput(
            problems=[Problem("--reason", "say why the period is reopened; it is audited")]
        )
    if len(text) > MAX_REASON:
        raise InvalidInput(problems=[Problem("--reason", f"at most {MAX_REASON} characters")])
    with app.uow() as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        closes = uow.repo(PeriodCloseRepository)
        record = closes.latest(contract_id, period)
        if record is None or record.status is not CloseStatus.CLOSED:
            raise Conflict(f"{period} of contract {contract_id} is not closed", where=period)
        closes.mark_reopened(
            contract_id=contract_id,
            period=period,
            version=record.version,
            at=uow.now(),
            by=actor.user,
            reason=text,
        )
        uow.record(
            actor=actor,
            entity_type="period_close",
            entity_id=f"{contract_id}/{period}/v{record.version}",
            action="reopen",
            before={"status": CloseStatus.CLOSED},
            after={"status": CloseStatus.REOPENED, "reason": text},
        )
        updated = closes.latest(contract_id, period)
    assert updated is not None
    return updated


def period_history(
    app: Ports, *, actor: Actor, contract_id: str, period: str
) -> list[PeriodCloseRecord]:
    """Every close of a month, oldest first: each version stays readable."""
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        history = uow.repo(PeriodCloseRepository).history(contract_id, period)
    if not history:
        raise NotFound(f"{period} of contract {contract_id} was never closed", where=period)
    return history


def statement_versions(
    app: Ports, *, actor: Actor, contract_id: str, period: str
) -> list[dict[str, Any]]:
    """Every stored credit statement of a month, oldest first."""
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        return uow.repo(CreditStatementRepository).versions(contract_id, period)
