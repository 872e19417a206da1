"""Steps inside a caller's unit of work: whether a stored result is current, and if not, why
(``services/freshness.py`` states the rules and measures out-of-date months again; the
drill-down asks here for the one result it shows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from servicepact.domain.contracts import Contract
from servicepact.store.db.result_records import ResultRecord, ResultRecords
from servicepact.store.db.uow import UnitOfWork


class StaleReason(StrEnum):
    CONTRACT_AMENDED = "contract_amended"
    DATA_CHANGED = "data_changed"
    EXCLUSION_APPROVED = "exclusion_approved"


@dataclass(frozen=True)
class Freshness:
    """Whether a stored result is current, and if not, why."""

    reasons: tuple[StaleReason, ...] = ()
    closed: bool = False  # a closed month is frozen: it is not measured again

    @property
    def current(self) -> bool:
        return not self.reasons

    def as_dict(self) -> dict[str, Any]:
        return {
            "current": self.current,
            "reasons": [r.value for r in self.reasons],
            "closed": self.closed,
        }


def committed_batches(app: Any, contract_id: str, source: str) -> set[str]:
    return {ref.batch_id for ref in app.event_store.batches(contract_id=contract_id, source=source)}


def _reaches(row: Any, record: ResultRecord, source: str) -> bool:
    if row.source != source:
        return False
    if row.service_level_id is not None and row.service_level_id != record.service_level_id:
        return False
    return row.period is None or row.period == record.period


def freshness_of(
    uow: UnitOfWork,
    record: ResultRecord,
    *,
    contract: Contract,
    contract_version: int,
    batches: set[str],
    approved: Sequence[Any],
    closed: set[str],
    effects: Sequence[tuple[int, str | None]] | None = None,
) -> Freshness:
    """The freshness of one stored result, given what is current: the source's committed
    batches, the contract's approved exclusions and its closed months. ``effects`` (every
    version with the month it governs from) names the version that governs the result's
    month; without it, the current version ``contract_version``."""
    from servicepact.services._contracts import governing_version

    sl = contract.service_level(record.service_level_id)
    reasons: list[StaleReason] = []
    governing = contract_version if not effects else governing_version(effects, record.period)
    if record.contract_version != governing:
        reasons.append(StaleReason.CONTRACT_AMENDED)
    read = record.document.get("batches_committed")
    if set(read if read is not None else record.batches) != batches:
        reasons.append(StaleReason.DATA_CHANGED)
    reaching = [row for row in approved if _reaches(row, record, sl.source)]
    seen = record.document.get("exclusions_seen")
    if seen is not None:
        changed = {row.id for row in reaching} != set(seen)
    else:  # stored before results named the exclusions they saw
        changed = any(_utc(row.decided_at) > _utc(record.evaluated_at) for row in reaching)
    if changed:
        reasons.append(StaleReason.EXCLUSION_APPROVED)
    return Freshness(tuple(reasons), record.period in closed)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def current_state(uow: UnitOfWork, contract_id: str) -> tuple[list[Any], set[str]]:
    """The contract's approved exclusions and closed months, read once for many results."""
    from servicepact.services._open_periods import closed_months

    approved = uow.repo(ResultRecords).approved_exclusions(contract_id)
    return approved, set(closed_months(uow, contract_id))


def result_freshness(
    app: Any, uow: UnitOfWork, record: ResultRecord, *, contract: Contract, contract_version: int
) -> Freshness:
    sl = contract.service_level(record.service_level_id)
    batches = committed_batches(app, record.contract_id, sl.source)
    approved, closed = current_state(uow, record.contract_id)
    return freshness_of(
        uow,
        record,
        contract=contract,
        contract_version=contract_version,
        batches=batches,
        approved=approved,
        closed=closed,
        effects=uow.contracts.effects(record.contract_id),
    )
