"""Load on the web UI and the API from concurrent clients, against a real server process.

    .venv/bin/python benchmarks/web_load.py                              # SQLite and PostgreSQL
    .venv/bin/python benchmarks/web_load.py --databases sqlite --seconds 5
    .venv/bin/python benchmarks/web_load.py --baseline main     # main's code beside this one

For each database (SQLite in ``benchmarks/out/web-demo``; PostgreSQL in the schema
``sp_bench_web`` of ``--postgres-url``, filled by ``servicepact demo --scale 0.2`` on the first
run) and each worker count (``--workers-list``, default ``1,2``: one process as before
``--workers`` existed, then one per core), the script starts ``servicepact serve --workers N``
on 127.0.0.1, signs in as alice (client manager) for a session cookie and makes her an API
token, then drives each target with ``--clients`` concurrent clients for ``--seconds`` seconds
or ``--max-requests`` requests, whichever comes first:

* ``dashboard``: ``GET /`` (the web page, with the session cookie);
* ``results``: ``GET /api/v1/contracts/hanbit-cc-2026/results`` (the contract's results list,
  with the bearer token).

Each client is a bounded keep-alive HTTP/1.1 connection written with asyncio streams (a light
client, so the load generator takes as little of the shared cores as it can); it waits for each
answer before sending the next request. Any status other than 200, or a broken connection,
counts as an error. Latency is from writing the request to reading the whole body. The server
is stopped after each run. Targets: at least 400 requests/s, p99 under 60 ms, no errors with 8
clients.

Beside the client's figures each run gives the CPU the server used per request (``srv ms``:
user and system time of the server and its worker processes, read from ``/proc`` before and
after the run, divided by the requests answered) and the client's own CPU per request (``cli
ms``): on a machine shared with other work these move far less with the load than requests
per second do. With ``--baseline REV`` (a git revision, e.g. ``main``) each database and
worker count is run first by that revision's code (its ``src/`` exported under
``out/baseline-<commit>/`` and put first on ``PYTHONPATH`` of the server), then by this one,
over the same data, so that both see about the same machine load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _baseline import export_revision, program
from _record import record

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
PORT = 8140
SQLITE_DIR = HERE / "out" / "web-demo"
PG_DIR = HERE / "out" / "web-demo-pg"
PG_SCHEMA = "sp_bench_web"
CONTRACT = "hanbit-cc-2026"
TARGETS = {
    "dashboard": "/",
    "results": f"/api/v1/contracts/{CONTRACT}/results",
}


def _servicepact() -> str:
    return str(Path(sys.executable).with_name("servicepact"))


def _environment(database: str, postgres_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEPACT_")}
    if database == "sqlite":
        env["SERVICEPACT_DATA_DIR"] = str(SQLITE_DIR)
    else:
        env["SERVICEPACT_DATA_DIR"] = str(PG_DIR)
        parts = urllib.parse.urlsplit(postgres_url)
        query = urllib.parse.urlencode({"options": f"-csearch_path={PG_SCHEMA}"})
        env["SERVICEPACT_DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(query=query))
    return env


def prepare(database: str, postgres_url: str) -> dict[str, str]:
    """The demo portfolio in that database (made once), with the demo sign-ins."""
    env = _environment(database, postgres_url)
    if database == "sqlite":
        ready = (SQLITE_DIR / "servicepact.db").exists()
    else:
        import sqlalchemy as sa

        engine = sa.create_engine(postgres_url)
        with engine.begin() as connection:
            ready = bool(
                connection.execute(
                    sa.text(
                        "select count(*) from information_schema.tables "
                        "where table_schema = :s and table_name = 'sl_results'"
                    ),
                    {"s": PG_SCHEMA},
                ).scalar()
            )
            if not ready:
                connection.execute(sa.text(f"drop schema if exists {PG_SCHEMA} cascade"))
                connection.execute(sa.text(f"create schema {PG_SCHEMA}"))
        engine.dispose()
    if not ready:
        data_dir = Path(env["SERVICEPACT_DATA_DIR"])
        command = [_servicepact(), "demo", "--data-dir", str(data_dir), "--scale", "0.2"]
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    script = (
        "from servicepact.bootstrap import build_app\n"
        "from servicepact.domain.access import SYSTEM\n"
        "from servicepact.services import users\n"
        "app = build_app()\n"
        "users.ensure_users(app, actor=SYSTEM, logins=users.DEMO_LOGINS)\n"
        "print(users.create_token(app, actor=SYSTEM, user='alice', label='web_load').token)\n"
    )
    token = subprocess.run(
        [sys.executable, "-c", script], check=True, env=env, capture_output=True, text=True
    ).stdout.split()[-1]
    env["BENCH_TOKEN"] = token
    return env


# --- a small keep-alive HTTP/1.1 client ------------------------------------------------------


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, PORT)
        return cls(reader, writer)

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, str]:
        lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{PORT}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        answer: dict[str, str] = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                answer.setdefault(name.strip().lower(), value.strip())
        if "content-length" not in answer:
            raise ConnectionError(f"no Content-Length in the answer to {path}")
        body = await self.reader.readexactly(int(answer["content-length"]))
        return status, body, head.decode("latin-1")

    async def post_form(self, path: str, form: dict[str, str], headers: dict[str, str]) -> str:
        body = urllib.parse.urlencode(form).encode()
        lines = [
            f"POST {path} HTTP/1.1",
            f"Host: {HOST}:{PORT}",
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}",
        ] + [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        text = head.decode("latin-1")
        length = re.search(r"(?i)content-length: (\d+)", text)
        if length:
            await self.reader.readexactly(int(length.group(1)))
        return text

    def close(self) -> None:
        self.writer.close()


def _cookies(head: str) -> dict[str, str]:
    found = re.findall(r"(?im)^set-cookie: ([^=]+)=([^;]*)", head)
    return dict(found)


async def sign_in() -> str:
    """A Cookie header of alice's session."""
    connection = await Connection.open()
    try:
        _, form, head = await connection.get("/login", {})
        cookies = _cookies(head)
        csrf = re.search(rb'name="csrf" value="([^"]+)"', form)
        assert csrf is not None, "no CSRF field on the sign-in page"
        cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items())
        head = await connection.post_form(
            "/login",
            {"csrf": csrf.group(1).decode(), "username": "alice", "password": _password()},
            {"Cookie": cookie_header} if cookie_header else {},
        )
        if " 303 " not in head.split("\r\n", 1)[0]:
            raise SystemExit(f"sign-in failed: {head.splitlines()[0]}")
        return "; ".join(f"{k}={v}" for k, v in _cookies(head).items())
    finally:
        connection.close()


def _password() -> str:
    from servicepact.services.users import DEMO_LOGINS

    return next(login.password for login in DEMO_LOGINS if login.name == "alice")


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


async def drive(
    path: str, headers: dict[str, str], clients: int, seconds: float, budget: int
) -> tuple[Run, float]:
    run = Run()
    deadline = time.perf_counter() + seconds
    remaining = [budget]

    async def client() -> None:
        connection = await Connection.open()
        try:
            while time.perf_counter() < deadline and remaining[0] > 0:
                remaining[0] -= 1
                start = time.perf_counter()
                try:
                    status, _, _ = await connection.get(path, headers)
                except (ConnectionError, asyncio.IncompleteReadError, OSError):
                    run.errors += 1
                    connection.close()
                    connection = await Connection.open()
                    continue
                run.latencies.append(time.perf_counter() - start)
                run.statuses[status] = run.statuses.get(status, 0) + 1
                if status != 200:
                    run.errors += 1
        finally:
            connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return run, time.perf_counter() - began


def server_cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """User and system CPU seconds so far of the server's process group (the server and its
    workers: it runs in its own session, so the group's id is its pid)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        # after the command's name: state, ppid, pgrp, ..., utime (14th field), stime (15th)
        if int(fields[2]) == server.pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def start_server(
    env: dict[str, str], workers: int, pythonpath: Path | None = None
) -> subprocess.Popen[bytes]:
    if pythonpath is not None:
        env = {**env, "PYTHONPATH": str(pythonpath)}
    server = subprocess.Popen(
        [
            *program(pythonpath),
            "serve",
            "--host",
            HOST,
            "--port",
            str(PORT),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped at start (exit {server.returncode})")
        try:
            status = asyncio.run(_probe())
        except OSError:
            status = 0
        if status == 200:
            return server
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit("the server did not answer within 120 s")


async def _probe() -> int:
    connection = await Connection.open()
    try:
        status, _, _ = await connection.get("/login", {})
        return status
    finally:
        connection.close()


def stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)  # the server and its worker processes
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def measure(
    server: subprocess.Popen[bytes], path: str, headers: dict[str, str], args: argparse.Namespace
) -> dict[str, float]:
    """One target driven for ``--seconds`` after a 2 s warm-up: the client's and the server's
    figures."""
    asyncio.run(drive(path, headers, args.clients, 2.0, 200))  # warm up
    load = os.getloadavg()[0]
    server_before, client_before = server_cpu_seconds(server), time.process_time()
    run, elapsed = asyncio.run(drive(path, headers, args.clients, args.seconds, args.max_requests))
    server_cpu = server_cpu_seconds(server) - server_before
    client_cpu = time.process_time() - client_before
    count = max(1, len(run.latencies))
    return {
        "requests": len(run.latencies),
        "rps": len(run.latencies) / elapsed,
        "p50_ms": _percentile(run.latencies, 0.50) * 1000,
        "p99_ms": _percentile(run.latencies, 0.99) * 1000,
        "errors": run.errors,
        "server_cpu_ms": server_cpu / count * 1000,
        "client_cpu_ms": client_cpu / count * 1000,
        "load": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--workers-list", default="1,2")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--baseline", help="a git revision to run first, beside this one")
    parser.add_argument("--json", action="store_true", help="also print one JSON line per run")
    args = parser.parse_args()

    revisions: list[tuple[str, Path | None]] = [("this", None)]
    if args.baseline:
        revisions.insert(0, (args.baseline, export_revision(args.baseline)))
    print(
        f"{'code':8} {'database':10} {'workers':>7} {'target':10} {'requests':>8} {'req/s':>7} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'srv ms':>6} {'cli ms':>6} {'load':>5}"
    )
    for database in args.databases.split(","):
        env = prepare(database, args.postgres_url)
        for workers in (int(w) for w in args.workers_list.split(",")):
            for code, pythonpath in revisions:
                server = start_server(env, workers, pythonpath)
                try:
                    cookie = asyncio.run(sign_in())
                    headers = {
                        "dashboard": {"Cookie": cookie},
                        "results": {"Authorization": f"Bearer {env['BENCH_TOKEN']}"},
                    }
                    for name, path in TARGETS.items():
                        row = measure(server, path, headers[name], args)
                        row.update(code=code, database=database, workers=workers, target=name)
                        report(row, args)
                finally:
                    stop_server(server)


def report(row: dict[str, Any], args: argparse.Namespace) -> None:
    """One run: a line of the table, a JSON line if asked, the summary's figures."""
    print(
        f"{row['code']:8.8} {row['database']:10} {row['workers']:>7} {row['target']:10} "
        f"{row['requests']:>8,} {row['rps']:>7.0f} {row['p50_ms']:>7.1f} {row['p99_ms']:>7.1f} "
        f"{row['errors']:>6} {row['server_cpu_ms']:>6.2f} {row['client_cpu_ms']:>6.2f} "
        f"{row['load']:>5.1f}",
        flush=True,
    )
    if args.json:
        print(json.dumps({"bench": "web_load", **row}))
    if row["code"] != "this":
        return
    case = f"{row['database']}, {row['workers']} worker(s), {row['target']}, {args.clients} clients"
    record("web_load", case + ", req/s", row["rps"], "req/s", target="≥ 400",
           met=row["rps"] >= 400)  # fmt: skip
    record("web_load", case + ", p99", row["p99_ms"], "ms", target="< 60 ms",
           met=row["p99_ms"] < 60)  # fmt: skip
    record("web_load", case + ", errors", row["errors"], "", target="0",
           met=row["errors"] == 0)  # fmt: skip
    record("web_load", case + ", server CPU per request", row["server_cpu_ms"], "ms")


if __name__ == "__main__":
    main()
