"""A month closed as ``close_period`` records it (version 1, audited), so that tests of what a
closed month refuses need no credit engine. Shared by the loading and the contract tests."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from servicepact.bootstrap import App
from servicepact.domain.access import Actor, Role
from servicepact.store.db.tables.commercials import period_closes

ALICE = Actor(user="alice", role=Role.CLIENT_MANAGER)


def close_month(
    app: App, contract_id: str, period: str, *, closed_at: datetime, by: Actor = ALICE
) -> None:
    """Close ``period`` of ``contract_id`` (version 1) by writing the row ``close_period``
    records, audited as ``by``."""
    with app.uow() as uow:
        uow.connection.execute(
            sa.insert(period_closes).values(
                contract_id=contract_id,
                period=period,
                version=1,
                status="closed",
                contract_version=1,
                inputs_sha256="0" * 64,
                outputs_sha256="0" * 64,
                snapshot={},
                closed_at=closed_at,
                closed_by=by.user,
            )
        )
        uow.record(
            actor=by,
            entity_type="period_close",
            entity_id=f"{contract_id}/{period}/v1",
            action="close",
            after={"status": "closed"},
        )
