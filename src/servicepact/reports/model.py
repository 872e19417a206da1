"""The report packs as typed, serialisable data: what the builder gathers, what renderers show.

A pack holds values (exact amounts as ``Decimal``, measured values as floats for charts and
spreadsheets) next to the text a reader sees (``value_text``, ``amount_text``), so the HTML,
PDF and XLSX renderers show the same figures and none of them computes anything: every
number here was produced by a service (results, credits, invoice checks, scorecards, risks,
the business case). ``pack.model_dump_json()`` is the pack as JSON.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Rag(StrEnum):
    """Red / amber / green (and grey: nothing to judge), from a status's colour."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"


class PackKind(StrEnum):
    CONTRACT = "contract"
    PORTFOLIO = "portfolio"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Money(_Model):
    """An amount in its currency, rounded to the currency's minor unit, and as displayed."""

    amount: Decimal
    currency: str
    text: str
    minor_unit: int  # 0 for KRW: spreadsheets format the number without decimals


class BatchRef(_Model):
    """A committed event batch the pack's results rest on."""

    source: str
    seq: int
    content_sha256: str
    file_name: str | None
    rows_accepted: int
    loaded_at: datetime


class TrendPoint(_Model):
    period: str
    value: float | None  # None: no result for the month
    value_text: str
    status: str | None  # a ResultStatus value, or None
    rag: Rag


class ServiceLevelRow(_Model):
    service_level_id: str
    name: str
    kpi: str
    kpi_title: str
    formula: str = ""  # the KPI's exact formula in words (catalogue or declared)
    unit: str  # a KPI Unit value: ratio, seconds, hours, business_days, count, score
    direction: str  # higher / lower is better
    kind: str  # critical / key
    allocation_percent: Decimal | None
    value: float | None  # the measured value (a ratio as a fraction of 1)
    value_text: str  # ratios as % with two decimals
    numerator: str | None  # exact: an integer, or a fraction for means
    denominator: int | None
    sample_size: int
    expected: Decimal
    expected_text: str
    minimum: Decimal
    minimum_text: str
    status: str | None  # a ResultStatus value; None when the month has no result
    rag: Rag
    excluded: int
    completeness: float | None
    completeness_text: str
    running: bool
    notes: tuple[str, ...] = ()
    trend: tuple[TrendPoint, ...] = ()


class YearToDateRow(_Model):
    """One service level from January to the pack's month (docs/results.md, "Reporting over
    periods"): its months' record and the value over the whole period, for information."""

    service_level_id: str
    name: str
    unit: str
    value: float | None  # recomputed from the events of the whole period; None if not aggregated
    value_text: str
    numerator: str | None
    denominator: int | None
    sample_size: int
    not_aggregated: str | None  # why there is no value over the period (a snapshot KPI)
    running: bool
    met: int
    below_expected: int
    breached: int
    insufficient_data: int
    share_met: float | None  # months met ÷ months judged
    share_met_text: str
    months: tuple[TrendPoint, ...] = ()


class CreditLineRow(_Model):
    service_level_id: str
    name: str
    outcome: str  # a CreditOutcome value
    months: tuple[str, ...]
    clause: str
    arithmetic: str
    value: str | None
    allocation_percent: Decimal | None
    multiplier: Decimal
    amount: Money
    charged: Money


class EarnBackRow(_Model):
    service_level_id: str
    credit_month: str
    window: tuple[str, ...]
    outcome: str
    returned: Money
    arithmetic: str


class CreditsSection(_Model):
    currency: str
    monthly_fees: Money
    at_risk: Money
    at_risk_arithmetic: str
    lines: tuple[CreditLineRow, ...]
    earn_back: tuple[EarnBackRow, ...]
    total: Money
    earn_back_total: Money
    net: Money
    cap_applied: bool
    cap_arithmetic: str
    flags: tuple[str, ...]
    inputs_sha256: str


class DifferenceRow(_Model):
    reason: str  # a DifferenceReason value
    line_id: str
    message: str
    amount: Money
    row: int | None
    expected: str | None
    invoiced: str | None


class InvoiceCheckRow(_Model):
    check_id: int
    file: str
    verdict: str  # a Verdict value
    rag: Rag
    expected_total: Money
    invoiced_total: Money
    difference: Money
    differences: tuple[DifferenceRow, ...]
    checked_at: datetime


class RiskRow(_Model):
    id: str
    title: str
    category: str
    likelihood: int
    impact: int
    score: int
    level: str  # a RiskLevel value
    rag: Rag
    owner: str
    mitigation: str
    review_date: str | None
    status: str
    contracts: tuple[str, ...]


class ExclusionRow(_Model):
    id: str
    service_level_id: str | None
    source: str
    period: str | None  # a whole period excluded, or
    event_count: int  # this many events
    reason: str  # an ExclusionReason value
    note: str
    requested_at: datetime
    status: str


class FindingRow(_Model):
    key: str
    source: str
    check: str
    period: str | None
    detail: str
    status: str


class ContractHeader(_Model):
    contract_id: str
    name: str
    client: str
    vendor: str
    broker: str | None
    version: int
    currency: str
    term_start: str
    term_end: str


class ContractPack(_Model):
    """The monthly service review pack of one contract."""

    kind: PackKind = PackKind.CONTRACT
    period: str
    period_start: str
    period_end: str  # exclusive
    generated_at: datetime
    generated_by: str
    header: ContractHeader
    inputs_sha256: str  # the results' and credits' input hashes, hashed together
    audit_head_seq: int = 0  # the audit trail's last row before the month ended
    audit_head_sha256: str = "0" * 64
    batches: tuple[BatchRef, ...]
    trend_months: tuple[str, ...]
    service_levels: tuple[ServiceLevelRow, ...]
    year_to_date: tuple[YearToDateRow, ...] = ()
    year_to_date_period: str = ""  # e.g. 2026-01 – 2026-03
    credits: CreditsSection | None
    credits_note: str | None  # why there are no credits (no regime, outside the term)
    invoice_checks: tuple[InvoiceCheckRow, ...]
    risks: tuple[RiskRow, ...]
    exclusions: tuple[ExclusionRow, ...]
    findings: tuple[FindingRow, ...]


class StatusCounts(_Model):
    met: int = 0
    below_expected: int = 0
    breached: int = 0
    insufficient_data: int = 0
    not_evaluated: int = 0  # service levels with no result for the month


class PortfolioContractRow(_Model):
    contract_id: str
    name: str
    vendor: str
    broker: str | None
    version: int
    currency: str
    counts: StatusCounts
    rag: Rag  # the worst status of the month
    credits_month: Money | None  # the stored statement of the month, net of earn-back
    credits_to_date: Money  # stored statements from the term start to the month, net
    months_stated: int
    saving_planned_to_date: Money | None
    saving_realised_to_date: Money | None


class ComponentRow(_Model):
    component: str
    score: float | None
    detail: str


class VendorRow(_Model):
    vendor_id: str
    rank: int | None
    composite: float | None
    composite_text: str
    standing: str | None
    rag: Rag
    gap_reason: str | None
    components: tuple[ComponentRow, ...]
    gaps: tuple[str, ...]


class SavingsRow(_Model):
    contract_id: str
    currency: str
    planned_to_date: Money
    realised_to_date: Money | None
    months_with_actuals: int
    saving_total: Money  # the whole term, as planned
    roi_percent: Decimal | None
    payback_month: int | None


class CurrencyTotal(_Model):
    currency: str
    credits_to_date: Money
    saving_planned_to_date: Money | None
    saving_realised_to_date: Money | None


class PortfolioPack(_Model):
    """The executives' pack: every visible contract's month, vendors, top risks, savings."""

    kind: PackKind = PackKind.PORTFOLIO
    period: str
    generated_at: datetime
    generated_by: str
    inputs_sha256: str
    audit_head_seq: int = 0  # the audit trail's last row before the month ended
    audit_head_sha256: str = "0" * 64
    contracts: tuple[PortfolioContractRow, ...]
    totals: StatusCounts
    currency_totals: tuple[CurrencyTotal, ...]
    vendors: tuple[VendorRow, ...]
    top_risks: tuple[RiskRow, ...]
    savings: tuple[SavingsRow, ...]


Pack = ContractPack | PortfolioPack
