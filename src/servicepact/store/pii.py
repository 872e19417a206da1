"""Personal data at load: pseudonymise, drop or keep per the contract, and mask free text.

Every column an event type marks with a personal-data category is treated as the
contract's ``data_protection`` says (``DataProtection.treatment_for``):

* ``pseudonymise`` — replaced by a keyed hash, ``ps_`` + the first 32 hex digits of
  HMAC-SHA-256(key, value). The same value always gives the same pseudonym under the
  same key, so joins and counts still work, while the key (from the settings, never
  stored in the database) is needed to test a guess. 128 bits keep collisions out of
  reach for any realistic number of people.
* ``drop`` — the column is emptied before anything is written.
* ``allow`` — kept in clear, only for categories the contract lists in ``allow_in_clear``.

Other string columns (free text above all) are scanned for the personal data people
type into them — Korean resident registration numbers, phone numbers and e-mail
addresses — and each match is replaced by ``[rrn]``, ``[phone]`` or ``[email]``.
The same patterns mask values in error messages and logs (``mask_text``), and
``mask_value`` hides a whole value of a personal-data column.

The patterns, and why they are shaped so:

* resident registration number (주민등록번호): ``YYMMDD-GNNNNNN`` — six digits that
  form a plausible date (month 01-12, day 01-31), an optional hyphen (spaces around
  it allowed), then seven digits whose first digit ``G`` is 1-8. 1-4 are citizens
  (born 1900s / 2000s, male / female), 5-8 foreign residents (외국인등록번호 share
  the shape), so the rule is wider than citizens only; 9 and 0 (born in the 1800s)
  are left out because no living person has them and they collide with other
  numbers. The trailing check digit is not verified: numbers issued since
  October 2020 no longer satisfy it, and a false positive only masks a number.
* phone: Korean mobile numbers (010, 011, 016, 017, 018, 019), Seoul 02, the
  area codes 031-064 and 070 internet phones, each with 3-4 + 4 digits separated
  by nothing, a hyphen, a dot or a space; the same with ``+82`` (optionally
  followed by the trunk 0 in parentheses or not) instead of the leading 0.
* e-mail: ``local@domain.tld`` with the usual characters of a local part.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.contracts import DataProtection, Treatment
from servicepact.domain.event_types import ColumnType, EventType

PSEUDONYM_PREFIX = "ps_"
PSEUDONYM_HEX_DIGITS = 32  # 128 bits of the HMAC: collision-free for any realistic population

# Patterns are written once in a syntax both Python's ``re`` and RE2 (used by
# pyarrow.compute on whole columns) read the same way: no look-around, ASCII classes.
_D = "[0-9]"
RRN_PATTERN = (
    rf"\b{_D}{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]{_D}|3[01])"
    rf"\s?-?\s?[1-8]{_D}{{6}}\b"
)
PHONE_PATTERN = (
    r"(?:\+82[-. ]?(?:\(0\)|0)?|\b0)"
    r"(?:1[016789]|2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70)"
    rf"[-. ]?{_D}{{3,4}}[-. ]?{_D}{{4}}\b"
)
EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"

# Order matters: e-mail first (its local part may hold digits), then the resident
# number (13 digits would otherwise be half-read as a phone number), then phones.
MASKS: tuple[tuple[str, str], ...] = (
    (EMAIL_PATTERN, "[email]"),
    (RRN_PATTERN, "[rrn]"),
    (PHONE_PATTERN, "[phone]"),
)
_COMPILED = tuple((re.compile(pattern), token) for pattern, token in MASKS)
ANY_PERSONAL_DATA = "|".join(f"(?:{pattern})" for pattern, _ in MASKS)
_CANDIDATE = r"@|[0-9][-. 0-9()]{6,}[0-9]"  # every match of a pattern above contains one

# Pseudonyms remembered across chunks: the same customers recur in a file, and one
# HMAC costs about a microsecond in Python. Bounded so memory stays flat.
_CACHE_LIMIT = 1_000_000
_UNSEEN: Any = object()


def mask_text(text: str) -> str:
    """Replace every resident number, phone number and e-mail address in ``text``."""
    for pattern, token in _COMPILED:
        text = pattern.sub(token, text)
    return text


def mask_value(value: object) -> str:
    """How a value of a personal-data column appears in messages: never in clear."""
    length = len(str(value))
    return f"[masked, {length} characters]"


def mask_text_column(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Vectorised ``mask_text`` over a string column (RE2 inside pyarrow)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    # Columns such as category or channel repeat a few values: scan each once.
    encoded = pc.dictionary_encode(values)
    if 2 * len(encoded.dictionary) < len(values):
        return pc.take(_mask_plain(encoded.dictionary), encoded.indices)
    return _mask_plain(values)


def _mask_plain(values: pa.Array) -> pa.Array:
    # A cheap test first: most values hold no '@' and no run of digits long enough;
    # only those that might are rewritten.
    candidates = pc.fill_null(pc.match_substring_regex(values, _CANDIDATE), False)
    if not pc.any(candidates).as_py():
        return values
    subset = pc.filter(values, candidates)
    for pattern, token in MASKS:
        subset = pc.replace_substring_regex(subset, pattern=pattern, replacement=token)
    return pc.replace_with_mask(values, candidates, subset)


def column_has_personal_data(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Row mask: which values hold something that looks like personal data."""
    result = pc.match_substring_regex(values, ANY_PERSONAL_DATA)
    return pc.fill_null(result, False)


class Pseudonymiser:
    """Keyed hash of values: stable under one key, so joins on pseudonyms still work."""

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("the pseudonym key is empty")
        # HMAC-SHA-256 (RFC 2104) with both pads absorbed once: each value then costs
        # two copies and two short hashes, the same result as hmac.new(key, value).
        block = hashlib.sha256().block_size
        padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
        # Pseudonyms of values already seen: customers recur across a file.
        self._cache: dict[str | None, str | None] = {None: None}

    def one(self, value: str) -> str:
        inner = self._inner.copy()
        inner.update(value.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return PSEUDONYM_PREFIX + outer.hexdigest()[:PSEUDONYM_HEX_DIGITS]

    def column(self, values: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Pseudonymise a string column; each distinct value is hashed once per file.

        Arrow finds the distinct values of the chunk (in C++); Python then only
        looks each one up in the cache, and hashes the ones not seen before.
        """
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        encoded = pc.dictionary_encode(values)
        distinct = encoded.dictionary.to_pylist()
        get = self._cache.get
        found = [get(v, _UNSEEN) for v in distinct]
        if _UNSEEN in found:
            if len(self._cache) > _CACHE_LIMIT:
                self._cache = {None: None}
            cache = self._cache
            found = [
                cache.setdefault(v, self.one(v)) if f is _UNSEEN else f
                for v, f in zip(distinct, found, strict=True)
            ]
        return pc.take(pa.array(found, pa.string()), encoded.indices)


def treatments(event_type: EventType, protection: DataProtection) -> dict[str, Treatment]:
    """The treatment of each personal-data column of ``event_type`` under ``protection``."""
    return {
        c.name: protection.treatment_for(c.personal_data)
        for c in event_type.columns
        if c.personal_data is not None
    }


def personal_columns(event_type: EventType) -> frozenset[str]:
    return frozenset(c.name for c in event_type.columns if c.personal_data is not None)


def scanned_columns(event_type: EventType) -> tuple[str, ...]:
    """String columns scanned for personal data typed into them (all but the id)."""
    return tuple(
        c.name
        for c in event_type.columns
        if c.type in (ColumnType.STRING, ColumnType.TEXT)
        and c.personal_data is None
        and c.name != event_type.id_column
    )


def protect(
    table: pa.Table,
    event_type: EventType,
    *,
    plan: Mapping[str, Treatment],
    pseudonymiser: Pseudonymiser,
) -> pa.Table:
    """Apply the contract's treatment to a validated, typed table (schema kept)."""
    scanned = frozenset(scanned_columns(event_type))
    columns: list[pa.Array | pa.ChunkedArray] = []
    for field in table.schema:
        values = table.column(field.name)
        treatment = plan.get(field.name)
        if treatment is Treatment.PSEUDONYMISE:
            values = pseudonymiser.column(values)
        elif treatment is Treatment.DROP:
            values = pa.nulls(len(table), type=field.type)
        elif treatment is None and field.name in scanned:
            values = mask_text_column(values)
        columns.append(values)
    return pa.Table.from_arrays(columns, schema=table.schema)


def mask_row(row: Mapping[str, object], personal: Iterable[str]) -> dict[str, object]:
    """A raw row fit to keep (quarantine) or show: personal columns masked, text scanned."""
    hidden = set(personal)
    masked: dict[str, object] = {}
    for name, value in row.items():
        if value is None or value == "":
            masked[name] = value
        elif name in hidden:
            masked[name] = mask_value(value)
        else:
            masked[name] = mask_text(str(value))
    return masked
