"""Steps inside a caller's unit of work: a month's commercials as computed together, and
storing its credit statement (a new version only when its inputs changed). Stating credits
(``commercials.state_credits``) and closing a month (``periods.close_period``) both store it.
"""

from __future__ import annotations

from dataclasses import dataclass

from servicepact.domain.access import Actor
from servicepact.domain.credits import CreditStatement
from servicepact.domain.invoices import ExpectedInvoice
from servicepact.domain.json_values import jsonable
from servicepact.domain.periods import Period
from servicepact.services._contracts import StoredContract
from servicepact.store.db.commercials import CreditStatementRepository
from servicepact.store.db.uow import UnitOfWork


@dataclass(frozen=True)
class MonthCommercials:
    """Everything the month's commercials rest on, computed together."""

    stored: StoredContract
    month: Period
    contract_year: int
    volumes: dict[str, int]
    credits: CreditStatement
    expected: ExpectedInvoice
    inputs_sha256: str


def store_statement(uow: UnitOfWork, *, actor: Actor, month: MonthCommercials) -> int:
    """Store the statement unless the same inputs already produced the latest version."""
    statement = month.credits
    written = uow.repo(CreditStatementRepository).add(
        contract_id=statement.contract_id,
        period=statement.month,
        inputs_sha256=month.inputs_sha256,
        values={
            "contract_version": month.stored.version,
            "currency": statement.currency,
            "monthly_fees": format(statement.monthly_fees, "f"),
            "at_risk": format(statement.at_risk, "f"),
            "total": format(statement.total, "f"),
            "earn_back": format(statement.earn_back_total, "f"),
            "statement": jsonable(statement),
            "created_at": uow.now(),
            "created_by": actor.user,
        },
    )
    if written.added:
        uow.record(
            actor=actor,
            entity_type="credit_statement",
            entity_id=f"{statement.contract_id}/{statement.month}/v{written.version}",
            action="create",
            after={
                "total": statement.total,
                "earn_back": statement.earn_back_total,
                "at_risk": statement.at_risk,
            },
        )
    return written.version
