"""The access rule, one table of cases, checked against both of its forms.

``Actor.can_see`` decides in Python; ``visible_contracts`` is the same rule as the SQL
condition every contract query joins. Both must answer each case of the table alike, so
a contract a user may not see is neither shown by a service nor read by a query.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from servicepact.domain.access import Actor, Role
from servicepact.domain.errors import AccessDenied
from servicepact.store.db.repositories import visible_contracts
from servicepact.store.db.tables.contracts import contracts

# (contract id, vendor, broker): the ids name neither party, so a refusal can be checked for them
CONTRACTS = [
    ("alpha", "helpco", None),
    ("bravo", "helpco", "bridge"),
    ("charlie", "otherco", "bridge"),
    ("delta", "otherco", "farbroker"),
    ("echo", "otherco", None),
]
ALL = {c[0] for c in CONTRACTS}

# role, party → the contracts that user sees (written out, not derived).
CASES = [
    (Role.VENDOR, "helpco", {"alpha", "bravo"}),
    (Role.VENDOR, "otherco", {"charlie", "delta", "echo"}),
    (Role.VENDOR, "bridge", set()),  # a vendor party named like a broker sees nothing brokered
    (Role.VENDOR, "nobody", set()),
    (Role.BROKER, "bridge", {"bravo", "charlie"}),
    (Role.BROKER, "farbroker", {"delta"}),
    (Role.BROKER, "helpco", set()),  # a broker party named like a vendor sees nothing
    (Role.ADMIN, None, ALL),
    (Role.CLIENT_MANAGER, None, ALL),
    (Role.EXECUTIVE, None, ALL),
    (Role.AUDITOR, None, ALL),
    (Role.CLIENT_MANAGER, "helpco", ALL),  # a party on a client role does not narrow it
]


@pytest.fixture(scope="module")
def database() -> Iterator[sa.Engine]:
    engine = sa.create_engine("sqlite://")
    contracts.create(engine)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        for contract_id, vendor, broker in CONTRACTS:
            connection.execute(
                sa.insert(contracts).values(
                    id=contract_id,
                    name=contract_id,
                    client="acme",
                    vendor=vendor,
                    broker=broker,
                    current_version=1,
                    created_at=at,
                    updated_at=at,
                )
            )
    yield engine
    engine.dispose()


@pytest.mark.parametrize(("role", "party", "expected"), CASES)
def test_the_domain_rule_answers_the_table(
    role: Role, party: str | None, expected: set[str]
) -> None:
    actor = Actor(user="u", role=role, party=party)
    seen = {cid for cid, vendor, broker in CONTRACTS if actor.can_see(vendor=vendor, broker=broker)}
    assert seen == expected
    for cid, vendor, broker in CONTRACTS:
        if cid in expected:
            actor.require_see(contract_id=cid, vendor=vendor, broker=broker)
        else:
            with pytest.raises(AccessDenied) as denied:
                actor.require_see(contract_id=cid, vendor=vendor, broker=broker)
            assert denied.value.where == cid
            assert str(denied.value) == f"{cid}: no access to contract {cid!r}"
            # The refusal names only the contract asked for, never its vendor or broker.
            assert vendor not in str(denied.value)
            assert broker is None or broker not in str(denied.value)


@pytest.mark.parametrize(("role", "party", "expected"), CASES)
def test_the_sql_filter_answers_the_table(
    database: sa.Engine, role: Role, party: str | None, expected: set[str]
) -> None:
    actor = Actor(user="u", role=role, party=party)
    with database.connect() as connection:
        rows = connection.execute(sa.select(contracts.c.id).where(visible_contracts(actor)))
        assert {row.id for row in rows} == expected


def test_a_scoped_role_needs_a_party() -> None:
    for role in (Role.VENDOR, Role.BROKER):
        with pytest.raises(ValueError, match=f"a {role.value} user must belong to a party"):
            Actor(user="u", role=role)
    assert Actor(user="u", role=Role.VENDOR, party="helpco").scoped
    assert not Actor(user="u", role=Role.AUDITOR).scoped


WRITERS = {Role.ADMIN, Role.CLIENT_MANAGER, Role.VENDOR}
CLIENT_MANAGERS = {Role.ADMIN, Role.CLIENT_MANAGER}


@pytest.mark.parametrize("role", list(Role))
def test_who_may_write_and_who_acts_for_the_client(role: Role) -> None:
    actor = Actor(user="u", role=role, party="p")
    if role in WRITERS:
        actor.require_write("apply contracts")
    else:
        with pytest.raises(AccessDenied, match=f"^{role.value} users cannot apply contracts$"):
            actor.require_write("apply contracts")
    if role in CLIENT_MANAGERS:
        actor.require_client("close periods")
    else:
        with pytest.raises(AccessDenied, match=r"^only the client's managers can close periods$"):
            actor.require_client("close periods")
    assert actor.reads_audit == (role in (Role.ADMIN, Role.AUDITOR))
    if role in (Role.VENDOR, Role.BROKER):
        with pytest.raises(AccessDenied, match=r"^business cases is visible to the client's"):
            actor.require_client_view("business cases")
    else:
        actor.require_client_view("business cases")
