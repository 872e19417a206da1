"""Values as plain JSON: how results, credit statements and invoice checks are stored and
printed with ``--format json``, and the hash of that form (a month's inputs, a close's
outputs). Decimals are written as exact text, fractions as ``n/d``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

from servicepact.domain.invoices import InvoiceCheck


def jsonable(value: Any) -> Any:
    """Dataclasses, Decimals (as exact text), Fractions, enums and dates as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in ("total", "net", "earn_back_total", "total_before_cap", "difference"):
            if hasattr(type(value), name) and isinstance(getattr(type(value), name), property):
                out[name] = jsonable(getattr(value, name))
        if isinstance(value, InvoiceCheck):
            out["verdict"] = value.verdict.value
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def canonical_hash(value: Any) -> str:
    text = json.dumps(jsonable(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
