"""Holiday lists fixed with each contract version (issue 9.1): measured with the stored dates,
never the installed ``holidays`` package; ``calendars check`` reports a package that differs.

The contract: calendar ``office`` (Seoul, Mon-Fri 09:00-18:00, Korean holidays), one level
"tickets resolved within 8 business hours" (expected 60 %, minimum 40 %). Two March tickets:

* T1 opened Mon 2026-03-09 14:00, resolved Wed 03-11 11:00: Mon 14-18 (4 h) + Tue 10 March
  (9 h) + Wed 09-11 (2 h) = 15 h > 8 h → late. Were Tue 10 March a holiday: 6 h → in time.
* T2 opened Thu 2026-03-12 10:00, resolved 12:00: 2 h → in time.

So the stored contract gives 1/2 = 50 % (below expected); a package that lists 10 March (as
the monkeypatched one below does, and drops the substitute holiday Mon 2 March) gives 2/2.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

import holidays
import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from servicepact.bootstrap import App
from servicepact.cli import calendars as calendar_commands
from servicepact.cli import contract as contract_commands
from servicepact.cli import evaluate as evaluate_commands
from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
from servicepact.domain.access import Actor
from servicepact.domain.calendars import HolidayList, holiday_lists_hash
from servicepact.domain.contracts import Contract
from servicepact.domain.periods import parse_period
from servicepact.domain.results import ResultStatus
from servicepact.engine.evaluate import ClockCache, evaluate_contract
from servicepact.services.calendars import check_calendars, fix_missing_holiday_lists
from servicepact.services.contracts import apply_contract, get_contract
from servicepact.services.drilldown import result_events
from servicepact.services.evaluation import evaluate_period, list_results
from servicepact.services.loads import load_rows
from servicepact.store.db.tables.audit import audit_log
from servicepact.store.db.tables.contracts import contract_versions
from servicepact.store.db.tables.evaluation import sl_results

CONTRACT = "acme-tickets-2026"
APRIL_2 = datetime(2026, 4, 2, tzinfo=UTC)
TUESDAY_10_MARCH = date(2026, 3, 10)
MONDAY_2_MARCH = date(2026, 3, 2)  # substitute holiday for 1 March (a Sunday) in KR

runner = CliRunner()
cli = typer.Typer()
calendar_commands.register(cli)
contract_commands.register(cli)
evaluate_commands.register(cli)


def contract_data(**holidays_rule: Any) -> dict[str, Any]:
    rule = holidays_rule or {"country": "KR"}
    return {
        "id": CONTRACT,
        "name": "Service desk",
        "client": "acme",
        "vendor": "helpco",
        "term": {"start": "2026-01-01", "end": "2026-12-31"},
        "calendars": {
            "office": {
                "timezone": "Asia/Seoul",
                "hours": {"mon-fri": "09:00-18:00"},
                "holidays": rule,
            }
        },
        "service_levels": [
            {
                "id": "SD-01",
                "name": "Tickets resolved within 8 business hours",
                "kpi": "resolved_within",
                "source": "tickets",
                "params": {"hours": 8},
                "calendar": "office",
                "expected": "0.60",
                "minimum": "0.40",
                "kind": "key",
            }
        ],
    }


def document(**holidays_rule: Any) -> ContractDocument:
    contract = Contract.model_validate(contract_data(**holidays_rule))
    return ContractDocument(
        contract=contract,
        document=canonical_document(contract),
        source=f"{CONTRACT}.yaml",
        sha256=contract_hash(contract),
    )


TICKETS = [
    {
        "id": "T1",
        "created_at": "2026-03-09T14:00:00+09:00",
        "resolved_at": "2026-03-11T11:00:00+09:00",
    },
    {
        "id": "T2",
        "created_at": "2026-03-12T10:00:00+09:00",
        "resolved_at": "2026-03-12T12:00:00+09:00",
    },
]


@pytest.fixture
def stored(app: App, client_manager: Actor, vendor_a: Actor) -> App:
    apply_contract(app, actor=client_manager, document=document())
    load_rows(app, actor=vendor_a, contract_id=CONTRACT, source="tickets", rows=TICKETS)
    return app


@pytest.fixture
def other_package(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The installed package, except that 2026 has Tue 10 March and not Mon 2 March."""
    real = holidays.country_holidays

    def patched(country: str, subdiv: str | None = None, years: Any = None, **kw: Any) -> Any:
        table = dict(real(country, subdiv=subdiv, years=years, **kw))
        if 2026 in list(years):
            table[TUESDAY_10_MARCH] = "a holiday of another package version"
            table.pop(MONDAY_2_MARCH, None)
        return table

    monkeypatch.setattr(holidays, "country_holidays", patched)
    return


def _stored_rows(app: App) -> list[tuple[Any, ...]]:
    with app.uow(read_only=True) as uow:
        rows = uow.connection.execute(
            sa.select(
                sl_results.c.version,
                sl_results.c.value,
                sl_results.c.status,
                sl_results.c.inputs_sha256,
                sl_results.c.calendar_sha256,
            ).order_by(sl_results.c.version)
        ).all()
    return [tuple(r) for r in rows]


def _audit_count(app: App) -> int:
    with app.uow(read_only=True) as uow:
        return int(
            uow.connection.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one()
        )


# --- the hash ---------------------------------------------------------------------------------


def test_the_list_hash_is_the_sha256_of_its_text_and_moves_with_any_date() -> None:
    listed = HolidayList(
        first_year=2026, last_year=2026, dates=(date(2026, 3, 10), date(2026, 1, 1))
    )
    # sorted, one date a line after the years
    assert listed.text == "years 2026-2026\n2026-01-01\n2026-03-10\n"
    assert listed.sha256 == hashlib.sha256(b"years 2026-2026\n2026-01-01\n2026-03-10\n").hexdigest()
    assert listed.sha256 == "e5815cc7a214c0509404ff90efa384ef3223faf1caefdc21772f3076993fdcdd"
    same = HolidayList(first_year=2026, last_year=2026, dates=(date(2026, 1, 1), date(2026, 3, 10)))
    assert same.sha256 == listed.sha256
    one_more = HolidayList(
        first_year=2026,
        last_year=2026,
        dates=(date(2026, 1, 1), date(2026, 3, 10), date(2026, 5, 1)),
    )
    assert one_more.sha256 != listed.sha256
    # the contract's hash: calendar name and list hash a line, by name
    assert (
        holiday_lists_hash({"office": listed})
        == hashlib.sha256(f"office\t{listed.sha256}\n".encode()).hexdigest()
    )
    assert holiday_lists_hash({"office": listed}) != holiday_lists_hash({"office": one_more})


# --- measuring with the stored dates -----------------------------------------------------------


def test_a_changed_package_changes_nothing_stored(
    stored: App, client_manager: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = evaluate_period(
        stored, actor=client_manager, contract_id=CONTRACT, period_label="2026-03", now=APRIL_2
    )
    assert [(r.numerator, r.denominator, r.status) for r in first] == [
        (1, 2, ResultStatus.BELOW_EXPECTED)
    ]
    version = get_contract(stored, actor=client_manager, contract_id=CONTRACT)
    assert first[0].calendar_hash == version.calendar_hash
    assert version.holidays is not None
    office = version.holidays["office"]
    assert (office.first_year, office.last_year) == (2025, 2027)  # the term's year ± 1
    assert MONDAY_2_MARCH in office.dates
    assert TUESDAY_10_MARCH not in office.dates
    rows_before = _stored_rows(stored)
    assert rows_before[0][1:3] == ("1/2", "below_expected")
    assert rows_before[0][4] == version.calendar_hash

    # Another package version: it lists Tue 10 March and not Mon 2 March.
    real = holidays.country_holidays

    def patched(country: str, subdiv: str | None = None, years: Any = None, **kw: Any) -> Any:
        table = dict(real(country, subdiv=subdiv, years=years, **kw))
        if 2026 in list(years):
            table[TUESDAY_10_MARCH] = "another package"
            table.pop(MONDAY_2_MARCH, None)
        return table

    monkeypatch.setattr(holidays, "country_holidays", patched)

    # The package alone would give 2/2 — the patch does reach a file-read contract ...
    tables = {"tickets": stored.event_store.read(contract_id=CONTRACT, source="tickets")}
    from_file = evaluate_contract(
        document().contract,
        tables,
        [parse_period("2026-03", term=document().contract.term)],
        clock_cache=ClockCache(),
        now=APRIL_2,
    )
    assert (from_file[0].numerator, from_file[0].denominator) == (2, 2)
    assert from_file[0].calendar_hash != first[0].calendar_hash

    # ... but the stored contract is measured with its stored dates: nothing moves.
    again = evaluate_period(
        stored, actor=client_manager, contract_id=CONTRACT, period_label="2026-03", now=APRIL_2
    )
    assert again == first
    assert _stored_rows(stored) == rows_before
    assert list_results(stored, actor=client_manager, contract_id=CONTRACT) == first
    # the drill-down re-measures the stored result with the stored dates too: it agrees
    events = result_events(
        stored,
        actor=client_manager,
        contract_id=CONTRACT,
        service_level_id="SD-01",
        period="2026-03",
    )
    assert events.agrees
    assert (events.totals["numerator"], events.totals["denominator"]) == (1, 2)
    assert events.result.value == Fraction(1, 2)
    assert events.result.calendar_hash == version.calendar_hash
    assert events.freshness.current


def test_calendars_check_reports_the_exact_dates_and_proposes_an_amendment(
    stored: App, client_manager: Actor, other_package: None
) -> None:
    audited = _audit_count(stored)
    (found,) = check_calendars(stored, actor=client_manager)
    (office,) = found.calendars
    assert office.added == (TUESDAY_10_MARCH,)
    assert office.removed == (MONDAY_2_MARCH,)
    assert (office.first_year, office.last_year) == (2025, 2027)
    assert found.proposal == {
        "office": {"holidays": {"country": "KR", "add": ["2026-03-10"], "remove": ["2026-03-02"]}}
    }
    assert found.effective_from == "2026-03"
    assert _audit_count(stored) == audited  # a check writes nothing


def test_calendars_check_without_a_difference(stored: App, client_manager: Actor) -> None:
    (found,) = check_calendars(stored, actor=client_manager)
    assert not found.differs
    assert found.calendars[0].stored_sha256 == found.calendars[0].package_sha256


def test_the_proposed_amendment_adopts_the_dates_whatever_the_package(
    stored: App, client_manager: Actor, other_package: None
) -> None:
    # Applying the proposal under the *other* package pins its dates explicitly ...
    outcome = apply_contract(
        stored,
        actor=client_manager,
        document=document(country="KR", add=["2026-03-10"], remove=["2026-03-02"]),
    )
    assert outcome.version == 2
    # ... and says which dates moved against version 1 (audited with the amendment)
    assert outcome.holiday_changes == (("office", (TUESDAY_10_MARCH,), (MONDAY_2_MARCH,)),)
    results = evaluate_period(
        stored, actor=client_manager, contract_id=CONTRACT, period_label="2026-03", now=APRIL_2
    )
    assert (results[0].numerator, results[0].denominator) == (2, 2)
    assert results[0].contract_version == 2
    (found,) = check_calendars(stored, actor=client_manager)
    assert not found.differs


def test_a_version_stored_before_lists_were_kept_is_fixed_once_and_audited(
    stored: App, client_manager: Actor, admin: Actor
) -> None:
    with stored.engine.begin() as connection:  # as a version stored before revision 0011
        connection.execute(sa.update(contract_versions).values(holidays=None))
    before = get_contract(stored, actor=client_manager, contract_id=CONTRACT)
    assert not before.holidays_stored
    (found,) = check_calendars(stored, actor=client_manager)
    assert not found.stored

    fixed = fix_missing_holiday_lists(stored, actor=admin)
    assert [(f.contract_id, f.version, f.calendars) for f in fixed] == [(CONTRACT, 1, ("office",))]
    after = get_contract(stored, actor=client_manager, contract_id=CONTRACT)
    with stored.uow(read_only=True) as uow:
        (entry,) = uow.connection.execute(
            sa.select(audit_log.c.action, audit_log.c.after).where(
                audit_log.c.action == "fix-holidays"
            )
        ).all()
    assert after.holidays_stored
    assert after.calendar_hash == before.calendar_hash  # the same package: the same dates
    assert entry.after["version"] == 1
    assert entry.after["calendar_hash"] == after.calendar_hash
    assert fix_missing_holiday_lists(stored, actor=admin) == []  # once


# --- the commands ------------------------------------------------------------------------------


def test_contract_show_lists_the_dates(app: App, client_manager: Actor, cli_env: object) -> None:
    # explicit days only: years 2025-2027 hold exactly these two dates
    apply_contract(app, actor=client_manager, document=document(add=["2026-05-01", "2027-01-04"]))
    outcome = runner.invoke(cli, ["contract", "show", CONTRACT])
    assert outcome.exit_code == 0, outcome.output
    assert "office 2025-2027, 2 dates" in outcome.stdout
    assert "    2026: 05-01\n" in outcome.stdout
    assert "    2027: 01-04\n" in outcome.stdout
    as_json = runner.invoke(cli, ["contract", "show", CONTRACT, "--format", "json"])
    payload = json.loads(as_json.stdout)
    listed = HolidayList(
        first_year=2025, last_year=2027, dates=(date(2026, 5, 1), date(2027, 1, 4))
    )
    assert payload["holidays"] == [
        {
            "calendar": "office",
            "first_year": 2025,
            "last_year": 2027,
            "sha256": listed.sha256,
            "dates": ["2026-05-01", "2027-01-04"],
        }
    ]
    assert payload["calendar_hash"] == holiday_lists_hash({"office": listed})


def test_the_check_command_prints_the_dates_and_the_amendment(
    stored: App, cli_env: object, other_package: None
) -> None:
    outcome = runner.invoke(cli, ["calendars", "check"])
    assert outcome.exit_code == 1, outcome.output  # a difference
    assert "office (KR, 2025-2027): differs from the package" in outcome.stdout
    assert "added by the package:   2026-03-10" in outcome.stdout
    assert "removed by the package: 2026-03-02" in outcome.stdout
    assert "add:\n" in outcome.stdout
    assert "- '2026-03-10'" in outcome.stdout
    assert f"servicepact contract apply {CONTRACT}.yaml --effective-from 2026-03" in outcome.stdout
    as_json = runner.invoke(cli, ["calendars", "check", "--format", "json"])
    (found,) = json.loads(as_json.stdout)
    assert found["calendars"][0]["added"] == ["2026-03-10"]
    assert found["calendars"][0]["removed"] == ["2026-03-02"]


def test_the_check_command_succeeds_when_nothing_differs(stored: App, cli_env: object) -> None:
    outcome = runner.invoke(cli, ["calendars", "check", "--contract", CONTRACT])
    assert outcome.exit_code == 0, outcome.output
    assert "office (KR, 2025-2027): same as the package" in outcome.stdout


def test_evaluating_a_file_prints_the_holiday_list_hash(tmp_path: Any) -> None:
    import yaml

    contract_file = tmp_path / "contract.yaml"
    contract_file.write_text(
        yaml.safe_dump({"servicepact": 1, "contract": contract_data(add=["2026-03-10"])})
    )
    data = tmp_path / "data"
    data.mkdir()
    (data / "tickets.csv").write_text(
        "id,created_at,resolved_at\n"
        + "".join(f"{t['id']},{t['created_at']},{t['resolved_at']}\n" for t in TICKETS)
    )
    outcome = runner.invoke(
        cli,
        ["evaluate", "--contract", str(contract_file), "--data", str(data),
         "--period", "2026-03", "--now", "2026-04-02T00:00:00Z"],
    )  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    # 10 March a holiday by the file's own `add`: both tickets in time
    assert "100.00" in outcome.stdout
    expected = holiday_lists_hash(
        {"office": HolidayList(first_year=2025, last_year=2027, dates=(TUESDAY_10_MARCH,))}
    )
    assert f"holiday lists: {expected} (holidays package {holidays.__version__}" in outcome.stdout


def test_init_after_the_upgrade_fixes_the_lists_of_older_versions(
    empty_db_url: str,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    client_manager: Actor,
) -> None:
    """A database at revision 0010 with a stored contract: upgrading adds the columns, and
    ``servicepact init`` fixes the version's lists once, from the installed package, audited."""
    import sys

    from servicepact.bootstrap import build_app
    from servicepact.cli.main import run
    from servicepact.config import Settings
    from servicepact.store.db import migrate

    monkeypatch.setenv("SERVICEPACT_DATABASE_URL", empty_db_url)
    monkeypatch.setenv("SERVICEPACT_DATA_DIR", str(tmp_path))
    app = build_app(Settings(data_dir=tmp_path, database_url=empty_db_url))
    try:
        app.upgrade_schema()
        apply_contract(app, actor=client_manager, document=document())
        migrate.downgrade(app.engine, "0010")  # the version as stored before holiday lists
        migrate.upgrade(app.engine, "0011")
        with app.uow(read_only=True) as uow:
            assert uow.contracts.versions_without_holidays() == [(CONTRACT, 1)]

        def init() -> str:
            monkeypatch.setattr(sys, "argv", ["servicepact", "init"])
            code: object = 0
            try:
                run()
            except SystemExit as stop:
                code = stop.code
            assert not code
            return capsys.readouterr().out

        first = init()
        assert f"fixed the holiday lists of {CONTRACT} v1 from the installed holidays" in first
        assert "fixed the holiday lists" not in init()  # once
        version = get_contract(app, actor=client_manager, contract_id=CONTRACT)
        with app.uow(read_only=True) as uow:
            actions = uow.connection.execute(
                sa.select(audit_log.c.action).where(audit_log.c.entity_id == CONTRACT)
            ).scalars()
            assert list(actions) == ["create", "fix-holidays"]
        assert version.holidays_stored
        assert version.calendar_hash == holiday_lists_hash(
            document().contract.materialise_holidays()
        )
    finally:
        app.close()


def test_applying_an_amendment_names_the_holidays_that_moved(
    cli_env: object, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version 1 applied with the installed package; the amendment (a new name only) applied
    after the package changed fixes the new package's dates — and says which moved."""
    import yaml

    path = tmp_path / f"{CONTRACT}.yaml"
    path.write_text(yaml.safe_dump({"servicepact": 1, "contract": contract_data()}))
    first = runner.invoke(cli, ["contract", "apply", str(path)])
    assert first.exit_code == 0, first.output
    assert "differ from the previous version" not in first.stdout

    real = holidays.country_holidays

    def patched(country: str, subdiv: str | None = None, years: Any = None, **kw: Any) -> Any:
        table = dict(real(country, subdiv=subdiv, years=years, **kw))
        table[TUESDAY_10_MARCH] = "another package"
        table.pop(MONDAY_2_MARCH, None)
        return table

    monkeypatch.setattr(holidays, "country_holidays", patched)
    amended = contract_data()
    amended["name"] = "Service desk (amended)"
    path.write_text(yaml.safe_dump({"servicepact": 1, "contract": amended}))
    second = runner.invoke(cli, ["contract", "apply", str(path)])
    assert second.exit_code == 0, second.output
    assert (
        "holidays of calendar office differ from the previous version: +2026-03-10, -2026-03-02"
        in second.stdout
    )
