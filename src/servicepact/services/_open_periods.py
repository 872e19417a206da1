"""Steps inside a caller's unit of work: whether a contract's months are closed, and the
refusal when they are (PRODUCT.md §2.3).

Loading data, stating credits, checking invoices, evaluating and amending a contract all ask
here, in their own transaction, before they change a month; closing and reopening is
``services/periods.py``, and ``services/open_periods.py`` answers the entry points.
"""

from __future__ import annotations

from datetime import date

from servicepact.domain.errors import PeriodClosed
from servicepact.domain.periods import months_between
from servicepact.store.db.periods import CloseStatus, PeriodCloseRecord, PeriodCloseRepository
from servicepact.store.db.uow import UnitOfWork


def closed_message(record: PeriodCloseRecord, doing: str) -> str:
    return (
        f"{record.period} of contract {record.contract_id} is closed (version {record.version}, "
        f"by {record.closed_by} on {record.closed_at:%Y-%m-%d}); {doing} is refused. Reopen it "
        f"first: servicepact reopen --contract {record.contract_id} --period {record.period} "
        f'--reason "..."'
    )


def closed_months(uow: UnitOfWork, contract_id: str) -> list[str]:
    """The contract's months whose latest close version is still closed (``YYYY-MM``)."""
    latest = uow.repo(PeriodCloseRepository).latest_all(contract_id)
    return sorted(p for p, record in latest.items() if record.status is CloseStatus.CLOSED)


def ensure_open(
    uow: UnitOfWork, *, contract_id: str, period: str, doing: str = "changing it"
) -> None:
    """Raise ``PeriodClosed`` when the month is closed."""
    record = uow.repo(PeriodCloseRepository).latest(contract_id, period)
    if record is not None and record.status is CloseStatus.CLOSED:
        raise PeriodClosed(closed_message(record, doing), where=f"{contract_id}/{period}")


def ensure_open_between(
    uow: UnitOfWork, *, contract_id: str, first: date, last: date, doing: str = "loading data"
) -> None:
    """Raise ``PeriodClosed`` when any month from ``first`` to ``last`` is closed.

    For loads (the months the batch's events fall in) and contract amendments (the months from
    the amendment's effect onward).
    """
    labels = [p.label for p in months_between(first, last)]
    if not labels:
        return
    latest = uow.repo(PeriodCloseRepository).latest_of(contract_id, labels)
    for label in labels:
        found = latest.get(label)
        if found is not None and found.status is CloseStatus.CLOSED:
            raise PeriodClosed(closed_message(found, doing), where=f"{contract_id}/{label}")
