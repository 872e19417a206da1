"""Event files uploaded through the web UI or the API, loaded in the background.

An upload is received into a private temporary directory under a name the server chooses
(the sender's file name is only a label), its type is read from its content, and a worker
thread runs the same load as ``servicepact load`` (validation, pseudonymisation,
idempotency, all-or-nothing or quarantine). The request returns at once with a job; the
page or the client polls the job for its progress and then its report. The temporary file
is removed when the job ends, whatever happened; a refused load stores nothing.

Jobs live in the server process: a restart forgets running and finished jobs (a load cut
short by a restart stored nothing; what finished is listed among the contract's batches).
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import shutil
import tempfile
import threading
import time
import unicodedata
import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from servicepact.domain.access import Actor
from servicepact.domain.cells import neutralise
from servicepact.domain.errors import DomainError, InvalidInput, NotFound, Problem, TooLarge
from servicepact.services import loads
from servicepact.services.loads import LoadReport
from servicepact.services.ports import Ports
from servicepact.store.events.problems import RowProblem
from servicepact.store.events.sources import FORMAT_SUFFIX, FileFormat, sniff_format

_COPY_BLOCK = 1 << 20
_SNIFF_BYTES = 4096
KEPT_JOBS = 200  # finished jobs remembered per server, newest first
_NAME_CHARS = re.compile(r"[^\w .\-()\[\]]+", re.UNICODE)


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # the report says loaded, partial or already loaded
    REFUSED = "refused"  # invalid input or a rule: nothing stored, the problems say why
    FAILED = "failed"  # an unexpected error: nothing stored


@dataclass
class UploadJob:
    id: str
    owner: str
    contract_id: str
    source: str
    file_name: str
    size: int
    accept_valid: bool
    state: JobState = JobState.QUEUED
    bytes_done: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    report: LoadReport | None = None
    problems: tuple[Problem, ...] = ()
    message: str = ""

    @property
    def over(self) -> bool:
        return self.state in (JobState.DONE, JobState.REFUSED, JobState.FAILED)

    @property
    def percent(self) -> int:
        if self.over:
            return 100
        return 0 if self.size <= 0 else min(99, self.bytes_done * 100 // self.size)

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "contract": self.contract_id,
            "source": self.source,
            "file": self.file_name,
            "state": self.state.value,
            "percent": self.percent,
            "bytes": self.size,
            "message": self.message,
            "report": None if self.report is None else self.report.as_dict(),
            "problem_count": len(self.problems),
        }


def display_name(raw: str | None) -> str:
    """A label for the uploaded file: the last part of the sender's name, printable, short.
    Never used to build a path."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = _NAME_CHARS.sub("_", "".join(c for c in name if c.isprintable())).strip(" .")
    return name[:120] or "upload"


def too_large(limit: int) -> TooLarge:
    return TooLarge(
        f"the file is larger than the limit of {limit // (1024 * 1024):,} MB "
        "(setting SERVICEPACT_MAX_UPLOAD_BYTES); split it, e.g. by month, and upload each part",
        where="file",
    )


def receive(stream: BinaryIO, *, limit: int, directory: Path) -> tuple[Path, int]:
    """Copy an uploaded stream into a new private file, refusing it past ``limit`` bytes.

    The file's suffix comes from its content, so the loader reads it as what it is.
    """
    work = Path(tempfile.mkdtemp(prefix="upload-", dir=directory))
    target = work / "received"
    size = 0
    try:
        with target.open("wb") as out:
            while block := stream.read(_COPY_BLOCK):
                size += len(block)
                if size > limit:
                    raise too_large(limit)
                out.write(block)
        with target.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
        kind = sniff_format(head)
        if kind is None:
            raise InvalidInput(
                problems=[
                    Problem(
                        where="file",
                        message=(
                            "the content is not CSV, JSON Lines, Parquet or Excel "
                            "(empty, or binary of another kind)"
                        ),
                    )
                ]
            )
        if kind is FileFormat.XLSX:
            check_workbook(target, limit=limit)
        named = work / f"upload{FORMAT_SUFFIX[kind]}"
        target.rename(named)
        return named, size
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


# A workbook is a zip: its parts may unpack to far more than the upload. Refused before
# openpyxl reads it when the parts would unpack past this many times the upload limit, or
# when one part expands more than this ratio (text XML compresses about 10-20 times).
UNPACKED_TIMES_LIMIT = 10
MAX_PART_RATIO = 200


def check_workbook(path: Path, *, limit: int) -> None:
    """Refuse a workbook that is not a zip, or that would unpack into too much (zip bomb)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise InvalidInput(
            problems=[Problem("file", "not a readable Excel workbook (a broken zip file)")]
        ) from None
    unpacked = sum(part.file_size for part in parts)
    bomb = unpacked > UNPACKED_TIMES_LIMIT * limit or any(
        part.compress_size and part.file_size / part.compress_size > MAX_PART_RATIO
        for part in parts
        if part.file_size > 1024 * 1024
    )
    if bomb:
        raise InvalidInput(
            problems=[
                Problem(
                    "file",
                    f"the workbook would unpack to {unpacked:,} bytes: refused as a zip bomb; "
                    "save it as CSV and upload that",
                )
            ]
        )


class UploadJobs:
    """The upload jobs of one server: a small worker pool and the jobs it ran."""

    def __init__(self, app: Ports, *, workers: int = 1) -> None:
        self.app = app
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upload")
        self._jobs: OrderedDict[str, UploadJob] = OrderedDict()
        self._lock = threading.Lock()
        self.directory = app.settings.data_dir / "uploads"

    def submit(
        self,
        *,
        actor: Actor,
        contract_id: str,
        source: str,
        stream: BinaryIO,
        file_name: str | None,
        accept_valid: bool = False,
        encoding: str | None = None,
    ) -> UploadJob:
        """Check who may load, receive the file, start its load; the job at once."""
        loads.admit_load(self.app, actor=actor, contract_id=contract_id, source=source)
        if encoding is not None and encoding not in ("utf-8", "cp949"):
            raise InvalidInput(
                problems=[Problem("encoding", "is utf-8 or cp949 (or left empty to detect)")]
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        path, size = receive(
            stream, limit=self.app.settings.max_upload_bytes, directory=self.directory
        )
        job = UploadJob(
            id=secrets.token_urlsafe(12),
            owner=actor.user,
            contract_id=contract_id,
            source=source,
            file_name=display_name(file_name),
            size=size,
            accept_valid=accept_valid,
        )
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEPT_JOBS:
                oldest = next(iter(self._jobs))
                if not self._jobs[oldest].over:
                    break
                self._jobs.pop(oldest)
        self._pool.submit(self._run, job, actor, path, encoding)
        return job

    def _run(self, job: UploadJob, actor: Actor, path: Path, encoding: str | None) -> None:
        job.state = JobState.RUNNING

        def progress(done: int, _total: int) -> None:
            job.bytes_done = done

        try:
            job.report = loads.load_events(
                self.app,
                actor=actor,
                contract_id=job.contract_id,
                source=job.source,
                path=path,
                accept_valid=job.accept_valid,
                encoding=encoding,
                progress=progress,
                file_name=job.file_name,
            )
            job.problems = _named(job.report.problems, path.name, job.file_name)
            job.state = JobState.DONE
        except InvalidInput as error:
            job.problems = _named(error.problems, path.name, job.file_name)
            job.message = _named_text(error.message, path.name, job.file_name)
            job.state = JobState.REFUSED
        except DomainError as error:
            job.message = _named_text(error.message, path.name, job.file_name)
            job.state = JobState.REFUSED
        except Exception:
            job.message = "the load failed unexpectedly; nothing was stored"
            job.state = JobState.FAILED
        finally:
            job.finished = time.monotonic()
            shutil.rmtree(path.parent, ignore_errors=True)

    def get(self, job_id: str, *, actor: Actor, contract_id: str | None = None) -> UploadJob:
        """A job of this user's (another's job is not found, as if it did not exist)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if (
            job is None
            or job.owner != actor.user
            or (contract_id is not None and job.contract_id != contract_id)
        ):
            raise NotFound(
                "no such upload (uploads are kept until the server restarts)", where=job_id
            )
        return job

    def wait(self, job_id: str, *, actor: Actor, timeout: float = 60.0) -> UploadJob:
        """Wait for a job to end (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        job = self.get(job_id, actor=actor)
        while not job.over and time.monotonic() < deadline:
            time.sleep(0.02)
        return job

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


def _named_text(text: str, temp_name: str, shown: str) -> str:
    return text.replace(temp_name, shown)


def _named(problems: Sequence[Problem], temp_name: str, shown: str) -> tuple[Problem, ...]:
    """The problems with the server's file name replaced by the sender's."""
    return tuple(
        replace(p, where=_named_text(p.where, temp_name, shown)) if temp_name in p.where else p
        for p in problems
    )


def problem_rows(problems: Sequence[Problem]) -> list[dict[str, object]]:
    """Each problem as row, line, column, value (masked where personal), reason."""
    rows: list[dict[str, object]] = []
    for p in problems:
        if isinstance(p, RowProblem):
            rows.append(
                {"row": p.row, "line": p.line, "column": p.field, "value": p.value,
                 "reason": p.message}
            )  # fmt: skip
        else:
            rows.append(
                {"row": None, "line": p.line, "column": p.where, "value": p.value,
                 "reason": p.message}
            )  # fmt: skip
    return rows


def problems_csv(problems: Sequence[Problem]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "line", "column", "value", "reason"])
    for row in problem_rows(problems):
        writer.writerow([neutralise(row[k]) for k in ("row", "line", "column", "value", "reason")])
    return out.getvalue()
