"""Vendor scorecards: components, gaps with reasons, composite, standing, trend, ranking.

Each component scores 0-100 (exact fractions; rounded only for display):

- service levels: Σ allocation × points(status) ÷ Σ allocation over the results with
  data (met 100, below expected 50, breached 0 by default); a key measurement weighs
  ``key_measurement_weight``; ``insufficient_data`` results are gaps, not points.
- credits: 100 × (1 − credits incurred ÷ amount at risk), floored at 0.
- invoice accuracy: 100 × lines without difference ÷ lines checked.
- control findings: 100 − ``points_per_finding`` × open findings, floored at 0.
- open risks: 100 × (1 − the highest open risk's likelihood × impact ÷ 25); 25 is the
  top of the 5 × 5 scale, so the most serious open risk drives the component.
- survey: the quarter's relationship survey score (0-100), applied to its months.

The composite is the weighted mean over the components that have data. Without any
service-level data the period has no composite at all: it is a gap with the reason,
never a 0 or a 100 (PRODUCT.md §2.5; KPIS.md rule 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from servicepact.domain.results import ResultStatus, ServiceLevelResult
from servicepact.domain.scorecards import Band, Component, ScorecardWeights, StandingAction

HUNDRED = Fraction(100)
RISK_SCALE_MAX = 25  # likelihood 5 × impact 5, the top of the register's scale


@dataclass(frozen=True)
class SlInput:
    """One service-level result as the scorecard reads it."""

    contract_id: str
    service_level_id: str
    period: str
    status: ResultStatus
    allocation_percent: Decimal | None  # None for a key measurement
    note: str = ""  # why data is insufficient, when it is


@dataclass(frozen=True)
class CreditsInput:
    incurred: Decimal  # net credits of the period (after earn-back)
    at_risk: Decimal  # the amount at risk in the period


@dataclass(frozen=True)
class InvoiceInput:
    lines_checked: int
    lines_with_difference: int


@dataclass(frozen=True)
class SurveyInput:
    quarter: str  # e.g. 2026-Q1: the survey is entered per quarter
    score: Decimal  # 0-100
    respondents: int = 0


@dataclass(frozen=True)
class ScorecardInputs:
    service_levels: Sequence[SlInput] = ()
    credits: CreditsInput | None = None
    invoice: InvoiceInput | None = None
    control_findings_open: int | None = None  # None: no controls ran in the period
    open_risk_scores: Sequence[int] | None = None  # likelihood × impact of each open risk
    survey: SurveyInput | None = None
    frozen: bool = False  # read back as frozen when the month was closed


@dataclass(frozen=True)
class Gap:
    component: Component
    reason: str


@dataclass(frozen=True)
class ComponentScore:
    component: Component
    weight: Decimal
    score: Fraction | None  # None: a gap
    detail: str


@dataclass(frozen=True)
class Scorecard:
    vendor_id: str
    period: str
    components: tuple[ComponentScore, ...]
    gaps: tuple[Gap, ...]
    composite: Fraction | None
    standing: Band | None
    frozen: bool = False  # the month is closed: its inputs were frozen with the close

    @property
    def actions(self) -> tuple[StandingAction, ...]:
        return self.standing.actions if self.standing else ()

    @property
    def gap_reason(self) -> str | None:
        """Why the period has no composite (the service-level summary), else None."""
        if self.composite is not None:
            return None
        reasons = [g.reason for g in self.gaps if g.component is Component.SERVICE_LEVELS]
        return reasons[-1] if reasons else "no data"

    def component(self, component: Component) -> ComponentScore:
        for item in self.components:
            if item.component is component:
                return item
        raise KeyError(component)


def sl_inputs_from_results(
    results: Sequence[ServiceLevelResult],
    allocations: Mapping[tuple[str, str], Decimal | None],
) -> list[SlInput]:
    """Pair each result with its service level's allocation (``(contract, SL) → percent``)."""
    out: list[SlInput] = []
    for result in results:
        note = ""
        if result.status is ResultStatus.INSUFFICIENT_DATA:
            note = "; ".join(result.notes) or f"sample of {result.sample_size} is too small"
        out.append(
            SlInput(
                contract_id=result.contract_id,
                service_level_id=result.service_level_id,
                period=result.period,
                status=result.status,
                allocation_percent=allocations.get((result.contract_id, result.service_level_id)),
                note=note,
            )
        )
    return out


def _service_levels(
    items: Sequence[SlInput], weights: ScorecardWeights, gaps: list[Gap]
) -> tuple[Fraction | None, str]:
    total_weight = Fraction(0)
    total_points = Fraction(0)
    counted = 0
    for item in items:
        if item.status is ResultStatus.INSUFFICIENT_DATA:
            gaps.append(
                Gap(
                    Component.SERVICE_LEVELS,
                    f"{item.contract_id}/{item.service_level_id} {item.period}: insufficient data"
                    + (f" ({item.note})" if item.note else ""),
                )
            )
            continue
        weight = Fraction(
            item.allocation_percent
            if item.allocation_percent is not None
            else weights.key_measurement_weight
        )
        total_weight += weight
        total_points += weight * Fraction(weights.points[item.status])
        counted += 1
    if counted == 0 or total_weight == 0:
        reason = (
            "no service level had enough data"
            if items
            else "no service-level results for the period"
        )
        gaps.append(Gap(Component.SERVICE_LEVELS, reason))
        return None, reason
    return total_points / total_weight, f"{counted} results, allocation-weighted"


def _composite(components: list[ComponentScore]) -> Fraction | None:
    """The weighted mean of the components with a score and a weight (None when none has)."""
    present = [c for c in components if c.score is not None and c.weight > 0]
    weight_sum = sum((Fraction(c.weight) for c in present), Fraction(0))
    if weight_sum <= 0:
        return None
    return (
        sum(
            (Fraction(c.weight) * c.score for c in present if c.score is not None),
            Fraction(0),
        )
        / weight_sum
    )


def vendor_scorecard(
    vendor_id: str, period: str, inputs: ScorecardInputs, weights: ScorecardWeights
) -> Scorecard:
    gaps: list[Gap] = []
    components: list[ComponentScore] = []

    def add(component: Component, score: Fraction | None, detail: str) -> None:
        if score is None and not any(g.component is component for g in gaps):
            gaps.append(Gap(component, detail))
        components.append(ComponentScore(component, weights.weight(component), score, detail))

    sl_score, sl_detail = _service_levels(inputs.service_levels, weights, gaps)
    add(Component.SERVICE_LEVELS, sl_score, sl_detail)

    if inputs.credits is None:
        add(Component.CREDITS, None, "no credit computation for the period")
    elif inputs.credits.at_risk <= 0:
        add(Component.CREDITS, None, "nothing was at risk in the period (no fees)")
    else:
        share = Fraction(inputs.credits.incurred) / Fraction(inputs.credits.at_risk)
        add(
            Component.CREDITS,
            max(Fraction(0), HUNDRED * (1 - share)),
            f"credits {inputs.credits.incurred} of {inputs.credits.at_risk} at risk",
        )

    if inputs.invoice is None or inputs.invoice.lines_checked == 0:
        add(Component.INVOICE_ACCURACY, None, "no invoice checked for the period")
    else:
        good = inputs.invoice.lines_checked - inputs.invoice.lines_with_difference
        add(
            Component.INVOICE_ACCURACY,
            HUNDRED * Fraction(good, inputs.invoice.lines_checked),
            f"{good} of {inputs.invoice.lines_checked} invoice lines without difference",
        )

    if inputs.control_findings_open is None:
        add(Component.CONTROL_FINDINGS, None, "no data controls ran in the period")
    else:
        open_findings = inputs.control_findings_open
        add(
            Component.CONTROL_FINDINGS,
            max(Fraction(0), HUNDRED - Fraction(weights.points_per_finding) * open_findings),
            f"{open_findings} open control finding{'s' if open_findings != 1 else ''}",
        )

    if inputs.open_risk_scores is None:
        add(Component.OPEN_RISKS, None, "no risk register kept for the vendor")
    else:
        worst = max(inputs.open_risk_scores, default=0)
        add(
            Component.OPEN_RISKS,
            HUNDRED * (1 - Fraction(worst, RISK_SCALE_MAX)),
            f"{len(inputs.open_risk_scores)} open risks, highest {worst} of {RISK_SCALE_MAX}",
        )

    if inputs.survey is None:
        add(Component.SURVEY, None, "no relationship survey for the quarter")
    else:
        add(
            Component.SURVEY,
            Fraction(inputs.survey.score),
            f"survey {inputs.survey.quarter}: {inputs.survey.score}"
            + (f" ({inputs.survey.respondents} respondents)" if inputs.survey.respondents else ""),
        )

    # without service levels there is no composite: the other components alone say too little
    composite = _composite(components) if sl_score is not None else None
    standing: Band | None = None
    if composite is not None:
        standing = weights.band_for(Decimal(composite.numerator) / Decimal(composite.denominator))
    return Scorecard(
        vendor_id=vendor_id,
        period=period,
        components=tuple(components),
        gaps=tuple(gaps),
        composite=composite,
        standing=standing,
        frozen=inputs.frozen,
    )


@dataclass(frozen=True)
class RankedVendor:
    vendor_id: str
    rank: int | None  # None: no composite for the period (a gap)
    composite: Fraction | None
    standing: str | None
    gap_reason: str | None = None


def rank_vendors(scorecards: Sequence[Scorecard]) -> list[RankedVendor]:
    """Highest composite first; equal composites share a rank; gaps last, unranked."""
    scored = sorted(
        (s for s in scorecards if s.composite is not None),
        key=lambda s: (-(s.composite or Fraction(0)), s.vendor_id),
    )
    ranking: list[RankedVendor] = []
    previous: Fraction | None = None
    rank = 0
    for position, card in enumerate(scored, start=1):
        if card.composite != previous:
            rank = position
            previous = card.composite
        ranking.append(
            RankedVendor(
                card.vendor_id, rank, card.composite, card.standing.name if card.standing else None
            )
        )
    for card in sorted((s for s in scorecards if s.composite is None), key=lambda s: s.vendor_id):
        ranking.append(RankedVendor(card.vendor_id, None, None, None, card.gap_reason))
    return ranking


@dataclass(frozen=True)
class ComparisonRow:
    component: str
    left: Fraction | None
    right: Fraction | None

    @property
    def difference(self) -> Fraction | None:
        if self.left is None or self.right is None:
            return None
        return self.left - self.right


def compare_scorecards(left: Scorecard, right: Scorecard) -> list[ComparisonRow]:
    """Two vendors side by side on the same KPIs: each component, then the composite."""
    rows = [
        ComparisonRow(
            component.value, left.component(component).score, right.component(component).score
        )
        for component in Component
    ]
    rows.append(ComparisonRow("composite", left.composite, right.composite))
    return rows


@dataclass(frozen=True)
class KpiComparison:
    """One KPI both vendors are measured on: each side's results for the period."""

    kpi: str
    left: tuple[tuple[str, Fraction | None, ResultStatus], ...]  # (contract/SL, value, status)
    right: tuple[tuple[str, Fraction | None, ResultStatus], ...]


def compare_kpis(
    left: Sequence[ServiceLevelResult], right: Sequence[ServiceLevelResult]
) -> list[KpiComparison]:
    """The KPIs measured for both vendors, side by side (values are exact; None: no data)."""

    def by_kpi(
        results: Sequence[ServiceLevelResult],
    ) -> dict[str, list[tuple[str, Fraction | None, ResultStatus]]]:
        grouped: dict[str, list[tuple[str, Fraction | None, ResultStatus]]] = {}
        for r in sorted(results, key=lambda r: (r.contract_id, r.service_level_id)):
            grouped.setdefault(r.kpi, []).append(
                (f"{r.contract_id}/{r.service_level_id}", r.value, r.status)
            )
        return grouped

    a, b = by_kpi(left), by_kpi(right)
    return [KpiComparison(kpi, tuple(a[kpi]), tuple(b[kpi])) for kpi in sorted(set(a) & set(b))]


@dataclass(frozen=True)
class StandingChange:
    vendor_id: str
    period: str
    previous: str | None
    current: str
    actions: tuple[StandingAction, ...]


def standing_change(previous: Scorecard | None, current: Scorecard) -> StandingChange | None:
    """A change of band between two periods (a gap in between keeps the last known standing)."""
    if current.standing is None:
        return None
    before = previous.standing.name if previous is not None and previous.standing else None
    if before == current.standing.name:
        return None
    return StandingChange(
        current.vendor_id, current.period, before, current.standing.name, current.standing.actions
    )


@dataclass(frozen=True)
class Trend:
    vendor_id: str
    points: tuple[Scorecard, ...]  # oldest first, one per period, gaps included
    gaps: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (period, reason)

    @property
    def scored(self) -> tuple[Scorecard, ...]:
        return tuple(p for p in self.points if p.composite is not None)


def scorecard_trend(
    vendor_id: str,
    periods: Sequence[str],
    inputs: Mapping[str, ScorecardInputs],
    weights: ScorecardWeights,
) -> Trend:
    """One scorecard per period (e.g. the last 12 months); missing periods are gaps."""
    points = [
        vendor_scorecard(vendor_id, period, inputs.get(period, ScorecardInputs()), weights)
        for period in periods
    ]
    gaps = tuple((p.period, p.gap_reason or "") for p in points if p.composite is None)
    return Trend(vendor_id, tuple(points), gaps)


# --- frozen inputs ------------------------------------------------------------------------------


def inputs_to_json(inputs: ScorecardInputs) -> dict[str, Any]:
    """The inputs as plain JSON (decimals as exact text), to be frozen with a closed month."""

    def text(value: Decimal | None) -> str | None:
        return None if value is None else format(value, "f")

    return {
        "service_levels": [
            {
                "contract_id": s.contract_id,
                "service_level_id": s.service_level_id,
                "period": s.period,
                "status": s.status.value,
                "allocation_percent": text(s.allocation_percent),
                "note": s.note,
            }
            for s in inputs.service_levels
        ],
        "credits": None
        if inputs.credits is None
        else {"incurred": text(inputs.credits.incurred), "at_risk": text(inputs.credits.at_risk)},
        "invoice": None
        if inputs.invoice is None
        else {
            "lines_checked": inputs.invoice.lines_checked,
            "lines_with_difference": inputs.invoice.lines_with_difference,
        },
        "control_findings_open": inputs.control_findings_open,
        "open_risk_scores": None
        if inputs.open_risk_scores is None
        else list(inputs.open_risk_scores),
        "survey": None
        if inputs.survey is None
        else {
            "quarter": inputs.survey.quarter,
            "score": text(inputs.survey.score),
            "respondents": inputs.survey.respondents,
        },
    }


def inputs_from_json(data: Mapping[str, Any]) -> ScorecardInputs:
    """The inputs ``inputs_to_json`` wrote, exactly, marked as frozen."""
    credits = data.get("credits")
    invoice = data.get("invoice")
    survey = data.get("survey")
    risks = data.get("open_risk_scores")
    return ScorecardInputs(
        service_levels=tuple(
            SlInput(
                contract_id=s["contract_id"],
                service_level_id=s["service_level_id"],
                period=s["period"],
                status=ResultStatus(s["status"]),
                allocation_percent=None
                if s["allocation_percent"] is None
                else Decimal(s["allocation_percent"]),
                note=s.get("note", ""),
            )
            for s in data.get("service_levels", ())
        ),
        credits=None
        if credits is None
        else CreditsInput(Decimal(credits["incurred"]), Decimal(credits["at_risk"])),
        invoice=None
        if invoice is None
        else InvoiceInput(invoice["lines_checked"], invoice["lines_with_difference"]),
        control_findings_open=data.get("control_findings_open"),
        open_risk_scores=None if risks is None else tuple(int(r) for r in risks),
        survey=None
        if survey is None
        else SurveyInput(survey["quarter"], Decimal(survey["score"]), survey["respondents"]),
        frozen=True,
    )
