"""Amending a contract while months are closed (PRODUCT.md §2.3 "Period close").

The rule (docs/contract-file.md): a changed version of a contract with closed months needs
``effective_from``, a month after every closed one; unchanged content and first versions are
never blocked. A month is closed here by writing the row ``close_period`` records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from period_fixtures import close_month
from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor
from servicepact.domain.errors import InvalidInput, PeriodClosed
from servicepact.services.contracts import apply_contract, get_contract
from servicepact.services.open_periods import closed_months
from servicepact.services.periods import reopen_period

MakeDocument = Callable[..., ContractDocument]
CONTRACT = "acme-cs-2026"


@pytest.fixture
def applied(app: App, client_manager: Actor, make_contract_document: MakeDocument) -> None:
    apply_contract(app, actor=client_manager, document=make_contract_document(CONTRACT))


def close(app: App, actor: Actor, period: str) -> None:
    close_month(app, CONTRACT, period, closed_at=datetime(2026, 4, 2, tzinfo=UTC), by=actor)


def amend(app: App, actor: Actor, make: MakeDocument, **kw: str) -> int:
    outcome = apply_contract(app, actor=actor, document=make(CONTRACT, expected="0.85"), **kw)
    return outcome.version


def current_version(app: App, actor: Actor) -> int:
    return get_contract(app, actor=actor, contract_id=CONTRACT).version


def test_an_amendment_without_effective_month_is_refused_while_a_month_is_closed(
    app: App, applied: None, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    close(app, client_manager, "2026-02")
    close(app, client_manager, "2026-03")
    with pytest.raises(PeriodClosed) as caught:
        amend(app, client_manager, make_contract_document)
    message = str(caught.value)
    assert "2026-02, 2026-03" in message
    assert "--effective-from 2026-04" in message  # the month after the last closed one
    assert "servicepact reopen" in message
    assert current_version(app, client_manager) == 1


def test_an_amendment_effective_after_the_last_closed_month_is_accepted(
    app: App, applied: None, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    close(app, client_manager, "2026-03")
    assert amend(app, client_manager, make_contract_document, effective_from="2026-04") == 2
    with app.uow(read_only=True) as uow:
        entry = uow.connection.execute(
            sa.text("SELECT after FROM audit_log WHERE action = 'amend'")
        ).scalar_one()
    assert "2026-04" in str(entry)


def test_an_amendment_effective_in_or_before_a_closed_month_is_refused(
    app: App, applied: None, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    close(app, client_manager, "2026-03")
    for month in ("2026-03", "2026-01"):
        with pytest.raises(PeriodClosed, match="2026-03"):
            amend(app, client_manager, make_contract_document, effective_from=month)
    assert current_version(app, client_manager) == 1


def test_a_reopened_month_no_longer_blocks_an_amendment(
    app: App, applied: None, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    close(app, client_manager, "2026-03")
    reopen_period(
        app, actor=client_manager, contract_id=CONTRACT, period="2026-03", reason="new target"
    )
    assert closed_months(app, contract_id=CONTRACT) == []
    assert amend(app, client_manager, make_contract_document) == 2


def test_applying_the_same_content_again_is_never_blocked(
    app: App, applied: None, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    close(app, client_manager, "2026-03")
    outcome = apply_contract(app, actor=client_manager, document=make_contract_document(CONTRACT))
    assert (outcome.changed, outcome.version) == (False, 1)


def test_an_effective_month_that_is_not_a_month_is_a_clear_input_error(
    app: App, applied: None, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        amend(app, client_manager, make_contract_document, effective_from="2026-13")
