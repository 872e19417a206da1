"""Korean and English for the web UI and reports: a typed message catalogue and formatting.

Messages are keyed by their English text (``t("Contracts")``), so a page reads naturally and a
missing Korean entry falls back to English instead of showing a key. Amounts are formatted
for their currency: KRW and JPY have no minor unit (ISO 4217), most others two.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from fractions import Fraction

from servicepact.locale.ko import KO
from servicepact.locale.ko_results import KO_RESULTS
from servicepact.locale.ko_review import KO_REVIEW


class Lang(StrEnum):
    KO = "ko"
    EN = "en"


DEFAULT_LANG = Lang.KO  # the seed document and the demo client are Korean

# ISO 4217 minor units of the currencies contracts use; others default to 2.
MINOR_UNITS = {"KRW": 0, "JPY": 0, "USD": 2, "EUR": 2, "GBP": 2, "CNY": 2, "SGD": 2}
_SYMBOLS = {Lang.KO: {"KRW": "원"}, Lang.EN: {}}

CATALOGUES: dict[Lang, dict[str, str]] = {
    Lang.KO: {**KO_RESULTS, **KO, **KO_REVIEW},
    Lang.EN: {},
}


def parse_lang(value: str | None) -> Lang | None:
    if value is None:
        return None
    try:
        return Lang(value.strip().lower()[:2])
    except ValueError:
        return None


def translate(lang: Lang, text: str, **values: object) -> str:
    """The message in ``lang`` (English when missing), with ``{name}`` fields filled in."""
    message = CATALOGUES[lang].get(text, text)
    return message.format(**values) if values else message


def format_amount(amount: Decimal | int | str, currency: str, lang: Lang = DEFAULT_LANG) -> str:
    """``12,000,000원`` (ko) or ``KRW 12,000,000`` (en); rounded half-even to the minor unit."""
    value = Decimal(amount)
    places = MINOR_UNITS.get(currency.upper(), 2)
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_EVEN)
    number = f"{rounded:,.{places}f}"
    symbol = _SYMBOLS[lang].get(currency.upper())
    if symbol:
        return f"{number}{symbol}"
    return f"{currency.upper()} {number}"


def format_percent(value: Fraction | Decimal | float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{float(value) * 100:.{digits}f}%"


def format_number(value: Fraction | Decimal | float | int | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{float(value):,.{digits}f}"


_UNIT_SUFFIX = {"seconds": " s", "hours": " h", "business_days": " d"}


def format_kpi_value(value: Fraction | None, unit: str) -> str:
    """A measured value for display: ratios as percentages, durations with their unit."""
    if value is None:
        return "–"
    if unit == "ratio":
        return format_percent(value)
    if unit == "count":
        return format_number(value, 0)
    return format_number(value) + _UNIT_SUFFIX.get(unit, "")


def format_target(value: Decimal, unit: str) -> str:
    """A service level's expected or minimum level, in the unit of its KPI."""
    return format_kpi_value(Fraction(value), unit)
