"""Named domain errors.

Every error a user can cause has a name here; the CLI and the API map them to
exit codes and problem+json in exactly one place each (``cli/errors.py``,
``api/errors.py``). Errors carry a ``where`` (a field path, a file and row, an
id) so a message always says where and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


class DomainError(Exception):
    """Base of every error the business rules raise."""

    code = "domain_error"

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, keyed by where it is."""

    where: str
    message: str
    line: int | None = None
    column: int | None = None
    value: str | None = None

    def render(self, source: str | None = None) -> str:
        place = self.where
        if self.line is not None:
            place = f"line {self.line}: {place}"
        if source:
            place = f"{source}:{place}" if self.line is None else f"{source}, {place}"
        return f"{place}: {self.message}"


@dataclass
class InvalidInput(DomainError):
    """Input that breaks a rule; carries every problem found, not just the first."""

    problems: Sequence[Problem] = field(default_factory=list)
    source: str | None = None
    code = "invalid_input"

    def __post_init__(self) -> None:
        first = self.problems[0].render(self.source) if self.problems else "invalid input"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more, where=self.source)

    def __str__(self) -> str:
        return "\n".join(p.render(self.source) for p in self.problems)


class NotFound(DomainError):
    code = "not_found"


class AccessDenied(DomainError):
    code = "access_denied"


class Conflict(DomainError):
    code = "conflict"


class PeriodClosed(DomainError):
    code = "period_closed"


class UnknownKpi(DomainError):
    code = "unknown_kpi"


class TooLarge(DomainError):
    """An input past a configured size limit."""

    code = "too_large"


class IntegrityError(DomainError):
    """Stored data failed a consistency check (e.g. the audit chain)."""

    code = "integrity_error"


class JobFailed(DomainError):
    """A distributed job (Spark) failed as a whole: nothing it computed was kept."""

    code = "job_failed"
