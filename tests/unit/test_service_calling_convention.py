"""Every use case in ``servicepact.services`` is called the same way (docs/architecture.md,
"Calling a service"): the app first, as its only positional parameter, then keywords only.

    service(app, *, actor=..., ...)

``app`` is typed ``services.ports.Ports``; the service opens its own unit of work. A step
that joins a caller's transaction is not a use case: it is private (a leading underscore, or
a module whose name starts with one) so the entry points cannot call it with a unit of work
of their own.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import servicepact.services
from servicepact.services.ports import Ports

# Pure helpers: no app, no database, no clock. Each takes values (or reads one file it is
# named) and returns values; the entry points call them to parse an option or shape an
# answer. They are listed here so that a new function without ``app`` is a decision.
PURE_HELPERS = {
    # parsing a file or a text the caller names into a domain value
    "alerts.load_alert_settings",
    "commercials.parse_business_case",
    "commercials.read_business_case",
    "entrustment.load_entrustment_register",
    "risks.load_risk_register",
    "selection.load_selection_project",
    "selection.pairwise_weights",
    "vendors.load_weights",
    "contracts.parse_effective_from",
    # formatting or fingerprinting values for an answer
    "contracts.holiday_changes",
    "calendars.holiday_list_rows",
    "baseline.study_document",
    "selection.selection_markdown",
    "selection.result_json",
    "review.results_sha256",
    "users.token_hash",
    "sessions.session_id",
    "loads.file_sha256",
    "uploads.display_name",
    "uploads.too_large",
    "uploads.may_see",
    "uploads.problem_to_json",
    "uploads.problem_from_json",
    "uploads.problem_rows",
    "uploads.problems_csv",
    # the business-time clock over values (the `clock` command and the engine's own tests)
    "business_time.business_seconds",
    # the months a history or an evaluation covers, from the contract alone
    "baseline.history_months",
    "file_evaluation.evaluation_periods",
    "file_evaluation.data_file",
    "period_reports.plan",
    "period_reports.measured_labels",
    "overview.months_ending",
    # a period's compliance computed from the contract, its results and event tables
    "period_reports.compliance_of",
    # reading an upload into a temporary file with its limits (no database yet)
    "uploads.receive",
    "uploads.check_workbook",
    # the name of the engine to evaluate with, checked; the engine chosen from the options
    # and the settings (a command decides once, then hands the choice to its services)
    "scale_out.engine_named",
    "scale_out.choose_engine",
    # which kernels a one-off business-time count uses (numpy below the size where loading
    # the compiled ones costs more than it saves)
    "business_time.backend_for",
    # the files a directory or pattern names, in path order (no database yet)
    "bulk_loads.input_files",
    # the part of a load that runs inside a Spark task, where no app exists: the file read,
    # validated, pseudonymised and written beside its final name (its job carries what it
    # needs), and that name
    "loads.stage_file",
    "loads.staged_batch",
    "loads.discard_staged",
    # forgetting the drill-down's kept event lists (tests and benchmarks measure a cold start)
    "drilldown.flush_stored",
}

# Use cases over files only: they must run with no database at all (`evaluate --contract
# FILE`, `baseline study`, the selection projects), so they have no app to take. Their
# arguments are keywords only all the same.
FILE_ONLY_USE_CASES = {
    "baseline.read_history",
    "baseline.study_history",
    "baseline.study_files",
    "file_evaluation.evaluate_files",
    "selection.evaluate_selection_file",
    "selection.list_projects",
    "selection.project_result",
}


def _public_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    for module_info in pkgutil.iter_modules(servicepact.services.__path__):
        if module_info.name.startswith("_"):
            continue  # steps that join a caller's unit of work
        module = importlib.import_module(f"servicepact.services.{module_info.name}")
        for name, value in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            if value.__module__ != module.__name__:
                continue  # imported from elsewhere
            yield f"{module_info.name}.{name}", value


def _breaks_convention(qualified: str, function: Callable[..., Any]) -> str | None:
    parameters = list(inspect.signature(function).parameters.values())
    keyword_only = inspect.Parameter.KEYWORD_ONLY
    if qualified in FILE_ONLY_USE_CASES:
        positional = [p.name for p in parameters if p.kind is not keyword_only]
        return f"{qualified}: positional {positional}" if positional else None
    if not parameters or parameters[0].name != "app" or parameters[0].kind is keyword_only:
        return f"{qualified}: the first parameter is not app"
    if parameters[0].annotation not in ("Ports", Ports):
        return f"{qualified}: app is not typed as services.ports.Ports"
    positional = [p.name for p in parameters[1:] if p.kind is not keyword_only]
    return f"{qualified}: positional after app {positional}" if positional else None


def test_every_public_service_function_takes_the_app_then_keywords_only() -> None:
    broken = [
        problem
        for qualified, function in _public_functions()
        if qualified not in PURE_HELPERS
        and (problem := _breaks_convention(qualified, function)) is not None
    ]
    assert broken == []


def test_the_allow_lists_name_only_functions_that_exist() -> None:
    # a helper renamed, moved or given an app leaves its entry behind: drop it
    found = {qualified for qualified, _ in _public_functions()}
    assert (PURE_HELPERS | FILE_ONLY_USE_CASES) - found == set()


def test_a_helper_taking_the_app_is_not_allow_listed() -> None:
    taking_app = {
        qualified
        for qualified, function in _public_functions()
        if "app" in inspect.signature(function).parameters
    }
    assert (PURE_HELPERS | FILE_ONLY_USE_CASES) & taking_app == set()


ENTRY_POINTS = ("cli", "api", "web", "reports", "demo")


def _private_service_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [n for n in names if n.startswith("servicepact.services._")]
    return found


def test_the_entry_points_never_import_a_step_of_the_services() -> None:
    root = Path(servicepact.services.__file__).parent.parent
    found = {
        str(path.relative_to(root)): imports
        for package in ENTRY_POINTS
        for path in sorted((root / package).rglob("*.py"))
        if (imports := _private_service_imports(path))
    }
    assert found == {}
