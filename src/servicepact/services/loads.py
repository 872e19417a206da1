"""Loading operational data: a file or an API batch → validated, protected, stored once.

The order of a load, and why:

1. admit — who may load into which contract and source (one place for every
   such rule);
2. hash the input — the same content already loaded is reported, not stored again;
3. stream, validate and pseudonymise chunk by chunk into a temporary Parquet file
   (memory bounded whatever the size); duplicates across chunks are found in that
   file afterwards;
4. all-or-nothing unless ``accept_valid``: any problem aborts and nothing is kept;
5. controls and corrections are computed from the temporary file, and the months
   its events fall in (by the event type's anchor, in the contract's zones): a load
   touching a closed month is refused here, before anything is kept
   (PRODUCT.md §2.3 "Period close");
6. the file is made durable and renamed, then one unit of work records the
   manifest row, quarantined rows, findings and the audit entry. A crash between
   the two leaves an orphan file that reads ignore.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.access import Actor
from servicepact.domain.calendars import Calendar
from servicepact.domain.contracts import Contract, DataProtection
from servicepact.domain.errors import InvalidInput, PeriodClosed, Problem
from servicepact.domain.event_schemas import ROW_COLUMN
from servicepact.domain.event_types import (
    ANCHORS,
    BUILT_IN,
    MEASURED_ACROSS,
    MEASURED_AT,
    ColumnType,
    EventType,
)
from servicepact.domain.load_findings import Finding, FindingKind
from servicepact.engine.controls import (
    ControlTally,
    incomplete_day_finding,
    local_days,
    short_days,
)
from servicepact.engine.evaluate import contract_timezone
from servicepact.services._contracts import get_contract
from servicepact.services._open_periods import closed_months, ensure_open_between
from servicepact.services.ports import Ports
from servicepact.store.db.uow import UnitOfWork
from servicepact.store.events.location import EventRoot, event_root
from servicepact.store.events.problems import MAX_DESCRIBED, row_problem, write_problems
from servicepact.store.events.reading import check_protection, open_checked, validated_chunks
from servicepact.store.events.repository import (
    BatchRecord,
    BatchRepository,
    BatchStatus,
    FindingStatus,
    QuarantinedRow,
    QuarantineStatus,
    StoredFinding,
)
from servicepact.store.events.sources import DEFAULT_CHUNK_ROWS, Source, records_source
from servicepact.store.events.store import (
    BatchWriter,
    EventStore,
    InMemoryManifest,
    temporary_object,
)
from servicepact.store.events.validation import ValidatedChunk, check_header, check_timezone

Progress = Callable[[int, int], None]  # (bytes done, bytes in total)
# Rows per chunk when loading. Larger chunks pay less fixed work per chunk but hold
# more memory: measured on 10 M tickets (benchmarks/RESULTS.md) when each distinct
# personal-data value still cost a Python lookup per chunk, 250,000 rows cut CPU
# time by 7 % (81.9 s against 88.4 s) and nearly doubled the peak RSS (2.1 GB
# against 1.1 GB), so the readers' default stays.
# Handed to callers with the reports and listings (the API and the CLI name them from here).
__all__ = [
    "LOAD_CHUNK_ROWS",
    "BatchRecord",
    "LoadReport",
    "LoadStatus",
    "QuarantinedRow",
    "StageJob",
    "Staged",
    "StoredFinding",
    "admit_load",
    "already_loaded",
    "clean_orphans",
    "commit_staged",
    "discard_staged",
    "file_sha256",
    "list_batches",
    "list_findings",
    "list_quarantine",
    "load_events",
    "load_rows",
    "remeasure",
    "stage_file",
    "staged_batch",
    "write_problems",
]

LOAD_CHUNK_ROWS = DEFAULT_CHUNK_ROWS
MAX_ROWS_NAMED = 10  # rows named per closed month when a load into it is refused
# Threads validating and protecting chunks side by side (``validated_chunks``): the work
# releases the GIL, so a second thread uses the second core; results stay in file order.
LOAD_WORKERS = max(1, min(4, os.cpu_count() or 1))
# Chunks validated ahead while the file is hashed (``_Validated``): the hash takes about as
# long as eight chunks on the other core; memory stays bounded by them.
READ_AHEAD = 8
_HASH_BLOCK = 1 << 20


class LoadStatus(StrEnum):
    LOADED = "loaded"  # every row stored
    PARTIAL = "partial"  # good rows stored, the others quarantined (--accept-valid)
    ALREADY_LOADED = "already_loaded"  # the same content was loaded before: nothing changed


@dataclass(frozen=True)
class LoadReport:
    contract_id: str
    source: str
    file_name: str | None
    batch_id: str  # SHA-256 of the content
    status: LoadStatus
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    corrections: int = 0
    batch_seq: int | None = None
    duplicate_of: int | None = None  # the earlier batch's sequence when already loaded
    findings: tuple[Finding, ...] = ()
    problems: tuple[Problem, ...] = field(default=())
    # earlier findings this load's data disproved or narrowed (a day completed since)
    revised: tuple[FindingRevision, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "contract": self.contract_id,
            "source": self.source,
            "file": self.file_name,
            "batch": self.batch_id,
            "batch_seq": self.batch_seq,
            "status": self.status.value,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "corrections": self.corrections,
            "duplicate_of": self.duplicate_of,
            "findings": [
                {
                    "kind": f.kind.value,
                    "severity": f.severity.value,
                    "count": f.count,
                    "detail": f.detail,
                    "examples": list(f.examples),
                }
                for f in self.findings
            ],
            "problems": [p.render() for p in self.problems],
            "findings_revised": [r.as_dict() for r in self.revised],
        }


@dataclass(frozen=True)
class FindingRevision:
    """An earlier incomplete-day finding judged again over every batch now committed: withdrawn
    when none of its days is short any more, narrowed when fewer are."""

    finding_id: int
    batch_seq: int | None
    withdrawn: bool
    before: int  # days short when it was found
    after: int  # days short now
    detail: str
    examples: tuple[str, ...] = ()  # the first days still short (narrowed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "finding": self.finding_id,
            "batch_seq": self.batch_seq,
            "action": "withdrawn" if self.withdrawn else "narrowed",
            "days_short_before": self.before,
            "days_short_now": self.after,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class _Admission:
    contract: Contract
    event_type: EventType


def _admit(uow: UnitOfWork, *, actor: Actor, contract_id: str, source: str) -> _Admission:
    """Every rule about who may load what, where: the one place to add another."""
    actor.require_write("load data")
    contract = get_contract(uow, actor=actor, contract_id=contract_id).contract
    if source not in contract.sources:
        used = ", ".join(contract.sources) or "none"
        raise InvalidInput(
            problems=[
                Problem(
                    where="--source",
                    message=(
                        f"contract {contract_id!r} does not measure {source!r} events "
                        f"(its sources: {used})"
                    ),
                    value=source,
                )
            ]
        )
    event_type = contract.declared_event_types.get(source) or BUILT_IN.get(source)
    if event_type is None:
        raise InvalidInput(
            problems=[Problem(where="--source", message=f"unknown event type {source!r}")]
        )
    return _Admission(contract, event_type)


def admit_load(
    app: Ports, *, actor: Actor, contract_id: str, source: str
) -> tuple[Contract, EventType]:
    """Refuse early (before a file is received) whoever may not load ``source`` into the
    contract; the load itself checks again. Returns the contract and the source's event type."""
    with app.uow(read_only=True) as uow:
        admission = _admit(uow, actor=actor, contract_id=contract_id, source=source)
    return admission.contract, admission.event_type


def already_loaded(
    app: Ports, *, contract_id: str, source: str, batch_id: str, file_name: str
) -> LoadReport | None:
    """The report of a content already committed (``batch_id``: its SHA-256), else None."""
    with app.uow(read_only=True) as uow:
        earlier = uow.repo(BatchRepository).find(
            contract_id=contract_id, source=source, content_sha256=batch_id
        )
    return None if earlier is None else _already(earlier, file_name)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _calendar_for(contract: Contract, source: str) -> Calendar | None:
    """The calendar the source's service levels measure in (for working days)."""
    for sl in contract.service_levels:
        if sl.source == source and sl.calendar is not None:
            return contract.calendars[sl.calendar]
    return next(iter(contract.calendars.values()), None)


def _snapshot(uow: UnitOfWork) -> InMemoryManifest:
    """The committed batches, copied so no database connection stays open while loading."""
    manifest = InMemoryManifest()
    for contract, source, ref in uow.repo(BatchRepository).all_committed():
        manifest.entries.setdefault((contract, source), []).append(ref)
    return manifest


def load_events(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    source: str,
    path: Path,
    accept_valid: bool = False,
    timezone: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
    file_name: str | None = None,
) -> LoadReport:
    """Load one file of ``source`` events into a contract (see the module docstring).

    ``file_name`` is the name recorded for the batch when it is not the path's (an upload
    is stored under a name of the server's choosing).
    """
    if not path.is_file():
        raise InvalidInput(problems=[Problem(where=str(path), message="no such file")])
    return _load(
        app,
        actor=actor,
        contract_id=contract_id,
        source=source,
        name=file_name or path.name,
        batch_id=lambda: file_sha256(path),
        opener=lambda event_type: open_checked(
            path, event_type, encoding=encoding, sheet=sheet, chunk_rows=LOAD_CHUNK_ROWS
        ),
        accept_valid=accept_valid,
        timezone=timezone,
        progress=progress,
    )


def _load(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    source: str,
    name: str,
    batch_id: Callable[[], str],
    opener: Callable[[EventType], Source],
    accept_valid: bool,
    timezone: str | None,
    progress: Progress | None,
) -> LoadReport:
    check_timezone(timezone)
    validated: _Validated | None = None
    try:
        with app.uow(read_only=True) as uow:
            admission = _admit(uow, actor=actor, contract_id=contract_id, source=source)
            check_protection(admission.event_type, admission.contract.data_protection)
            # Chunks are read and protected while the file is hashed; nothing is kept of
            # them (nor any error raised) if the content turns out to be loaded already.
            validated = _Validated(
                lambda: opener(admission.event_type),
                admission.event_type,
                admission.contract.data_protection,
                pseudonym_key=app.settings.pseudonym_key_bytes,
                timezone=timezone,
                ahead=READ_AHEAD,
            )
            content_sha256 = batch_id()
            earlier = uow.repo(BatchRepository).find(
                contract_id=contract_id, source=source, content_sha256=content_sha256
            )
            if earlier is not None:
                return _already(earlier, name)
            context = _context(uow, contract_id=contract_id, source=source)
        report = _store(
            app,
            admission,
            validated,
            context,
            accept_valid,
            progress,
            _Target(actor, contract_id, source, content_sha256, name),
        )
    finally:
        if validated is not None:
            validated.stop()
    if report.status is not LoadStatus.ALREADY_LOADED:
        remeasure(app, actor=actor, contract_id=contract_id)
    return report


def _store(
    app: Ports,
    admission: _Admission,
    validated: _Validated,
    context: _Context,
    accept_valid: bool,
    progress: Progress | None,
    target: _Target,
) -> LoadReport:
    """Write the validated chunks as the batch's file, check it and commit it (``_finish``)."""
    store = EventStore(event_root(app.settings), context.manifest).with_types(
        admission.contract.declared_event_types
    )
    with store.writer(
        contract_id=target.contract_id, source=target.source, batch_id=target.batch_id
    ) as writer:
        early: list[_Controlled] = []

        def controls_meanwhile() -> None:
            # Read-only over the finished file, while DuckDB looks for repeated ids.
            try:
                early.append(_controls_of(store, writer, admission, target, context))
            except Exception:  # run again by _finish, in the usual order
                early.clear()

        read = _stage(
            writer,
            admission,
            validated,
            accept_valid=accept_valid,
            progress=progress,
            file_name=target.file_name,
            meanwhile=controls_meanwhile,
        )
        # Rows excluded after the controls ran (repeated ids): they are run again.
        ready = early[0] if early and writer.rewrites == 0 else None
        return _finish(app, store, writer, admission, read, context, target, controlled=ready)


def remeasure(app: Ports, *, actor: Actor, contract_id: str) -> None:
    """New events: the stored results they reach are measured again (services/freshness.py)."""
    from servicepact.services.freshness import remeasure_after_change

    remeasure_after_change(app, actor=actor, contract_id=contract_id)


@dataclass(frozen=True)
class _Context:
    """What the database holds that a batch's checks and controls depend on, read just before
    them: the committed batches, the open quarantine, the closed months, earlier findings."""

    manifest: InMemoryManifest
    loaded_at: datetime
    quarantined: set[str]
    closed: frozenset[str]
    earlier_findings: list[StoredFinding]


def _context(uow: UnitOfWork, *, contract_id: str, source: str) -> _Context:
    repo = uow.repo(BatchRepository)
    return _Context(
        manifest=_snapshot(uow),
        loaded_at=uow.now(),
        quarantined=repo.open_quarantined_ids(contract_id=contract_id, source=source),
        closed=frozenset(closed_months(uow, contract_id)),
        earlier_findings=[
            f
            for f in repo.findings(contract_id=contract_id, source=source)
            if f.kind == FindingKind.INCOMPLETE_DAY.value
            and f.status is not FindingStatus.WITHDRAWN
            and f.batch_seq is not None
        ],
    )


@dataclass(frozen=True)
class _Target:
    """Who loads which batch (by content hash) of which file, into which contract and source."""

    actor: Actor
    contract_id: str
    source: str
    batch_id: str
    file_name: str


@dataclass(frozen=True)
class StageJob:
    """What a Spark task needs to stage one file's batch (``stage_file``): the contract (for
    its event type and data protection), the load's options, the event store's root, the
    job's token (the temporary files' names) and the pseudonymisation key — which travels
    only inside the task, never in a log, a repr or a file."""

    contract: Contract
    event_type: EventType
    contract_id: str
    source: str
    root: EventRoot
    token: str
    accept_valid: bool = False
    timezone: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    pseudonym_key: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class Staged:
    """A Spark task's summary of one file: its batch written (``rows`` accepted, uncommitted,
    in the temporary file the job's token names), or the problems that refused it — the same
    problems, masked the same way, as the local loader's."""

    file_name: str
    batch_id: str
    rows: int = 0
    read: _Read | None = None
    problems: tuple[Problem, ...] = ()
    refused_in: str | None = None  # the source the problems are rendered against

    def refusal(self) -> InvalidInput | None:
        if self.read is not None:
            return None
        return InvalidInput(problems=list(self.problems), source=self.refused_in)


def stage_file(job: StageJob, path: str, batch_id: str) -> Staged:
    """Inside a Spark task: the local loader's own pipeline for one file (read → validate →
    pseudonymise → the batch's Parquet file), left uncommitted for the driver
    (``commit_staged``). A refused file leaves nothing behind."""
    file = Path(path)
    store = EventStore(job.root, InMemoryManifest(), event_types={job.source: job.event_type})
    try:
        with store.writer(
            contract_id=job.contract_id, source=job.source, batch_id=batch_id, token=job.token
        ) as writer:
            read = _stage(
                writer,
                _Admission(job.contract, job.event_type),
                _Validated(
                    lambda: open_checked(
                        file,
                        job.event_type,
                        encoding=job.encoding,
                        sheet=job.sheet,
                        chunk_rows=LOAD_CHUNK_ROWS,
                    ),
                    job.event_type,
                    job.contract.data_protection,
                    pseudonym_key=job.pseudonym_key,
                    timezone=job.timezone,
                ),
                accept_valid=job.accept_valid,
                progress=None,
                file_name=file.name,
            )
            writer.keep()
    except InvalidInput as refused:
        return Staged(
            file.name, batch_id, problems=tuple(refused.problems), refused_in=refused.source
        )
    return Staged(file.name, batch_id, rows=writer.rows, read=read)


def commit_staged(
    app: Ports, *, actor: Actor, contract_id: str, source: str, staged: Staged, token: str
) -> LoadReport:
    """On the driver, in file order: a staged batch checked, committed and recorded by the local
    loader's own steps (controls over every batch committed before it, closed months, the
    manifest row, the audit entry) — or refused as the local loader refuses it."""
    refused = staged.refusal()
    if refused is not None:
        raise refused
    assert staged.read is not None
    with app.uow(read_only=True) as uow:
        admission = _admit(uow, actor=actor, contract_id=contract_id, source=source)
        earlier = uow.repo(BatchRepository).find(
            contract_id=contract_id, source=source, content_sha256=staged.batch_id
        )
        context = _context(uow, contract_id=contract_id, source=source)
    store = EventStore(event_root(app.settings), context.manifest).with_types(
        admission.contract.declared_event_types
    )
    target = _Target(actor, contract_id, source, staged.batch_id, staged.file_name)
    with store.writer(
        contract_id=contract_id,
        source=source,
        batch_id=staged.batch_id,
        token=token,
        written=staged.rows,
    ) as writer:
        if earlier is not None:  # loaded meanwhile, by another command: the same content
            writer.abort()
            return _already(earlier, staged.file_name)
        return _finish(app, store, writer, admission, staged.read, context, target)


def staged_batch(*, contract_id: str, source: str, batch_id: str, token: str) -> str:
    """Where a Spark task leaves a batch uncommitted, relative to the event store's root (a
    file beside its final name, or an object on object storage)."""
    return temporary_object(EventStore.relative_path_of(contract_id, source, batch_id), token)


def discard_staged(root: EventRoot, relative: str) -> None:
    """Remove a batch a Spark task left uncommitted, if it is there (a failed job)."""
    if root.local is not None:
        (root.local / relative).unlink(missing_ok=True)
    else:
        root.remove(relative, missing_ok=True)


def _already(earlier: BatchRecord, file_name: str) -> LoadReport:
    return LoadReport(
        contract_id=earlier.contract_id,
        source=earlier.source,
        file_name=file_name,
        batch_id=earlier.content_sha256,
        status=LoadStatus.ALREADY_LOADED,
        rows_read=earlier.rows_read,
        rows_accepted=0,
        rows_rejected=0,
        batch_seq=earlier.seq,
        duplicate_of=earlier.seq,
    )


@dataclass
class _Read:
    """What reading and validating the file gave: counts, problems, rows to quarantine."""

    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    rejected: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class _Controlled:
    """The internal controls' outcome over the rows about to be stored."""

    findings: list[Finding]
    months: list[str]  # the months (YYYY-MM) the rows fall in
    rows_in: dict[str, RowsInMonth]  # closed months among them → the rows falling in each
    resolved: set[str]  # quarantined ids this batch now supplies
    corrections: tuple[int, list[str]]  # ids that replace events of earlier batches
    revised: list[FindingRevision] = field(default_factory=list)  # earlier findings judged again


def _stage(
    writer: BatchWriter,
    admission: _Admission,
    validated: _Validated,
    *,
    accept_valid: bool,
    progress: Progress | None,
    file_name: str,
    meanwhile: Callable[[], None] | None = None,
) -> _Read:
    """Read, validate and pseudonymise the file into the batch's temporary file; refuse it (or,
    with ``accept_valid``, set its bad rows aside) — the part of a load that needs no database,
    run here or in a Spark task (``stage_file``). ``meanwhile`` runs while repeated ids are
    looked for, unless the file is refused whatever they are."""
    read = _write_rows(writer, admission, validated, accept_valid, progress=progress)
    if meanwhile is not None and read.rows_read and (accept_valid or not read.problems):
        writer.start_duplicate_check(admission.event_type.id_column)
        meanwhile()
    _refuse_unusable(writer, admission.event_type.id_column, read, accept_valid, file_name)
    return read


def _finish(
    app: Ports,
    store: EventStore,
    writer: BatchWriter,
    admission: _Admission,
    read: _Read,
    context: _Context,
    target: _Target,
    *,
    controlled: _Controlled | None = None,
) -> LoadReport:
    """Run the controls over the written batch (unless ``controlled``: run already over the
    same file), refuse a closed month, commit the file and record the batch with its findings
    (audited). Nothing is recorded unless the whole load is."""
    contract_id, source, batch_id = target.contract_id, target.source, target.batch_id
    if controlled is None:
        controlled = _controls_of(store, writer, admission, target, context)
    accepted = writer.rows
    with app.uow(read_only=True) as uow:
        _refuse_closed_months(
            uow, contract_id=contract_id, months=controlled.months, rows=controlled.rows_in
        )
    writer.commit()
    with app.uow() as uow:
        repo = uow.repo(BatchRepository)
        earlier = repo.find(contract_id=contract_id, source=source, content_sha256=batch_id)
        if earlier is not None:  # loaded by someone else meanwhile: the same content
            return _already(earlier, target.file_name)
        # A month closed while this file was being read: refused, the batch file stays
        # an orphan no manifest row points at (``clean_orphans`` removes it).
        _refuse_closed_months(
            uow, contract_id=contract_id, months=controlled.months, rows=controlled.rows_in
        )
        seq = _record_batch(
            uow,
            actor=target.actor,
            contract_id=contract_id,
            source=source,
            batch_id=batch_id,
            file_name=target.file_name,
            parquet_path=store.relative_path(contract_id, source, batch_id),
            read=read,
            accepted=accepted,
            controlled=controlled,
        )
    return _stored_report(
        contract_id=contract_id,
        source=source,
        file_name=target.file_name,
        batch_id=batch_id,
        read=read,
        accepted=accepted,
        controlled=controlled,
        batch_seq=seq,
    )


def _controls_of(
    store: EventStore,
    writer: BatchWriter,
    admission: _Admission,
    target: _Target,
    context: _Context,
) -> _Controlled:
    """``_run_controls`` over the load's written file, with what the database said before it."""
    return _run_controls(
        store,
        writer,
        admission,
        context.quarantined,
        target.contract_id,
        target.source,
        context.loaded_at,
        context.closed,
        context.earlier_findings,
    )


def _stored_report(
    *,
    contract_id: str,
    source: str,
    file_name: str,
    batch_id: str,
    read: _Read,
    accepted: int,
    controlled: _Controlled,
    batch_seq: int,
) -> LoadReport:
    """The report of a batch just recorded: loaded whole, or in part when rows were rejected."""
    rows_rejected = read.rows_read - accepted
    return LoadReport(
        contract_id=contract_id,
        source=source,
        file_name=file_name,
        batch_id=batch_id,
        status=LoadStatus.PARTIAL if rows_rejected else LoadStatus.LOADED,
        rows_read=read.rows_read,
        rows_accepted=accepted,
        rows_rejected=rows_rejected,
        corrections=controlled.corrections[0],
        batch_seq=batch_seq,
        findings=tuple(controlled.findings),
        problems=tuple(read.problems),
        revised=tuple(controlled.revised),
    )


def _record_batch(
    uow: UnitOfWork,
    *,
    actor: Actor,
    contract_id: str,
    source: str,
    batch_id: str,
    file_name: str,
    parquet_path: str,
    read: _Read,
    accepted: int,
    controlled: _Controlled,
) -> int:
    """The committed batch in the manifest, its quarantined rows and findings, audited;
    returns the batch's load sequence."""
    repo = uow.repo(BatchRepository)
    rows_rejected = read.rows_read - accepted
    now = uow.now()
    seq = repo.add(
        contract_id=contract_id,
        source=source,
        content_sha256=batch_id,
        file_name=file_name,
        rows_read=read.rows_read,
        rows_accepted=accepted,
        rows_rejected=rows_rejected,
        corrections=controlled.corrections[0],
        loaded_at=now,
        loaded_by=actor.user,
        parquet_path=parquet_path,
        status=BatchStatus.PARTIAL if rows_rejected else BatchStatus.COMPLETE,
    )
    repo.quarantine(batch_seq=seq, contract_id=contract_id, source=source, rows=read.rejected)
    fixed = repo.resolve(
        contract_id=contract_id, source=source, event_ids=controlled.resolved, by_seq=seq
    )
    repo.add_findings(
        contract_id=contract_id, source=source, batch_seq=seq, findings=controlled.findings, at=now
    )
    _revise_findings(
        uow,
        actor=actor,
        contract_id=contract_id,
        source=source,
        seq=seq,
        revised=controlled.revised,
        at=now,
    )
    uow.record(
        actor=actor,
        entity_type="event_batch",
        entity_id=f"{contract_id}/{source}/{seq}",
        action="load",
        after={
            "batch": batch_id,
            "file": file_name,
            "rows_read": read.rows_read,
            "rows_accepted": accepted,
            "rows_rejected": rows_rejected,
            "corrections": controlled.corrections[0],
            "quarantine_resolved": fixed,
            "findings": [f.kind.value for f in controlled.findings],
            "findings_revised": [r.as_dict() for r in controlled.revised],
        },
    )
    return seq


def _revise_findings(
    uow: UnitOfWork,
    *,
    actor: Actor,
    contract_id: str,
    source: str,
    seq: int,
    revised: Sequence[FindingRevision],
    at: datetime,
) -> None:
    """Withdraw or narrow the earlier findings the new batch's data disproved, each audited."""
    repo = uow.repo(BatchRepository)
    current = {f.id: f for f in repo.findings(contract_id=contract_id, source=source)}
    for revision in revised:
        stored = current.get(revision.finding_id)
        if stored is None or stored.status is FindingStatus.WITHDRAWN:
            continue  # withdrawn meanwhile by another load
        if revision.withdrawn:
            repo.withdraw_finding(revision.finding_id, detail=revision.detail, at=at)
        else:
            repo.revise_finding(
                revision.finding_id,
                count=revision.after,
                detail=revision.detail,
                examples=revision.examples,
            )
        uow.record(
            actor=actor,
            entity_type="control_finding",
            entity_id=f"{contract_id}/{source}/{revision.finding_id}",
            action="withdraw" if revision.withdrawn else "narrow",
            before={
                "status": stored.status.value,
                "count": stored.count,
                "detail": stored.detail,
                "examples": list(stored.examples),
            },
            after={
                "status": FindingStatus.WITHDRAWN.value
                if revision.withdrawn
                else stored.status.value,
                "count": revision.after,
                "detail": revision.detail,
                "by_batch": seq,
                "at": at.isoformat(),
            },
        )


def _write_rows(
    writer: BatchWriter,
    admission: _Admission,
    validated: _Validated,
    accept_valid: bool,
    *,
    progress: Progress | None,
) -> _Read:
    """Write the valid rows of each validated chunk; keep what was wrong."""
    id_column = admission.event_type.id_column
    read = _Read()
    for chunk in validated:
        writer.write(chunk.table, chunk.rows)
        read.rows_read += chunk.rows_read
        read.problems.extend(chunk.problems)
        if accept_valid and len(read.rejected) < MAX_DESCRIBED:
            for bad_row in chunk.rejected:
                values = bad_row.get("values")
                event_id = values.get(id_column) if isinstance(values, dict) else None
                bad_row["event_id"] = event_id if isinstance(event_id, str) else None
            read.rejected.extend(chunk.rejected)
        if progress is not None and chunk.bytes_read is not None:
            progress(chunk.bytes_read, validated.size)
    return read


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_END = object()


class _Validated:
    """A source's chunks validated and protected (``validated_chunks``), in file order.

    With ``ahead``, a background thread opens the source and works from the start, keeping at
    most ``ahead`` chunks waiting (memory stays bounded) while the caller does something else
    (hashes the file); an error is raised where the chunks are taken, never before.
    """

    def __init__(
        self,
        open_source: Callable[[], Source],
        event_type: EventType,
        data_protection: DataProtection,
        *,
        pseudonym_key: bytes,
        timezone: str | None,
        ahead: int = 0,
    ) -> None:
        self._open = open_source
        self._event_type = event_type
        self._protection = data_protection
        self._key = pseudonym_key
        self._timezone = timezone
        self.size = 0  # of the source, once opened
        self._stop = threading.Event()
        self._queue: queue.Queue[object] | None = None
        self._thread: threading.Thread | None = None
        if ahead > 0:
            self._queue = queue.Queue(maxsize=ahead)
            self._thread = threading.Thread(target=self._produce, name="load-ahead", daemon=True)
            self._thread.start()

    def _chunks(self) -> Generator[ValidatedChunk, None, None]:
        opened = self._open()
        self.size = opened.size
        yield from validated_chunks(
            opened,
            self._event_type,
            data_protection=self._protection,
            pseudonym_key=self._key,
            timezone=self._timezone,
            workers=LOAD_WORKERS,
        )

    def _produce(self) -> None:
        chunks = self._chunks()
        try:
            for chunk in chunks:
                if not self._put(chunk):
                    return
            self._put(_END)
        except BaseException as error:  # raised again where the chunks are taken
            self._put(_Failed(error))
        finally:
            chunks.close()

    def _put(self, item: object) -> bool:
        assert self._queue is not None
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[ValidatedChunk]:
        if self._queue is None:
            yield from self._chunks()
            return
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            assert isinstance(item, ValidatedChunk)
            yield item

    def stop(self) -> None:
        """Stop reading ahead (the load ended, or needs no more chunks)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def _refuse_unusable(
    writer: BatchWriter, id_column: str, read: _Read, accept_valid: bool, file_name: str
) -> None:
    """Rows sharing an id are problems; without ``accept_valid`` any problem refuses the file,
    and a file with no row (or no valid row) is refused either way."""
    duplicates = writer.duplicate_ids(id_column)
    for event_id, duplicate_rows in duplicates.items():
        for row in duplicate_rows:
            others = ", ".join(str(r) for r in duplicate_rows if r != row)
            read.problems.append(
                row_problem(row=row, field=id_column, message=f"duplicate id: also in row {others}")
            )
            read.rejected.append(
                {
                    "row": row,
                    "line": None,
                    "event_id": event_id,
                    "values": {id_column: event_id},
                    "reasons": [f"{id_column}: duplicate id: also in row {others}"],
                }
            )
    if read.rows_read == 0:
        raise InvalidInput(
            problems=[Problem(where=file_name, message="the file has a header but no rows")]
        )
    if read.problems and not accept_valid:
        raise InvalidInput(problems=read.problems, source=file_name)
    if duplicates:
        writer.exclude(id_column, list(duplicates))
    if writer.rows == 0:
        raise InvalidInput(
            problems=[
                Problem(where=file_name, message="no row is valid: nothing to store"),
                *read.problems,
            ],
            source=file_name,
        )


def _run_controls(
    store: EventStore,
    writer: BatchWriter,
    admission: _Admission,
    quarantined: set[str],
    contract_id: str,
    source: str,
    loaded_at: datetime,
    closed: frozenset[str] = frozenset(),
    earlier_findings: Sequence[StoredFinding] = (),
) -> _Controlled:
    """The internal controls over the written rows, the months they fall in, the quarantined
    ids they supply and the ids they correct."""
    event_type = admission.event_type
    contract = admission.contract
    id_column = event_type.id_column
    corrections = store.existing_ids(contract_id=contract_id, source=source, candidate=writer.temp)
    tally = ControlTally(event_type=event_type, loaded_at=loaded_at, zone=_zone(contract, source))
    resolved: set[str] = set()
    wanted = pa.array(sorted(quarantined), pa.string())
    months = _MonthsSeen(event_type, _zones(contract, source), closed, now=loaded_at)
    columns = [*dict.fromkeys([*tally.columns(), *months.columns_read, ROW_COLUMN])]
    for table in store.iter_file(writer.temp, columns):
        tally.add(table)
        months.add(table)
        if len(wanted):
            hits = pc.filter(table.column(id_column), pc.is_in(table.column(id_column), wanted))
            resolved.update(str(v) for v in hits.to_pylist())
    if months.spanning:
        months.confirm(_counted_across(store, writer.temp, contract, source, months.spanning))
    expected = contract.expected_daily_volume.get(source)
    calendar = _calendar_for(contract, source)
    day_counts: dict[date, int] | None = None
    revised: list[FindingRevision] = []
    if expected and tally.anchor is not None:
        # Completeness is a property of the day, not of a batch: count every committed batch
        # of the source with this one, over this batch's days and those of earlier findings.
        zone = _zone(contract, source)
        ranges = _finding_ranges(store, contract_id, source, tally, zone, earlier_findings)
        spans = [r for r in (tally.day_range, *ranges.values()) if r is not None]
        if spans:
            day_counts = _day_counts(
                store,
                contract_id,
                source,
                tally,
                zone,
                min(first for first, _ in spans),
                max(last for _, last in spans),
                writer.temp,
            )
            revised = _judge_again(earlier_findings, ranges, day_counts, expected, calendar)
    findings = tally.findings(
        expected_daily=expected,
        calendar=calendar,
        corrections=corrections,
        day_counts=day_counts,
    )
    return _Controlled(
        findings=findings,
        months=months.labels(),
        rows_in=months.rows_in(),
        resolved=resolved,
        corrections=corrections,
        revised=revised,
    )


def _local_days(values: pa.Array | pa.ChunkedArray, zone: str) -> pa.Array | pa.ChunkedArray:
    return local_days(values, zone) if pa.types.is_timestamp(values.type) else values


def _finding_ranges(
    store: EventStore,
    contract_id: str,
    source: str,
    tally: ControlTally,
    zone: str,
    earlier: Sequence[StoredFinding],
) -> dict[int, tuple[date, date]]:
    """For each earlier incomplete-day finding, the first and last day of the batch it was
    found in: the days it judged."""
    anchor = tally.anchor
    refs = {ref.seq: ref for ref in store.batches(contract_id=contract_id, source=source)}
    ranges: dict[int, tuple[date, date]] = {}
    for finding in earlier:
        ref = refs.get(finding.batch_seq) if finding.batch_seq is not None else None
        if ref is None or anchor is None:
            continue
        low: date | None = None
        high: date | None = None
        for table in store.iter_batch(ref.path, [anchor]):
            days = pc.drop_null(_local_days(table.column(anchor), zone))
            if len(days):
                span = pc.min_max(days)
                first, last = span["min"].as_py(), span["max"].as_py()
                low = first if low is None else min(low, first)
                high = last if high is None else max(high, last)
        if low is not None and high is not None:
            ranges[finding.id] = (low, high)
    return ranges


def _day_counts(
    store: EventStore,
    contract_id: str,
    source: str,
    tally: ControlTally,
    zone: str,
    first: date,
    last: date,
    candidate: Path,
) -> dict[date, int]:
    """Events per local day from ``first`` to ``last`` over every committed batch of the source
    (the current version of each event) and the batch being loaded, which replaces the events
    whose ids it repeats."""
    anchor = tally.anchor
    assert anchor is not None
    is_date = tally.event_type.column(anchor).type is ColumnType.DATE
    # A local day lies within a day either side of the same UTC day, whatever the zone.
    low: object = first if is_date else datetime.combine(first, time(), UTC) - timedelta(days=1)
    high: object = last if is_date else datetime.combine(last, time(), UTC) + timedelta(days=2)
    values = store.current_values(
        contract_id=contract_id,
        source=source,
        column=anchor,
        low=low,
        high=high,
        excluding=candidate,
    )
    counts: dict[date, int] = {}
    days = pc.value_counts(pc.drop_null(_local_days(values, zone)))
    for day, count in zip(
        days.field("values").to_pylist(), days.field("counts").to_pylist(), strict=True
    ):
        if first <= day <= last:
            counts[day] = counts.get(day, 0) + count
    for day, count in tally.per_day.items():
        if first <= day <= last:
            counts[day] = counts.get(day, 0) + count
    return counts


def _judge_again(
    earlier: Sequence[StoredFinding],
    ranges: Mapping[int, tuple[date, date]],
    day_counts: Mapping[date, int],
    expected: int,
    calendar: Calendar | None,
) -> list[FindingRevision]:
    """Each earlier incomplete-day finding judged over all the data now: withdrawn when no day
    of its batch is short any more, narrowed when fewer are, left alone otherwise."""
    revised: list[FindingRevision] = []
    for finding in earlier:
        span = ranges.get(finding.id)
        if span is None:
            continue
        short = short_days(day_counts, span[0], span[1], expected, calendar)
        if len(short) >= finding.count:
            continue
        if not short:
            days = ", ".join(finding.examples)
            revised.append(
                FindingRevision(
                    finding_id=finding.id,
                    batch_seq=finding.batch_seq,
                    withdrawn=True,
                    before=finding.count,
                    after=0,
                    detail=(
                        f"withdrawn: later loads completed every day it found short "
                        f"({days}{', …' if finding.count > len(finding.examples) else ''}); "
                        f"was: {finding.detail}"
                    ),
                )
            )
            continue
        narrowed = incomplete_day_finding(short, expected)
        assert narrowed is not None
        revised.append(
            FindingRevision(
                finding_id=finding.id,
                batch_seq=finding.batch_seq,
                withdrawn=False,
                before=finding.count,
                after=len(short),
                detail=f"{narrowed.detail}; later loads completed {finding.count - len(short)} "
                f"of the {finding.count} days first found short",
                examples=narrowed.examples,
            )
        )
    return revised


def _zones(contract: Contract, source: str) -> frozenset[str]:
    """Every zone a month of ``source`` is cut in: its service levels' and the contract's."""
    zones = {
        contract_timezone(contract, sl) for sl in contract.service_levels if sl.source == source
    }
    zones.add(contract_timezone(contract))
    return frozenset(zones)


class _MonthsSeen:
    """The months (``YYYY-MM``) the events of a batch fall in, by the event type's anchor rule.

    Every column a KPI counts the event at places it (``MEASURED_AT``: an invoice received in
    August and due in October falls in both months), not only its arrival. A timestamp is
    placed in every zone the contract measures the source in, so an event at 23:30 UTC on the
    last day of a month counts in both months when one service level reads it in Seoul and
    another in UTC; a date is its own month. An event a KPI counts in every month it spans
    (``MEASURED_ACROSS``: an outage, a ticket until resolved — still open: until ``now``)
    falls in the months between too. For the months in ``watched`` (the closed ones) the
    source rows are kept too, the first ``MAX_ROWS_NAMED`` of each, to name them.
    """

    def __init__(
        self,
        event_type: EventType,
        zones: frozenset[str],
        watched: frozenset[str] = frozenset(),
        *,
        now: datetime | None = None,
    ) -> None:
        self.anchors = _measured_at(event_type)
        across = (
            None
            if isinstance(getattr(event_type, "anchor", None), str)
            else MEASURED_ACROSS.get(event_type.name)
        )
        names = set(event_type.column_names)
        self.across = across if across is not None and set(across[:2]) <= names else None
        self.span_label = None if self.across is None else f"{self.across[0]} to {self.across[1]}"
        self.columns_read = [*self.anchors, *(self.across[:2] if self.across else ())]
        self.now = now
        self.spanning: dict[int, set[int]] = {}  # watched month → rows spanning it (candidates)
        self.zones = sorted(zones)
        self.seen: set[int] = set()  # year * 12 + month - 1
        self.watched = {_month_key(label) for label in watched}
        self.rows: dict[int, list[int]] = {}  # watched month → its first rows
        self.counts: dict[int, int] = {}  # watched month → rows in it
        self.columns: dict[int, set[str]] = {}  # watched month → the anchors placing rows there
        self.types = {name: event_type.column(name).type for name in self.columns_read}

    def add(self, table: pa.Table) -> None:
        if not self.anchors or table.num_rows == 0:
            return
        watched: dict[int, pa.Array] = {}  # watched month → mask of its rows in this table
        for name in self.anchors:
            if name not in table.column_names:
                continue
            values = table.column(name)
            placed = (
                [values]
                if self.types[name] is ColumnType.DATE
                else [values.cast(pa.timestamp("us", tz=zone)) for zone in self.zones]
            )
            for local in placed:
                # Arrow reads year and month in the type's zone: no per-row Python.
                months = pc.add(pc.multiply(pc.year(local), 12), pc.subtract(pc.month(local), 1))
                found = {v for v in pc.unique(months).to_pylist() if v is not None}
                self.seen.update(found)
                for key in found & self.watched:
                    self.columns.setdefault(key, set()).add(name)
                    hit = pc.fill_null(pc.equal(months, key), False)
                    watched[key] = hit if key not in watched else pc.or_(watched[key], hit)
        self._add_spans(table, watched)
        if ROW_COLUMN not in table.column_names:
            return
        for key, mask in watched.items():
            rows = pc.filter(table.column(ROW_COLUMN), mask)
            self.counts[key] = self.counts.get(key, 0) + len(rows)
            kept = self.rows.setdefault(key, [])
            room = MAX_ROWS_NAMED - len(kept)
            if room > 0:
                kept.extend(int(r) for r in rows.slice(0, room).to_pylist())

    def _months(self, values: Any, name: str, zone: str) -> Any:
        local = (
            values
            if self.types[name] is ColumnType.DATE
            else values.cast(pa.timestamp("us", tz=zone))
        )
        return pc.add(pc.multiply(pc.year(local), 12), pc.subtract(pc.month(local), 1))

    def _add_spans(self, table: pa.Table, watched: dict[int, Any]) -> None:
        """The rows whose span covers a watched month strictly between their first and last
        month (their ends are placed by the anchors), in every zone: candidates only — whether
        a KPI counts them there is for ``confirm`` to say."""
        if self.across is None or not self.watched or ROW_COLUMN not in table.column_names:
            return
        first, last, open_ended = self.across
        if first not in table.column_names or last not in table.column_names:
            return
        zones = self.zones if self.types[first] is not ColumnType.DATE else self.zones[:1]
        for zone in zones:
            starts = self._months(table.column(first), first, zone)
            ends = self._months(table.column(last), last, zone)
            if open_ended and self.now is not None:
                local_now = self.now.astimezone(ZoneInfo(zone))
                ends = pc.fill_null(ends, local_now.year * 12 + local_now.month - 1)
            low, high = pc.min(starts).as_py(), pc.max(ends).as_py()
            if low is None or high is None:
                continue
            for key in sorted(k for k in self.watched if low < k < high):
                hit = pc.fill_null(pc.and_(pc.less(starts, key), pc.greater(ends, key)), False)
                found = pc.filter(table.column(ROW_COLUMN), hit).to_pylist()
                if found:
                    self.spanning.setdefault(key, set()).update(int(r) for r in found)

    def confirm(self, counted: Mapping[int, Sequence[int]]) -> None:
        """Place the spanning rows a KPI counts in a watched month (``counted``: month key →
        source rows) in it, as the anchors place theirs."""
        for key, rows in counted.items():
            if not rows:
                continue
            self.seen.add(key)
            self.columns.setdefault(key, set()).add(self.span_label or "")
            self.counts[key] = self.counts.get(key, 0) + len(rows)
            kept = self.rows.setdefault(key, [])
            fresh = [r for r in sorted(rows) if r not in kept]
            kept.extend(fresh[: max(0, MAX_ROWS_NAMED - len(kept))])

    def labels(self) -> list[str]:
        return [_month_label(m) for m in sorted(self.seen)]

    def rows_in(self) -> dict[str, RowsInMonth]:
        """The watched months that hold rows, with the rows and the anchors placing them."""
        return {
            _month_label(key): RowsInMonth(
                rows=tuple(sorted(self.rows.get(key, ()))),
                count=self.counts.get(key, 0),
                columns=tuple(
                    c
                    for c in (*self.anchors, self.span_label)
                    if c is not None and c in self.columns.get(key, set())
                ),
            )
            for key in sorted(self.seen & self.watched)
        }


def _counted_across(
    store: EventStore,
    path: Path,
    contract: Contract,
    source: str,
    spanning: Mapping[int, set[int]],
) -> dict[int, list[int]]:
    """Of the rows spanning a closed month, those a service level of the source counts in
    it, by the same engine code that lists a result's events (``drill_down``): an outage's
    downtime in the month, a ticket in its month-end backlog (open and old enough to be
    counted) or missing its target there. A level whose events cannot be listed (a declared
    percentile) counts them all."""
    import pyarrow.parquet as pq

    from servicepact.domain.errors import Conflict
    from servicepact.domain.periods import parse_period
    from servicepact.engine.drilldown import drill_down
    from servicepact.engine.evaluate import ClockCache

    levels = [sl for sl in contract.service_levels if sl.source == source]
    if not levels:
        return {}
    id_column = (contract.declared_event_types.get(source) or BUILT_IN[source]).id_column
    every = sorted(set().union(*spanning.values()))
    names = pq.read_schema(path).names
    parts = []
    for table in store.iter_file(path, names):
        kind = table.schema.field(ROW_COLUMN).type
        parts.append(table.filter(pc.is_in(table.column(ROW_COLUMN), pa.array(every, kind))))
    rows_table = pa.concat_tables(parts) if parts else None
    if rows_table is None or rows_table.num_rows == 0:
        return {}
    kind = rows_table.schema.field(ROW_COLUMN).type
    cache = ClockCache()
    counted: dict[int, list[int]] = {}
    for key, rows in sorted(spanning.items()):
        period = parse_period(_month_label(key), term=contract.term)
        subset = rows_table.filter(
            pc.is_in(rows_table.column(ROW_COLUMN), pa.array(sorted(rows), kind))
        )
        found: set[int] = set()
        for sl in levels:
            try:
                drill = drill_down(contract, sl, period, subset, clock_cache=cache)
            except Conflict:
                found.update(rows)
                continue
            listed = drill.rows[drill.rows >= 0]  # the events listed (tickets, calls, ...)
            found.update(int(r) for r in subset.column(ROW_COLUMN).take(listed).to_pylist())
            ids = {i for run in drill.runs or () for i in run["event_ids"]}  # outages
            if ids:
                named = pc.is_in(subset.column(id_column), pa.array(sorted(ids), pa.string()))
                found.update(
                    int(r) for r in pc.filter(subset.column(ROW_COLUMN), named).to_pylist()
                )
        if found:
            counted[key] = sorted(found)
    return counted


def _measured_at(event_type: EventType) -> tuple[str, ...]:
    """The columns that place an event of this type in a month (``MEASURED_AT``); a declared
    type names its one anchor."""
    declared = getattr(event_type, "anchor", None)
    if isinstance(declared, str):
        return (declared,)
    names = MEASURED_AT.get(event_type.name)
    if names is None:
        anchor = ANCHORS.get(event_type.name)
        names = (anchor,) if anchor else ()
    return tuple(n for n in names if n in event_type.column_names)


def _month_key(label: str) -> int:
    return int(label[:4]) * 12 + int(label[5:7]) - 1


def _month_label(key: int) -> str:
    return f"{key // 12:04d}-{key % 12 + 1:02d}"


@dataclass(frozen=True)
class RowsInMonth:
    """The rows of a load that fall in one (closed) month: the first few, how many in all and
    by which columns."""

    rows: tuple[int, ...]
    count: int
    columns: tuple[str, ...]

    def describe(self) -> str:
        named = ", ".join(str(r) for r in self.rows)
        more = f" and {self.count - len(self.rows)} more" if self.count > len(self.rows) else ""
        by = " or ".join(self.columns)
        noun = "row" if self.count == 1 else "rows"
        return f"{noun} {named}{more} (by {by})" if named else f"{self.count} {noun} (by {by})"


def _refuse_closed_months(
    uow: UnitOfWork,
    *,
    contract_id: str,
    months: Sequence[str],
    rows: Mapping[str, RowsInMonth] | None = None,
) -> None:
    """Raise ``PeriodClosed`` naming every closed month among ``months`` (``YYYY-MM``) and,
    where ``rows`` has them, the rows of the load that fall in it.

    Only months that hold events are checked: a closed month between two months of a
    batch is not touched by it.
    """
    closed: list[PeriodClosed] = []
    for label in months:
        first = date.fromisoformat(f"{label}-01")
        try:
            ensure_open_between(
                uow, contract_id=contract_id, first=first, last=first, doing="loading data for it"
            )
        except PeriodClosed as error:
            closed.append(error)
    if not closed:
        return
    names = [str(error.where).rsplit("/", 1)[-1] for error in closed]
    found = rows or {}
    named = "; ".join(f"{name}: {found[name].describe()}" for name in names if name in found)
    which = f" The rows in {'it' if len(names) == 1 else 'them'}: {named}." if named else ""
    if len(closed) == 1:
        refused = "is refused."  # closed_message: "…; loading data for it is refused. Reopen…"
        message = closed[0].message.replace(refused, refused + which, 1)
        raise PeriodClosed(message, where=closed[0].where)
    raise PeriodClosed(
        f"{', '.join(names)} of contract {contract_id} are closed; loading data for them is "
        f"refused and nothing was stored.{which} Reopen each first: servicepact reopen "
        f'--contract {contract_id} --period {names[0]} --reason "..." (and the same for '
        f"{', '.join(names[1:])})",
        where=contract_id,
    )


def _zone(contract: Contract, source: str) -> str:
    calendar = _calendar_for(contract, source)
    return calendar.timezone if calendar is not None else "UTC"


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _canonical_rows(rows: Sequence[dict[str, Any]]) -> bytes:
    """The rows as canonical JSON Lines: keys sorted, no spacing; its hash is the batch id."""
    try:
        lines = [
            json.dumps(
                row,
                sort_keys=True,
                ensure_ascii=False,
                separators=(",", ":"),
                default=_json_default,
            )
            for row in rows
        ]
    except TypeError as error:
        raise InvalidInput(problems=[Problem(where="rows", message=str(error))]) from None
    return ("\n".join(lines) + "\n").encode("utf-8")


def load_rows(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    source: str,
    rows: Sequence[dict[str, Any]],
    accept_valid: bool = False,
    timezone: str | None = None,
) -> LoadReport:
    """Load an API batch: the same checks and storage as a file, keyed by its canonical rows.

    The rows stay in memory until they are validated and protected: raw personal
    data is never written to a temporary file.
    """
    if not rows:
        raise InvalidInput(problems=[Problem(where="rows", message="the batch has no rows")])
    if any(not isinstance(row, dict) for row in rows):
        raise InvalidInput(problems=[Problem(where="rows", message="each row must be an object")])
    name = "api batch"

    def opener(event_type: EventType) -> Source:
        opened = records_source(rows, name=name, chunk_rows=LOAD_CHUNK_ROWS)
        check_header(opened.header, event_type, file_name=name)
        return opened

    return _load(
        app,
        actor=actor,
        contract_id=contract_id,
        source=source,
        name=name,
        batch_id=lambda: hashlib.sha256(_canonical_rows(rows)).hexdigest(),
        opener=opener,
        accept_valid=accept_valid,
        timezone=timezone,
        progress=None,
    )


def list_batches(
    app: Ports, *, actor: Actor, contract_id: str, source: str | None = None
) -> list[BatchRecord]:
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        return uow.repo(BatchRepository).batches(contract_id=contract_id, source=source)


def list_quarantine(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    source: str | None = None,
    include_resolved: bool = False,
) -> list[QuarantinedRow]:
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        return uow.repo(BatchRepository).quarantined(
            contract_id=contract_id,
            source=source,
            status=None if include_resolved else QuarantineStatus.OPEN,
        )


def list_findings(
    app: Ports, *, actor: Actor, contract_id: str, source: str | None = None
) -> list[StoredFinding]:
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        return uow.repo(BatchRepository).findings(contract_id=contract_id, source=source)


def clean_orphans(app: Ports, *, actor: Actor) -> list[str]:
    """Remove batch files (objects) no manifest row points at (left by a crash mid-load)."""
    actor.require_client("clean the event store")
    with app.uow(read_only=True) as uow:
        store = EventStore(event_root(app.settings), _snapshot(uow))
    return store.clean_orphans()
