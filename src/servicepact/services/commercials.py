"""Commercial use cases: the month's credits, invoice checks, the business case, broker analysis.

Each function takes the app and the acting user (keyword-only), reads what it needs (contract
version, results, measured volumes), calls the pure engine, and — for the writes — stores the
outcome in one unit of work with an audit entry. Nothing partial is stored: a bad invoice file
or a closed period is refused before anything is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from servicepact import __version__
from servicepact.domain.access import Actor
from servicepact.domain.business_case import (
    ActualMonth,
    ActualsRow,
    BusinessCaseInputs,
    BusinessCaseResult,
)
from servicepact.domain.contracts import Contract
from servicepact.domain.credits import CreditStatement
from servicepact.domain.errors import InvalidInput, NotFound, Problem
from servicepact.domain.exclusions import ExclusionStatus
from servicepact.domain.invoices import (
    CREDIT_PREFIX,
    ExpectedInvoice,
    InvoiceCheck,
    LineKind,
)
from servicepact.domain.json_values import canonical_hash, jsonable
from servicepact.domain.periods import Period, contract_year_of, parse_period
from servicepact.domain.results import ServiceLevelResult
from servicepact.engine.broker import BrokerAnalysis, broker_analysis
from servicepact.engine.business_case import against_actuals, business_case
from servicepact.engine.credits import compute_credits, shift
from servicepact.engine.fees import at_risk_base, expected_fees
from servicepact.engine.invoices import check_invoice, expected_invoice
from servicepact.services import evaluation
from servicepact.services._contracts import get_contract, governing_version
from servicepact.services._open_periods import ensure_open
from servicepact.services._scale_out import count_stored_units
from servicepact.services._statements import MonthCommercials, store_statement
from servicepact.services.open_periods import is_closed
from servicepact.services.ports import Ports
from servicepact.services.risks import results_for
from servicepact.services.scale_out import EngineChoice, choose_engine
from servicepact.store.db.commercials import (
    BusinessCaseRepository,
    CreditStatementRepository,
    InvoiceCheckRepository,
)
from servicepact.store.db.uow import UnitOfWork
from servicepact.store.files.invoices import read_invoice_file
from servicepact.xlsx_limits import check_workbook

ENGINE_VERSION = __version__  # results and credits say which engine produced them


# --- reading what the engine needs ----------------------------------------------------------


# The contract's stored results: the same reading as the risk services'. Kept under this name
# because the period close and the demo ask the commercial services for it.
results_of = results_for


def waived_months(app: Ports, *, actor: Actor, contract: Contract) -> set[tuple[str, str]]:
    """(service level, month) pairs an approved whole-period exclusion covers: no credit."""
    approved = evaluation.list_exclusions(
        app, actor=actor, contract_id=contract.id, status=ExclusionStatus.APPROVED
    )
    waived: set[tuple[str, str]] = set()
    for exclusion in approved:
        if exclusion.period is None:
            continue  # event exclusions are already out of the result's counts
        for sl in contract.service_levels:
            if sl.id == exclusion.service_level_id or (
                exclusion.service_level_id is None and sl.source == exclusion.source
            ):
                waived.add((sl.id, exclusion.period))
    return waived


def _volume_anchor(source: str, contract: Contract | None = None) -> str:
    """The column that says when an event happened: the first required time column.

    calls → offered_at, tickets → created_at, orders → promised_at …: the same anchor KPIS.md
    rule 3 uses for counting, so a unit is invoiced in the month it is measured. An event
    type the contract declares names its anchor itself.
    """
    from servicepact.domain.event_types import BUILT_IN

    declared = contract.declared_event_types.get(source) if contract is not None else None
    if declared is not None:
        return declared.anchor
    event_type = BUILT_IN[source]
    for column in event_type.columns:
        if column.required and column.type.value in ("timestamp", "date"):
            return column.name
    raise InvalidInput(problems=[Problem(f"source {source}", "has no time column to count by")])


def measured_volumes(
    app: Ports, *, contract: Contract, month: Period, engine: EngineChoice | None = None
) -> dict[str, int]:
    """Units per per-unit and volume-band fee: events anchored in the month, fee filter
    applied (engine/fees.count_fee_units), counted on the engine chosen (default: local)."""
    wanted = [fee for fee in contract.fees if fee.source is not None]
    if not wanted:
        return {}
    from servicepact.engine.evaluate import contract_timezone

    # The same zone the evaluation reads anchors in, so a unit is billed in its measured month.
    timezone = contract_timezone(contract)
    store = app.event_store.with_types(contract.declared_event_types)
    by_source: dict[str, list[Any]] = {}
    for fee in wanted:
        assert fee.source is not None  # filtered above
        by_source.setdefault(fee.source, []).append(fee)
    volumes: dict[str, int] = {}
    for source, fees in by_source.items():
        # One read per source, however many fees count it (tickets and a volume band).
        anchor = _volume_anchor(source, contract)
        volumes.update(
            count_stored_units(
                store,
                engine or EngineChoice(),
                contract_id=contract.id,
                source=source,
                fees=fees,
                anchor=anchor,
                columns=list(dict.fromkeys([anchor, *(c for fee in fees for c in fee.filter)])),
                month=month,
                timezone=timezone,
            )
        )
    return volumes


def _month(contract: Contract, label: str) -> Period:
    try:
        period = parse_period(label)
    except ValueError as error:
        raise InvalidInput(problems=[Problem("--period", str(error), value=label)]) from None
    if period.kind.value != "month":
        raise InvalidInput(
            problems=[Problem("--period", "give a month, e.g. 2026-03", value=label)]
        )
    first = date(contract.term.start.year, contract.term.start.month, 1)
    if not first <= period.start <= contract.term.end:
        raise InvalidInput(
            problems=[
                Problem(
                    "--period",
                    f"{label} is outside the contract term "
                    f"({contract.term.start} to {contract.term.end})",
                    value=label,
                )
            ]
        )
    return period


def _earlier_fees(uow: UnitOfWork, contract_id: str) -> dict[str, Decimal]:
    """The at-risk base of months already stated (latest version), for earn-back."""
    latest = uow.repo(CreditStatementRepository).latest_amounts([contract_id])
    return {period: amounts.monthly_fees for (_, period), amounts in latest.items()}


def month_commercials(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    period: str,
    volumes: Mapping[str, int] | None = None,
    results: Sequence[ServiceLevelResult] | None = None,
    engine: str | EngineChoice | None = None,
    spark_master: str | None = None,
) -> MonthCommercials:
    """Fees, credits and the expected invoice of one month (nothing is stored).

    ``volumes`` overrides the measured volumes (per fee id), ``results`` the stored results —
    for what-if questions and for tests. The volumes are counted on ``engine`` (``spark`` on
    ``spark_master``; the same counts either way). Unnamed, locally: the pages read the
    month's commercials often and never start Spark; the commands name the engine
    (``--engine``, ``SERVICEPACT_ENGINE``).
    """
    choice = choose_engine(engine=engine, spark_master=spark_master)
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)  # visible to the actor?
        # the month's terms are those of the version governing it (an amendment applies from
        # its effective month on; earlier months keep the previous version's fees and credits)
        governing = governing_version(uow.contracts.effects(contract_id), period.strip())
        stored = get_contract(uow, actor=actor, contract_id=contract_id, version=governing)
        earlier = _earlier_fees(uow, contract_id)
    contract = stored.contract
    month = _month(contract, period)
    year = contract_year_of(contract.term, month.start)
    if volumes is None:
        volumes = measured_volumes(app, contract=contract, month=month, engine=choice)
    for fee_id, volume in volumes.items():
        if volume < 0:
            raise InvalidInput(
                problems=[Problem(f"--volume {fee_id}", "cannot be negative", value=str(volume))]
            )
    history = (
        list(results)
        if results is not None
        else results_of(app, actor=actor, contract_id=contract_id)
    )
    fees = expected_fees(contract, month, volumes, contract_year=year)
    waived = waived_months(app, actor=actor, contract=contract)
    credits = compute_credits(
        contract, history, month, at_risk_base(fees), fees_by_month=earlier, waived=waived
    )
    expected = expected_invoice(contract, month, volumes, credits, contract_year=year)
    window = {shift(month, -k).label for k in range(0, 37)}
    inputs = {
        "contract_id": contract.id,
        "contract_version": stored.version,
        "contract_sha256": stored.sha256,
        "volumes": dict(volumes),
        "waived": sorted(waived),
        "results": sorted(
            (jsonable(r) for r in history if r.period in window),
            key=lambda r: (r["service_level_id"], r["period"]),
        ),
        "engine_version": ENGINE_VERSION,
    }
    return MonthCommercials(
        stored=stored,
        month=month,
        contract_year=year,
        volumes=dict(volumes),
        credits=credits,
        expected=expected,
        inputs_sha256=canonical_hash(inputs),
    )


def state_credits(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    period: str,
    volumes: Mapping[str, int] | None = None,
    results: Sequence[ServiceLevelResult] | None = None,
    store: bool = False,
    engine: str | EngineChoice | None = None,
    spark_master: str | None = None,
) -> MonthCommercials:
    """The month's credit statement; with ``store`` kept (a new version when inputs changed).
    Its volumes are counted on ``engine`` (``month_commercials``)."""
    month = month_commercials(
        app, actor=actor, contract_id=contract_id, period=period, volumes=volumes,
        results=results, engine=engine, spark_master=spark_master,
    )  # fmt: skip
    if store:
        actor.require_client("state credits")
        with app.uow() as uow:
            ensure_open(
                uow,
                contract_id=contract_id,
                period=month.month.label,
                doing="stating its credits again",
            )
            store_statement(uow, actor=actor, month=month)
    return month


def latest_statement(
    app: Ports, *, actor: Actor, contract_id: str, period: str
) -> dict[str, Any] | None:
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        return uow.repo(CreditStatementRepository).latest(contract_id, period)


# --- invoice checks -------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredInvoiceCheck:
    id: int
    check: InvoiceCheck
    expected: ExpectedInvoice
    credits: CreditStatement


def check_invoice_file(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    period: str,
    path: Path,
    volumes: Mapping[str, int] | None = None,
    results: Sequence[ServiceLevelResult] | None = None,
    file_name: str | None = None,
) -> StoredInvoiceCheck:
    """Read a vendor invoice, check it against the expected invoice, store the check.

    ``file_name`` is the name kept with the check when it is not the path's (an upload).

    Refused with a clear message, and nothing stored, for an unknown contract or month, a
    closed month, a file in the wrong currency or with bad cells.
    """
    actor.require_write("check invoices")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        check_workbook(path)  # a hostile workbook is refused before any other work
    month = month_commercials(
        app, actor=actor, contract_id=contract_id, period=period, volumes=volumes, results=results
    )
    with app.uow(read_only=True) as uow:
        ensure_open(
            uow,
            contract_id=contract_id,
            period=month.month.label,
            doing="checking an invoice for it",
        )
        taken_before = uow.repo(InvoiceCheckRepository).credits_taken_before(
            contract_id, month.month.label
        )
    contract = month.stored.contract
    invoice = read_invoice_file(path, currency=contract.currency)
    # A currency column in the file was checked line by line; the check compares totals too.
    check = check_invoice(month.expected, invoice, already_taken=taken_before)
    taken = sorted(
        {
            (line.line_id.removeprefix(CREDIT_PREFIX), line.period or month.month.label)
            for line in invoice.lines
            if line.kind is LineKind.CREDIT
        }
    )
    file_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    with app.uow(read_only=True) as uow:
        earlier = uow.repo(InvoiceCheckRepository).latest_of_file(
            contract_id, month.month.label, file_sha256
        )
    if earlier is not None and earlier[1] == month.inputs_sha256:
        # The same file against the same inputs: the stored check stands, nothing is written.
        return StoredInvoiceCheck(
            id=earlier[0], check=check, expected=month.expected, credits=month.credits
        )
    check_id = _store_invoice_check(
        app,
        actor=actor,
        contract_id=contract_id,
        month=month,
        check=check,
        file_name=file_name or path.name,
        file_sha256=file_sha256,
        taken=taken,
    )
    return StoredInvoiceCheck(
        id=check_id, check=check, expected=month.expected, credits=month.credits
    )


def _store_invoice_check(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    month: MonthCommercials,
    check: InvoiceCheck,
    file_name: str,
    file_sha256: str,
    taken: list[tuple[str, str]],
) -> int:
    """Store the month's credit statement and the check (audited), in one transaction; the
    month must still be open. Returns the check's id."""
    with app.uow() as uow:
        ensure_open(
            uow,
            contract_id=contract_id,
            period=month.month.label,
            doing="checking an invoice for it",
        )
        store_statement(uow, actor=actor, month=month)
        check_id = uow.repo(InvoiceCheckRepository).add(
            contract_id=contract_id,
            period=month.month.label,
            contract_version=month.stored.version,
            source_name=file_name[:300],
            file_sha256=file_sha256,
            currency=month.stored.contract.currency,
            verdict=check.verdict.value,
            expected_total=format(check.expected_total, "f"),
            invoiced_total=format(check.invoiced_total, "f"),
            details={
                "check": jsonable(check),
                "expected": jsonable(month.expected),
                "inputs_sha256": month.inputs_sha256,
            },
            credits_taken=[list(credit) for credit in taken],
            created_at=uow.now(),
            created_by=actor.user,
        )
        uow.record(
            actor=actor,
            entity_type="invoice_check",
            entity_id=f"{contract_id}/{month.month.label}/{check_id}",
            action="create",
            after={
                "verdict": check.verdict,
                "differences": len(check.differences),
                "difference": check.difference,
                "file": file_name,
            },
        )
    return check_id


def list_invoice_checks(
    app: Ports, *, actor: Actor, contract_id: str, period: str | None = None
) -> list[dict[str, Any]]:
    """Stored checks of a contract, newest first (shown with the contract)."""
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        return uow.repo(InvoiceCheckRepository).list(contract_id, period)


# --- business case and broker -----------------------------------------------------------------


def parse_business_case(text: str, *, source: str) -> BusinessCaseInputs:
    """A business case as YAML (or JSON) text, validated; every problem named by its field
    path and ``source`` (the file name, or "body")."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidInput(
            problems=[Problem("file", f"not valid YAML ({type(error).__name__})")],
            source=source,
        ) from None
    if isinstance(data, dict) and "business_case" in data:
        data = data["business_case"]
    try:
        return BusinessCaseInputs.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(
            problems=[
                Problem(
                    ".".join(str(p) for p in e["loc"]) or "business_case",
                    e["msg"].removeprefix("Value error, "),
                )
                for e in error.errors()
            ],
            source=source,
        ) from None


def read_business_case(path: Path) -> BusinessCaseInputs:
    """A business-case YAML file, validated; every problem named by its field path."""
    if not path.is_file():
        raise NotFound(f"no business-case file {path}", where=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            problems=[Problem("file", "is not UTF-8 text")], source=path.name
        ) from None
    return parse_business_case(text, source=path.name)


@dataclass(frozen=True)
class BusinessCaseApplied:
    contract_id: str
    version: int
    changed: bool  # False: the stored version already rests on this content


def apply_business_case(
    app: Ports, *, actor: Actor, inputs: BusinessCaseInputs, source_name: str
) -> BusinessCaseApplied:
    """Store a contract's business case (and its broker terms) as a new version, audited; the
    same content again adds nothing. Every interface then reads it from the database."""
    actor.require_client("apply business cases")
    document = inputs.model_dump(mode="json")
    sha256 = canonical_hash(document)
    with app.uow() as uow:
        get_contract(uow, actor=actor, contract_id=inputs.contract_id)
        written = uow.repo(BusinessCaseRepository).add(
            contract_id=inputs.contract_id,
            inputs=document,
            inputs_sha256=sha256,
            source_name=source_name[:300],
            at=uow.now(),
            by=actor.user,
        )
        if written.added:
            uow.record(
                actor=actor,
                entity_type="business_case",
                entity_id=f"{inputs.contract_id}/v{written.version}",
                action="apply",
                after={"file": source_name[:300], "inputs_sha256": sha256},
            )
    return BusinessCaseApplied(inputs.contract_id, written.version, written.added)


def apply_business_case_file(app: Ports, *, actor: Actor, path: Path) -> BusinessCaseApplied:
    return apply_business_case(
        app, actor=actor, inputs=read_business_case(path), source_name=path.name
    )


def stored_business_case(
    app: Ports, *, actor: Actor, contract_id: str
) -> BusinessCaseInputs | None:
    """The contract's applied business case (its latest version), or None."""
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        stored = uow.repo(BusinessCaseRepository).latest(contract_id)
    return None if stored is None else BusinessCaseInputs.model_validate(stored.inputs)


def business_case_fingerprint(
    app: Ports, *, actor: Actor, contract_id: str, path: Path | None = None
) -> dict[str, Any] | None:
    """What identifies the business case a report rests on: the file given (its name and
    the hash of its validated content), else the applied case's stored version and hash;
    None when there is none. A changed case changes this, and so the hash of what it feeds."""
    if path is not None:
        if not path.is_file():
            return None
        inputs = read_business_case(path)
        return {"file": path.name, "inputs_sha256": canonical_hash(inputs.model_dump(mode="json"))}
    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        stored = uow.repo(BusinessCaseRepository).latest(contract_id)
    if stored is None:
        return None
    return {"version": stored.version, "inputs_sha256": stored.inputs_sha256}


def _case_inputs(
    app: Ports, *, actor: Actor, contract_id: str, path: Path | None
) -> BusinessCaseInputs:
    """The business case of a file given (a what-if, nothing stored), else the applied one."""
    if path is not None:
        return read_business_case(path)
    inputs = stored_business_case(app, actor=actor, contract_id=contract_id)
    if inputs is None:
        raise NotFound(
            f"no business case applied for contract {contract_id!r}: apply its file with "
            "`servicepact business-case --apply FILE`",
            where=f"{contract_id}/business-case",
        )
    return inputs


@dataclass(frozen=True)
class BusinessCaseReport:
    inputs: BusinessCaseInputs
    result: BusinessCaseResult
    actuals: list[ActualsRow]


def _actuals(app: Ports, *, actor: Actor, contract_id: str) -> list[ActualMonth]:
    """Months with a checked invoice: the expected total (what is payable) and the credits."""
    checks = list_invoice_checks(app, actor=actor, contract_id=contract_id)
    seen: dict[str, ActualMonth] = {}
    for row in checks:  # newest first: the first seen per month wins
        if row["period"] in seen:
            continue
        details = row["details"]["check"]
        expected = row["details"]["expected"]
        credits = sum(
            (Decimal(x["amount"]) for x in expected["lines"] if x["kind"] == "credit"),
            Decimal(0),
        )
        seen[row["period"]] = ActualMonth(
            month=row["period"],
            invoiced=Decimal(details["expected_total"]),
            credits=-credits,
        )
    return sorted(seen.values(), key=lambda a: a.month)


def business_case_report(
    app: Ports, *, actor: Actor, contract_id: str, path: Path | None = None
) -> BusinessCaseReport:
    actor.require_client_view("the business case")
    with app.uow(read_only=True) as uow:
        stored = get_contract(uow, actor=actor, contract_id=contract_id)
    inputs = _case_inputs(app, actor=actor, contract_id=contract_id, path=path)
    if inputs.contract_id != contract_id:
        raise InvalidInput(
            problems=[
                Problem(
                    "contract_id",
                    f"the business case is for {inputs.contract_id!r}, not {contract_id!r}",
                )
            ]
        )
    result = business_case(inputs, stored.contract)
    actuals = against_actuals(
        inputs, stored.contract, result, _actuals(app, actor=actor, contract_id=contract_id)
    )
    return BusinessCaseReport(inputs=inputs, result=result, actuals=actuals)


def broker_report(
    app: Ports, *, actor: Actor, contract_id: str, path: Path | None = None
) -> BrokerAnalysis:
    """The broker layer of a brokered contract: margin, and performance against direct peers."""
    actor.require_client_view("the broker analysis")
    with app.uow(read_only=True) as uow:
        stored = get_contract(uow, actor=actor, contract_id=contract_id)
        from servicepact.services._contracts import list_contracts

        peers = [s for s in list_contracts(uow, actor=actor) if s.broker is None]
    contract = stored.contract
    if contract.broker is None:
        raise InvalidInput(problems=[Problem("broker", f"contract {contract_id!r} has no broker")])
    case = (
        read_business_case(path)
        if path is not None
        else stored_business_case(app, actor=actor, contract_id=contract_id)
    )
    terms = case.broker if case is not None else None
    first = parse_period(f"{contract.term.start.year:04d}-{contract.term.start.month:02d}")
    volumes = case.monthly_volume if case is not None else {}
    try:
        fees = at_risk_base(expected_fees(contract, first, volumes, contract_year=1))
    except InvalidInput:
        fees = Decimal(0)  # per-unit fees without a planned volume: the margin stays unknown
    own = results_of(app, actor=actor, contract_id=contract_id)
    # Every result of every direct contract: the engine compares like KPIs with like, and
    # pools them all for the overall row.
    direct = {
        peer.id: results_of(app, actor=actor, contract_id=peer.id)
        for peer in peers
        if peer.id != contract_id
    }
    return broker_analysis(contract, own, direct, client_fees_monthly=fees, terms=terms)


# --- one call for the demo and the service review ---------------------------------------------


@dataclass(frozen=True)
class InvoiceCheckSummary:
    file: str
    check_id: int
    verdict: str
    differences: int
    reasons: tuple[str, ...]
    difference: Decimal


@dataclass(frozen=True)
class CommercialSummary:
    contract_id: str
    period: str
    currency: str
    credits_total: Decimal
    earn_back_total: Decimal
    flags: int
    invoice_checks: tuple[InvoiceCheckSummary, ...]
    saving_total: Decimal | None
    roi_percent: Decimal | None
    payback_month: int | None
    npv: Decimal | None


def commercial_summary(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    period: str,
    invoices_dir: Path = Path("examples/invoices"),
) -> CommercialSummary:
    """Credits of the month, every ``<contract>-<month>-*.csv|xlsx`` invoice checked, and the
    headline of the contract's applied business case (when it has one). Safe to repeat: the
    same files against the same inputs store nothing new."""
    month = state_credits(app, actor=actor, contract_id=contract_id, period=period)
    label = month.month.label
    closed = is_closed(app, contract_id=contract_id, period=label)
    if not closed and not actor.scoped:
        month = state_credits(app, actor=actor, contract_id=contract_id, period=label, store=True)
    files = sorted(
        p
        for p in invoices_dir.glob(f"{contract_id}-{label}-*")
        if p.suffix.lower() in (".csv", ".xlsx")
    )
    checks = []
    for path in [] if closed else files:  # a closed month keeps the checks it was closed with
        stored = check_invoice_file(
            app, actor=actor, contract_id=contract_id, period=label, path=path
        )
        checks.append(
            InvoiceCheckSummary(
                file=path.name,
                check_id=stored.id,
                verdict=stored.check.verdict.value,
                differences=len(stored.check.differences),
                reasons=tuple(sorted(r.value for r in stored.check.reasons())),
                difference=stored.check.difference,
            )
        )
    case = (
        business_case_report(app, actor=actor, contract_id=contract_id).result
        if stored_business_case(app, actor=actor, contract_id=contract_id) is not None
        else None
    )
    return CommercialSummary(
        contract_id=contract_id,
        period=label,
        currency=month.credits.currency,
        credits_total=month.credits.total,
        earn_back_total=month.credits.earn_back_total,
        flags=len(month.credits.flags),
        invoice_checks=tuple(checks),
        saving_total=None if case is None else case.saving_total,
        roi_percent=None if case is None else case.roi_percent,
        payback_month=None if case is None else case.payback_month,
        npv=None if case is None else case.npv,
    )
