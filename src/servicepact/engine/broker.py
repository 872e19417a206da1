"""Broker analysis: what the broker layer costs, and whether performance degrades across it.

Cost: the margin between what the client pays (the contract's recurring fees) and what the
vendor receives, where the broker terms say (a margin percent or the vendor's monthly fees).

Performance: for every KPI the brokered contract shares with comparable direct contracts (same
KPI, no broker), the share of measured months that met the expected level, brokered against
direct. The difference is called material at ``MATERIAL_POINTS`` percentage points — a
judgement this product makes visible rather than a contract term; docs/business-case.md says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from servicepact.domain.business_case import BrokerTerms
from servicepact.domain.contracts import Contract
from servicepact.domain.display import amount_text
from servicepact.domain.money import round_money
from servicepact.domain.results import ResultStatus, ServiceLevelResult

MATERIAL_POINTS = Decimal(5)  # percentage points of months met; see the module docstring
_HUNDRED = Decimal(100)
ALL_LEVELS = "(all service levels)"  # the row pooling every KPI of each side


class Comparison(StrEnum):
    WORSE = "worse"
    SIMILAR = "similar"
    BETTER = "better"
    NO_COMPARISON = "no_comparison"  # no direct contract measures this KPI


@dataclass(frozen=True)
class KpiComparison:
    kpi: str
    brokered_months: int
    brokered_met_percent: Decimal | None
    direct_contracts: tuple[str, ...]
    direct_months: int
    direct_met_percent: Decimal | None
    difference_points: Decimal | None  # brokered − direct; negative: the brokered one does worse
    comparison: Comparison


@dataclass(frozen=True)
class BrokerAnalysis:
    contract_id: str
    broker: str | None
    currency: str
    client_fees_monthly: Decimal
    vendor_fees_monthly: Decimal | None
    margin_monthly: Decimal | None
    margin_percent: Decimal | None
    broker_fee_monthly: Decimal
    comparisons: tuple[KpiComparison, ...]
    explanation: tuple[str, ...]


def _verdict(gap: Decimal) -> Comparison:
    """Brokered against direct: a gap of MATERIAL_POINTS or more either way is material."""
    if gap <= -MATERIAL_POINTS:
        return Comparison.WORSE
    if gap >= MATERIAL_POINTS:
        return Comparison.BETTER
    return Comparison.SIMILAR


def _met_share(results: Sequence[ServiceLevelResult]) -> tuple[int, Decimal | None]:
    measured = [r for r in results if r.status is not ResultStatus.INSUFFICIENT_DATA]
    if not measured:
        return 0, None
    met = sum(1 for r in measured if r.status is ResultStatus.MET)
    share = (Decimal(met) / len(measured) * _HUNDRED).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return len(measured), share


@dataclass(frozen=True)
class _Margin:
    """What the broker keeps of the client's monthly fees, when its terms say."""

    vendor_fees: Decimal | None
    amount: Decimal | None
    percent: Decimal | None


def _margin(
    client_fees_monthly: Decimal,
    terms: BrokerTerms | None,
    currency: str,
    explanation: list[str],
) -> _Margin:
    """The margin from the broker's terms (a percent, or the vendor's fees); its working is
    added to ``explanation``."""
    if terms is not None and terms.margin_percent is not None:
        percent = terms.margin_percent
        margin = round_money(client_fees_monthly * percent / _HUNDRED, currency)
        explanation.append(
            f"margin {percent.normalize():f} % × {amount_text(client_fees_monthly, currency)} = "
            f"{amount_text(margin, currency)} a month"
        )
        return _Margin(client_fees_monthly - margin, margin, percent)
    if terms is not None and terms.vendor_fees_monthly is not None:
        vendor_fees = terms.vendor_fees_monthly
        margin = client_fees_monthly - vendor_fees
        explanation.append(
            f"margin {amount_text(client_fees_monthly, currency)} − vendor "
            f"{amount_text(vendor_fees, currency)} = {amount_text(margin, currency)} a month"
        )
        return _Margin(
            vendor_fees,
            margin,
            (
                (margin / client_fees_monthly * _HUNDRED).quantize(Decimal("0.1"))
                if client_fees_monthly
                else None
            ),
        )
    explanation.append("the broker's margin is not known (no broker terms)")
    return _Margin(None, None, None)


def _comparisons(
    results: Sequence[ServiceLevelResult],
    direct: Mapping[str, Sequence[ServiceLevelResult]],
    explanation: list[str],
) -> list[KpiComparison]:
    """The brokered contract's share of months met against the direct contracts', per KPI
    and across every service level; each verdict's working is added to ``explanation``."""
    mine: dict[str, list[ServiceLevelResult]] = {}
    for r in results:
        if not r.running:
            mine.setdefault(r.kpi, []).append(r)
    comparisons: list[KpiComparison] = []
    for kpi, own in sorted(mine.items()):
        months, share = _met_share(own)
        peers = {
            cid: [r for r in rs if r.kpi == kpi and not r.running] for cid, rs in direct.items()
        }
        peers = {cid: rs for cid, rs in peers.items() if rs}
        pooled = [r for rs in peers.values() for r in rs]
        direct_months, direct_share = _met_share(pooled)
        if share is None or direct_share is None:
            comparisons.append(
                KpiComparison(
                    kpi,
                    months,
                    share,
                    tuple(sorted(peers)),
                    direct_months,
                    direct_share,
                    None,
                    Comparison.NO_COMPARISON,
                )
            )
            continue
        gap = share - direct_share
        verdict = _verdict(gap)
        comparisons.append(
            KpiComparison(
                kpi, months, share, tuple(sorted(peers)), direct_months, direct_share, gap, verdict
            )
        )
        explanation.append(
            f"{kpi}: met {share} % of {months} months brokered against {direct_share} % of "
            f"{direct_months} months direct ({gap:+} points: {verdict.value})"
        )
    # Across every service level as well: a broad signal when no direct contract measures the
    # same KPI (the per-KPI rows above are the like-for-like comparison).
    every_own = [r for rs in mine.values() for r in rs]
    every_direct = [r for rs in direct.values() for r in rs if not r.running]
    months, share = _met_share(every_own)
    direct_months, direct_share = _met_share(every_direct)
    if share is not None and direct_share is not None:
        gap = share - direct_share
        verdict = _verdict(gap)
        comparisons.append(
            KpiComparison(
                ALL_LEVELS,
                months,
                share,
                tuple(sorted(cid for cid, rs in direct.items() if rs)),
                direct_months,
                direct_share,
                gap,
                verdict,
            )
        )
        explanation.append(
            f"all service levels: met {share} % of {months} level-months brokered against "
            f"{direct_share} % of {direct_months} direct ({gap:+} points: {verdict.value})"
        )
    return comparisons


def broker_analysis(
    contract: Contract,
    results: Sequence[ServiceLevelResult],
    direct: Mapping[str, Sequence[ServiceLevelResult]],
    *,
    client_fees_monthly: Decimal,
    terms: BrokerTerms | None,
) -> BrokerAnalysis:
    """``direct`` maps each comparable direct contract's id to its monthly results."""
    currency = contract.currency
    explanation: list[str] = []
    margin = _margin(client_fees_monthly, terms, currency, explanation)
    broker_fee = terms.fee_monthly if terms is not None else Decimal(0)
    if broker_fee:
        explanation.append(f"plus a broker fee of {amount_text(broker_fee, currency)} a month")
    comparisons = _comparisons(results, direct, explanation)
    return BrokerAnalysis(
        contract_id=contract.id,
        broker=contract.broker,
        currency=currency,
        client_fees_monthly=client_fees_monthly,
        vendor_fees_monthly=margin.vendor_fees,
        margin_monthly=margin.amount,
        margin_percent=margin.percent,
        broker_fee_monthly=broker_fee,
        comparisons=tuple(comparisons),
        explanation=tuple(explanation),
    )
