"""Evaluate a vendor-selection project: weights, knock-outs, scores, ranking, sensitivity.

Every score is normalised to 0-100 (``(s − scale min) ÷ (scale max − scale min) × 100``)
so criteria on the same scale compare and a total reads as "percent of a perfect
candidate". Steps, in order:

1. weights: each group's children get local weights (direct, normalised; or the
   AHP eigenvector of the group's pairwise matrix); a leaf's global weight is the
   product of local weights from the top down. Requirements carry no weight.
2. knock-outs: a failed requirement, then a scored leaf whose aggregated (mean)
   score is below its ``knockout_minimum``; the candidate is out with the reason.
3. price: ``best offer ÷ this offer × 100`` where the best offer is the lowest
   among the candidates still in (a knocked-out offer is not a real alternative).
4. aggregation: the mean of the evaluators' scores per criterion; the spread
   (max − min, and the population standard deviation) is shown beside it, and
   each evaluator's own total, so disagreement is visible.
5. sensitivity: for each criterion, the weight at which another candidate would
   win, the other weights scaled in proportion so they still sum to 1
   (the usual one-at-a-time analysis; the totals are linear in that weight).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.selection import (
    ROOT,
    Candidate,
    Criterion,
    CriterionKind,
    SelectionProject,
    WeightMethod,
)
from servicepact.engine.ahp import AhpResult, ahp_weights

FULL = 100.0  # normalised score of a perfect answer on every criterion


@dataclass(frozen=True)
class CriterionScore:
    criterion_id: str
    score: float  # normalised 0-100, aggregated (mean of evaluators, or computed price)
    raw_mean: float | None  # on the project's scale; None for price
    by_evaluator: dict[str, float]  # raw scores on the project's scale
    spread: float  # max − min of the evaluators' raw scores (0 for price)
    stdev: float  # population standard deviation of the raw scores


@dataclass(frozen=True)
class KnockOut:
    criterion_id: str
    reason: str


@dataclass(frozen=True)
class CandidateResult:
    candidate_id: str
    name: str
    offer: Decimal | None
    knockouts: tuple[KnockOut, ...]
    scores: dict[str, CriterionScore]
    total: float | None  # weighted 0-100; None when knocked out
    evaluator_totals: dict[str, float]  # each evaluator's own total (price is shared)
    rank: int | None = None

    @property
    def eligible(self) -> bool:
        return not self.knockouts

    @property
    def total_spread(self) -> float:
        values = list(self.evaluator_totals.values())
        return max(values) - min(values) if values else 0.0


@dataclass(frozen=True)
class Sensitivity:
    criterion_id: str
    weight: float  # current global weight
    threshold: float | None  # the weight at which the winner changes; None: no weight does
    new_winner: str | None

    @property
    def change(self) -> float | None:
        """Absolute change in weight (points of the 0-1 scale) needed to change the winner."""
        return None if self.threshold is None else self.threshold - self.weight

    @property
    def relative_change(self) -> float | None:
        """The change as a share of the current weight (None when the weight is 0)."""
        if self.change is None or self.weight == 0:
            return None
        return self.change / self.weight


@dataclass(frozen=True)
class SelectionResult:
    project_id: str
    name: str
    local_weights: dict[str, float]
    weights: dict[str, float]  # global weights of every weighted node (leaves sum to 1)
    ahp: dict[str, AhpResult]
    candidates: tuple[CandidateResult, ...]  # ranked: eligible by total, then knocked out
    sensitivity: tuple[Sensitivity, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def winner(self) -> CandidateResult | None:
        first = self.candidates[0] if self.candidates else None
        return first if first is not None and first.eligible else None


def _weighted(node: Criterion) -> bool:
    if node.kind is CriterionKind.REQUIREMENT:
        return False
    return node.is_leaf or any(_weighted(c) for c in node.children)


@dataclass(frozen=True)
class _Weights:
    """Each criterion's weight within its group (``local``) and in the whole tree
    (``overall``), the AHP result of each group weighed pairwise, and its warnings."""

    local: dict[str, float]
    overall: dict[str, float]
    ahp: dict[str, AhpResult]
    warnings: list[str]


def _group_weights(project: SelectionProject) -> _Weights:
    local: dict[str, float] = {}
    ahp: dict[str, AhpResult] = {}
    warnings: list[str] = []
    problems: list[Problem] = []

    def assign(group_id: str, children: tuple[Criterion, ...]) -> None:
        members = [c for c in children if _weighted(c)]
        if not members:
            return
        if project.weights.method is WeightMethod.AHP and len(members) > 1:
            where = f"weights.pairwise.{group_id}"
            matrix = project.weights.pairwise[group_id]
            if len(matrix) != len(members):
                names = ", ".join(c.id for c in members)
                problems.append(
                    Problem(
                        where, f"has {len(matrix)} rows; the group weighs {len(members)} ({names})"
                    )
                )
                return
            result = ahp_weights(matrix, where=where)
            ahp[group_id] = result
            if result.warning:
                warnings.append(f"{group_id}: {result.warning}")
            for child, weight in zip(members, result.weights, strict=True):
                local[child.id] = weight
        elif project.weights.method is WeightMethod.AHP:
            local[members[0].id] = 1.0
        else:
            total = sum((c.weight or Decimal(0) for c in members), Decimal(0))
            if total == 0:
                problems.append(
                    Problem(f"criteria.{group_id}", "the weights of its criteria add up to 0")
                )
                return
            for child in members:
                local[child.id] = float((child.weight or Decimal(0)) / total)
        for child in members:
            assign(child.id, child.children)

    assign(ROOT, project.criteria)
    if problems:
        raise InvalidInput(problems=problems)
    global_weights: dict[str, float] = {}

    def descend(children: tuple[Criterion, ...], parent_weight: float) -> None:
        for child in children:
            if child.id in local:
                global_weights[child.id] = parent_weight * local[child.id]
                descend(child.children, global_weights[child.id])

    descend(project.criteria, 1.0)
    return _Weights(local=local, overall=global_weights, ahp=ahp, warnings=warnings)


def _normalise(project: SelectionProject, raw: float) -> float:
    low, high = float(project.scale.minimum), float(project.scale.maximum)
    return (raw - low) / (high - low) * FULL


def evaluate_selection(project: SelectionProject) -> SelectionResult:
    grouped = _group_weights(project)
    weights = grouped.overall
    warnings = list(grouped.warnings)
    nodes = project.all_criteria()
    leaves = [n for n in nodes if n.is_leaf and n.id in weights]
    scored_leaves = [n for n in leaves if n.kind is CriterionKind.SCORED]
    price_leaves = [n for n in leaves if n.kind is CriterionKind.PRICE]
    requirements = [n for n in nodes if n.kind is CriterionKind.REQUIREMENT]

    scores = _evaluator_scores(project, scored_leaves)
    knockouts = _knockouts(project, requirements, scored_leaves, scores)
    eligible_ids = [c.id for c in project.candidates if not knockouts[c.id]]
    _score_prices(project, price_leaves, eligible_ids, scores)
    results = [
        _candidate_result(project, candidate, knockouts, scores, weights, leaves)
        for candidate in project.candidates
    ]
    ranked = sorted(
        results,
        key=lambda r: (r.total is None, -(r.total or 0.0), r.candidate_id),
    )
    final: list[CandidateResult] = []
    for position, result in enumerate(ranked, start=1):
        final.append(_with_rank(result, position if result.eligible else None))
    if not eligible_ids:
        warnings.append("every candidate is knocked out: there is no winner")

    sensitivity = _sensitivity(project, weights, leaves, final)
    return SelectionResult(
        project_id=project.id,
        name=project.name,
        local_weights=grouped.local,
        weights=weights,
        ahp=grouped.ahp,
        candidates=tuple(final),
        sensitivity=sensitivity,
        warnings=tuple(warnings),
    )


Scores = dict[str, dict[str, CriterionScore]]  # candidate → leaf criterion → score


def _evaluator_scores(project: SelectionProject, scored_leaves: list[Criterion]) -> Scores:
    """Step 1: the evaluators' scores aggregated per candidate and scored leaf."""
    scores: Scores = {}
    for candidate in project.candidates:
        scores[candidate.id] = {}
        for leaf in scored_leaves:
            given = {
                evaluator: float(project.scores[evaluator][candidate.id][leaf.id])
                for evaluator in project.evaluators
                if leaf.id in project.scores.get(evaluator, {}).get(candidate.id, {})
            }
            values = list(given.values())
            mean = statistics.fmean(values)
            scores[candidate.id][leaf.id] = CriterionScore(
                criterion_id=leaf.id,
                score=_normalise(project, mean),
                raw_mean=mean,
                by_evaluator=given,
                spread=max(values) - min(values),
                stdev=statistics.pstdev(values),
            )
    return scores


def _knockouts(
    project: SelectionProject,
    requirements: list[Criterion],
    scored_leaves: list[Criterion],
    scores: Scores,
) -> dict[str, list[KnockOut]]:
    """Step 2: knock-outs per candidate, requirements first, then minimum scores."""
    knockouts: dict[str, list[KnockOut]] = {c.id: [] for c in project.candidates}
    for candidate in project.candidates:
        for requirement in requirements:
            check = project.requirements[candidate.id][requirement.id]
            if not check.met:
                why = check.reason or "not met"
                knockouts[candidate.id].append(
                    KnockOut(requirement.id, f"{requirement.name}: {why}")
                )
        for leaf in scored_leaves:
            if leaf.knockout_minimum is None:
                continue
            raw = scores[candidate.id][leaf.id].raw_mean
            assert raw is not None
            if raw < float(leaf.knockout_minimum):
                knockouts[candidate.id].append(
                    KnockOut(
                        leaf.id,
                        f"{leaf.name}: mean score {raw:g} is below the knock-out "
                        f"minimum {leaf.knockout_minimum}",
                    )
                )
    return knockouts


def _score_prices(
    project: SelectionProject,
    price_leaves: list[Criterion],
    eligible_ids: list[str],
    scores: Scores,
) -> None:
    """Step 3: each price criterion scored relative to the best offer among the candidates
    still in (added to ``scores``)."""
    offers = {c.id: c.offer for c in project.candidates if c.offer is not None}
    if not (price_leaves and eligible_ids):
        return
    best = min(offers[c] for c in eligible_ids)
    for candidate in project.candidates:
        offer = offers[candidate.id]
        for leaf in price_leaves:
            scores[candidate.id][leaf.id] = CriterionScore(
                criterion_id=leaf.id,
                score=float(best / offer) * FULL,
                raw_mean=None,
                by_evaluator={},
                spread=0.0,
                stdev=0.0,
            )


def _candidate_result(
    project: SelectionProject,
    candidate: Candidate,
    knockouts: dict[str, list[KnockOut]],
    scores: Scores,
    weights: dict[str, float],
    leaves: list[Criterion],
) -> CandidateResult:
    """Step 4: a candidate's total (None when knocked out), and each evaluator's own total."""
    eligible = not knockouts[candidate.id]
    total = (
        sum(weights[leaf.id] * scores[candidate.id][leaf.id].score for leaf in leaves)
        if eligible
        else None
    )
    evaluator_totals: dict[str, float] = {}
    if eligible:
        for evaluator in project.evaluators:
            mine = project.scores.get(evaluator, {}).get(candidate.id, {})
            covered = [
                leaf for leaf in leaves if leaf.kind is CriterionKind.PRICE or leaf.id in mine
            ]
            if not any(leaf.id in mine for leaf in covered):
                continue
            weight_covered = sum(weights[leaf.id] for leaf in covered)
            evaluator_totals[evaluator] = (
                sum(
                    weights[leaf.id]
                    * (
                        scores[candidate.id][leaf.id].score
                        if leaf.kind is CriterionKind.PRICE
                        else _normalise(project, float(mine[leaf.id]))
                    )
                    for leaf in covered
                )
                / weight_covered
            )
    return CandidateResult(
        candidate_id=candidate.id,
        name=candidate.name,
        offer=candidate.offer,
        knockouts=tuple(knockouts[candidate.id]),
        scores=scores[candidate.id],
        total=total,
        evaluator_totals=evaluator_totals,
    )


def _with_rank(result: CandidateResult, rank: int | None) -> CandidateResult:
    return CandidateResult(
        candidate_id=result.candidate_id,
        name=result.name,
        offer=result.offer,
        knockouts=result.knockouts,
        scores=result.scores,
        total=result.total,
        evaluator_totals=result.evaluator_totals,
        rank=rank,
    )


def _leaves_under(project: SelectionProject, node_id: str, leaves: list[Criterion]) -> list[str]:
    leaf_ids = {leaf.id for leaf in leaves}
    return [n.id for n in project.criterion(node_id).walk() if n.id in leaf_ids]


def _split(
    result: CandidateResult, weights: dict[str, float], under: list[str], w: float
) -> tuple[float, float]:
    """(s, r): the score on this criterion (its subtree's weighted mean) and on everything
    else, renormalised to a weight of 1, so that total = w·s + (1 − w)·r."""
    inside = sum(weights[leaf] * result.scores[leaf].score for leaf in under)
    assert result.total is not None
    return inside / w, (result.total - inside) / (1 - w)


def _sensitivity(
    project: SelectionProject,
    weights: dict[str, float],
    leaves: list[Criterion],
    ranked: list[CandidateResult],
) -> tuple[Sensitivity, ...]:
    contenders = [r for r in ranked if r.eligible]
    if len(contenders) < 2:
        return ()
    winner, others = contenders[0], contenders[1:]
    out: list[Sensitivity] = []
    for node in project.all_criteria():
        if node.id not in weights:
            continue
        w = weights[node.id]
        under = _leaves_under(project, node.id, leaves)
        if w <= 0 or w >= 1 or not under:
            out.append(Sensitivity(node.id, w, None, None))
            continue

        s_a, r_a = _split(winner, weights, under, w)
        best: tuple[float, str] | None = None
        for other in others:
            s_b, r_b = _split(other, weights, under, w)
            slope = (s_a - r_a) - (s_b - r_b)
            if slope == 0:
                continue
            crossing = (r_b - r_a) / slope
            if not 0.0 <= crossing <= 1.0:
                continue
            if best is None or abs(crossing - w) < abs(best[0] - w):
                best = (crossing, other.candidate_id)
        if best is None:
            out.append(Sensitivity(node.id, w, None, None))
        else:
            out.append(Sensitivity(node.id, w, best[0], best[1]))
    return tuple(out)


def render_markdown(result: SelectionResult) -> str:
    """The selection report: ranking, knock-outs, weights, spread and sensitivity."""
    lines = [f"# Vendor selection: {result.name}", ""]
    winner = result.winner
    lines.append(
        f"**Winner:** {winner.name} ({winner.total:.2f} / 100)"
        if winner and winner.total is not None
        else "**No winner.**"
    )
    lines += [
        "",
        "## Ranking",
        "",
        "| rank | candidate | total | evaluators' totals (spread) |",
        "|---|---|---|---|",
    ]
    for c in result.candidates:
        if c.eligible and c.total is not None:
            spread = ", ".join(f"{e} {t:.1f}" for e, t in c.evaluator_totals.items())
            lines.append(
                f"| {c.rank} | {c.name} | {c.total:.2f} | {spread} (±{c.total_spread / 2:.1f}) |"
            )
        else:
            reasons = "; ".join(k.reason for k in c.knockouts)
            lines.append(f"| — | {c.name} | out | {reasons} |")
    lines += ["", "## Weights", "", "| criterion | local | global |", "|---|---|---|"]
    for criterion_id, weight in result.weights.items():
        lines.append(
            f"| {criterion_id} | {result.local_weights[criterion_id]:.3f} | {weight:.3f} |"
        )
    for group, ahp in result.ahp.items():
        flag = "" if ahp.consistent else " — **inconsistent, revisit**"
        lines.append(
            f"\nAHP {group}: λmax {ahp.lambda_max:.3f}, CI {ahp.ci:.3f}, CR {ahp.cr:.3f}{flag}"
        )
    lines += [
        "",
        "## Sensitivity",
        "",
        "| criterion | weight | winner changes at | change | new winner |",
        "|---|---|---|---|---|",
    ]
    for s in result.sensitivity:
        if s.threshold is None:
            lines.append(f"| {s.criterion_id} | {s.weight:.3f} | never | — | — |")
        else:
            assert s.change is not None
            lines.append(
                f"| {s.criterion_id} | {s.weight:.3f} | {s.threshold:.3f} "
                f"| {s.change:+.3f} | {s.new_winner} |"
            )
    if result.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in result.warnings]
    return "\n".join(lines) + "\n"
