"""Fees of a month from the fee schedule and the measured volumes (docs/invoices.md).

Every fee becomes one or more expected invoice lines (quantity × unit price = amount) with the
arithmetic spelled out. Rounding: an indexed price is rounded half up to the currency's minor
unit (the price a vendor can write on an invoice), and each line's amount is rounded once.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping, Sequence
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.contracts import Contract
from servicepact.domain.display import amount_text
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.fees import Fee, FeeKind, Indexation, Tiering
from servicepact.domain.invoices import InvoiceLine, LineKind
from servicepact.domain.money import round_money
from servicepact.domain.periods import Period

_HUNDRED = Decimal(100)


def _grouped(value: Decimal | int, currency: str | None = None) -> str:
    """Grouped number for arithmetic text: money at its minor unit, quantities as they are."""
    if currency is not None:
        return amount_text(Decimal(value), currency)
    text = format(Decimal(value).normalize(), "f")
    whole, _, frac = text.partition(".")
    grouped = f"{int(whole):,}"  # "f" always writes a digit before the point
    return f"{grouped}.{frac}" if frac else grouped


def index_factor(indexation: Indexation | None, contract_year: int) -> Decimal:
    """The price factor of a contract year: ``(1 + p)^(year − 1)``, or the table's entry.

    A table gives factors by year; a year the table skips keeps the factor of the latest
    earlier year listed (a price does not fall back to the base when the table ends).
    """
    if indexation is None or contract_year <= 1:
        return Decimal(1)
    if indexation.percent_per_year is not None:
        return (1 + indexation.percent_per_year / _HUNDRED) ** (contract_year - 1)
    table = indexation.table or {}
    years = [year for year in table if year <= contract_year]
    return table[max(years)] if years else Decimal(1)


class _Pricer:
    def __init__(self, fee: Fee, contract_year: int, currency: str) -> None:
        self.factor = index_factor(fee.indexation, contract_year)
        self.year = contract_year
        self.currency = currency

    def price(self, base: Decimal) -> tuple[Decimal, str]:
        """The indexed price and how it was reached."""
        if self.factor == 1:
            return base, _grouped(base, self.currency)
        indexed = round_money(base * self.factor, self.currency)
        return indexed, (
            f"{_grouped(base, self.currency)} × {self.factor.normalize():f} "
            f"(indexation, contract year {self.year}) = {_grouped(indexed, self.currency)}"
        )


def _line(
    fee: Fee,
    description: str,
    quantity: Decimal | int,
    price: Decimal,
    price_text: str,
    month: Period,
    currency: str,
    *,
    note: str = "",
) -> InvoiceLine:
    qty = Decimal(quantity)
    amount = round_money(qty * price, currency)
    arithmetic = f"{_grouped(qty)} × {price_text} = {_grouped(amount, currency)}"
    if note:
        arithmetic = f"{note}: {arithmetic}"
    return InvoiceLine(
        line_id=fee.id,
        kind=LineKind.FEE,
        description=description,
        quantity=qty,
        unit_price=price,
        amount=amount,
        arithmetic=arithmetic,
        period=month.label,
        recurring=fee.kind is not FeeKind.ONE_TIME,
    )


def _volume(fee: Fee, volumes: Mapping[str, int]) -> int:
    if fee.id not in volumes:
        raise InvalidInput(
            problems=[
                Problem(
                    f"fees.{fee.id}",
                    f"no measured volume for this {fee.kind.value} fee (source {fee.source!r})",
                )
            ]
        )
    volume = volumes[fee.id]
    if volume < 0:
        raise InvalidInput(
            problems=[Problem(f"fees.{fee.id}", "a volume cannot be negative", value=str(volume))]
        )
    return volume


def fee_lines(
    fee: Fee,
    month: Period,
    volumes: Mapping[str, int],
    *,
    contract_year: int,
    currency: str,
) -> list[InvoiceLine]:
    """The expected lines of one fee in one month."""
    pricer = _Pricer(fee, contract_year, currency)
    label = fee.description or fee.id
    lines: list[InvoiceLine] = []
    if fee.kind is FeeKind.FIXED:
        assert fee.amount is not None  # the Fee model requires it for this kind
        price, text = pricer.price(fee.amount)
        lines.append(_line(fee, label, 1, price, text, month, currency))
    elif fee.kind is FeeKind.PER_FTE:
        assert fee.fte is not None
        assert fee.rate is not None
        price, text = pricer.price(fee.rate)
        lines.append(
            _line(fee, f"{label} ({_grouped(fee.fte)} FTE)", fee.fte, price, text, month, currency)
        )
    elif fee.kind is FeeKind.ONE_TIME:
        assert fee.amount is not None
        assert fee.month is not None
        if month.contains(fee.month):
            # One-time fees are fixed sums agreed up front: never indexed.
            lines.append(
                _line(fee, label, 1, fee.amount, _grouped(fee.amount, currency), month, currency)
            )
    elif fee.kind is FeeKind.PER_UNIT:
        lines.extend(_per_unit(fee, _volume(fee, volumes), pricer, label, month, currency))
    elif fee.kind is FeeKind.VOLUME_BAND:
        lines.extend(_volume_band(fee, _volume(fee, volumes), pricer, label, month, currency))
    if fee.minimum_commitment is not None and fee.kind is not FeeKind.ONE_TIME:
        floor, floor_text = pricer.price(fee.minimum_commitment)
        subtotal = sum((x.amount for x in lines), Decimal(0))
        if subtotal < floor:
            top_up = floor - subtotal
            lines.append(
                _line(
                    fee,
                    f"{label}: minimum commitment top-up",
                    1,
                    top_up,
                    _grouped(top_up, currency),
                    month,
                    currency,
                    note=(
                        f"minimum commitment {floor_text} − charged {_grouped(subtotal, currency)}"
                    ),
                )
            )
    return lines


def _per_unit(
    fee: Fee, volume: int, pricer: _Pricer, label: str, month: Period, currency: str
) -> list[InvoiceLine]:
    if not fee.bands or fee.bands[-1].upto is not None:
        # The Fee model refuses this; a fee built around it must not silently price at zero.
        raise InvalidInput(
            problems=[Problem(f"fees.{fee.id}.bands", f"no price band covers {volume} units")]
        )
    if fee.tiering is Tiering.WHOLE_VOLUME:
        # Whole-volume tiers: every unit takes the price of the band the total reaches.
        for number, band in enumerate(fee.bands, start=1):
            if band.upto is None or volume <= band.upto:
                price, text = pricer.price(band.price)
                return [
                    _line(
                        fee,
                        f"{label}: {_grouped(volume)} units, whole volume in band {number}",
                        volume,
                        price,
                        text,
                        month,
                        currency,
                    )
                ]
    # Graduated bands: each unit is priced by the band it falls in.
    lines: list[InvoiceLine] = []
    lower = 0
    for number, band in enumerate(fee.bands, start=1):
        upper = volume if band.upto is None else min(volume, band.upto)
        units = max(upper - lower, 0)
        if units > 0 or (number == 1 and volume == 0):
            price, text = pricer.price(band.price)
            span = (
                f"{_grouped(lower + 1)}–{_grouped(band.upto)}"
                if band.upto
                else f"over {_grouped(lower)}"
            )
            lines.append(
                _line(fee, f"{label}: band {number} ({span})", units, price, text, month, currency)
            )
        if band.upto is None or volume <= band.upto:
            break
        lower = band.upto
    return lines


def _volume_band(
    fee: Fee, volume: int, pricer: _Pricer, label: str, month: Period, currency: str
) -> list[InvoiceLine]:
    assert fee.amount is not None
    assert fee.baseline is not None
    assert fee.band_percent is not None
    assert fee.additional_price is not None
    assert fee.reduced_price is not None
    price, text = pricer.price(fee.amount)
    lines = [
        _line(
            fee,
            f"{label}: baseline {_grouped(fee.baseline)} units",
            1,
            price,
            text,
            month,
            currency,
        )
    ]
    # The dead band in whole units: up to floor(B × (1 + p)) and down to ceil(B × (1 − p)).
    share = fee.band_percent / _HUNDRED
    upper = math.floor(fee.baseline * (1 + share))
    lower = math.ceil(fee.baseline * (1 - share))
    band_text = (
        f"baseline {_grouped(fee.baseline)} ± {fee.band_percent.normalize():f} % = "
        f"{_grouped(lower)}–{_grouped(upper)}"
    )
    if volume > upper:
        arc, arc_text = pricer.price(fee.additional_price)
        lines.append(
            _line(
                fee,
                f"{label}: additional resource charge, {_grouped(volume)} units above "
                f"{_grouped(upper)}",
                volume - upper,
                arc,
                arc_text,
                month,
                currency,
                note=f"{band_text}; measured {_grouped(volume)}",
            )
        )
    elif volume < lower:
        rrc, rrc_text = pricer.price(fee.reduced_price)
        lines.append(
            _line(
                fee,
                f"{label}: reduced resource credit, {_grouped(volume)} units below "
                f"{_grouped(lower)}",
                lower - volume,
                -rrc,
                f"−{rrc_text}",
                month,
                currency,
                note=f"{band_text}; measured {_grouped(volume)}",
            )
        )
    return lines


def expected_fees(
    contract: Contract,
    month: Period,
    volumes: Mapping[str, int],
    *,
    contract_year: int,
) -> list[InvoiceLine]:
    lines: list[InvoiceLine] = []
    for fee in contract.fees:
        lines.extend(
            fee_lines(fee, month, volumes, contract_year=contract_year, currency=contract.currency)
        )
    return lines


def at_risk_base(lines: list[InvoiceLine] | tuple[InvoiceLine, ...]) -> Decimal:
    """The month's fees the at-risk percent applies to: recurring fee lines, not one-time ones."""
    return sum((x.amount for x in lines if x.kind is LineKind.FEE and x.recurring), Decimal(0))


_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _int64_scalars(*values: int) -> list[pa.Int64Scalar]:
    """``values`` as Arrow int64 scalars, built from a buffer: pyarrow imports pandas (about
    0.3 s of CPU) the first time it converts a Python value (``pa.scalar``, a number passed to
    a compute function), and counting a month's volumes for a review pack needs nothing of
    pandas."""
    data = pa.py_buffer(array("q", values))
    column: pa.Int64Array = pa.Array.from_buffers(pa.int64(), len(values), [None, data])
    return [column[i] for i in range(len(values))]


def count_fee_units(
    table: pa.Table, *, fees: Sequence[Fee], anchor: str, month: Period, timezone: str
) -> dict[str, int]:
    """Units per fee of one source in ``month``: the events whose ``anchor`` falls in the
    month (read in ``timezone``, as the evaluation reads it), each fee's filter applied.
    Counts add: the units of a table are the sum of those of any cut of it into chunks."""
    times = table.column(anchor)
    if pa.types.is_timestamp(times.type):
        start, end = month.bounds_epoch(timezone)
        scale = _PER_SECOND[times.type.unit]
        raw = pc.cast(times, pa.int64())
        low, high = _int64_scalars(start * scale, end * scale)
        in_month = pc.and_(pc.greater_equal(raw, low), pc.less(raw, high))
    else:
        in_month = pc.and_(
            pc.greater_equal(times, pa.scalar(month.start, times.type)),
            pc.less(times, pa.scalar(month.end, times.type)),
        )
    volumes: dict[str, int] = {}
    for fee in fees:
        mask = in_month
        for column, value in fee.filter.items():
            values = value if isinstance(value, list) else [value]
            wanted_values = pa.array(values).cast(table.column(column).type)
            mask = pc.and_(mask, pc.is_in(table.column(column), wanted_values))
        # An event without its time (a null in the mask) is not counted: sum skips nulls.
        counted = pc.sum(pc.cast(mask, pa.int64()), min_count=0).as_py()
        volumes[fee.id] = int(counted)
    return volumes
