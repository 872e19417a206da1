"""Builders the vendor tests share."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from servicepact.domain.results import ResultStatus, ServiceLevelResult


def sl01_result(contract_id: str, period: str, status: ResultStatus) -> ServiceLevelResult:
    """SL-01 (answered within 20 s, expected 0.80, minimum 0.75) of a month: 90 of 100 in
    time, or 70 of 100 when breached."""
    return ServiceLevelResult(
        contract_id=contract_id,
        contract_version=1,
        service_level_id="SL-01",
        kpi="answered_within",
        period=period,
        period_start=f"{period}-01",
        period_end=f"{period}-28",
        value=Fraction(70, 100) if status is ResultStatus.BREACHED else Fraction(9, 10),
        numerator=70 if status is ResultStatus.BREACHED else 90,
        denominator=100,
        sample_size=100,
        expected=Decimal("0.80"),
        minimum=Decimal("0.75"),
        status=status,
    )
