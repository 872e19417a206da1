"""The ``servicepact`` program ends like ``run`` does — same output, exit code, ``atexit``
handlers and flushed files — only without the collector's last passes over the heap."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from servicepact import __version__


def _program(tmp_path, *argv: str) -> subprocess.CompletedProcess[str]:
    script = (
        "import atexit, gc, sys\n"
        f"marker = {str(tmp_path / 'atexit ran')!r}\n"
        "atexit.register(lambda: open(marker, 'w').write(str(gc.get_freeze_count() > 0)))\n"
        "out = open(" + repr(str(tmp_path / "left open")) + ", 'w')\n"
        "out.write('buffered, never closed')\n"
        "from servicepact.cli.main import program\n"
        f"sys.argv = ['servicepact', *{list(argv)!r}]\n"
        "program()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SERVICEPACT_DATA_DIR": str(tmp_path)},
    )


def test_a_command_that_succeeds_prints_and_exits_zero_with_atexit_run(tmp_path):
    done = _program(tmp_path, "--version")
    assert (done.returncode, done.stdout) == (0, f"servicepact {__version__}\n")
    # the handler ran after the objects were set aside, and a file nobody closed was flushed
    assert (tmp_path / "atexit ran").read_text() == "True"
    assert (tmp_path / "left open").read_text() == "buffered, never closed"


def test_a_domain_error_keeps_its_line_and_exit_code(tmp_path):
    done = _program(tmp_path, "contract", "list")
    assert done.returncode == 5, done.stderr
    assert done.stderr.startswith("error: sqlite:///")
    assert "the database is not initialised" in done.stderr
    assert (tmp_path / "atexit ran").read_text() == "True"


def test_run_inside_a_longer_process_leaves_the_collector_alone(monkeypatch):
    from servicepact.cli.main import run

    frozen = gc.get_freeze_count()
    monkeypatch.setattr(sys, "argv", ["servicepact", "--version"])
    with pytest.raises(SystemExit) as end:
        run()
    assert end.value.code == 0
    assert gc.get_freeze_count() == frozen
