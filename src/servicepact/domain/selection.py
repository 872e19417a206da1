"""A vendor-selection project (PRODUCT.md §2.5): what is outsourced, who bids, how they are judged.

The criteria form a tree (experience, capability, reputation and references,
security and compliance, price, financial stability and any the user adds).
Each group's children carry weights set directly or derived from pairwise
comparisons (AHP). A *requirement* (e.g. a valid ISO 27001 certificate) is a
knock-out: a candidate that fails it is out, with the reason. A scored
criterion may also carry a knock-out minimum on its aggregated score.
Several evaluators score independently on the project's scale; price is not
scored by people but computed from the offers, relative to the best one.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from servicepact.domain.contracts import Identifier


class CriterionKind(StrEnum):
    SCORED = "scored"  # evaluators give each candidate a score on the scale
    PRICE = "price"  # computed from the offers: best offer ÷ this offer × scale maximum
    REQUIREMENT = "requirement"  # pass / fail: failing knocks the candidate out; no weight


class WeightMethod(StrEnum):
    DIRECT = "direct"
    AHP = "ahp"


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: str = Field(min_length=1)
    kind: CriterionKind = CriterionKind.SCORED
    weight: Decimal | None = Field(
        default=None, ge=0, description="direct weight among its siblings (normalised)"
    )
    knockout_minimum: Decimal | None = Field(
        default=None, description="a candidate whose aggregated score is below this is out"
    )
    children: tuple[Criterion, ...] = ()
    description: str = ""

    @model_validator(mode="after")
    def _shape(self) -> Criterion:
        if self.children and self.kind is not CriterionKind.SCORED:
            raise ValueError(f"criterion {self.id}: a {self.kind.value} criterion has no children")
        if self.kind is CriterionKind.REQUIREMENT and self.weight is not None:
            raise ValueError(
                f"criterion {self.id}: a requirement is pass/fail and carries no weight"
            )
        if self.children and self.knockout_minimum is not None:
            raise ValueError(
                f"criterion {self.id}: put the knock-out minimum on a scored leaf, not a group"
            )
        return self

    def walk(self) -> list[Criterion]:
        nodes: list[Criterion] = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes

    @property
    def is_leaf(self) -> bool:
        return not self.children


class Candidate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: str = Field(min_length=1)
    offer: Decimal | None = Field(default=None, gt=0, description="total price offered")
    certifications: tuple[str, ...] = ()


class RequirementCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    met: bool
    reason: str = ""


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    minimum: Decimal = Decimal(0)
    maximum: Decimal = Decimal(10)

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.maximum <= self.minimum:
            raise ValueError("scale.maximum must be above scale.minimum")
        return self


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    method: WeightMethod = WeightMethod.DIRECT
    # group id ("root" for the top level) → square matrix in the order of that group's children
    pairwise: dict[str, list[list[Any]]] = Field(default_factory=dict)


ROOT = "root"


class SelectionProject(BaseModel):
    """A selection, as the YAML file ``examples/selection/*.yaml`` writes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: str = Field(min_length=1)
    processes: tuple[Identifier, ...] = Field(min_length=1)
    currency: str = "KRW"
    candidates: tuple[Candidate, ...] = Field(min_length=1)
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    weights: Weights = Field(default_factory=Weights)
    scale: Scale = Field(default_factory=Scale)
    evaluators: tuple[Identifier, ...] = Field(min_length=1)
    # evaluator → candidate → criterion → score
    scores: dict[str, dict[str, dict[str, Decimal]]] = Field(default_factory=dict)
    # candidate → requirement criterion → check
    requirements: dict[str, dict[str, RequirementCheck]] = Field(default_factory=dict)

    def all_criteria(self) -> list[Criterion]:
        nodes: list[Criterion] = []
        for criterion in self.criteria:
            nodes.extend(criterion.walk())
        return nodes

    def criterion(self, criterion_id: str) -> Criterion:
        for node in self.all_criteria():
            if node.id == criterion_id:
                return node
        raise KeyError(criterion_id)

    def group_children(self, group_id: str) -> tuple[Criterion, ...]:
        if group_id == ROOT:
            return self.criteria
        return self.criterion(group_id).children

    @model_validator(mode="after")
    def _references(self) -> SelectionProject:
        nodes = self.all_criteria()
        ids = [n.id for n in nodes]
        problems: list[str] = []
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"criteria: duplicate ids {', '.join(dupes)}")
        if ROOT in ids:
            problems.append(f"criteria: {ROOT!r} is reserved for the top level")
        candidate_ids = {c.id for c in self.candidates}
        if len(candidate_ids) != len(self.candidates):
            problems.append("candidates: duplicate ids")
        scored = {n.id for n in nodes if n.is_leaf and n.kind is CriterionKind.SCORED}
        requirement_ids = {n.id for n in nodes if n.kind is CriterionKind.REQUIREMENT}
        prices = [n for n in nodes if n.kind is CriterionKind.PRICE]
        if prices:
            missing = sorted(c.id for c in self.candidates if c.offer is None)
            if missing:
                problems.append(
                    f"candidates: {', '.join(missing)} have no offer, but criterion "
                    f"{prices[0].id} scores price"
                )
        problems += self._score_problems(scored, candidate_ids)
        problems += self._requirement_problems(requirement_ids, candidate_ids)
        problems += self._weight_problems(nodes)
        if problems:
            raise ValidationError.from_exception_data(
                type(self).__name__, [_rule_error(text) for text in problems]
            )
        return self

    def _score_problems(self, scored: set[str], candidate_ids: set[str]) -> list[str]:
        """Scores by unknown evaluators or for unknown candidates or criteria, off the scale,
        or missing for a candidate on a scored criterion."""
        problems: list[str] = []
        for evaluator, by_candidate in self.scores.items():
            if evaluator not in self.evaluators:
                problems.append(f"scores.{evaluator}: not one of the evaluators")
            for candidate, by_criterion in by_candidate.items():
                if candidate not in candidate_ids:
                    problems.append(f"scores.{evaluator}.{candidate}: unknown candidate")
                for criterion, value in by_criterion.items():
                    where = f"scores.{evaluator}.{candidate}.{criterion}"
                    if criterion not in scored:
                        problems.append(f"{where}: not a scored leaf criterion")
                    elif not self.scale.minimum <= value <= self.scale.maximum:
                        problems.append(
                            f"{where}: {value} is outside the scale "
                            f"{self.scale.minimum}..{self.scale.maximum}"
                        )
        for criterion_id in sorted(scored):
            for bidder in self.candidates:
                if not any(
                    criterion_id in self.scores.get(e, {}).get(bidder.id, {})
                    for e in self.evaluators
                ):
                    problems.append(f"scores: no evaluator scored {bidder.id} on {criterion_id}")
        return problems

    def _requirement_problems(
        self, requirement_ids: set[str], candidate_ids: set[str]
    ) -> list[str]:
        problems: list[str] = []
        for candidate, checks in self.requirements.items():
            if candidate not in candidate_ids:
                problems.append(f"requirements.{candidate}: unknown candidate")
            for criterion in checks:
                if criterion not in requirement_ids:
                    problems.append(f"requirements.{candidate}.{criterion}: not a requirement")
        for criterion_id in sorted(requirement_ids):
            for bidder in self.candidates:
                if criterion_id not in self.requirements.get(bidder.id, {}):
                    problems.append(
                        f"requirements.{bidder.id}.{criterion_id}: not checked (met: true/false)"
                    )
        return problems

    def _weight_problems(self, nodes: list[Criterion]) -> list[str]:
        """Weights missing for the method chosen, or pairwise matrices of unknown groups."""
        problems: list[str] = []
        groups = {ROOT} | {n.id for n in nodes if n.children}
        if self.weights.method is WeightMethod.AHP:
            for group in sorted(groups):
                weighted = [
                    c for c in self.group_children(group) if c.kind is not CriterionKind.REQUIREMENT
                ]
                if len(weighted) > 1 and group not in self.weights.pairwise:
                    problems.append(
                        f"weights.pairwise.{group}: missing (its children need weights)"
                    )
            for group in self.weights.pairwise:
                if group not in groups:
                    problems.append(f"weights.pairwise.{group}: not a criteria group")
        else:
            for node in nodes:
                if node.kind is not CriterionKind.REQUIREMENT and node.weight is None:
                    problems.append(f"criteria.{node.id}.weight: missing (method is direct)")
        return problems


Criterion.model_rebuild()


def _rule_error(text: str) -> InitErrorDetails:
    """``"where.it.is: message"`` as a validation error at that location."""
    where, _, message = text.partition(": ")
    loc = tuple(part for part in where.split("."))
    return InitErrorDetails(type=PydanticCustomError("rule", message), loc=loc, input=None)
