"""An older revision's code, to time beside this one (``--baseline REV`` of the benchmarks).

Its ``src/`` (and ``examples/``, which the demo reads) is exported once under
``out/baseline-<commit>/``; a command run with that ``src/`` first on ``PYTHONPATH`` imports the
older ``servicepact`` with this virtual environment's libraries.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent


def export_revision(revision: str) -> Path:
    """``src/`` of ``revision``, exported once under ``out/baseline-<commit>/``."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", revision], check=True, capture_output=True, text=True,
        cwd=HERE,
    ).stdout.strip()  # fmt: skip
    target = HERE / "out" / f"baseline-{commit}"
    if not (target / "src").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", commit, "src", "examples"],
            check=True,
            capture_output=True,
            cwd=HERE.parent,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"
