"""Loading contract and portfolio files: shape, version, validation, every problem at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from servicepact.config import Settings
from servicepact.contractfile.library import Origin, merge_libraries, relocate
from servicepact.contractfile.messages import suggestion
from servicepact.contractfile.reading import (
    DOCUMENT,
    ParsedYaml,
    PathKey,
    format_path,
    parse_yaml,
    read_bytes,
)
from servicepact.contractfile.validation import Finding, validate_contract, validate_portfolio
from servicepact.domain.canonical import (
    FORMAT_VERSION,
    canonical_document,
    canonical_portfolio_document,
    contract_hash,
    document_hash,
)
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.portfolio import Portfolio

SUPPORTED_VERSIONS = (FORMAT_VERSION,)
KINDS = ("contract", "portfolio")
TOP_LEVEL = ("servicepact", *KINDS)

# The default comes from the one settings class, so the limit has a single source.
DEFAULT_MAX_BYTES: int = Settings.model_fields["max_contract_file_bytes"].default


@dataclass(frozen=True)
class ContractDocument:
    """A valid contract file: the contract, its canonical document and its hash."""

    contract: Contract
    document: dict[str, Any]
    source: str
    sha256: str
    text: str = field(default="", repr=False)


@dataclass(frozen=True)
class PortfolioDocument:
    portfolio: Portfolio
    document: dict[str, Any]
    source: str
    sha256: str
    text: str = field(default="", repr=False)


def _problem(parsed: ParsedYaml, path: PathKey, message: str) -> Problem:
    line, column = parsed.locate(path)
    return Problem(format_path(path), message, line, column)


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.line or 0, p.column or 0))


def _check_shape(parsed: ParsedYaml, expect: str | None) -> tuple[str | None, list[Problem]]:
    """Which kind of file this is, and the problems with its top level."""
    data = parsed.data
    if not isinstance(data, dict):
        if isinstance(data, str) and ("," in data or ";" in data or "\t" in data):
            hint = " — it reads as plain text; is it a CSV file?"
        elif isinstance(data, list):
            hint = " — it is a list"
        else:
            hint = ""
        wanted = expect or "contract"
        return None, [
            _problem(
                parsed,
                (),
                f"must be a YAML mapping with `servicepact: {FORMAT_VERSION}` and "
                f"`{wanted}:`{hint}",
            )
        ]
    problems: list[Problem] = []
    misspelt_kind = False
    for key in data:
        if key not in TOP_LEVEL:
            misspelt_kind = misspelt_kind or bool(
                difflib.get_close_matches(str(key), KINDS, 1, 0.6)
            )
            problems.append(
                _problem(
                    parsed,
                    (key,),
                    "is not a known top-level field" + suggestion(str(key), list(TOP_LEVEL)),
                )
            )
    if "servicepact" not in data:
        problems.append(
            _problem(
                parsed,
                (),
                "the format version is missing: start the file with "
                f"`servicepact: {FORMAT_VERSION}`",
            )
        )
    else:
        version = data["servicepact"]
        if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
            problems.append(
                _problem(
                    parsed,
                    ("servicepact",),
                    f"unsupported format version {version!r}; this release reads "
                    f"`servicepact: {FORMAT_VERSION}`",
                )
            )
    present = [kind for kind in KINDS if kind in data]
    if len(present) > 1:
        problems.append(
            _problem(parsed, (present[1],), "a file holds one contract or one portfolio, not both")
        )
    kind = present[0] if present else None
    if kind is None:
        if not misspelt_kind:  # a misspelt section is reported once, above
            problems.append(_problem(parsed, (), f"needs a `{expect or 'contract'}:` section"))
    elif expect is not None and kind != expect:
        problems.append(
            _problem(parsed, (kind,), f"this is a {kind} file; a {expect} file was expected")
        )
        kind = None
    return kind, problems


def _located(
    parsed: ParsedYaml,
    root: str,
    findings: list[Finding],
    origins: dict[tuple[str, int], Origin] | None = None,
) -> list[Problem]:
    """Problems on the lines they belong to: a declaration merged from a library file is
    reported in that file."""
    located: list[Problem] = []
    for finding in findings:
        origin = relocate(finding.path, origins or {})
        if origin is not None:
            located.append(origin.problem(finding.path[2:], finding.message))
        else:
            located.append(_problem(parsed, (root, *finding.path), finding.message))
    return located


def _load(
    parsed: ParsedYaml,
    *,
    source: str,
    text: str,
    expect: str | None,
    custom_event_types: Iterable[str],
    base_dir: Path | None = None,
) -> ContractDocument | PortfolioDocument:
    problems = list(parsed.problems)
    if parsed.data is None and problems:
        raise InvalidInput(problems=_sorted(problems), source=source)
    kind, shape = _check_shape(parsed, expect)
    problems.extend(shape)
    result: ContractDocument | PortfolioDocument | None = None
    if kind == "contract":
        data = parsed.data["contract"]
        origins: dict[tuple[str, int], Origin] = {}
        if isinstance(data, dict):
            merged = merge_libraries(data, parsed, base_dir)
            data, origins, library_problems = merged.data, merged.origins, merged.problems
            if library_problems:
                # Without its libraries the contract would only repeat their absence.
                raise InvalidInput(problems=_sorted([*problems, *library_problems]), source=source)
        contract, findings = validate_contract(data, custom_event_types=custom_event_types)
        problems.extend(_located(parsed, "contract", findings, origins))
        if contract is not None:
            result = ContractDocument(
                contract=contract,
                document=canonical_document(contract),
                source=source,
                sha256=contract_hash(contract),
                text=text,
            )
    elif kind == "portfolio":
        portfolio, findings = validate_portfolio(parsed.data["portfolio"])
        problems.extend(_located(parsed, "portfolio", findings))
        if portfolio is not None:
            document = canonical_portfolio_document(portfolio)
            result = PortfolioDocument(
                portfolio=portfolio,
                document=document,
                source=source,
                sha256=document_hash(document),
                text=text,
            )
    if problems or result is None:
        if not problems:  # pragma: no cover - every failing path above adds a problem
            problems.append(Problem(DOCUMENT, "is not a valid ServicePact file"))
        raise InvalidInput(problems=_sorted(problems), source=source)
    return result


def _read(path: Path, max_bytes: int | None) -> tuple[ParsedYaml, str]:
    raw = read_bytes(path, max_bytes=DEFAULT_MAX_BYTES if max_bytes is None else max_bytes)
    parsed = parse_yaml(raw)
    text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
    return parsed, text


def load_document(
    path: Path, *, max_bytes: int | None = None, custom_event_types: Iterable[str] = ()
) -> ContractDocument | PortfolioDocument:
    """Parse and validate a contract or portfolio file; ``InvalidInput`` lists every problem."""
    parsed, text = _read(path, max_bytes)
    return _load(
        parsed,
        source=str(path),
        text=text,
        expect=None,
        custom_event_types=custom_event_types,
        base_dir=path.parent,
    )


def load_contract_file(
    path: Path, *, max_bytes: int | None = None, custom_event_types: Iterable[str] = ()
) -> ContractDocument:
    parsed, text = _read(path, max_bytes)
    document = _load(
        parsed,
        source=str(path),
        text=text,
        expect="contract",
        custom_event_types=custom_event_types,
        base_dir=path.parent,
    )
    assert isinstance(document, ContractDocument)
    return document


def load_portfolio_file(path: Path, *, max_bytes: int | None = None) -> PortfolioDocument:
    parsed, text = _read(path, max_bytes)
    document = _load(parsed, source=str(path), text=text, expect="portfolio", custom_event_types=())
    assert isinstance(document, PortfolioDocument)
    return document


def parse_contract_text(
    text: str, source: str = "<string>", *, custom_event_types: Iterable[str] = ()
) -> ContractDocument:
    """Validate a contract given as text (API uploads, tests)."""
    if len(text.encode("utf-8")) > DEFAULT_MAX_BYTES:
        raise InvalidInput(
            problems=[Problem(DOCUMENT, f"is above the limit of {DEFAULT_MAX_BYTES:,} bytes")],
            source=source,
        )
    document = _load(
        parse_yaml(text),
        source=source,
        text=text,
        expect="contract",
        custom_event_types=custom_event_types,
    )
    assert isinstance(document, ContractDocument)
    return document


def parse_document_text(
    text: str, source: str = "<string>", *, custom_event_types: Iterable[str] = ()
) -> ContractDocument | PortfolioDocument:
    return _load(
        parse_yaml(text),
        source=source,
        text=text,
        expect=None,
        custom_event_types=custom_event_types,
    )
