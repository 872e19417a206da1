"""Risks raised by rules, findings from periods, and the heat map.

Each rule reads measured facts and, when its condition holds, raises a risk with
the explanation a person needs to act ("SL-02 breached in 2026-02 and 2026-03,
2 of the last 3 months"). A raised risk has a stable key (rule + subject), so
raising it again updates the same entry instead of adding a duplicate. The
thresholds and the likelihood and impact each rule assigns are data
(``RiskRules``) with the product's defaults; the client may change them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field

from servicepact.domain.contracts import Contract
from servicepact.domain.periods import parse_period
from servicepact.domain.portfolio import Party
from servicepact.domain.results import ResultStatus, ServiceLevelResult
from servicepact.domain.risks import (
    SCALE,
    ControlFinding,
    FindingSource,
    FindingStatus,
    Risk,
    RiskCategory,
    RiskLevel,
    RiskSource,
    level_for,
)


class RuleRating(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)


class RiskRules(BaseModel):
    """Thresholds of the automatic rules, and the rating each gives its risk."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    repeated_breach_count: int = Field(default=2, ge=1)
    repeated_breach_window_months: int = Field(default=3, ge=1)
    repeated_breach: RuleRating = RuleRating(likelihood=4, impact=4)
    missing_data_count: int = Field(default=2, ge=1)
    missing_data_window_months: int = Field(default=3, ge=1)
    missing_data: RuleRating = RuleRating(likelihood=3, impact=3)
    concentration_percent: Decimal = Field(default=Decimal(40), gt=0, le=100)
    concentration: RuleRating = RuleRating(likelihood=3, impact=4)
    certification_expired: RuleRating = RuleRating(likelihood=4, impact=4)
    # Load checks whose open findings mean data is missing or late.
    missing_data_checks: tuple[str, ...] = ("incomplete_day", "late_submission")


@dataclass(frozen=True)
class RaisedRisk:
    key: str
    rule: str
    category: RiskCategory
    title: str
    likelihood: int
    impact: int
    explanation: str
    contracts: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()
    evidence: tuple[str, ...] = field(default_factory=tuple)

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> RiskLevel:
        return level_for(self.score)

    def to_risk(self, *, risk_id: str, owner: str, review_date: date | None = None) -> Risk:
        return Risk(
            id=risk_id,
            title=self.title,
            category=self.category,
            likelihood=self.likelihood,
            impact=self.impact,
            owner=owner,
            review_date=review_date,
            contracts=self.contracts,
            vendors=self.vendors,
            source=RiskSource.RULE,
            rule=self.rule,
            explanation=self.explanation,
        )


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _in_window(label: str, as_of: date, months: int) -> bool:
    """The period starts within the ``months`` calendar months ending with ``as_of``'s month."""
    try:
        start = parse_period(label).start
    except ValueError:
        return False
    distance = _month_index(as_of) - _month_index(start)
    return 0 <= distance < months


def automatic_risks(
    *,
    as_of: date,
    contracts: Sequence[Contract],
    results: Sequence[ServiceLevelResult] = (),
    parties: Sequence[Party] = (),
    spend_by_vendor: Mapping[str, Decimal] | None = None,
    findings: Sequence[ControlFinding] = (),
    rules: RiskRules | None = None,
) -> list[RaisedRisk]:
    """Every risk the rules raise on the facts given, in a stable order."""
    rules = rules or RiskRules()
    by_id = {c.id: c for c in contracts}
    return [
        *_repeated_breaches(as_of, by_id, results, rules),
        *_missing_data(as_of, by_id, results, findings, rules),
        *_concentration(contracts, spend_by_vendor, rules),
        *_expired_certifications(as_of, contracts, parties, rules),
    ]


def _repeated_breaches(
    as_of: date,
    by_id: Mapping[str, Contract],
    results: Sequence[ServiceLevelResult],
    rules: RiskRules,
) -> list[RaisedRisk]:
    """1. Service quality: repeated breaches of a critical (credited) service level."""
    raised: list[RaisedRisk] = []
    breaches: dict[tuple[str, str], list[str]] = defaultdict(list)
    for result in results:
        contract = by_id.get(result.contract_id)
        if contract is None or result.running or result.status is not ResultStatus.BREACHED:
            continue
        try:
            level = contract.service_level(result.service_level_id)
        except KeyError:
            continue
        if level.credited and _in_window(result.period, as_of, rules.repeated_breach_window_months):
            breaches[(result.contract_id, result.service_level_id)].append(result.period)
    for (contract_id, sl_id), periods in sorted(breaches.items()):
        if len(periods) < rules.repeated_breach_count:
            continue
        contract = by_id[contract_id]
        months = sorted(set(periods))
        raised.append(
            RaisedRisk(
                key=f"repeated_breach:{contract_id}:{sl_id}",
                rule="repeated_breach",
                category=RiskCategory.SERVICE_QUALITY,
                title=f"{contract.service_level(sl_id).name} breached repeatedly",
                likelihood=rules.repeated_breach.likelihood,
                impact=rules.repeated_breach.impact,
                explanation=(
                    f"{sl_id} of {contract_id} breached in {', '.join(months)}: "
                    f"{len(months)} of the last {rules.repeated_breach_window_months} months "
                    f"(threshold {rules.repeated_breach_count})"
                ),
                contracts=(contract_id,),
                vendors=(contract.vendor,),
                evidence=tuple(months),
            )
        )
    return raised


def _missing_data(
    as_of: date,
    by_id: Mapping[str, Contract],
    results: Sequence[ServiceLevelResult],
    findings: Sequence[ControlFinding],
    rules: RiskRules,
) -> list[RaisedRisk]:
    """2. Internal control: missing or late data."""
    raised: list[RaisedRisk] = []
    missing: dict[str, set[str]] = defaultdict(set)
    for result in results:
        if (
            result.contract_id in by_id
            and not result.running
            and result.status is ResultStatus.INSUFFICIENT_DATA
            and _in_window(result.period, as_of, rules.missing_data_window_months)
        ):
            missing[result.contract_id].add(f"{result.period} {result.service_level_id}: no data")
    for finding in findings:
        if (
            finding.contract_id in by_id
            and finding.status is not FindingStatus.RESOLVED
            and finding.check in rules.missing_data_checks
        ):
            missing[finding.contract_id].add(f"{finding.check}: {finding.detail}")
    for contract_id, items in sorted(missing.items()):
        if len(items) < rules.missing_data_count:
            continue
        contract = by_id[contract_id]
        listed = sorted(items)
        raised.append(
            RaisedRisk(
                key=f"missing_data:{contract_id}",
                rule="missing_data",
                category=RiskCategory.INTERNAL_CONTROL,
                title=f"Missing or late data on {contract.name}",
                likelihood=rules.missing_data.likelihood,
                impact=rules.missing_data.impact,
                explanation=(
                    f"{len(listed)} gaps in the data of {contract_id} "
                    f"(threshold {rules.missing_data_count}): " + "; ".join(listed)
                ),
                contracts=(contract_id,),
                vendors=(contract.vendor,),
                evidence=tuple(listed),
            )
        )
    return raised


def _concentration(
    contracts: Sequence[Contract],
    spend_by_vendor: Mapping[str, Decimal] | None,
    rules: RiskRules,
) -> list[RaisedRisk]:
    """3. Concentration: more than a set share of spend with one vendor."""
    if not spend_by_vendor:
        return []
    total = sum(spend_by_vendor.values(), Decimal(0))
    if total <= 0:
        return []
    raised: list[RaisedRisk] = []
    for vendor, spend in sorted(spend_by_vendor.items()):
        share = Fraction(spend) / Fraction(total)
        if share * 100 > Fraction(rules.concentration_percent):
            percent = float(share * 100)
            raised.append(
                RaisedRisk(
                    key=f"concentration:{vendor}",
                    rule="concentration",
                    category=RiskCategory.CONCENTRATION,
                    title=f"{percent:.1f} % of outsourced spend with {vendor}",
                    likelihood=rules.concentration.likelihood,
                    impact=rules.concentration.impact,
                    explanation=(
                        f"{vendor} receives {spend} of {total} ({percent:.1f} %), above "
                        f"the {rules.concentration_percent} % threshold"
                    ),
                    contracts=tuple(sorted(c.id for c in contracts if c.vendor == vendor)),
                    vendors=(vendor,),
                )
            )
    return raised


def _expired_certifications(
    as_of: date, contracts: Sequence[Contract], parties: Sequence[Party], rules: RiskRules
) -> list[RaisedRisk]:
    """4. Compliance: a certification of a vendor (or broker) in use has expired."""
    raised: list[RaisedRisk] = []
    vendors_in_use = {c.vendor for c in contracts} | {c.broker for c in contracts if c.broker}
    for party in sorted(parties, key=lambda p: p.id):
        if party.id not in vendors_in_use:
            continue
        for cert in party.certifications:
            if cert.valid_until < as_of:
                raised.append(
                    RaisedRisk(
                        key=f"certification_expired:{party.id}:{cert.name}",
                        rule="certification_expired",
                        category=RiskCategory.COMPLIANCE,
                        title=f"{party.name}: {cert.name} expired",
                        likelihood=rules.certification_expired.likelihood,
                        impact=rules.certification_expired.impact,
                        explanation=(
                            f"{cert.name} of {party.id} was valid until {cert.valid_until}; "
                            f"as of {as_of} it has expired"
                        ),
                        contracts=tuple(
                            sorted(c.id for c in contracts if party.id in (c.vendor, c.broker))
                        ),
                        vendors=(party.id,),
                    )
                )
    return raised


# A declared expected volume is an estimate and real months vary around it: a period is
# "produced from incomplete data" below 90 % of it, not at the first missing event (product
# rule; the per-day load control in engine/controls.py flags days below 50 %).
INCOMPLETE_PERIOD_BELOW = Fraction(9, 10)


def period_findings(results: Sequence[ServiceLevelResult]) -> list[ControlFinding]:
    """A closed period whose result was produced from incomplete data is a control finding."""
    findings: list[ControlFinding] = []
    for result in results:
        if (
            result.running
            or result.completeness is None
            or result.completeness >= INCOMPLETE_PERIOD_BELOW
        ):
            continue
        percent = float(result.completeness * 100)
        findings.append(
            ControlFinding(
                key=f"period:{result.contract_id}:{result.service_level_id}:{result.period}",
                contract_id=result.contract_id,
                source=FindingSource.PERIOD,
                check="incomplete_period",
                period=result.period,
                detail=(
                    f"{result.service_level_id} {result.period} was computed from "
                    f"{percent:.1f} % of the expected events"
                ),
            )
        )
    return findings


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    impact: int
    level: RiskLevel
    risks: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.risks)


def heat_map(risks: Sequence[Risk]) -> list[list[HeatCell]]:
    """5 × 5 grid of open risks; rows by likelihood 5 (top) to 1, columns by impact 1 to 5."""
    cells: dict[tuple[int, int], list[str]] = defaultdict(list)
    for risk in risks:
        if risk.status.is_open:
            cells[(risk.likelihood, risk.impact)].append(risk.id)
    return [
        [
            HeatCell(
                likelihood,
                impact,
                level_for(likelihood * impact),
                tuple(sorted(cells[(likelihood, impact)])),
            )
            for impact in SCALE
        ]
        for likelihood in reversed(SCALE)
    ]
