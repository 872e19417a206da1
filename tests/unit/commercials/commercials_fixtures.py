"""Builders for commercial tests: a contract with chosen credit terms, and monthly results."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction
from typing import Any

from servicepact.domain.contracts import Contract
from servicepact.domain.periods import parse_period
from servicepact.domain.results import ResultStatus, ServiceLevelResult
from servicepact.engine.credits import compute_credits

CONTRACT_ID = "acme-cs-2026"


def _level(sl_id: str, allocation: int | None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": sl_id,
        "name": f"Calls answered within 20 s ({sl_id})",
        "kpi": "answered_within",
        "source": "calls",
        "params": {"seconds": 20},
        "expected": "0.80",
        "minimum": "0.75",
    }
    if allocation is None:
        doc["kind"] = "key"
    else:
        doc["allocation_percent"] = allocation
    doc.update(extra)
    return doc


def make_contract(
    allocations: dict[str, int | None] | None = None,
    *,
    currency: str = "KRW",
    fees: list[dict[str, Any]] | None = None,
    levels: dict[str, dict[str, Any]] | None = None,
    **credits: Any,
) -> Contract:
    """The PRODUCT.md §4 contract: at risk 12 %, pool 150 %, SL-01 40 % and SL-02 30 %."""
    allocations = allocations if allocations is not None else {"SL-01": 40, "SL-02": 30}
    regime: dict[str, Any] = {"at_risk_percent": 12, "pool_percent": 150}
    regime.update(credits)
    doc: dict[str, Any] = {
        "id": CONTRACT_ID,
        "name": "Customer contact centre",
        "client": "acme",
        "vendor": "helpco",
        "term": {"start": "2026-01-01", "end": "2028-12-31"},
        "currency": currency,
        "calendars": {"always": {"timezone": "Asia/Seoul", "hours": "24x7"}},
        "fees": fees
        if fees is not None
        else [{"id": "base", "kind": "fixed", "amount": 100000000}],
        "credits": regime,
        "service_levels": [
            _level(sl_id, allocation, **(levels or {}).get(sl_id, {}))
            for sl_id, allocation in allocations.items()
        ],
    }
    return Contract.model_validate(copy.deepcopy(doc))


_VALUES = {
    ResultStatus.MET: Fraction(85, 100),
    ResultStatus.BELOW_EXPECTED: Fraction(77, 100),
    ResultStatus.BREACHED: Fraction(70, 100),
    ResultStatus.INSUFFICIENT_DATA: None,
}


def result(
    sl_id: str,
    period: str,
    status: ResultStatus,
    *,
    expected: str = "0.80",
    minimum: str = "0.75",
    contract_id: str = CONTRACT_ID,
) -> ServiceLevelResult:
    p = parse_period(period)
    value = _VALUES[status]
    return ServiceLevelResult(
        contract_id=contract_id,
        contract_version=1,
        service_level_id=sl_id,
        kpi="answered_within",
        period=period,
        period_start=p.start.isoformat(),
        period_end=p.end.isoformat(),
        value=value,
        numerator=None if value is None else value.numerator,
        denominator=None if value is None else value.denominator,
        sample_size=0 if value is None else 100,
        expected=Decimal(expected),
        minimum=Decimal(minimum),
        status=status,
    )


MET = ResultStatus.MET
BELOW = ResultStatus.BELOW_EXPECTED
BREACHED = ResultStatus.BREACHED
NO_DATA = ResultStatus.INSUFFICIENT_DATA


def history(statuses: dict[str, dict[str, ResultStatus]]) -> list[ServiceLevelResult]:
    """``{"2026-01": {"SL-01": BREACHED, ...}, ...}`` → results."""
    return [
        result(sl_id, period, status)
        for period, by_level in statuses.items()
        for sl_id, status in by_level.items()
    ]


FEES = Decimal(100_000_000)  # the month's fees of the worked examples


def statement(
    contract: Contract,
    months: dict[str, dict[str, ResultStatus]],
    label: str,
    fees: Decimal = FEES,
    **kwargs: Any,
) -> Any:
    """The credit statement of month ``label`` over the results of ``months``."""
    return compute_credits(contract, history(months), parse_period(label), fees, **kwargs)
