"""Invoices: the expected invoice of a month, the vendor's invoice, and the check between them.

Line ids: a fee line carries its fee id (``base``, ``calls``); a credit line is
``credit:<service level id>`` and an earn-back line ``earn-back:<service level id>`` — the colon
cannot occur in a fee id, so the three never collide. Credit and earn-back lines also carry the
month they belong to (``period``): the breach month for a credit, the credit month for an
earn-back.

Sign convention: fees are positive; credits are negative amounts (quantity 1, negative unit
price); earn-back lines are positive. Quantities are never negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

CREDIT_PREFIX = "credit:"
EARN_BACK_PREFIX = "earn-back:"


class LineKind(StrEnum):
    FEE = "fee"
    CREDIT = "credit"
    EARN_BACK = "earn_back"


def kind_of(line_id: str) -> LineKind:
    if line_id.startswith(CREDIT_PREFIX):
        return LineKind.CREDIT
    if line_id.startswith(EARN_BACK_PREFIX):
        return LineKind.EARN_BACK
    return LineKind.FEE


@dataclass(frozen=True)
class InvoiceLine:
    """One line of the expected invoice, with the arithmetic that produced it."""

    line_id: str
    kind: LineKind
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    arithmetic: str
    period: str  # the invoice month for fees; the breach / credit month for credits / earn-back
    recurring: bool = True  # one-time fees are not part of the at-risk base

    @property
    def key(self) -> tuple[str, str]:
        return (self.line_id, self.period)


@dataclass(frozen=True)
class ExpectedInvoice:
    contract_id: str
    month: str
    currency: str
    contract_year: int
    lines: tuple[InvoiceLine, ...]

    def _sum(self, kind: LineKind) -> Decimal:
        return sum((x.amount for x in self.lines if x.kind is kind), Decimal(0))

    @property
    def fees_total(self) -> Decimal:
        return self._sum(LineKind.FEE)

    @property
    def credits_total(self) -> Decimal:
        """Negative: what the credits take off."""
        return self._sum(LineKind.CREDIT)

    @property
    def earn_back_total(self) -> Decimal:
        return self._sum(LineKind.EARN_BACK)

    @property
    def total(self) -> Decimal:
        return sum((x.amount for x in self.lines), Decimal(0))


@dataclass(frozen=True)
class VendorLine:
    """One line of the vendor's invoice as read from the file (``row`` is the file's row)."""

    row: int
    line_id: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    description: str = ""
    period: str | None = None  # for credit and earn-back lines; none: the invoice month

    @property
    def kind(self) -> LineKind:
        return kind_of(self.line_id)


@dataclass(frozen=True)
class VendorInvoice:
    source: str  # file name, for messages
    currency: str
    lines: tuple[VendorLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((x.amount for x in self.lines), Decimal(0))


class DifferenceReason(StrEnum):
    UNKNOWN_LINE = "unknown_line"  # no such fee, or an extra line for a fee
    WRONG_QUANTITY = "wrong_quantity"  # against the measured volume (or the contract's FTEs)
    WRONG_PRICE = "wrong_price"  # against the fee schedule (indexed)
    ARITHMETIC_ERROR = "arithmetic_error"  # quantity × unit price ≠ amount
    MISSING_FEE = "missing_fee"  # a fee due this month is not invoiced
    MISSING_CREDIT = "missing_credit"  # a credit due this month is not deducted
    WRONG_CREDIT = "wrong_credit"  # a credit deducted with the wrong amount
    CREDIT_NOT_DUE = "credit_not_due"  # a credit deducted that the results do not support
    CREDIT_ALREADY_TAKEN = "credit_already_taken"  # deducted on an earlier invoice, or twice
    EARN_BACK_NOT_DUE = "earn_back_not_due"  # an earn-back claimed that the results do not support
    EARN_BACK_NOT_CLAIMED = "earn_back_not_claimed"  # due to the vendor but not on the invoice

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Verdict(StrEnum):
    CORRECT = "correct"  # every line matches: pay as invoiced
    DISPUTE = "dispute"  # differences found: pay the expected total, dispute the rest


@dataclass(frozen=True)
class Difference:
    """One thing the invoice has wrong, and what it does to the amount payable.

    ``amount`` is invoiced minus expected for this item: positive when the vendor asks for too
    much. The differences of a check add up to the invoice total minus the expected total.
    """

    reason: DifferenceReason
    line_id: str
    message: str
    amount: Decimal
    row: int | None = None  # the vendor file's row, when the difference is on a line of it
    expected: str | None = None
    invoiced: str | None = None


@dataclass(frozen=True)
class InvoiceCheck:
    contract_id: str
    month: str
    currency: str
    source: str
    expected_total: Decimal
    invoiced_total: Decimal
    differences: tuple[Difference, ...]

    @property
    def difference(self) -> Decimal:
        return self.invoiced_total - self.expected_total

    @property
    def verdict(self) -> Verdict:
        return Verdict.DISPUTE if self.differences else Verdict.CORRECT

    def reasons(self) -> set[DifferenceReason]:
        return {d.reason for d in self.differences}
