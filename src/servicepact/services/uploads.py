"""Event files uploaded through the web UI or the API, loaded in the background.

An upload is received into a private temporary directory under a name the server chooses
(the sender's file name is only a label), its type is read from its content, and a worker
thread runs the same load as ``servicepact load`` (validation, pseudonymisation,
idempotency, all-or-nothing or quarantine). The request returns at once with a job; the
page or the client polls the job for its progress and then its report. The temporary file
is removed when the job ends, whatever happened; a refused load stores nothing.

Jobs are kept in the database (``upload_jobs``), so whichever server process answers the
poll finds the job; the load runs in the process that received the file, which writes its
progress and a heartbeat. A job whose process stopped (a restart, a crash) is shown failed once
it has been silent for ``STALLED_AFTER`` (a load cut short stores nothing). Finished jobs are
kept for ``KEPT_FOR``.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import secrets
import shutil
import socket
import tempfile
import threading
import time
import unicodedata
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from servicepact.domain.access import Actor
from servicepact.domain.cells import neutralise
from servicepact.domain.errors import DomainError, InvalidInput, NotFound, Problem, TooLarge
from servicepact.domain.load_findings import Finding, FindingKind, Severity
from servicepact.services import drilldown, loads
from servicepact.services.loads import LoadReport, LoadStatus
from servicepact.services.ports import Ports
from servicepact.store.db.uploads import OPEN_STATES, StoredUploadJob, UploadJobRepository
from servicepact.store.events.problems import RowProblem
from servicepact.store.events.sources import FORMAT_SUFFIX, FileFormat, sniff_format

_COPY_BLOCK = 1 << 20
_SNIFF_BYTES = 4096
_NAME_CHARS = re.compile(r"[^\w .\-()\[\]]+", re.UNICODE)


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # the report says loaded, partial or already loaded
    REFUSED = "refused"  # invalid input or a rule: nothing stored, the problems say why
    FAILED = "failed"  # an unexpected error, or its server process stopped: nothing stored


OVER = (JobState.DONE, JobState.REFUSED, JobState.FAILED)


@dataclass(frozen=True)
class UploadJob:
    """An upload job as stored: any server process reads the same."""

    id: str
    owner: str
    party: str | None
    contract_id: str
    source: str
    file_name: str
    size: int
    accept_valid: bool
    state: JobState
    bytes_done: int
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    report: LoadReport | None = None
    problems: tuple[Problem, ...] = ()
    problem_count: int = 0
    message: str = ""

    @property
    def over(self) -> bool:
        return self.state in OVER

    @property
    def percent(self) -> int:
        if self.over:
            return 100
        return 0 if self.size <= 0 else min(99, self.bytes_done * 100 // self.size)

    @property
    def seconds(self) -> float:
        """How long the load ran (so far)."""
        if self.started_at is None:
            return 0.0
        end = self.finished_at or self.started_at
        return max(0.0, (end - self.started_at).total_seconds())

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
            "problem_count": self.problem_count,
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


# A running job's process writes a sign of life at least this often; a job silent for
# STALLED_AFTER is taken for one whose process stopped (a restart, a crash) and shown failed.
BEAT_SECONDS = 10.0
STALLED_AFTER = timedelta(minutes=2)
PROGRESS_EVERY = 0.5  # seconds between progress writes of one job
KEPT_FOR = timedelta(days=7)  # finished jobs are forgotten after this
STALLED_MESSAGE = (
    "the server process running this load stopped before it finished (restarted or "
    "crashed); a load cut short stores nothing — upload the file again"
)
UNEXPECTED_MESSAGE = "the load failed unexpectedly; nothing was stored"
FINISH_ATTEMPTS = 3
log = logging.getLogger(__name__)


def _runner_name() -> str:
    """Which process runs a job: host and process id (shown to no user)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class _Outcome:
    """How an upload's load ended: its state, the message shown, the load's report (when it
    ran to the end) and the problems, named by the file's name as uploaded."""

    state: JobState
    message: str
    report: LoadReport | None = None
    problems: tuple[Problem, ...] = ()


class UploadJobs:
    """Upload jobs, kept in the database, run by a small worker pool of this process.

    Any server process answers a job's poll (``get``): the state, progress, report and
    problems are read from the database. The load itself runs in a thread of the process
    that received the file, off the event loop; that process writes the job's progress and a
    heartbeat, so a job whose process died is recognised and shown failed.
    """

    def __init__(self, app: Ports, *, workers: int = 1) -> None:
        self.app = app
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upload")
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beater: threading.Thread | None = None
        self.directory = app.settings.data_dir / "uploads"
        self.runner = _runner_name()

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
        try:
            with self.app.uow() as uow:
                now = uow.now()
                stored = StoredUploadJob(
                    id=secrets.token_urlsafe(12),
                    user_name=actor.user,
                    party=actor.party,
                    contract_id=contract_id,
                    source=source,
                    file_name=display_name(file_name),
                    size=size,
                    accept_valid=accept_valid,
                    status=JobState.QUEUED.value,
                    bytes_done=0,
                    message="",
                    report=None,
                    problems=None,
                    problem_count=0,
                    runner=self.runner,
                    created_at=now,
                    started_at=None,
                    finished_at=None,
                    heartbeat_at=now,
                )
                jobs = uow.repo(UploadJobRepository)
                jobs.add(stored)
                # What a stopped process left running is failed here and whenever it is read.
                jobs.give_up_stalled(
                    silent_since=now - STALLED_AFTER, message=STALLED_MESSAGE, at=now
                )
                jobs.prune(finished_before=now - KEPT_FOR)
                uow.record(
                    actor=actor,
                    entity_type="upload",
                    entity_id=stored.id,
                    action="receive",
                    after={
                        "contract": contract_id,
                        "source": source,
                        "file": stored.file_name,
                        "bytes": size,
                        "accept_valid": accept_valid,
                    },
                )
        except BaseException:
            shutil.rmtree(path.parent, ignore_errors=True)
            raise
        with self._lock:
            self._running.add(stored.id)
            self._start_beating()
        self._pool.submit(self._run, stored.id, actor, path, encoding)
        return _job(stored)

    def _run(self, job_id: str, actor: Actor, path: Path, encoding: str | None) -> None:
        """The job, in a worker thread: load, then store how it ended (the file removed
        whatever happened)."""
        try:
            outcome = self._load(job_id, actor, path, encoding)
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)
        try:
            for attempt in range(FINISH_ATTEMPTS):
                try:
                    with self.app.uow() as uow:
                        uow.repo(UploadJobRepository).finish(
                            job_id,
                            status=outcome.state.value,
                            message=outcome.message,
                            report=None if outcome.report is None else outcome.report.as_dict(),
                            problems=[problem_to_json(p) for p in outcome.problems],
                            at=uow.now(),
                        )
                    break
                except DomainError:  # the database stayed busy: try again
                    if attempt == FINISH_ATTEMPTS - 1:
                        raise
        finally:
            with self._lock:
                self._running.discard(job_id)

    def _load(self, job_id: str, actor: Actor, path: Path, encoding: str | None) -> _Outcome:
        written = [0.0]

        def progress(done: int, _total: int) -> None:
            moment = time.monotonic()
            if moment - written[0] < PROGRESS_EVERY:
                return
            written[0] = moment
            try:
                with self.app.uow() as progress_uow:
                    progress_uow.repo(UploadJobRepository).progress(
                        job_id, bytes_done=done, at=progress_uow.now()
                    )
            except DomainError:
                pass  # the database is busy: the next progress will say it

        shown = "upload"
        try:
            with self.app.uow() as uow:
                jobs = uow.repo(UploadJobRepository)
                jobs.start(job_id, runner=self.runner, at=uow.now())
                stored = jobs.get(job_id)
            if stored is None:
                raise LookupError(f"upload job {job_id} vanished")
            shown = stored.file_name
            report = loads.load_events(
                self.app,
                actor=actor,
                contract_id=stored.contract_id,
                source=stored.source,
                path=path,
                accept_valid=stored.accept_valid,
                encoding=encoding,
                progress=progress,
                file_name=shown,
            )
            self._prepare_lists(actor, report)
            return _Outcome(JobState.DONE, "", report, _named(report.problems, path.name, shown))
        except InvalidInput as error:
            return _Outcome(
                JobState.REFUSED,
                _named_text(error.message, path.name, shown),
                None,
                _named(error.problems, path.name, shown),
            )
        except DomainError as error:
            return _Outcome(JobState.REFUSED, _named_text(error.message, path.name, shown))
        except Exception:
            log.exception("upload job %s failed unexpectedly", job_id)
            return _Outcome(JobState.FAILED, UNEXPECTED_MESSAGE)

    def _start_beating(self) -> None:
        if self._beater is None or not self._beater.is_alive():
            self._beater = threading.Thread(target=self._beat, name="upload-beat", daemon=True)
            self._beater.start()

    def _beat(self) -> None:
        while not self._stop.wait(BEAT_SECONDS):
            with self._lock:
                running = sorted(self._running)
            if not running:
                continue
            try:
                with self.app.uow() as uow:
                    uow.repo(UploadJobRepository).beat(running, at=uow.now())
            except Exception:  # noqa: S112 - a busy database: the next beat says it
                continue

    def give_up_stalled(self) -> int:
        """Fail the open jobs whose process has given no sign of life for STALLED_AFTER."""
        with self.app.uow() as uow:
            now = uow.now()
            return uow.repo(UploadJobRepository).give_up_stalled(
                silent_since=now - STALLED_AFTER, message=STALLED_MESSAGE, at=now
            )

    def get(self, job_id: str, *, actor: Actor, contract_id: str | None = None) -> UploadJob:
        """A job the user may see (another's job is not found, as if it did not exist)."""
        with self.app.uow(read_only=True) as uow:
            stored = uow.repo(UploadJobRepository).get(job_id)
            now = uow.now()
        if (
            stored is None
            or not may_see(actor, owner=stored.user_name, party=stored.party)
            or (contract_id is not None and stored.contract_id != contract_id)
        ):
            raise NotFound("no such upload", where=job_id)
        if stored.status in OPEN_STATES and stored.heartbeat_at < now - STALLED_AFTER:
            self.give_up_stalled()
            with self.app.uow(read_only=True) as uow:
                stored = uow.repo(UploadJobRepository).get(job_id)
            assert stored is not None
        return _job(stored)

    def _prepare_lists(self, actor: Actor, report: LoadReport) -> None:
        """New events were measured: the event lists of the results not met are computed now,
        inside the job, so the result pages the upload leads to open at once. A list that
        cannot be prepared is computed when opened instead; the load stands either way."""
        if report.status is LoadStatus.ALREADY_LOADED:
            return
        try:
            drilldown.prepare_lists(self.app, actor=actor, contract_id=report.contract_id)
        except DomainError as error:
            log.warning("event lists not prepared after upload: %s", error)

    def wait(self, job_id: str, *, actor: Actor, timeout: float = 60.0) -> UploadJob:
        """Wait for a job to end (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        job = self.get(job_id, actor=actor)
        while not job.over and time.monotonic() < deadline:
            time.sleep(0.02)
            job = self.get(job_id, actor=actor)
        return job

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)
        self._stop.set()
        if self._beater is not None:
            self._beater.join()


def may_see(actor: Actor, *, owner: str, party: str | None) -> bool:
    """The user who uploaded sees the job; so do the other users of the same vendor or
    broker. Nobody sees another party's job; client users see their own."""
    if owner == actor.user:
        return True
    return actor.scoped and party is not None and party == actor.party


# -- the stored form of a job's report and problems -----------------------------------------


def problem_to_json(problem: Problem) -> dict[str, object]:
    data: dict[str, object] = {
        "where": problem.where,
        "message": problem.message,
        "line": problem.line,
        "column": problem.column,
        "value": problem.value,
    }
    if isinstance(problem, RowProblem):
        data.update(row=problem.row, field=problem.field, reason=problem.reason)
    return data


def problem_from_json(data: dict[str, Any]) -> Problem:
    where, message = str(data["where"]), str(data["message"])
    line, column, value = data.get("line"), data.get("column"), data.get("value")
    if "row" in data or "field" in data:
        return RowProblem(
            where=where,
            message=message,
            line=line,
            column=column,
            value=value,
            row=data.get("row"),
            field=data.get("field"),
            reason=data.get("reason"),
        )
    return Problem(where=where, message=message, line=line, column=column, value=value)


def _report_from_json(data: dict[str, Any]) -> LoadReport:
    return LoadReport(
        contract_id=data["contract"],
        source=data["source"],
        file_name=data["file"],
        batch_id=data["batch"],
        status=LoadStatus(data["status"]),
        rows_read=data["rows_read"],
        rows_accepted=data["rows_accepted"],
        rows_rejected=data["rows_rejected"],
        corrections=data["corrections"],
        batch_seq=data["batch_seq"],
        duplicate_of=data["duplicate_of"],
        findings=tuple(
            Finding(
                kind=FindingKind(f["kind"]),
                severity=Severity(f["severity"]),
                count=f["count"],
                detail=f["detail"],
                examples=tuple(f["examples"]),
            )
            for f in data["findings"]
        ),
    )


def _job(stored: StoredUploadJob) -> UploadJob:
    return UploadJob(
        id=stored.id,
        owner=stored.user_name,
        party=stored.party,
        contract_id=stored.contract_id,
        source=stored.source,
        file_name=stored.file_name,
        size=stored.size,
        accept_valid=stored.accept_valid,
        state=JobState(stored.status),
        bytes_done=stored.bytes_done,
        created_at=stored.created_at,
        started_at=stored.started_at,
        finished_at=stored.finished_at,
        report=None if stored.report is None else _report_from_json(stored.report),
        problems=tuple(problem_from_json(p) for p in stored.problems or ()),
        problem_count=stored.problem_count,
        message=stored.message,
    )


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
                 "reason": p.reason or p.message}
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
