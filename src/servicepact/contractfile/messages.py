"""Pydantic's validation errors, said plainly and placed on the line of the file.

Pydantic words its errors for programmers ("Input should be a valid decimal",
``loc=('hours', "literal['24x7']")``); a vendor manager editing a contract
needs "must be a number". This module turns one pydantic error into a path in
the document and a plain message, and suggests the closest field name when a
key is unknown.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from servicepact.contractfile.reading import PathKey

_IDENTIFIER_HINT = (
    "must be an identifier: a letter or digit, then letters, digits, '_', '.' or '-' "
    "(at most 64 characters)"
)

# pydantic error type → plain message; ``{name}`` fields come from the error's ctx.
_PLAIN: dict[str, str] = {
    "missing": "is required",
    "decimal_parsing": "must be a number",
    "decimal_type": "must be a number",
    "decimal_max_digits": "has too many digits",
    "decimal_max_places": "has too many decimal places",
    "finite_number": "must be a finite number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_type": "must be a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date without a time of day",
    "date_future": "must be in the future",
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "iterable_type": "must be a list",
    "string_too_short": "must not be empty",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} item(s)",
    "string_too_long": "must be at most {max_length} characters",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "enum": "must be one of: {expected}",
    "literal_error": "must be {expected}",
    "none_required": "must be empty (null)",
}

_SHOW_INPUT = {
    "decimal_parsing",
    "decimal_type",
    "float_parsing",
    "float_type",
    "int_parsing",
    "int_type",
    "int_from_float",
    "bool_parsing",
    "bool_type",
    "string_type",
    "date_parsing",
    "date_type",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "enum",
    "literal_error",
    "string_pattern_mismatch",
    "dict_type",
    "model_type",
    "tuple_type",
    "list_type",
}

# A loc element pydantic adds to name a union branch or a dict key, not a field.
_BRANCH = re.compile(
    r"^(?:str|int|float|bool|decimal|date|datetime|none|"
    r"(?:literal|dict|list|tuple|set|function-\w+|is-instance|constrained-\w+|"
    r"json-or-python|nullable|lax-or-strict|chain|union|tagged-union)\[.*\])$"
)


def show(value: Any) -> str:
    """A value as the user wrote it, shortened: never a whole mapping in a message."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Decimal):
        text = str(value)
    elif value is None:
        text = "null (empty)"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass(frozen=True)
class CleanLoc:
    """An error's place in the document: the path, the depth of the union the error came
    through (``None`` when it did not come through one) and whether it is about a key."""

    path: PathKey
    union_depth: int | None
    key_error: bool


def clean_loc(loc: tuple[str | int, ...], data: Any) -> CleanLoc:
    """Drop union-branch tags from ``loc``.

    A
    component is a tag only when it is not a key of the data at that place, so
    a calendar really named ``int`` is still found.
    """
    path: list[str | int] = []
    union_depth: int | None = None
    key_error = False
    current = data
    for part in loc:
        if part == "[key]":
            key_error = True
            continue
        if (
            isinstance(part, str)
            and _BRANCH.match(part)
            and not (isinstance(current, Mapping) and part in current)
        ):
            if union_depth is None:
                union_depth = len(path)
            continue
        path.append(part)
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        else:
            current = None
    return CleanLoc(tuple(path), union_depth, key_error)


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation may hold (through Annotated, Optional and unions)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            found.extend(_unwrap(arg))
        return found
    return [annotation]


def model_at(root: type[BaseModel], path: PathKey) -> type[BaseModel] | None:
    """The model class that holds the values at ``path`` (for naming its known fields)."""
    candidates: list[Any] = [root]
    for part in path:
        following: list[Any] = []
        for candidate in candidates:
            for kind in _unwrap(candidate):
                origin = typing.get_origin(kind)
                args = typing.get_args(kind)
                if isinstance(kind, type) and issubclass(kind, BaseModel):
                    field = kind.model_fields.get(str(part))
                    if field is not None:
                        following.append(field.annotation)
                elif origin in (tuple, list) and isinstance(part, int) and args:
                    following.append(args[0])
                elif origin is dict and len(args) == 2:
                    following.append(args[1])
        candidates = following
        if not candidates:
            return None
    for candidate in candidates:
        for kind in _unwrap(candidate):
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                return kind
    return None


def suggestion(unknown: str, known: list[str]) -> str:
    close = difflib.get_close_matches(unknown, known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known fields: {', '.join(known)}"


def plain_message(
    error: ErrorDetails, path: PathKey, *, root: type[BaseModel], branch: bool, key_error: bool
) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    given = error.get("input")
    if kind == "extra_forbidden":
        holder = model_at(root, path[:-1])
        known = list(holder.model_fields) if holder else []
        return "is not a known field" + (suggestion(str(path[-1]), known) if known else "")
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        message = (
            _IDENTIFIER_HINT
            if pattern.startswith("^[A-Za-z0-9]")
            else (f"must match the pattern {pattern}")
        )
    elif kind == "greater_than_equal" and str(ctx.get("ge")) == "0":
        message = "must not be negative"
    elif kind in _PLAIN:
        try:
            message = _PLAIN[kind].format(**ctx)
        except (KeyError, IndexError):
            message = _PLAIN[kind]
    elif kind in ("value_error", "assertion_error"):
        message = str(ctx.get("error", error["msg"]))
    else:
        message = error["msg"]
        message = message[:1].lower() + message[1:]
    if key_error:
        message = f"the key {message}"
    if kind in _SHOW_INPUT and not branch:
        message += f", got {show(given)}"
        if kind == "string_type" and isinstance(given, int | Decimal | bool):
            message += f" (write it in quotes: '{show(given)}')"
    return message


def merge_branches(messages: list[str], given: Any) -> str:
    """One message for a value that fits none of a union's branches."""
    unique = list(
        dict.fromkeys(
            m.removeprefix("must be ").replace("true or false", "true/false") for m in messages
        )
    )
    if len(unique) == 1:
        return f"must be {unique[0]}, got {show(given)}"
    return f"must be {', '.join(unique[:-1])} or {unique[-1]}, got {show(given)}"
