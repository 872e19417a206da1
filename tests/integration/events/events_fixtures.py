"""Builders the loading tests share: a contract applied from its file's data, a month closed
as ``close_period`` records it (so the tests need no credit engine), a CSV file to load."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
from servicepact.domain.access import Actor, Role
from servicepact.domain.contracts import Contract
from servicepact.services.contracts import apply_contract
from servicepact.store.db.tables.commercials import period_closes


def apply_contract_data(app: App, actor: Actor, data: dict[str, Any]) -> Contract:
    """Apply a contract given as its file holds it, as the contract-file loader would."""
    model = Contract.model_validate(data)
    document = ContractDocument(
        contract=model,
        document=canonical_document(model),
        source=f"{model.id}.yaml",
        sha256=contract_hash(model),
    )
    apply_contract(app, actor=actor, document=document)
    return model


def close_month(app: App, contract_id: str, period: str, *, closed_at: datetime) -> None:
    """Close a month (version 1) by writing the row ``close_period`` records, audited as alice."""
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
                closed_by="alice",
            )
        )
        uow.record(
            actor=Actor(user="alice", role=Role.CLIENT_MANAGER),
            entity_type="period_close",
            entity_id=f"{contract_id}/{period}/v1",
            action="close",
            after={"status": "closed"},
        )


def write_csv(path: Path, header: str, lines: list[str]) -> Path:
    """Write ``header`` and ``lines`` as a CSV file at ``path``."""
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path
