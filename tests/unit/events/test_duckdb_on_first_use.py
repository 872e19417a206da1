"""DuckDB is imported when a load or a read of several batches first uses it, not with the
event store: a command that reads one batch per source (a review pack) never pays its
import."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pytest

from servicepact.store.pii import FreeTextMasker


@pytest.mark.slow  # a new process
def test_importing_the_store_and_the_pack_builder_leaves_duckdb_out() -> None:
    done = subprocess.run(
        [sys.executable, "-c",
         "import sys\n"
         "import servicepact.bootstrap, servicepact.reports.build, servicepact.store.pii\n"
         "print('duckdb' in sys.modules)\n"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert done.stdout.strip() == "False"


def test_the_first_use_brings_duckdb_in() -> None:
    masker = FreeTextMasker()
    texts = pa.array(["call 010-1234-5678 back", "no number", None])
    needles = pa.array(["010-1234-5678", "5678", "x"])
    assert masker._contains(texts, needles).tolist() == [True, False, False]
    assert "duckdb" in sys.modules
