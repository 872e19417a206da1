"""Validating a contract in stages so that one run reports every problem, once.

Pydantic checks every field of every part and runs the rules of each part
whose fields are fine (a service level's own rules, a calendar's, a fee's),
but it skips the contract-wide rules — duplicate service-level ids, unknown
calendar names, allocations above the pool, fee months outside the term —
as soon as any field anywhere is wrong. So when the first pass fails, the
contract-wide rules are run a second time over the parts that *are* valid,
with harmless stand-ins for the broken ones, and any finding that a stand-in
could have caused is dropped. A service level with a broken field is left out
of that second pass altogether: its own rules run once its fields are fixed.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, ValidationError, ValidationInfo, model_validator

from servicepact.contractfile.messages import clean_loc, merge_branches, plain_message
from servicepact.contractfile.reading import PathKey
from servicepact.domain.calendars import Calendar
from servicepact.domain.contracts import Contract, ServiceLevel, Term
from servicepact.domain.credits import CreditRegime
from servicepact.domain.declared import DeclaredEventType, DeclaredKpi
from servicepact.domain.fees import Fee
from servicepact.domain.kpis import CATALOGUE
from servicepact.domain.lifecycle import Lifecycle
from servicepact.domain.portfolio import Portfolio


@dataclass(frozen=True)
class Finding:
    """One problem, at a path relative to the model's root."""

    path: PathKey
    message: str


def findings_from(error: ValidationError, data: Any, root: type[BaseModel]) -> list[Finding]:
    """Plain findings from a pydantic error, union branches folded into one message each."""
    plain: list[Finding] = []
    # union path → [(path, message, input)] of the branches that failed
    unions: dict[PathKey, list[tuple[PathKey, str, Any]]] = {}
    for detail in error.errors():
        where = clean_loc(tuple(detail["loc"]), data)
        path, union_depth, key_error = where.path, where.union_depth, where.key_error
        branch = union_depth is not None
        message = plain_message(detail, path, root=root, branch=branch, key_error=key_error)
        if union_depth is None:
            plain.append(Finding(path, message))
        else:
            unions.setdefault(path[:union_depth], []).append((path, message, detail.get("input")))
    for union_path, failures in unions.items():
        # A branch that got further into the value (a list whose second item is
        # wrong) says more than the branches that rejected the value outright.
        deepest = max(len(path) for path, _, _ in failures)
        if deepest > len(union_path):
            failures = [f for f in failures if len(f[0]) > len(union_path)]
        by_path: dict[PathKey, tuple[list[str], Any]] = {}
        for path, message, given in failures:
            by_path.setdefault(path, ([], given))[0].append(message)
        for path, (messages, given) in by_path.items():
            plain.append(Finding(path, merge_branches(messages, given)))
    return _unique(plain)


def _unique(findings: Iterable[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


def validate_contract(
    data: Any, *, custom_event_types: Iterable[str] = ()
) -> tuple[Contract | None, list[Finding]]:
    context = Contract.declared_context(data, {"custom_event_types": tuple(custom_event_types)})
    try:
        return Contract.model_validate(data, context=context), []
    except ValidationError as error:
        first = findings_from(error, data, Contract)
    if not isinstance(data, dict):
        return None, first
    try:
        second = _contract_rules_over_valid_parts(data, first, context)
    except ValidationError:
        # A part passed inside the contract but not alone (it should not happen);
        # the first pass's findings are still true, so report those.
        second = []
    return None, _fold_misspelt_params(_unique([*first, *second]), data)


def _fold_misspelt_params(findings: list[Finding], data: dict[str, Any]) -> list[Finding]:
    """``secs`` unknown + ``seconds`` required is one typo: say it once, with the fix."""
    levels = data.get("service_levels")
    if not isinstance(levels, list):
        return findings
    at = {f.path: f for f in findings}
    dropped: set[PathKey] = set()
    replaced: dict[PathKey, Finding] = {}
    for finding in findings:
        path = finding.path
        if len(path) != 4 or path[0] != "service_levels" or path[2] != "params":
            continue
        index = path[1]
        level = levels[index] if isinstance(index, int) and index < len(levels) else None
        kpi = CATALOGUE.get(str(level.get("kpi"))) if isinstance(level, dict) else None
        if kpi is None or str(path[3]) in kpi.param_index:
            continue
        for close in difflib.get_close_matches(str(path[3]), list(kpi.param_index), 1, 0.6):
            missing = ("service_levels", index, "params", close)
            if missing in at and missing not in dropped:
                dropped.add(missing)
                replaced[path] = Finding(path, f"{finding.message}; did you mean {close!r}?")
    return [replaced.get(f.path, f) for f in findings if f.path not in dropped]


def _broken(findings: list[Finding], *prefix: str | int) -> set[Any]:
    """The next path component under ``prefix`` of every finding that lies under it."""
    depth = len(prefix)
    return {f.path[depth] for f in findings if len(f.path) > depth and f.path[:depth] == prefix}


def _declared_items(data: dict[str, Any], first: list[Finding]) -> dict[str, list[tuple[int, Any]]]:
    """The declared event types and KPIs that are valid on their own, with their indexes."""
    declared: dict[str, list[tuple[int, Any]]] = {}
    for key, model in (("event_types", DeclaredEventType), ("kpis", DeclaredKpi)):
        raw_items = data.get(key) or []
        if not isinstance(raw_items, list) or (key,) in {f.path for f in first}:
            declared[key] = []
            continue
        broken_items = _broken(first, key)
        declared[key] = [
            (index, model.model_validate(raw))
            for index, raw in enumerate(raw_items)
            if index not in broken_items
        ]
    return declared


def _calendars_or_stand_ins(
    calendars_raw: dict[str, Any], first: list[Finding]
) -> dict[str, Calendar]:
    """The calendars by name. A broken calendar still exists by name: stand in an always-open
    one so service levels naming it are not reported as naming an unknown calendar."""
    broken_calendars = _broken(first, "calendars")
    stand_in_calendar = Calendar.model_construct(timezone="UTC", hours="24x7", holidays=None)
    return {
        name: stand_in_calendar if name in broken_calendars else Calendar.model_validate(raw)
        for name, raw in calendars_raw.items()
    }


def _credits_or_stand_in(data: dict[str, Any], credits_broken: bool) -> CreditRegime | None:
    """The credit regime; a broken one stands in as the widest regime, so no rule fails on it."""
    if credits_broken:
        return CreditRegime.model_construct(
            at_risk_percent=Decimal(100),
            pool_percent=Decimal(500),
            max_allocation_percent=Decimal(100),
            categories=(),
            escalation=None,
            earn_back=None,
        )
    raw_credits = data.get("credits")
    return None if raw_credits is None else CreditRegime.model_validate(raw_credits)


def _kept_findings(
    found: list[Finding],
    *,
    level_index: list[int],
    fee_index: list[int],
    declared: dict[str, list[tuple[int, Any]]],
    broken_fields: set[str | int],
    credits_broken: bool,
    broken_lifecycle: set[str],
    broken_by_level: dict[int, set[str]],
) -> list[Finding]:
    """The contract rules' findings placed at the file's own indexes, without those a
    stand-in caused or that depend on a part already reported broken."""
    kept: list[Finding] = []
    for finding in found:
        path = list(finding.path)
        if len(path) > 1 and path[0] == "service_levels" and isinstance(path[1], int):
            path[1] = level_index[path[1]]
        if len(path) > 1 and path[0] == "fees" and isinstance(path[1], int):
            path[1] = fee_index[path[1]]
        for key in ("event_types", "kpis"):
            if len(path) > 1 and path[0] == key and isinstance(path[1], int):
                path[1] = declared[key][path[1]][0]
        if _caused_by_stand_in(tuple(path), broken_fields, credits_broken):
            continue
        if path[:2] == ["lifecycle", "termination"] and (
            "term" in broken_fields or "renewal" in broken_lifecycle
        ):
            continue  # a termination date is checked against the term and its renewals
        if path == ["service_levels"] and any(
            broken & {"kind", "allocation_percent"} for broken in broken_by_level.values()
        ):
            continue  # the pool total needs every allocation
        if (
            len(path) > 2
            and path[0] == "service_levels"
            and _depends_on_broken(str(path[2]), broken_by_level.get(int(path[1]), set()))
        ):
            continue
        kept.append(Finding(tuple(path), finding.message))
    return kept


def _contract_rules_over_valid_parts(
    data: dict[str, Any], first: list[Finding], context: dict[str, Any]
) -> list[Finding]:
    broken_fields = {f.path[0] for f in first if f.path} | (
        {""} if any(not f.path for f in first) else set()
    )
    levels_raw, fees_raw = data.get("service_levels"), data.get("fees", [])
    calendars_raw = data.get("calendars", {})
    if not isinstance(levels_raw, list) or not isinstance(fees_raw, list):
        return []
    if not isinstance(calendars_raw, dict) or "" in broken_fields:
        return []
    if any(f.path in (("service_levels",), ("fees",), ("calendars",)) for f in first):
        return []

    broken_levels = _broken(first, "service_levels")
    levels: list[tuple[int, ServiceLevel]] = []
    broken_by_level: dict[int, set[str]] = {}
    level_findings: list[Finding] = []
    for index, raw in enumerate(levels_raw):
        if index not in broken_levels:
            levels.append((index, ServiceLevel.model_validate(raw, context=context)))
            continue
        stand_in = _level_stand_in(index, raw, first, context)
        if stand_in is None:
            continue
        levels.append((index, stand_in.level))
        broken_by_level[index] = stand_in.broken
        level_findings.extend(stand_in.findings)
    broken_fees = _broken(first, "fees")
    fees = [
        (index, Fee.model_validate(raw))
        for index, raw in enumerate(fees_raw)
        if index not in broken_fees
    ]
    declared = _declared_items(data, first)
    calendars = _calendars_or_stand_ins(calendars_raw, first)
    credits_broken = "credits" in broken_fields
    credits = _credits_or_stand_in(data, credits_broken)
    term = (
        Term.model_construct(start=date.min, end=date.max)
        if "term" in broken_fields or "term" not in data
        else Term.model_validate(data["term"])
    )
    lifecycle, broken_lifecycle = _lifecycle_stand_in(data.get("lifecycle"), first)
    parties = {
        name: (f"\x00stand-in-{name}" if name in broken_fields else data.get(name))
        for name in ("client", "vendor", "broker")
    }
    values: dict[str, Any] = {
        "service_levels": tuple(sl for _, sl in levels),
        "fees": tuple(fee for _, fee in fees),
        "calendars": calendars,
        "credits": credits,
        "term": term,
        "lifecycle": lifecycle,
        "event_types": tuple(item for _, item in declared["event_types"]),
        "kpis": tuple(item for _, item in declared["kpis"]),
        **parties,
    }
    partial = Contract.model_construct(**values)
    try:
        _rules(Contract)(partial, SimpleNamespace(context=context))
    except ValidationError as error:
        found = findings_from(error, data, Contract)
    else:
        return []

    kept = _kept_findings(
        found,
        level_index=[index for index, _ in levels],
        fee_index=[index for index, _ in fees],
        declared=declared,
        broken_fields=broken_fields,
        credits_broken=credits_broken,
        broken_lifecycle=broken_lifecycle,
        broken_by_level=broken_by_level,
    )
    return [*level_findings, *kept]


# A rule's finding sits on one field but may read others too.
_READS: dict[str, set[str]] = {
    "minimum": {"expected", "kpi"},
    "expected": {"minimum", "kpi"},
    "allocation_percent": {"kind"},
    "source": {"kpi"},
    "params": {"kpi"},
    "calendar": {"kpi"},
    "improvement": {"kpi"},
}


def _lifecycle_stand_in(raw: Any, first: list[Finding]) -> tuple[Lifecycle | None, set[str]]:
    """The lifecycle's valid parts for the contract-wide rules, and the names of its broken
    parts (a broken renewal stands in as none, a broken notice or termination is left out)."""
    if not isinstance(raw, dict):
        return None, set()
    if any(f.path == ("lifecycle",) for f in first):
        return None, {"renewal", "notice", "termination"}
    broken = {str(name) for name in _broken(first, "lifecycle")}
    kept = {k: v for k, v in raw.items() if k not in broken}
    try:
        return Lifecycle.model_validate(kept), broken
    except ValidationError:
        return None, broken | {"renewal", "notice", "termination"}


def _depends_on_broken(field: str, broken: set[str]) -> bool:
    return field in broken or bool(_READS.get(field, set()) & broken)


class _LevelFields(ServiceLevel):
    """A service level's fields without its rules, to stand in for a partly broken one."""

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> _LevelFields:
        return self


@dataclass(frozen=True)
class _StandIn:
    """A partly broken service level with stand-ins for its broken fields, which fields
    those are, and the findings of its own rules over the valid ones."""

    level: ServiceLevel
    broken: set[str]
    findings: list[Finding]


def _level_stand_in(
    index: int, raw: Any, first: list[Finding], context: dict[str, Any]
) -> _StandIn | None:
    """Run a partly broken service level's own rules over its valid fields.

    Broken fields get harmless stand-ins; a finding that reads a stand-in is
    dropped, so nothing false and nothing twice is reported.
    """
    if not isinstance(raw, dict):
        return None
    prefix: PathKey = ("service_levels", index)
    broken: set[str] = set()
    known = list(ServiceLevel.model_fields)
    for finding in first:
        if finding.path[:2] != prefix:
            continue
        if len(finding.path) == 2:
            return None  # the level as a whole is wrong (e.g. not a mapping)
        name = str(finding.path[2])
        broken.add(name)
        if name not in known:  # an unknown key is often a misspelt known one
            broken.update(difflib.get_close_matches(name, known, n=1, cutoff=0.6))
    values = {k: v for k, v in raw.items() if k in known and k not in broken}
    kpi = CATALOGUE.get(str(values.get("kpi")))
    stand_ins: dict[str, Any] = {
        "id": f"stand-in-{index}",
        "name": "stand-in",
        "kpi": kpi.name if kpi else next(iter(CATALOGUE)),
        "source": kpi.event_type if kpi else CATALOGUE[next(iter(CATALOGUE))].event_type,
        "params": {},
        "filter": {},
        "calendar": None,
        "expected": values.get("expected", values.get("minimum", 0)),
        "minimum": values.get("minimum", values.get("expected", 0)),
        "kind": "key",
        "allocation_percent": None,
        "category": None,
        "improvement": None,
        "period": "month",
        "min_sample": 1,
    }
    for name in broken & set(stand_ins):
        values[name] = stand_ins[name]
    if "kind" in broken and values.get("allocation_percent") is not None:
        values["kind"] = "critical"
    for name in ("id", "name", "kpi", "expected", "minimum"):
        values.setdefault(name, stand_ins[name])
        if name not in raw:
            broken.add(name)
    try:
        fields = _LevelFields.model_validate(values, context=context)
    except ValidationError:
        return None
    level = ServiceLevel.model_construct(**dict(fields))
    findings: list[Finding] = []
    if kpi is not None:
        try:
            _rules(ServiceLevel)(level, SimpleNamespace(context=context))
        except ValidationError as error:
            for finding in findings_from(error, raw, ServiceLevel):
                if finding.path and not _depends_on_broken(str(finding.path[0]), broken):
                    findings.append(Finding((*prefix, *finding.path), finding.message))
    else:
        broken.add("kpi")
    return _StandIn(level, broken, findings)


def _caused_by_stand_in(path: PathKey, broken_fields: set[Any], credits_broken: bool) -> bool:
    if path and path[0] in ("client", "vendor", "broker") and path[0] in broken_fields:
        return True
    if path in (("vendor",), ("broker",)) and broken_fields & {"client", "vendor", "broker"}:
        return True
    return credits_broken and (
        path in (("credits",), ("service_levels",))
        or (
            path[:1] == ("service_levels",)
            and path[-1:] in (("category",), ("allocation_percent",))
        )
    )


def _rules(model: type[BaseModel]) -> Callable[..., Any]:
    """A model's cross-field rules (its ``_coherent`` after-validator), callable on its own."""
    rules: Callable[..., Any] = vars(model)["_coherent"]
    return rules


def validate_portfolio(data: Any) -> tuple[Portfolio | None, list[Finding]]:
    """The portfolio's fields, then its references, each problem at its own entry.

    ``Portfolio``'s own rule stops at the first broken reference and names no
    field; the same rules are checked here entry by entry so each problem gets
    its line, and all of them are reported.
    """
    try:
        return Portfolio.model_validate(data), []
    except ValidationError as error:
        findings = [f for f in findings_from(error, data, Portfolio) if f.path]
        whole = [f for f in findings_from(error, data, Portfolio) if not f.path]
    references = _portfolio_references(data) if isinstance(data, dict) else []
    if whole and not references:
        references = whole  # a rule this module does not know: report it as it is
    return None, _unique([*findings, *references])


def _entries(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    items = data.get(key)
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]


def _portfolio_references(data: dict[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    for key, noun in (("parties", "party"), ("processes", "process")):
        first_at: dict[Any, int] = {}
        for index, item in _entries(data, key):
            if "id" not in item:
                continue
            if item["id"] in first_at:
                found.append(
                    Finding(
                        (key, index, "id"),
                        f"duplicate {noun} id {item['id']!r} (also {key}[{first_at[item['id']]}])",
                    )
                )
            else:
                first_at[item["id"]] = index
    process_ids = {item.get("id") for _, item in _entries(data, "processes")}
    for index, item in _entries(data, "processes"):
        parent = item.get("parent")
        if parent is not None and parent not in process_ids:
            found.append(Finding(("processes", index, "parent"), f"unknown process {parent!r}"))
    for index, item in _entries(data, "decisions"):
        named = item.get("processes")
        if isinstance(named, list):
            for position, process in enumerate(named):
                if process not in process_ids:
                    found.append(
                        Finding(
                            ("decisions", index, "processes", position),
                            f"unknown process {process!r}",
                        )
                    )
    return found
