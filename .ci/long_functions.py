"""List functions longer than 80 lines and returns of tuples of more than two values.

Usage: python .ci/long_functions.py [--check] [paths...]   (default: src/servicepact)

A tuple return counts by the values of a returned tuple literal or of a `-> tuple[A, B, C]`
annotation. Migrations are left out: each is a straight list of schema steps, written once.

With --check (`make lint`), exit 1 when a function or tuple return is found that the
allow-list (.ci/long_functions_allowed.txt, one `path:function` a line) does not name, or
when an allowed entry no longer needs to be there, so the list can only shrink.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_LINES = 80
MAX_TUPLE = 2
ALLOWED = Path(__file__).with_name("long_functions_allowed.txt")


def findings(root: Path) -> list[tuple[str, str]]:
    """(`path:qualified function`, description) for each long function or wide tuple return."""
    found: list[tuple[str, str]] = []
    for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        rel = path.as_posix()
        _visit(tree, rel, "", found)
    return found


def _visit(node: ast.AST, rel: str, prefix: str, found: list[tuple[str, str]]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            _visit(child, rel, f"{prefix}{child.name}.", found)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{prefix}{child.name}"
            key = f"{rel}:{name}"
            length = (child.end_lineno or child.lineno) - child.lineno + 1
            if length > MAX_LINES:
                found.append((key, f"{length} lines"))
            widest = max(
                [len(r.value.elts) for r in _own_returns(child)] + [_annotated_width(child)]
            )
            if widest > MAX_TUPLE:
                found.append((key, f"returns a {widest}-tuple"))
            _visit(child, rel, f"{name}.", found)


def _annotated_width(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The number of values in a `-> tuple[A, B, C]` annotation (0 for anything else)."""
    returns = function.returns
    if (
        isinstance(returns, ast.Subscript)
        and isinstance(returns.value, ast.Name)
        and returns.value.id in ("tuple", "Tuple")
        and isinstance(returns.slice, ast.Tuple)
    ):
        elements = returns.slice.elts
        if any(isinstance(e, ast.Constant) and e.value is Ellipsis for e in elements):
            return 0
        return len(elements)
    return 0


def _own_returns(function: ast.AST) -> list[ast.Return]:
    """The returns of tuple literals in this function, not in functions nested in it."""
    returns: list[ast.Return] = []
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            returns.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return returns


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"] or ["src/servicepact"]
    found = [item for p in paths for item in findings(Path(p))]
    for key, what in sorted(found, key=lambda item: item[0]):
        print(f"{key}  {what}")
    if not check:
        return 0
    allowed = {
        line.split("#")[0].strip()
        for line in ALLOWED.read_text().splitlines()
        if line.split("#")[0].strip()
    }
    keys = {key for key, _ in found}
    new = sorted(keys - allowed)
    gone = sorted(allowed - keys)
    for key in new:
        print(f"NEW: {key} (split it into named steps, or return a named type)", file=sys.stderr)
    for key in gone:
        print(f"FIXED: {key} (remove it from {ALLOWED.name})", file=sys.stderr)
    return 1 if new or gone else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
