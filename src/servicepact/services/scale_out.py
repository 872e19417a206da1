"""The engines an evaluation may run on (``--engine``, ``SERVICEPACT_ENGINE``): the local one,
or Apache Spark (docs/scale-out.md; the Spark steps are ``services/_scale_out.py``).
"""

from __future__ import annotations

from servicepact.domain.errors import InvalidInput, Problem

ENGINES = ("local", "spark")


def engine_named(engine: str) -> str:
    """``local`` or ``spark``, or a clear refusal naming the choices."""
    if engine not in ENGINES:
        raise InvalidInput([Problem("--engine", f"is one of {', '.join(ENGINES)}", value=engine)])
    return engine
