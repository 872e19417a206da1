"""Declared event types: the operational data a vendor submits (PRODUCT.md §5).

Each column has a type, whether it is required, allowed values where they are
fixed, and — for personal data — the category it holds, so that the loader
can pseudonymise or drop it under the contract's data-protection terms. Users
may declare their own event types with the same shape (``EventType``).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ColumnType(StrEnum):
    STRING = "string"
    TEXT = "text"  # free text: scanned for personal data and masked
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"  # ISO 8601 with an offset or Z
    DATE = "date"
    INTERVALS = "intervals"  # JSON array of [start, end] timestamp pairs
    ASSIGNMENTS = "assignments"  # JSON array of {party, from, to}


class PersonalData(StrEnum):
    """Categories of personal data (PIPA / GDPR Art. 28 entrustment terms)."""

    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    RESIDENT_NUMBER = "resident_number"  # Korean resident registration number
    ACCOUNT_NUMBER = "account_number"
    EMPLOYEE_ID = "employee_id"
    ADDRESS = "address"


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: ColumnType
    required: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    personal_data: PersonalData | None = None
    description: str = ""


class EventType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str
    columns: tuple[Column, ...]
    id_column: str = "id"

    @model_validator(mode="after")
    def _consistent(self) -> EventType:
        names = [c.name for c in self.columns]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"columns declared twice: {', '.join(duplicates)}")
        if self.id_column not in names:
            raise ValueError(f"the id column {self.id_column!r} is not declared")
        return self

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name: str, type_: ColumnType, description: str = "", **kw: object) -> Column:
    return Column(name=name, type=type_, description=description, **kw)


S, TX, INT, D, B, TS, DT, IV, AS = (
    ColumnType.STRING,
    ColumnType.TEXT,
    ColumnType.INTEGER,
    ColumnType.DECIMAL,
    ColumnType.BOOLEAN,
    ColumnType.TIMESTAMP,
    ColumnType.DATE,
    ColumnType.INTERVALS,
    ColumnType.ASSIGNMENTS,
)

BUILT_IN: dict[str, EventType] = {
    t.name: t
    for t in (
        EventType(
            name="tickets",
            description="Support cases, IT incidents and requests, HR cases.",
            columns=(
                _c("id", S, "ticket id", required=True),
                _c("created_at", TS, "when the ticket was opened", required=True),
                _c("first_response_at", TS, "first response to the requester"),
                _c("resolved_at", TS, "resolution (the last one, if reopened)"),
                _c("priority", S, "e.g. P1..P4"),
                _c("category", S),
                _c("channel", S, "phone, chat, email, portal ..."),
                _c("reopened", B, "reopened after resolution"),
                _c("csat", INT, "satisfaction 1-5", minimum=1, maximum=5),
                _c("pauses", IV, "clock pauses, e.g. waiting on customer"),
                _c("assignments", AS, "assignment history: party, from, to"),
                _c("requester_name", S, personal_data=PersonalData.NAME),
                _c("requester_email", S, personal_data=PersonalData.EMAIL),
                _c("requester_phone", S, personal_data=PersonalData.PHONE),
                _c("summary", TX, "free text; personal data in it is masked"),
            ),
        ),
        EventType(
            name="calls",
            description="Contact-centre calls offered to the vendor.",
            columns=(
                _c("id", S, required=True),
                _c("offered_at", TS, "when the call entered the queue", required=True),
                _c("answered_at", TS),
                _c("abandoned_at", TS),
                _c("talk_seconds", INT, minimum=0),
                _c("hold_seconds", INT, minimum=0),
                _c("wrap_seconds", INT, minimum=0),
                _c("resolved_first_contact", B),
                _c("qa_score", D, "quality evaluation 0-100", minimum=0, maximum=100),
                _c("csat", INT, "satisfaction 1-5", minimum=1, maximum=5),
                _c("queue", S),
                _c("channel", S),
                _c("agent", S),
                _c("caller_phone", S, personal_data=PersonalData.PHONE),
                _c("caller_name", S, personal_data=PersonalData.NAME),
            ),
        ),
        EventType(
            name="availability",
            description="Outages of a service; planned ones are maintenance windows.",
            columns=(
                _c("id", S, required=True),
                _c("service", S, required=True),
                _c("start", TS, required=True),
                _c("end", TS, required=True),
                _c("planned", B, required=True),
            ),
        ),
        EventType(
            name="payroll_items",
            description="One employee's payment in a payroll run.",
            columns=(
                _c("id", S, required=True),
                _c("run", S, required=True),
                _c("employee", S, personal_data=PersonalData.EMPLOYEE_ID, required=True),
                _c("scheduled_pay_date", DT, required=True),
                _c("paid_at", TS),
                _c("error", B, required=True),
                _c("corrected_at", TS),
                _c("account_number", S, personal_data=PersonalData.ACCOUNT_NUMBER),
                _c("resident_number", S, personal_data=PersonalData.RESIDENT_NUMBER),
            ),
        ),
        EventType(
            name="invoices_processed",
            description="Supplier invoices processed by accounts payable.",
            columns=(
                _c("id", S, required=True),
                _c("received_at", TS, required=True),
                _c("posted_at", TS),
                _c("paid_at", TS),
                _c("due_date", DT, required=True),
                _c("first_pass_match", B),
                _c("duplicate", B),
                _c("supplier", S),
                _c("amount", D, minimum=0),
            ),
        ),
        EventType(
            name="orders",
            description="Customer orders fulfilled by the logistics vendor.",
            columns=(
                _c("id", S, required=True),
                _c("promised_at", DT, "promised delivery date (local)", required=True),
                _c("delivered_at", TS),
                _c("qty_ordered", INT, minimum=0, required=True),
                _c("qty_delivered", INT, minimum=0),
                _c("warehouse", S),
                _c("customer_name", S, personal_data=PersonalData.NAME),
                _c("customer_address", S, personal_data=PersonalData.ADDRESS),
            ),
        ),
        EventType(
            name="inventory_counts",
            description="Cycle counts of stock: system quantity against counted quantity.",
            columns=(
                _c("id", S, required=True),
                _c("sku", S, required=True),
                _c("location", S, required=True),
                _c("counted_at", TS, required=True),
                _c("system_qty", INT, minimum=0, required=True),
                _c("counted_qty", INT, minimum=0, required=True),
            ),
        ),
        EventType(
            name="campaigns",
            description="Marketing campaigns run by the vendor.",
            columns=(
                _c("id", S, required=True),
                _c("name", S),
                _c("planned_launch", TS, required=True),
                _c("launched_at", TS),
                _c("sent", INT, minimum=0),
                _c("delivered", INT, minimum=0),
                _c("bounced", INT, minimum=0),
                _c("converted", INT, minimum=0),
            ),
        ),
    )
}


# The column that anchors each built-in event type's events in time: when an event arrived,
# for the completeness and lateness controls (KPIS.md §3), for counting units per month (fees)
# and for the received-per-working-day check of the evaluation.
ANCHORS: dict[str, str] = {
    "tickets": "created_at",
    "calls": "offered_at",
    "availability": "start",
    "payroll_items": "scheduled_pay_date",
    "invoices_processed": "received_at",
    "orders": "promised_at",
    "inventory_counts": "counted_at",
    "campaigns": "planned_launch",
}

# Every column a built-in KPI over the type counts an event at (KPIS.md rule 3): the months a
# row can change are the months any of them falls in. ``ANCHORS`` names the arrival alone; an
# invoice received in August but due in October also counts in October (on-time payment is
# anchored at its due date), a ticket created in March and resolved in April counts in April
# (resolution targets are anchored where they were met), an outage running over a month end
# counts in both months. Loading into a closed month is refused by these (services/loads.py).
MEASURED_AT: dict[str, tuple[str, ...]] = {
    "tickets": ("created_at", "first_response_at", "resolved_at"),
    "calls": ("offered_at", "answered_at"),
    "availability": ("start", "end"),
    "payroll_items": ("scheduled_pay_date",),
    "invoices_processed": ("received_at", "due_date"),
    "orders": ("promised_at",),
    "inventory_counts": ("counted_at",),
    "campaigns": ("planned_launch",),
}

# Events a built-in KPI counts in every month they span, not only in the months of the
# columns above: an outage's downtime falls in each month it overlaps (availability); a
# ticket is in the backlog at each month end from its creation to its resolution
# (``backlog_older_than``), and a ticket that missed its target counts at its expiry, which
# lies in between (``responded_within``, ``resolved_within``). An outage from 20 September to
# 5 November changes October; so does a ticket created in September and resolved in November
# or still open. (first column, last column, whether an empty last column runs on to now: a
# ticket still open is in every backlog since; an outage without an end is not measured.)
MEASURED_ACROSS: dict[str, tuple[str, str, bool]] = {
    "tickets": ("created_at", "resolved_at", True),
    "availability": ("start", "end", False),
}
