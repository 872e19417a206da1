"""The drill-down of a stored result: the events that made it, page by page.

``result_events`` reads the stored result (the latest version of the contract × service
level × period), then the very inputs it was measured on — the contract version, the
event batches it read, the exclusions approved before it was measured, its cut-off when
the period was running — and lists what the engine counted (engine/drilldown.py). The
list therefore adds up to the stored numerator and denominator; ``agrees`` says so, and
``freshness`` says whether the result is still current (services/freshness.py).

Computed lists are kept for the next pages (a few, least recently used first out), keyed
by the stored result's version, which fixes its inputs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract, ServiceLevel
from servicepact.domain.display import format_value
from servicepact.domain.errors import InvalidInput, NotFound, Problem
from servicepact.domain.exclusions import Exclusion, ExclusionReason
from servicepact.domain.kpis import Aggregate, KpiDefinition
from servicepact.domain.periods import parse_period
from servicepact.domain.results import ServiceLevelResult
from servicepact.engine.drilldown import (
    BREAKDOWN_COLUMNS,
    STORED_FORM,
    DrillDown,
    Shows,
    columns_needed,
    drill_down,
    from_arrow,
    in_list_order,
    to_arrow,
)
from servicepact.engine.evaluate import ClockCache
from servicepact.engine.kpis.base import MICROS, Measure
from servicepact.services._freshness import Freshness, result_freshness
from servicepact.services.ports import Ports
from servicepact.store.db.result_records import ResultRecord, ResultRecords
from servicepact.store.derived import DerivedCache

OUTCOMES = ("all", "failed", "met", "excluded")
MAX_PER_PAGE = 500
_CACHE_SIZE = 4
_cache: OrderedDict[str, DrillDown] = OrderedDict()
_cache_lock = threading.Lock()
_clocks = ClockCache()
# one thread writes the computed lists to disk, so the first page does not wait for it
_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drilldown-store")
_writing: set[Future[bool]] = set()


@dataclass(frozen=True)
class ResultEvents:
    """One page of a result's drill-down, with everything the result page shows."""

    contract_id: str
    contract_name: str
    vendor: str
    service_level: ServiceLevel
    definition: KpiDefinition
    result: ServiceLevelResult
    result_version: int
    evaluated_at: datetime
    evaluated_by: str
    measured_until: datetime | None
    timezone: str
    shows: str
    totals: dict[str, int]
    agrees: bool
    freshness: Freshness
    counts: dict[str, int]
    outcome: str
    page: int
    per_page: int
    total: int
    items: list[dict[str, Any]]
    breakdowns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    exclusion_reasons: tuple[str, ...] = tuple(r.value for r in ExclusionReason)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def summary(self) -> dict[str, Any]:
        """Everything but the items, as JSON-able values."""
        from servicepact.domain.display import result_document

        return {
            "contract_id": self.contract_id,
            "service_level_id": self.service_level.id,
            "period": self.result.period,
            "kpi": self.definition.name,
            "kpi_title": self.definition.title,
            "formula": self.definition.formula,
            "anchor": self.definition.anchor,
            "params": dict(self.service_level.params),
            "filter": dict(self.service_level.filter),
            "calendar": self.service_level.calendar_name,
            "timezone": self.timezone,
            "shows": self.shows,
            "result": result_document(self.result, self.service_level),
            "result_version": self.result_version,
            "evaluated_at": self.evaluated_at.isoformat(),
            "measured_until": None
            if self.measured_until is None
            else _local_iso(self.measured_until, self.timezone),
            "listed": self.totals,
            "agrees": self.agrees,
            "freshness": self.freshness.as_dict(),
            "counts": self.counts,
            "outcome": self.outcome,
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "breakdowns": self.breakdowns,
        }


def _check(outcome: str, page: int, per_page: int) -> None:
    problems = []
    if outcome not in OUTCOMES:
        problems.append(
            Problem("outcome", f"must be one of {', '.join(OUTCOMES)}", value=str(outcome))
        )
    if page < 1:
        problems.append(Problem("page", "must be 1 or more", value=str(page)))
    if not 1 <= per_page <= MAX_PER_PAGE:
        problems.append(
            Problem("per_page", f"must be from 1 to {MAX_PER_PAGE}", value=str(per_page))
        )
    if problems:
        raise InvalidInput(problems)


def _measured_until(record: ResultRecord) -> datetime | None:
    if not record.document.get("running"):
        return None
    text = record.document.get("measured_until")
    if text:
        return datetime.fromisoformat(text)
    return record.evaluated_at


def _applied_exclusions(uow: Any, record: ResultRecord) -> list[Exclusion]:
    """The exclusions the result was measured with: those it names, or (stored before results
    named them) those approved by the time it was measured."""
    from servicepact.store.db.evaluation import ExclusionRepository

    seen = record.document.get("exclusions_seen")
    approved = [
        e for e in uow.repo(ExclusionRepository).of_contract(record.contract_id) if e.approved
    ]
    if seen is not None:
        return [e for e in approved if e.id in set(seen)]
    return [
        e
        for e in approved
        if e.decided_at is not None and _utc(e.decided_at) <= _utc(record.evaluated_at)
    ]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _columns(store: Any, source: str, sl: ServiceLevel) -> list[str]:
    """The columns a drill-down reads: those its KPI reads, shows and breaks down by (for a
    declared KPI all but personal data, which is never shown nor needed)."""
    event_type = store.event_type(source)
    names = [c.name for c in event_type.columns]
    needed = columns_needed(sl, names)
    if needed is not None:
        return needed
    return [c.name for c in event_type.columns if c.personal_data is None or c.name in sl.filter]


def _stored_key(app: Any, record: ResultRecord, exclusions: list[Exclusion]) -> str:
    """What the list of a stored result was computed from, as one digest: the result's
    version, the contract version, the event batches read (their ids are the SHA-256 of
    their content), the exclusions applied, the cut-off of a running period."""
    import hashlib
    import json

    parts = {
        "form": STORED_FORM,
        "database": app.settings.resolved_database_url,
        "events": app.settings.event_store_root,
        "result": [record.contract_id, record.service_level_id, record.period, record.version],
        "contract_version": record.contract_version,
        "batches": list(record.document.get("batches_committed") or record.batches),
        "exclusions": sorted(
            [e.id, e.period, sorted(e.event_ids), str(e.decided_at)] for e in exclusions
        ),
        "until": str(_measured_until(record)),
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _derived(app: Any) -> DerivedCache:
    return DerivedCache(app.settings.data_dir / "cache" / "drilldown")


def _drill(app: Any, stored: Any, record: ResultRecord, exclusions: list[Exclusion]) -> DrillDown:
    """The list of the stored result: kept in memory for the next pages, and on disk (in list
    order, memory-mapped) so that the first page of the same result in another process, or
    after the memory's few lists moved on, is a slice and not a computation."""
    key = _stored_key(app, record, exclusions)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    kept = _derived(app).load(key)
    drill = None if kept is None else from_arrow(kept.first, kept.second, kept.document, exclusions)
    if drill is None:
        # answered from the list as computed (its pages sorted as asked for); put in list order
        # and written to disk beside the answer, not before it
        drill = _compute(app, stored, record, exclusions)
        _keep(_derived(app), key, drill)
    drill.inputs_key = key
    with _cache_lock:
        _cache[key] = drill
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return drill


def _keep(store: DerivedCache, key: str, drill: DrillDown) -> None:
    future = _writer.submit(_store, store, key, drill)
    with _cache_lock:
        _writing.add(future)
    future.add_done_callback(_written)


def _store(store: DerivedCache, key: str, drill: DrillDown) -> bool:
    form = to_arrow(in_list_order(drill))
    return False if form is None else store.save(key, form.events, form.items, form.meta)


def _written(future: Future[bool]) -> None:
    with _cache_lock:
        _writing.discard(future)


def flush_stored() -> None:
    """Wait until the lists being written to disk are written (tests, benchmarks)."""
    with _cache_lock:
        pending = list(_writing)
    wait(pending)


def _breakdowns(app: Any, drill: DrillDown) -> dict[str, list[dict[str, Any]]]:
    """The list's breakdowns, computed once per list (kept beside it on disk)."""
    found = drill.cached_breakdowns()
    if found is not None:
        return found
    key = drill.inputs_key
    if key is None or drill.shows is Shows.OUTAGES:
        return drill.breakdowns()
    store = _derived(app)
    kept = store.load_document(key, "breakdowns")
    if isinstance(kept, dict):
        return drill.set_breakdowns(kept)
    computed = drill.breakdowns()
    store.save_document(key, "breakdowns", computed)
    return computed


def _compute(app: Any, stored: Any, record: ResultRecord, exclusions: list[Exclusion]) -> DrillDown:
    contract: Contract = stored.contract
    sl = contract.service_level(record.service_level_id)
    store = app.event_store
    if hasattr(store, "with_types"):
        store = store.with_types(contract.declared_event_types)
    table = store.read(
        contract_id=record.contract_id,
        source=sl.source,
        batches=list(record.document.get("batches_committed") or record.batches),
        columns=_columns(store, sl.source, sl),
    )
    period = parse_period(record.period, term=contract.term)
    return drill_down(
        contract,
        sl,
        period,
        table,
        clock_cache=_clocks,
        exclusions=exclusions,
        until=_measured_until(record),
    )


@dataclass(frozen=True)
class _Loaded:
    """A stored result with what its event list is read from: the contract version that
    measured it, its record, the drill-down, and how fresh it is against today's terms."""

    stored: Any
    record: ResultRecord
    drill: DrillDown
    freshness: Freshness


def _load(
    app: Any, *, actor: Actor, contract_id: str, service_level_id: str, period: str
) -> _Loaded:
    from servicepact.services._contracts import get_contract, governing_contract
    from servicepact.store.db.evaluation import result_from_json

    with app.uow(read_only=True) as uow:
        current = get_contract(uow, actor=actor, contract_id=contract_id)  # access first
        try:
            label = parse_period(period, term=current.contract.term).label
        except ValueError as error:
            raise InvalidInput([Problem("period", str(error), value=period)]) from None
        held = {sl.id for sl in current.contract.service_levels}
        if service_level_id not in held and service_level_id not in {
            # a level an amendment removed from a later month on still has its earlier months
            sl.id
            for sl in governing_contract(
                uow, actor=actor, contract_id=contract_id, period=label
            ).contract.service_levels
        }:
            raise NotFound(
                f"contract {contract_id} has no service level {service_level_id!r}",
                where=service_level_id,
            )
        record = uow.repo(ResultRecords).latest(contract_id, service_level_id, label)
        if record is None:
            raise NotFound(
                f"no stored result of {service_level_id} for {label}: evaluate the period first",
                where=f"{contract_id}/{service_level_id}/{label}",
            )
        stored = (
            current
            if record.contract_version == current.version
            else get_contract(
                uow, actor=actor, contract_id=contract_id, version=record.contract_version
            )
        )
        exclusions = _applied_exclusions(uow, record)
        freshness = result_freshness(  # the level as the result's version holds it
            app, uow, record, contract=stored.contract, contract_version=current.version
        )
    drill = _drill(app, stored, record, exclusions)
    result_from_json(record.document)  # a stored document that no longer reads fails here
    return _Loaded(stored, record, drill, freshness)


def _agrees(drill: DrillDown, result: ServiceLevelResult) -> bool:
    totals = drill.totals()
    if totals["sample_size"] != result.sample_size or drill.excluded_count != result.excluded:
        return False
    if drill.shows is Shows.OPEN_TICKETS:
        return totals["numerator"] == result.numerator
    if drill.aggregate is Aggregate.MEAN:
        numerator: Fraction | int = Fraction(totals["numerator"], drill.scale)
    else:
        numerator = totals["numerator"]
    return numerator == result.numerator and totals["denominator"] == result.denominator


def result_events(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    service_level_id: str,
    period: str,
    outcome: str = "all",
    page: int = 1,
    per_page: int = 50,
    breakdowns: bool = True,
) -> ResultEvents:
    """One page of the events behind a stored result, failing first (see module doc).

    ``breakdowns=False`` leaves them out (a page that fetches them on their own shows its
    first page of events sooner: over a million events they cost as much as the list)."""
    from servicepact.store.db.evaluation import result_from_json

    _check(outcome, page, per_page)
    loaded = _load(
        app, actor=actor, contract_id=contract_id, service_level_id=service_level_id, period=period
    )
    stored, record, drill, freshness = loaded.stored, loaded.record, loaded.drill, loaded.freshness
    contract: Contract = stored.contract
    sl = contract.service_level(service_level_id)
    result = result_from_json(record.document)
    offset = (page - 1) * per_page
    items = [
        _format_item(item, drill, sl)
        for item in drill.page(outcome=outcome, offset=offset, limit=per_page)
    ]
    return ResultEvents(
        contract_id=contract.id,
        contract_name=contract.name,
        vendor=contract.vendor,
        service_level=sl,
        definition=sl.definition,
        result=result,
        result_version=record.version,
        evaluated_at=record.evaluated_at,
        evaluated_by=record.evaluated_by,
        measured_until=_measured_until(record),
        timezone=drill.timezone,
        shows=drill.shows.value,
        totals=drill.totals(),
        agrees=_agrees(drill, result),
        freshness=freshness,
        counts=drill.counts(),
        outcome=outcome,
        page=page,
        per_page=per_page,
        total=drill.total_of(outcome),
        items=items,
        breakdowns=_breakdowns(app, drill) if breakdowns else {},
    )


# The results whose events a reviewer opens first after new data: those not met.
_OPENED_FIRST = frozenset({"breached", "below_expected"})
PREPARED_PERIODS = 2  # the newest measured periods: the running month and the one before


def prepare_lists(app: Ports, *, actor: Actor, contract_id: str) -> list[tuple[str, str]]:
    """Compute and keep the event lists of the results a reviewer opens first after new data
    (not met, in the contract's newest measured periods), so that opening them is a slice of a
    kept list and not a computation (docs/results.md, "Order and pages"). Returns the
    (service level, period) of each list prepared; a list already kept costs a read."""
    from servicepact.services._contracts import get_contract
    from servicepact.store.db.evaluation import ResultRepository

    with app.uow(read_only=True) as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)  # access first
        latest = uow.repo(ResultRepository).latest(contract_id)
    newest = sorted({r.period_start for r in latest}, reverse=True)[:PREPARED_PERIODS]
    wanted = [
        (r.service_level_id, r.period)
        for r in latest
        if r.period_start in newest and str(r.status) in _OPENED_FIRST
    ]
    for service_level_id, period in wanted:
        _load(
            app, actor=actor, contract_id=contract_id, service_level_id=service_level_id,
            period=period,
        )  # fmt: skip
    flush_stored()
    return wanted


def iter_result_events(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    service_level_id: str,
    period: str,
    outcome: str = "all",
    flat: bool = True,
) -> Iterator[dict[str, Any]]:
    """Every item of the drill-down for ``outcome``, in list order, flattened for a
    CSV or XLSX export (one row per item) unless ``flat`` is False."""
    _check(outcome, 1, 1)
    loaded = _load(
        app, actor=actor, contract_id=contract_id, service_level_id=service_level_id, period=period
    )
    stored, drill = loaded.stored, loaded.drill
    sl = stored.contract.service_level(service_level_id)
    order = drill.order(outcome)
    for start in range(0, order.size, 2000):  # the events' cells read a block at a time
        for plain in drill.items(order[start : start + 2000]):
            item = _format_item(plain, drill, sl)
            yield _flatten(item) if flat else item


# --- presentation-neutral formatting (times in the contract's zone, exact numbers) -----


def _local_iso(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).isoformat()


def _local_time(instant_us: int | None, timezone: str) -> str | None:
    """A UTC µs instant as ISO 8601 in the contract's zone (microseconds only when present)."""
    if instant_us is None:
        return None
    seconds, micros = divmod(int(instant_us), MICROS)
    moment = datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=micros)
    local = moment.astimezone(ZoneInfo(timezone))
    return local.isoformat(timespec="microseconds" if micros else "seconds")


def _seconds_text(micros: int) -> str:
    """Microseconds as exact seconds text: 34000000 → "34", 1500000 → "1.5"."""
    value = Decimal(int(micros)).scaleb(-6).normalize()
    text = format(value, "f")
    return text


def _fraction_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def _format_item(item: dict[str, Any], drill: DrillDown, sl: ServiceLevel) -> dict[str, Any]:
    """An engine item as JSON-able values: times in the contract's zone, measures in seconds
    (or units, or the KPI's unit for means), the margin positive when better than target."""
    zone = drill.timezone
    out: dict[str, Any] = {
        "id": item.get("id"),
        "outcome": item["outcome"],
        "reason": item["reason"],
        "counts_at": _local_time(item["anchor_us"], zone),
        "numerator": item["numerator"],
        "denominator": item["denominator"],
    }
    if drill.shows is Shows.OUTAGES:
        out.update(
            kind=item["kind"],
            start=_local_time(item["start_us"], zone),
            end=_local_time(item["end_us"], zone),
            working_seconds=item["seconds"],
            event_ids=list(item["event_ids"]),
        )
        return out
    out["times"] = {
        name: _local_time(value, zone) if _is_instant(drill, name) else value
        for name, value in item.get("times", {}).items()
    }
    out["groups"] = {name: item.get("groups", {}).get(name) for name in BREAKDOWN_COLUMNS
                     if name in item.get("groups", {})}  # fmt: skip
    out["pauses"] = [
        {"start": _local_time(p["start_us"], zone), "end": _local_time(p["end_us"], zone)}
        for p in item.get("pauses", [])
    ]
    measured = _measures(item, drill, sl)
    out.update(
        measure=measured.measure,
        measured=measured.measured,
        target=measured.target,
        margin=measured.margin,
    )
    waiver = item.get("exclusion")
    out["exclusion"] = None if waiver is None else dict(waiver)
    return out


def _is_instant(drill: DrillDown, name: str) -> bool:
    import pyarrow as pa

    field_type = drill.table.schema.field(name).type
    return bool(pa.types.is_timestamp(field_type))


@dataclass(frozen=True)
class _Measured:
    """How one item measured, as text: the kind of measure, the item's value, its target and
    the margin (> 0: better than the target)."""

    measure: str | None = None
    measured: str | None = None
    target: str | None = None
    margin: str | None = None


def _measures(item: dict[str, Any], drill: DrillDown, sl: ServiceLevel) -> _Measured:
    """How ``item`` measured against its target, as text."""
    if "value" in item:
        unit = sl.definition.unit
        return _Measured(
            "value",
            format_value(item["value"], unit),
            format_value(item["target_value"], unit),
            _fraction_text(item["margin_value"]),
        )
    kind = item.get("measure")
    measured, target, margin = item.get("measured"), item.get("target"), item.get("margin")
    if kind is None or target is None:
        return _Measured()
    if kind == Measure.DURATION_US:
        return _Measured(
            "duration",
            None if measured is None else _seconds_text(measured),
            _seconds_text(target),
            None if margin is None else _seconds_text(margin),
        )
    if kind == Measure.BUSINESS_SECONDS:
        return _Measured(
            "business_time",
            None if measured is None else str(measured),
            str(target),
            None if margin is None else str(margin),
        )
    if kind == Measure.INSTANT_US:
        zone = drill.timezone
        # "by the end of the day": the deadline is the first instant that is late
        return _Measured(
            "deadline",
            _local_time(measured, zone),
            _local_time(target, zone),
            None if margin is None else _seconds_text(margin),
        )
    return _Measured(
        "quantity",
        None if measured is None else str(measured),
        str(target),
        None if margin is None else str(margin),
    )


EXPORT_COLUMNS = (
    "id", "outcome", "reason", "counts_at", "measure", "measured", "target", "margin",
    "numerator", "denominator", "exclusion", "pauses",
)  # fmt: skip


def _flatten(item: dict[str, Any]) -> dict[str, Any]:
    """One item as a flat row for CSV/XLSX: times and groups become their own columns."""
    row: dict[str, Any] = {}
    for name in EXPORT_COLUMNS:
        value = item.get(name)
        if name == "exclusion" and value is not None:
            value = f"{value['id']} ({value['reason']})"
        if name == "pauses":
            value = "; ".join(f"{p['start']}–{p['end'] or ''}" for p in value or [])
        row[name] = value
    for name, value in (item.get("times") or {}).items():
        row[name] = value
    for name, value in (item.get("groups") or {}).items():
        row[name] = value
    for name in ("kind", "start", "end", "working_seconds"):
        if name in item:
            row[name] = item[name]
    if "event_ids" in item:
        row["event_ids"] = " ".join(item["event_ids"])
    return row


def not_failing(
    app: Ports,
    *,
    actor: Actor,
    contract_id: str,
    service_level_id: str,
    period: str,
    event_ids: list[str],
) -> list[str]:
    """Those of ``event_ids`` that are not failing events of the stored result (an exclusion
    requested from the result page may name only events that failed it)."""
    import pyarrow as pa

    drill = _load(
        app, actor=actor, contract_id=contract_id, service_level_id=service_level_id, period=period
    ).drill
    if drill.shows is not Shows.EVENTS or "id" not in drill.table.column_names:
        return list(event_ids)
    rows = drill.rows[drill.order("failed")]
    failing = set(drill.table.column("id").take(pa.array(rows)).to_pylist())
    return [e for e in event_ids if e not in failing]
