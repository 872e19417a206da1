"""The drill-down of a stored result and results kept current, through the services, on
SQLite and PostgreSQL.

alice manages the contract for the client; bob works for vendor helpco; charlie for otherco.
March: 20 calls on 10 March, 15 answered after 10 s and 5 after 60 s (target 20 s).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor
from servicepact.domain.errors import InvalidInput, NotFound
from servicepact.domain.exclusions import ExclusionReason
from servicepact.services.contracts import apply_contract
from servicepact.services.drilldown import iter_result_events, result_events
from servicepact.services.evaluation import (
    approve_exclusion,
    evaluate_period,
    list_results,
    request_exclusion,
)
from servicepact.services.freshness import StaleReason, stale_results
from servicepact.services.loads import load_rows

CONTRACT = "acme-cs-2026"
APRIL_2 = datetime(2026, 4, 2, tzinfo=UTC)


@pytest.fixture
def measured(app_with_calls: App, client_manager: Actor, clock: Any) -> App:
    clock.now = APRIL_2  # March is over: measuring it again measures it whole
    evaluate_period(
        app_with_calls,
        actor=client_manager,
        contract_id=CONTRACT,
        period_label="2026-03",
        now=APRIL_2,
    )
    return app_with_calls


def events(app: App, actor: Actor, **options: object) -> object:
    return result_events(
        app, actor=actor, contract_id=CONTRACT, service_level_id="SL-01", period="2026-03",
        **options,  # type: ignore[arg-type]
    )  # fmt: skip


def test_the_failing_calls_come_first_and_the_list_adds_up_to_the_stored_result(
    measured: App, client_manager: Actor
) -> None:
    page = events(measured, client_manager, per_page=4)
    assert page.result.numerator == 15
    assert page.result.denominator == 20
    assert page.totals == {"numerator": 15, "denominator": 20, "sample_size": 20}
    assert page.agrees
    assert page.freshness.current
    assert page.counts == {"failed": 5, "excluded": 0, "met": 15}
    assert (page.total, page.pages) == (20, 5)
    first = page.items[0]
    # C015 offered at 09:15:00, answered 09:16:00 Seoul time: 60 s against 20 s
    assert first["id"] == "C015"
    assert (first["outcome"], first["reason"]) == ("failed", "over_target")
    assert (first["measured"], first["target"], first["margin"]) == ("60", "20", "-40")
    assert first["counts_at"] == "2026-03-10T09:15:00+09:00"
    assert first["times"]["answered_at"] == "2026-03-10T09:16:00+09:00"
    assert [i["id"] for i in page.items] == ["C015", "C016", "C017", "C018"]
    met = events(measured, client_manager, outcome="met", page=4, per_page=4)
    assert [i["id"] for i in met.items] == ["C012", "C013", "C014"]
    assert {i["margin"] for i in met.items} == {"10"}
    assert page.breakdowns["day"] == [
        {"key": "2026-03-10", "failed": 5, "excluded": 0, "met": 15,
         "numerator": 15, "denominator": 20}
    ]  # fmt: skip


def test_a_vendor_sees_the_events_of_its_own_contract_only(
    measured: App, vendor_a: Actor, vendor_b: Actor
) -> None:
    assert events(measured, vendor_a).total == 20
    with pytest.raises(NotFound):
        events(measured, vendor_b)


def test_bad_requests_name_what_is_wrong(measured: App, client_manager: Actor) -> None:
    with pytest.raises(InvalidInput) as error:
        events(measured, client_manager, outcome="late", page=0)
    assert {p.where for p in error.value.problems} == {"outcome", "page"}
    with pytest.raises(NotFound, match="evaluate the period first"):
        result_events(
            measured, actor=client_manager, contract_id=CONTRACT, service_level_id="SL-01",
            period="2026-04",
        )  # fmt: skip
    with pytest.raises(NotFound, match="no service level"):
        result_events(
            measured, actor=client_manager, contract_id=CONTRACT, service_level_id="SL-99",
            period="2026-03",
        )  # fmt: skip


def test_an_approved_exclusion_measures_the_month_again_and_lists_the_excluded_calls(
    measured: App, client_manager: Actor, vendor_a: Actor
) -> None:
    waiver = request_exclusion(
        measured, actor=vendor_a, contract_id=CONTRACT, source="calls", service_level_id="SL-01",
        event_ids=["C015", "C016"], reason=ExclusionReason.CLIENT_CAUSED, note="IVR down",
    )  # fmt: skip
    # a request alone changes nothing
    assert events(measured, client_manager).freshness.current
    approve_exclusion(measured, actor=client_manager, exclusion_id=waiver.id)
    (result,) = list_results(measured, actor=client_manager, contract_id=CONTRACT)
    assert (result.numerator, result.denominator, result.excluded) == (15, 18, 2)
    page = events(measured, vendor_a, outcome="excluded")
    assert page.freshness.current
    assert page.agrees
    assert [i["id"] for i in page.items] == ["C015", "C016"]
    assert page.items[0]["exclusion"]["id"] == waiver.id
    assert page.counts == {"failed": 3, "excluded": 2, "met": 15}


def test_new_data_measures_the_month_again(
    measured: App, client_manager: Actor, vendor_a: Actor
) -> None:
    late = {"id": "C100", "offered_at": "2026-03-11T10:00:00+09:00",
            "answered_at": "2026-03-11T10:05:00+09:00"}  # fmt: skip
    load_rows(measured, actor=vendor_a, contract_id=CONTRACT, source="calls", rows=[late])
    (result,) = list_results(measured, actor=client_manager, contract_id=CONTRACT)
    assert (result.numerator, result.denominator) == (15, 21)
    page = events(measured, client_manager, outcome="failed")
    assert page.freshness.current
    assert "C100" in [i["id"] for i in page.items]


def test_without_automatic_measuring_the_page_says_the_result_is_out_of_date(
    measured: App, client_manager: Actor, vendor_a: Actor
) -> None:
    measured.settings.remeasure_on_change = False
    late = {"id": "C100", "offered_at": "2026-03-11T10:00:00+09:00",
            "answered_at": "2026-03-11T10:05:00+09:00"}  # fmt: skip
    load_rows(measured, actor=vendor_a, contract_id=CONTRACT, source="calls", rows=[late])
    page = events(measured, client_manager)
    assert not page.freshness.current
    assert page.freshness.reasons == (StaleReason.DATA_CHANGED,)
    # the list still explains the stored figure: it reads what the result read
    assert page.totals["denominator"] == 20
    assert page.agrees
    stale = stale_results(measured, actor=client_manager, contract_id=CONTRACT)
    assert [(s.service_level_id, s.period) for s in stale] == [("SL-01", "2026-03")]


def test_an_amendment_measures_the_open_months_again(
    measured: App,
    client_manager: Actor,
    make_contract_document: Callable[..., ContractDocument],
) -> None:
    from servicepact.services.freshness import remeasure_after_change

    amended = apply_contract(
        measured,
        actor=client_manager,
        document=make_contract_document(expected="0.75"),
        remeasure_from="2026-03",  # March is measured: re-measuring it is said, not silent
    )
    assert amended.supersedes == 1
    assert amended.remeasured == ("2026-03",)
    assert stale_results(measured, actor=client_manager, contract_id=CONTRACT)[
        0
    ].freshness.reasons == (StaleReason.CONTRACT_AMENDED,)
    assert remeasure_after_change(measured, actor=client_manager, contract_id=CONTRACT) == [
        "2026-03"
    ]
    page = events(measured, client_manager)
    assert page.freshness.current
    assert page.result.contract_version == 2
    assert page.result.status.value == "met"  # 0.75 against 0.75


def test_the_export_lists_every_event_flat(measured: App, client_manager: Actor) -> None:
    rows = list(
        iter_result_events(
            measured, actor=client_manager, contract_id=CONTRACT, service_level_id="SL-01",
            period="2026-03", outcome="failed",
        )
    )  # fmt: skip
    assert [r["id"] for r in rows] == ["C015", "C016", "C017", "C018", "C019"]
    assert rows[0]["offered_at"] == "2026-03-10T09:15:00+09:00"
    assert rows[0]["outcome"] == "failed"


def test_a_batch_whose_rows_are_all_replaced_leaves_the_result_current(
    measured: App, client_manager: Actor, vendor_a: Actor
) -> None:
    # the vendor sends March again with every call answered in time: the first batch's rows
    # are all replaced, so the result reads only the second batch
    in_time = [
        {"id": f"C{i:03d}", "offered_at": f"2026-03-10T09:{i:02d}:00+09:00",
         "answered_at": f"2026-03-10T09:{i:02d}:10+09:00"}
        for i in range(20)
    ]  # fmt: skip
    load_rows(measured, actor=vendor_a, contract_id=CONTRACT, source="calls", rows=in_time)
    (result,) = list_results(measured, actor=client_manager, contract_id=CONTRACT)
    assert (result.numerator, result.denominator) == (20, 20)
    page = events(measured, client_manager)
    assert page.freshness.current
    assert page.agrees
    assert stale_results(measured, actor=client_manager, contract_id=CONTRACT) == []


def test_the_list_is_opened_again_from_its_stored_form_until_its_inputs_change(
    measured: App, client_manager: Actor, vendor_a: Actor
) -> None:
    from servicepact.services import drilldown

    computed = events(measured, client_manager, per_page=3)
    drilldown.flush_stored()  # written beside the answer
    kept = measured.settings.data_dir / "cache" / "drilldown"
    (entry,) = [p for p in kept.iterdir() if p.is_dir()]  # written once, whole
    assert {p.name for p in entry.iterdir()} >= {"events.arrow", "items.arrow", "document.json"}
    drilldown._cache.clear()  # another process, or the memory's few lists moved on
    reopened = events(measured, client_manager, per_page=3)
    assert reopened.items == computed.items
    assert reopened.breakdowns == computed.breakdowns
    assert (reopened.totals, reopened.counts) == (computed.totals, computed.counts)
    assert [i["id"] for i in reopened.items] == ["C015", "C016", "C017"]
    # an approved exclusion measures the month again: a new list, never the kept one
    waiver = request_exclusion(
        measured, actor=vendor_a, contract_id=CONTRACT, source="calls", service_level_id="SL-01",
        event_ids=["C015"], reason=ExclusionReason.CLIENT_CAUSED, note="IVR down",
    )  # fmt: skip
    approve_exclusion(measured, actor=client_manager, exclusion_id=waiver.id)
    drilldown._cache.clear()
    after = events(measured, client_manager, per_page=3)
    drilldown.flush_stored()
    assert [i["id"] for i in after.items] == ["C016", "C017", "C018"]
    assert after.counts == {"failed": 4, "excluded": 1, "met": 15}
    assert after.agrees
    assert len([p for p in kept.iterdir() if p.is_dir()]) == 2
