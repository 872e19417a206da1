"""The YAML contract format: read, validate with precise errors, export canonically, OpenSLO.

Others call exactly these names; see docs/contract-file.md and docs/openslo.md.
"""

from servicepact.contractfile.canonical import dump_contract, dump_portfolio
from servicepact.contractfile.documents import (
    ContractDocument,
    PortfolioDocument,
    load_contract_file,
    load_document,
    load_portfolio_file,
    parse_contract_text,
    parse_document_text,
)
from servicepact.contractfile.openslo import declarations_in, from_openslo, to_openslo
from servicepact.domain.canonical import FORMAT_VERSION, canonical_document, contract_hash

__all__ = [
    "FORMAT_VERSION",
    "ContractDocument",
    "PortfolioDocument",
    "canonical_document",
    "contract_hash",
    "declarations_in",
    "dump_contract",
    "dump_portfolio",
    "from_openslo",
    "load_contract_file",
    "load_document",
    "load_portfolio_file",
    "parse_contract_text",
    "parse_document_text",
    "to_openslo",
]
