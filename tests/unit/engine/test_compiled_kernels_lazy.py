"""The engine's compiled loops are imported on first use, not with the engine: a command that
computes no KPI (a review pack whose period values are kept) never pays numba's import."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


def test_importing_the_engine_and_the_pack_builder_leaves_numba_out() -> None:
    out = _run(
        "import sys\n"
        "import servicepact.engine.evaluate, servicepact.reports.build\n"
        "print('numba' in sys.modules)\n"
    )
    assert out == "False"  # before: True (imported with servicepact.engine.kpis.base)


def test_the_first_use_brings_the_compiled_loop_in() -> None:
    pytest.importorskip("numba")
    out = _run(
        "import sys\n"
        "from servicepact.engine.kpis import base\n"
        "assert base._KERNELS is not None\n"
        "assert hasattr(base._KERNELS, 'sum_by_window')\n"
        "print('numba' in sys.modules)\n"
    )
    assert out == "True"
