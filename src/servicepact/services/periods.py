"""Period close and reopen (PRODUCT.md §2.3).

Closing a month freezes what it rests on and what it produced: the results, the credit
statement and the invoice checks, with a hash of the inputs (contract version, event batches,
engine version) and a hash of the outputs. While a month is closed, loading data for it, stating
its credits again or checking an invoice for it is refused (``ensure_open``). Reopening is
explicit, needs a reason and is audited; the next close is a new version, and every earlier
version stays readable with its snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.errors import Conflict, InvalidInput, NotFound, PeriodClosed, Problem
from servicepact.domain.periods import months_between
from servicepact.services.commercials import (
    ENGINE_VERSION,
    canonical_hash,
    jsonable,
    list_invoice_checks,
    results_of,
    state_credits,
)
from servicepact.services.contracts import get_contract
from servicepact.store.db.tables import metadata
from servicepact.store.db.tables.commercials import credit_statements, period_closes
from servicepact.store.db.uow import UnitOfWork

MAX_REASON = 2000


class CloseStatus(StrEnum):
    CLOSED = "closed"
    REOPENED = "reopened"


@dataclass(frozen=True)
class PeriodCloseRecord:
    contract_id: str
    period: str
    version: int
    status: CloseStatus
    contract_version: int
    inputs_sha256: str
    outputs_sha256: str
    closed_at: datetime
    closed_by: str
    reopened_at: datetime | None
    reopened_by: str | None
    reopen_reason: str | None
    snapshot: dict[str, Any]


def _record(row: Any) -> PeriodCloseRecord:
    m = row._mapping
    return PeriodCloseRecord(
        contract_id=m["contract_id"],
        period=m["period"],
        version=m["version"],
        status=CloseStatus(m["status"]),
        contract_version=m["contract_version"],
        inputs_sha256=m["inputs_sha256"],
        outputs_sha256=m["outputs_sha256"],
        closed_at=m["closed_at"],
        closed_by=m["closed_by"],
        reopened_at=m["reopened_at"],
        reopened_by=m["reopened_by"],
        reopen_reason=m["reopen_reason"],
        snapshot=m["snapshot"],
    )


def _latest(uow: UnitOfWork, contract_id: str, period: str) -> PeriodCloseRecord | None:
    row = uow.connection.execute(
        sa.select(period_closes)
        .where(period_closes.c.contract_id == contract_id, period_closes.c.period == period)
        .order_by(period_closes.c.version.desc())
        .limit(1)
    ).first()
    return None if row is None else _record(row)


def _closed_message(record: PeriodCloseRecord, doing: str) -> str:
    return (
        f"{record.period} of contract {record.contract_id} is closed (version {record.version}, "
        f"by {record.closed_by} on {record.closed_at:%Y-%m-%d}); {doing} is refused. Reopen it "
        f"first: servicepact reopen --contract {record.contract_id} --period {record.period} "
        f'--reason "..."'
    )


def ensure_open(
    uow: UnitOfWork, *, contract_id: str, period: str, doing: str = "changing it"
) -> None:
    """Raise ``PeriodClosed`` when the month is closed."""
    record = _latest(uow, contract_id, period)
    if record is not None and record.status is CloseStatus.CLOSED:
        raise PeriodClosed(_closed_message(record, doing), where=f"{contract_id}/{period}")


def ensure_open_between(
    uow: UnitOfWork, *, contract_id: str, first: date, last: date, doing: str = "loading data"
) -> None:
    """Raise ``PeriodClosed`` when any month from ``first`` to ``last`` is closed.

    For loads (the months the batch's events fall in) and contract amendments (the months from
    the amendment's effect onward).
    """
    labels = [p.label for p in months_between(first, last)]
    if not labels:
        return
    rows = uow.connection.execute(
        sa.select(period_closes).where(
            period_closes.c.contract_id == contract_id, period_closes.c.period.in_(labels)
        )
    ).all()
    latest: dict[str, PeriodCloseRecord] = {}
    for row in rows:
        record = _record(row)
        if record.period not in latest or record.version > latest[record.period].version:
            latest[record.period] = record
    for label in labels:
        found = latest.get(label)
        if found is not None and found.status is CloseStatus.CLOSED:
            raise PeriodClosed(_closed_message(found, doing), where=f"{contract_id}/{label}")


def is_closed(app: App, *, contract_id: str, period: str) -> bool:
    with app.uow(read_only=True) as uow:
        record = _latest(uow, contract_id, period)
    return record is not None and record.status is CloseStatus.CLOSED


def _batches(uow: UnitOfWork, contract_id: str) -> dict[str, list[str]]:
    """Committed event batches by source (the event store's manifest), for the inputs hash."""
    table = metadata.tables.get("event_batches")
    if table is None:
        return {}
    query = sa.select(table.c.source, table.c.content_sha256).where(
        table.c.contract_id == contract_id
    )
    # A row exists only once its batch is committed (complete or partial): every row counts.
    out: dict[str, list[str]] = {}
    for source, sha in uow.connection.execute(query.order_by(table.c.seq)).all():
        out.setdefault(source, []).append(sha)
    return out


def close_period(app: App, *, actor: Actor, contract_id: str, period: str) -> PeriodCloseRecord:
    """Freeze a month: results, credits and invoice checks, with input and output hashes."""
    actor.require_client("close periods")
    month = state_credits(app, actor=actor, contract_id=contract_id, period=period, store=False)
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
        previous = _latest(uow, contract_id, label)
        if previous is not None and previous.status is CloseStatus.CLOSED:
            raise PeriodClosed(
                _closed_message(previous, "closing it again"), where=f"{contract_id}/{label}"
            )
        from servicepact.services.commercials import _store_statement

        statement_version = _store_statement(uow, actor=actor, month=month)
        inputs = {
            "contract_id": contract_id,
            "contract_version": month.stored.version,
            "contract_sha256": month.stored.sha256,
            "batches": _batches(uow, contract_id),
            "engine_version": ENGINE_VERSION,
            "commercial_inputs_sha256": month.inputs_sha256,
        }
        outputs = {
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
        version = 1 if previous is None else previous.version + 1
        inputs_hash, outputs_hash = canonical_hash(inputs), canonical_hash(outputs)
        now = uow.now()
        uow.connection.execute(
            period_closes.insert().values(
                contract_id=contract_id,
                period=label,
                version=version,
                status=CloseStatus.CLOSED.value,
                contract_version=month.stored.version,
                inputs_sha256=inputs_hash,
                outputs_sha256=outputs_hash,
                snapshot={"inputs": inputs, "outputs": outputs},
                closed_at=now,
                closed_by=actor.user,
            )
        )
        uow.record(
            actor=actor,
            entity_type="period_close",
            entity_id=f"{contract_id}/{label}/v{version}",
            action="close",
            after={"inputs_sha256": inputs_hash, "outputs_sha256": outputs_hash},
        )
        record = _latest(uow, contract_id, label)
    assert record is not None
    return record


def reopen_period(
    app: App, *, actor: Actor, contract_id: str, period: str, reason: str
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
        record = _latest(uow, contract_id, period)
        if record is None or record.status is not CloseStatus.CLOSED:
            raise Conflict(f"{period} of contract {contract_id} is not closed", where=period)
        now = uow.now()
        uow.connection.execute(
            period_closes.update()
            .where(
                period_closes.c.contract_id == contract_id,
                period_closes.c.period == period,
                period_closes.c.version == record.version,
            )
            .values(
                status=CloseStatus.REOPENED.value,
                reopened_at=now,
                reopened_by=actor.user,
                reopen_reason=text,
            )
        )
        uow.record(
            actor=actor,
            entity_type="period_close",
            entity_id=f"{contract_id}/{period}/v{record.version}",
            action="reopen",
            before={"status": CloseStatus.CLOSED},
            after={"status": CloseStatus.REOPENED, "reason": text},
        )
        updated = _latest(uow, contract_id, period)
    assert updated is not None
    return updated


def period_history(
    app: App, *, actor: Actor, contract_id: str, period: str
) -> list[PeriodCloseRecord]:
    """Every close of a month, oldest first: each version stays readable."""
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        rows = uow.connection.execute(
            sa.select(period_closes)
            .where(period_closes.c.contract_id == contract_id, period_closes.c.period == period)
            .order_by(period_closes.c.version)
        ).all()
    if not rows:
        raise NotFound(f"{period} of contract {contract_id} was never closed", where=period)
    return [_record(row) for row in rows]


def statement_versions(
    app: App, *, actor: Actor, contract_id: str, period: str
) -> list[dict[str, Any]]:
    """Every stored credit statement of a month, oldest first."""
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        rows = uow.connection.execute(
            sa.select(credit_statements)
            .where(
                credit_statements.c.contract_id == contract_id,
                credit_statements.c.period == period,
            )
            .order_by(credit_statements.c.version)
        ).all()
    return [dict(row._mapping) for row in rows]
