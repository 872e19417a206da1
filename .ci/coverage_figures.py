"""Print branch coverage per layer from a coverage.py JSON report (see docs/testing.md).

Usage: python .ci/coverage_figures.py coverage.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

LAYERS = ("engine", "domain")


def main(path: str) -> None:
    files = json.loads(Path(path).read_text())["files"]
    for layer in LAYERS:
        marker = f"servicepact/{layer}/"
        summaries = [f["summary"] for name, f in files.items() if marker in name]
        statements = sum(s["num_statements"] for s in summaries)
        lines = sum(s["covered_lines"] for s in summaries)
        branches = sum(s["num_branches"] for s in summaries)
        taken = sum(s["covered_branches"] for s in summaries)
        print(
            f"{layer:7s} branches {taken}/{branches} = {100 * taken / branches:.1f} %   "
            f"lines {lines}/{statements} = {100 * lines / statements:.1f} %   "
            f"combined {100 * (lines + taken) / (statements + branches):.1f} %"
        )


if __name__ == "__main__":
    main(sys.argv[1])
