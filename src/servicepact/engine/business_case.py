"""Business case: in-house baseline against outsourced cost, month by month (docs/business-case.md).

Definitions (the doc explains them for a vendor manager):
- saving of a month = in-house cost − outsourced cost; cumulative = running sum;
- investment = one-time outsourcing costs (the schedule's one-time fees and other transition
  costs); ROI = total saving over the term ÷ investment;
- payback month = the first month whose cumulative saving is zero or more;
- NPV = Σ saving_m ÷ (1 + r)^(m ÷ 12) with r the annual discount rate, month m counted from 1
  (each month's saving arrives at its end);
- cost per unit = the term's cost ÷ the term's units (recurring costs only).
Rounding: every monthly figure is rounded once to the currency's minor unit; the NPV is summed
exactly and rounded once; ROI to 0.1 %.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from servicepact.domain.business_case import (
    ActualMonth,
    ActualsRow,
    BusinessCaseInputs,
    BusinessCaseResult,
    MonthCase,
    SensitivityCell,
)
from servicepact.domain.contracts import Contract
from servicepact.domain.display import amount_text
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.invoices import LineKind
from servicepact.domain.money import round_money
from servicepact.domain.periods import Period, contract_year_of, parse_period
from servicepact.engine.credits import shift
from servicepact.engine.fees import expected_fees

_HUNDRED = Decimal(100)
_TWELVE = Decimal(12)


@dataclass(frozen=True)
class _Month:
    period: Period
    in_house: Decimal
    fees: Decimal
    one_time_fees: Decimal
    other: Decimal  # retained, governance, broker fee, transition (month 1)
    credits: Decimal

    @property
    def outsourced(self) -> Decimal:
        return self.fees + self.other - self.credits


def _months(inputs: BusinessCaseInputs) -> list[Period]:
    first = parse_period(inputs.start)
    return [shift(first, k) for k in range(inputs.months)]


def _scaled_volumes(volumes: Mapping[str, int], percent: Decimal) -> dict[str, int]:
    factor = 1 + percent / _HUNDRED
    return {
        fee: int((Decimal(v) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for fee, v in volumes.items()
    }


def _simulate(
    inputs: BusinessCaseInputs,
    contract: Contract,
    *,
    volume_percent: Decimal = Decimal(0),
    price_percent: Decimal = Decimal(0),
) -> list[_Month]:
    currency = inputs.currency
    staff = inputs.in_house.fte * inputs.in_house.loaded_cost_per_fte
    variable = inputs.variable_in_house_share_percent / _HUNDRED
    staff = staff * (1 + variable * volume_percent / _HUNDRED)
    fixed_in_house = inputs.in_house.facilities + inputs.in_house.systems + inputs.in_house.overhead
    volumes = _scaled_volumes(inputs.monthly_volume, volume_percent)
    price_factor = 1 + price_percent / _HUNDRED
    broker_fee = inputs.broker.fee_monthly if inputs.broker else Decimal(0)
    out = inputs.outsourced
    months: list[_Month] = []
    for index, period in enumerate(_months(inputs)):
        year = max(contract_year_of(contract.term, period.start), 1)
        lines = expected_fees(contract, period, volumes, contract_year=year)
        fees = round_money(
            sum((x.amount for x in lines if x.kind is LineKind.FEE), Decimal(0)) * price_factor,
            currency,
        )
        one_time = round_money(
            sum((x.amount for x in lines if not x.recurring), Decimal(0)) * price_factor,
            currency,
        )
        in_house = staff + fixed_in_house
        other = out.retained_organisation + out.governance + broker_fee
        if index == 0:
            in_house += inputs.in_house.one_time_costs_avoided
            other += out.transition_one_time
        months.append(
            _Month(
                period=period,
                in_house=round_money(in_house, currency),
                fees=fees,
                one_time_fees=one_time,
                other=round_money(other, currency),
                credits=round_money(out.expected_credits_monthly, currency),
            )
        )
    return months


def _check_currency(inputs: BusinessCaseInputs, contract: Contract) -> None:
    problems: list[Problem] = []
    if inputs.currency != contract.currency:
        problems.append(
            Problem(
                "currency",
                f"the business case is in {inputs.currency}, the contract in {contract.currency}",
            )
        )
    if inputs.contract_id != contract.id:
        problems.append(
            Problem("contract_id", f"is {inputs.contract_id!r}, the contract is {contract.id!r}")
        )
    for fee in contract.fees:
        if fee.source is not None and fee.id not in inputs.monthly_volume:
            problems.append(
                Problem(f"monthly_volume.{fee.id}", "the plan needs a volume for this fee")
            )
    if problems:
        raise InvalidInput(problems=problems)


def business_case(inputs: BusinessCaseInputs, contract: Contract) -> BusinessCaseResult:
    """Monthly and cumulative savings, ROI, payback month, NPV, cost per unit, sensitivity."""
    _check_currency(inputs, contract)
    currency = inputs.currency
    months = _simulate(inputs, contract)
    rate = inputs.discount_rate_percent / _HUNDRED
    rows: list[MonthCase] = []
    cumulative = Decimal(0)
    npv_exact = Decimal(0)
    payback: int | None = None
    for number, m in enumerate(months, start=1):
        outsourced = m.outsourced
        saving = m.in_house - outsourced
        cumulative += saving
        present = saving / (1 + rate) ** (Decimal(number) / _TWELVE)
        npv_exact += present
        if payback is None and cumulative >= 0:
            payback = number
        rows.append(
            MonthCase(
                month=m.period.label,
                in_house=m.in_house,
                outsourced=outsourced,
                fees=m.fees,
                saving=saving,
                cumulative=cumulative,
                discounted=round_money(present, currency),
            )
        )
    in_house_total = sum((r.in_house for r in rows), Decimal(0))
    outsourced_total = sum((r.outsourced for r in rows), Decimal(0))
    saving_total = in_house_total - outsourced_total
    investment = sum((m.one_time_fees for m in months), Decimal(0))
    investment += inputs.outsourced.transition_one_time
    roi = (
        (saving_total / investment * _HUNDRED).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if investment > 0
        else None
    )
    per_in_house, per_outsourced = _cost_per_unit(inputs, months)
    sensitivity = tuple(
        SensitivityCell(
            volume_percent=v,
            price_percent=p,
            total_saving=sum(
                (
                    m.in_house - m.outsourced
                    for m in _simulate(inputs, contract, volume_percent=v, price_percent=p)
                ),
                Decimal(0),
            ),
        )
        for v in inputs.sensitivity.volume_percent
        for p in inputs.sensitivity.price_percent
    )
    broker_margin = _broker_margin(inputs, months)
    explanation = _explain(inputs, months, investment, saving_total, roi, rate)
    return BusinessCaseResult(
        contract_id=inputs.contract_id,
        currency=currency,
        months=tuple(rows),
        in_house_total=in_house_total,
        outsourced_total=outsourced_total,
        saving_total=saving_total,
        investment=investment,
        roi_percent=roi,
        payback_month=payback,
        npv=round_money(npv_exact, currency),
        discount_rate_percent=inputs.discount_rate_percent,
        unit=inputs.unit,
        cost_per_unit_in_house=per_in_house,
        cost_per_unit_outsourced=per_outsourced,
        sensitivity=sensitivity,
        broker_margin_monthly=broker_margin,
        explanation=explanation,
    )


def _cost_per_unit(
    inputs: BusinessCaseInputs, months: Sequence[_Month]
) -> tuple[Decimal | None, Decimal | None]:
    if inputs.unit_fee is None:
        return None, None
    units = inputs.monthly_volume[inputs.unit_fee] * len(months)
    if units == 0:
        return None, None
    # Recurring costs only: a one-time cost says nothing about what the next unit costs.
    in_house = (
        sum((m.in_house for m in months), Decimal(0)) - inputs.in_house.one_time_costs_avoided
    )
    outsourced = (
        sum((m.outsourced - m.one_time_fees for m in months), Decimal(0))
        - inputs.outsourced.transition_one_time
    )
    return (
        round_money(in_house / units, inputs.currency),
        round_money(outsourced / units, inputs.currency),
    )


def _broker_margin(inputs: BusinessCaseInputs, months: Sequence[_Month]) -> Decimal | None:
    broker = inputs.broker
    if broker is None or not months:
        return None
    recurring = sum((m.fees - m.one_time_fees for m in months), Decimal(0)) / len(months)
    if broker.margin_percent is not None:
        return round_money(recurring * broker.margin_percent / _HUNDRED, inputs.currency)
    if broker.vendor_fees_monthly is not None:
        return round_money(recurring - broker.vendor_fees_monthly, inputs.currency)
    return None


def _explain(
    inputs: BusinessCaseInputs,
    months: Sequence[_Month],
    investment: Decimal,
    saving_total: Decimal,
    roi: Decimal | None,
    rate: Decimal,
) -> tuple[str, ...]:
    c = inputs.currency

    def a(value: Decimal) -> str:
        return amount_text(value, c)

    base = inputs.in_house
    staff = base.fte * base.loaded_cost_per_fte
    first = months[0]
    out = inputs.outsourced
    lines = [
        f"in-house per month: {base.fte.normalize():f} FTE × {a(base.loaded_cost_per_fte)} = "
        f"{a(staff)} + facilities {a(base.facilities)} + systems {a(base.systems)} + overhead "
        f"{a(base.overhead)} = {a(staff + base.facilities + base.systems + base.overhead)}",
        f"outsourced in {first.period.label}: fees {a(first.fees)} + retained "
        f"{a(out.retained_organisation)} + governance {a(out.governance)}"
        + (f" + broker fee {a(inputs.broker.fee_monthly)}" if inputs.broker else "")
        + f" − expected credits {a(out.expected_credits_monthly)}",
        f"investment (one-time): {a(investment)}",
        f"saving over {len(months)} months: {a(saving_total)}"
        + (f"; ROI {a(saving_total)} ÷ {a(investment)} = {roi} %" if roi is not None else ""),
        f"NPV at {inputs.discount_rate_percent.normalize():f} % a year: each month's saving ÷ "
        f"(1 + {rate.normalize():f})^(month ÷ 12)",
    ]
    return tuple(lines)


def against_actuals(
    inputs: BusinessCaseInputs,
    contract: Contract,
    result: BusinessCaseResult,
    actuals: Sequence[ActualMonth],
) -> list[ActualsRow]:
    """Planned savings against realised ones, month by month.

    Realised outsourced cost = the checked invoice (fees − credits + earn-back) plus the same
    non-invoice costs the plan carries (retained organisation, governance, broker fee,
    transition); the in-house baseline stays as planned — it is what the client no longer pays.
    """
    by_month = {a.month: a for a in actuals}
    months = _simulate(inputs, contract)
    rows: list[ActualsRow] = []
    planned_cum = Decimal(0)
    realised_cum = Decimal(0)
    for m, planned in zip(months, result.months, strict=True):
        planned_cum += planned.saving
        actual = by_month.get(m.period.label)
        realised: Decimal | None = None
        if actual is not None:
            realised = m.in_house - (actual.invoiced + m.other)
            realised_cum += realised
        rows.append(
            ActualsRow(
                month=m.period.label,
                planned_saving=planned.saving,
                realised_saving=realised,
                difference=None if realised is None else realised - planned.saving,
                planned_cumulative=planned_cum,
                realised_cumulative=realised_cum if realised is not None else None,
            )
        )
    return rows
