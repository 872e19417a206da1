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

from servicepact.domain.access import Actor
from servicepact.domain.errors import DomainError
from servicepact.services import _freshness
from servicepact.services._freshness import Freshness, committed_batches, current_state
from servicepact.services._freshness import StaleReason as StaleReason
from servicepact.services.ports import Ports
from servicepact.store.db.result_records import ResultRecords

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaleResult:
    service_level_id: str
    period: str
    freshness: Freshness


def stale_results(app: Ports, *, actor: Actor, contract_id: str) -> list[StaleResult]:
    """Every stored result of the contract that is out of date (closed months included)."""
    from servicepact.services._contracts import get_contract

    with app.uow(read_only=True) as uow:
        stored = get_contract(uow, actor=actor, contract_id=contract_id)
        contract = stored.contract
        known = {sl.id for sl in contract.service_levels}
        batches: dict[str, set[str]] = {}
        approved, closed = current_state(uow, contract_id)
        effects = uow.contracts.effects(contract_id)
        out: list[StaleResult] = []
        for record in uow.repo(ResultRecords).latest_of_contract(contract_id):
            if record.service_level_id not in known:
                continue  # a level the amendment removed: nothing to measure again
            source = contract.service_level(record.service_level_id).source
            if source not in batches:
                batches[source] = committed_batches(app, contract_id, source)
            freshness = _freshness.freshness_of(
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
    app: Ports, *, actor: Actor, contract_id: str, periods: Sequence[str] | None = None
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


def remeasure_after_change(app: Ports, *, actor: Actor, contract_id: str) -> list[str]:
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


def cached_stale_results(app: Ports, *, actor: Actor, contract_id: str) -> list[StaleResult]:
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
