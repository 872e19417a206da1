"""Benchmark: a contract's monthly review pack as PDF, on the demo portfolio.

    .venv/bin/python benchmarks/review_pack.py [--data-dir DIR] [--repeat 3]

Uses the demo portfolio in DIR (``servicepact demo --scale 0.2`` is run there first when it has
no database; the same directory as ``web_load.py`` and ``web_pages.py``). Times:

* ``command``: ``servicepact report --contract hanbit-cc-2026 --period 2026-03 --format pdf``
  in a fresh process (interpreter, imports, the pack, the layout), wall and CPU;
* in this process, after one warm-up: building the pack (database and event store reads,
  credits), rendering its HTML, and laying the HTML out as PDF (WeasyPrint), each the median
  of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _record import record

HERE = Path(__file__).resolve().parent
CONTRACT = "hanbit-cc-2026"
PERIOD = "2026-03"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=HERE / "out" / "web-demo")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEPACT_")}
    env["SERVICEPACT_DATA_DIR"] = str(args.data_dir)
    servicepact = str(Path(sys.executable).with_name("servicepact"))
    if not (args.data_dir / "servicepact.db").exists():
        subprocess.run(
            [servicepact, "demo", "--data-dir", str(args.data_dir), "--scale", "0.2"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    os.environ.update(env)
    target = HERE / "out" / "review-pack.pdf"

    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [servicepact, "report", "--contract", CONTRACT, "--period", PERIOD, "--format", "pdf",
         "-o", str(target)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    from servicepact.bootstrap import build_app
    from servicepact.reports.html import render_html
    from servicepact.reports.messages import Lang
    from servicepact.reports.packs import build_pack
    from servicepact.reports.pdf import html_to_pdf

    app = build_app()
    actor = app.cli_actor()
    stages: dict[str, list[float]] = {"build the pack": [], "render HTML": [], "lay out PDF": []}
    for attempt in range(args.repeat + 1):
        t0 = time.perf_counter()
        pack = build_pack(app, actor=actor, contract_id=CONTRACT, period=PERIOD)
        t1 = time.perf_counter()
        html = render_html(pack, lang=Lang.KO)  # the command's default language
        t2 = time.perf_counter()
        html_to_pdf(html)
        t3 = time.perf_counter()
        if attempt:  # the first run is the warm-up
            stages["build the pack"].append(t1 - t0)
            stages["render HTML"].append(t2 - t1)
            stages["lay out PDF"].append(t3 - t2)

    print(f"{'step':<44} {'seconds':>8} {'load':>5}")
    print(f"{'command, fresh process, wall':<44} {wall:>8.2f} {load:>5.1f}")
    print(f"{'command, fresh process, CPU':<44} {cpu:>8.2f}")
    record("review_pack", "PDF pack, fresh process, wall", wall, "s", target="≤ 2 s",
           met=wall <= 2)  # fmt: skip
    record("review_pack", "PDF pack, fresh process, CPU", cpu, "s")
    warm_total = 0.0
    for name, values in stages.items():
        median = statistics.median(values)
        warm_total += median
        print(f"{'warm: ' + name:<44} {median:>8.2f}")
        record("review_pack", f"warm in process: {name}", median, "s")
    print(f"{'warm: all three':<44} {warm_total:>8.2f}")
    print(f"PDF written to {target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
