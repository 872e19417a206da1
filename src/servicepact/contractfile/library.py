"""Library files: event types and KPIs declared once and used by several contracts.

A contract names them under ``uses`` (paths relative to the contract file)::

    # procurement-library.yaml
    servicepact: 1
    library:
      uses: [common.yaml]          # a library may use others (no cycles)
      event_types: [...]
      kpis: [...]

Their event types and KPIs are added to the contract's own before it is
validated, so everything a declaration must satisfy is checked as if it were
written in the contract — and each problem is reported in the library file, on
its line. The contract's canonical form holds the declarations themselves (a
stored version keeps its meaning if a library file changes later).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from servicepact.contractfile.reading import (
    DOCUMENT,
    ParsedYaml,
    PathKey,
    format_path,
    parse_yaml,
    read_bytes,
)
from servicepact.contractfile.validation import findings_from
from servicepact.domain.declared import DeclaredEventType, DeclaredKpi
from servicepact.domain.errors import InvalidInput, Problem

LIBRARY = "library"
SECTIONS = ("event_types", "kpis")
MAX_LIBRARY_FILES = 16
MAX_LIBRARY_DEPTH = 4
_MODELS: dict[str, type[BaseModel]] = {"event_types": DeclaredEventType, "kpis": DeclaredKpi}


@dataclass(frozen=True)
class Origin:
    """Where a declaration merged into a contract was written."""

    file: str
    parsed: ParsedYaml
    key: str
    index: int

    def problem(self, rest: PathKey, message: str) -> Problem:
        path = (LIBRARY, self.key, self.index, *rest)
        line, column = self.parsed.locate(path)
        return Problem(f"{self.file}: {format_path(path)}", message, line, column)


@dataclass
class Libraries:
    items: dict[str, list[tuple[Any, Origin]]] = field(
        default_factory=lambda: {key: [] for key in SECTIONS}
    )
    problems: list[Problem] = field(default_factory=list)
    files: int = 0


def _file_problem(file: str, parsed: ParsedYaml | None, path: PathKey, message: str) -> Problem:
    line, column = parsed.locate(path) if parsed is not None else (None, None)
    return Problem(f"{file}: {format_path(path)}", message, line, column)


@dataclass(frozen=True)
class MergedContract:
    """The contract with its libraries' declarations appended, where each merged item came
    from (by section and index in the merged list), and the problems of the libraries."""

    data: dict[str, Any]
    origins: dict[tuple[str, int], Origin] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def merge_libraries(
    contract: dict[str, Any], parsed: ParsedYaml, base_dir: Path | None
) -> MergedContract:
    """The contract with the declarations of the libraries it uses (``uses:``) appended."""
    if "uses" not in contract:
        return MergedContract(contract)
    uses = contract["uses"]
    merged = {k: v for k, v in contract.items() if k != "uses"}
    here = ("contract", "uses")

    def at(path: PathKey, message: str) -> Problem:
        line, column = parsed.locate(path)
        return Problem(format_path(path), message, line, column)

    if not isinstance(uses, list) or not all(isinstance(u, str) for u in uses):
        return MergedContract(merged, problems=[at(here, "must be a list of library file paths")])
    if base_dir is None:
        text_only = (
            "a contract sent as text cannot use library files: put their event_types "
            "and kpis in the contract itself"
        )
        return MergedContract(merged, problems=[at(here, text_only)])
    found = Libraries()
    for index, name in enumerate(uses):
        path = _inside(base_dir, name)
        if path is None:
            found.problems.append(
                at((*here, index), "must be a relative path beside or below the contract file")
            )
            continue
        _read_library(path, name, base_dir, (), found)
    origins: dict[tuple[str, int], Origin] = {}
    for key in SECTIONS:
        own = merged.get(key) or []
        if not isinstance(own, list):
            continue  # reported by the contract's own validation
        for offset, (_, origin) in enumerate(found.items[key]):
            origins[(key, len(own) + offset)] = origin
        merged[key] = [*own, *(item for item, _ in found.items[key])]
    return MergedContract(merged, origins, found.problems)


def _inside(base_dir: Path, name: str) -> Path | None:
    candidate = Path(name)
    if candidate.is_absolute():
        return None
    path = (base_dir / candidate).resolve()
    if not path.is_relative_to(base_dir.resolve()):
        return None
    return path


def _read_library(
    path: Path, name: str, base_dir: Path, chain: tuple[Path, ...], found: Libraries
) -> None:
    file = name
    if path in chain:
        cycle = " → ".join(p.name for p in (*chain, path))
        found.problems.append(Problem(f"{file}: {DOCUMENT}", f"is used in a cycle: {cycle}"))
        return
    if len(chain) >= MAX_LIBRARY_DEPTH:
        found.problems.append(
            Problem(f"{file}: {DOCUMENT}", f"libraries nest deeper than {MAX_LIBRARY_DEPTH}")
        )
        return
    found.files += 1
    if found.files > MAX_LIBRARY_FILES:
        found.problems.append(
            Problem(f"{file}: {DOCUMENT}", f"a contract uses at most {MAX_LIBRARY_FILES} libraries")
        )
        return
    try:
        from servicepact.contractfile.documents import DEFAULT_MAX_BYTES

        parsed = parse_yaml(read_bytes(path, max_bytes=DEFAULT_MAX_BYTES))
    except InvalidInput as error:
        found.problems.extend(
            Problem(f"{file}: {p.where}", p.message, p.line, p.column) for p in error.problems
        )
        return
    found.problems.extend(
        Problem(f"{file}: {p.where}", p.message, p.line, p.column) for p in parsed.problems
    )
    data = parsed.data
    body = data.get(LIBRARY) if isinstance(data, dict) else None
    if not isinstance(body, dict) or data.get("servicepact") != 1:
        found.problems.append(
            _file_problem(
                file, parsed, (), "must be a library file: `servicepact: 1` and `library:`"
            )
        )
        return
    for key in body:
        if key not in (*SECTIONS, "uses"):
            found.problems.append(
                _file_problem(
                    file,
                    parsed,
                    (LIBRARY, key),
                    "is not a library field (uses, event_types, kpis)",
                )
            )
    nested = body.get("uses") or []
    if not isinstance(nested, list) or not all(isinstance(u, str) for u in nested):
        found.problems.append(
            _file_problem(file, parsed, (LIBRARY, "uses"), "must be a list of file paths")
        )
        nested = []
    for index, other in enumerate(nested):
        target = _inside(base_dir, str(Path(name).parent / other))
        if target is None:
            found.problems.append(
                _file_problem(
                    file,
                    parsed,
                    (LIBRARY, "uses", index),
                    "must be a relative path beside or below the contract file",
                )
            )
            continue
        _read_library(target, str(Path(name).parent / other), base_dir, (*chain, path), found)
    _read_sections(file, parsed, body, found)


def _read_sections(file: str, parsed: ParsedYaml, body: dict[str, Any], found: Libraries) -> None:
    """The library's event types and KPIs: each valid one kept with its origin, each
    invalid one reported at its place in the file."""
    for key in SECTIONS:
        items = body.get(key) or []
        if not isinstance(items, list):
            found.problems.append(_file_problem(file, parsed, (LIBRARY, key), "must be a list"))
            continue
        for index, item in enumerate(items):
            origin = Origin(file, parsed, key, index)
            try:
                _MODELS[key].model_validate(item)
            except ValidationError as error:
                for finding in findings_from(error, item, _MODELS[key]):
                    found.problems.append(origin.problem(finding.path, finding.message))
                continue
            found.items[key].append((item, origin))


def relocate(problem_path: PathKey, origins: dict[tuple[str, int], Origin]) -> Origin | None:
    """The library a contract-relative path points into, if it does."""
    if len(problem_path) >= 2 and isinstance(problem_path[1], int):
        return origins.get((str(problem_path[0]), problem_path[1]))
    return None
