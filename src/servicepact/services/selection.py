"""Vendor selection: read a selection project file, evaluate it, report the result.

A selection project is a YAML file (``examples/selection/contact-centre-2027.yaml``);
it needs no database: evaluating is a pure computation over the file, so a
selection can be run, reviewed and re-run before any contract exists. Every
problem in the file is reported at once with its path and line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from servicepact.contractfile.reading import DOCUMENT, format_path, parse_yaml, read_bytes
from servicepact.domain.access import Actor
from servicepact.domain.errors import InvalidInput, NotFound, Problem
from servicepact.domain.selection import SelectionProject
from servicepact.engine.ahp import AhpResult, ahp_weights
from servicepact.engine.selection import SelectionResult, evaluate_selection, render_markdown
from servicepact.examples import examples_dir

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


def load_selection_project(path: Path) -> SelectionProject:
    return load_yaml_model(path, SelectionProject, root="selection")


def evaluate_selection_file(*, path: Path) -> SelectionResult:
    """Evaluate the selection in ``path``: knock-outs, ranking, spread, sensitivity."""
    project = load_selection_project(path)
    try:
        return evaluate_selection(project)
    except InvalidInput as error:
        raise InvalidInput(problems=error.problems, source=str(path)) from None


def selection_markdown(result: SelectionResult) -> str:
    """An evaluated selection as the Markdown report."""
    return render_markdown(result)


def pairwise_weights(rows: list[list[str]], *, where: str) -> AhpResult:
    """Weights, λmax, CI and CR of one pairwise comparison matrix (AHP)."""
    return ahp_weights(rows, where=where)


def result_json(result: SelectionResult) -> dict[str, Any]:
    """The result as plain JSON for ``--format json`` and the API."""
    winner = result.winner
    return {
        "project": result.project_id,
        "name": result.name,
        "winner": winner.candidate_id if winner else None,
        "weights": {
            key: {"local": result.local_weights[key], "global": value}
            for key, value in result.weights.items()
        },
        "ahp": {
            group: {
                "weights": list(ahp.weights),
                "lambda_max": ahp.lambda_max,
                "ci": ahp.ci,
                "ri": ahp.ri,
                "cr": ahp.cr,
                "consistent": ahp.consistent,
            }
            for group, ahp in result.ahp.items()
        },
        "ranking": [
            {
                "rank": c.rank,
                "candidate": c.candidate_id,
                "name": c.name,
                "total": c.total,
                "offer": None if c.offer is None else str(c.offer),
                "knockouts": [
                    {"criterion": k.criterion_id, "reason": k.reason} for k in c.knockouts
                ],
                "evaluator_totals": c.evaluator_totals,
                "total_spread": c.total_spread,
                "scores": {
                    key: {
                        "score": s.score,
                        "raw_mean": s.raw_mean,
                        "by_evaluator": s.by_evaluator,
                        "spread": s.spread,
                        "stdev": s.stdev,
                    }
                    for key, s in c.scores.items()
                },
            }
            for c in result.candidates
        ],
        "sensitivity": [
            {
                "criterion": s.criterion_id,
                "weight": s.weight,
                "threshold": s.threshold,
                "change": s.change,
                "relative_change": s.relative_change,
                "new_winner": s.new_winner,
            }
            for s in result.sensitivity
        ],
        "warnings": list(result.warnings),
    }


# --- selection projects for the API and web UI ----------------------------------------------------

# Default place of <project>.yaml files: the shipped examples, wherever the process runs.
SELECTION_DIR = examples_dir() / "selection"
_PROJECT_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _require_client_view(actor: Actor) -> None:
    # Offers and scores of competing bidders are the client's; no vendor or broker sees them.
    actor.require_client_view("a vendor selection")


def list_projects(*, actor: Actor, directory: Path = SELECTION_DIR) -> list[str]:
    """The selection projects (file names without ``.yaml``) in ``directory``."""
    _require_client_view(actor)
    if not directory.is_dir():
        return []
    return sorted(path.stem for path in directory.glob("*.yaml"))


def project_result(
    *, actor: Actor, project: str, directory: Path = SELECTION_DIR
) -> SelectionResult:
    """Evaluate one project of ``directory`` by name (never a path: no ``..`` escapes)."""
    _require_client_view(actor)
    path = directory / f"{project}.yaml"
    if not _PROJECT_FILE.match(project) or not path.is_file():
        raise NotFound(f"no selection project {project!r}", where=project)
    return evaluate_selection_file(path=path)
