"""Evaluation use cases: measure stored contracts against the event store, keep the results,
and the exclusion (waiver) workflow.

* ``evaluate_periods`` (``evaluate_period`` for one) reads the current version of
  every event of the contract's sources once, evaluates every service level
  measured in those kinds of period, and stores each result with the contract
  version, the batches read and the inputs hash. Each period is measured under the
  contract version that governs it (``contracts.governing_version``: an amendment
  applies from its effective month, earlier months keep the previous terms).
  Re-evaluating identical inputs stores nothing new; changed inputs add the next
  version (older versions stay readable). A closed period is refused.
* ``request_exclusion`` (vendor or client), ``approve_exclusion`` and
  ``reject_exclusion`` (client only) — each audited. Only approved exclusions
  change results, from the next evaluation on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from servicepact.domain.access import Actor, Role
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import AccessDenied, Conflict, InvalidInput, NotFound, Problem
from servicepact.domain.exclusions import Exclusion, ExclusionReason, ExclusionStatus
from servicepact.domain.periods import Period, parse_period
from servicepact.domain.results import ServiceLevelResult
from servicepact.services._contracts import StoredContract, get_contract, governing_version
from servicepact.services._open_periods import ensure_open
from servicepact.services._scale_out import evaluate_stored
from servicepact.services.ports import Ports
from servicepact.services.scale_out import EngineChoice, choose_engine
from servicepact.services.view_cache import cached
from servicepact.store.db.evaluation import ExclusionRepository, ResultRepository, result_to_json

T = TypeVar("T")

MAX_NOTE = 2000
MAX_EVENT_IDS = 10_000  # a waiver lists events one by one; beyond this, exclude the period


# --- exclusions -----------------------------------------------------------------------------


def list_exclusions(
    app: Ports, *, actor: Actor, contract_id: str, status: ExclusionStatus | None = None
) -> list[Exclusion]:
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)  # access: raises when not visible
        return uow.repo(ExclusionRepository).of_contract(contract_id, status=status)


def request_exclusion(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    source: str,
    reason: ExclusionReason,
    service_level_id: str | None = None,
    event_ids: Sequence[str] = (),
    period: str | None = None,
    note: str = "",
) -> Exclusion:
    """A vendor (or the client) asks to exclude events or a whole period; audited."""
    actor.require_write("request exclusions")
    if actor.role is Role.BROKER:
        raise AccessDenied("broker users cannot request exclusions")
    problems: list[Problem] = []
    if len(note) > MAX_NOTE:
        problems.append(Problem("note", f"is longer than {MAX_NOTE} characters"))
    if len(event_ids) > MAX_EVENT_IDS:
        problems.append(
            Problem("event_ids", f"lists more than {MAX_EVENT_IDS:,} events; exclude the period")
        )
    with app.uow() as uow:
        stored = get_contract(uow, actor=actor, contract_id=contract_id)
        contract = stored.contract
        problems += _scope_problems(contract, contract_id, source, service_level_id)
        if period is not None:
            try:
                period = parse_period(period, term=contract.term).label
            except ValueError as error:
                problems.append(Problem("period", str(error), value=period))
        if problems:
            raise InvalidInput(problems)
        try:
            exclusion = Exclusion(
                id=f"EX-{uuid.uuid4().hex[:12]}",
                contract_id=contract_id,
                source=source,
                service_level_id=service_level_id,
                event_ids=tuple(event_ids),
                period=period,
                reason=reason,
                note=note,
                requested_by=actor.user,
                requested_at=uow.now(),
            )
        except ValueError as error:
            raise InvalidInput([Problem("exclusion", str(error).splitlines()[-1])]) from None
        uow.repo(ExclusionRepository).add(exclusion)
        uow.record(
            actor=actor,
            entity_type="exclusion",
            entity_id=exclusion.id,
            action="request",
            after={
                "contract_id": contract_id,
                "source": source,
                "service_level_id": service_level_id,
                "events": len(exclusion.event_ids),
                "period": period,
                "reason": reason.value,
            },
        )
    return exclusion


def _scope_problems(
    contract: Contract, contract_id: str, source: str, service_level_id: str | None
) -> list[Problem]:
    """What is wrong with the source (and service level) an exclusion is asked for."""
    problems: list[Problem] = []
    sources = {sl.source for sl in contract.service_levels}
    if source not in sources:
        problems.append(
            Problem("source", f"no service level of {contract_id} reads {source!r}", value=source)
        )
    if service_level_id is not None:
        try:
            sl = contract.service_level(service_level_id)
            if sl.source != source:
                problems.append(
                    Problem("service_level_id", f"{sl.id} reads {sl.source!r}, not {source!r}")
                )
        except KeyError:
            problems.append(
                Problem(
                    "service_level_id",
                    "is not a service level of the contract",
                    value=service_level_id,
                )
            )
    return problems


def _decide(
    app: Ports, *, actor: Actor, exclusion_id: str, status: ExclusionStatus, note: str
) -> Exclusion:
    actor.require_client(
        f"{'approve' if status is ExclusionStatus.APPROVED else 'reject'} exclusions"
    )
    if len(note) > MAX_NOTE:
        raise InvalidInput([Problem("note", f"is longer than {MAX_NOTE} characters")])
    with app.uow() as uow:
        exclusions = uow.repo(ExclusionRepository)
        found = exclusions.get(exclusion_id)
        if found is None:
            raise NotFound(f"no exclusion {exclusion_id!r}", where=exclusion_id)
        get_contract(uow, actor=actor, contract_id=found.contract_id)
        if found.status is not ExclusionStatus.REQUESTED:
            raise Conflict(
                f"exclusion {exclusion_id} is already {found.status.value}", where=exclusion_id
            )
        exclusions.decide(exclusion_id, status=status, by=actor.user, at=uow.now(), note=note)
        uow.record(
            actor=actor,
            entity_type="exclusion",
            entity_id=exclusion_id,
            action=status.value,
            before={"status": found.status.value},
            after={"status": status.value, "note": note},
        )
        updated = exclusions.get(exclusion_id)
    assert updated is not None  # decided in this unit of work
    return updated


def approve_exclusion(app: Ports, *, actor: Actor, exclusion_id: str, note: str = "") -> Exclusion:
    """The client approves a requested exclusion; the open months it reaches are measured
    again at once (services/freshness.py)."""
    decided = _decide(
        app, actor=actor, exclusion_id=exclusion_id, status=ExclusionStatus.APPROVED, note=note
    )
    from servicepact.services.freshness import remeasure_after_change

    remeasure_after_change(app, actor=actor, contract_id=decided.contract_id)
    return decided


def reject_exclusion(app: Ports, *, actor: Actor, exclusion_id: str, note: str = "") -> Exclusion:
    return _decide(
        app, actor=actor, exclusion_id=exclusion_id, status=ExclusionStatus.REJECTED, note=note
    )


# --- evaluation -----------------------------------------------------------------------------


def evaluate_period(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    period_label: str,
    now: datetime | None = None,
) -> list[ServiceLevelResult]:
    """Evaluate the stored contract for one period and store the results (see module doc)."""
    return evaluate_periods(
        app, actor=actor, contract_id=contract_id, period_labels=[period_label], now=now
    )


def evaluate_periods(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    period_labels: Sequence[str],
    now: datetime | None = None,
    engine: str | EngineChoice | None = None,
    spark_master: str | None = None,
) -> list[ServiceLevelResult]:
    """Evaluate the stored contract for several periods and store the results.

    ``engine`` (default: the ``engine`` setting) computes in this process (``local``) or
    on Apache Spark (``spark``, on ``spark_master`` or the ``spark_master`` setting): the
    same results either way (docs/scale-out.md).

    Each source is read from the event store once, and each service level cuts
    its events into all of its periods in one pass, so a year of months costs
    about what one month does. The results are the ones ``evaluate_period``
    gives period by period (same values, same inputs hashes). Every label is
    checked first, and any closed period refuses the whole call: nothing is
    evaluated or stored then.
    """
    actor.require_write("evaluate service levels")
    moment = now or app.now()
    with app.uow(read_only=True) as uow:
        stored = get_contract(uow, actor=actor, contract_id=contract_id)
        contract = stored.contract
        effects = uow.contracts.effects(contract_id)
        unique = _named_periods(contract, period_labels)
        for period in unique:
            ensure_open(
                uow, contract_id=contract_id, period=period.label, doing="evaluating it again"
            )
        waivers = uow.repo(ExclusionRepository).of_contract(contract_id)
        by_version: dict[int, list[Period]] = {}
        for period in unique:
            by_version.setdefault(governing_version(effects, period.label), []).append(period)
        governing = {
            version: get_contract(uow, actor=actor, contract_id=contract_id, version=version)
            for version in by_version
        }
    choice = choose_engine(getattr(app, "settings", None), engine=engine, spark_master=spark_master)
    measured = [
        _measure_version(
            app, stored=governing[version], periods=periods_of_version, waivers=waivers,
            moment=moment, choice=choice,
        )
        for version, periods_of_version in sorted(by_version.items())
    ]  # fmt: skip
    # Stored only now, after every computation returned: a failed Spark job stores nothing.
    results: list[ServiceLevelResult] = []
    for version in measured:
        if version is None:
            continue
        _store(
            app,
            actor=actor,
            results=version.results,
            batches=version.batches,
            contract=version.contract,
            measured_at=moment,
            waivers=waivers,
            committed=version.committed,
        )
        results += version.results
    return results


@dataclass(frozen=True)
class _Measured:
    """What one contract version's periods measured, before it is stored."""

    contract: Contract
    results: list[ServiceLevelResult]
    batches: dict[str, list[str]]
    committed: dict[str, list[str]]


def _measure_version(
    app: Ports,
    *,
    stored: StoredContract,
    periods: Sequence[Period],
    waivers: Sequence[Exclusion],
    moment: datetime,
    choice: EngineChoice,
) -> _Measured | None:
    """Measure the periods one contract version governs (nothing stored)."""
    contract = stored.contract
    contract_id = contract.id
    unique = list(periods)
    if not unique:
        return None
    kinds = {p.kind for p in unique}
    store = app.event_store.with_types(contract.declared_event_types)
    sources = sorted({sl.source for sl in contract.service_levels if sl.period in kinds})
    # The committed batches first: whatever is read below is made of these (freshness rule).
    committed = {
        source: sorted(
            ref.batch_id for ref in store.batches(contract_id=contract_id, source=source)
        )
        for source in sources
    }
    evaluated = evaluate_stored(
        store,
        choice,
        contract_id=contract_id,
        contract=contract,
        sources=sources,
        periods=unique,
        exclusions=waivers,
        now=moment,
        contract_version=stored.version,
    )
    return _Measured(contract, evaluated.results, evaluated.batches, committed)


def _named_periods(contract: Contract, period_labels: Sequence[str]) -> list[Period]:
    """The periods named, each once, in the order first named; any label that is not a
    period of the contract's term (or lies after its termination) refuses them all."""
    periods = []
    problems: list[Problem] = []
    for label in period_labels:
        try:
            period = parse_period(label, term=contract.term)
        except ValueError as error:
            problems.append(Problem("period", str(error), value=label))
            continue
        refused = contract.after_termination(period.start)
        if refused is not None:
            problems.append(Problem("period", f"{period.label} {refused}", value=label))
            continue
        periods.append(period)
    if problems:
        raise InvalidInput(problems)
    return list({p.label: p for p in periods}.values())


def _store(
    app: Ports,
    *,
    actor: Actor,
    results: Sequence[ServiceLevelResult],
    batches: dict[str, list[str]],
    contract: Any,
    measured_at: datetime | None = None,
    waivers: Sequence[Exclusion] = (),
    committed: dict[str, list[str]] | None = None,
) -> None:
    sources = {sl.id: sl.source for sl in contract.service_levels}
    with app.uow() as uow:
        stored: list[str] = []
        repository = uow.repo(ResultRepository)
        for result in results:
            added = repository.add(
                result,
                document=_with_inputs(
                    result_to_json(result),
                    result,
                    contract,
                    measured_at,
                    waivers,
                    (committed or {}).get(sources[result.service_level_id]),
                ),
                batches=batches.get(sources[result.service_level_id], []),
                at=uow.now(),
                by=actor.user,
            )
            if not added:
                continue  # identical inputs: the stored result stands
            stored.append(f"{result.service_level_id}/{result.period}")
        if stored:
            uow.record(
                actor=actor,
                entity_type="sl_results",
                entity_id=results[0].contract_id,
                action="evaluate",
                after={"stored": stored},
            )


def _with_inputs(
    document: dict[str, Any],
    result: ServiceLevelResult,
    contract: Any,
    measured_at: datetime | None,
    waivers: Sequence[Exclusion],
    committed: list[str] | None = None,
) -> dict[str, Any]:
    """What the drill-down and the freshness check need to know of the inputs: the approved
    exclusions that reached the result, the batches committed when it was read (a batch
    whose rows were all replaced by a later one is among them, not among ``batches``), and
    for a running period the instant it was measured up to (services/drilldown.py,
    services/freshness.py)."""
    if committed is not None:
        document["batches_committed"] = committed
    sl = contract.service_level(result.service_level_id)
    document["exclusions_seen"] = sorted(
        e.id
        for e in waivers
        if e.approved
        and e.applies_to(source=sl.source, service_level_id=sl.id)
        and (e.period is None or e.covers_period(result.period))
    )
    if result.running and measured_at is not None:
        document["measured_until"] = measured_at.isoformat()
    return document


def cached_list_results(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    period: str | None = None,
    present: Callable[[ServiceLevelResult], T] | None = None,
    state: int | None = None,
) -> list[T]:
    """``list_results`` (each passed through ``present``, e.g. the API's conversion), read once
    per actor, contract, period and state of the data (the audit trail's head: every write
    moves it, in whichever process it was made)."""
    shown: Callable[[ServiceLevelResult], Any] = present or (lambda result: result)
    # the year to date grows with the month: it is read again when a month begins
    month = app.now().strftime("%Y-%m") if period is not None and "YTD" in period else None
    found = cached(
        app,
        actor=actor,
        name="results",
        args=(contract_id, period, month, present),
        compute=lambda: tuple(
            shown(r) for r in list_results(app, actor=actor, contract_id=contract_id, period=period)
        ),
        state=state,
    )
    return list(found)


def list_results(
    app: Ports, *, actor: Actor, contract_id: str, period: str | None = None
) -> list[ServiceLevelResult]:
    """The latest stored result per service level and period, for those who may see the contract;
    with ``period`` (any form of services/period_reports.py), those of the periods inside it."""
    if period is not None:
        # a quarter, a year, the year to date: the measured periods inside it
        from servicepact.services.period_reports import results_in

        return results_in(app, actor=actor, contract_id=contract_id, period=period)
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        return uow.repo(ResultRepository).latest(contract_id, period)


def evaluate_named(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    period: str,
    now: datetime | None = None,
    field: str = "period",
) -> list[ServiceLevelResult]:
    """Measure and store what a named period holds (``period_reports.plan``): a month as
    named, a quarter or a year through its begun measured periods, where a closed month stands
    as stored. The results of them all, in contract order."""
    from servicepact.services._open_periods import closed_months
    from servicepact.services.period_reports import plan

    moment = now or app.now()
    with app.uow(read_only=True) as uow:
        contract = get_contract(uow, actor=actor, contract_id=contract_id).contract
        closed = set(closed_months(uow, contract_id))
    measured, reports = plan([period], contract, now=moment, field=field)
    if not reports:  # one month: measured as named (a closed month is refused)
        return evaluate_periods(
            app, actor=actor, contract_id=contract_id, period_labels=measured, now=moment
        )
    fresh = evaluate_periods(
        app,
        actor=actor,
        contract_id=contract_id,
        period_labels=[label for label in measured if label not in closed],
        now=moment,
    )
    seen = {(r.service_level_id, r.period) for r in fresh}
    with app.uow(read_only=True) as uow:
        kept = [
            r
            for r in uow.repo(ResultRepository).latest_of_periods(
                contract_id, sorted(closed & set(measured))
            )
            if (r.service_level_id, r.period) not in seen
        ]
    order = {sl.id: i for i, sl in enumerate(contract.service_levels)}
    return sorted(
        [*fresh, *kept],
        key=lambda r: (order.get(r.service_level_id, len(order)), r.period_start, r.period),
    )
