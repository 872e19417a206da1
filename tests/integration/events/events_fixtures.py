"""Builders the loading tests share: a contract applied from its file's data, a CSV file to
load (a month closed: tests/period_fixtures.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.services.contracts import apply_contract


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


def write_csv(path: Path, header: str, lines: list[str]) -> Path:
    """Write ``header`` and ``lines`` as a CSV file at ``path``."""
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path
