"""Loading many files at once: ``servicepact load DIR_OR_GLOB``, here or on Apache Spark.

Each file is loaded by the rules of one file (services/loads.py): all or nothing per file
(or its valid rows with ``accept_valid``), the same content loaded once, the same problems
(row, line, column, field, message), the same batch and pseudonyms. The files are taken in a
stable order (by path) and their batches committed in that order, so the load sequences,
corrections and findings are those of loading them one after the other; a refused file does
not stop the others.

On Spark (docs/scale-out.md, "Loading on Spark") the part of each load that needs no
database — read, validate, pseudonymise, write the batch's Parquet file — runs as one Spark
task per file (``loads.stage_file``), leaving the batch uncommitted beside its final name
(a file in the store's directory, or an object on object storage).
The driver then checks and commits each batch in file order with the local loader's own
steps (``loads.commit_staged``: controls over the batches committed before it, closed
months, the manifest row, the audit entry). A failed Spark job commits nothing, and the
driver removes what its tasks left.
"""

from __future__ import annotations

import functools
import glob
import pickle
import secrets
from dataclasses import dataclass
from pathlib import Path

from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import InvalidInput, PeriodClosed, Problem
from servicepact.domain.event_types import EventType
from servicepact.engine.spark import one_task_each
from servicepact.services import loads
from servicepact.services._scale_out import session
from servicepact.services.ports import Ports
from servicepact.services.scale_out import engine_named
from servicepact.store.events.location import event_root
from servicepact.store.events.reading import check_protection
from servicepact.store.events.sources import LOADABLE_SUFFIXES
from servicepact.store.events.validation import check_timezone


@dataclass(frozen=True)
class FileOutcome:
    """One file of a load: its report (loaded, partly loaded, already loaded) or its refusal."""

    path: Path
    report: loads.LoadReport | None = None
    refused: InvalidInput | None = None


@dataclass(frozen=True)
class LoadOptions:
    """How the files are read: the options of ``servicepact load``."""

    accept_valid: bool = False
    timezone: str | None = None
    encoding: str | None = None
    sheet: str | None = None


def input_files(pattern: str) -> list[Path]:
    """The files a ``load`` argument names, in a stable order: a file; a directory's files
    of the kinds the loader reads (not its sub-directories); or a glob pattern's files."""
    named = Path(pattern)
    if named.is_file():
        return [named]
    if named.is_dir():
        found = [
            p
            for p in named.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in LOADABLE_SUFFIXES
        ]
    else:
        found = [Path(p) for p in glob.glob(pattern) if Path(p).is_file()]
    if not found:
        pattern_like = any(mark in pattern for mark in "*?[")
        why = "no file to load matches" if pattern_like or named.is_dir() else "no such file"
        raise InvalidInput(problems=[Problem(where=pattern, message=why)])
    return sorted(found, key=str)


def load_files(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    source: str,
    paths: list[Path],
    options: LoadOptions,
    engine: str = "local",
    master: str | None = None,
) -> list[FileOutcome]:
    """Load ``paths`` one file at a time here, or their batches side by side on Spark."""
    engine = engine_named(engine)
    check_timezone(options.timezone)
    contract, event_type = loads.admit_load(
        app, actor=actor, contract_id=contract_id, source=source
    )
    check_protection(event_type, contract.data_protection)
    if engine == "spark":
        return _load_on_spark(
            app, actor=actor, contract_id=contract_id, source=source, paths=paths,
            options=options, master=master, admitted=(contract, event_type),
        )  # fmt: skip
    outcomes = []
    for path in paths:
        try:
            report = loads.load_events(
                app, actor=actor, contract_id=contract_id, source=source, path=path,
                accept_valid=options.accept_valid, timezone=options.timezone,
                encoding=options.encoding, sheet=options.sheet,
            )  # fmt: skip
        except (InvalidInput, PeriodClosed) as error:
            outcomes.append(FileOutcome(path, refused=_refusal(error)))
            continue
        outcomes.append(FileOutcome(path, report=report))
    return outcomes


def _refusal(error: InvalidInput | PeriodClosed) -> InvalidInput:
    if isinstance(error, InvalidInput):
        return error
    return InvalidInput(problems=[Problem(where=error.where or "", message=error.message)])


def _stage_item(
    job: loads.StageJob, paths: tuple[str, ...], hashes: tuple[str, ...], item: int
) -> bytes:
    """Inside a Spark task: stage file ``item`` and send back its summary."""
    staged = loads.stage_file(job, paths[item], hashes[item])
    return pickle.dumps(staged, protocol=pickle.HIGHEST_PROTOCOL)


def _load_on_spark(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    source: str,
    paths: list[Path],
    options: LoadOptions,
    master: str | None,
    admitted: tuple[Contract, EventType],
) -> list[FileOutcome]:
    root = event_root(app.settings)
    contract, event_type = admitted
    hashes = [loads.file_sha256(path) for path in paths]
    firsts: dict[str, int] = {}
    for index, content in enumerate(hashes):
        known = loads.already_loaded(
            app, contract_id=contract_id, source=source, batch_id=content, file_name=""
        )
        if known is None:
            firsts.setdefault(content, index)
    pending = sorted(firsts.values())
    job = loads.StageJob(
        contract=contract, event_type=event_type, contract_id=contract_id, source=source,
        root=root, token=secrets.token_hex(8), accept_valid=options.accept_valid,
        timezone=options.timezone, encoding=options.encoding, sheet=options.sheet,
        pseudonym_key=app.settings.pseudonym_key_bytes,
    )  # fmt: skip
    work = functools.partial(
        _stage_item,
        job,
        tuple(str(paths[i].resolve()) for i in pending),
        tuple(hashes[i] for i in pending),
    )
    try:
        results = (  # nothing new to load: no Spark session is started
            one_task_each(session(master), len(pending), work, doing="load the files")
            if pending
            else []
        )
        staged: dict[str, loads.Staged] = {
            hashes[index]: pickle.loads(result)  # noqa: S301 - our own tasks' summaries
            for index, result in zip(pending, results, strict=True)
        }
        outcomes = _commit_in_order(app, actor, contract_id, source, paths, hashes, staged, job)
    finally:  # whatever was not committed (a failed job, a refusal): nothing left behind
        for content in firsts:
            left = loads.staged_batch(
                contract_id=contract_id, source=source, batch_id=content, token=job.token
            )
            with root.reaching("remove what the load left"):
                loads.discard_staged(root, left)
    if any(
        o.report is not None and o.report.status is not loads.LoadStatus.ALREADY_LOADED
        for o in outcomes
    ):
        loads.remeasure(app, actor=actor, contract_id=contract_id)
    return outcomes


def _commit_in_order(
    app: Ports,
    actor: Actor,
    contract_id: str,
    source: str,
    paths: list[Path],
    hashes: list[str],
    staged: dict[str, loads.Staged],
    job: loads.StageJob,
) -> list[FileOutcome]:
    """Each file in order: committed by the local loader's steps, refused, or already loaded
    (earlier, or by an earlier file of the same content)."""
    outcomes = []
    for path, content in zip(paths, hashes, strict=True):
        known = loads.already_loaded(
            app, contract_id=contract_id, source=source, batch_id=content, file_name=path.name
        )
        if known is not None:
            outcomes.append(FileOutcome(path, report=known))
            continue
        try:
            report = loads.commit_staged(
                app, actor=actor, contract_id=contract_id, source=source,
                staged=staged[content], token=job.token,
            )  # fmt: skip
        except (InvalidInput, PeriodClosed) as error:
            outcomes.append(FileOutcome(path, refused=_refusal(error)))
            continue
        outcomes.append(FileOutcome(path, report=report))
    return outcomes
