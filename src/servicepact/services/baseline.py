"""Baseline studies: measure an in-house history with a proposed contract's service levels.

``study_history`` is the use case behind ``servicepact baseline``: it evaluates every month of the
history with the contract's service levels (engine/evaluate.py), derives each level's baseline
and proposed levels (engine/baseline.py) and, on request, replays the credit regime on the
history twice — once with the file's own levels and once with the proposed ones — so a
negotiator sees side by side what each would have charged.

The study reads files; the events are never stored (the history belongs to the client's own
operation, before any vendor or contract exists in the database), and a fresh random pseudonym
key per run means personal data in the history never leaves the process, even as a reusable
hash. ``save_study`` keeps the study's outcome — statistics, proposal, replay totals — with the
SHA-256 of every file it read, audited, so the study a negotiation relied on can be shown later;
``list_studies`` and ``get_study`` read them back. Vendor and broker users never see a study:
it is the client's negotiating position.

The example history of docs/baseline.md (examples/baseline/) is written by demo/history.py
with the demo generator, for 2025, with the in-house contact centre's answer times.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import AccessDenied, InvalidInput, NotFound, Problem
from servicepact.domain.event_types import BUILT_IN
from servicepact.domain.periods import Period, months_between, parse_period
from servicepact.domain.results import ServiceLevelResult
from servicepact.engine.baseline import (
    Baseline,
    Proposal,
    Replay,
    baseline_of,
    month_fees,
    monthly_evaluation_contract,
    propose,
    replay,
    replay_contract,
    with_targets,
)
from servicepact.services._scale_out import compute_tables
from servicepact.services.scale_out import EngineChoice, choose_engine
from servicepact.store.db.baseline import BaselineStudyRepository, HistoryFile, StoredStudy

if TYPE_CHECKING:
    from servicepact.services.ports import Ports

MAX_HISTORY_MONTHS = 120  # ten years: more than any negotiation looks back on

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BaselineStudy:
    contract: Contract  # as read from the file
    months: tuple[Period, ...]
    results: tuple[ServiceLevelResult, ...]  # every level, every month (file's own targets)
    baselines: tuple[Baseline, ...]
    proposals: tuple[Proposal, ...]
    proposed_contract: Contract  # the file's contract with the proposed levels
    replays: tuple[Replay, ...] = ()  # the file's own levels, then the proposed ones


def history_months(first: str, last: str) -> list[Period]:
    """The months from ``first`` to ``last`` inclusive (labels like 2025-01)."""
    problems: list[Problem] = []
    periods: dict[str, Period] = {}
    for option, label in (("--from", first), ("--to", last)):
        try:
            period = parse_period(label)
        except ValueError as error:
            problems.append(Problem(option, str(error), value=label))
            continue
        if period.kind.value != "month":
            problems.append(Problem(option, "give a month, e.g. 2025-01", value=label))
            continue
        periods[option] = period
    if problems:
        raise InvalidInput(problems)
    start, end = periods["--from"], periods["--to"]
    if end.start < start.start:
        raise InvalidInput([Problem("--to", f"is before --from ({first})", value=last)])
    months = months_between(start.start, end.start)
    if len(months) > MAX_HISTORY_MONTHS:
        raise InvalidInput(
            [Problem("--from", f"at most {MAX_HISTORY_MONTHS} months of history", value=first)]
        )
    return months


def read_history(
    *, contract: Contract, paths: Mapping[str, Path], progress: Progress | None = None
) -> dict[str, pa.Table]:
    """Each source's history file as a typed table (every row validated; a bad row stops all)."""
    from servicepact.engine.evaluate import contract_timezone
    from servicepact.store.events.reading import read_events_for_evaluation

    key = secrets.token_bytes(32)
    tables: dict[str, pa.Table] = {}
    types = {**BUILT_IN, **contract.declared_event_types}
    for source, path in sorted(paths.items()):
        if source not in types:
            raise InvalidInput([Problem(source, "is neither a built-in nor a declared event type")])
        if progress is not None:
            progress(f"Reading {path.name}")
        tables[source] = read_events_for_evaluation(
            path,
            types[source],
            data_protection=contract.data_protection,
            pseudonym_key=key,
            timezone=contract_timezone(contract),
        )
    return tables


def study_history(
    *,
    contract: Contract,
    tables: Mapping[str, pa.Table],
    months: list[Period],
    now: datetime,
    improve_percent: Decimal = Decimal(0),
    with_replay: bool = False,
    progress: Progress | None = None,
    engine: str | EngineChoice | None = None,
    spark_master: str | None = None,
) -> BaselineStudy:
    """Evaluate the history month by month, then baseline, propose and (optionally) replay.
    The history's events are evaluated (and, for the replay, counted per fee) on ``engine``
    (default: local; ``spark`` on ``spark_master``): the same study either way."""
    from servicepact.engine.evaluate import contract_timezone

    choice = choose_engine(engine=engine, spark_master=spark_master)
    if not months:
        raise InvalidInput([Problem("--from", "the history has no month")])
    if progress is not None:
        progress("Evaluating the history")
    timezone = contract_timezone(contract)
    current = replay_contract(contract, months) if with_replay else None
    computed = compute_tables(
        choice, monthly_evaluation_contract(contract), tables, months,
        now=now, counted=current, timezone=timezone,
    )  # fmt: skip
    results = computed.results
    baselines = tuple(baseline_of(sl, results) for sl in contract.service_levels)
    proposals = tuple(
        propose(sl, b, improve_percent=improve_percent)
        for sl, b in zip(contract.service_levels, baselines, strict=True)
    )
    proposed = with_targets(contract, proposals)
    replays: tuple[Replay, ...] = ()
    if current is not None:
        if progress is not None:
            progress("Replaying the credit regime")
        fees = {m.label: month_fees(current, m, computed.volumes[m.label]) for m in months}
        replays = (
            replay(current, results, months, fees, label="contract"),
            replay(replay_contract(proposed, months), results, months, fees, label="proposed"),
        )
    return BaselineStudy(
        contract=contract,
        months=tuple(months),
        results=tuple(results),
        baselines=baselines,
        proposals=proposals,
        proposed_contract=proposed,
        replays=replays,
    )


def study_files(
    *,
    contract_file: Path,
    paths: Mapping[str, Path],
    first: str,
    last: str,
    now: datetime,
    improve_percent: Decimal = Decimal(0),
    with_replay: bool = False,
    progress: Progress | None = None,
    engine: str | EngineChoice | None = None,
    spark_master: str | None = None,
) -> BaselineStudy:
    """``study_history`` from a contract file and one history file per source."""
    from servicepact.contractfile import load_contract_file

    contract = load_contract_file(contract_file).contract
    months = history_months(first, last)
    tables = read_history(contract=contract, paths=paths, progress=progress)
    return study_history(
        contract=contract,
        tables=tables,
        months=months,
        now=now,
        improve_percent=improve_percent,
        with_replay=with_replay,
        progress=progress,
        engine=engine,
        spark_master=spark_master,
    )


# --- the example history (examples/baseline/) --------------------------------------------

# --- the study as a document (docs/baseline.md, "JSON shape") ------------------------------


def study_document(study: BaselineStudy) -> dict[str, Any]:
    """The study as JSON-able values: what ``--format json`` prints and what is kept."""
    from servicepact.engine.baseline import baseline_document, replay_document

    return {
        "contract_id": study.contract.id,
        "months": [m.label for m in study.months],
        "service_levels": [
            {"name": sl.name, "kind": sl.kind.value, **baseline_document(b, p)}
            for sl, b, p in zip(
                study.contract.service_levels, study.baselines, study.proposals, strict=True
            )
        ],
        "replays": [replay_document(r) for r in study.replays],
    }


# --- keeping a study (docs/baseline.md, "Keeping a study") ---------------------------------

MAX_NOTE = 2000
_READ_CHUNK = 1 << 20


def _history_file(source: str, path: Path) -> HistoryFile:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return HistoryFile(source=source, name=path.name, sha256=digest.hexdigest(), bytes=size)


def _require_reader(actor: Actor) -> None:
    # A baseline is the client's negotiating position: vendors and brokers never see it.
    if actor.scoped:
        raise AccessDenied(
            "baseline studies are the client's: vendor and broker users cannot see them"
        )


def save_study(
    app: Ports,
    *,
    actor: Actor,
    study: BaselineStudy,
    paths: Mapping[str, Path],
    improve_percent: Decimal,
    note: str = "",
) -> StoredStudy:
    """Keep ``study`` with the hashes of what it read; audited. Client managers only."""
    from servicepact.contractfile import contract_hash, dump_contract
    from servicepact.engine.evaluate import ENGINE_VERSION
    from servicepact.store.db.audit import canonical_json

    actor.require_client("keep a baseline study")
    if len(note) > MAX_NOTE:
        raise InvalidInput([Problem("--note", f"at most {MAX_NOTE} characters", value=note[:40])])
    files = tuple(_history_file(source, path) for source, path in sorted(paths.items()))
    contract_sha = contract_hash(study.contract)
    inputs = {
        "contract_sha256": contract_sha,
        "files": [{"source": f.source, "sha256": f.sha256} for f in files],
        "months": [m.label for m in study.months],
        "improve_percent": format(improve_percent, "f"),
        "engine_version": ENGINE_VERSION,
    }
    inputs_sha = hashlib.sha256(canonical_json(inputs).encode()).hexdigest()
    document = study_document(study)
    proposal = dump_contract(study.proposed_contract)
    with app.uow() as uow:
        created_at = uow.now()
        row: dict[str, Any] = {
            "contract_id": study.contract.id,
            "contract_sha256": contract_sha,
            "first_month": study.months[0].label,
            "last_month": study.months[-1].label,
            "improve_percent": format(improve_percent, "f"),
            "inputs_sha256": inputs_sha,
            "files": [f.__dict__ for f in files],
            "study": document,
            "proposal": proposal,
            "note": note,
            "created_at": created_at,
            "created_by": actor.user,
        }
        study_id = uow.repo(BaselineStudyRepository).add(**row)
        uow.record(
            actor=actor,
            entity_type="baseline_study",
            entity_id=str(study_id),
            action="create",
            after={
                "contract_id": study.contract.id,
                "months": f"{row['first_month']}..{row['last_month']}",
                "improve_percent": row["improve_percent"],
                "inputs_sha256": inputs_sha,
                "proposed": {
                    p.service_level_id: [format(p.expected, "f"), format(p.minimum, "f")]
                    for p in study.proposals
                    if p.proposed
                },
            },
        )
    return StoredStudy(
        id=study_id,
        contract_id=study.contract.id,
        contract_sha256=contract_sha,
        first_month=row["first_month"],
        last_month=row["last_month"],
        improve_percent=row["improve_percent"],
        inputs_sha256=inputs_sha,
        files=files,
        study=document,
        proposal=proposal,
        note=note,
        created_at=created_at,
        created_by=actor.user,
    )


def list_studies(app: Ports, *, actor: Actor, contract_id: str | None = None) -> list[StoredStudy]:
    """Kept studies, newest first; of one contract id when given."""
    _require_reader(actor)
    with app.uow(read_only=True) as uow:
        return uow.repo(BaselineStudyRepository).list(contract_id=contract_id)


def get_study(app: Ports, *, actor: Actor, study_id: int) -> StoredStudy:
    _require_reader(actor)
    with app.uow(read_only=True) as uow:
        found = uow.repo(BaselineStudyRepository).get(study_id)
    if found is None:
        raise NotFound(f"no baseline study {study_id}", where="--show")
    return found
