"""How the connections of concurrent clients fall on ``servicepact serve --workers 2``.

    .venv/bin/python benchmarks/worker_balance.py                # this code
    .venv/bin/python benchmarks/worker_balance.py --baseline e813a81

Starts the server with two workers on the SQLite demo of ``benchmarks/web_load.py`` (made
there once), drives the API's results list with 8 keep-alive clients for 4 seconds after a
2-second warm-up, and prints the requests per second with the CPU seconds each child process
of the server used during the run (read from ``/proc``; a third child with no CPU is
multiprocessing's resource tracker). A worker with almost no CPU got no connection. With one
listening socket shared by the workers (the code before ab4227f) the clients connect at the same
moment and the first worker to wake accepts them all; with a socket per worker
(``SO_REUSEPORT``, api/workers.py) the system spreads them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import time
from pathlib import Path

import web_load


def worker_cpu(server: subprocess.Popen[bytes]) -> dict[str, float]:
    """CPU seconds (user + system) of each child process of the server, by pid."""
    children = subprocess.run(
        ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    ticks = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="a git revision to run instead of this code")
    args = parser.parse_args()
    env = web_load.prepare("sqlite", "")
    source = web_load.export_revision(args.baseline) if args.baseline else None
    server = web_load.start_server(env, 2, source)
    try:
        time.sleep(3)  # both workers up
        headers = {"Authorization": f"Bearer {env['BENCH_TOKEN']}"}
        path = web_load.TARGETS["results"]
        asyncio.run(web_load.drive(path, headers, 8, 2.0, 200))  # warm up
        before = worker_cpu(server)
        run, elapsed = asyncio.run(web_load.drive(path, headers, 8, 4.0, 20_000))
        after = worker_cpu(server)
    finally:
        web_load.stop_server(server)
    used = sorted((round(after[pid] - before.get(pid, 0.0), 2) for pid in after), reverse=True)
    print(
        f"{args.baseline or 'this'}: {len(run.latencies) / elapsed:,.0f} req/s; "
        f"CPU s per process of the server: {used}"
    )


if __name__ == "__main__":
    main()
