"""``servicepact clock``: business seconds of a CSV of intervals in a contract calendar."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from servicepact.cli.main import app
from servicepact.domain.errors import InvalidInput

CONTRACT = """\
servicepact: 1
contract:
  id: clock-check
  name: Clock check
  client: acme
  vendor: helpco
  term: {start: 2026-01-01, end: 2027-12-31}
  calendars:
    office:
      timezone: Asia/Seoul
      hours: {mon-fri: "09:00-18:00"}
      holidays: {country: KR}
    always: {timezone: Asia/Seoul, hours: "24x7"}
  service_levels:
    - id: SL-01
      name: P1 incidents resolved within 4 business hours
      kpi: resolved_within
      source: tickets
      params: {hours: 4}
      calendar: office
      expected: 0.95
      minimum: 0.90
      kind: key
"""

GOOD = """\
id,start,end,pauses
T-1,2026-09-23T16:00+09:00,2026-09-28T11:00+09:00,[]
T-2,2026-11-23T16:00+09:00,2026-11-24T12:00+09:00,"[[""2026-11-23T17:00+09:00"",""2026-11-24T10:00+09:00""]]"
T-3,2026-11-23T00:00Z,2026-11-23T09:00Z,
T-4,2026-11-24T10:00+09:00,2026-11-23T10:00+09:00,
"""
# T-1: Wed 16-18 (2 h); Thu 24 - Sun 27 closed (Chuseok, weekend); Mon 09-11 (2 h) → 14400
# T-2: Mon 16-18 + Tue 09-12 = 5 h; pause covers Mon 17-18 + Tue 09-10 = 2 h → 3 h = 10800
# T-3: 00:00-09:00 Z is 09:00-18:00 in Seoul → 9 h = 32400
# T-4: reversed → 0


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "contract.yaml").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    return tmp_path


def invoke(files: Path, *args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(
        app, ["clock", "--contract", str(files / "contract.yaml"), *args], catch_exceptions=True
    )
    return result.exit_code, result.stdout, result.exception


def test_clock_prints_business_seconds_per_id_as_csv(files: Path) -> None:
    code, out, error = invoke(files, "--calendar", "office", str(files / "good.csv"))
    assert error is None, error
    assert code == 0
    assert out.splitlines() == [
        "id,business_seconds",
        "T-1,14400",
        "T-2,10800",
        "T-3,32400",
        "T-4,0",
    ]


def test_clock_in_a_24x7_calendar_gives_wall_time(files: Path) -> None:
    # T-1: Wed 16:00 → Mon 11:00 = 4 days 19 h = 115 h; T-2: 20 h less the 17 h pause = 3 h
    _code, out, _ = invoke(files, "--calendar", "always", str(files / "good.csv"))
    assert out.splitlines()[1:3] == ["T-1,414000", "T-2,10800"]


def test_clock_writes_json_to_a_file_when_asked(files: Path) -> None:
    target = files / "out.json"
    _code, out, error = invoke(
        files,
        "--calendar",
        "office",
        "--format",
        "json",
        "-o",
        str(target),
        str(files / "good.csv"),
    )
    assert error is None
    assert out == ""
    rows = json.loads(target.read_text(encoding="utf-8"))
    assert rows[0] == {"id": "T-1", "business_seconds": 14400}


def test_an_id_that_a_spreadsheet_would_run_is_quoted(files: Path) -> None:
    (files / "formula.csv").write_text(
        "id,start,end\n=HYPERLINK(1),2026-11-23T00:00Z,2026-11-23T01:00Z\n", encoding="utf-8"
    )
    _, out, _ = invoke(files, "--calendar", "office", str(files / "formula.csv"))
    assert out.splitlines()[1] == "'=HYPERLINK(1),3600"


def test_every_bad_row_is_reported_at_once_with_row_column_and_reason(files: Path) -> None:
    (files / "bad.csv").write_text(
        "id,start,end,pauses\n"
        "T-1,2026-09-23T16:00,2026-09-28T11:00+09:00,[]\n"
        ',yesterday,2026-11-24T12:00+09:00,"[[1,2]]"\n'
        "T-3,2026-11-23T00:00Z,2026-11-23T09:00Z,[[\n",
        encoding="utf-8",
    )
    _code, out, error = invoke(files, "--calendar", "office", str(files / "bad.csv"))
    assert isinstance(error, InvalidInput)
    assert out == ""
    places = [(p.where, p.value) for p in error.problems]
    assert places == [
        ("row 1, column start", "2026-09-23T16:00"),
        ("row 2, column id", ""),
        ("row 2, column start", "yesterday"),
        ("row 2, column pauses", "[[1,2]]"),
        ("row 3, column pauses", "[["),
    ]
    assert "no UTC offset" in error.problems[0].message


def test_a_missing_column_is_named(files: Path) -> None:
    (files / "short.csv").write_text("id,start\nT-1,2026-11-23T00:00Z\n", encoding="utf-8")
    _, _, error = invoke(files, "--calendar", "office", str(files / "short.csv"))
    assert isinstance(error, InvalidInput)
    assert "lacks the column(s) end" in str(error)


def test_an_unknown_calendar_lists_the_known_ones(files: Path) -> None:
    _, _, error = invoke(files, "--calendar", "night", str(files / "good.csv"))
    assert isinstance(error, InvalidInput)
    assert "no calendar 'night' (calendars: office, always)" in str(error)


@pytest.mark.slow  # a new process imports the whole command line (several seconds)
def test_bad_input_exits_with_code_2_and_one_clear_message(files: Path) -> None:
    (files / "bad.csv").write_text(
        "id,start,end\nT-1,2026-09-23 16:00,2026-09-28T11:00+09:00\n", encoding="utf-8"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from servicepact.cli.main import run; run()",
            "clock",
            "--contract",
            str(files / "contract.yaml"),
            "--calendar",
            "office",
            str(files / "bad.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "row 1, column start" in run.stderr
    assert "no UTC offset" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.slow  # a new process imports the command line
def test_the_clock_command_loads_nothing_it_does_not_use(files: Path) -> None:
    # pandas (which pyarrow loads on its first conversion of a Python value), the compiled
    # kernels for a small file, the database and the web stack: each costs start-up time.
    script = (
        "import sys\n"
        "from servicepact.cli.main import run\n"
        "try:\n"
        "    run()\n"
        "finally:\n"
        "    heavy = ('pandas', 'numba', 'sqlalchemy', 'fastapi', 'duckdb', 'weasyprint')\n"
        "    print(','.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, "clock", "--contract", str(files / "contract.yaml"),
         "--calendar", "office", str(files / "good.csv")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[1:] == ["T-1,14400", "T-2,10800", "T-3,32400", "T-4,0"]
    assert run.stderr.strip().splitlines()[-1:] in ([], [""])


def test_the_compiled_kernels_answer_large_counts_or_when_already_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from servicepact.services import business_time

    monkeypatch.delitem(sys.modules, "servicepact.engine._business_time_numba", raising=False)
    threshold = business_time.COMPILED_FROM_INTERVALS
    assert business_time.backend_for(threshold - 1) == "numpy"
    assert business_time.backend_for(threshold) == "auto"
    monkeypatch.setitem(sys.modules, "servicepact.engine._business_time_numba", sys)
    assert business_time.backend_for(1) == "auto"
