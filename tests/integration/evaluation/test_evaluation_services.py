"""Evaluation against the event store, stored results and the exclusion workflow, through the
services, on SQLite and PostgreSQL.

alice manages the contract for the client; bob works for vendor helpco; charlie for otherco.
"""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

import pytest

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.errors import AccessDenied, Conflict, NotFound
from servicepact.domain.exclusions import ExclusionReason, ExclusionStatus
from servicepact.domain.results import ResultStatus
from servicepact.services.evaluation import (
    approve_exclusion,
    evaluate_period,
    list_exclusions,
    list_results,
    reject_exclusion,
    request_exclusion,
)

CONTRACT = "acme-cs-2026"
APRIL_2 = datetime(2026, 4, 2, tzinfo=UTC)


@pytest.fixture
def loaded(app_with_calls: App) -> App:
    """The contract (expected 0.80, minimum 0.75) with 15 of 20 March calls in time."""
    return app_with_calls


def test_evaluating_stores_results_and_identical_inputs_store_nothing_new(
    loaded: App, client_manager: Actor
) -> None:
    # 15/20 = 0.75 = minimum → below expected
    results = evaluate_period(
        loaded, actor=client_manager, contract_id=CONTRACT, period_label="2026-03", now=APRIL_2
    )
    assert [(r.numerator, r.denominator, r.status) for r in results] == [
        (15, 20, ResultStatus.BELOW_EXPECTED)
    ]
    again = evaluate_period(
        loaded, actor=client_manager, contract_id=CONTRACT, period_label="2026-03", now=APRIL_2
    )
    assert again[0].inputs_hash == results[0].inputs_hash
    stored = list_results(loaded, actor=client_manager, contract_id=CONTRACT)
    assert stored == results
    from servicepact.store.db.tables.evaluation import sl_results

    with loaded.uow(read_only=True) as uow:
        assert uow.connection.execute(sl_results.select()).all().__len__() == 1


def test_results_are_scoped_to_who_may_see_the_contract(
    loaded: App, client_manager: Actor, vendor_a: Actor, vendor_b: Actor
) -> None:
    evaluate_period(
        loaded, actor=client_manager, contract_id=CONTRACT, period_label="2026-03", now=APRIL_2
    )
    assert len(list_results(loaded, actor=vendor_a, contract_id=CONTRACT, period="2026-03")) == 1
    with pytest.raises((AccessDenied, NotFound)):
        list_results(loaded, actor=vendor_b, contract_id=CONTRACT)


def test_an_approved_exclusion_changes_the_next_evaluation_and_is_audited(
    loaded: App, client_manager: Actor, vendor_a: Actor
) -> None:
    # excluding 2 late calls: 15/18 = 0.8333 → met (expected 0.80)
    waiver = request_exclusion(
        loaded,
        actor=vendor_a,
        contract_id=CONTRACT,
        source="calls",
        service_level_id="SL-01",
        event_ids=["C015", "C016"],
        reason=ExclusionReason.CLIENT_CAUSED,
        note="IVR outage on the client's side",
    )
    assert waiver.status is ExclusionStatus.REQUESTED
    pending = evaluate_period(
        loaded, actor=client_manager, contract_id=CONTRACT, period_label="2026-03", now=APRIL_2
    )
    assert pending[0].excluded == 0
    with pytest.raises(AccessDenied):
        approve_exclusion(loaded, actor=vendor_a, exclusion_id=waiver.id)
    approved = approve_exclusion(loaded, actor=client_manager, exclusion_id=waiver.id)
    assert approved.status is ExclusionStatus.APPROVED
    assert approved.decided_by == "alice"
    with pytest.raises(Conflict):
        reject_exclusion(loaded, actor=client_manager, exclusion_id=waiver.id)
    result = evaluate_period(
        loaded, actor=client_manager, contract_id=CONTRACT, period_label="2026-03", now=APRIL_2
    )[0]
    assert (result.numerator, result.denominator, result.excluded) == (15, 18, 2)
    assert result.value == Fraction(15, 18)
    assert result.status is ResultStatus.MET
    latest = list_results(loaded, actor=client_manager, contract_id=CONTRACT, period="2026-03")
    assert latest[0].excluded == 2
    with loaded.uow(read_only=True) as uow:
        actions = [e.action for e in uow.audit.iter_entries() if e.entity_type == "exclusion"]
    assert actions == ["request", "approved"]


def test_a_rejected_exclusion_is_listed_and_changes_nothing(
    loaded: App, client_manager: Actor, vendor_a: Actor
) -> None:
    waiver = request_exclusion(
        loaded, actor=vendor_a, contract_id=CONTRACT, source="calls", period="2026-03",
        reason=ExclusionReason.FORCE_MAJEURE,
    )  # fmt: skip
    reject_exclusion(loaded, actor=client_manager, exclusion_id=waiver.id, note="not force majeure")
    listed = list_exclusions(loaded, actor=vendor_a, contract_id=CONTRACT)
    assert [(e.id, e.status) for e in listed] == [(waiver.id, ExclusionStatus.REJECTED)]
    result = evaluate_period(
        loaded, actor=client_manager, contract_id=CONTRACT, period_label="2026-03", now=APRIL_2
    )[0]
    assert result.excluded == 0
