"""The demo, end to end: database, portfolio, contracts, a year of data, loads, results.

The steps: migrate the database; apply examples/portfolio.yaml and the six
contracts; generate a year of operational data (demo/generate.py) into
``DATA_DIR/demo-input/``; load every file; evaluate every month that has begun;
state the credits of every closed month; check the example vendor invoices;
apply the risk and entrustment registers, raise the rule-based risks and rank
the vendors; report each contract's business case.

Every step goes through the same services the CLI and API use, as the local
operator, so the demo shows the product as it is. Running it twice is safe and
the second run writes nothing: the portfolio and contract files are unchanged
(same hashes), the generated files are byte-identical (same seed, same export
moment) and are not even regenerated, loading the same file again is a no-op,
and results, credit statements and invoice checks are only stored when their
inputs change.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
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
from servicepact.demo.summary import (
    AlertsRow,
    ContractRow,
    DemoSummary,
    FileRow,
    HandoffRow,
    InvoiceRow,
    LoginRow,
    SelectionRow,
    ServiceLevelRow,
    VendorRow,
)
from servicepact.domain.access import Actor
from servicepact.domain.alerts import AlertSettings
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.periods import Period, month
from servicepact.examples import examples_dir
from servicepact.services import alerts as alerts_service
from servicepact.services import users
from servicepact.services.commercials import (
    apply_business_case_file,
    business_case_report,
    check_invoice_file,
    results_of,
    state_credits,
)
from servicepact.services.contracts import apply_contract
from servicepact.services.entrustment import (
    apply_entrustment_register,
    load_entrustment_register,
)
from servicepact.services.evaluation import evaluate_periods
from servicepact.services.loads import LoadStatus, load_events
from servicepact.services.portfolio import apply_portfolio
from servicepact.services.risks import (
    apply_risk_register,
    list_risks,
    load_risk_register,
    raise_risks,
)
from servicepact.services.selection import evaluate_selection_file
from servicepact.services.vendors import HandoffReport, handoffs, ranking

PORTFOLIO_FILE = "portfolio.yaml"
RISKS_FILE = "risks.yaml"
ENTRUSTMENT_FILE = "entrustment.yaml"
INVOICES_DIR = "invoices"
BUSINESS_CASE_DIR = "business-cases"
SELECTION_DIR = "selection"

# The internal teams that vendor tickets are handed to, and the hand-offs per week each
# contract's teams say they can absorb (the demo client's own figures, invented like the
# rest of the portfolio); a ticket handed over more often than BOUNCE_THRESHOLD is "ping-pong".
HANDOFF_TEAMS: dict[str, tuple[tuple[str, ...], int]] = {
    "hanbit-itops-2026": (
        ("hanbit-erp", "hanbit-store-it", "hanbit-network", "hanbit-security"),
        200,
    ),
    "hanbit-hr-2026": (("hanbit-hrbp",), 40),
}
BOUNCE_THRESHOLD = 3
# One contract per process family of the seed; examples/ also holds other documents
# (risks, entrustments, selections, business cases, invoices) for the later steps.
CONTRACT_FILES = (
    "contact-centre.yaml",
    "it-operations.yaml",
    "hr-payroll.yaml",
    "accounts-payable.yaml",
    "logistics.yaml",
    "marketing.yaml",
    # measured only by the event types and KPIs these contracts declare themselves
    "procurement.yaml",
    "middle-office.yaml",
)
INPUT_DIR = "demo-input"
STAMP_FILE = ".generated.json"
GENERATOR_VERSION = 3
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
        database=app.database_label,
        year=year,
        seed=seed,
        scale=scale,
    )
    timer = _Timer(summary.timings)
    started = time.perf_counter()
    documents = {
        doc.contract.id: doc for doc in (load_contract_file(p) for p in contract_files(examples))
    }
    _check_year(year, documents)

    with timer("database"):
        _prepare_database(app, actor, sink)

    with timer("portfolio"):
        sink.step("Applying the portfolio", 1)
        portfolio = load_portfolio_file(examples / PORTFOLIO_FILE)
        outcome = apply_portfolio(app, actor=actor, portfolio=portfolio.portfolio)
        summary.portfolio_changed = outcome.changed
        sink.advance()

    with timer("contracts"):
        _apply_contracts(app, actor, documents, summary, sink)

    with timer("generate"):
        files, until = _generate(app, year, seed, scale, summary, sink)

    with timer("load"):
        _load_files(app, actor, files, summary, sink)

    with timer("evaluate"):
        _evaluate(app, actor, documents, year, until, summary, sink)

    closed = [p for p in _months(year, until) if until is None or p.end <= until.date()]
    with timer("credits"):
        _credits(app, actor, closed, summary, sink)
    with timer("invoices"):
        _invoices(app, actor, examples, summary, sink)
    with timer("governance"):
        as_of = (until or app.now()).date()
        _governance(app, actor, examples, as_of, closed, summary, sink)
    with timer("business cases"):
        _business_cases(app, actor, examples, summary, sink)
    with timer("handoffs"):
        handoff_reports = _handoffs(app, actor, until, summary, sink)
    with timer("alerts"):
        _alerts(app, actor, until, handoff_reports, summary, sink)
    with timer("selection"):
        _selections(actor, examples, summary, sink)
    with timer("reports"):
        _review_packs(app, actor, examples, closed, summary, sink)
    with timer("users"):
        _users(app, actor, summary, sink)

    summary.timings["total"] = round(time.perf_counter() - started, 3)
    return summary


def _prepare_database(app: App, actor: Actor, sink: ProgressSink) -> None:
    """The schema at its newest revision; contracts stored before holiday lists were kept
    get theirs once (audited)."""
    from servicepact.services.calendars import fix_missing_holiday_lists

    sink.step("Preparing the database", 1)
    app.upgrade_schema()
    fix_missing_holiday_lists(app, actor=actor)
    sink.advance()


def _apply_contracts(
    app: App,
    actor: Actor,
    documents: dict[str, ContractDocument],
    summary: DemoSummary,
    sink: ProgressSink,
) -> None:
    """Every example contract applied (a second run stores no new version), listed with its
    service levels."""
    sink.step("Applying the contracts", len(documents))
    for document in documents.values():
        applied = apply_contract(app, actor=actor, document=document)
        contract = document.contract
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


def _generate(
    app: App, year: int, seed: int, scale: float, summary: DemoSummary, sink: ProgressSink
) -> tuple[list[DemoFile], datetime | None]:
    """The year's operational data as the vendors' files, up to the export moment when the
    year is not over (nothing is generated in the future), and that moment."""
    sink.step("Generating a year of operational data", 1)
    until = export_moment(app.now(), year)
    files, generated = prepare_inputs(
        app.settings.data_dir / INPUT_DIR, year=year, seed=seed, scale=scale, until=until
    )
    if until is not None:
        summary.notes.append(
            f"{year} is not over: the data runs up to {until.date().isoformat()} 00:00 "
            "Seoul time (nothing is generated in the future)"
        )
    summary.data_generated = generated
    sink.advance()
    return files, until


def _users(app: App, actor: Actor, summary: DemoSummary, sink: ProgressSink) -> None:
    """The demo's sign-ins for the web UI (created once; a second run changes nothing)."""
    sink.step("Demo users", 1)
    users.ensure_users(app, actor=actor, logins=users.DEMO_LOGINS)
    summary.logins = [
        LoginRow(name=login.name, role=login.role.value, party=login.party, password=login.password)
        for login in users.DEMO_LOGINS
    ]
    sink.advance()


REVIEW_CONTRACT = "hanbit-cc-2026"  # the contract whose monthly review pack the demo writes


def _review_packs(
    app: App,
    actor: Actor,
    examples: Path,
    closed: list[Period],
    summary: DemoSummary,
    sink: ProgressSink,
) -> None:
    """The last closed month's review packs under DATA_DIR/reports/: the contact centre's as
    HTML, PDF and XLSX, the portfolio's as HTML (reports/packs.py does the work)."""
    if not closed or REVIEW_CONTRACT not in {c.id for c in summary.contracts}:
        return
    from servicepact.reports.packs import write_review_packs

    sink.step("Monthly service review packs", 1)
    paths = write_review_packs(
        app,
        actor=actor,
        period=closed[-1].label,
        contract_id=REVIEW_CONTRACT,
    )
    summary.notes.append("review packs: " + ", ".join(str(p) for p in paths))
    sink.advance()


def _check_year(year: int, documents: dict[str, ContractDocument]) -> None:
    """The demo year must lie inside every example contract's term, or nothing is measured."""
    terms = [d.contract.term for d in documents.values()]
    # Whole calendar years inside every term.
    first = max(t.start.year + (t.start != date(t.start.year, 1, 1)) for t in terms)
    last = min(t.end.year - (t.end != date(t.end.year, 12, 31)) for t in terms)
    if not first <= year <= last:
        raise InvalidInput(
            [
                Problem(
                    "--year",
                    f"the example contracts all run from {first} to {last}; {year} is outside that",
                    value=str(year),
                )
            ]
        )


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
    months = _months(year, until)
    if until is not None:
        today = until.date()
        running = [p.label for p in months if p.contains(today)]
        if running:
            summary.notes.append(f"{running[0]} is running: evaluated up to {today.isoformat()}")
    summary.periods = [p.label for p in months]
    rows = {c.id: {sl.id: sl for sl in c.service_levels} for c in summary.contracts}
    sink.step("Evaluating every month", len(documents) * len(months))
    labels = [p.label for p in months]
    for contract_id in documents:
        # All months at once: the contract's events are read once, not once per month.
        results = evaluate_periods(
            app, actor=actor, contract_id=contract_id, period_labels=labels, now=until
        )
        for result in results:
            row = rows[contract_id].get(result.service_level_id)
            if row is not None:
                row.statuses[result.period] = result.status.value
        sink.advance(len(months))


def _months(year: int, until: datetime | None) -> list[Period]:
    """The months of the year that have begun by ``until`` (all twelve without it)."""
    months = [month(year, m) for m in range(1, 13)]
    if until is None:
        return months
    return [p for p in months if p.start <= until.date()]


def _credits(
    app: App, actor: Actor, closed: list[Period], summary: DemoSummary, sink: ProgressSink
) -> None:
    """State each closed month's credits (stored once per set of inputs)."""
    sink.step("Stating service credits", len(summary.contracts) * len(closed))
    for row in summary.contracts:
        charged = returned = Decimal(0)
        # Read the stored results once per contract rather than once per month.
        results = results_of(app, actor=actor, contract_id=row.id)
        for period in closed:
            statement = state_credits(
                app,
                actor=actor,
                contract_id=row.id,
                period=period.label,
                results=results,
                store=True,
            ).credits
            charged += statement.total
            returned += statement.earn_back_total
            row.currency = statement.currency
            sink.advance()
        row.credits = format(charged, "f")
        row.earned_back = format(returned, "f")
        row.credit_months = len(closed)


# Example vendor invoices are named <contract id>-<YYYY-MM>-<what>.csv.
_INVOICE_NAME = re.compile(r"^(?P<contract>.+)-(?P<period>\d{4}-\d{2})-(?P<what>[^.]+)\.csv$")


def _invoices(
    app: App, actor: Actor, examples: Path, summary: DemoSummary, sink: ProgressSink
) -> None:
    """Check the example vendor invoices against the expected invoice of their month."""
    known = {c.id for c in summary.contracts}
    files = [
        (path, match)
        for path in sorted((examples / INVOICES_DIR).glob("*.csv"))
        if (match := _INVOICE_NAME.match(path.name)) and match["contract"] in known
    ]
    sink.step("Checking vendor invoices", len(files))
    for path, match in files:
        stored = check_invoice_file(
            app, actor=actor, contract_id=match["contract"], period=match["period"], path=path
        )
        check = stored.check
        summary.invoices.append(
            InvoiceRow(
                contract_id=check.contract_id,
                period=check.month,
                file=path.name,
                verdict=check.verdict.value,
                expected_total=format(check.expected_total, "f"),
                invoiced_total=format(check.invoiced_total, "f"),
                differences=len(check.differences),
            )
        )
        sink.advance()


def _governance(
    app: App,
    actor: Actor,
    examples: Path,
    as_of: date,
    closed: list[Period],
    summary: DemoSummary,
    sink: ProgressSink,
) -> None:
    """Risk register, entrustment register, automatic risks and the vendor ranking."""
    sink.step("Risks, entrustments and vendor scorecards", 4)
    register = apply_risk_register(
        app, actor=actor, register=load_risk_register(examples / RISKS_FILE)
    )
    summary.governance.risks_applied = register.created + register.updated + register.unchanged
    sink.advance()
    entrusted = apply_entrustment_register(
        app, actor=actor, register=load_entrustment_register(examples / ENTRUSTMENT_FILE)
    )
    summary.governance.entrustments = entrusted.created + entrusted.updated + entrusted.unchanged
    sink.advance()
    summary.governance.risks_raised = len(raise_risks(app, actor=actor, as_of=as_of))
    summary.governance.open_risks = len(list_risks(app, actor=actor))
    sink.advance()
    if closed:
        period = closed[-1].label
        ranked, _ = ranking(app, actor=actor, period=period)
        summary.governance.ranking_period = period
        summary.vendors = [
            VendorRow(
                vendor_id=r.vendor_id,
                rank=r.rank,
                composite=None if r.composite is None else round(float(r.composite), 4),
                standing=r.standing,
            )
            for r in ranked
        ]
    sink.advance()


def _business_cases(
    app: App, actor: Actor, examples: Path, summary: DemoSummary, sink: ProgressSink
) -> None:
    """Each contract's business case (in-house against outsourced), where examples/ has one:
    applied (stored with its broker terms, so every interface finds it from any folder; a
    second run adds no version), then read back from the database."""
    rows = [
        c for c in summary.contracts if (examples / BUSINESS_CASE_DIR / f"{c.id}.yaml").exists()
    ]
    sink.step("Business cases", len(rows))
    for row in rows:
        apply_business_case_file(
            app, actor=actor, path=examples / BUSINESS_CASE_DIR / f"{row.id}.yaml"
        )
        report = business_case_report(app, actor=actor, contract_id=row.id)
        result = report.result
        row.business_case = {
            "saving_total": format(result.saving_total, "f"),
            "roi_percent": None if result.roi_percent is None else format(result.roi_percent, "f"),
            "payback_month": result.payback_month,
            "npv": format(result.npv, "f"),
        }
        sink.advance()


def _handoffs(
    app: App, actor: Actor, until: datetime | None, summary: DemoSummary, sink: ProgressSink
) -> dict[str, HandoffReport]:
    """Who holds the tickets: hand-offs, ping-pong and the internal workload they push back."""
    sink.step("Hand-offs between vendors and internal teams", len(HANDOFF_TEAMS))
    reports: dict[str, HandoffReport] = {}
    for contract_id, (teams, capacity) in HANDOFF_TEAMS.items():
        report = handoffs(
            app,
            actor=actor,
            contract_id=contract_id,
            internal_parties=teams,
            bounce_threshold=BOUNCE_THRESHOLD,
            weekly_capacity=capacity,
            as_of=until,
        )
        summary.handoffs.append(
            HandoffRow(
                contract_id=contract_id,
                tickets=report.tickets,
                tickets_with_handoff=report.tickets_with_handoff,
                handoffs=report.handoffs,
                bounced=len(report.bounced),
                overload_weeks=len(report.overloads),
                vendor_hours=round(report.held_hours.get("vendor", 0.0), 1),
                internal_hours=round(report.held_hours.get("internal", 0.0), 1),
            )
        )
        reports[contract_id] = report
        sink.advance()
    return reports


def _alerts(
    app: App,
    actor: Actor,
    until: datetime | None,
    handoff_reports: dict[str, HandoffReport],
    summary: DemoSummary,
    sink: ProgressSink,
) -> None:
    """The alerts the portfolio raises now. With no webhook configured they go to the outbox
    file; each condition is sent once until it changes, so a second run sends nothing."""
    sink.step("Alerts", 1)
    now = until or app.now()
    raised = alerts_service.collect_alerts(
        app, actor=actor, now=now, handoff_reports=handoff_reports
    )
    report = alerts_service.send_alerts(
        app, actor=actor, settings=AlertSettings(), alerts=raised, now=now
    )
    summary.alerts = AlertsRow(
        conditions=len(raised),
        sent=len(report.sent),
        already_sent=len(report.suppressed),
        outbox=str(alerts_service.default_outbox(app)),
        examples=[f"[{a.severity.value}] {a.title}" for a in report.sent[:5]],
    )
    sink.advance()


def _selections(actor: Actor, examples: Path, summary: DemoSummary, sink: ProgressSink) -> None:
    """The example vendor selections: weighted criteria, knock-outs, the winner."""
    actor.require_client("run vendor selections")
    paths = sorted((examples / SELECTION_DIR).glob("*.yaml"))
    sink.step("Vendor selection", len(paths))
    for path in paths:
        result = evaluate_selection_file(path=path)
        winner = result.winner
        summary.selections.append(
            SelectionRow(
                project=result.project_id,
                name=result.name,
                winner=None if winner is None else winner.candidate_id,
                candidates=len(result.candidates),
            )
        )
        sink.advance()
