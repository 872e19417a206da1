"""OpenSLO v1 interoperability (PRODUCT.md §2.2; mapping table in docs/openslo.md).

Export: each service level becomes one ``kind: SLO`` with an inline SLI. Ratio
KPIs get a ``ratioMetric`` (``good``/``total``; ``bad``/``total`` when lower is
better, because an OpenSLO target is always the share of good events), other
KPIs a ``thresholdMetric`` with ``op``/``value`` objectives. Whatever OpenSLO
has no place for — the KPI name, event source, parameters, filter, calendar,
kind, allocation, category, improvement, minimum sample, and the exact
decimal levels — travels in ``metadata.annotations`` under ``servicepact.io/``,
so ServicePact → OpenSLO → ServicePact gives back equal service levels.

Import: annotated SLOs map back exactly; other ratio SLOs map when they name a
ServicePact KPI (annotation ``servicepact.io/kpi`` or a metric source of type
``ServicePact``). Everything that cannot map is reported, all at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from servicepact.contractfile.messages import show
from servicepact.contractfile.validation import findings_from
from servicepact.domain.canonical import number_text, plain_value
from servicepact.domain.contracts import Contract, PeriodKind, ServiceLevel
from servicepact.domain.declared import DeclaredKpiDefinition
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.kpis import CATALOGUE, Direction, KpiDefinition

API_VERSION = "openslo/v1"
PREFIX = "servicepact.io/"
METRIC_SOURCE_TYPE = "ServicePact"

# OpenSLO duration shorthand (OpenSLO v1 spec, "timeWindow.duration") per period kind.
_DURATION = {PeriodKind.MONTH: "1M", PeriodKind.QUARTER: "1Q", PeriodKind.CONTRACT_YEAR: "1Y"}
_PERIOD_OF = {
    "1M": PeriodKind.MONTH,
    "1Q": PeriodKind.QUARTER,
    "3M": PeriodKind.QUARTER,
    "1Y": PeriodKind.CONTRACT_YEAR,
    "12M": PeriodKind.CONTRACT_YEAR,
}


def _dns_name(*parts: str) -> str:
    """An RFC 1123 label (what OpenSLO asks of metadata.name): lowercase, ``-``, ≤ 63 chars."""
    name = re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")
    return name[:63].rstrip("-") or "slo"


def _share_of_good(sl: ServiceLevel, value: Decimal) -> Decimal:
    """OpenSLO targets are shares of good events; a lower-is-better ratio counts bad ones."""
    return Decimal(1) - value if sl.direction is Direction.LOWER_IS_BETTER else value


def _annotations(contract: Contract, sl: ServiceLevel) -> dict[str, str]:
    plain = plain_value(sl, json_mode=True)
    notes = {
        "contract": contract.id,
        "service-level-id": sl.id,
        "name": sl.name,
        "kpi": sl.kpi,
        "source": sl.source,
        "direction": sl.direction.value,
        "expected": plain["expected"],
        "minimum": plain["minimum"],
        "kind": sl.kind.value,
        "period": sl.period.value,
        "min-sample": str(sl.min_sample),
        "params": json.dumps(plain["params"], sort_keys=True, ensure_ascii=False),
        "filter": json.dumps(plain["filter"], sort_keys=True, ensure_ascii=False),
    }
    if sl.calendar is not None:
        notes["calendar"] = sl.calendar
    if sl.allocation_percent is not None:
        notes["allocation-percent"] = plain["allocation_percent"]
    if sl.category is not None:
        notes["category"] = sl.category
    if sl.improvement is not None:
        notes["improvement-percent-of-gap"] = plain["improvement"]["per_year_percent_of_gap"]
    return {PREFIX + key: value for key, value in notes.items()}


def _metric_source(sl: ServiceLevel, part: str, contract: Contract | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "kpi": sl.kpi,
        "source": sl.source,
        "part": part,
        "params": plain_value(sl.params, json_mode=True),
        "filter": plain_value(sl.filter, json_mode=True),
    }
    definition = sl.definition
    if isinstance(definition, DeclaredKpiDefinition) and definition.spec is not None:
        # A KPI the contract declares travels with its declaration, so the SLO can be
        # imported into a contract that does not know it yet; the good and total events
        # are the declared condition and scope (the "queries" of this metric source).
        declared = definition.spec
        spec["declaration"] = plain_value(declared, json_mode=True)
        if contract is not None and declared.events in contract.declared_event_types:
            spec["eventType"] = plain_value(
                contract.declared_event_types[declared.events], json_mode=True
            )
        where = declared.condition if part in ("good", "bad") else declared.scope
        if where is not None:
            spec["where"] = plain_value(where, json_mode=True)
    return {"metricSource": {"type": METRIC_SOURCE_TYPE, "spec": spec}}


def _unique_name(name: str, used: set[str]) -> str:
    """``name``, or with the first free number after it (-2, -3, …) when taken; added to
    ``used``."""
    base, suffix = name, 2
    while name in used:
        name = f"{base[: 63 - len(str(suffix)) - 1].rstrip('-')}-{suffix}"
        suffix += 1
    used.add(name)
    return name


def to_openslo(contract: Contract) -> list[dict[str, Any]]:
    """One ``Service`` for the contract, then one ``SLO`` (inline SLI) per service level."""
    service = _dns_name(contract.id)
    documents: list[dict[str, Any]] = [
        {
            "apiVersion": API_VERSION,
            "kind": "Service",
            "metadata": {"name": service, "displayName": contract.name},
            "spec": {
                "description": f"{contract.name}: {contract.client} ← {contract.vendor}"
                + (f" via {contract.broker}" if contract.broker else "")
            },
        }
    ]
    used: set[str] = set()
    for sl in contract.service_levels:
        kpi = sl.definition
        name = _dns_name(contract.id, sl.id)
        # Ids differing only in case or punctuation (SL_1, sl-1) share a DNS form:
        # number the later ones so every SLO name stays unique.
        name = _unique_name(name, used)
        calendar = contract.calendars.get(sl.calendar) if sl.calendar else None
        indicator_spec: dict[str, Any]
        objectives: list[dict[str, Any]]
        if kpi.is_ratio():
            counted = "bad" if sl.direction is Direction.LOWER_IS_BETTER else "good"
            indicator_spec = {
                "ratioMetric": {
                    "counter": False,
                    counted: _metric_source(sl, counted, contract),
                    "total": _metric_source(sl, "total", contract),
                }
            }
            objectives = [
                {"displayName": label, "target": float(_share_of_good(sl, value))}
                for label, value in (("expected", sl.expected), ("minimum", sl.minimum))
            ]
        else:
            op = "gte" if sl.direction is Direction.HIGHER_IS_BETTER else "lte"
            indicator_spec = {"thresholdMetric": _metric_source(sl, "value", contract)}
            objectives = [
                {"displayName": label, "op": op, "value": float(value), "target": 1.0}
                for label, value in (("expected", sl.expected), ("minimum", sl.minimum))
            ]
        documents.append(
            {
                "apiVersion": API_VERSION,
                "kind": "SLO",
                "metadata": {
                    "name": name,
                    "displayName": sl.name,
                    "annotations": _annotations(contract, sl),
                },
                "spec": {
                    "description": f"{kpi.title}: {kpi.formula}",
                    "service": service,
                    "indicator": {
                        "metadata": {
                            "name": f"{name[:59].rstrip('-')}-sli",
                            "displayName": kpi.title,
                        },
                        "spec": indicator_spec,
                    },
                    "timeWindow": [
                        {
                            "duration": _DURATION[sl.period],
                            "isRolling": False,
                            "calendar": {
                                "startTime": f"{contract.term.start.isoformat()} 00:00:00",
                                "timeZone": calendar.timezone if calendar else "UTC",
                            },
                        }
                    ],
                    "budgetingMethod": "Occurrences",
                    "objectives": objectives,
                },
            }
        )
    return documents


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))


def _nested_value(mapping: Any, *keys: str) -> Any:
    """``mapping[key1][key2]...``, or None where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def from_openslo(
    docs: Iterable[Any],
    *,
    calendar: str | None = None,
    custom_event_types: Iterable[str] = (),
) -> list[ServiceLevel]:
    """Service levels from OpenSLO v1 ``SLO`` documents (``Service`` and ``SLI`` are read too).

    ``calendar`` is given to imported levels whose KPI measures business time
    and whose SLO does not name one. Imported levels are key measurements
    (no credit) unless their annotations say otherwise: a credit allocation is
    a commercial term OpenSLO does not carry.
    """
    docs = list(docs)
    found = _Collector()
    indicators: dict[str, Mapping[str, Any]] = {}
    for position, doc in enumerate(docs):
        if isinstance(doc, Mapping) and doc.get("kind") == "SLI":
            indicators[str(_nested_value(doc, "metadata", "name"))] = doc
        elif not isinstance(doc, Mapping):
            found.add(f"document {position + 1}", "is not a mapping")
    levels: list[ServiceLevel] = []
    declarations = declarations_in(docs)
    context = Contract.declared_context(
        {
            **declarations,
            # the calendars a declared KPI names are the importing contract's to declare
            "calendars": {
                c.get("calendar"): None
                for kpi in declarations["kpis"]
                for c in _clocks_of(kpi)
                if isinstance(c, Mapping)
            },
        },
        {"custom_event_types": tuple(custom_event_types)},
    )
    for position, doc in enumerate(docs):
        if not isinstance(doc, Mapping) or doc.get("kind") != "SLO":
            continue
        name = str(_nested_value(doc, "metadata", "name") or f"document {position + 1}")
        where = f"SLO {name}"
        if doc.get("apiVersion") != API_VERSION:
            found.add(
                f"{where}: apiVersion",
                f"{show(doc.get('apiVersion'))} is not supported; {API_VERSION} expected",
            )
            continue
        data = _service_level_data(
            doc, name, where, indicators, calendar, found, context["declared_kpis"]
        )
        if data is None:
            continue
        try:
            levels.append(ServiceLevel.model_validate(data, context=context))
        except ValidationError as error:
            for finding in findings_from(error, data, ServiceLevel):
                path = ".".join(str(p) for p in finding.path)
                found.add(f"{where}: {path or 'service level'}", finding.message)
    ids = [sl.id for sl in levels]
    for sl_id in sorted({i for i in ids if ids.count(i) > 1}):
        found.add(f"service level {sl_id}", "comes from more than one SLO")
    if not levels and not found.problems:
        found.add("(documents)", "hold no OpenSLO SLO document")
    if found.problems:
        raise InvalidInput(problems=found.problems)
    return levels


def _notes_of(doc: Mapping[str, Any]) -> dict[str, str]:
    """The SLO's ServicePact annotations, by name without the prefix."""
    raw_notes = _nested_value(doc, "metadata", "annotations")
    if not isinstance(raw_notes, Mapping):
        return {}
    return {
        str(k).removeprefix(PREFIX): str(v)
        for k, v in (raw_notes or {}).items()
        if str(k).startswith(PREFIX)
    }


def _window_period(
    spec: Mapping[str, Any], notes: Mapping[str, str], where: str, found: _Collector
) -> tuple[bool, PeriodKind | None]:
    """Whether the time window maps to a calendar period, and that period (the annotated one
    first); a window that cannot map is a problem."""
    period = PeriodKind(notes["period"]) if notes.get("period") in set(PeriodKind) else None
    windows = spec.get("timeWindow") or []
    if isinstance(windows, list) and windows:
        window = windows[0]
        if _nested_value(window, "isRolling") is True:
            found.add(
                f"{where}: spec.timeWindow",
                "a rolling window cannot map: ServicePact measures calendar periods "
                "(month, quarter, contract year)",
            )
            return False, None
        duration = str(_nested_value(window, "duration") or "")
        if duration not in _PERIOD_OF:
            found.add(
                f"{where}: spec.timeWindow.duration",
                f"{duration!r} cannot map; use 1M (month), 1Q (quarter) or 1Y (contract year)",
            )
            return False, None
        if period is None:
            period = _PERIOD_OF[duration]
    return True, period


def _level_data(
    doc: Mapping[str, Any],
    name: str,
    notes: Mapping[str, str],
    kpi: KpiDefinition,
    source_spec: Any,
    calendar: str | None,
    period: PeriodKind | None,
    levels: tuple[Decimal, Decimal],
    where: str,
    found: _Collector,
) -> dict[str, Any]:
    """The service level's contract-file data from the SLO, its annotations and its source."""
    expected, minimum = levels
    params = _json_note(notes, "params", where, found)
    filters = _json_note(notes, "filter", where, found)
    if params is None:
        params = dict(_nested_value(source_spec, "params") or {})
    if filters is None:
        filters = dict(_nested_value(source_spec, "filter") or {})
    data: dict[str, Any] = {
        "id": notes.get("service-level-id") or name,
        "name": notes.get("name") or _nested_value(doc, "metadata", "displayName") or name,
        "kpi": kpi.name,
        "source": notes.get("source") or _nested_value(source_spec, "source") or kpi.event_type,
        "params": params,
        "filter": filters,
        "calendar": notes.get("calendar") or (calendar if kpi.uses_calendar else None),
        "expected": expected,
        "minimum": minimum,
        "kind": notes.get("kind", "key"),
        "period": (period or PeriodKind.MONTH).value,
        "min_sample": notes.get("min-sample", "1"),
    }
    for note, key in (("allocation-percent", "allocation_percent"), ("category", "category")):
        if note in notes:
            data[key] = notes[note]
    if "improvement-percent-of-gap" in notes:
        data["improvement"] = {"per_year_percent_of_gap": notes["improvement-percent-of-gap"]}
    return data


def _service_level_data(
    doc: Mapping[str, Any],
    name: str,
    where: str,
    indicators: Mapping[str, Mapping[str, Any]],
    calendar: str | None,
    found: _Collector,
    declared: Mapping[str, KpiDefinition | None],
) -> dict[str, Any] | None:
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        found.add(f"{where}: spec", "is missing")
        return None
    notes = _notes_of(doc)

    indicator = spec.get("indicator")
    if indicator is None and spec.get("indicatorRef") is not None:
        indicator = indicators.get(str(spec["indicatorRef"]))
        if indicator is None:
            found.add(f"{where}: spec.indicatorRef", f"no SLI named {spec['indicatorRef']!r}")
            return None
    indicator_spec = _nested_value(indicator, "spec") or {}
    ratio = indicator_spec.get("ratioMetric") if isinstance(indicator_spec, Mapping) else None
    threshold = (
        indicator_spec.get("thresholdMetric") if isinstance(indicator_spec, Mapping) else None
    )
    source_spec: Any = None
    if isinstance(ratio, Mapping):
        for part in ("good", "bad", "total"):
            candidate = _nested_value(ratio, part, "metricSource")
            if _nested_value(candidate, "type") == METRIC_SOURCE_TYPE:
                source_spec = candidate.get("spec")
                break
    elif isinstance(threshold, Mapping) and "kpi" in notes:
        if _nested_value(threshold, "metricSource", "type") == METRIC_SOURCE_TYPE:
            source_spec = _nested_value(threshold, "metricSource", "spec")
    elif indicator is None and "kpi" in notes:
        pass  # no indicator at all: the annotated KPI is the whole definition
    else:
        found.add(
            f"{where}: spec.indicator",
            "only ratio SLOs (ratioMetric) can be imported; threshold and raw metrics have no "
            "ServicePact KPI to map to unless exported by ServicePact",
        )
        return None

    kpi_name = notes.get("kpi") or _nested_value(source_spec, "kpi")
    if not kpi_name:
        found.add(
            where,
            f"names no ServicePact KPI: add the annotation {PREFIX}kpi (one of "
            f"{', '.join(sorted(CATALOGUE))}) or a metric source of type {METRIC_SOURCE_TYPE}",
        )
        return None
    kpi = CATALOGUE.get(str(kpi_name)) or declared.get(str(kpi_name))
    if kpi is None:
        found.add(
            f"{where}: kpi", f"unknown KPI {kpi_name!r}; known KPIs: {', '.join(sorted(CATALOGUE))}"
        )
        return None

    mapped, period = _window_period(spec, notes, where, found)
    if not mapped:
        return None
    if spec.get("budgetingMethod", "Occurrences") != "Occurrences":
        found.add(
            f"{where}: spec.budgetingMethod",
            f"{spec.get('budgetingMethod')!r} cannot map: ServicePact counts occurrences "
            "(events), not time slices",
        )
        return None

    levels = _levels(spec.get("objectives"), notes, kpi.is_ratio(), kpi.direction, where, found)
    if levels is None:
        return None
    return _level_data(doc, name, notes, kpi, source_spec, calendar, period, levels, where, found)


def _clocks_of(kpi: Mapping[str, Any]) -> list[Any]:
    """The clock mappings anywhere in a declared KPI's raw declaration."""
    found: list[Any] = []
    stack: list[Any] = [kpi]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            if isinstance(item.get("clock"), Mapping):
                found.append(item["clock"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def declarations_in(docs: Iterable[Any]) -> dict[str, list[Any]]:
    """The declared KPIs and event types that exported SLOs carry in their metric sources
    (``{"kpis": [...], "event_types": [...]}``), each once, for a contract to take in."""
    kpis: dict[str, Any] = {}
    types: dict[str, Any] = {}
    for doc in docs:
        if not isinstance(doc, Mapping):
            continue
        indicator = _nested_value(doc, "spec", "indicator", "spec")
        if not isinstance(indicator, Mapping):
            continue
        metrics = [indicator.get("thresholdMetric")]
        ratio = indicator.get("ratioMetric")
        if isinstance(ratio, Mapping):
            metrics += [ratio.get(part) for part in ("good", "bad", "total")]
        for metric in metrics:
            spec = _nested_value(metric, "metricSource", "spec")
            if not isinstance(spec, Mapping):
                continue
            declaration = spec.get("declaration")
            if isinstance(declaration, Mapping) and isinstance(declaration.get("name"), str):
                kpis.setdefault(declaration["name"], dict(declaration))
            event_type = spec.get("eventType")
            if isinstance(event_type, Mapping) and isinstance(event_type.get("name"), str):
                types.setdefault(event_type["name"], dict(event_type))
    return {"kpis": list(kpis.values()), "event_types": list(types.values())}


def _json_note(
    notes: Mapping[str, str], key: str, where: str, found: _Collector
) -> dict[str, Any] | None:
    if key not in notes:
        return None
    try:
        value = json.loads(notes[key])
    except json.JSONDecodeError:
        found.add(f"{where}: metadata.annotations.{PREFIX}{key}", "is not valid JSON")
        return {}
    if not isinstance(value, dict):
        found.add(f"{where}: metadata.annotations.{PREFIX}{key}", "must be a JSON object")
        return {}
    return value


def _levels(
    objectives: Any,
    notes: Mapping[str, str],
    ratio: bool,
    direction: Direction,
    where: str,
    found: _Collector,
) -> tuple[Decimal, Decimal] | None:
    """Expected and minimum: exact from the annotations unless the objectives were edited."""
    if not isinstance(objectives, list) or not objectives:
        found.add(f"{where}: spec.objectives", "needs at least one objective")
        return None
    values: list[tuple[str, Decimal]] = []
    for index, objective in enumerate(objectives):
        label = str(_nested_value(objective, "displayName") or "")
        if ratio:
            target = _decimal(_nested_value(objective, "target"))
            if target is None and _nested_value(objective, "targetPercent") is not None:
                percent = _decimal(_nested_value(objective, "targetPercent"))
                target = percent / 100 if percent is not None else None
            if target is None:
                found.add(f"{where}: spec.objectives[{index}]", "needs a target (a share 0-1)")
                return None
            value = Decimal(1) - target if direction is Direction.LOWER_IS_BETTER else target
        else:
            given = _decimal(_nested_value(objective, "value"))
            if given is None:
                found.add(f"{where}: spec.objectives[{index}]", "needs a value")
                return None
            value = given
        annotated = _decimal(notes.get(label)) if label in ("expected", "minimum") else None
        # The annotation keeps the exact decimal; the objective is a float rendering of
        # it. Keep the exact one unless the objective was changed after export.
        if annotated is not None and float(value) == float(annotated):
            value = annotated
        values.append((label, Decimal(number_text(value))))
    by_label = dict(values)
    if "expected" in by_label and "minimum" in by_label:
        return by_label["expected"], by_label["minimum"]
    if len(values) == 1:
        return values[0][1], values[0][1]
    ordered = sorted(v for _, v in values)
    # With unnamed objectives, the stricter one is the expected level.
    if direction is Direction.HIGHER_IS_BETTER:
        return ordered[-1], ordered[0]
    return ordered[0], ordered[-1]
