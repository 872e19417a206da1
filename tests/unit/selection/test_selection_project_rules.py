"""Each rule of a selection project refuses the file that breaks it, naming where and why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from servicepact.domain.selection import SelectionProject


def document() -> dict[str, Any]:
    return {
        "id": "cs-2027",
        "name": "Contact centre 2027",
        "processes": ["customer-support"],
        "candidates": [
            {"id": "alpha", "name": "Alpha", "offer": 100},
            {"id": "beta", "name": "Beta", "offer": 80},
        ],
        "criteria": [
            {"id": "experience", "name": "Experience", "weight": 60},
            {"id": "price", "name": "Price", "kind": "price", "weight": 20},
            {
                "id": "security",
                "name": "Security",
                "weight": 20,
                "children": [
                    {"id": "iso27001", "name": "ISO 27001", "kind": "requirement"},
                    {"id": "practice", "name": "Security practice", "weight": 1},
                ],
            },
        ],
        "evaluators": ["ann"],
        "scores": {
            "ann": {
                "alpha": {"experience": 9, "practice": 8},
                "beta": {"experience": 6, "practice": 7},
            }
        },
        "requirements": {
            "alpha": {"iso27001": {"met": True}},
            "beta": {"iso27001": {"met": False, "reason": "expired"}},
        },
    }


def ahp(data: dict[str, Any]) -> None:
    for node in data["criteria"]:
        node.pop("weight", None)
    data["criteria"][2]["children"][1].pop("weight")
    data["weights"] = {
        "method": "ahp",
        "pairwise": {
            "root": [[1, 3, 3], [1 / 3, 1, 1], [1 / 3, 1, 1]],
        },
    }


def change(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return apply


DELETE = object()


def both(*edits: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        for edit in edits:
            edit(data)

    return apply


CASES = [
    (  # a requirement or price criterion cannot be a group
        change("criteria.1.children", [{"id": "p2", "name": "P2", "weight": 1}]),
        ("criteria", 1),
        "criterion price: a price criterion has no children",
    ),
    (
        change("criteria.2.children.0.weight", 5),
        ("criteria", 2, "children", 0),
        "criterion iso27001: a requirement is pass/fail and carries no weight",
    ),
    (
        change("criteria.2.knockout_minimum", 5),
        ("criteria", 2),
        "criterion security: put the knock-out minimum on a scored leaf, not a group",
    ),
    (
        change("scale", {"minimum": 5, "maximum": 5}),
        ("scale",),
        "scale.maximum must be above scale.minimum",
    ),
    (
        change("criteria.0.id", "practice"),
        ("criteria",),
        "duplicate ids practice",
    ),
    (
        change("criteria.0.id", "root"),
        ("criteria",),
        "'root' is reserved for the top level",
    ),
    (
        change("candidates.1.id", "alpha"),
        ("candidates",),
        "duplicate ids",
    ),
    (
        change("candidates.1.offer", None),
        ("candidates",),
        "beta have no offer, but criterion price scores price",
    ),
    (
        change("scores.zoe", {}),
        ("scores", "zoe"),
        "not one of the evaluators",
    ),
    (
        change("scores.ann.delta", {}),
        ("scores", "ann", "delta"),
        "unknown candidate",
    ),
    (
        change("scores.ann.alpha.experience", 11),
        ("scores", "ann", "alpha", "experience"),
        "11 is outside the scale 0..10",
    ),
    (
        change("scores.ann.alpha.experience", -1),
        ("scores", "ann", "alpha", "experience"),
        "-1 is outside the scale 0..10",
    ),
    (
        change("requirements.delta", {}),
        ("requirements", "delta"),
        "unknown candidate",
    ),
    (
        change("requirements.alpha.practice", {"met": True}),
        ("requirements", "alpha", "practice"),
        "not a requirement",
    ),
    (
        change("requirements.beta", {}),
        ("requirements", "beta", "iso27001"),
        "not checked (met: true/false)",
    ),
    (
        change("criteria.0.weight", DELETE),
        ("criteria", "experience", "weight"),
        "missing (method is direct)",
    ),
    (
        both(ahp, change("weights.pairwise.root", DELETE)),
        ("weights", "pairwise", "root"),
        "missing (its children need weights)",
    ),
    (
        both(ahp, change("weights.pairwise.experience", [[1]])),
        ("weights", "pairwise", "experience"),
        "not a criteria group",
    ),
]


@pytest.mark.parametrize(("edit", "loc", "message"), CASES)
def test_a_broken_rule_is_named_by_its_place(
    edit: Callable[[dict[str, Any]], None], loc: tuple[Any, ...], message: str
) -> None:
    data = document()
    SelectionProject.model_validate(data)  # the untouched document is valid
    edit(data)
    with pytest.raises(ValidationError) as caught:
        SelectionProject.model_validate(data)
    found = [(tuple(e["loc"]), e["msg"]) for e in caught.value.errors()]
    assert any(where == loc and message in text for where, text in found), found


def test_ahp_weights_need_a_matrix_only_for_groups_with_several_weighted_children() -> None:
    # The security group has one weighted child (the requirement carries no weight),
    # so only the top level needs a pairwise matrix.
    data = document()
    ahp(data)
    project = SelectionProject.model_validate(data)
    assert set(project.weights.pairwise) == {"root"}
    assert project.group_children("security")[1].id == "practice"
    with pytest.raises(KeyError):
        project.criterion("nothing")
