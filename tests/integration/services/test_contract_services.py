"""Contracts, the portfolio and users through their services, on a real database.

Personas: alice manages contracts for the client acme; bob works for vendor
helpco, charlie for vendor otherco; erin for broker bridgeco; dana audits.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
import sqlalchemy as sa

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor, Role
from servicepact.domain.errors import AccessDenied, Conflict, InvalidInput, NotFound
from servicepact.domain.portfolio import (
    Decision,
    Office,
    Party,
    PartyKind,
    Portfolio,
    Process,
    ProcessDomain,
)
from servicepact.services.contracts import (
    ApplyOutcome,
    apply_contract,
    apply_documents,
    export_contract,
    get_contract,
    list_contracts,
)
from servicepact.services.portfolio import PortfolioOutcome, apply_portfolio, get_portfolio
from servicepact.services.users import (
    add_user,
    authenticate_token,
    create_token,
    revoke_token,
    token_hash,
)
from servicepact.store.db.tables.access import api_tokens

MakeDocument = Callable[..., ContractDocument]


def _audit_count(app: App) -> int:
    with app.uow(read_only=True) as uow:
        return uow.audit.head().seq


@pytest.fixture
def two_vendors(app: App, client_manager: Actor, make_contract_document: MakeDocument) -> None:
    """helpco runs the contact centre (brokered by bridgeco); otherco runs payroll."""
    apply_contract(
        app,
        actor=client_manager,
        document=make_contract_document("acme-cs-2026", vendor="helpco", broker="bridgeco"),
    )
    apply_contract(
        app,
        actor=client_manager,
        document=make_contract_document("acme-pay-2026", vendor="otherco"),
    )


def test_applying_a_new_contract_stores_version_one_and_audits_it(
    app: App, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    outcome = apply_contract(app, actor=client_manager, document=make_contract_document())
    assert (outcome.contract_id, outcome.version, outcome.changed) == ("acme-cs-2026", 1, True)
    with app.uow(read_only=True) as uow:
        entry = uow.audit.list(entity_type="contract")[0]
    assert (entry.entity_id, entry.action, entry.actor_user) == ("acme-cs-2026", "create", "alice")
    assert entry.after["version"] == 1


def test_applying_the_same_content_again_changes_and_audits_nothing(
    app: App, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    apply_contract(app, actor=client_manager, document=make_contract_document())
    rows_before = _audit_count(app)
    outcome = apply_contract(app, actor=client_manager, document=make_contract_document())
    assert (outcome.version, outcome.changed) == (1, False)
    assert _audit_count(app) == rows_before


def test_changed_content_becomes_an_amendment_and_the_old_version_stays_readable(
    app: App, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    apply_contract(app, actor=client_manager, document=make_contract_document(expected="0.80"))
    amended = apply_contract(
        app, actor=client_manager, document=make_contract_document(expected="0.85")
    )
    assert (amended.version, amended.changed, amended.supersedes) == (2, True, 1)
    current = get_contract(app, actor=client_manager, contract_id="acme-cs-2026")
    original = get_contract(app, actor=client_manager, contract_id="acme-cs-2026", version=1)
    with app.uow(read_only=True) as uow:
        entry = uow.audit.list(entity_type="contract")[0]
    assert current.version == 2
    assert current.versions == (1, 2)
    assert current.supersedes == 1
    assert current.contract.service_levels[0].expected == Decimal("0.85")
    assert original.contract.service_levels[0].expected == Decimal("0.80")
    assert not original.current
    assert entry.action == "amend"
    assert entry.before["version"] == 1


def test_a_stored_contract_exports_exactly_as_it_was_applied(
    app: App, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    document = make_contract_document()
    apply_contract(app, actor=client_manager, document=document)
    exported = export_contract(app, actor=client_manager, contract_id="acme-cs-2026")
    stored = get_contract(app, actor=client_manager, contract_id="acme-cs-2026")
    assert exported == document.contract
    assert stored.sha256 == document.sha256
    assert (stored.applied_by, stored.source_name) == ("alice", "acme-cs-2026.yaml")


def test_only_the_file_name_of_the_source_is_kept_not_its_directory(
    app: App, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    document = make_contract_document(source="/home/alice/contracts/acme-cs.yaml")
    apply_contract(app, actor=client_manager, document=document)
    stored = get_contract(app, actor=client_manager, contract_id="acme-cs-2026")
    with app.uow(read_only=True) as uow:
        entry = uow.audit.list(entity_type="contract")[0]
    assert stored.source_name == "acme-cs.yaml"
    assert entry.after["source"] == "acme-cs.yaml"


def test_a_new_version_may_not_change_the_vendor(
    app: App, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    apply_contract(app, actor=client_manager, document=make_contract_document(vendor="helpco"))
    with pytest.raises(Conflict, match="vendor 'helpco'") as caught:
        apply_contract(app, actor=client_manager, document=make_contract_document(vendor="otherco"))
    assert caught.value.where == "contract.vendor"


@pytest.mark.parametrize("persona", ["vendor_a", "auditor", "broker_user"])
def test_only_the_clients_managers_apply_contracts(
    app: App, make_contract_document: MakeDocument, persona: str, request: pytest.FixtureRequest
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    with pytest.raises(AccessDenied):
        apply_contract(app, actor=actor, document=make_contract_document())


def test_parties_a_contract_names_are_created_with_their_kind_when_no_portfolio_exists(
    app: App, client_manager: Actor, auditor: Actor, two_vendors: None
) -> None:
    with app.uow(read_only=True) as uow:
        kinds = {p.party.id: p.party.kind for p in uow.parties.list()}
    assert kinds == {
        "acme": PartyKind.CLIENT,
        "helpco": PartyKind.VENDOR,
        "bridgeco": PartyKind.BROKER,
        "otherco": PartyKind.VENDOR,
    }


def test_with_a_portfolio_loaded_a_contract_must_name_known_parties(
    app: App, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    portfolio = Portfolio(
        parties=(
            Party(id="acme", kind=PartyKind.CLIENT, name="Acme"),
            Party(id="helpco", kind=PartyKind.VENDOR, name="HelpCo"),
        )
    )
    apply_portfolio(app, actor=client_manager, portfolio=portfolio)
    with pytest.raises(InvalidInput) as caught:
        apply_contract(app, actor=client_manager, document=make_contract_document(vendor="nobody"))
    (problem,) = caught.value.problems
    assert problem.where == "contract.vendor"
    assert "unknown party 'nobody'" in problem.message


def test_a_party_of_the_wrong_kind_is_refused(
    app: App, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    apply_contract(app, actor=client_manager, document=make_contract_document(vendor="helpco"))
    with pytest.raises(InvalidInput, match="'acme' is a client, not a vendor"):
        apply_contract(
            app,
            actor=client_manager,
            document=make_contract_document("x-2026", vendor="acme", client="helpco"),
        )


def test_a_vendor_lists_only_its_own_contracts(
    app: App, vendor_a: Actor, vendor_b: Actor, two_vendors: None
) -> None:
    assert [c.id for c in list_contracts(app, actor=vendor_a)] == ["acme-cs-2026"]
    assert [c.id for c in list_contracts(app, actor=vendor_b)] == ["acme-pay-2026"]


@pytest.mark.parametrize("read", [get_contract, export_contract])
def test_bob_cannot_read_charlies_contract_nor_learn_that_it_exists(
    app: App, vendor_a: Actor, two_vendors: None, read: Callable[..., object]
) -> None:
    with pytest.raises(NotFound) as hidden:
        read(app, actor=vendor_a, contract_id="acme-pay-2026")
    with pytest.raises(NotFound) as missing:
        read(app, actor=vendor_a, contract_id="no-such-contract")
    assert str(hidden.value) == "acme-pay-2026: no contract 'acme-pay-2026'"
    assert str(missing.value) == "no-such-contract: no contract 'no-such-contract'"


def test_a_broker_sees_the_contracts_it_brokers_and_nothing_else(
    app: App, broker_user: Actor, two_vendors: None
) -> None:
    assert [c.id for c in list_contracts(app, actor=broker_user)] == ["acme-cs-2026"]
    with pytest.raises(NotFound):
        get_contract(app, actor=broker_user, contract_id="acme-pay-2026")


def test_the_client_and_the_auditor_see_every_contract(
    app: App, client_manager: Actor, auditor: Actor, two_vendors: None
) -> None:
    for actor in (client_manager, auditor):
        assert [c.id for c in list_contracts(app, actor=actor)] == [
            "acme-cs-2026",
            "acme-pay-2026",
        ]


def test_asking_for_a_version_that_does_not_exist_names_the_versions_there_are(
    app: App, client_manager: Actor, two_vendors: None
) -> None:
    with pytest.raises(NotFound, match="no version 7 \\(versions 1–1\\)"):
        get_contract(app, actor=client_manager, contract_id="acme-cs-2026", version=7)


def _portfolio() -> Portfolio:
    return Portfolio(
        parties=(
            Party(id="acme", kind=PartyKind.CLIENT, name="Acme Retail"),
            Party(id="helpco", kind=PartyKind.VENDOR, name="HelpCo", country="KR"),
        ),
        processes=(
            Process(
                id="customer-service",
                name="Customer service",
                domain=ProcessDomain.CRM,
                office=Office.FRONT,
            ),
            Process(
                id="customer-support",
                name="Customer support",
                domain=ProcessDomain.CRM,
                office=Office.FRONT,
                parent="customer-service",
            ),
        ),
        decisions=(
            Decision.model_validate(
                {
                    "id": "D-001",
                    "date": "2025-11-03",
                    "title": "Outsource first-line support",
                    "owner": "Head of Service",
                    "rationale": "Volume peaks exceed in-house capacity",
                    "processes": ["customer-support"],
                }
            ),
        ),
    )


def test_applying_a_portfolio_twice_changes_nothing_the_second_time(
    app: App, client_manager: Actor
) -> None:
    first = apply_portfolio(app, actor=client_manager, portfolio=_portfolio())
    rows = _audit_count(app)
    second = apply_portfolio(app, actor=client_manager, portfolio=_portfolio())
    assert (first.created, first.updated, first.changed) == (5, 0, True)
    assert (second.unchanged, second.changed) == (5, False)
    assert _audit_count(app) == rows


def test_a_portfolio_and_contracts_are_stored_together_in_the_order_given(
    app: App, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    outcomes = apply_documents(
        app,
        actor=client_manager,
        documents=[_portfolio(), make_contract_document(), make_contract_document("acme-it-2026")],
    )
    portfolio, first, second = outcomes
    assert isinstance(portfolio, PortfolioOutcome)
    assert (portfolio.created, portfolio.updated) == (5, 0)  # 2 parties, 2 processes, 1 decision
    assert isinstance(first, ApplyOutcome)
    assert isinstance(second, ApplyOutcome)
    assert [(o.contract_id, o.version) for o in (first, second)] == [
        ("acme-cs-2026", 1),
        ("acme-it-2026", 1),
    ]
    assert get_portfolio(app, actor=client_manager) == _portfolio()


def test_one_refused_document_stores_none_of_those_applied_with_it(
    app: App, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    apply_contract(app, actor=client_manager, document=make_contract_document(vendor="helpco"))
    rows = _audit_count(app)
    with pytest.raises(Conflict, match="vendor 'helpco'"):
        apply_documents(
            app,
            actor=client_manager,
            documents=[
                make_contract_document("acme-it-2026"),  # valid, and first
                make_contract_document(vendor="otherco"),  # an amendment changing the vendor
            ],
        )
    assert [s.id for s in list_contracts(app, actor=client_manager)] == ["acme-cs-2026"]
    assert _audit_count(app) == rows


def test_the_stored_portfolio_reads_back_equal(app: App, client_manager: Actor) -> None:
    apply_portfolio(app, actor=client_manager, portfolio=_portfolio())
    assert get_portfolio(app, actor=client_manager) == _portfolio()


def test_a_portfolio_party_first_named_by_a_contract_takes_the_portfolio_name(
    app: App, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    apply_contract(app, actor=client_manager, document=make_contract_document())
    outcome = apply_portfolio(app, actor=client_manager, portfolio=_portfolio())
    with app.uow(read_only=True) as uow:
        helpco = uow.parties.get("helpco")
    assert outcome.updated == 2  # acme and helpco existed with their ids as names
    assert helpco is not None
    assert helpco.party.name == "HelpCo"


def test_the_audit_trail_keeps_no_owner_names_from_the_portfolio(
    app: App, client_manager: Actor
) -> None:
    apply_portfolio(app, actor=client_manager, portfolio=_portfolio())
    with app.uow(read_only=True) as uow:
        (entry,) = uow.audit.list(entity_type="decision")
    assert "Head of Service" not in str(entry.after)
    assert entry.after["owner"] == "(set)"


def test_vendors_do_not_get_the_portfolio(app: App, vendor_a: Actor) -> None:
    with pytest.raises(AccessDenied):
        get_portfolio(app, actor=vendor_a)


def test_a_token_authenticates_its_user_and_only_its_hash_is_stored(
    app: App, admin: Actor, client_manager: Actor, make_contract_document: MakeDocument
) -> None:
    apply_contract(app, actor=client_manager, document=make_contract_document())
    add_user(app, actor=admin, name="bob", role=Role.VENDOR, party="helpco")
    issued = create_token(app, actor=admin, user="bob", label="uploads")
    actor = authenticate_token(app, token=issued.token)
    with app.uow(read_only=True) as uow:
        stored = uow.connection.execute(sa.select(api_tokens.c.token_hash)).scalar_one()
    assert actor == Actor(user="bob", role=Role.VENDOR, party="helpco")
    assert stored == token_hash(issued.token)
    assert issued.token not in stored


def test_a_revoked_or_unknown_token_is_refused(app: App, admin: Actor) -> None:
    add_user(app, actor=admin, name="alice", role=Role.CLIENT_MANAGER)
    issued = create_token(app, actor=admin, user="alice")
    revoke_token(app, actor=admin, token_id=issued.id)
    with pytest.raises(AccessDenied, match="invalid or revoked"):
        authenticate_token(app, token=issued.token)
    with pytest.raises(AccessDenied, match="invalid or revoked"):
        authenticate_token(app, token="sp_guess")


def test_a_vendor_user_must_belong_to_a_vendor_party(
    app: App, admin: Actor, client_manager: Actor, two_vendors: None
) -> None:
    with pytest.raises(InvalidInput) as caught:
        add_user(app, actor=admin, name="bob", role=Role.VENDOR, party="acme")
    assert caught.value.problems[0].where == "party"
    with pytest.raises(InvalidInput, match="must belong to a party"):
        add_user(app, actor=admin, name="bob", role=Role.VENDOR)


def test_only_administrators_manage_users_and_tokens(app: App, client_manager: Actor) -> None:
    with pytest.raises(AccessDenied):
        add_user(app, actor=client_manager, name="zed", role=Role.AUDITOR)
    with pytest.raises(AccessDenied):
        create_token(app, actor=client_manager, user="zed")
