"""A PDF layout prepared in a forked process gives the PDF laid out here, and never outlives
its block.

The fork itself is exercised in fresh processes (``python -c``): a test worker may run other
threads, and a fork from a process with several threads is what ``layout_ahead`` refuses.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pdf_pages import font_names, page_text, require_pango

from servicepact.reports import pdf_ahead

_HTML = (
    '<html lang="ko"><body style="font-family: \'Noto Sans KR\', sans-serif">'
    "<h1>월간 서비스 검토</h1><p>응답률 95.2 %</p></body></html>"
)


def _run(script: str, tmp_path: Path) -> str:
    require_pango()
    if sys.platform != "linux":
        pytest.skip("the layout is prepared ahead on Linux only")
    head = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from servicepact.reports import pdf_ahead\n"
        f"HTML = {_HTML!r}\n"
        f"OUT = Path({str(tmp_path)!r})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", head + script],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _fonts_and_text(data: bytes) -> tuple[set[str], str]:
    from pdf_pages import first_page

    page = first_page(data)
    return font_names(page), page_text(page)


def test_the_child_lays_out_the_pdf_this_process_would(tmp_path):
    out = _run(
        "with pdf_ahead.layout_ahead() as layout:\n"
        "    child = layout.__self__\n"
        "    print(type(child).__name__, child.pid != os.getpid())\n"
        "    data = layout(HTML, font_cache=OUT / 'fonts')\n"
        "print('weasyprint here:', 'weasyprint' in sys.modules)\n"
        "(OUT / 'ahead.pdf').write_bytes(data)\n",
        tmp_path,
    )
    # the child laid it out: this process never imported WeasyPrint
    assert out.splitlines() == ["_Child True", "weasyprint here: False"]
    from servicepact.reports.pdf import html_to_pdf

    here = html_to_pdf(_HTML, font_cache=tmp_path / "fonts")
    ahead = (tmp_path / "ahead.pdf").read_bytes()
    assert ahead.startswith(b"%PDF-")
    assert _fonts_and_text(ahead) == _fonts_and_text(here)
    assert _fonts_and_text(here)[1].split() == ["월간", "서비스", "검토", "응답률", "95.2", "%"]


def test_a_child_that_died_leaves_the_layout_to_this_process(tmp_path):
    out = _run(
        "with pdf_ahead.layout_ahead() as layout:\n"
        "    pid = layout.__self__.pid\n"
        "    os.kill(pid, signal.SIGKILL)\n"
        "    data = layout(HTML)\n"
        "print(data[:5].decode(), 'weasyprint' in sys.modules)\n"
        "try:\n"
        "    os.waitpid(pid, 0)\n"
        "except ChildProcessError:\n"
        "    print('reaped')\n",
        tmp_path,
    )
    assert out.splitlines() == ["%PDF- True", "reaped"]


def test_leaving_the_block_unused_or_by_an_error_ends_the_child(tmp_path):
    out = _run(
        "pids = []\n"
        "with pdf_ahead.layout_ahead() as layout:\n"
        "    pids.append(layout.__self__.pid)\n"
        "try:\n"
        "    with pdf_ahead.layout_ahead() as layout:\n"
        "        pids.append(layout.__self__.pid)\n"
        "        raise KeyError('the pack could not be built')\n"
        "except KeyError:\n"
        "    pass\n"
        "for pid in pids:\n"
        "    try:\n"
        "        os.kill(pid, 0)\n"
        "        print('alive')\n"
        "    except ProcessLookupError:\n"
        "        print('gone')\n",
        tmp_path,
    )
    assert out.splitlines() == ["gone", "gone"]


def test_nothing_is_forked_when_not_wanted_or_not_safe(monkeypatch):
    with pdf_ahead.layout_ahead(wanted=False) as layout:
        assert layout is pdf_ahead._here
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # another thread holds locks
    with pdf_ahead.layout_ahead() as layout:
        assert layout is pdf_ahead._here
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(pdf_ahead.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    with pdf_ahead.layout_ahead() as layout:  # one core: nothing would run beside
        assert layout is pdf_ahead._here


def test_the_report_command_forks_one_child_and_fails_as_before(tmp_path):
    # the command's own process has one thread and no WeasyPrint: it forks, and ends the child
    require_pango()
    if sys.platform != "linux":
        pytest.skip("the layout is prepared ahead on Linux only")
    script = (
        "import os, sys\n"
        "forks = []\n"
        "sys.addaudithook(lambda event, args: forks.append(1) if event == 'os.fork' else None)\n"
        "from servicepact.cli.main import run\n"
        "sys.argv = ['servicepact', 'report', '--contract', 'x', '--period', '2026-03',\n"
        "            '--format', 'pdf']\n"
        "try:\n"
        "    run()\n"
        "except SystemExit as end:\n"
        "    here = 'weasyprint' in sys.modules\n"
        "    print('exit', end.code, 'forks', len(forks), 'weasyprint', here)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SERVICEPACT_DATA_DIR": str(tmp_path)},
    )
    # no database yet: the command fails as always (its message, its exit code), after forking
    # the one child it then ends
    assert "the database is not initialised" in done.stderr
    assert done.stdout.splitlines() == ["exit 5 forks 1 weasyprint False"], done.stderr
