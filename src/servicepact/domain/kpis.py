"""The KPI catalogue: what each KPI means (KPIS.md), as data.

This module says *what* a KPI is — the event type it reads, its parameters,
unit, direction, anchor and exact formula. How it is computed over millions of
events lives in ``engine/kpis/``, keyed by the same names; a test checks the
two agree name for name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from servicepact.domain.errors import UnknownKpi


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class Unit(StrEnum):
    RATIO = "ratio"  # numerator / denominator, shown as a percentage
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    BUSINESS_DAYS = "business_days"
    COUNT = "count"
    SCORE = "score"


class Aggregate(StrEnum):
    RATIO = "ratio"  # exact integer numerator and denominator
    MEAN = "mean"  # exact sum and count
    COUNT = "count"
    VALUE = "value"  # one value of the window's events (a percentile, a maximum) in 1/scale


@dataclass(frozen=True)
class Param:
    name: str
    type: type
    description: str
    default: Any = None
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class KpiDefinition:
    name: str
    title: str
    family: str
    event_type: str
    unit: Unit
    direction: Direction
    aggregate: Aggregate
    formula: str
    anchor: str
    params: tuple[Param, ...] = ()
    uses_calendar: bool = False
    source: str = "KPIS.md"
    notes: str = ""
    # A value at the period's end (a backlog), not a sum over its events: it cannot be
    # aggregated over several periods (a quarter's value is no more than its last month's).
    snapshot: bool = False
    param_index: dict[str, Param] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "param_index", {p.name: p for p in self.params})

    def is_ratio(self) -> bool:
        return self.unit is Unit.RATIO


H, L = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER

_SHORT_ABANDON = Param(
    "short_abandon_seconds",
    int,
    "calls abandoned within this many seconds of being offered are not counted",
    default=5,
    minimum=0,
)
_TARGET_HOURS = Param(
    "hours",
    float,
    "target in hours of the SL's calendar; or give hours_by_priority",
    minimum=0,
)
_BY_PRIORITY = Param(
    "hours_by_priority",
    dict,
    "target hours per priority, e.g. {P1: 4, P2: 8}; tickets of other priorities are not counted",
)
_CLOCK_FROM = Param(
    "clock_from",
    str,
    "'created' (default) or 'handoff': measure from the hand-off to `party` (an OLA)",
    default="created",
)
_PARTY = Param("party", str, "the party whose hand-off starts the clock (with clock_from: handoff)")

CATALOGUE: dict[str, KpiDefinition] = {
    k.name: k
    for k in (
        # --- contact centre -------------------------------------------------
        KpiDefinition(
            "answered_within",
            "Calls answered within N seconds (service level)",
            "contact centre",
            "calls",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "calls answered within `seconds` of offered_at ÷ (calls offered − short abandons)",
            "offered_at",
            (
                Param("seconds", int, "answer target in seconds", required=True, minimum=0),
                _SHORT_ABANDON,
            ),
        ),
        KpiDefinition(
            "average_speed_of_answer",
            "Average speed of answer",
            "contact centre",
            "calls",
            Unit.SECONDS,
            L,
            Aggregate.MEAN,
            "mean of (answered_at − offered_at) over answered calls",
            "answered_at",
        ),
        KpiDefinition(
            "abandonment_rate",
            "Abandonment rate",
            "contact centre",
            "calls",
            Unit.RATIO,
            L,
            Aggregate.RATIO,
            "calls abandoned (not short) ÷ (calls offered − short abandons)",
            "offered_at",
            (_SHORT_ABANDON,),
        ),
        KpiDefinition(
            "average_handle_time",
            "Average handle time",
            "contact centre",
            "calls",
            Unit.SECONDS,
            L,
            Aggregate.MEAN,
            "mean of talk + hold + wrap seconds over answered calls",
            "answered_at",
        ),
        KpiDefinition(
            "first_contact_resolution",
            "First-contact resolution",
            "contact centre",
            "calls",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "answered calls with resolved_first_contact true ÷ answered calls with a value",
            "offered_at",
        ),
        KpiDefinition(
            "csat_average",
            "Customer satisfaction (average, 1-5)",
            "contact centre",
            "calls",
            Unit.SCORE,
            H,
            Aggregate.MEAN,
            "mean csat over calls with a score",
            "offered_at",
        ),
        KpiDefinition(
            "csat_top2",
            "Customer satisfaction (top-2-box)",
            "contact centre",
            "calls",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "calls scored 4 or 5 ÷ calls with a score",
            "offered_at",
        ),
        KpiDefinition(
            "quality_score",
            "Quality score (0-100)",
            "contact centre",
            "calls",
            Unit.SCORE,
            H,
            Aggregate.MEAN,
            "mean qa_score over scored calls",
            "offered_at",
        ),
        # --- tickets ----------------------------------------------------------
        KpiDefinition(
            "responded_within",
            "Tickets responded to within target",
            "tickets",
            "tickets",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "anchored tickets whose business time from created_at (or hand-off) to "
            "first_response_at, minus pauses, is ≤ target ÷ anchored tickets",
            "the earlier of first response and the deadline",
            (_TARGET_HOURS, _BY_PRIORITY, _CLOCK_FROM, _PARTY),
            uses_calendar=True,
        ),
        KpiDefinition(
            "resolved_within",
            "Tickets resolved within target",
            "tickets",
            "tickets",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "anchored tickets whose business time from created_at (or hand-off) to "
            "resolved_at, minus pauses, is ≤ target ÷ anchored tickets",
            "the earlier of resolution and the deadline",
            (_TARGET_HOURS, _BY_PRIORITY, _CLOCK_FROM, _PARTY),
            uses_calendar=True,
        ),
        KpiDefinition(
            "mean_time_to_resolve",
            "Mean time to resolve",
            "tickets",
            "tickets",
            Unit.HOURS,
            L,
            Aggregate.MEAN,
            "mean business hours from created_at to resolved_at, minus pauses, "
            "over tickets resolved in the period",
            "resolved_at",
            uses_calendar=True,
        ),
        KpiDefinition(
            "backlog_older_than",
            "Backlog older than N days",
            "tickets",
            "tickets",
            Unit.COUNT,
            L,
            Aggregate.COUNT,
            "tickets open at the period's end older than `days` calendar days",
            "the period's end",
            (Param("days", int, "age in calendar days", required=True, minimum=0),),
            snapshot=True,
        ),
        KpiDefinition(
            "reopen_rate",
            "Reopen rate",
            "tickets",
            "tickets",
            Unit.RATIO,
            L,
            Aggregate.RATIO,
            "tickets resolved in the period later reopened ÷ tickets resolved in the period",
            "resolved_at",
        ),
        # --- IT operations ----------------------------------------------------
        KpiDefinition(
            "availability",
            "Service availability",
            "IT operations",
            "availability",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "(agreed service minutes − unplanned downtime minutes) ÷ agreed service minutes; "
            "agreed = calendar working minutes − planned outages; overlaps merged",
            "outage minutes fall where they happen",
            (Param("service", str, "only outages of this service"),),
            uses_calendar=True,
        ),
        # --- payroll ----------------------------------------------------------
        KpiDefinition(
            "payroll_accuracy",
            "Payroll accuracy",
            "payroll",
            "payroll_items",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "1 − items with error ÷ items",
            "scheduled_pay_date",
        ),
        KpiDefinition(
            "payroll_on_time",
            "Payroll paid on time",
            "payroll",
            "payroll_items",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "items with paid_at on or before the end of scheduled_pay_date (local) ÷ items",
            "scheduled_pay_date",
        ),
        # --- accounts payable -------------------------------------------------
        KpiDefinition(
            "invoice_cycle_time",
            "Invoice cycle time",
            "accounts payable",
            "invoices_processed",
            Unit.BUSINESS_DAYS,
            L,
            Aggregate.MEAN,
            "mean business days from received_at to posted_at",
            "received_at",
            uses_calendar=True,
        ),
        KpiDefinition(
            "first_pass_match_rate",
            "First-pass match rate",
            "accounts payable",
            "invoices_processed",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "invoices with first_pass_match true ÷ invoices",
            "received_at",
        ),
        KpiDefinition(
            "on_time_payment",
            "Invoices paid on time",
            "accounts payable",
            "invoices_processed",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "invoices with paid_at ≤ end of due_date (local) ÷ invoices",
            "due_date",
        ),
        KpiDefinition(
            "duplicate_payment_rate",
            "Duplicate payment rate",
            "accounts payable",
            "invoices_processed",
            Unit.RATIO,
            L,
            Aggregate.RATIO,
            "invoices with duplicate true ÷ invoices",
            "received_at",
        ),
        # --- logistics --------------------------------------------------------
        KpiDefinition(
            "otif",
            "On time in full",
            "logistics",
            "orders",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "orders delivered by the end of promised_at (local) with qty_delivered ≥ "
            "qty_ordered ÷ orders",
            "promised_at",
        ),
        KpiDefinition(
            "fill_rate",
            "Fill rate",
            "logistics",
            "orders",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "Σ min(qty_delivered, qty_ordered) ÷ Σ qty_ordered",
            "promised_at",
        ),
        KpiDefinition(
            "inventory_accuracy",
            "Inventory record accuracy",
            "logistics",
            "inventory_counts",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "counts with |system_qty − counted_qty| ≤ tolerance ÷ counts",
            "counted_at",
            (
                Param("tolerance", int, "allowed difference in units", default=0, minimum=0),
                Param(
                    "tolerance_percent",
                    float,
                    "allowed difference as a percent of system_qty (instead of units)",
                    minimum=0,
                ),
            ),
        ),
        # --- marketing --------------------------------------------------------
        KpiDefinition(
            "campaign_on_time",
            "Campaigns launched on time",
            "marketing",
            "campaigns",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "campaigns with launched_at ≤ planned_launch + grace_hours ÷ campaigns",
            "planned_launch",
            (Param("grace_hours", float, "allowed delay in hours", default=0, minimum=0),),
        ),
        KpiDefinition(
            "delivery_rate",
            "Delivery rate",
            "marketing",
            "campaigns",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "Σ delivered ÷ Σ sent",
            "planned_launch",
        ),
        KpiDefinition(
            "conversion_rate",
            "Conversion rate",
            "marketing",
            "campaigns",
            Unit.RATIO,
            H,
            Aggregate.RATIO,
            "Σ converted ÷ Σ delivered",
            "planned_launch",
        ),
    )
}


def get_kpi(name: str) -> KpiDefinition:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise UnknownKpi(
            f"unknown KPI {name!r}; known: {', '.join(sorted(CATALOGUE))}", where=name
        ) from None


def check_params(kpi: KpiDefinition, params: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems with a service level's parameters as (parameter, message) pairs."""
    problems: list[tuple[str, str]] = []
    for name in params:
        if name not in kpi.param_index:
            known = ", ".join(kpi.param_index) or "none"
            problems.append((name, f"is not a parameter of {kpi.name} (its parameters: {known})"))
    for param in kpi.params:
        if param.name not in params:
            if param.required:
                problems.append((param.name, f"is required by {kpi.name}: {param.description}"))
            continue
        value = params[param.name]
        if param.type is dict:
            if not isinstance(value, dict) or not value:
                problems.append((param.name, "must be a mapping, e.g. {P1: 4, P2: 8}"))
                continue
            for key, hours in value.items():
                if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
                    problems.append((f"{param.name}.{key}", "must be a positive number of hours"))
            continue
        if param.type is str:
            if not isinstance(value, str):
                problems.append((param.name, "must be text"))
            continue
        numeric = (int,) if param.type is int else (int, float)
        if isinstance(value, bool) or not isinstance(value, numeric):
            kind = "a whole number" if param.type is int else "a number"
            problems.append((param.name, f"must be {kind}, got {value!r}"))
            continue
        if param.minimum is not None and value < param.minimum:
            problems.append((param.name, f"must be at least {param.minimum:g}, got {value!r}"))
        if param.maximum is not None and value > param.maximum:
            problems.append((param.name, f"must be at most {param.maximum:g}, got {value!r}"))
    if kpi.name in ("responded_within", "resolved_within"):
        if ("hours" in params) == ("hours_by_priority" in params):
            problems.append(("hours", "give exactly one of hours and hours_by_priority"))
        if params.get("clock_from", "created") not in ("created", "handoff"):
            problems.append(("clock_from", "must be 'created' or 'handoff'"))
        if params.get("clock_from") == "handoff" and "party" not in params:
            problems.append(("party", "is required with clock_from: handoff"))
    if (
        kpi.name == "inventory_accuracy"
        and "tolerance_percent" in params
        and params.get("tolerance", 0)
    ):
        problems.append(("tolerance", "give tolerance or tolerance_percent, not both"))
    return problems
