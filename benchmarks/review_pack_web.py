"""A review pack downloaded in the browser: how long the user waits for the PDF.

    .venv/bin/python benchmarks/review_pack_web.py
    .venv/bin/python benchmarks/review_pack_web.py --baseline 0c96495

Starts ``servicepact serve --workers 1`` on the SQLite demo of ``benchmarks/web_load.py``
(made there once), signs in as alice and times, from the request sent to the last byte of
the PDF received (``/contracts/<id>/months/<month>/pack.pdf``, as the month's review page
links it, in Korean):

* the first pack the server makes after it started (its process imports the PDF layout
  then: the first click of the day);
* a pack of another month, not made before (every later first click);
* the same pack again (kept until the data change).

The figures are the median of ``--repeat`` servers started one after the other.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import web_load
from _baseline import export_revision
from _record import record

CONTRACT = "hanbit-cc-2026"
MONTHS = ("2026-03", "2026-02")


async def _download(path: str, cookie: str) -> tuple[float, int, int]:
    """Seconds from the request to the last byte, the status and the size of the body."""
    started = time.perf_counter()
    connection = await web_load.Connection.open()
    try:
        status, body, _ = await connection.get(path, {"Cookie": cookie})
    finally:
        connection.close()
    return time.perf_counter() - started, status, len(body)


def one_server(env: dict[str, str], source: object) -> dict[str, float]:
    server = web_load.start_server(env, 1, source)  # type: ignore[arg-type]
    try:
        cookie = asyncio.run(web_load.sign_in())
        timings: dict[str, float] = {}
        for label, month in (("first pack", MONTHS[0]), ("another month", MONTHS[1]),
                             ("the same again", MONTHS[0])):  # fmt: skip
            path = f"/contracts/{CONTRACT}/months/{month}/pack.pdf?lang=ko"
            seconds, status, size = asyncio.run(_download(path, cookie))
            if status != 200 or size < 10_000:
                raise SystemExit(f"{path}: status {status}, {size} bytes")
            timings[label] = seconds
        return timings
    finally:
        web_load.stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="a git revision to time beside this one")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = web_load.prepare("sqlite", "")
    sources: list[tuple[str, object]] = [("this", None)]
    if args.baseline:
        sources.insert(0, (args.baseline, export_revision(args.baseline)))
    for name, source in sources:
        runs = [one_server(env, source) for _ in range(args.repeat)]
        for label in runs[0]:
            values = [run[label] for run in runs]
            shown = ", ".join(f"{v:.2f}" for v in values)
            median = statistics.median(values)
            print(f"{name:>9}  {label:<15} {median:6.2f} s  ({shown})")
            if name == "this" and label != "the same again":
                record("review_pack_web", f"PDF pack in the browser, {label}", median, "s",
                       target="≤ 2 s", met=median <= 2.0)  # fmt: skip


if __name__ == "__main__":
    main()
