"""The canonical form of a contract: one text and one hash per meaning.

Rules (docs/contract-file.md, "Canonical export"):
- every field is written out, defaults included, so a stored version keeps
  its meaning even if a later release changes a default;
- fields in the order the model declares them; free-form mappings
  (calendars, hours, params, filter, volumes) sorted by key;
- numbers in their shortest exact form: ``0.80`` → ``0.8``, ``1.0e2`` → ``100``
  (equal numbers, equal text); in the JSON document decimals are strings so
  no binary float ever touches them;
- dates as ISO ``YYYY-MM-DD``; enums as their value; lists for tuples.
Equal contracts therefore give equal documents, equal YAML and equal hashes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import yaml
from pydantic import BaseModel

from servicepact.contractfile.reading import _CoreResolver
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
HEADER = (
    "# ServicePact contract file, canonical form (docs/contract-file.md).\n"
    "# Check it with `servicepact contract validate FILE`; apply it with "
    "`servicepact contract apply FILE`.\n"
)


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


def _plain(value: Any, *, json_mode: bool) -> Any:
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
            document[info.alias or name] = _plain(item, json_mode=json_mode)
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
            (str(key) if json_mode else key): _plain(value[key], json_mode=json_mode)
            for key in sorted(value, key=str)
        }
    if isinstance(value, list | tuple):
        return [_plain(item, json_mode=json_mode) for item in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def canonical_document(contract: Contract) -> dict[str, Any]:
    """``{"servicepact": 1, "contract": {...}}``, JSON-able; decimals as exact strings.

    ``Contract.model_validate(doc["contract"])`` gives back an equal contract.
    """
    return {"servicepact": FORMAT_VERSION, "contract": _plain(contract, json_mode=True)}


def canonical_portfolio_document(portfolio: Portfolio) -> dict[str, Any]:
    return {"servicepact": FORMAT_VERSION, "portfolio": _plain(portfolio, json_mode=True)}


def canonical_json(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def document_hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def contract_hash(contract: Contract) -> str:
    """SHA-256 of the canonical JSON; equal contracts give equal hashes."""
    return document_hash(canonical_document(contract))


_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[valid-type,misc]
    """Quotes any text that either YAML 1.1 or the 1.2 core schema would read as non-text.

    Built on libyaml's emitter when PyYAML has it (several times faster).
    """

    def ignore_aliases(self, data: Any) -> bool:
        return True  # never write anchors: a contract file should read top to bottom


for _first, _resolvers in _CoreResolver.yaml_implicit_resolvers.items():
    for _tag, _regexp in _resolvers:
        _Dumper.add_implicit_resolver(_tag, _regexp, [_first])


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = number_text(value)
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _represent_decimal)


def dump_document(document: dict[str, Any], header: str = HEADER) -> str:
    body = yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return header + body


def dump_contract(contract: Contract) -> str:
    """The canonical YAML text of a contract (see the module's rules)."""
    document = {"servicepact": FORMAT_VERSION, "contract": _plain(contract, json_mode=False)}
    return dump_document(document)


def dump_portfolio(portfolio: Portfolio) -> str:
    document = {"servicepact": FORMAT_VERSION, "portfolio": _plain(portfolio, json_mode=False)}
    return dump_document(document, header="# ServicePact portfolio file, canonical form.\n")
