"""Whether a contract's months are closed (PRODUCT.md §2.3), for the entry points.

The services that change a month ask ``services/_open_periods.py`` inside their own unit of
work; closing and reopening is ``services/periods.py``.
"""

from __future__ import annotations

from servicepact.services import _open_periods
from servicepact.services.ports import Ports
from servicepact.store.db.periods import CloseStatus, PeriodCloseRepository


def closed_months(app: Ports, *, contract_id: str) -> list[str]:
    """The contract's months whose latest close version is still closed (``YYYY-MM``)."""
    with app.uow(read_only=True) as uow:
        return _open_periods.closed_months(uow, contract_id)


def is_closed(app: Ports, *, contract_id: str, period: str) -> bool:
    with app.uow(read_only=True) as uow:
        record = uow.repo(PeriodCloseRepository).latest(contract_id, period)
    return record is not None and record.status is CloseStatus.CLOSED
