"""A small contract for the baseline tests: one credited share, one key time, a fixed fee."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from servicepact.contractfile import parse_contract_text
from servicepact.domain.contracts import Contract
from servicepact.domain.periods import parse_period
from servicepact.domain.results import ResultStatus, ServiceLevelResult

BASELINE_CONTRACT = """
servicepact: 1
contract:
  id: baseline-test
  name: Baseline test contract
  client: client
  vendor: vendor
  term: {start: 2026-01-01, end: 2027-12-31}
  currency: KRW
  calendars:
    always: {timezone: Asia/Seoul, hours: "24x7"}
  fees:
    - {id: base, kind: fixed, amount: 10000000, per: month}
  credits:
    at_risk_percent: 10
    escalation: {within_months: 3, multiplier: 2}
    earn_back: {after_months_met: 2}
  service_levels:
    - id: SL-A
      name: Calls answered within 20 seconds
      kpi: answered_within
      source: calls
      params: {seconds: 20}
      expected: 0.80
      minimum: 0.75
      allocation_percent: 50
    - id: SL-B
      name: Average speed of answer
      kpi: average_speed_of_answer
      source: calls
      expected: 15
      minimum: 20
      kind: key
"""


def baseline_contract(text: str = BASELINE_CONTRACT) -> Contract:
    return parse_contract_text(text).contract


def month_result(
    sl_id: str,
    label: str,
    value: Fraction | None,
    *,
    sample_size: int = 1000,
    running: bool = False,
    kpi: str = "answered_within",
) -> ServiceLevelResult:
    """A monthly result as the evaluation would give it; targets and status are placeholders
    (the baseline reads values, the replay restates targets and status)."""
    period = parse_period(label)
    return ServiceLevelResult(
        contract_id="baseline-test",
        contract_version=1,
        service_level_id=sl_id,
        kpi=kpi,
        period=label,
        period_start=period.start.isoformat(),
        period_end=period.end.isoformat(),
        value=value,
        numerator=None if value is None else value * sample_size,
        denominator=sample_size,
        sample_size=sample_size,
        expected=Decimal(0),
        minimum=Decimal(0),
        status=ResultStatus.INSUFFICIENT_DATA,
        running=running,
    )
