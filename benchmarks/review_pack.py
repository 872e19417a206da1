"""Benchmark: a contract's monthly review pack as PDF, on the demo portfolio.

    .venv/bin/python benchmarks/review_pack.py [--data-dir DIR] [--repeat 3] [--baseline REV]

Uses the demo portfolio in DIR (``servicepact demo --scale 0.2`` is run there first when it has
no database; the same directory as ``web_load.py`` and ``web_pages.py``). Times:

* ``command``: ``servicepact report --contract hanbit-cc-2026 --period 2026-03 --format pdf``
  in a fresh process (interpreter, imports, the pack, the layout), wall and CPU;
* with ``--baseline REV`` (a git revision, e.g. ``main``), the same command run by that
  revision's code (its ``src/`` exported under ``out/baseline-REV/`` and put first on
  ``PYTHONPATH``), the two interleaved so both see the same machine load; each figure is the
  median of ``--repeat`` runs, and the text of the two PDFs (pypdfium2) is compared, the
  line with the time the pack was made aside;
* the command's first run after the kept period values are deleted (the year to date
  computed from the events) and its next run (read back), each time;
* in this process, after one warm-up: building the pack (database and event store reads,
  credits), rendering its HTML, and laying the HTML out as PDF (WeasyPrint), each the median
  of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from _baseline import export_revision, program
from _record import record

HERE = Path(__file__).resolve().parent
CONTRACT = "hanbit-cc-2026"
PERIOD = "2026-03"


def run_command(servicepact: list[str], env: dict[str, str], target: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ``servicepact report ... --format pdf`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [*servicepact, "report", "--contract", CONTRACT, "--period", PERIOD, "--format", "pdf",
         "-o", str(target)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def pdf_text(path: Path) -> list[str]:
    """The PDF's text, page by page, without the line saying when the pack was made."""
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    lines = []
    for page in document:
        lines.extend(page.get_textpage().get_text_range().splitlines())
    document.close()
    made = ("작성 시각", "Generated")
    return [line for line in lines if not any(word in line for word in made)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=HERE / "out" / "web-demo")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", help="a git revision to time beside this one (e.g. main)")
    parser.add_argument(
        "--subsetter",
        choices=("auto", "fonttools"),
        default="auto",
        help="fonttools: subset fonts in this process as WeasyPrint does without "
        "libharfbuzz-subset0 (the fresh commands use what the machine has)",
    )
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEPACT_")}
    env["SERVICEPACT_DATA_DIR"] = str(args.data_dir)
    servicepact = program()
    if not (args.data_dir / "servicepact.db").exists():
        subprocess.run(
            [*servicepact, "demo", "--data-dir", str(args.data_dir), "--scale", "0.2"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    os.environ.update(env)
    target = HERE / "out" / "review-pack.pdf"

    baseline_src = export_revision(args.baseline) if args.baseline else None
    old_program = program(baseline_src) if baseline_src is not None else servicepact
    baseline_target = HERE / "out" / "review-pack-baseline.pdf"
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"uptime before: {uptime}")
    load = os.getloadavg()[0]
    kept_values = args.data_dir / "cache" / "period-values"
    runs: dict[str, list[tuple[float, float]]] = {"this": [], "cold": [], "baseline": []}
    for _ in range(args.repeat):
        shutil.rmtree(kept_values, ignore_errors=True)
        runs["cold"].append(run_command(servicepact, env, target))  # computes the year to date
        runs["this"].append(run_command(servicepact, env, target))  # reads it back
        if baseline_src is not None:
            old_env = {**env, "PYTHONPATH": str(baseline_src)}
            runs["baseline"].append(run_command(old_program, old_env, baseline_target))
    if baseline_src is not None:  # the older revision's HTML, laid out below by this one
        subprocess.run(
            [*old_program, "report", "--contract", CONTRACT, "--period", PERIOD, "--format",
             "html", "-o", str(baseline_target.with_suffix(".html"))],
            check=True,
            env={**env, "PYTHONPATH": str(baseline_src)},
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
    wall = statistics.median(w for w, _ in runs["this"])
    cpu = statistics.median(c for _, c in runs["this"])
    from servicepact.bootstrap import build_app
    from servicepact.reports.html import render_html
    from servicepact.reports.messages import Lang
    from servicepact.reports.packs import build_pack
    from servicepact.reports.pdf import html_to_pdf

    if args.subsetter == "fonttools":
        import weasyprint.pdf.fonts

        weasyprint.pdf.fonts.harfbuzz_subset = None  # as on a machine without the library
    from weasyprint.pdf.fonts import harfbuzz_subset

    subsetter = "fontTools" if harfbuzz_subset is None else "HarfBuzz (libharfbuzz-subset0)"
    old_html = None
    if baseline_src is not None:
        old_html = baseline_target.with_suffix(".html").read_text(encoding="utf-8")
    app = build_app()
    actor = app.cli_actor()
    stages: dict[str, list[tuple[float, float]]] = {
        "build the pack": [],
        "render HTML": [],
        "lay out PDF": [],
    }
    old_layout: list[tuple[float, float]] = []

    def now() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def since(mark: tuple[float, float], end: tuple[float, float]) -> tuple[float, float]:
        return end[0] - mark[0], end[1] - mark[1]

    for attempt in range(args.repeat + 1):
        t0 = now()
        pack = build_pack(app, actor=actor, contract_id=CONTRACT, period=PERIOD)
        t1 = now()
        html = render_html(pack, lang=Lang.KO)  # the command's default language
        t2 = now()
        html_to_pdf(html)
        t3 = now()
        t4 = t3
        if old_html is not None:
            html_to_pdf(old_html)
            t4 = now()
        if attempt:  # the first run is the warm-up
            stages["build the pack"].append(since(t0, t1))
            stages["render HTML"].append(since(t1, t2))
            stages["lay out PDF"].append(since(t2, t3))
            if old_html is not None:
                old_layout.append(since(t3, t4))

    print(f"{'step':<44} {'seconds':>8} {'load':>5}")
    if runs["baseline"]:
        old_wall = statistics.median(w for w, _ in runs["baseline"])
        old_cpu = statistics.median(c for _, c in runs["baseline"])
        name = f"baseline {args.baseline}: command"
        print(f"{name + ', wall':<44} {old_wall:>8.2f} {load:>5.1f}")
        print(f"{name + ', CPU':<44} {old_cpu:>8.2f}")
        same = pdf_text(target) == pdf_text(baseline_target)
        print(f"text of the two PDFs: {'the same' if same else 'DIFFERENT'}")
    cold_wall = statistics.median(w for w, _ in runs["cold"])
    cold_cpu = statistics.median(c for _, c in runs["cold"])
    print(f"{'command, year to date computed, wall':<44} {cold_wall:>8.2f}")
    print(f"{'command, year to date computed, CPU':<44} {cold_cpu:>8.2f}")
    print(f"{'command, fresh process, wall':<44} {wall:>8.2f} {load:>5.1f}")
    print(f"{'command, fresh process, CPU':<44} {cpu:>8.2f}")
    runs_text = ", ".join(f"{w:.2f}/{c:.2f}" for w, c in runs["this"])
    print(f"  each run, wall/CPU: {runs_text}")
    print(f"font subsetting in this process: {subsetter}")
    print(f"{'in this process, after a warm-up':<44} {'wall':>8} {'CPU':>6}")
    if old_layout:
        wall_m, cpu_m = (statistics.median(v[i] for v in old_layout) for i in (0, 1))
        print(f"{'warm: lay out the baseline HTML as PDF':<44} {wall_m:>8.2f} {cpu_m:>6.2f}")
        record("review_pack", "warm in process: lay out the baseline's HTML, CPU", cpu_m, "s")
    record("review_pack", "PDF pack, fresh process, wall", wall, "s", target="≤ 2 s",
           met=wall <= 2)  # fmt: skip
    record("review_pack", "PDF pack, fresh process, CPU", cpu, "s")
    warm_total = [0.0, 0.0]
    for name, values in stages.items():
        wall_m, cpu_m = (statistics.median(v[i] for v in values) for i in (0, 1))
        warm_total[0] += wall_m
        warm_total[1] += cpu_m
        print(f"{'warm: ' + name:<44} {wall_m:>8.2f} {cpu_m:>6.2f}")
        record("review_pack", f"warm in process: {name}", wall_m, "s")
        record("review_pack", f"warm in process: {name}, CPU", cpu_m, "s")
    print(f"{'warm: all three':<44} {warm_total[0]:>8.2f} {warm_total[1]:>6.2f}")
    print(f"PDF written to {target} ({target.stat().st_size:,} bytes)")
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"uptime after: {uptime}")


if __name__ == "__main__":
    main()
