"""Control characters are refused where they arrive: path, query, JSON body, form fields.

No id, name, period or note of the product holds NUL or another C0 control character (PostgreSQL
text cannot even store NUL). Free text — a JSON string or a form field — may hold tab, CR and
LF; a path segment or a query value may not. Refused with 422 naming each place, instead of
being stored (SQLite) or failing in the database (PostgreSQL, a 500). Files are checked by their
readers (store/events, engine/invoices); the router-level dependency below covers the API and the
web pages alike, so a new page or form gets the check without doing anything.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from servicepact.domain.errors import InvalidInput, Problem

# C0 controls and DEL; text fields may keep tab, LF and CR.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_MAX_FILES = 4  # a page uploads one file; an API upload one
FORM_MAX_FIELDS = 64
MESSAGE = "must not contain control characters (U+0000-U+001F, U+007F)"
TEXT_MESSAGE = "must not contain control characters other than tab, CR and LF"


def _json_places(value: Any, where: str) -> Iterator[str]:
    """Where in a parsed JSON value a text holds a refused control character (keys: none)."""
    if isinstance(value, str):
        if CONTROL_IN_TEXT.search(value):
            yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            if CONTROL.search(key):
                yield f"{where} (a key)"
            yield from _json_places(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_places(item, f"{where}[{index}]")


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def refuse_control_characters(request: Request) -> None:
    problems = [
        Problem(f"path.{name}", MESSAGE)
        for name, value in request.path_params.items()
        if isinstance(value, str) and CONTROL.search(value)
    ]
    problems += [
        Problem(f"query.{name}", MESSAGE)
        for name, value in request.query_params.multi_items()
        if CONTROL.search(name) or CONTROL.search(value)
    ]
    media_type = _media_type(request)
    if media_type == "application/json" or media_type.endswith("+json"):
        body = await request.body()  # read once and kept: the route reads the same bytes
        if b"\\u00" in body or b"\x7f" in body:  # JSON strings carry C0 controls escaped only
            with contextlib.suppress(ValueError):  # not JSON: the route's parsing answers 422
                problems += [
                    Problem(w, TEXT_MESSAGE) for w in _json_places(json.loads(body), "body")
                ]
    elif media_type == "application/x-www-form-urlencoded" or (
        media_type == "multipart/form-data" and "content-length" in request.headers
    ):  # an upload without a declared length is the route's to refuse (411), unread
        # Parsed once and kept for the route. A malformed form answers 400 and a body over its
        # limit 413 (both HTTPException, raised here as the route's own parsing would).
        form = await request.form(max_files=FORM_MAX_FILES, max_fields=FORM_MAX_FIELDS)
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if value.filename and CONTROL.search(value.filename):
                    problems.append(Problem(f"form.{name} (file name)", MESSAGE))
            elif CONTROL.search(name) or CONTROL_IN_TEXT.search(value):
                problems.append(Problem(f"form.{name}", TEXT_MESSAGE))
    if problems:
        raise InvalidInput(problems=problems)
