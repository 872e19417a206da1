"""What a demo run did, as plain data: the CLI renders it as tables or JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from servicepact.domain.results import ResultStatus

STATUS_SYMBOLS: dict[ResultStatus, str] = {
    ResultStatus.MET: "✓",
    ResultStatus.BELOW_EXPECTED: "▽",
    ResultStatus.BREACHED: "✗",
    ResultStatus.INSUFFICIENT_DATA: "·",
}
NOT_EVALUATED = " "
"""A month the run did not evaluate (e.g. not yet over)."""


@dataclass
class ServiceLevelRow:
    id: str
    name: str
    kind: str
    statuses: dict[str, str] = field(default_factory=dict)
    """Period label (2026-03) → ResultStatus value."""


@dataclass
class ContractRow:
    id: str
    name: str
    vendor: str
    broker: str | None
    version: int
    changed: bool
    currency: str = "KRW"
    service_levels: list[ServiceLevelRow] = field(default_factory=list)
    credits: str | None = None
    """Service credits charged over the closed months (after caps), as a decimal string."""
    earned_back: str | None = None
    credit_months: int = 0
    business_case: dict[str, str | int | None] | None = None
    """Saving, ROI and payback month of the contract's business case, when there is one."""

    def count(self, status: ResultStatus) -> int:
        return sum(
            1 for sl in self.service_levels for value in sl.statuses.values() if value == status
        )


@dataclass
class FileRow:
    contract_id: str
    source: str
    file: str
    rows: int
    accepted: int = 0
    rejected: int = 0
    corrections: int = 0
    findings: int = 0
    changed: bool = True
    correction_file: bool = False


@dataclass
class InvoiceRow:
    contract_id: str
    period: str
    file: str
    verdict: str
    expected_total: str
    invoiced_total: str
    differences: int


@dataclass
class VendorRow:
    vendor_id: str
    rank: int | None
    composite: float | None
    standing: str | None


@dataclass
class GovernanceRow:
    """Registers applied from examples/ and what the automatic rules raised."""

    risks_applied: int = 0
    risks_raised: int = 0
    open_risks: int = 0
    entrustments: int = 0
    ranking_period: str | None = None


@dataclass
class HandoffRow:
    """Hand-offs between the vendor and internal teams (from ticket assignment histories)."""

    contract_id: str
    tickets: int
    tickets_with_handoff: int
    handoffs: int
    bounced: int
    overload_weeks: int
    vendor_hours: float
    internal_hours: float


@dataclass
class SelectionRow:
    project: str
    name: str
    winner: str | None
    candidates: int


@dataclass
class AlertsRow:
    conditions: int = 0
    sent: int = 0
    already_sent: int = 0
    outbox: str = ""
    examples: list[str] = field(default_factory=list)


@dataclass
class LoginRow:
    """A demo sign-in for the web UI: known passwords, for the demo only."""

    name: str
    role: str
    party: str | None
    password: str


@dataclass
class DemoSummary:
    data_dir: str
    database: str
    year: int
    seed: int
    scale: float
    portfolio_changed: bool = False
    data_generated: bool = False
    contracts: list[ContractRow] = field(default_factory=list)
    files: list[FileRow] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    invoices: list[InvoiceRow] = field(default_factory=list)
    vendors: list[VendorRow] = field(default_factory=list)
    governance: GovernanceRow = field(default_factory=GovernanceRow)
    handoffs: list[HandoffRow] = field(default_factory=list)
    selections: list[SelectionRow] = field(default_factory=list)
    alerts: AlertsRow = field(default_factory=AlertsRow)
    logins: list[LoginRow] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether this run changed anything stored (a repeated run should not)."""
        return (
            self.portfolio_changed
            or any(c.changed for c in self.contracts)
            or any(f.changed for f in self.files)
        )

    def totals(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "rows": sum(f.rows for f in self.files),
            "accepted": sum(f.accepted for f in self.files),
            "rejected": sum(f.rejected for f in self.files),
            "corrections": sum(f.corrections for f in self.files),
            "findings": sum(f.findings for f in self.files),
        }

    def status_counts(self) -> dict[str, int]:
        counts = {status.value: 0 for status in ResultStatus}
        for contract in self.contracts:
            for status in ResultStatus:
                counts[status.value] += contract.count(status)
        return counts

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["changed"] = self.changed
        data["totals"] = self.totals()
        data["status_counts"] = self.status_counts()
        return data
