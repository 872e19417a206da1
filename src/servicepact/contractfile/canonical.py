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

from decimal import Decimal
from typing import Any

import yaml

from servicepact.contractfile.reading import _CoreResolver
from servicepact.domain.canonical import FORMAT_VERSION, number_text, plain_value
from servicepact.domain.contracts import Contract
from servicepact.domain.portfolio import Portfolio

HEADER = (
    "# ServicePact contract file, canonical form (docs/contract-file.md).\n"
    "# Check it with `servicepact contract validate FILE`; apply it with "
    "`servicepact contract apply FILE`.\n"
)


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
    document = {"servicepact": FORMAT_VERSION, "contract": plain_value(contract, json_mode=False)}
    return dump_document(document)


def dump_portfolio(portfolio: Portfolio) -> str:
    document = {"servicepact": FORMAT_VERSION, "portfolio": plain_value(portfolio, json_mode=False)}
    return dump_document(document, header="# ServicePact portfolio file, canonical form.\n")
