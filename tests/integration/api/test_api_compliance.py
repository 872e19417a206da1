"""Results over a quarter, a year and the year to date through the API (docs/results.md).

The clock stands at 2026-03-02 09:30 in Seoul (tests/conftest.py): March is running.
SL-01 is "answered within 20 s", expected 80 %, minimum 75 %.
"""

from __future__ import annotations

import pytest
from api_world import World, calls

CONTRACT = "acme-cs-2026"
BASE = f"/api/v1/contracts/{CONTRACT}"


@pytest.fixture
def measured(world: World) -> World:
    # January 8 of 10 in time = 80 % (met); February 1 of 4 = 25 % (breached);
    # March 1st 2 of 2 = 100 % (running). Over the quarter, pooled: 11 of 16 = 68.75 %;
    # the mean of the three monthly values would be 68.33 %, of the two complete ones 52.5 %.
    rows = (
        calls(8, day="2026-01-12")
        + calls(2, answered_after=40, day="2026-01-13")
        + calls(1, day="2026-02-10")
        + calls(3, answered_after=40, day="2026-02-11")
        + calls(2, day="2026-03-01")
    )
    loaded = world.post("alice", f"{BASE}/sources/calls/batches", json={"rows": rows})
    assert loaded.status_code == 201, loaded.text
    for month in ("2026-01", "2026-02", "2026-03"):
        assert world.post("alice", f"{BASE}/periods/{month}/evaluate").status_code == 200
    return world


def test_a_quarter_pools_its_events_and_counts_its_months(measured: World) -> None:
    response = measured.get("alice", f"{BASE}/compliance", params={"period": "2026-Q1"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["period"], body["form"]) == ("2026-Q1", "quarter")
    assert (body["period_start"], body["period_end"]) == ("2026-01-01", "2026-04-01")
    [level] = body["service_levels"]
    assert (level["value"], level["numerator"], level["denominator"]) == ("11/16", "11", 16)
    assert level["running"] is True
    assert (level["met"], level["below_expected"], level["breached"]) == (1, 0, 1)
    assert (level["insufficient_data"], level["judged"]) == (0, 2)
    assert level["share_met"] == "1/2"  # January met, February breached; March still running
    assert level["running_periods"] == ["2026-03"]
    assert [r["period"] for r in level["results"]] == ["2026-01", "2026-02", "2026-03"]


def test_the_year_to_date_runs_to_the_end_of_the_running_month(measured: World) -> None:
    body = measured.get("alice", f"{BASE}/compliance", params={"period": "2026-YTD"}).json()
    assert (body["form"], body["period_start"], body["period_end"]) == (
        "year_to_date",
        "2026-01-01",
        "2026-04-01",
    )
    assert body["service_levels"][0]["value"] == "11/16"
    year = measured.get("alice", f"{BASE}/compliance", params={"period": "2026"}).json()
    assert year["period_end"] == "2027-01-01"
    assert len(year["service_levels"][0]["to_come"]) == 9  # April to December


def test_the_result_list_of_a_quarter_holds_its_months(measured: World) -> None:
    response = measured.get("alice", f"{BASE}/results", params={"period": "2026-Q1"})
    assert response.status_code == 200, response.text
    assert [r["period"] for r in response.json()["items"]] == ["2026-01", "2026-02", "2026-03"]


@pytest.mark.parametrize("period", ["2026-Q5", "2026-13", "abc", "2026-ytd"])
def test_an_unknown_period_form_is_a_422_naming_the_parameter(world: World, period: str) -> None:
    for path in ("compliance", "results"):
        response = world.get("alice", f"{BASE}/{path}", params={"period": period})
        assert response.status_code == 422, response.text
        assert "period" in response.text


def test_a_year_to_date_not_begun_is_a_422_not_an_empty_answer(world: World) -> None:
    response = world.get("alice", f"{BASE}/compliance", params={"period": "2027-YTD"})
    assert response.status_code == 422, response.text
    assert "2027 has not begun" in response.text


def test_another_vendor_never_sees_the_compliance_report(measured: World) -> None:
    response = measured.get("charlie", f"{BASE}/compliance", params={"period": "2026-Q1"})
    assert response.status_code in (403, 404)
    assert "11/16" not in response.text


def test_evaluating_a_quarter_measures_its_months(world: World) -> None:
    rows = calls(8, day="2026-01-12") + calls(1, answered_after=40, day="2026-02-11")
    assert (
        world.post("alice", f"{BASE}/sources/calls/batches", json={"rows": rows}).status_code == 201
    )
    response = world.post("alice", f"{BASE}/periods/2026-Q1/evaluate")
    assert response.status_code == 200, response.text
    found = {r["period"]: (r["numerator"], r["denominator"]) for r in response.json()}
    # before: a quarter measured only quarterly levels, so a monthly one gave nothing
    assert found == {"2026-01": ("8", 8), "2026-02": ("0", 1), "2026-03": ("0", 0)}
    assert world.post("alice", f"{BASE}/periods/2026-Q5/evaluate").status_code == 422
