"""Evaluating several periods in one call: one read of the events, the same results as
evaluating month by month, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.errors import InvalidInput
from servicepact.domain.results import ResultStatus
from servicepact.services.evaluation import evaluate_period, evaluate_periods
from servicepact.store.db.tables.evaluation import sl_results

CONTRACT = "acme-cs-2026"
APRIL_2 = datetime(2026, 4, 2, tzinfo=UTC)


def _stored_rows(app: App) -> int:
    with app.uow(read_only=True) as uow:
        return len(uow.connection.execute(sl_results.select()).all())


def test_many_periods_give_the_results_of_one_period_at_a_time(
    app_with_calls: App, client_manager: Actor
) -> None:
    labels = ["2026-02", "2026-03", "2026-04"]
    together = evaluate_periods(
        app_with_calls,
        actor=client_manager,
        contract_id=CONTRACT,
        period_labels=labels,
        now=APRIL_2,
    )
    # February has no calls (insufficient data), March 15/20 = 0.75 (below expected),
    # April is running on 2 April with no calls yet.
    by_period = {r.period: r for r in together}
    assert sorted(by_period) == labels
    assert by_period["2026-03"].status is ResultStatus.BELOW_EXPECTED
    assert (by_period["2026-03"].numerator, by_period["2026-03"].denominator) == (15, 20)
    assert by_period["2026-04"].running
    assert _stored_rows(app_with_calls) == 3

    one_by_one = [
        r
        for label in labels
        for r in evaluate_period(
            app_with_calls,
            actor=client_manager,
            contract_id=CONTRACT,
            period_label=label,
            now=APRIL_2,
        )
    ]
    assert one_by_one == [by_period[label] for label in labels]
    # identical inputs (same inputs hashes): nothing new is stored
    assert _stored_rows(app_with_calls) == 3


def test_one_bad_period_label_refuses_the_whole_call_and_stores_nothing(
    app_with_calls: App, client_manager: Actor
) -> None:
    with pytest.raises(InvalidInput) as raised:
        evaluate_periods(
            app_with_calls,
            actor=client_manager,
            contract_id=CONTRACT,
            period_labels=["2026-03", "2026-13"],
            now=APRIL_2,
        )
    assert [p.value for p in raised.value.problems] == ["2026-13"]
    assert _stored_rows(app_with_calls) == 0


def test_no_period_labels_evaluate_nothing(app_with_calls: App, client_manager: Actor) -> None:
    assert (
        evaluate_periods(
            app_with_calls, actor=client_manager, contract_id=CONTRACT, period_labels=[]
        )
        == []
    )
    assert _stored_rows(app_with_calls) == 0
