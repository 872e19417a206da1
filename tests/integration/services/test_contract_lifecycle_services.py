"""The contract lifecycle through the product: the notice-deadline alert (once per deadline,
dated on the contract's calendar), no measurement after termination, and the lifecycle in
`contract show`, the API contract answer and the contract page.

The contract: term 2026-01-01 – 2026-03-31, renewing by itself for a month at a time, 20
calendar days' notice. The test clock stands at 2026-03-02 09:30 in Seoul, so the deadline to
stop the first renewal is 2026-03-11 (31 March − 20 days), 9 days ahead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import servicepact.bootstrap as bootstrap
from servicepact.api import create_app
from servicepact.bootstrap import App
from servicepact.cli import contract as contract_commands
from servicepact.config import Settings
from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
from servicepact.domain.access import Actor, Role
from servicepact.domain.alerts import AlertKind, AlertSettings
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import InvalidInput
from servicepact.services import alerts as alert_service
from servicepact.services import evaluation, users
from servicepact.services.contracts import apply_contract

CONTRACT = "acme-cs-2026"
LIFECYCLE = {
    "renewal": {"automatic": True, "period_months": 1},
    "notice": {"days": 20, "count": "calendar_days", "calendar": "always"},
}


def _document(**lifecycle: Any) -> ContractDocument:
    contract = Contract.model_validate(
        {
            "id": CONTRACT,
            "name": "Customer contact centre",
            "client": "acme",
            "vendor": "helpco",
            "term": {"start": "2026-01-01", "end": "2026-03-31"},
            "lifecycle": {**LIFECYCLE, **lifecycle},
            "calendars": {"always": {"timezone": "Asia/Seoul", "hours": "24x7"}},
            "service_levels": [
                {
                    "id": "SL-01",
                    "name": "Calls answered within 20 s",
                    "kpi": "answered_within",
                    "source": "calls",
                    "params": {"seconds": 20},
                    "expected": "0.80",
                    "minimum": "0.75",
                    "kind": "key",
                }
            ],
        }
    )
    return ContractDocument(
        contract=contract,
        document=canonical_document(contract),
        source=f"{CONTRACT}.yaml",
        sha256=contract_hash(contract),
    )


def _apply(app: App, actor: Actor, **lifecycle: Any) -> None:
    apply_contract(app, actor=actor, document=_document(**lifecycle))


def _notice_alerts(app: App, actor: Actor) -> list[Any]:
    alerts = alert_service.collect_alerts(app, actor=actor, now=app.now())
    return [a for a in alerts if a.kind is AlertKind.NOTICE_DEADLINE]


def test_the_notice_deadline_alert_is_sent_once_and_again_for_the_next_deadline(
    app: App, client_manager: Actor, clock: Any, tmp_path: Any
) -> None:
    _apply(app, client_manager)
    settings = AlertSettings(outbox=tmp_path / "outbox.jsonl")
    found = _notice_alerts(app, client_manager)
    assert [(a.key, a.state) for a in found] == [(f"notice:{CONTRACT}", "2026-03-11")]
    assert found[0].title == f"Notice deadline of {CONTRACT} on 2026-03-11 (in 9 days)"
    assert found[0].detail == (
        "20 calendar days on calendar always of notice given by 2026-03-11 ends the contract "
        "on 2026-03-31; otherwise it renews on 2026-04-01 for 1 month"
    )
    first = alert_service.send_alerts(
        app, actor=client_manager, settings=settings, alerts=found, now=app.now()
    )
    assert [a.key for a in first.sent] == [f"notice:{CONTRACT}"]
    clock.advance(datetime(2026, 3, 5, tzinfo=UTC) - clock.now)  # three days on: same deadline
    again = _notice_alerts(app, client_manager)
    second = alert_service.send_alerts(
        app, actor=client_manager, settings=settings, alerts=again, now=app.now()
    )
    assert (second.sent, [a.key for a in second.suppressed]) == ([], [f"notice:{CONTRACT}"])
    # the deadline passed: the contract renews to 30 April; its deadline is 10 April
    clock.advance(datetime(2026, 3, 12, tzinfo=UTC) - clock.now)
    later = _notice_alerts(app, client_manager)
    assert [a.state for a in later] == ["2026-04-10"]
    third = alert_service.send_alerts(
        app, actor=client_manager, settings=settings, alerts=later, now=app.now()
    )
    assert [a.state for a in third.sent] == ["2026-04-10"]
    lines = (tmp_path / "outbox.jsonl").read_text().splitlines()
    assert [json.loads(line)["alert"]["state"] for line in lines] == ["2026-03-11", "2026-04-10"]


def test_the_deadline_day_is_taken_on_the_contracts_calendar(
    app: App, client_manager: Actor, clock: Any
) -> None:
    _apply(app, client_manager)
    # 10 March 15:30 UTC is already 11 March 00:30 in Seoul: the deadline is today
    clock.advance(datetime(2026, 3, 10, 15, 30, tzinfo=UTC) - clock.now)
    (alert,) = _notice_alerts(app, client_manager)
    assert alert.title == f"Notice deadline of {CONTRACT} on 2026-03-11 (today)"


def test_no_notice_alert_outside_the_lead_or_after_termination(
    app: App, client_manager: Actor
) -> None:
    _apply(app, client_manager, notice={**LIFECYCLE["notice"], "alert_days_before": 8})
    assert _notice_alerts(app, client_manager) == []  # 9 days ahead, the lead is 8
    _apply(app, client_manager, termination={"date": "2026-02-28", "reason": "merger"})
    assert _notice_alerts(app, client_manager) == []


def test_months_after_the_termination_date_are_not_measured(
    app: App, client_manager: Actor
) -> None:
    _apply(app, client_manager, termination={"date": "2026-02-14", "reason": "vendor insolvency"})
    with pytest.raises(InvalidInput) as caught:
        evaluation.evaluate_periods(
            app, actor=client_manager, contract_id=CONTRACT, period_labels=["2026-02", "2026-03"]
        )
    (problem,) = caught.value.problems
    assert (problem.where, problem.value) == ("period", "2026-03")
    assert problem.message == (
        "2026-03 starts after the contract was terminated on 2026-02-14 (vendor insolvency); "
        "months after termination are not measured"
    )
    assert evaluation.list_results(app, actor=client_manager, contract_id=CONTRACT) == []


runner = CliRunner()
cli = typer.Typer()
contract_commands.register(cli)


@pytest.fixture
def frozen_cli(cli_env: Settings, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The command line's app on the test clock."""
    monkeypatch.setattr(bootstrap, "utc_now", clock)
    return cli_env


def test_contract_show_prints_the_lifecycle_and_its_json(
    app: App, client_manager: Actor, frozen_cli: Settings
) -> None:
    _apply(app, client_manager)
    shown = runner.invoke(cli, ["contract", "show", CONTRACT])
    assert shown.exit_code == 0, shown.output
    lines = [line.strip() for line in shown.output.splitlines()]
    assert "status in notice window on 2026-03-02 (Asia/Seoul)" in lines
    assert "renewal automatic, 1 month each, no limit; next renewal 2026-04-01" in lines
    assert (
        "notice 20 calendar days on calendar always; deadline 2026-03-11 (in 9 days) to end on "
        "2026-03-31 instead of renewing; alert from 30 days before"
    ) in lines
    assert "last day none (renews without limit)" in lines
    payload = json.loads(
        runner.invoke(cli, ["contract", "show", CONTRACT, "--format", "json"]).output
    )
    assert payload["lifecycle"] == {
        "today": "2026-03-02",
        "status": "in_notice_window",
        "period": {"number": 0, "start": "2026-01-01", "end": "2026-03-31"},
        "last_day": None,
        "next_renewal": "2026-04-01",
        "notice_deadline": "2026-03-11",
        "ends_on_notice": "2026-03-31",
        "days_to_deadline": 9,
        "termination": None,
    }
    assert payload["document"]["contract"]["lifecycle"]["notice"]["count"] == "calendar_days"


@pytest.fixture
def api(app: App, admin: Actor) -> Iterator[tuple[TestClient, dict[str, str]]]:
    _apply(app, admin, termination={"date": "2026-02-14", "reason": "vendor insolvency"})
    users.add_user(app, actor=admin, name="bob", role=Role.VENDOR, party="helpco")
    token = users.create_token(app, actor=admin, user="bob").token
    with TestClient(create_app(app), raise_server_exceptions=False) as client:
        yield client, {"Authorization": f"Bearer {token}"}


def test_the_api_contract_answer_carries_the_lifecycle(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = api
    body = client.get(f"/api/v1/contracts/{CONTRACT}", headers=headers).json()
    assert body["lifecycle"] == {
        "today": "2026-03-02",
        "status": "terminated",
        "period": None,
        "last_day": "2026-02-14",
        "next_renewal": None,
        "notice_deadline": None,
        "ends_on_notice": None,
        "days_to_deadline": None,
        "termination": {"date": "2026-02-14", "reason": "vendor insolvency"},
    }
    assert body["contract"]["lifecycle"]["termination"]["reason"] == "vendor insolvency"
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "notice_deadline" in schema["LifecycleRead"]["properties"]
    assert schema["ContractRead"]["properties"]["lifecycle"]["$ref"].endswith("/LifecycleRead")


def test_evaluating_a_file_for_every_month_stops_at_the_termination_month() -> None:
    from servicepact.services.file_evaluation import evaluation_periods

    contract = _document(termination={"date": "2026-02-14", "reason": "merger"}).contract
    now = datetime(2026, 6, 1, tzinfo=UTC)
    months, _ = evaluation_periods([], contract, all_months=True, now=now)
    assert [p.label for p in months] == ["2026-01", "2026-02"]
    with pytest.raises(InvalidInput, match="2026-03 starts after the contract was terminated"):
        evaluation_periods(["2026-03"], contract, all_months=False, now=now)
    # a quarter holding the termination measures its months up to it, and reports on Q1
    months, reports = evaluation_periods(["2026-Q1"], contract, all_months=False, now=now)
    assert [p.label for p in months] == ["2026-01", "2026-02"]
    assert [r.label for r in reports] == ["2026-Q1"]


def test_a_year_of_a_terminated_contract_holds_the_months_up_to_the_termination() -> None:
    from servicepact.services.period_reports import measured_labels, plan

    contract = _document(termination={"date": "2026-02-14", "reason": "merger"}).contract
    now = datetime(2026, 6, 1, tzinfo=UTC)
    measured, reports = plan(["2026"], contract, now=now)
    # March to May have begun by 1 June, but start after the termination: not measured
    assert measured == ["2026-01", "2026-02"]
    assert measured_labels(contract, reports[0]) == ["2026-01", "2026-02"]
