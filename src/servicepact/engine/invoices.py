"""The expected invoice of a month, the vendor's invoice file, and the line-by-line check.

``check_invoice`` splits the gap between the invoice and the expected invoice into reasons whose
amounts add up exactly to it: for a vendor line paired with an expected line,

    stated − expected = (stated − q·p)            arithmetic error
                      + (q·p − q·p_contract)      wrong price
                      + (q·p_contract − expected) wrong quantity

each product rounded to the currency's minor unit as a line would be (docs/invoices.md).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from decimal import Decimal
from typing import Any

from servicepact.domain.contracts import Contract
from servicepact.domain.credits import CreditOutcome, CreditStatement
from servicepact.domain.display import amount_text
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.invoices import (
    CREDIT_PREFIX,
    EARN_BACK_PREFIX,
    Difference,
    DifferenceReason,
    ExpectedInvoice,
    InvoiceCheck,
    InvoiceLine,
    LineKind,
    VendorInvoice,
    VendorLine,
)
from servicepact.domain.money import round_money
from servicepact.domain.periods import Period
from servicepact.engine.fees import expected_fees

# --- the expected invoice -------------------------------------------------------------------


def credit_lines(credits: CreditStatement) -> list[InvoiceLine]:
    """The statement's credits (negative) and earn-backs (positive) as invoice lines."""
    lines: list[InvoiceLine] = []
    for line in credits.lines:
        if line.outcome is CreditOutcome.CREDIT and line.charged > 0:
            lines.append(
                InvoiceLine(
                    line_id=f"{CREDIT_PREFIX}{line.service_level_id}",
                    kind=LineKind.CREDIT,
                    description=f"service credit {line.service_level_id} {line.name}",
                    quantity=Decimal(1),
                    unit_price=-line.charged,
                    amount=-line.charged,
                    arithmetic=line.arithmetic
                    + (f"; {credits.cap_arithmetic}" if credits.cap_applied else ""),
                    period=line.month,
                    recurring=False,
                )
            )
    for earned in credits.earn_back:
        if earned.returned > 0:
            lines.append(
                InvoiceLine(
                    line_id=f"{EARN_BACK_PREFIX}{earned.service_level_id}",
                    kind=LineKind.EARN_BACK,
                    description=(
                        f"earn-back of the {earned.credit_month} credit for "
                        f"{earned.service_level_id}"
                    ),
                    quantity=Decimal(1),
                    unit_price=earned.returned,
                    amount=earned.returned,
                    arithmetic=earned.arithmetic,
                    period=earned.credit_month,
                    recurring=False,
                )
            )
    return lines


def expected_invoice(
    contract: Contract,
    month: Period,
    volumes: Mapping[str, int],
    credits: CreditStatement | None,
    *,
    contract_year: int,
) -> ExpectedInvoice:
    """Fees from the measured volumes, minus the month's credits, plus earn-back, line by line."""
    lines = expected_fees(contract, month, volumes, contract_year=contract_year)
    if credits is not None:
        lines.extend(credit_lines(credits))
    return ExpectedInvoice(
        contract_id=contract.id,
        month=month.label,
        currency=contract.currency,
        contract_year=contract_year,
        lines=tuple(lines),
    )


# --- the check ------------------------------------------------------------------------------


def _quantity_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{sign}{int(whole.lstrip('-') or 0):,}"
    return f"{grouped}.{frac}" if frac else grouped


def check_invoice(
    expected: ExpectedInvoice,
    invoice: VendorInvoice,
    *,
    already_taken: Collection[tuple[str, str]] = (),
) -> InvoiceCheck:
    """Every difference between the vendor's invoice and the expected one, with its reason.

    ``already_taken`` lists (service level id, month) credits deducted on earlier invoices; a
    deduction of one of them again is reported as ``credit_already_taken``.
    """
    currency = expected.currency
    if invoice.currency != currency:
        raise InvalidInput(
            problems=[
                Problem(
                    "currency",
                    f"the invoice is in {invoice.currency}, the contract in {currency}",
                )
            ],
            source=invoice.source,
        )

    def money(value: Decimal) -> str:
        return f"{amount_text(value, currency)} {currency}"

    def computed(v: VendorLine) -> Decimal:
        return round_money(v.quantity * v.unit_price, currency)

    diffs: list[Difference] = []
    for v in invoice.lines:
        gap = v.amount - computed(v)
        if gap != 0:
            diffs.append(
                Difference(
                    DifferenceReason.ARITHMETIC_ERROR,
                    v.line_id,
                    f"{_quantity_text(v.quantity)} × {amount_text(v.unit_price, currency)} = "
                    f"{amount_text(computed(v), currency)}, not {amount_text(v.amount, currency)}",
                    gap,
                    row=v.row,
                    expected=amount_text(computed(v), currency),
                    invoiced=amount_text(v.amount, currency),
                )
            )

    expected_by_key: dict[tuple[str, str], list[InvoiceLine]] = {}
    for e in expected.lines:
        expected_by_key.setdefault(e.key, []).append(e)
    vendor_by_key: dict[tuple[str, str], list[VendorLine]] = {}
    for v in invoice.lines:
        period = expected.month if v.kind is LineKind.FEE else (v.period or expected.month)
        vendor_by_key.setdefault((v.line_id, period), []).append(v)

    keys = list(expected_by_key) + [k for k in vendor_by_key if k not in expected_by_key]
    for key in keys:
        wanted = expected_by_key.get(key, [])
        given = vendor_by_key.get(key, [])
        line_id, period = key
        if line_id.startswith(CREDIT_PREFIX):
            diffs.extend(
                _check_credit(line_id, period, wanted, given, already_taken, money, computed)
            )
        elif line_id.startswith(EARN_BACK_PREFIX):
            diffs.extend(_check_earn_back(line_id, period, wanted, given, money, computed))
        else:
            diffs.extend(_check_fee(line_id, wanted, given, currency, computed))

    return InvoiceCheck(
        contract_id=expected.contract_id,
        month=expected.month,
        currency=currency,
        source=invoice.source,
        expected_total=expected.total,
        invoiced_total=invoice.total,
        differences=tuple(diffs),
    )


def _check_fee(
    line_id: str,
    wanted: list[InvoiceLine],
    given: list[VendorLine],
    currency: str,
    computed: Any,
) -> Iterator[Difference]:
    def amount_only(value: Decimal) -> str:  # without the currency code
        return amount_text(value, currency)

    if not wanted:
        for v in given:
            yield Difference(
                DifferenceReason.UNKNOWN_LINE,
                line_id,
                f"{line_id!r} is not a fee of this contract for this month",
                computed(v),
                row=v.row,
                invoiced=amount_only(v.amount),
            )
        return
    # Pair lines of the same fee: first by equal unit price (graduated bands), then in order.
    left = list(given)
    pairs: list[tuple[InvoiceLine, VendorLine]] = []
    unpaired: list[InvoiceLine] = []
    for e in wanted:
        match = next((v for v in left if v.unit_price == e.unit_price), None)
        if match is None:
            unpaired.append(e)
        else:
            left.remove(match)
            pairs.append((e, match))
    while unpaired and left:
        pairs.append((unpaired.pop(0), left.pop(0)))
    for e in unpaired:
        yield Difference(
            DifferenceReason.MISSING_FEE,
            line_id,
            f"{e.description} is due ({e.arithmetic}) but not invoiced",
            -e.amount,
            expected=amount_only(e.amount),
        )
    for v in left:
        yield Difference(
            DifferenceReason.UNKNOWN_LINE,
            line_id,
            f"an extra line for fee {line_id!r} "
            f"({_quantity_text(v.quantity)} × {amount_only(v.unit_price)})",
            computed(v),
            row=v.row,
            invoiced=amount_only(v.amount),
        )
    for e, v in sorted(pairs, key=lambda pair: pair[1].row):
        at_contract_price = round_money(v.quantity * e.unit_price, currency)
        price_gap = computed(v) - at_contract_price
        if v.unit_price != e.unit_price:
            yield Difference(
                DifferenceReason.WRONG_PRICE,
                line_id,
                f"{e.description}: unit price {amount_only(v.unit_price)}, the fee schedule says "
                f"{amount_only(e.unit_price)}",
                price_gap,
                row=v.row,
                expected=amount_only(e.unit_price),
                invoiced=amount_only(v.unit_price),
            )
        if v.quantity != e.quantity:
            yield Difference(
                DifferenceReason.WRONG_QUANTITY,
                line_id,
                f"{e.description}: quantity {_quantity_text(v.quantity)}, "
                f"expected {_quantity_text(e.quantity)} "
                f"({e.arithmetic})",
                at_contract_price - e.amount,
                row=v.row,
                expected=_quantity_text(e.quantity),
                invoiced=_quantity_text(v.quantity),
            )


def _check_credit(
    line_id: str,
    period: str,
    wanted: list[InvoiceLine],
    given: list[VendorLine],
    already_taken: Collection[tuple[str, str]],
    money: Any,
    computed: Any,
) -> Iterator[Difference]:
    level = line_id.removeprefix(CREDIT_PREFIX)
    if not wanted:
        for v in given:
            if (level, period) in already_taken:
                yield Difference(
                    DifferenceReason.CREDIT_ALREADY_TAKEN,
                    line_id,
                    f"the {period} credit for {level} was already deducted on an earlier invoice",
                    computed(v),
                    row=v.row,
                    invoiced=money(v.amount),
                )
            else:
                yield Difference(
                    DifferenceReason.CREDIT_NOT_DUE,
                    line_id,
                    f"no credit is due for {level} in {period} by the measured results",
                    computed(v),
                    row=v.row,
                    invoiced=money(v.amount),
                )
        return
    e = wanted[0]
    if not given:
        yield Difference(
            DifferenceReason.MISSING_CREDIT,
            line_id,
            f"the {period} credit for {level} of {money(-e.amount)} is not deducted "
            f"({e.arithmetic})",
            -e.amount,
            expected=money(e.amount),
        )
        return
    first, *repeats = given
    gap = computed(first) - e.amount
    if gap != 0:
        yield Difference(
            DifferenceReason.WRONG_CREDIT,
            line_id,
            f"the {period} credit for {level} is {money(-computed(first))}, "
            f"expected {money(-e.amount)} ({e.arithmetic})",
            gap,
            row=first.row,
            expected=money(e.amount),
            invoiced=money(first.amount),
        )
    for v in repeats:
        yield Difference(
            DifferenceReason.CREDIT_ALREADY_TAKEN,
            line_id,
            f"the {period} credit for {level} is deducted more than once",
            computed(v),
            row=v.row,
            invoiced=money(v.amount),
        )


def _check_earn_back(
    line_id: str,
    period: str,
    wanted: list[InvoiceLine],
    given: list[VendorLine],
    money: Any,
    computed: Any,
) -> Iterator[Difference]:
    level = line_id.removeprefix(EARN_BACK_PREFIX)
    if not wanted:
        for v in given:
            yield Difference(
                DifferenceReason.EARN_BACK_NOT_DUE,
                line_id,
                f"no earn-back of the {period} credit for {level} is due by the measured results",
                computed(v),
                row=v.row,
                invoiced=money(v.amount),
            )
        return
    e = wanted[0]
    if not given:
        yield Difference(
            DifferenceReason.EARN_BACK_NOT_CLAIMED,
            line_id,
            f"the vendor may add back {money(e.amount)} ({e.arithmetic})",
            -e.amount,
            expected=money(e.amount),
        )
        return
    for index, v in enumerate(given):
        gap = computed(v) - (e.amount if index == 0 else Decimal(0))
        if gap != 0:
            yield Difference(
                DifferenceReason.EARN_BACK_NOT_DUE,
                line_id,
                f"earn-back of the {period} credit for {level}: {money(computed(v))} claimed, "
                f"{money(e.amount if index == 0 else Decimal(0))} due",
                gap,
                row=v.row,
                expected=money(e.amount),
                invoiced=money(v.amount),
            )
