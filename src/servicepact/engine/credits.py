"""Service credits: from a contract's regime and its results to the month's credit statement.

PRODUCT.md §7 and docs/credits.md describe the mechanics in words; this module is the
arithmetic. It is pure: it takes the contract, the results of earlier months (the history) and
the month's fees, and returns a ``CreditStatement`` whose every line explains itself.

Rounding (docs/credits.md, "Rounding"):
1. The at-risk amount is rounded once, half up, to the currency's minor unit; every credit is
   computed from that rounded amount, because it is the figure the reader sees.
2. Each credit line is the exact product of the at-risk amount and its percentages and
   multiplier, rounded once.
3. When the lines exceed the at-risk amount (the monthly cap), each line keeps its share of the
   cap, ``line × cap ÷ sum``, rounded down; the minor units left over go one each to the lines
   with the largest remainders (ties: contract order), so the charged lines add up exactly to the
   cap.
4. An earn-back returns the amount charged for the credit month (after the cap); a partial
   earn-back returns ``charged × k ÷ N`` rounded half up, which never exceeds the charge.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from functools import partial

from servicepact.domain.contracts import Contract, PeriodKind, ServiceLevel
from servicepact.domain.credits import (
    CreditFlag,
    CreditLine,
    CreditOutcome,
    CreditRegime,
    CreditStatement,
    EarnBackLine,
    EarnBackOutcome,
)
from servicepact.domain.display import amount_text
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.kpis import Unit
from servicepact.domain.money import minor_unit, round_money
from servicepact.domain.periods import Period, contract_year_of, month
from servicepact.domain.results import ResultStatus, ServiceLevelResult

_HUNDRED = Decimal(100)
_MONTH_LABEL = re.compile(r"^\d{4}-\d{2}$")


# --- formatting: the arithmetic text a vendor manager reads -------------------------------


def percent_text(value: Decimal) -> str:
    """``12 %``, ``12.5 %``: trailing zeros dropped so the clause reads as written."""
    return f"{_plain(value)} %"


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def value_text(result: ServiceLevelResult, sl: ServiceLevel) -> str | None:
    if result.value is None:
        return None
    if sl.definition.unit is Unit.RATIO:
        return f"{float(result.value) * 100:.2f} %"
    return f"{float(result.value):.2f} {sl.definition.unit.value}"


def target_text(value: Decimal, sl: ServiceLevel) -> str:
    if sl.definition.unit is Unit.RATIO:
        return percent_text(value * _HUNDRED)
    return _plain(value)


# --- months ---------------------------------------------------------------------------------


def shift(period: Period, months: int) -> Period:
    """The month ``months`` after (or before, when negative) ``period``'s month."""
    index = period.start.year * 12 + period.start.month - 1 + months
    return month(index // 12, index % 12 + 1)


def _month_results(
    history: Sequence[ServiceLevelResult], contract_id: str
) -> dict[tuple[str, str], ServiceLevelResult]:
    """Monthly results by (level, month); a later entry for the same key wins (re-evaluation)."""
    table: dict[tuple[str, str], ServiceLevelResult] = {}
    for result in history:
        if result.contract_id != contract_id or not _MONTH_LABEL.match(result.period):
            continue
        if result.running:
            continue  # a running month is a forecast, never a basis for credits
        table[(result.service_level_id, result.period)] = result
    return table


# --- the month's credits ------------------------------------------------------------------


def at_risk_amount(regime: CreditRegime, monthly_fees: Decimal, currency: str) -> Decimal:
    return round_money(monthly_fees * regime.at_risk_percent / _HUNDRED, currency)


def _escalating_months(
    regime: CreditRegime,
    sl: ServiceLevel,
    results: Mapping[tuple[str, str], ServiceLevelResult],
    current: Period,
) -> tuple[str, ...]:
    """Earlier months within the escalation window whose shortfall makes this breach a repeat."""
    escalation = regime.escalation
    if escalation is None:
        return ()
    counted = {ResultStatus.BREACHED}
    if escalation.count_below_expected:
        counted.add(ResultStatus.BELOW_EXPECTED)
    found: list[str] = []
    for back in range(1, escalation.within_months):
        # "within 12 months" is the month itself and the 11 before it: a breach in March 2026
        # repeats one from April 2025 onward, but not one from March 2025.
        earlier = shift(current, -back)
        result = results.get((sl.id, earlier.label))
        if result is not None and result.status in counted:
            found.append(earlier.label)
    return tuple(found)


def _cap(lines: list[CreditLine], cap: Decimal, currency: str) -> tuple[list[CreditLine], str]:
    """Share the cap among the lines in proportion, to the minor unit (module docstring, 3)."""
    total = sum((line.amount for line in lines), Decimal(0))
    quantum = Decimal(1).scaleb(-minor_unit(currency))
    units = Fraction(quantum)
    shares: list[Decimal] = []
    remainders: list[tuple[Fraction, int]] = []
    for index, line in enumerate(lines):
        exact = Fraction(line.amount) * Fraction(cap) / Fraction(total)
        whole = math.floor(exact / units)
        shares.append(Decimal(whole) * quantum)
        remainders.append((exact - whole * units, -index))
    left = cap - sum(shares, Decimal(0))
    for _, negative_index in sorted(remainders, reverse=True):
        if left <= 0:
            break
        shares[-negative_index] += quantum
        left -= quantum
    capped = [replace(line, charged=share) for line, share in zip(lines, shares, strict=True)]
    text = (
        f"credits {amount_text(total, currency)} exceed the at-risk amount "
        f"{amount_text(cap, currency)}: each line × {amount_text(cap, currency)} ÷ "
        f"{amount_text(total, currency)}"
    )
    return capped, text


@dataclass(frozen=True)
class _MonthLines:
    """The credit lines of one month and the at-risk amount they are capped by."""

    at_risk: Decimal
    at_risk_arithmetic: str
    lines: list[CreditLine]
    cap_applied: bool
    cap_arithmetic: str  # "" when the cap did not apply


def _month_lines(
    contract: Contract,
    regime: CreditRegime,
    results: Mapping[tuple[str, str], ServiceLevelResult],
    current: Period,
    monthly_fees: Decimal,
    waived: Collection[tuple[str, str]],
) -> _MonthLines:
    currency = contract.currency
    at_risk = at_risk_amount(regime, monthly_fees, currency)
    at_risk_arith = (
        f"{percent_text(regime.at_risk_percent)} × {amount_text(monthly_fees, currency)} = "
        f"{amount_text(at_risk, currency)}"
    )
    month = _CreditMonth(contract, regime, results, current, at_risk, at_risk_arith)
    lines = [
        _level_line(month, sl, waived)
        for sl in contract.service_levels
        if sl.period is PeriodKind.MONTH  # quarterly and yearly levels: by their own period
    ]
    credit_lines = [line for line in lines if line.outcome is CreditOutcome.CREDIT]
    total = sum((line.amount for line in credit_lines), Decimal(0))
    cap_text = ""
    cap_applied = total > at_risk
    if cap_applied:
        capped, cap_text = _cap(credit_lines, at_risk, currency)
        by_id = {line.service_level_id: line for line in capped}
        lines = [by_id.get(line.service_level_id, line) for line in lines]
    return _MonthLines(at_risk, at_risk_arith, lines, cap_applied, cap_text)


@dataclass(frozen=True)
class _CreditMonth:
    """What every service level's line of one month is computed against."""

    contract: Contract
    regime: CreditRegime
    results: Mapping[tuple[str, str], ServiceLevelResult]
    current: Period
    at_risk: Decimal
    at_risk_arithmetic: str


def _targets_text(
    month: _CreditMonth, sl: ServiceLevel, result: ServiceLevelResult, shown: str | None
) -> str:
    """The measured value against the targets in force, and how they were improved."""
    targets = (
        f"measured {shown or 'n/a'} against expected "
        f"{target_text(result.expected, sl)}, minimum {target_text(result.minimum, sl)}"
    )
    if result.expected != sl.expected or result.minimum != sl.minimum:
        how = ""
        if sl.improvement is not None:
            year = contract_year_of(month.contract.term, month.current.start)
            how = (
                f"contract year {year}, "
                f"{percent_text(sl.improvement.per_year_percent_of_gap)} of the gap "
                f"to perfection a year; "
            )
        targets += (
            f" (improved: {how}the contract's {target_text(sl.expected, sl)} / "
            f"{target_text(sl.minimum, sl)})"
        )
    return targets


def _line(
    sl: ServiceLevel,
    result: ServiceLevelResult | None,
    shown: str | None,
    this_month: tuple[str, ...],
    outcome: CreditOutcome,
    clause: str,
    arithmetic: str,
    *,
    months: tuple[str, ...] | None = None,
    category_percent: Decimal | None = None,
    multiplier: Decimal = Decimal(1),
    amount: Decimal = Decimal(0),
) -> CreditLine:
    """A credit line of ``sl`` with its result's targets and value; ``months`` defaults to
    ``this_month``."""
    return CreditLine(
        service_level_id=sl.id,
        name=sl.name,
        outcome=outcome,
        months=this_month if months is None else months,
        clause=clause,
        arithmetic=arithmetic,
        expected=result.expected if result else None,
        minimum=result.minimum if result else None,
        value=shown,
        allocation_percent=sl.allocation_percent,
        category_percent=category_percent,
        multiplier=multiplier,
        amount=amount,
        charged=amount,
    )


def _level_line(
    month: _CreditMonth, sl: ServiceLevel, waived: Collection[tuple[str, str]]
) -> CreditLine:
    """The credit line of one monthly service level: its outcome, clause and arithmetic."""
    current = month.current
    result = month.results.get((sl.id, current.label))
    shown = value_text(result, sl) if result else None
    make = partial(_line, sl, result, shown, (current.label,))
    targets = "" if result is None else _targets_text(month, sl, result, shown)
    if not sl.credited:
        return make(
            outcome=CreditOutcome.KEY_MEASUREMENT,
            clause=f"service_levels.{sl.id}: key measurement (kind: key)",
            arithmetic=f"reported, no credit; {targets}".rstrip("; "),
        )
    clause = f"credits.at_risk_percent; service_levels.{sl.id}.allocation_percent"
    if (sl.id, current.label) in waived:
        return make(
            outcome=CreditOutcome.WAIVED,
            clause=clause + "; approved exclusion",
            arithmetic="an approved exclusion covers this month: no credit",
        )
    if result is None:
        return make(
            outcome=CreditOutcome.NO_RESULT,
            clause=clause,
            arithmetic="no result for this month: no credit, flagged",
        )
    status = result.status
    if status is ResultStatus.MET:
        return make(outcome=CreditOutcome.MET, clause=clause, arithmetic=f"met: {targets}")
    if status is ResultStatus.BELOW_EXPECTED:
        return make(
            outcome=CreditOutcome.BELOW_EXPECTED,
            clause=clause,
            arithmetic=(
                f"below expected but not below minimum: no credit "
                f"(counts toward escalation); {targets}"
            ),
        )
    if status is ResultStatus.INSUFFICIENT_DATA:
        return make(
            outcome=CreditOutcome.INSUFFICIENT_DATA,
            clause=clause + f"; service_levels.{sl.id}.min_sample",
            arithmetic=(
                f"insufficient data ({result.sample_size} events, at least "
                f"{sl.min_sample} needed): no credit, flagged"
            ),
        )
    breach = _breach(month, sl, clause)
    return make(
        CreditOutcome.CREDIT,
        breach.clause,
        (
            f"breached ({targets}): {month.at_risk_arithmetic}; {breach.factors} = "
            f"{amount_text(breach.amount, month.contract.currency)}"
        ),
        months=(current.label, *breach.earlier),
        category_percent=breach.category_percent,
        multiplier=breach.multiplier,
        amount=breach.amount,
    )


@dataclass(frozen=True)
class _Breach:
    amount: Decimal
    clause: str
    factors: str  # "× category … × allocation × escalation", as the arithmetic shows them
    earlier: tuple[str, ...]  # the earlier breached months that escalate this one
    category_percent: Decimal | None
    multiplier: Decimal


def _breach(month: _CreditMonth, sl: ServiceLevel, clause: str) -> _Breach:
    """A breached level's credit: at-risk × (category ×) allocation (× escalation), rounded
    once."""
    regime = month.regime
    allocation = sl.allocation_percent or Decimal(0)
    categories = {c.id: c.allocation_percent for c in regime.categories}
    factors = f"× {percent_text(allocation)}"
    exact = month.at_risk * allocation / _HUNDRED
    category_percent: Decimal | None = None
    if sl.category is not None and sl.category in categories:
        category_percent = categories[sl.category]
        exact = exact * category_percent / _HUNDRED
        factors = f"× category {sl.category} {percent_text(category_percent)} " + factors
        clause += f"; credits.categories.{sl.category}"
    earlier = _escalating_months(regime, sl, month.results, month.current)
    multiplier = Decimal(1)
    if earlier and regime.escalation is not None:
        multiplier = regime.escalation.multiplier
        exact = exact * multiplier
        factors += (
            f" × {_plain(multiplier)} (repeat within {regime.escalation.within_months} "
            f"months of {', '.join(earlier)})"
        )
        clause += "; credits.escalation"
    return _Breach(
        amount=round_money(exact, month.contract.currency),
        clause=clause,
        factors=factors,
        earlier=tuple(earlier),
        category_percent=category_percent,
        multiplier=multiplier,
    )


def _earn_back(
    contract: Contract,
    regime: CreditRegime,
    results: Mapping[tuple[str, str], ServiceLevelResult],
    current: Period,
    monthly_fees: Decimal,
    fees_by_month: Mapping[str, Decimal],
    waived: Collection[tuple[str, str]],
) -> tuple[list[EarnBackLine], list[str]]:
    """Credits whose earn-back window ends this month, returned or broken."""
    earn = regime.earn_back
    if earn is None:
        return [], []
    months_needed = earn.after_months_met
    credit_month = shift(current, -months_needed)
    if credit_month.start < contract.term.start.replace(day=1):
        return [], []
    notes: list[str] = []
    fees = fees_by_month.get(credit_month.label)
    if fees is None:
        fees = monthly_fees
        notes.append(
            f"earn-back for {credit_month.label} assumes that month's fees equal this month's "
            f"({amount_text(monthly_fees, contract.currency)})"
        )
    then = _month_lines(contract, regime, results, credit_month, fees, waived).lines
    window = tuple(shift(credit_month, k).label for k in range(1, months_needed + 1))
    out: list[EarnBackLine] = []
    currency = contract.currency
    for line in then:
        if line.outcome is not CreditOutcome.CREDIT or line.charged <= 0:
            continue
        met = tuple(
            label
            for label in window
            if (r := results.get((line.service_level_id, label))) is not None
            and r.status is ResultStatus.MET
        )
        clause = "credits.earn_back.after_months_met"
        if len(met) == months_needed:
            returned = line.charged
            outcome = EarnBackOutcome.RETURNED
            arithmetic = (
                f"met in all {months_needed} months {window[0]}..{window[-1]}: "
                f"the {credit_month.label} credit of {amount_text(line.charged, currency)} "
                f"is returned"
            )
        elif earn.partial and met:
            clause += "; credits.earn_back.partial"
            returned = round_money(line.charged * len(met) / months_needed, currency)
            outcome = EarnBackOutcome.PARTIAL
            arithmetic = (
                f"met in {len(met)} of {months_needed} months ({', '.join(met)}): "
                f"{amount_text(line.charged, currency)} × {len(met)} ÷ {months_needed} = "
                f"{amount_text(returned, currency)}"
            )
        else:
            missed = [label for label in window if label not in met]
            returned = Decimal(0)
            outcome = EarnBackOutcome.BROKEN
            arithmetic = (
                f"not met in {', '.join(missed)}: the {credit_month.label} credit of "
                f"{amount_text(line.charged, currency)} is not returned"
            )
        out.append(
            EarnBackLine(
                service_level_id=line.service_level_id,
                credit_month=credit_month.label,
                window=window,
                months_met=met,
                credited=line.charged,
                returned=returned,
                outcome=outcome,
                clause=clause,
                arithmetic=arithmetic,
            )
        )
    return out, notes


def compute_credits(
    contract: Contract,
    history: Sequence[ServiceLevelResult],
    month: Period,
    monthly_fees: Decimal,
    *,
    fees_by_month: Mapping[str, Decimal] | None = None,
    waived: Collection[tuple[str, str]] = (),
) -> CreditStatement:
    """The credit statement of ``month``.

    ``history`` holds the contract's monthly results, this month and the earlier ones that
    escalation and earn-back look at (at least ``escalation.within_months`` and
    ``earn_back.after_months_met`` months back). ``monthly_fees`` is the base of the at-risk
    amount: the month's recurring fees (``engine.fees.at_risk_base``). ``fees_by_month`` gives
    the fees of earlier months, for the earn-back of a credit charged then; ``waived`` lists
    (service level id, month label) pairs an approved exclusion covers.
    """
    if monthly_fees < 0:
        raise InvalidInput(
            problems=[Problem("monthly_fees", "must not be negative", value=str(monthly_fees))]
        )
    regime = contract.credits
    currency = contract.currency
    if regime is None:
        return CreditStatement(
            contract_id=contract.id,
            month=month.label,
            currency=currency,
            monthly_fees=monthly_fees,
            at_risk=Decimal(0),
            at_risk_arithmetic="the contract has no credit regime",
            lines=(),
            notes=("the contract has no credit regime: no credits",),
        )
    results = _month_results(history, contract.id)
    month_lines = _month_lines(contract, regime, results, month, monthly_fees, waived)
    lines = month_lines.lines
    earn_back, notes = _earn_back(
        contract, regime, results, month, monthly_fees, fees_by_month or {}, waived
    )
    flags = tuple(
        CreditFlag(
            service_level_id=line.service_level_id,
            month=month.label,
            reason=line.arithmetic,
        )
        for line in lines
        if line.outcome.flagged
    )
    return CreditStatement(
        contract_id=contract.id,
        month=month.label,
        currency=currency,
        monthly_fees=monthly_fees,
        at_risk=month_lines.at_risk,
        at_risk_arithmetic=month_lines.at_risk_arithmetic,
        lines=tuple(lines),
        earn_back=tuple(earn_back),
        flags=flags,
        cap_applied=month_lines.cap_applied,
        cap_arithmetic=month_lines.cap_arithmetic,
        notes=tuple(notes),
    )
