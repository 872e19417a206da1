"""Korean and English for the web UI and reports: a typed message catalogue and formatting.

Messages are keyed by their English text (``t("Contracts")``), so a page reads naturally and a
missing Korean entry falls back to English instead of showing a key. Amounts are formatted
for their currency: KRW and JPY have no minor unit (ISO 4217), most others two.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cache

from servicepact.locale.ko import KO
from servicepact.locale.ko_messages import KO_MESSAGES
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


# -- messages from the loader and the services -------------------------------------------------
# They are written in English by the code that finds the problem (the command line shows them
# as they are); a page words them in its viewer's language here. A catalogue key may carry
# ``{name}`` fields: the message is matched against it and the values are kept as they are.

MESSAGE_CATALOGUES: dict[Lang, dict[str, str]] = {Lang.KO: KO_MESSAGES, Lang.EN: {}}
_FIELD = re.compile(r"\{(\w+)\}")
# Fields whose value is itself a message (a phrase of the sentence), worded too.
_PHRASE_FIELDS = frozenset({"doing", "what", "role", "place", "reason"})


def _pattern(english: str) -> re.Pattern[str] | None:
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for match in _FIELD.finditer(english):
        parts.append(re.escape(english[position : match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        position = match.end()
    if not seen:
        return None
    parts.append(re.escape(english[position:]))
    return re.compile("".join(parts), re.DOTALL)


@cache
def _templates(lang: Lang) -> list[tuple[re.Pattern[str], str]]:
    """The catalogue's keys with fields as patterns, compiled on first use (150 patterns: a
    command that words no message in a language never compiles them)."""
    catalogue = MESSAGE_CATALOGUES[lang]
    found = [(english, _pattern(english), text) for english, text in catalogue.items()]
    # The most specific first: more fixed text, fewer values ("row {row}, column {column}"
    # before "row {row}").
    found.sort(key=lambda item: -len(_FIELD.sub("", item[0])))
    return [(pattern, text) for _, pattern, text in found if pattern is not None]


def _fill(text: str, values: dict[str, str]) -> str:
    return _FIELD.sub(lambda field: values.get(field.group(1), field.group(0)), text)


def translate_message(lang: Lang, text: str) -> str:
    """A message of the loader or a service in ``lang``; English (as written) when the
    catalogue does not know it."""
    catalogue = MESSAGE_CATALOGUES[lang]
    exact = catalogue.get(text)
    if exact is not None:
        return exact
    for pattern, translated in _templates(lang):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        values = {
            name: translate_message(lang, value) if name in _PHRASE_FIELDS else value
            for name, value in match.groupdict().items()
        }
        return _fill(translated, values)
    return text


def problem_text(lang: Lang, *, where: str, message: str, line: int | None = None) -> str:
    """One problem in ``lang``: where it is, then why (``line 3: row 2, column x: why``)."""
    place = translate_message(lang, where)
    if line is not None:
        place = f"{translate_message(lang, f'line {line}')}: {place}"
    return f"{place}: {translate_message(lang, message)}"


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
