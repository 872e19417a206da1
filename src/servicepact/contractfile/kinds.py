"""The project's other YAML files, recognised by their top-level keys and validated by kind.

``servicepact contract validate examples/*.yaml`` meets contracts and the portfolio (the
``servicepact: 1`` format) but also the risk register, the entrustment register, selection
projects and business cases. Each is validated with the model its own ``apply`` command uses,
so a file that validates here is one that command accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from servicepact.contractfile.reading import DOCUMENT, format_path, parse_yaml, read_bytes
from servicepact.domain.errors import InvalidInput, Problem

M = TypeVar("M", bound=BaseModel)
MAX_FILE_BYTES = 5 * 1024 * 1024  # same order as a contract file: these are small documents


def load_yaml_model(path: Path, model: type[M], *, root: str | None = None) -> M:
    """Read ``path`` as YAML and validate it as ``model``; every problem named with its line.

    ``root``: the top-level key the document sits under (e.g. ``selection``), if any.
    """
    source = str(path)
    parsed = parse_yaml(read_bytes(path, max_bytes=MAX_FILE_BYTES))
    if parsed.problems:
        raise InvalidInput(problems=parsed.problems, source=source)
    data: Any = parsed.data
    prefix: tuple[str | int, ...] = ()
    if root is not None:
        if not isinstance(data, dict) or root not in data:
            raise InvalidInput(
                problems=[Problem(DOCUMENT, f"expected a mapping with a {root!r} key")],
                source=source,
            )
        data, prefix = data[root], (root,)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems: list[Problem] = []
        for item in error.errors():
            loc = prefix + tuple(item["loc"])
            line, column = parsed.locate(loc)
            problems.append(Problem(format_path(loc), item["msg"], line, column))
        raise InvalidInput(problems=problems, source=source) from None


@dataclass(frozen=True)
class OtherDocument:
    """A validated file of another kind: what it is and a one-line summary."""

    kind: str  # risks, entrustments, selection, business_case
    summary: str
    used_by: str  # the command that reads it


def _top_keys(path: Path) -> set[str] | None:
    parsed = parse_yaml(read_bytes(path, max_bytes=MAX_FILE_BYTES))
    if parsed.problems or not isinstance(parsed.data, dict):
        return None
    return {str(key) for key in parsed.data}


def load_other_document(path: Path) -> OtherDocument | None:
    """The file validated as its kind, or None when it is a contract or portfolio file (or
    not recognisably anything else: the contract loader then names its problems)."""
    keys = _top_keys(path)
    if keys is None or "servicepact" in keys:
        return None
    if "risks" in keys:
        from servicepact.domain.risks import RiskRegister

        risks = load_yaml_model(path, RiskRegister)
        return OtherDocument(
            "risks", f"risk register: {len(risks.risks)} risks", "servicepact risk apply"
        )
    if "entrustments" in keys:
        from servicepact.domain.entrustment import EntrustmentRegister

        register = load_yaml_model(path, EntrustmentRegister)
        return OtherDocument(
            "entrustments",
            f"entrustment register: {len(register.entrustments)} entries",
            "servicepact entrustment apply",
        )
    if "selection" in keys:
        from servicepact.domain.selection import SelectionProject

        project = load_yaml_model(path, SelectionProject, root="selection")
        return OtherDocument(
            "selection",
            f"selection project {project.id}: {len(project.candidates)} candidates",
            "servicepact selection evaluate",
        )
    if {"contract_id", "in_house"} <= keys:
        from servicepact.domain.business_case import BusinessCaseInputs

        case = load_yaml_model(path, BusinessCaseInputs)
        return OtherDocument(
            "business_case",
            f"business case for {case.contract_id}: {case.months} months",
            "servicepact business-case",
        )
    return None
