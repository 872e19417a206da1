"""Holiday lists of stored contracts: fixing them for old versions, and checking them against
the installed ``holidays`` package (docs/business-time.md, "Holiday lists").

A contract version's holidays are fixed when it is applied (services/contracts.py) and every
measurement of it reads those dates. Nothing here changes a result:

* ``fix_missing_holiday_lists`` fills the lists of versions stored before lists were kept,
  once, from the installed package, with an audit entry per version (``servicepact init``
  calls it right after upgrading the schema);
* ``check_calendars`` compares each stored list with what the installed package gives today
  and proposes the amendment that would adopt the difference — applying it is the user's
  decision, made visible as a new contract version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from servicepact.domain.access import Actor
from servicepact.domain.calendars import HolidayList, holiday_lists_hash, list_difference
from servicepact.domain.contracts import Contract
from servicepact.services._contracts import get_contract
from servicepact.services.contracts import ENTITY
from servicepact.services.ports import Ports

FIX_ACTION = "fix-holidays"


@dataclass(frozen=True)
class FixedList:
    contract_id: str
    version: int
    calendar_hash: str
    calendars: tuple[str, ...]


def fix_missing_holiday_lists(app: Ports, *, actor: Actor) -> list[FixedList]:
    """Fix the holiday lists of every version that has none, from the installed package (the
    dates the version was measured with until now), audited; idempotent."""
    fixed: list[FixedList] = []
    with app.uow() as uow:
        for contract_id, version in uow.contracts.versions_without_holidays():
            record = uow.contracts.version(contract_id, version)
            if record is None:  # pragma: no cover - listed just above in this transaction
                continue
            lists = record.contract.materialise_holidays()
            uow.contracts.fix_holidays(contract_id, version, lists)
            digest = holiday_lists_hash(lists)
            uow.record(
                actor=actor,
                entity_type=ENTITY,
                entity_id=contract_id,
                action=FIX_ACTION,
                after={
                    "version": version,
                    "calendar_hash": digest,
                    "holiday_years": list(record.contract.holiday_years),
                    "calendars": sorted(lists),
                    "why": "version stored before holiday lists were kept: fixed once from "
                    "the installed holidays package",
                },
            )
            fixed.append(FixedList(contract_id, version, digest, tuple(sorted(lists))))
    return fixed


@dataclass(frozen=True)
class CalendarDrift:
    """One calendar of a stored contract version against the installed package."""

    contract_id: str
    version: int
    calendar: str
    first_year: int
    last_year: int
    stored_sha256: str
    package_sha256: str
    added: tuple[date, ...]  # the package lists them, the stored list does not
    removed: tuple[date, ...]  # the stored list has them, the package no longer does
    country: str | None = None
    subdivision: str | None = None

    @property
    def differs(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True)
class ContractCalendarCheck:
    contract_id: str
    version: int
    source_name: str | None
    calendar_hash: str
    stored: bool  # False: the version's lists are not fixed yet (run `servicepact init`)
    calendars: tuple[CalendarDrift, ...]
    proposal: dict[str, Any] = field(default_factory=dict)  # the calendars block to amend
    effective_from: str | None = None  # YYYY-MM of the first differing date

    @property
    def differs(self) -> bool:
        return any(c.differs for c in self.calendars)


def _proposal(contract: Contract, drifts: list[CalendarDrift]) -> dict[str, Any]:
    """The ``calendars`` entries that adopt the package's dates explicitly: a date the package
    now lists goes to ``add``, a date it dropped to ``remove`` — so the amended version gives
    the same dates with this package or any other."""
    block: dict[str, Any] = {}
    for drift in drifts:
        if not drift.differs:
            continue
        rule = contract.calendars[drift.calendar].holidays
        assert rule is not None  # only calendars with holidays have lists
        holidays: dict[str, Any] = {}
        if rule.country:
            holidays["country"] = rule.country
        if rule.subdivision:
            holidays["subdivision"] = rule.subdivision
        add = sorted(set(rule.add) | set(drift.added))
        remove = sorted(set(rule.remove) | set(drift.removed))
        if add:
            holidays["add"] = [d.isoformat() for d in add]
        if remove:
            holidays["remove"] = [d.isoformat() for d in remove]
        block[drift.calendar] = {"holidays": holidays}
    return block


def check_contract_calendars(
    app: Ports, *, actor: Actor, contract_id: str
) -> ContractCalendarCheck:
    """The current version's stored lists against the installed package (changes nothing)."""
    with app.uow(read_only=True) as uow:
        stored = get_contract(uow, actor=actor, contract_id=contract_id)
    contract = stored.contract
    drifts: list[CalendarDrift] = []
    for name, held in sorted(contract.holiday_lists.items()):
        calendar = contract.calendars[name]
        package = calendar.with_stored(None).materialise_holidays(held.first_year, held.last_year)
        assert package is not None  # a list exists only for a calendar with holidays
        added, removed = list_difference(held, package)
        rule = calendar.holidays
        drifts.append(
            CalendarDrift(
                contract_id=contract.id,
                version=stored.version,
                calendar=name,
                first_year=held.first_year,
                last_year=held.last_year,
                stored_sha256=held.sha256,
                package_sha256=package.sha256,
                added=added,
                removed=removed,
                country=None if rule is None else rule.country,
                subdivision=None if rule is None else rule.subdivision,
            )
        )
    moved = sorted(d for drift in drifts for d in (*drift.added, *drift.removed))
    return ContractCalendarCheck(
        contract_id=contract.id,
        version=stored.version,
        source_name=stored.source_name,
        calendar_hash=stored.calendar_hash,
        stored=stored.holidays_stored,
        calendars=tuple(drifts),
        proposal=_proposal(contract, drifts),
        effective_from=f"{moved[0]:%Y-%m}" if moved else None,
    )


def check_calendars(
    app: Ports, *, actor: Actor, contract_id: str | None = None
) -> list[ContractCalendarCheck]:
    """Every contract the actor may see (or one), by id."""
    if contract_id is not None:
        return [check_contract_calendars(app, actor=actor, contract_id=contract_id)]
    with app.uow(read_only=True) as uow:
        ids = [head.id for head in uow.contracts.heads(visible_to=actor)]
    return [check_contract_calendars(app, actor=actor, contract_id=cid) for cid in ids]


def holiday_list_rows(lists: dict[str, HolidayList]) -> list[dict[str, Any]]:
    """The lists as plain rows (for ``contract show --format json`` and the API)."""
    return [
        {
            "calendar": name,
            "first_year": lists[name].first_year,
            "last_year": lists[name].last_year,
            "sha256": lists[name].sha256,
            "dates": [d.isoformat() for d in lists[name].dates],
        }
        for name in sorted(lists)
    ]
