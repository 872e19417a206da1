"""An amendment never re-measures the past silently (issue: an amendment moved CC-01 of March
to 82 % while no month was closed). Applying it to a contract with measured months names the
months and needs ``effective_from`` (earlier months keep the previous terms) or
``remeasure_from`` (the user accepts that those months are measured again).

March: 20 calls on 10 March, 15 answered after 10 s and 5 after 60 s. Version 1 targets
20 s: 15/20 = 0.75 (below the expected 0.80). The amendment targets 70 s: 20/20 = 1.
April: 4 calls on 7 April, all answered after 60 s: 0/4 under version 1, 4/4 under 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import pytest
import sqlalchemy as sa
from evaluation_fixtures import contract_document

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor
from servicepact.domain.errors import InvalidInput
from servicepact.services.contracts import (
    AmendmentChangesResults,
    apply_contract,
    get_contract,
)
from servicepact.services.evaluation import evaluate_period, list_results
from servicepact.services.freshness import remeasure_after_change, stale_results
from servicepact.services.loads import load_rows

CONTRACT = "acme-cs-2026"
MAY_2 = datetime(2026, 5, 2, tzinfo=UTC)


def amended(current: ContractDocument) -> ContractDocument:
    """Version 1's contract with the answer target raised from 20 s to 70 s."""
    data = current.contract.model_dump(mode="json", exclude_none=True)
    data["service_levels"][0]["params"] = {"seconds": 70}
    return contract_document(data)


def april_calls() -> list[dict[str, str]]:
    return [
        {
            "id": f"A{i}",
            "offered_at": f"2026-04-07T10:0{i}:00+09:00",
            "answered_at": f"2026-04-07T10:0{i + 1}:00+09:00",
        }
        for i in range(4)
    ]


@pytest.fixture
def measured(app_with_calls: App, client_manager: Actor, vendor_a: Actor, clock: Any) -> App:
    clock.now = MAY_2
    load_rows(app_with_calls, actor=vendor_a, contract_id=CONTRACT, source="calls",
              rows=april_calls())  # fmt: skip
    evaluate_period(
        app_with_calls, actor=client_manager, contract_id=CONTRACT, period_label="2026-03",
        now=MAY_2,
    )  # fmt: skip
    return app_with_calls


def results(app: App, actor: Actor) -> dict[str, tuple[int, Fraction | int | None]]:
    return {
        r.period: (r.contract_version, r.value)
        for r in list_results(app, actor=actor, contract_id=CONTRACT)
    }


@pytest.fixture
def amendment(make_contract_document: Callable[..., ContractDocument]) -> ContractDocument:
    return amended(make_contract_document())


def apply(app: App, actor: Actor, document: ContractDocument, **options: str) -> Any:
    return apply_contract(app, actor=actor, document=document, **options)


def test_an_amendment_without_a_month_is_refused_naming_the_months_and_their_results(
    measured: App, client_manager: Actor, amendment: ContractDocument
) -> None:
    with pytest.raises(AmendmentChangesResults) as caught:
        apply(measured, client_manager, amendment)
    message = str(caught.value)
    assert "measured months 2026-03; their results now:" in message
    assert "\n  2026-03 (version 1): SL-01 0.7500 (below_expected)" in message
    assert "--effective-from 2026-04" in message  # the month after the last measured one
    assert "--remeasure-from 2026-03" in message
    assert [m.period for m in caught.value.months] == ["2026-03"]
    # nothing stored: still version 1, March unchanged
    with measured.uow(read_only=True) as uow:
        assert uow.contracts.version_numbers(CONTRACT) == [1]
    assert results(measured, client_manager) == {"2026-03": (1, Fraction(3, 4))}


def test_effective_from_keeps_earlier_months_on_the_previous_terms(
    measured: App, client_manager: Actor, amendment: ContractDocument
) -> None:
    outcome = apply(measured, client_manager, amendment, effective_from="2026-04")
    assert (outcome.version, outcome.effective_from, outcome.remeasured) == (2, "2026-04", ())
    stored = [
        get_contract(measured, actor=client_manager, contract_id=CONTRACT, version=v)
        for v in (1, 2)
    ]
    assert [s.effective_from for s in stored] == [None, "2026-04"]
    # March is governed by version 1 still: current, not measured again
    assert stale_results(measured, actor=client_manager, contract_id=CONTRACT) == []
    assert remeasure_after_change(measured, actor=client_manager, contract_id=CONTRACT) == []
    # measuring March again keeps version 1's 20 s target; April is measured under version 2
    evaluate_period(measured, actor=client_manager, contract_id=CONTRACT, period_label="2026-03",
                    now=MAY_2)  # fmt: skip
    evaluate_period(measured, actor=client_manager, contract_id=CONTRACT, period_label="2026-04",
                    now=MAY_2)  # fmt: skip
    assert results(measured, client_manager) == {
        "2026-03": (1, Fraction(3, 4)),
        "2026-04": (2, 1),
    }


def test_an_effective_month_at_or_before_a_measured_one_is_refused(
    measured: App, client_manager: Actor, amendment: ContractDocument
) -> None:
    with pytest.raises(AmendmentChangesResults) as caught:
        apply(measured, client_manager, amendment, effective_from="2026-03")
    assert "--remeasure-from 2026-03" in str(caught.value)
    assert "--effective-from 2026-04" in str(caught.value)


def test_remeasure_from_names_the_months_and_measures_them_again_audited(
    measured: App, client_manager: Actor, amendment: ContractDocument
) -> None:
    outcome = apply(measured, client_manager, amendment, remeasure_from="2026-03")
    assert (outcome.version, outcome.effective_from, outcome.remeasured) == (
        2,
        "2026-03",
        ("2026-03",),
    )
    assert remeasure_after_change(measured, actor=client_manager, contract_id=CONTRACT) == [
        "2026-03"
    ]
    assert results(measured, client_manager) == {"2026-03": (2, 1)}  # 20/20 within 70 s
    with measured.uow(read_only=True) as uow:
        after = uow.connection.execute(
            sa.text("SELECT after FROM audit_log WHERE action = 'amend'")
        ).scalar_one()
    entry = json.loads(after) if isinstance(after, str) else after
    assert (entry["effective_from"], entry["remeasured"]) == ("2026-03", ["2026-03"])


def test_both_options_at_once_are_refused(
    measured: App, client_manager: Actor, amendment: ContractDocument
) -> None:
    with pytest.raises(InvalidInput, match="not both"):
        apply(
            measured, client_manager, amendment, effective_from="2026-04", remeasure_from="2026-03"
        )


def test_a_contract_with_no_measured_month_is_amended_as_before(
    app_with_calls: App, client_manager: Actor, amendment: ContractDocument
) -> None:
    outcome = apply(app_with_calls, client_manager, amendment)
    assert (outcome.version, outcome.effective_from) == (2, None)


# --- views over months governed by different versions ------------------------------------------


@pytest.fixture
def amended_from_april(measured: App, client_manager: Actor, amendment: ContractDocument) -> App:
    """Version 2 (70 s) governs from April; March stays under version 1 (20 s); both measured."""
    apply(measured, client_manager, amendment, effective_from="2026-04")
    evaluate_period(measured, actor=client_manager, contract_id=CONTRACT, period_label="2026-04",
                    now=MAY_2)  # fmt: skip
    return measured


def test_a_quarter_before_the_amendment_is_read_under_the_version_governing_it(
    amended_from_april: App, client_manager: Actor
) -> None:
    from servicepact.services.period_reports import compliance

    _, (sl,) = compliance(
        amended_from_april, actor=client_manager, contract_id=CONTRACT, period="2026-Q1",
        now=MAY_2,
    )  # fmt: skip
    # version 1's 20 s over the quarter's 20 calls (all on 10 March): 15/20, not 20/20
    assert (sl.value, sl.numerator, sl.denominator, sl.not_aggregated) == (
        Fraction(3, 4), 15, 20, None,
    )  # fmt: skip
    assert [(r.period, r.contract_version) for r in sl.results] == [("2026-03", 1)]


def test_a_period_spanning_an_amendment_that_changes_the_level_is_not_aggregated(
    amended_from_april: App, client_manager: Actor
) -> None:
    from servicepact.domain.results import ResultStatus
    from servicepact.services.period_reports import compliance

    _, (sl,) = compliance(
        amended_from_april, actor=client_manager, contract_id=CONTRACT, period="2026",
        now=MAY_2,
    )  # fmt: skip
    # each month stands under its own version: March 15/20 (v1, below), April 4/4 (v2, met)
    assert [(r.period, r.contract_version, r.value) for r in sl.results] == [
        ("2026-03", 1, Fraction(3, 4)),
        ("2026-04", 2, 1),
    ]
    assert (sl.count(ResultStatus.MET), sl.count(ResultStatus.BELOW_EXPECTED)) == (1, 1)
    # no single target pools 20 s and 70 s calls honestly: 24/24 under version 2 was wrong
    assert sl.value is None
    assert sl.numerator is None
    assert sl.not_aggregated is not None
    assert "the contract changed within the period (versions 1 and 2" in sl.not_aggregated


def test_an_amendment_that_leaves_the_level_alone_pools_the_period(
    measured: App, client_manager: Actor, make_contract_document: Callable[..., ContractDocument]
) -> None:
    from servicepact.services.period_reports import compliance

    renamed = make_contract_document(name="Customer contact centre (renamed)")
    apply(measured, client_manager, renamed, effective_from="2026-04")
    _, (sl,) = compliance(
        measured, actor=client_manager, contract_id=CONTRACT, period="2026", now=MAY_2
    )
    # the same 20 s under both versions: March 15/20 and April 0/4 pool to 15/24
    assert (sl.value, sl.numerator, sl.denominator, sl.not_aggregated) == (
        Fraction(5, 8), 15, 24, None,
    )  # fmt: skip
