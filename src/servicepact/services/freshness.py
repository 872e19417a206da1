"""Results are current: which stored results rest on inputs that have changed since, and
measuring those months again.

A stored result is *out of date* when, since it was measured,

* the contract was amended (its version is not the one that governs its month now: an
  amendment effective from a later month leaves earlier months' results current);
* the events of its source changed (the committed batches differ from those it read);
* an exclusion reaching it was approved (after it was measured).

After a load, an approved exclusion or an amendment, ``refresh_results`` measures every
open month holding an out-of-date result again (``evaluation.evaluate_periods``), so the
pages show current figures; a closed month stays frozen and is reported as such.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import DomainError
from servicepact.store.db.result_records import ResultRecord, ResultRecords
from servicepact.store.db.uow import UnitOfWork

_log = logging.getLogger(__name__)


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


def _committed_batches(app: Any, contract_id: str, source: str) -> set[str]:
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


def _current(uow: UnitOfWork, contract_id: str) -> tuple[list[Any], set[str]]:
    """The contract's approved exclusions and closed months, read once for many results."""
    from servicepact.services._open_periods import closed_months

    approved = uow.repo(ResultRecords).approved_exclusions(contract_id)
    return approved, set(closed_months(uow, contract_id))


def result_freshness(
    app: Any, uow: UnitOfWork, record: ResultRecord, *, contract: Contract, contract_version: int
) -> Freshness:
    sl = contract.service_level(record.service_level_id)
    batches = _committed_batches(app, record.contract_id, sl.source)
    approved, closed = _current(uow, record.contract_id)
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


@dataclass(frozen=True)
class StaleResult:
    service_level_id: str
    period: str
    freshness: Freshness


def stale_results(app: Any, *, actor: Actor, contract_id: str) -> list[StaleResult]:
    """Every stored result of the contract that is out of date (closed months included)."""
    from servicepact.services._contracts import get_contract

    with app.uow(read_only=True) as uow:
        stored = get_contract(uow, actor=actor, contract_id=contract_id)
        contract = stored.contract
        known = {sl.id for sl in contract.service_levels}
        batches: dict[str, set[str]] = {}
        approved, closed = _current(uow, contract_id)
        effects = uow.contracts.effects(contract_id)
        out: list[StaleResult] = []
        for record in uow.repo(ResultRecords).latest_of_contract(contract_id):
            if record.service_level_id not in known:
                continue  # a level the amendment removed: nothing to measure again
            source = contract.service_level(record.service_level_id).source
            if source not in batches:
                batches[source] = _committed_batches(app, contract_id, source)
            freshness = freshness_of(
                uow,
                record,
                contract=contract,
                contract_version=stored.version,
                batches=batches[source],
                approved=approved,
                closed=closed,
                effects=effects,
            )
            if not freshness.current:
                out.append(StaleResult(record.service_level_id, record.period, freshness))
    return out


def refresh_results(
    app: Any, *, actor: Actor, contract_id: str, periods: Sequence[str] | None = None
) -> list[str]:
    """Measure again every open period holding an out-of-date result (or only ``periods``
    among them); returns the periods measured. Closed periods are left frozen."""
    from servicepact.services.evaluation import evaluate_periods

    actor.require_write("measure results again")
    stale = stale_results(app, actor=actor, contract_id=contract_id)
    labels = sorted({s.period for s in stale if not s.freshness.closed})
    if periods is not None:
        labels = [label for label in labels if label in set(periods)]
    if labels:
        evaluate_periods(app, actor=actor, contract_id=contract_id, period_labels=labels)
    return labels


def remeasure_after_change(app: Any, *, actor: Actor, contract_id: str) -> list[str]:
    """After a load, an approved exclusion or an amendment: measure the affected open months
    again. The change itself stands whatever happens here; when measuring fails (a period the
    contract no longer covers, say) the result pages say the month is out of date instead."""
    if not getattr(app.settings, "remeasure_on_change", True):
        return []
    try:
        return refresh_results(app, actor=actor, contract_id=contract_id)
    except DomainError as error:
        _log.warning("results not measured again after a change: %s", error)
        return []


def cached_stale_results(app: Any, *, actor: Actor, contract_id: str) -> list[StaleResult]:
    """``stale_results``, read once per actor, contract and state of the data: loads,
    approvals and amendments are audited, so each moves the audit head the cache keys on."""
    from servicepact.services.view_cache import cached

    found = cached(
        app,
        actor=actor,
        name="stale_results",
        args=(contract_id,),
        compute=lambda: tuple(stale_results(app, actor=actor, contract_id=contract_id)),
    )
    return list(found)
