"""A page's request reads its session, the session's user and the data state in one query.

The user is read as it is now (a changed role takes effect on the next request) and the
state is the head of the audit trail, which every audited write moves.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from servicepact.bootstrap import App
from servicepact.domain.access import Actor, Role
from servicepact.services import sessions, users
from servicepact.store.db.tables.access import users as users_table

RULES = sessions.SessionRules(idle=timedelta(minutes=30), lifetime=timedelta(hours=8))


def _signed_in_alice(app: App, admin: Actor) -> str:
    users.add_user(app, actor=admin, name="alice", role=Role.CLIENT_MANAGER, party=None)
    alice = Actor(user="alice", role=Role.CLIENT_MANAGER)
    return sessions.start(app, actor=alice, rules=RULES).token


def test_the_session_comes_with_its_user_as_now_and_the_head_of_the_audit_trail(
    app: App, admin: Actor
) -> None:
    token = _signed_in_alice(app, admin)
    found = sessions.resolve(app, token=token, rules=RULES)
    assert found is not None
    assert found.actor == Actor(user="alice", role=Role.CLIENT_MANAGER)
    with app.uow(read_only=True) as uow:
        head = uow.audit.head().seq
    assert found.data_state == head

    with app.uow() as uow:  # alice's role changes; a write that is audited moves the head
        uow.connection.execute(
            sa.update(users_table).where(users_table.c.name == "alice").values(role="auditor")
        )
        uow.record(
            actor=admin, entity_type="user", entity_id="alice", action="set_role",
            before={"role": "client_manager"}, after={"role": "auditor"},
        )  # fmt: skip
    moved = sessions.resolve(app, token=token, rules=RULES)
    assert moved is not None
    assert moved.actor == Actor(user="alice", role=Role.AUDITOR)
    assert moved.data_state > found.data_state
    assert sessions.resolve(app, token="sp_unknown", rules=RULES) is None
