"""The demo, end to end: database, portfolio, contracts, a year of data, loads, results.

Every step goes through the same services the CLI and API use, as the local
operator, so the demo shows the product as it is. Running it twice is safe:
the portfolio and contract files are unchanged (same hashes), the generated
files are byte-identical (same seed), and loading the same file again changes
nothing — the summary says so.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from servicepact.bootstrap import App
from servicepact.contractfile import (
    ContractDocument,
    load_contract_file,
    load_portfolio_file,
)
from servicepact.demo.generate import (
    DEFAULT_SEED,
    DEFAULT_YEAR,
    SEOUL,
    DemoFile,
    generate_demo_files,
)
from servicepact.demo.summary import ContractRow, DemoSummary, FileRow, ServiceLevelRow
from servicepact.domain.access import Actor
from servicepact.domain.periods import month
from servicepact.services.contracts import apply_contract
from servicepact.services.evaluation import evaluate_period
from servicepact.services.loads import LoadStatus, load_events
from servicepact.services.portfolio import apply_portfolio
from servicepact.store.db import migrate
from servicepact.store.db.engine import masked_url

PORTFOLIO_FILE = "portfolio.yaml"
# One contract per process family of the seed; examples/ also holds other documents
# (risks, entrustments, selections, business cases, invoices) for the later steps.
CONTRACT_FILES = (
    "contact-centre.yaml",
    "it-operations.yaml",
    "hr-payroll.yaml",
    "accounts-payable.yaml",
    "logistics.yaml",
    "marketing.yaml",
)
INPUT_DIR = "demo-input"
STAMP_FILE = ".generated.json"
GENERATOR_VERSION = 2
"""Bumped whenever a generator change alters the files (so old inputs are regenerated)."""


class ProgressSink(Protocol):
    """Where the run reports progress; the CLI draws a rich progress bar from it."""

    def step(self, description: str, total: int) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class _Silent:
    def step(self, description: str, total: int) -> None:
        del description, total

    def advance(self, amount: int = 1) -> None:
        del amount


def examples_dir() -> Path:
    """The example portfolio: shipped inside the package, or the repository's examples/."""
    packaged = Path(__file__).with_name("examples")
    if (packaged / PORTFOLIO_FILE).exists():
        return packaged
    return Path(__file__).resolve().parents[3] / "examples"


def contract_files(examples: Path) -> list[Path]:
    """The demo's contract files, in the order they are applied."""
    return [examples / name for name in CONTRACT_FILES]


@dataclass
class _Timer:
    timings: dict[str, float]

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - started, 3)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp(year: int, seed: int, scale: float, until: datetime | None) -> dict[str, object]:
    return {
        "generator": GENERATOR_VERSION,
        "year": year,
        "seed": seed,
        "scale": scale,
        "until": None if until is None else until.isoformat(),
    }


def export_moment(now: datetime, year: int) -> datetime | None:
    """When the demo's feeds were "exported": last midnight in Seoul, if inside the year.

    Data cannot come from the future, so while the demo year is still running
    the feeds stop at the start of today; a run later the same day finds the
    same files. Once the year is over the feeds hold all of it (``None``).
    """
    midnight = datetime.combine(now.astimezone(SEOUL).date(), datetime.min.time(), SEOUL)
    if midnight >= datetime(year + 1, 1, 1, tzinfo=SEOUL):
        return None
    return midnight


def prepare_inputs(
    out_dir: Path, *, year: int, seed: int, scale: float, until: datetime | None = None
) -> tuple[list[DemoFile], bool]:
    """The demo files, generated only when missing or made with other settings.

    Returns the files and whether they were (re)generated. The stamp lists each
    file's SHA-256, so a file edited by hand is noticed and regenerated.
    """
    stamp_path = out_dir / STAMP_FILE
    wanted = _stamp(year, seed, scale, until)
    if stamp_path.exists():
        try:
            stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stamp = {}
        if stamp.get("settings") == wanted:
            files = [
                DemoFile(
                    contract_id=f["contract_id"],
                    source=f["source"],
                    path=out_dir / f["file"],
                    rows=f["rows"],
                    correction=f["correction"],
                    description=f["description"],
                )
                for f in stamp.get("files", [])
            ]
            if files and all(
                f.path.exists() and _file_digest(f.path) == s["sha256"]
                for f, s in zip(files, stamp["files"], strict=True)
            ):
                return files, False
    files = generate_demo_files(out_dir, year=year, seed=seed, scale=scale, until=until)
    stamp_path.write_text(
        json.dumps(
            {
                "settings": wanted,
                "files": [
                    {
                        "contract_id": f.contract_id,
                        "source": f.source,
                        "file": f.path.relative_to(out_dir).as_posix(),
                        "rows": f.rows,
                        "correction": f.correction,
                        "description": f.description,
                        "sha256": _file_digest(f.path),
                    }
                    for f in files
                ],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return files, True


def run_demo(
    app: App,
    *,
    year: int = DEFAULT_YEAR,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    examples: Path | None = None,
    progress: ProgressSink | None = None,
) -> DemoSummary:
    """Build the demo portfolio in ``app``'s database and data directory; summarise it."""
    sink: ProgressSink = progress or _Silent()
    examples = examples or examples_dir()
    actor = app.cli_actor()
    summary = DemoSummary(
        data_dir=str(app.settings.data_dir),
        database=masked_url(app.settings.resolved_database_url),
        year=year,
        seed=seed,
        scale=scale,
    )
    timer = _Timer(summary.timings)
    started = time.perf_counter()

    with timer("database"):
        sink.step("Preparing the database", 1)
        migrate.upgrade(app.engine)
        sink.advance()

    with timer("portfolio"):
        sink.step("Applying the portfolio", 1)
        portfolio = load_portfolio_file(examples / PORTFOLIO_FILE)
        with app.uow() as uow:
            outcome = apply_portfolio(uow, actor=actor, portfolio=portfolio.portfolio)
        summary.portfolio_changed = outcome.changed
        sink.advance()

    documents: dict[str, ContractDocument] = {}
    with timer("contracts"):
        paths = contract_files(examples)
        sink.step("Applying the contracts", len(paths))
        for path in paths:
            document = load_contract_file(path)
            with app.uow() as uow:
                applied = apply_contract(uow, actor=actor, document=document)
            contract = document.contract
            documents[contract.id] = document
            summary.contracts.append(
                ContractRow(
                    id=contract.id,
                    name=contract.name,
                    vendor=contract.vendor,
                    broker=contract.broker,
                    version=applied.version,
                    changed=applied.changed,
                    service_levels=[
                        ServiceLevelRow(id=sl.id, name=sl.name, kind=sl.kind.value)
                        for sl in contract.service_levels
                    ],
                )
            )
            sink.advance()

    with timer("generate"):
        sink.step("Generating a year of operational data", 1)
        until = export_moment(app.now(), year)
        files, generated = prepare_inputs(
            app.settings.data_dir / INPUT_DIR, year=year, seed=seed, scale=scale, until=until
        )
        if until is not None:
            summary.notes.append(
                f"{year} is not over: the data runs to {until.date().isoformat()} "
                "(nothing is generated in the future)"
            )
        summary.data_generated = generated
        sink.advance()

    with timer("load"):
        _load_files(app, actor, files, summary, sink)

    with timer("evaluate"):
        _evaluate(app, actor, documents, year, until, summary, sink)

    summary.timings["total"] = round(time.perf_counter() - started, 3)
    return summary


def _load_files(
    app: App, actor: Actor, files: list[DemoFile], summary: DemoSummary, sink: ProgressSink
) -> None:
    """Load every file through the loader, as the operator would with ``servicepact load``."""
    sizes = [f.path.stat().st_size for f in files]
    sink.step("Loading the data", sum(sizes))
    for demo_file, size in zip(files, sizes, strict=True):
        reported = 0

        def report(done: int, total: int) -> None:
            nonlocal reported
            del total
            sink.advance(max(done - reported, 0))
            reported = max(reported, done)

        result = load_events(
            app,
            actor=actor,
            contract_id=demo_file.contract_id,
            source=demo_file.source,
            path=demo_file.path,
            progress=report,
        )
        sink.advance(max(size - reported, 0))
        summary.files.append(
            FileRow(
                contract_id=demo_file.contract_id,
                source=demo_file.source,
                file=demo_file.path.name,
                rows=result.rows_read or demo_file.rows,
                accepted=result.rows_accepted,
                rejected=result.rows_rejected,
                corrections=result.corrections,
                findings=len(result.findings),
                changed=result.status is not LoadStatus.ALREADY_LOADED,
                correction_file=demo_file.correction,
            )
        )


def _evaluate(
    app: App,
    actor: Actor,
    documents: dict[str, ContractDocument],
    year: int,
    until: datetime | None,
    summary: DemoSummary,
    sink: ProgressSink,
) -> None:
    """Evaluate every month that has begun, as of the moment the data was exported.

    Evaluating "as of" the export rather than the wall clock keeps a repeated
    run identical: the inputs and the cut-off are the same, so no new result
    version is stored. Months that have not begun are left out of the grid.
    """
    months = [month(year, m) for m in range(1, 13)]
    if until is not None:
        today = until.date()
        months = [p for p in months if p.start <= today]
        running = [p.label for p in months if p.contains(today)]
        if running:
            summary.notes.append(f"{running[0]} is running: evaluated up to {today.isoformat()}")
    summary.periods = [p.label for p in months]
    rows = {c.id: {sl.id: sl for sl in c.service_levels} for c in summary.contracts}
    sink.step("Evaluating every month", len(documents) * len(months))
    for contract_id in documents:
        for period in months:
            results = evaluate_period(
                app, actor=actor, contract_id=contract_id, period_label=period.label, now=until
            )
            for result in results:
                row = rows[contract_id].get(result.service_level_id)
                if row is not None:
                    row.statuses[result.period] = result.status.value
            sink.advance()
