"""An older revision's code, to time beside this one (``--baseline REV`` of the benchmarks).

Its ``src/`` (and ``examples/``, which the demo reads, and ``pyproject.toml``) is exported once
under ``out/baseline-<commit>/``; a command run with that ``src/`` first on ``PYTHONPATH`` imports
the older ``servicepact`` with this virtual environment's libraries. ``program(src)`` is the
``servicepact`` program of either side.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def export_revision(revision: str) -> Path:
    """``src/`` of ``revision``, exported once under ``out/baseline-<commit>/``."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", revision], check=True, capture_output=True, text=True,
        cwd=HERE,
    ).stdout.strip()  # fmt: skip
    target = HERE / "out" / f"baseline-{commit}"
    if not (target / "pyproject.toml").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", commit, "src", "examples", "pyproject.toml"],
            check=True,
            capture_output=True,
            cwd=HERE.parent,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


def program(src: Path | None = None) -> list[str]:
    """The command running the ``servicepact`` program: this environment's console script, or,
    for an exported revision's ``src``, that revision's own entry point (from its
    ``pyproject.toml``: the installed script may name a function the older code lacks). Run
    it with ``src`` first on ``PYTHONPATH``."""
    if src is None:
        return [str(Path(sys.executable).with_name("servicepact"))]
    project = tomllib.loads((src.parent / "pyproject.toml").read_text(encoding="utf-8"))
    module, function = project["project"]["scripts"]["servicepact"].split(":")
    code = (
        f"import sys; sys.argv[0] = 'servicepact'; from {module} import {function}; "
        f"sys.exit({function}())"
    )
    return [sys.executable, "-c", code]
