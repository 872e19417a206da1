"""The API's view of holiday lists (issue 9.1): the contract answer lists the stored dates, a
result carries the calendar hash, and ``calendar-check`` compares with the installed package.

The contract's calendar has only explicit days (no country), so its list is known by hand:
term 2026 → years 2025-2027 → 2026-05-01 and 2027-01-04.
"""

from __future__ import annotations

from datetime import date

from api_world import World
from tests.integration.services.test_holiday_lists import CONTRACT, TICKETS, document

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.calendars import HolidayList, holiday_lists_hash
from servicepact.services.contracts import apply_contract
from servicepact.services.loads import load_rows

LISTED = HolidayList(first_year=2025, last_year=2027, dates=(date(2026, 5, 1), date(2027, 1, 4)))


def _apply(app: App, client_manager: Actor, vendor_a: Actor) -> None:
    apply_contract(app, actor=client_manager, document=document(add=["2026-05-01", "2027-01-04"]))
    load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="tickets", rows=TICKETS)


def test_the_contract_answer_lists_the_stored_holidays(
    world: World, app: App, client_manager: Actor, vendor_a: Actor
) -> None:
    _apply(app, client_manager, vendor_a)
    answer = world.get("bob", f"/api/v1/contracts/{CONTRACT}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["holidays"] == [
        {
            "calendar": "office",
            "first_year": 2025,
            "last_year": 2027,
            "sha256": LISTED.sha256,
            "dates": ["2026-05-01", "2027-01-04"],
        }
    ]
    assert body["calendar_hash"] == holiday_lists_hash({"office": LISTED})


def test_results_carry_the_calendar_hash(
    world: World, app: App, client_manager: Actor, vendor_a: Actor
) -> None:
    _apply(app, client_manager, vendor_a)
    evaluated = world.post("alice", f"/api/v1/contracts/{CONTRACT}/periods/2026-03/evaluate")
    assert evaluated.status_code == 200, evaluated.text
    listed = world.get(
        "alice", f"/api/v1/contracts/{CONTRACT}/results", params={"period": "2026-03"}
    )
    (result,) = listed.json()["items"]
    assert result["calendar_hash"] == holiday_lists_hash({"office": LISTED})
    assert result["running"] is True  # the test clock stands on 2 March


def test_the_calendar_check_answers_per_calendar_and_is_scoped(
    world: World, app: App, client_manager: Actor, vendor_a: Actor
) -> None:
    _apply(app, client_manager, vendor_a)
    answer = world.get("alice", f"/api/v1/contracts/{CONTRACT}/calendar-check")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["differs"] is False
    assert body["calendars"][0]["added"] == []
    assert body["calendars"][0]["stored_sha256"] == LISTED.sha256
    assert world.get("charlie", f"/api/v1/contracts/{CONTRACT}/calendar-check").status_code == 404
