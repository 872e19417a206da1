"""Several worker processes answering on one address (``servicepact serve --workers N``).

Each worker binds a listening socket of its own to the address with ``SO_REUSEPORT``, and the
kernel hands every new connection to one of the sockets (by a hash of the connection's
addresses). With one socket shared by every worker, as a pre-forking server usually does, the
worker whose event loop wakes first takes every pending connection at once — asyncio accepts
the whole queue on one wake-up — so clients that connect together (a browser's parallel
requests, a load balancer's pool) may all land on one process while the others idle.

The parent only supervises: it checks that the address is free (a plain bind, which fails if
anything listens there — another ServicePact included, whose sockets would otherwise share the
port with these), starts the workers, starts another in place of one that dies, and stops them
all on SIGINT or SIGTERM.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType

from servicepact.domain.errors import InvalidInput, Problem

# Each worker builds its own app from the same settings (the environment).
APP_FACTORY = "servicepact.api.app:create_app_from_environment"
# A worker that could not start (its socket, its app): starting another would fail the same way.
STARTUP_FAILED = 3
STOP_GRACE_SECONDS = 30.0  # for the workers to finish the requests in hand

logger = logging.getLogger("servicepact.serve")


@dataclass(frozen=True)
class Listen:
    """Where and how the workers listen."""

    host: str
    port: int
    log_level: str = "info"


def _family(host: str) -> socket.AddressFamily:
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return socket.AF_INET  # the bind says what is wrong with the address
    return found[0][0]


def check_free(listen: Listen) -> None:
    """Refuse, on one line, an address something already listens on."""
    probe = socket.socket(_family(listen.host), socket.SOCK_STREAM)
    try:
        # SO_REUSEADDR: connections of an earlier server still closing (TIME_WAIT) do not
        # count; a socket listening there does, with or without SO_REUSEPORT.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((listen.host, listen.port))
    except OSError as error:
        raise InvalidInput(
            [Problem(f"{listen.host}:{listen.port}", f"cannot listen there: {error.strerror}")]
        ) from None
    finally:
        probe.close()


def reuse_port_socket(listen: Listen) -> socket.socket:
    """A listening socket of this worker's own on the shared address."""
    sock = socket.socket(_family(listen.host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((listen.host, listen.port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def run_worker(listen: Listen) -> None:
    """One worker process: its own socket, its own app, until SIGINT or SIGTERM."""
    import uvicorn

    try:
        sock = reuse_port_socket(listen)
    except OSError as error:
        print(f"error: cannot listen on {listen.host}:{listen.port}: {error.strerror}")
        sys.exit(STARTUP_FAILED)
    config = uvicorn.Config(
        APP_FACTORY, factory=True, host=listen.host, port=listen.port, log_level=listen.log_level
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILED)


def serve_workers(listen: Listen, count: int) -> None:
    """Start ``count`` workers on ``listen`` and keep them running until told to stop."""
    check_free(listen)
    context = multiprocessing.get_context("spawn")  # a clean interpreter per worker
    stop = threading.Event()

    def stop_on(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, stop_on) for sig in (signal.SIGINT, signal.SIGTERM)}
    workers: list[BaseProcess] = []
    try:
        for _ in range(count):
            workers.append(_start(context, listen))
        while not stop.wait(0.5):
            for index, worker in enumerate(workers):
                if worker.is_alive():
                    continue
                if worker.exitcode == STARTUP_FAILED:
                    logger.error("a worker could not start: stopping")
                    stop.set()
                    break
                logger.warning(
                    "worker %s stopped (exit code %s): starting another",
                    worker.pid,
                    worker.exitcode,
                )
                workers[index] = _start(context, listen)
    finally:
        _stop_all(workers)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start(context: multiprocessing.context.SpawnContext, listen: Listen) -> BaseProcess:
    worker = context.Process(target=run_worker, args=(listen,), name="servicepact-worker")
    worker.start()
    return worker


def _stop_all(workers: list[BaseProcess]) -> None:
    """SIGTERM to every worker (each finishes the requests in hand), then wait; a worker
    still there after the grace period is killed."""
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    for worker in workers:
        worker.join(STOP_GRACE_SECONDS)
        if worker.is_alive():
            worker.kill()
            worker.join()
