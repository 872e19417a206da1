"""The one place that maps domain errors to CLI exit codes (see docs/cli.md)."""

from __future__ import annotations

from servicepact.domain import errors

EXIT_OK = 0
EXIT_FAILURE = 1  # something unexpected; a bug, please report it
EXIT_INVALID = 2  # the input is wrong: a file, a flag, a value
EXIT_NOT_FOUND = 3
EXIT_ACCESS_DENIED = 4
EXIT_CONFLICT = 5  # e.g. the period is closed
EXIT_INTEGRITY = 6  # stored data failed a check (audit chain)
EXIT_FINDINGS = 7  # the command ran and found something to act on (e.g. invoice differences)

_CODES: tuple[tuple[type[errors.DomainError], int], ...] = (
    (errors.InvalidInput, EXIT_INVALID),
    (errors.UnknownKpi, EXIT_INVALID),
    (errors.NotFound, EXIT_NOT_FOUND),
    (errors.AccessDenied, EXIT_ACCESS_DENIED),
    (errors.PeriodClosed, EXIT_CONFLICT),
    (errors.Conflict, EXIT_CONFLICT),
    (errors.IntegrityError, EXIT_INTEGRITY),
    (errors.JobFailed, EXIT_FAILURE),
)


def exit_code_for(error: errors.DomainError) -> int:
    for kind, code in _CODES:
        if isinstance(error, kind):
            return code
    return EXIT_INVALID
