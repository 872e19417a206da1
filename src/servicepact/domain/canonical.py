"""The canonical JSON form of a contract (or portfolio) and its hash: equal contracts give
equal documents and equal hashes (docs/contract-file.md, "Canonical export").

- every field is written out, defaults included; fields in the order the model declares them,
  free-form mappings sorted by key;
- numbers in their shortest exact form, as strings in JSON so no binary float touches them;
- dates as ISO ``YYYY-MM-DD``; enums as their value; lists for tuples.

The YAML text of the same form is ``contractfile/canonical.py``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from servicepact.domain.contracts import Contract
from servicepact.domain.declared import (
    Clock,
    ColumnRef,
    Condition,
    DeclaredKpi,
    Measure,
    SumOf,
    Target,
)
from servicepact.domain.portfolio import Portfolio

FORMAT_VERSION = 1


def number_text(value: Decimal) -> str:
    """The shortest exact decimal text: ``0.80`` → ``0.8``, ``1E+2`` → ``100``, ``-0`` → ``0``."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


# Sections added after contracts were first stored: written only when used, so the
# canonical form (and hash) of a contract without them is what it always was.
_OMITTED_WHEN_EMPTY = {(Contract, "event_types"), (Contract, "kpis")}
# The declared vocabulary's nodes: only the keys a node uses, so a condition reads
# ``{column: status, eq: approved}`` rather than every possible key set to null.
_SPARSE = (Condition, ColumnRef, Clock, Target, Measure, SumOf, DeclaredKpi)


def plain_value(value: Any, *, json_mode: bool) -> Any:
    if isinstance(value, BaseModel):
        model = type(value)
        sparse = isinstance(value, _SPARSE)
        document: dict[str, Any] = {}
        for name, info in model.model_fields.items():
            item = getattr(value, name)
            if (model, name) in _OMITTED_WHEN_EMPTY and not item:
                continue
            if sparse and item is None:
                continue
            document[info.alias or name] = plain_value(item, json_mode=json_mode)
        return document
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return number_text(value) if json_mode else Decimal(number_text(value))
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, int):
        return value
    if isinstance(value, date):
        return value.isoformat() if json_mode else value
    if isinstance(value, dict):
        return {
            (str(key) if json_mode else key): plain_value(value[key], json_mode=json_mode)
            for key in sorted(value, key=str)
        }
    if isinstance(value, list | tuple):
        return [plain_value(item, json_mode=json_mode) for item in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def canonical_document(contract: Contract) -> dict[str, Any]:
    """``{"servicepact": 1, "contract": {...}}``, JSON-able; decimals as exact strings.

    ``Contract.model_validate(doc["contract"])`` gives back an equal contract.
    """
    return {"servicepact": FORMAT_VERSION, "contract": plain_value(contract, json_mode=True)}


def canonical_portfolio_document(portfolio: Portfolio) -> dict[str, Any]:
    return {"servicepact": FORMAT_VERSION, "portfolio": plain_value(portfolio, json_mode=True)}


def canonical_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def document_hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def contract_hash(contract: Contract) -> str:
    """SHA-256 of the canonical JSON; equal contracts give equal hashes."""
    return document_hash(canonical_document(contract))
