"""A PDF layout prepared ahead: WeasyPrint imported in a second process while the data is read.

A fresh ``servicepact report --format pdf`` spends about a third of a second importing WeasyPrint
(and cffi opening pango, harfbuzz and fontconfig), none of which depends on the pack. With a
second core, ``layout_ahead()`` forks at once: the child imports WeasyPrint and lays out a
line of text (what a first layout pays once per process, ``reports.pdf.warm_up``) while the parent
imports the services, reads the database and renders the HTML; the parent then hands the child
the HTML and gets the PDF's bytes back.

The child only ever lays out; the parent keeps every decision. Whatever goes wrong in the child
(it cannot import WeasyPrint, the layout raises, it died), it answers "failed" or nothing, and
the parent lays the HTML out itself, so an error is raised where and as it always was. The
child is forked only where that is safe and pays: on Linux, from a process with one thread (a
fork copies only the calling thread, so a lock held by another could never be released in the
child), that has not imported WeasyPrint already, and that may use two cores or more.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import cast

Layout = Callable[..., bytes]  # (html, *, font_cache) -> the PDF's bytes

_LENGTH = struct.Struct("!Q")


@contextmanager
def layout_ahead(*, wanted: bool = True) -> Iterator[Layout]:
    """A function laying HTML out as PDF, as ``html_to_pdf``: prepared in a forked process when
    ``wanted`` and worth it (see the module), else ``html_to_pdf`` itself. Leaving the block
    ends the child, used or not."""
    if not (wanted and _worth_forking()):
        yield _here
        return
    child = _Child.fork()
    try:
        yield child.layout
    finally:
        child.end()


def _here(html: str, *, font_cache: Path | None = None) -> bytes:
    """Laid out in this process (importing the layout only now: this module stays light, so
    the child can be forked before the command's heavy imports)."""
    from servicepact.reports.pdf import html_to_pdf

    return html_to_pdf(html, font_cache=font_cache)


def _worth_forking() -> bool:
    return (
        sys.platform == "linux"
        and "weasyprint" not in sys.modules
        and threading.active_count() == 1
        and len(os.sched_getaffinity(0)) >= 2
    )


class _Child:
    """The forked process and the two pipes to it: HTML in, the PDF (or nothing) out."""

    def __init__(self, pid: int, to_child: int, from_child: int) -> None:
        self.pid = pid
        self.to_child = to_child
        self.from_child = from_child
        self.ended = False

    @classmethod
    def fork(cls) -> _Child:
        html_read, html_write = os.pipe()
        pdf_read, pdf_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            status = 1
            try:
                os.close(html_write)
                os.close(pdf_read)
                _serve(html_read, pdf_write)
                status = 0
            finally:
                os._exit(status)
        os.close(html_read)
        os.close(pdf_write)
        return cls(pid, html_write, pdf_read)

    def layout(self, html: str, *, font_cache: Path | None = None) -> bytes:
        """The PDF of ``html``, from the child if it can give it, else laid out here."""
        pdf = None
        if not self.ended:
            with suppress(OSError, EOFError, pickle.PickleError):
                _send(self.to_child, (html, font_cache))
                pdf = _receive(self.from_child)
            self.end()
        if isinstance(pdf, bytes):
            return pdf
        return _here(html, font_cache=font_cache)

    def end(self) -> None:
        """Close the pipes and reap the child (stopped first if it is still busy)."""
        if self.ended:
            return
        self.ended = True
        for fd in (self.to_child, self.from_child):
            with suppress(OSError):
                os.close(fd)
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _serve(html_read: int, pdf_write: int) -> None:
    """The child's whole life: import WeasyPrint and warm it up, wait for the HTML, answer
    with the PDF's bytes, or with ``None`` when anything failed (the parent then does it
    itself)."""
    try:
        from servicepact.reports.pdf import html_to_pdf, warm_up

        warm_up()
        html, font_cache = cast(tuple[str, Path | None], _receive(html_read))
        answer: bytes | None = html_to_pdf(html, font_cache=font_cache)
    except Exception:
        answer = None
    _send(pdf_write, answer)


def _send(fd: int, value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    with os.fdopen(os.dup(fd), "wb") as pipe:
        pipe.write(_LENGTH.pack(len(data)))
        pipe.write(data)


def _receive(fd: int) -> object:
    with os.fdopen(os.dup(fd), "rb") as pipe:
        head = pipe.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            raise EOFError("the layout process ended without an answer")
        (length,) = _LENGTH.unpack(head)
        data = pipe.read(length)
        if len(data) < length:
            raise EOFError("the layout process's answer was cut short")
        return pickle.loads(data)  # noqa: S301 - our own child's answer, over our own pipe
