"""Money: ``Decimal`` amounts rounded to the currency's minor unit.

Rounding is ROUND_HALF_UP at the minor unit (KRW and JPY have none, USD and
EUR two), applied once per line so every line and every total a user reads
adds up. ``Decimal`` throughout: a float never touches an amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units for the currencies a contract may use.
MINOR_UNITS: dict[str, int] = {
    "KRW": 0,
    "JPY": 0,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CNY": 2,
    "SGD": 2,
    "HKD": 2,
    "INR": 2,
    "PHP": 2,
    "VND": 0,
    "AUD": 2,
    "CHF": 2,
}


def minor_unit(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise ValueError(
            f"{currency!r} is not a supported currency ({', '.join(sorted(MINOR_UNITS))})"
        ) from None


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit: KRW 1,234.5 → 1,235; USD 1.005 → 1.01."""
    quantum = Decimal(1).scaleb(-minor_unit(currency))
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """``12,000,000 KRW``; ``1,234.50 USD``."""
    digits = minor_unit(currency)
    return f"{round_money(amount, currency):,.{digits}f} {currency}"
