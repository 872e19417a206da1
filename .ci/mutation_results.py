"""Mutation results kept in the repository, so that a mutation run can advance module by
module across machines (docs/testing.md, "Mutation testing").

    .venv/bin/python .ci/mutation_results.py restore   # mutation/results → mutants/ (before a run)
    .venv/bin/python .ci/mutation_results.py keep      # mutants/ → mutation/results (after it)
    .venv/bin/python .ci/mutation_results.py score     # the score per module, from what is kept
    .venv/bin/python .ci/mutation_results.py survivors [MODULE ...]  # the names of the mutants
        # that survived (or that no test reached), to run again after tests were added:
        # make mutation MUTANTS="$(.venv/bin/python .ci/mutation_results.py survivors \
        #     src/servicepact/store/pii.py)"

mutmut keeps each module's results in ``mutants/<path>.meta`` (JSON: the exit code of every
mutant, and a hash of every function's source). A run that finds such a file reuses the result
of every mutant whose function's source is unchanged and checks the others again, so the kept
results never vouch for code that changed since. ``mutants/`` itself is a scratch copy of the
source (not kept); only the ``.meta`` files are.

What a kept result cannot know: that a test was removed or weakened after it killed a mutant.
Changing the test selection (``pytest_add_cli_args_test_selection``) makes mutmut start over.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / "mutants"
KEPT = ROOT / "mutation" / "results"

# mutmut's exit codes (mutmut/stats.py), grouped as docs/testing.md counts them: a timeout or
# a crash of the test process is a detection; a mutant no test reaches is not.
DETECTED = {"killed": (1, 3), "timeout": (36, -24, 24, 152, 255), "crash": (-11, -9)}
SURVIVED = {"survived": (0,), "no tests": (5, 33)}
# Modules of which only some functions are under test (pyproject.toml, [tool.mutmut]): the
# others' mutants are made too, but not counted.
ONLY_FUNCTIONS = {"src/servicepact/store/db/repositories.py": ("x_visible_contracts__mutmut_",)}


def restore() -> int:
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


def survivors(modules: list[str]) -> int:
    """Print the name of every kept mutant that no test detected, of the named modules (all
    kept modules when none is named), on one line, as ``make mutation MUTANTS=...`` takes them."""
    unknown = [m for m in modules if not (KEPT / f"{m}.meta").is_file()]
    if unknown:
        raise SystemExit(f"no kept results for {', '.join(unknown)} (see: score)")
    metas = [KEPT / f"{m}.meta" for m in modules] or sorted(KEPT.rglob("*.py.meta"))
    names = []
    for meta in metas:
        name = str(meta.relative_to(KEPT))[: -len(".meta")]
        only = ONLY_FUNCTIONS.get(name)
        verdicts = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        for key, code in sorted(verdicts.items()):
            if only is not None and not any(part in key for part in only):
                continue
            if _verdict(code) in ("survived", "no tests", "other"):
                names.append(key)
    print(" ".join(names))
    return 0


if __name__ == "__main__":
    commands = {"restore": restore, "keep": keep, "score": score}
    if len(sys.argv) >= 2 and sys.argv[1] == "survivors":
        raise SystemExit(survivors(sys.argv[2:]))
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        raise SystemExit(f"usage: {sys.argv[0]} {{{'|'.join(commands)}|survivors [MODULE ...]}}")
    raise SystemExit(commands[sys.argv[1]]())
