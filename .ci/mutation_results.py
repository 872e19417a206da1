"""Mutation results kept in the repository, so that a mutation run can advance module by
module across machines (docs/testing.md, "Mutation testing").

    .venv/bin/python .ci/mutation_results.py restore   # mutation/results → mutants/ (before a run)
    .venv/bin/python .ci/mutation_results.py keep      # mutants/ → mutation/results (after it)
    .venv/bin/python .ci/mutation_results.py score     # the score per module, from what is kept
    .venv/bin/python .ci/mutation_results.py survivors [MODULE ...]  # the names of the mutants
        # that survived (or that no test reached), to run again after tests were added:
        # make mutation MUTANTS="$(.venv/bin/python .ci/mutation_results.py survivors \
        #     src/servicepact/store/pii.py)"
    .venv/bin/python .ci/mutation_results.py listing   # every survivor, its change and why it
        # is accepted (mutation/reasons.toml), as Markdown in mutation/survivors.md; needs the
        # scratch copy mutants/ of a run (make mutation creates it)

mutmut keeps each module's results in ``mutants/<path>.meta`` (JSON: the exit code of every
mutant, and a hash of every function's source). A run that finds such a file reuses the result
of every mutant whose function's source is unchanged and checks the others again, so the kept
results never vouch for code that changed since. ``mutants/`` itself is a scratch copy of the
source (not kept); only the ``.meta`` files are.

What a kept result cannot know: that a test was removed or weakened after it killed a mutant.
Changing the test selection (``pytest_add_cli_args_test_selection``) makes mutmut start over.
"""

from __future__ import annotations

import fnmatch
import json
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / "mutants"
KEPT = ROOT / "mutation" / "results"
REASONS = ROOT / "mutation" / "reasons.toml"
LISTING = ROOT / "mutation" / "survivors.md"

# mutmut's exit codes (mutmut/stats.py), grouped as docs/testing.md counts them: a timeout or
# a crash of the test process is a detection (a segmentation fault, a kill, or an abort:
# -6, when a mutated bound makes a compiled kernel write past its array and the allocator
# stops the process); a mutant no test reaches is not.
DETECTED = {"killed": (1, 3), "timeout": (36, -24, 24, 152, 255), "crash": (-11, -9, -6)}
SURVIVED = {"survived": (0,), "no tests": (5, 33)}
# Modules of which only some functions are under test (pyproject.toml, [tool.mutmut]): the
# others' mutants are made too, but not counted.
ONLY_FUNCTIONS = {"src/servicepact/store/db/repositories.py": ("x_visible_contracts__mutmut_",)}


def restore() -> int:
    # mutmut keeps which tests reach which function (mutants/mutmut-stats.json) and, when
    # only tests changed, maps the new tests alone: a test changed to reach a function it did
    # not reach before is then never run against that function's mutants. Mapping every test
    # again costs one instrumented run of the selection (under a minute), and no verdict.
    (SCRATCH / "mutmut-stats.json").unlink(missing_ok=True)
    copied = 0
    for kept in sorted(KEPT.rglob("*.meta")):
        target = SCRATCH / kept.relative_to(KEPT)
        if target.exists():
            continue  # a run in progress here knows better
        target.parent.mkdir(parents=True, exist_ok=True)
        data = json.loads(kept.read_text(encoding="utf-8"))
        # mutmut's own file also holds timings, which it measures again when it runs a mutant.
        data.update(durations_by_key={}, estimated_durations_by_key={}, type_check_error_by_key={})
        target.write_text(json.dumps(data), encoding="utf-8")
        copied += 1
    print(f"restored {copied} module result file(s) from {KEPT.relative_to(ROOT)}")
    return 0


def keep() -> int:
    copied = 0
    for meta in sorted(SCRATCH.rglob("*.py.meta")):
        target = KEPT / meta.relative_to(SCRATCH)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = json.loads(meta.read_text(encoding="utf-8"))
        # Only what a later run reuses: the verdicts and the functions' hashes (no timings).
        kept = {
            "exit_code_by_key": data.get("exit_code_by_key", {}),
            "hash_by_function_name": data.get("hash_by_function_name", {}),
        }
        target.write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        copied += 1
    print(f"kept {copied} module result file(s) in {KEPT.relative_to(ROOT)}")
    return 0


def _verdict(code: int | None) -> str:
    if code is None:
        return "not run"
    for verdict, codes in {**DETECTED, **SURVIVED}.items():
        if code in codes:
            return verdict
    return "other"


def score() -> int:
    rows = []
    total: Counter[str] = Counter()
    for meta in sorted(KEPT.rglob("*.py.meta")):
        name = str(meta.relative_to(KEPT))[: -len(".meta")]
        verdicts = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        only = ONLY_FUNCTIONS.get(name)
        counts = Counter(
            _verdict(code)
            for key, code in verdicts.items()
            if only is None or any(part in key for part in only)
        )
        total.update(counts)
        rows.append((name if only is None else f"{name} ({', '.join(only)})", counts))
    print(
        f"{'module':<48} {'mutants':>7} {'run':>6} {'detected':>8} {'survived':>8} "
        f"{'not run':>7} {'score (of run)':>14}"
    )
    for name, counts in [*rows, ("all kept modules", total)]:
        mutants = sum(counts.values())
        run = mutants - counts["not run"]
        detected = sum(counts[v] for v in DETECTED)
        survived = counts["survived"] + counts["no tests"] + counts["other"]
        shown = f"{100 * detected / run:.1f} %" if run else "—"
        print(
            f"{name:<48} {mutants:>7} {run:>6} {detected:>8} {survived:>8} "
            f"{counts['not run']:>7} {shown:>14}"
        )
    return 0


def _surviving(modules: list[str]) -> list[tuple[str, str]]:
    """(module path, mutant name) of every kept mutant no test detected."""
    unknown = [m for m in modules if not (KEPT / f"{m}.meta").is_file()]
    if unknown:
        raise SystemExit(f"no kept results for {', '.join(unknown)} (see: score)")
    metas = [KEPT / f"{m}.meta" for m in modules] or sorted(KEPT.rglob("*.py.meta"))
    found = []
    for meta in metas:
        name = str(meta.relative_to(KEPT))[: -len(".meta")]
        only = ONLY_FUNCTIONS.get(name)
        verdicts = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        for key, code in sorted(verdicts.items(), key=lambda item: _natural(item[0])):
            if only is not None and not any(part in key for part in only):
                continue
            if _verdict(code) in ("survived", "no tests", "other"):
                found.append((name, key))
    return found


def _natural(key: str) -> tuple[str, int]:
    function, _, number = key.rpartition("__mutmut_")
    return function, int(number) if number.isdigit() else -1


def _change(module: str, key: str) -> tuple[str, str]:
    """The first line the mutant removes and the first it adds (mutmut's own diff)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    lines = get_diff_for_mutant(key, path=module).splitlines()[2:]
    removed = next((line[1:].strip() for line in lines if line.startswith("-")), "")
    added = next((line[1:].strip() for line in lines if line.startswith("+")), "")
    return removed, added


def listing() -> int:
    """Write mutation/survivors.md: each survivor with its change and the reason it is
    accepted, the reasons matched by name pattern from mutation/reasons.toml."""
    if not SCRATCH.is_dir():
        raise SystemExit("no mutants/ here: run make mutation first (it makes the scratch copy)")
    reasons = tomllib.loads(REASONS.read_text(encoding="utf-8")).get("reason", [])
    by_function: dict[tuple[str, str], list[tuple[str, str, str, str]]] = defaultdict(list)
    unexplained = 0
    for module, key in _surviving([]):
        why = next(
            (r["why"] for r in reasons if any(fnmatch.fnmatchcase(key, p) for p in r["mutants"])),
            "",
        )
        unexplained += not why
        removed, added = _change(module, key)
        function, _, number = key.rpartition("__mutmut_")
        by_function[module, function.rpartition(".")[2]].append((number, removed, added, why))
    out = [
        "# Surviving mutants",
        "",
        "Written by `.venv/bin/python .ci/mutation_results.py listing` from the verdicts kept in",
        "`mutation/results` and the reasons in `mutation/reasons.toml` (docs/testing.md).",
        f"{sum(len(v) for v in by_function.values())} survivors, {unexplained} without a reason.",
    ]
    module_now = None
    for (module, function), rows in by_function.items():
        if module != module_now:
            out += ["", f"## {module}"]
            module_now = module
        out += ["", f"### `{function}`", "", "| # | line | mutated to | why accepted |",
                "|---:|---|---|---|"]  # fmt: skip
        out += [
            f"| {n} | {_cell(removed)} | {_cell(added)} | {why or '—'} |"
            for n, removed, added, why in rows
        ]
    LISTING.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"wrote {LISTING.relative_to(ROOT)}: {unexplained} survivor(s) without a reason")
    return 0


def _cell(code: str) -> str:
    escaped = code.replace("|", "\\|")
    return f"`{escaped}`" if code else "(removed)"


def survivors(modules: list[str]) -> int:
    """Print the name of every kept mutant that no test detected, of the named modules (all
    kept modules when none is named), on one line, as ``make mutation MUTANTS=...`` takes them."""
    print(" ".join(key for _, key in _surviving(modules)))
    return 0


if __name__ == "__main__":
    commands = {"restore": restore, "keep": keep, "score": score, "listing": listing}
    if len(sys.argv) >= 2 and sys.argv[1] == "survivors":
        raise SystemExit(survivors(sys.argv[2:]))
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        raise SystemExit(f"usage: {sys.argv[0]} {{{'|'.join(commands)}|survivors [MODULE ...]}}")
    raise SystemExit(commands[sys.argv[1]]())
