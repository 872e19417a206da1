"""Gather a pack's data from the services, as the acting user sees it.

Every figure comes from a service — results (``services/evaluation``), credits and invoice
checks and the business case (``services/commercials``), risks and control findings
(``services/risks``), vendor scorecards (``services/vendors``), batches (``services/loads``)
— so a vendor user's pack holds only its own contracts, exactly like the API and the web UI.
The builder only selects, orders and formats; it decides no status and computes no amount
beyond adding up stored statements for "to date" figures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract, PeriodKind
from servicepact.domain.credits import CreditStatement
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.exclusions import Exclusion, ExclusionStatus
from servicepact.domain.invoices import Verdict
from servicepact.domain.periods import Period, months_between, parse_period
from servicepact.domain.results import ResultStatus, ServiceLevelResult
from servicepact.domain.risks import ControlFinding, FindingStatus, Risk
from servicepact.reports.formatting import (
    exact_text,
    money,
    percent_text,
    rag_of,
    value_text,
)
from servicepact.reports.model import (
    BatchRef,
    ComponentRow,
    ContractHeader,
    ContractPack,
    CreditLineRow,
    CreditsSection,
    CurrencyTotal,
    DifferenceRow,
    EarnBackRow,
    ExclusionRow,
    FindingRow,
    InvoiceCheckRow,
    Money,
    PortfolioContractRow,
    PortfolioPack,
    Rag,
    RiskRow,
    SavingsRow,
    ServiceLevelRow,
    StatusCounts,
    TrendPoint,
    VendorRow,
    YearToDateRow,
)
from servicepact.services import (
    audit,
    commercials,
    evaluation,
    loads,
    period_reports,
    risks,
    vendors,
)
from servicepact.services.contracts import (
    StoredContract,
    get_contract,
    governing_contract,
    list_governing,
)
from servicepact.services.ports import Ports

TREND_MONTHS = 12  # PRODUCT.md §2.8: 12-month trend charts
TOP_RISKS = 10  # the executives' pack lists the highest-scored open risks, this many


# --- periods --------------------------------------------------------------------------------


def report_month(label: str, contract: Contract | None = None) -> Period:
    """The pack's month: ``2026-03``; within the contract's term when there is a contract."""
    try:
        period = parse_period(label)
    except ValueError as error:
        raise InvalidInput([Problem("--period", str(error), value=label)]) from None
    if period.kind is not PeriodKind.MONTH:
        raise InvalidInput(
            [Problem("--period", "a pack covers a month, e.g. 2026-03", value=label)]
        )
    if contract is not None:
        first = date(contract.term.start.year, contract.term.start.month, 1)
        if not first <= period.start <= contract.term.end:
            raise InvalidInput(
                [
                    Problem(
                        "--period",
                        f"{period.label} is outside the term of contract {contract.id} "
                        f"({contract.term.start} to {contract.term.end})",
                        value=label,
                    )
                ]
            )
    return period


def trend_months(period: Period, contract: Contract, count: int = TREND_MONTHS) -> list[str]:
    """The ``count`` months ending with ``period``, from the term's first month at the earliest."""
    first = max(
        date(contract.term.start.year, contract.term.start.month, 1),
        _months_back(period.start, count - 1),
    )
    return [p.label for p in months_between(first, period.start)]


def _months_back(day: date, count: int) -> date:
    index = day.year * 12 + day.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def _hash(parts: object) -> str:
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the contract pack ----------------------------------------------------------------------


def _stored(app: Ports, actor: Actor, contract_id: str) -> StoredContract:
    return get_contract(app, actor=actor, contract_id=contract_id)


def _service_levels(
    contract: Contract, results: Sequence[ServiceLevelResult], period: str, months: list[str]
) -> list[ServiceLevelRow]:
    by_key = {(r.service_level_id, r.period): r for r in results}
    rows: list[ServiceLevelRow] = []
    for sl in contract.service_levels:
        if sl.period is not PeriodKind.MONTH:
            continue  # quarterly and contract-year levels are reviewed in their own periods
        kpi = sl.definition
        unit = kpi.unit.value
        result = by_key.get((sl.id, period))
        status = None if result is None else result.status
        expected = sl.expected if result is None else result.expected
        minimum = sl.minimum if result is None else result.minimum
        trend = []
        for label in months:
            point = by_key.get((sl.id, label))
            trend.append(
                TrendPoint(
                    period=label,
                    value=None if point is None else point.value_float,
                    value_text=value_text(None if point is None else point.value, unit),
                    status=None if point is None else point.status.value,
                    rag=Rag.GREY if point is None else rag_of(point.status.colour),
                )
            )
        rows.append(
            ServiceLevelRow(
                service_level_id=sl.id,
                name=sl.name,
                kpi=sl.kpi,
                kpi_title=kpi.title,
                formula=kpi.formula,
                unit=unit,
                direction=kpi.direction.value,
                kind=sl.kind.value,
                allocation_percent=sl.allocation_percent,
                value=None if result is None else result.value_float,
                value_text=value_text(None if result is None else result.value, unit),
                numerator=None if result is None else exact_text(result.numerator),
                denominator=None if result is None else result.denominator,
                sample_size=0 if result is None else result.sample_size,
                expected=expected,
                expected_text=value_text(expected, unit),
                minimum=minimum,
                minimum_text=value_text(minimum, unit),
                status=None if status is None else status.value,
                rag=Rag.GREY if status is None else rag_of(status.colour),
                excluded=0 if result is None else result.excluded,
                completeness=(
                    None
                    if result is None or result.completeness is None
                    else float(result.completeness)
                ),
                completeness_text=percent_text(None if result is None else result.completeness),
                running=False if result is None else result.running,
                notes=() if result is None else result.notes,
                trend=tuple(trend),
            )
        )
    return rows


def _credits(statement: CreditStatement, inputs_sha256: str) -> CreditsSection:
    currency = statement.currency
    return CreditsSection(
        currency=currency,
        monthly_fees=money(statement.monthly_fees, currency),
        at_risk=money(statement.at_risk, currency),
        at_risk_arithmetic=statement.at_risk_arithmetic,
        lines=tuple(
            CreditLineRow(
                service_level_id=line.service_level_id,
                name=line.name,
                outcome=line.outcome.value,
                months=line.months,
                clause=line.clause,
                arithmetic=line.arithmetic,
                value=line.value,
                allocation_percent=line.allocation_percent,
                multiplier=line.multiplier,
                amount=money(line.amount, currency),
                charged=money(line.charged, currency),
            )
            for line in statement.lines
        ),
        earn_back=tuple(
            EarnBackRow(
                service_level_id=line.service_level_id,
                credit_month=line.credit_month,
                window=line.window,
                outcome=line.outcome.value,
                returned=money(line.returned, currency),
                arithmetic=line.arithmetic,
            )
            for line in statement.earn_back
        ),
        total=money(statement.total, currency),
        earn_back_total=money(statement.earn_back_total, currency),
        net=money(statement.net, currency),
        cap_applied=statement.cap_applied,
        cap_arithmetic=statement.cap_arithmetic,
        flags=tuple(f"{f.service_level_id} {f.month}: {f.reason}" for f in statement.flags),
        inputs_sha256=inputs_sha256,
    )


def _invoice_checks(
    app: Ports, actor: Actor, contract_id: str, period: str
) -> list[InvoiceCheckRow]:
    """The latest check of each invoice file of the month (a re-check supersedes the earlier)."""
    rows = commercials.list_invoice_checks(app, actor=actor, contract_id=contract_id, period=period)
    latest: dict[str, dict[str, object]] = {}
    for row in rows:  # newest first
        latest.setdefault(str(row["source_name"]), row)
    out: list[InvoiceCheckRow] = []
    for name, row in sorted(latest.items()):
        currency = str(row["currency"])
        details = row["details"]
        assert isinstance(details, dict)
        check = details.get("check", {})
        expected_total = Decimal(str(row["expected_total"]))
        invoiced_total = Decimal(str(row["invoiced_total"]))
        verdict = Verdict(str(row["verdict"]))
        out.append(
            InvoiceCheckRow(
                check_id=int(str(row["id"])),
                file=name,
                verdict=verdict.value,
                rag=Rag.GREEN if verdict is Verdict.CORRECT else Rag.RED,
                expected_total=money(expected_total, currency),
                invoiced_total=money(invoiced_total, currency),
                difference=money(invoiced_total - expected_total, currency),
                differences=tuple(
                    DifferenceRow(
                        reason=str(d["reason"]),
                        line_id=str(d["line_id"]),
                        message=str(d["message"]),
                        amount=money(str(d["amount"]), currency),
                        row=d.get("row"),
                        expected=d.get("expected"),
                        invoiced=d.get("invoiced"),
                    )
                    for d in check.get("differences", [])
                ),
                checked_at=row["created_at"],
            )
        )
    return out


def _risk_row(risk: Risk) -> RiskRow:
    level = risk.level
    return RiskRow(
        id=risk.id,
        title=risk.title,
        category=risk.category.value,
        likelihood=risk.likelihood,
        impact=risk.impact,
        score=risk.score,
        level=level.value,
        rag=rag_of(level.colour),
        owner=risk.owner,
        mitigation=risk.mitigation,
        review_date=None if risk.review_date is None else risk.review_date.isoformat(),
        status=risk.status.value,
        contracts=risk.contracts,
    )


def _by_score(found: Sequence[Risk]) -> list[Risk]:
    return sorted(found, key=lambda r: (-r.score, r.id))


def _month_end(month: Period, contract: Contract) -> datetime:
    """The moment the month ends in the time zone of the contract's (first) calendar."""
    calendars = list(contract.calendars.values())
    zone = ZoneInfo(calendars[0].timezone) if calendars else UTC
    return datetime.combine(month.end, time(0), tzinfo=zone)


def _year_to_date(
    app: Ports, actor: Actor, contract: Contract, month: Period
) -> tuple[str, list[YearToDateRow]]:
    """January to the pack's month: each monthly level's months met / below / breached /
    insufficient, the share met and the value over the period (services/period_reports.py)."""
    until = min(app.now(), _month_end(month, contract))
    last_day = month.end - timedelta(days=1)
    report, found = period_reports.compliance(
        app,
        actor=actor,
        contract_id=contract.id,
        period=f"{month.start.year}-YTD",
        now=until,
        today=last_day,
    )
    names = {sl.id: sl for sl in contract.service_levels}
    rows = []
    for item in found:
        sl = names[item.service_level_id]
        if sl.period is not PeriodKind.MONTH:
            continue  # as in the service-level section
        unit = sl.definition.unit.value
        share = item.share_met
        rows.append(
            YearToDateRow(
                service_level_id=sl.id,
                name=sl.name,
                unit=unit,
                value=None if item.value is None else float(item.value),
                value_text=value_text(item.value, unit),
                numerator=exact_text(item.numerator),
                denominator=item.denominator,
                sample_size=item.sample_size,
                not_aggregated=item.not_aggregated,
                running=item.running,
                met=item.count(ResultStatus.MET),
                below_expected=item.count(ResultStatus.BELOW_EXPECTED),
                breached=item.count(ResultStatus.BREACHED),
                insufficient_data=item.count(ResultStatus.INSUFFICIENT_DATA),
                share_met=None if share is None else float(share),
                share_met_text=percent_text(share),
                months=tuple(
                    TrendPoint(
                        period=r.period,
                        value=r.value_float,
                        value_text=value_text(r.value, unit),
                        status=r.status.value,
                        rag=rag_of(r.status.colour),
                    )
                    for r in item.results
                ),
            )
        )
    first = report.start.strftime("%Y-%m")
    return f"{first} – {month.label}", rows


def build_contract_pack(
    app: Ports, *, actor: Actor, contract_id: str, period: str, months: int = TREND_MONTHS
) -> ContractPack:
    """The monthly service review pack of one contract, as ``actor`` may see it."""
    month = report_month(period, _stored(app, actor, contract_id).contract)
    # the terms of the version governing the month
    stored = governing_contract(app, actor=actor, contract_id=contract_id, period=month.label)
    contract = stored.contract
    labels = trend_months(month, contract, months)
    results = evaluation.list_results(app, actor=actor, contract_id=contract_id)
    rows = _service_levels(contract, results, month.label, labels)

    credits: CreditsSection | None = None
    credits_note: str | None = None
    if contract.credits is None:
        credits_note = "The contract has no service-credit regime."
    else:
        stated = commercials.state_credits(
            app, actor=actor, contract_id=contract_id, period=month.label
        )
        credits = _credits(stated.credits, stated.inputs_sha256)

    waivers = evaluation.list_exclusions(
        app, actor=actor, contract_id=contract_id, status=ExclusionStatus.REQUESTED
    )
    findings = [
        f
        for f in risks.control_findings(app, actor=actor, contract_id=contract_id)
        if f.status is FindingStatus.OPEN and f.period in (None, month.label)
    ]
    linked = _by_score(risks.list_risks(app, actor=actor, contract_id=contract_id))
    batches = loads.list_batches(app, actor=actor, contract_id=contract_id)
    period_results = sorted(
        (r.service_level_id, r.inputs_hash) for r in results if r.period == month.label
    )
    inputs = _hash(
        {
            "contract": [contract.id, stored.version, stored.sha256],
            "results": period_results,
            "credits": None if credits is None else credits.inputs_sha256,
        }
    )
    head_seq, head_sha256 = audit.head_of_month(app, month_end=_month_end(month, contract))
    ytd_period, ytd_rows = _year_to_date(app, actor, contract, month)
    return ContractPack(
        period=month.label,
        period_start=month.start.isoformat(),
        period_end=month.end.isoformat(),
        generated_at=app.now(),
        generated_by=actor.user,
        audit_head_seq=head_seq,
        audit_head_sha256=head_sha256,
        header=_header(contract, stored.version),
        inputs_sha256=inputs,
        batches=tuple(_batch_ref(b) for b in batches),
        trend_months=tuple(labels),
        service_levels=tuple(rows),
        year_to_date=tuple(ytd_rows),
        year_to_date_period=ytd_period,
        credits=credits,
        credits_note=credits_note,
        invoice_checks=tuple(_invoice_checks(app, actor, contract_id, month.label)),
        risks=tuple(_risk_row(r) for r in linked),
        exclusions=tuple(_exclusion_row(w) for w in waivers),
        findings=tuple(_finding_row(f) for f in findings),
    )


def _header(contract: Contract, version: int) -> ContractHeader:
    return ContractHeader(
        contract_id=contract.id,
        name=contract.name,
        client=contract.client,
        vendor=contract.vendor,
        broker=contract.broker,
        version=version,
        currency=contract.currency,
        term_start=contract.term.start.isoformat(),
        term_end=contract.term.end.isoformat(),
    )


def _batch_ref(b: loads.BatchRecord) -> BatchRef:
    return BatchRef(
        source=b.source,
        seq=b.seq,
        content_sha256=b.content_sha256,
        file_name=b.file_name,
        rows_accepted=b.rows_accepted,
        loaded_at=b.loaded_at,
    )


def _exclusion_row(w: Exclusion) -> ExclusionRow:
    return ExclusionRow(
        id=w.id,
        service_level_id=w.service_level_id,
        source=w.source,
        period=w.period,
        event_count=len(w.event_ids),
        reason=w.reason.value,
        note=w.note,
        requested_at=w.requested_at,
        status=w.status.value,
    )


def _finding_row(f: ControlFinding) -> FindingRow:
    return FindingRow(
        key=f.key,
        source=f.source.value,
        check=f.check,
        period=f.period,
        detail=f.detail,
        status=f.status.value,
    )


# --- the portfolio pack ---------------------------------------------------------------------


def _counts(contract: Contract, results: Sequence[ServiceLevelResult], period: str) -> StatusCounts:
    statuses = {r.service_level_id: r.status for r in results if r.period == period}
    tally = dict.fromkeys(StatusCounts.model_fields, 0)
    for sl in contract.service_levels:
        if sl.period is not PeriodKind.MONTH:
            continue
        status = statuses.get(sl.id)
        tally["not_evaluated" if status is None else status.value] += 1
    return StatusCounts(**tally)


def worst_rag(counts: StatusCounts) -> Rag:
    """Red on any breach; amber on any level below expected or without enough data (both ask
    for follow-up); green when every level measured was met; grey when nothing was measured."""
    if counts.breached:
        return Rag.RED
    if counts.below_expected or counts.insufficient_data:
        return Rag.AMBER
    return Rag.GREEN if counts.met else Rag.GREY


def _add(counts: Sequence[StatusCounts]) -> StatusCounts:
    return StatusCounts(
        **{name: sum(getattr(c, name) for c in counts) for name in StatusCounts.model_fields}
    )


@dataclass(frozen=True)
class _StatedCredits:
    """A contract's stored credits, net of earn-back: the month's (None when it has no
    statement), their sum from the term's first month, and how many months have one."""

    month: Money | None
    to_date: Money
    months_stated: int


def _stated_credits(app: Ports, actor: Actor, contract: Contract, month: Period) -> _StatedCredits:
    """The month's stored credits (net of earn-back), their sum from the term's first month,
    and how many months have a stored statement. Stated months only: a month whose credits
    were never stated is not guessed at."""
    first = date(contract.term.start.year, contract.term.start.month, 1)
    total, stated, this_month = Decimal(0), 0, None
    for each in months_between(first, month.start):
        row = commercials.latest_statement(
            app, actor=actor, contract_id=contract.id, period=each.label
        )
        if row is None:
            continue
        net = Decimal(str(row["total"])) - Decimal(str(row["earn_back"]))
        total += net
        stated += 1
        if each.label == month.label:
            this_month = money(net, contract.currency)
    return _StatedCredits(this_month, money(total, contract.currency), stated)


def _savings(
    app: Ports, actor: Actor, contract: Contract, month: Period, cases_dir: Path | None
) -> SavingsRow | None:
    """The contract's savings to date: from its applied business case, or from
    ``<cases_dir>/<contract id>.yaml`` when a folder of cases is given."""
    if cases_dir is not None:
        case_file: Path | None = cases_dir / f"{contract.id}.yaml"
        if case_file is None or not case_file.is_file():
            return None
    else:
        case_file = None
        if commercials.stored_business_case(app, actor=actor, contract_id=contract.id) is None:
            return None
    report = commercials.business_case_report(
        app, actor=actor, contract_id=contract.id, path=case_file
    )
    result = report.result
    currency = result.currency
    planned = [m for m in result.months if m.month <= month.label]
    realised = [
        a for a in report.actuals if a.month <= month.label and a.realised_cumulative is not None
    ]
    return SavingsRow(
        contract_id=contract.id,
        currency=currency,
        planned_to_date=money(planned[-1].cumulative if planned else Decimal(0), currency),
        realised_to_date=(
            None
            if not realised or realised[-1].realised_cumulative is None
            else money(realised[-1].realised_cumulative, currency)
        ),
        months_with_actuals=len(realised),
        saving_total=money(result.saving_total, currency),
        roi_percent=result.roi_percent,
        payback_month=result.payback_month,
    )


def _vendor_rows(app: Ports, actor: Actor, period: str) -> list[VendorRow]:
    ranked, cards = vendors.ranking(app, actor=actor, period=period)
    by_vendor = {card.vendor_id: card for card in cards}
    rows: list[VendorRow] = []
    for entry in ranked:
        card = by_vendor.get(entry.vendor_id)
        composite = entry.composite
        rows.append(
            VendorRow(
                vendor_id=entry.vendor_id,
                rank=entry.rank,
                composite=None if composite is None else float(composite),
                composite_text=value_text(composite, "score"),
                standing=entry.standing,
                rag=(
                    Rag.GREY
                    if card is None or card.standing is None
                    else rag_of(card.standing.colour)
                ),
                gap_reason=entry.gap_reason,
                components=(
                    ()
                    if card is None
                    else tuple(
                        ComponentRow(
                            component=c.component.value,
                            score=None if c.score is None else float(c.score),
                            detail=c.detail,
                        )
                        for c in card.components
                    )
                ),
                gaps=(
                    ()
                    if card is None
                    else tuple(f"{g.component.value}: {g.reason}" for g in card.gaps)
                ),
            )
        )
    return rows


def _currency_totals(
    rows: Sequence[PortfolioContractRow], savings: Sequence[SavingsRow]
) -> list[CurrencyTotal]:
    """Totals per currency: amounts in different currencies are never added together."""
    out: list[CurrencyTotal] = []
    for currency in sorted({r.currency for r in rows}):
        mine = [r for r in rows if r.currency == currency]
        cases = [s for s in savings if s.currency == currency]
        realised = [s.realised_to_date for s in cases if s.realised_to_date is not None]
        out.append(
            CurrencyTotal(
                currency=currency,
                credits_to_date=money(
                    sum((r.credits_to_date.amount for r in mine), Decimal(0)), currency
                ),
                saving_planned_to_date=(
                    money(sum((s.planned_to_date.amount for s in cases), Decimal(0)), currency)
                    if cases
                    else None
                ),
                saving_realised_to_date=(
                    money(sum((m.amount for m in realised), Decimal(0)), currency)
                    if realised
                    else None
                ),
            )
        )
    return out


def _governing_contracts(app: Ports, actor: Actor, month: str) -> dict[str, StoredContract]:
    """Each contract ``actor`` may see, as the version governing ``month`` has it."""
    return list_governing(app, actor=actor, period=month)


def build_portfolio_pack(
    app: Ports,
    *,
    actor: Actor,
    period: str,
    cases_dir: Path | None = None,
    top_risks: int = TOP_RISKS,
) -> PortfolioPack:
    """The executives' pack for a month over every contract ``actor`` may see.

    ``cases_dir``, when given, holds business cases (``<contract id>.yaml``) to use instead of
    the applied ones (stored with ``servicepact business-case --apply``).
    """
    month = report_month(period)
    cases = cases_dir
    stored = _governing_contracts(app, actor, month.label)
    rows: list[PortfolioContractRow] = []
    savings: list[SavingsRow] = []
    fingerprint: list[object] = []
    for contract_id in sorted(stored):
        held = stored[contract_id]
        contract = held.contract
        first = date(contract.term.start.year, contract.term.start.month, 1)
        if not first <= month.start <= contract.term.end:
            continue  # not running in this month
        results = evaluation.list_results(app, actor=actor, contract_id=contract_id)
        counts = _counts(contract, results, month.label)
        credits = _stated_credits(app, actor, contract, month)
        saving = _savings(app, actor, contract, month, cases)
        if saving is not None:
            savings.append(saving)
        rows.append(
            PortfolioContractRow(
                contract_id=contract_id,
                name=contract.name,
                vendor=contract.vendor,
                broker=contract.broker,
                version=held.version,
                currency=contract.currency,
                counts=counts,
                rag=worst_rag(counts),
                credits_month=credits.month,
                credits_to_date=credits.to_date,
                months_stated=credits.months_stated,
                saving_planned_to_date=None if saving is None else saving.planned_to_date,
                saving_realised_to_date=None if saving is None else saving.realised_to_date,
            )
        )
        measured = sorted(
            (r.service_level_id, r.inputs_hash) for r in results if r.period == month.label
        )
        case = commercials.business_case_fingerprint(
            app,
            actor=actor,
            contract_id=contract_id,
            path=None if cases is None else cases / f"{contract_id}.yaml",
        )
        fingerprint.append([contract_id, held.version, measured, str(credits.to_date.amount), case])
    open_risks = _by_score(risks.list_risks(app, actor=actor))
    head_seq, head_sha256 = audit.head_of_month(
        app, month_end=datetime.combine(month.end, time(0), tzinfo=UTC)
    )
    return PortfolioPack(
        period=month.label,
        generated_at=app.now(),
        generated_by=actor.user,
        audit_head_seq=head_seq,
        audit_head_sha256=head_sha256,
        inputs_sha256=_hash(fingerprint),
        contracts=tuple(rows),
        totals=_add([r.counts for r in rows]),
        currency_totals=tuple(_currency_totals(rows, savings)),
        vendors=tuple(_vendor_rows(app, actor, month.label)),
        top_risks=tuple(_risk_row(r) for r in open_risks[:top_risks]),
        savings=tuple(savings),
    )
