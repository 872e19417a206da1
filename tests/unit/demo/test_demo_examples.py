"""The example portfolio and contracts: valid, consistent with each other, and covering the seed."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from servicepact.cli import demo as demo_command
from servicepact.cli.errors import EXIT_INVALID, exit_code_for
from servicepact.contractfile import ContractDocument, load_contract_file, load_portfolio_file
from servicepact.demo.run import PORTFOLIO_FILE, contract_files, examples_dir
from servicepact.domain.contracts import Contract, Treatment
from servicepact.domain.errors import InvalidInput
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.fees import FeeKind
from servicepact.domain.portfolio import Layer, PartyKind, Portfolio


@pytest.fixture(scope="module")
def portfolio() -> Portfolio:
    return load_portfolio_file(examples_dir() / PORTFOLIO_FILE).portfolio


@pytest.fixture(scope="module")
def documents() -> list[ContractDocument]:
    return [load_contract_file(path) for path in contract_files(examples_dir())]


@pytest.fixture(scope="module")
def contracts(documents: list[ContractDocument]) -> list[Contract]:
    return [d.contract for d in documents]


def test_every_example_contract_file_validates(documents: list[ContractDocument]) -> None:
    assert len(documents) >= 6
    assert len({d.contract.id for d in documents}) == len(documents)


def test_contracts_name_only_parties_and_processes_of_the_portfolio(
    portfolio: Portfolio, contracts: list[Contract]
) -> None:
    kinds = {p.id: p.kind for p in portfolio.parties}
    processes = {p.id for p in portfolio.processes}
    for contract in contracts:
        assert kinds[contract.client] is PartyKind.CLIENT
        assert kinds[contract.vendor] is PartyKind.VENDOR
        if contract.broker is not None:
            assert kinds[contract.broker] is PartyKind.BROKER
        assert set(contract.processes) <= processes, contract.id
    assert any(c.broker for c in contracts)


def test_the_portfolio_covers_vendors_broker_domains_offices_and_all_four_layers(
    portfolio: Portfolio,
) -> None:
    kinds = Counter(p.kind for p in portfolio.parties)
    assert kinds[PartyKind.VENDOR] >= 3
    assert kinds[PartyKind.BROKER] >= 1
    assert {p.domain.value for p in portfolio.processes} == {"SCM", "EA/governance", "ERP", "CRM"}
    assert {p.office.value for p in portfolio.processes} == {"front", "middle", "back"}
    assert any(p.parent for p in portfolio.processes)
    for process in portfolio.processes:
        assert {a.layer for a in process.artefacts} == set(Layer), process.id
    statuses = {a.status for p in portfolio.processes for a in p.artefacts}
    assert len(statuses) == 3
    assert len(portfolio.decisions) >= 6


def test_one_certification_expires_during_the_demo_year(portfolio: Portfolio) -> None:
    expiring = [
        c
        for p in portfolio.parties
        for c in p.certifications
        if date(2026, 1, 1) <= c.valid_until < date(2026, 12, 31)
    ]
    assert expiring


def test_decisions_touch_contracts_that_exist(
    portfolio: Portfolio, contracts: list[Contract]
) -> None:
    ids = {c.id for c in contracts}
    for decision in portfolio.decisions:
        assert set(decision.contracts) <= ids, decision.id


def test_each_contract_has_four_to_eight_levels_and_credible_credit_allocations(
    contracts: list[Contract],
) -> None:
    for contract in contracts:
        assert 4 <= len(contract.service_levels) <= 8, contract.id
        assert contract.credits is not None
        critical = [sl for sl in contract.service_levels if sl.credited]
        assert critical, contract.id
        total = sum((sl.allocation_percent or Decimal(0) for sl in critical), Decimal(0))
        assert total <= Decimal(150)
        assert all((sl.allocation_percent or 0) <= 50 for sl in critical)


def test_the_fee_schedules_use_every_kind_of_fee(contracts: list[Contract]) -> None:
    kinds = {fee.kind for c in contracts for fee in c.fees}
    assert kinds == set(FeeKind)
    assert any(len(fee.bands) > 1 for c in contracts for fee in c.fees)


def test_the_contracts_cover_every_seed_process_family(contracts: list[Contract]) -> None:
    sources = {s for c in contracts for s in c.sources}
    declared = {t.name for c in contracts for t in c.event_types}
    assert sources == set(BUILT_IN) | declared
    assert declared == {"purchase_orders", "compliance_reviews"}


# Sources whose events arrive every working day; payroll runs, campaigns and outages do not,
# so a daily completeness check on them would only raise false findings.
DAILY_SOURCES = {
    "calls",
    "tickets",
    "invoices_processed",
    "orders",
    "inventory_counts",
    "purchase_orders",
    "compliance_reviews",
}


def test_every_daily_source_has_an_expected_volume_and_no_other_does(
    contracts: list[Contract],
) -> None:
    for contract in contracts:
        assert set(contract.expected_daily_volume) == DAILY_SOURCES & set(contract.sources), (
            contract.id
        )


def test_personal_data_in_the_feeds_is_declared_or_deliberately_dropped(
    contracts: list[Contract],
) -> None:
    """Required personal-data columns must be declared, else the loader could not keep them."""
    for contract in contracts:
        types = {**BUILT_IN, **contract.declared_event_types}
        for source in contract.sources:
            for column in types[source].columns:
                if column.personal_data is None or not column.required:
                    continue
                treatment = contract.data_protection.treatment_for(column.personal_data)
                assert treatment is not Treatment.DROP, (contract.id, column.name)
    hr = next(c for c in contracts if "payroll_items" in c.sources)
    resident = BUILT_IN["payroll_items"].column("resident_number").personal_data
    assert resident is not None
    assert hr.data_protection.treatment_for(resident) is Treatment.DROP


def test_every_calendar_of_the_examples_is_in_seoul_with_korean_holidays(
    contracts: list[Contract],
) -> None:
    for contract in contracts:
        for name, calendar in contract.calendars.items():
            assert calendar.timezone == "Asia/Seoul"
            if calendar.hours != "24x7":
                assert calendar.holidays is not None, (contract.id, name)
                assert calendar.holidays.country == "KR"


# Only the demo command: the test does not depend on every other command importing.
cli = typer.Typer()
demo_command.register(cli)


def test_the_demo_refuses_a_year_outside_the_contract_terms_before_writing_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SERVICEPACT_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), "--year", "2025"])

    assert isinstance(result.exception, InvalidInput)
    assert exit_code_for(result.exception) == EXIT_INVALID
    assert "2026 to 2027" in str(result.exception)
    assert not (tmp_path / "data" / "servicepact.db").exists()
    assert not (tmp_path / "data" / "demo-input").exists()
