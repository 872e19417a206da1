"""Steps inside a caller's unit of work: the client's portfolio — parties, process catalogue
and decision log (PRODUCT.md §2.1). ``services/portfolio.py`` gives them to the entry points.

Applying a portfolio is an idempotent upsert: entities are created or updated
to match the file, each change audited; entities missing from the file are
kept (removing a party that contracts refer to would orphan them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from servicepact.domain.access import Actor
from servicepact.domain.errors import AccessDenied
from servicepact.domain.portfolio import Portfolio
from servicepact.store.db.repositories import PartyOrigin
from servicepact.store.db.uow import UnitOfWork

# Owners of decisions and artefacts may be people; the audit trail keeps only
# that an owner changed, not who (personal data stays out of the trail).
_PERSONAL_FIELDS = frozenset({"owner"})


@dataclass(frozen=True)
class PortfolioOutcome:
    created: int
    updated: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _summary(model: BaseModel) -> Any:
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: ("(set)" if key in _PERSONAL_FIELDS and item else strip(item))
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    return strip(model.model_dump(mode="json"))


def apply_portfolio(uow: UnitOfWork, *, actor: Actor, portfolio: Portfolio) -> PortfolioOutcome:
    actor.require_client("apply the portfolio")
    at = uow.now()
    created = updated = unchanged = 0

    def count_and_audit(
        entity_type: str, entity_id: str, before: BaseModel | None, after: BaseModel
    ) -> None:
        """Audit one entity just written and count it as created or updated."""
        nonlocal created, updated
        uow.record(
            actor=actor,
            entity_type=entity_type,
            entity_id=entity_id,
            action="create" if before is None else "update",
            before=None if before is None else _summary(before),
            after=_summary(after),
        )
        if before is None:
            created += 1
        else:
            updated += 1

    for party in portfolio.parties:
        stored = uow.parties.get(party.id)
        if stored is not None and stored.party == party and stored.origin == PartyOrigin.PORTFOLIO:
            unchanged += 1
            continue
        uow.parties.put(party, origin=PartyOrigin.PORTFOLIO, at=at)
        count_and_audit("party", party.id, None if stored is None else stored.party, party)
    for process in portfolio.processes:
        before_process = uow.processes.get(process.id)
        if before_process == process:
            unchanged += 1
            continue
        uow.processes.put(process, at=at)
        count_and_audit("process", process.id, before_process, process)
    for decision in portfolio.decisions:
        before_decision = uow.decisions.get(decision.id)
        if before_decision == decision:
            unchanged += 1
            continue
        uow.decisions.put(decision, at=at)
        count_and_audit("decision", decision.id, before_decision, decision)
    return PortfolioOutcome(created=created, updated=updated, unchanged=unchanged)


def get_portfolio(uow: UnitOfWork, *, actor: Actor) -> Portfolio:
    """The whole portfolio; it names every vendor, so vendor and broker users get none."""
    if actor.scoped:
        raise AccessDenied("the portfolio is the client's view; vendors and brokers see contracts")
    return Portfolio(
        parties=tuple(stored.party for stored in uow.parties.list()),
        processes=tuple(uow.processes.list()),
        decisions=tuple(uow.decisions.list()),
    )
