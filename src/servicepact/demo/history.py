"""The example in-house history of docs/baseline.md (examples/baseline/calls.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from servicepact.demo.generate import calls, write_csv
from servicepact.demo.timebase import DemoYear

EXAMPLE_YEAR = 2025  # the year before the demo contracts' terms (examples/*.yaml start 2026)
EXAMPLE_SEED = 20250101
EXAMPLE_SCALE = 0.1  # a tenth of the demo's volumes: ~40 calls a working day, a small file
IN_HOUSE_WAIT_MEANS = (14.0, 15.5, 13.5, 13.0, 12.5, 12.0, 13.0, 13.5, 14.5, 12.5, 12.5, 13.5)
"""Mean queue wait (seconds) per month of the in-house contact centre in 2025: slower than the
vendor's staffed-up months (demo/generate.py) and without its January-March backlog; the busy
autumn (Chuseok) shows. Chosen so that calls answered within 20 s run at about 70-75 %."""


def write_example_history(
    out_dir: Path, *, seed: int = EXAMPLE_SEED, scale: float = EXAMPLE_SCALE
) -> Path:
    """Write the in-house call history of 2025 as ``out_dir/calls.csv``; the same seed, the
    same bytes."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    table = calls(rng, DemoYear(EXAMPLE_YEAR), scale=scale, wait_means=IN_HOUSE_WAIT_MEANS)
    path = out_dir / "calls.csv"
    write_csv(table, path)
    return path
