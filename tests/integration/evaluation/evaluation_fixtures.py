"""Builders the evaluation tests share: the ``servicepact evaluate`` command on its own, a
contract file measuring calls answered within 20 s, a contract document from a file's data."""

from __future__ import annotations

from typing import Any

import typer

from servicepact.cli import evaluate as evaluate_commands
from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
from servicepact.domain.contracts import Contract

ANSWERED_WITHIN_20_S: dict[str, Any] = {
    "id": "SL-01",
    "name": "Calls answered within 20 s",
    "kpi": "answered_within",
    "source": "calls",
    "params": {"seconds": 20},
    "calendar": "always",
    "expected": 0.95,
    "minimum": 0.90,
    "kind": "critical",
    "allocation_percent": 40,
}


def evaluate_cli() -> typer.Typer:
    """Only the evaluate commands: the tests do not depend on every other command importing."""
    app = typer.Typer()
    evaluate_commands.register(app)
    app.command("noop", hidden=True)(lambda: None)  # two commands keep "evaluate" a subcommand
    return app


def calls_contract_file(*more_levels: dict[str, Any]) -> dict[str, Any]:
    """A contract file (24x7 in Seoul) with SL-01 and ``more_levels`` after it."""
    return {
        "servicepact": 1,
        "contract": {
            "id": "acme-cs-2026",
            "name": "Customer contact centre",
            "client": "acme",
            "vendor": "helpco",
            "term": {"start": "2026-01-01", "end": "2028-12-31"},
            "calendars": {"always": {"timezone": "Asia/Seoul", "hours": "24x7"}},
            "credits": {"at_risk_percent": 12, "pool_percent": 150},
            "service_levels": [dict(ANSWERED_WITHIN_20_S), *more_levels],
        },
    }


def contract_document(data: dict[str, Any]) -> ContractDocument:
    """The document the contract-file loader would make of a contract file's ``data``."""
    contract = Contract.model_validate(data)
    return ContractDocument(
        contract=contract,
        document=canonical_document(contract),
        source=f"{contract.id}.yaml",
        sha256=contract_hash(contract),
    )
