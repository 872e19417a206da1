"""Contracts as code: apply a contract file, read it back, list what one may see.

Applying the same content twice changes nothing; changed content becomes a new
version (an amendment) that supersedes the old one, which stays readable.
Closed months (PRODUCT.md §2.3 "Period close") are frozen: an amendment of a contract
with closed months must say from which month it takes effect (``effective_from``), and
that month and every later one must be open — so no closed month's results can change
under it (docs/contract-file.md, "Amending a contract with closed months").
Scoping happens in the query: a vendor or broker user's request is filtered by
its party before it runs, and a contract out of scope answers exactly like a
missing one (``NotFound``), so its existence does not leak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, Protocol

from servicepact.domain.access import Actor
from servicepact.domain.calendars import HolidayList, holiday_lists_hash, list_difference
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import Conflict, InvalidInput, NotFound, PeriodClosed, Problem
from servicepact.domain.portfolio import Party, PartyKind
from servicepact.services.open_periods import closed_months, ensure_open_between
from servicepact.store.db.repositories import ContractHead, PartyOrigin
from servicepact.store.db.uow import UnitOfWork

ENTITY = "contract"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ContractDocumentLike(Protocol):
    """What ``apply_contract`` needs of a loaded file (``contractfile.ContractDocument``)."""

    @property
    def contract(self) -> Contract: ...
    @property
    def document(self) -> dict[str, Any]: ...
    @property
    def source(self) -> str: ...
    @property
    def sha256(self) -> str: ...


@dataclass(frozen=True)
class ApplyOutcome:
    contract_id: str
    version: int
    changed: bool
    supersedes: int | None = None
    effective_from: str | None = None  # YYYY-MM, when the amendment said so
    calendar_hash: str | None = None  # of the holiday lists fixed with the new version
    # Against the version it supersedes: (calendar, dates added, dates removed) per calendar
    # whose list differs — an amendment fixes today's package lists, and says what moved.
    holiday_changes: tuple[tuple[str, tuple[date, ...], tuple[date, ...]], ...] = ()


@dataclass(frozen=True)
class ContractSummary:
    id: str
    name: str
    client: str
    vendor: str
    broker: str | None
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class StoredContract:
    contract: Contract
    version: int
    versions: tuple[int, ...]
    applied_at: datetime
    applied_by: str
    sha256: str
    source_name: str | None
    supersedes: int | None
    # The holiday lists the version is measured with (stored when applied; the package's for
    # a version stored before lists were kept and not yet fixed by `servicepact init`).
    holidays: dict[str, HolidayList] | None = None
    holidays_stored: bool = True

    @property
    def current(self) -> bool:
        return self.version == self.versions[-1]

    @property
    def calendar_hash(self) -> str:
        return self.contract.calendar_hash


def holiday_changes(
    before: dict[str, HolidayList], after: dict[str, HolidayList]
) -> tuple[tuple[str, tuple[date, ...], tuple[date, ...]], ...]:
    """(calendar, added, removed) for each calendar whose dates differ between two sets of
    lists (a calendar only in one of them counts all its dates)."""
    changes = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old is None or new is None:
            present = new or old
            assert present is not None  # the name comes from one of the two
            none = HolidayList(first_year=present.first_year, last_year=present.last_year, dates=())
            old, new = old or none, new or none
        added, removed = list_difference(old, new)
        if added or removed:
            changes.append((name, added, removed))
    return tuple(changes)


def _not_found(contract_id: str) -> NotFound:
    # One message for "missing" and "not yours": a vendor must not learn that a
    # competitor's contract id exists.
    return NotFound(f"no contract {contract_id!r}", where=contract_id)


def _ensure_parties(uow: UnitOfWork, contract: Contract, *, at: datetime) -> list[Party]:
    """Check (portfolio loaded) or create (no portfolio yet) the parties a contract names."""
    wanted = [
        ("client", contract.client, PartyKind.CLIENT),
        ("vendor", contract.vendor, PartyKind.VENDOR),
    ]
    if contract.broker is not None:
        wanted.append(("broker", contract.broker, PartyKind.BROKER))
    portfolio_loaded = uow.parties.any_from_portfolio()
    problems: list[Problem] = []
    created: list[Party] = []
    for field_name, party_id, kind in wanted:
        stored = uow.parties.get(party_id)
        where = f"contract.{field_name}"
        if stored is None:
            if portfolio_loaded:
                problems.append(
                    Problem(
                        where,
                        f"unknown party {party_id!r}: add it to the portfolio first",
                        value=party_id,
                    )
                )
                continue
            party = Party(id=party_id, kind=kind, name=party_id)
            uow.parties.put(party, origin=PartyOrigin.CONTRACT, at=at)
            created.append(party)
        elif stored.party.kind is not kind:
            problems.append(
                Problem(
                    where,
                    f"party {party_id!r} is a {stored.party.kind.value}, not a {kind.value}",
                    value=party_id,
                )
            )
    if problems:
        raise InvalidInput(problems=problems)
    return created


def _check_amendment(head: ContractHead, contract: Contract) -> None:
    for field_name in ("vendor", "client"):
        before, after = getattr(head, field_name), getattr(contract, field_name)
        if before != after:
            raise Conflict(
                f"contract {contract.id!r} is with {field_name} {before!r}; a new version cannot "
                f"change it to {after!r} — give the new agreement its own contract id",
                where=f"contract.{field_name}",
            )


def parse_effective_from(text: str) -> date:
    """``YYYY-MM`` → the first day of that month; a clear error otherwise."""
    m = _MONTH.match(text.strip())
    if m is None or not 1 <= int(m[2]) <= 12:
        raise InvalidInput(
            problems=[
                Problem("--effective-from", "give a month as YYYY-MM, e.g. 2026-04", value=text)
            ]
        )
    return date(int(m[1]), int(m[2]), 1)


def _check_closed_months(uow: UnitOfWork, contract: Contract, effective_from: date | None) -> None:
    """Refuse an amendment that could change a closed month's results (module docstring)."""
    closed = closed_months(uow, contract.id)
    if effective_from is None:
        if not closed:
            return
        after = closed[-1]
        year, month = int(after[:4]), int(after[5:])
        suggestion = f"{year + month // 12:04d}-{month % 12 + 1:02d}"
        raise PeriodClosed(
            f"contract {contract.id!r} has closed months ({', '.join(closed)}); a changed version "
            f"would change their results. Say from which month it applies, after the last "
            f"closed one: servicepact contract apply FILE --effective-from {suggestion} — or "
            f"reopen the months it must cover first: servicepact reopen --contract {contract.id} "
            f'--period {closed[0]} --reason "..."',
            where=f"contract {contract.id}",
        )
    last = max(contract.term.end, date.fromisoformat(f"{closed[-1]}-01") if closed else date.min)
    ensure_open_between(
        uow,
        contract_id=contract.id,
        first=effective_from,
        last=last,
        doing=f"an amendment effective from {effective_from:%Y-%m}",
    )


def apply_contract(
    uow: UnitOfWork,
    *,
    actor: Actor,
    document: ContractDocumentLike,
    effective_from: str | None = None,
) -> ApplyOutcome:
    """Store a contract file: the first version, an amendment, or nothing when unchanged.

    ``effective_from`` (``YYYY-MM``) is required for an amendment while any month of the
    contract is closed, and must fall after every closed month.
    """
    actor.require_client("apply contracts")
    contract = document.contract
    effective = None if effective_from is None else parse_effective_from(effective_from)
    # Client roles see every contract, so this lookup is unscoped by construction.
    head = uow.contracts.head(contract.id, visible_to=actor)
    current_sha256 = None if head is None else uow.contracts.current_sha256(contract.id)
    if head is not None:
        if current_sha256 == document.sha256:
            return ApplyOutcome(
                contract_id=contract.id, version=head.current_version, changed=False
            )
        _check_amendment(head, contract)
        _check_closed_months(uow, contract, effective)
    at = uow.now()
    # The file's name only: a full path can name a person's home directory.
    source_name = PurePath(document.source).name or None
    # The calendars' holidays are fixed now, from the installed package, and measured with
    # from then on: a later package cannot change this version's results.
    lists = contract.materialise_holidays()
    calendar_hash = holiday_lists_hash(lists)
    changes = _holiday_changes_since(uow, contract.id, head, lists)
    for party in _ensure_parties(uow, contract, at=at):
        uow.record(
            actor=actor,
            entity_type="party",
            entity_id=party.id,
            action="create",
            after={"kind": party.kind, "origin": PartyOrigin.CONTRACT, "named_by": contract.id},
        )
    version = uow.contracts.add_version(
        contract=contract,
        document=document.document,
        sha256=document.sha256,
        at=at,
        applied_by=actor.user,
        source_name=source_name,
        previous=head,
        holidays=lists,
    )
    uow.record(
        actor=actor,
        entity_type=ENTITY,
        entity_id=contract.id,
        action="create" if head is None else "amend",
        before=None
        if head is None
        else {"version": head.current_version, "sha256": current_sha256},
        after={
            "version": version,
            "sha256": document.sha256,
            "source": source_name,
            "vendor": contract.vendor,
            "broker": contract.broker,
            "calendar_hash": calendar_hash,
            "holiday_years": list(contract.holiday_years),
            **({} if effective is None else {"effective_from": f"{effective:%Y-%m}"}),
            **({} if not changes else {"holiday_changes": _holiday_changes_audited(changes)}),
        },
    )
    return ApplyOutcome(
        contract_id=contract.id,
        version=version,
        changed=True,
        supersedes=None if head is None else head.current_version,
        effective_from=None if effective is None else f"{effective:%Y-%m}",
        calendar_hash=calendar_hash,
        holiday_changes=changes,
    )


HolidayChanges = tuple[tuple[str, tuple[date, ...], tuple[date, ...]], ...]
"""Per calendar whose holidays moved: its name, the dates added and the dates removed."""


def _holiday_changes_since(
    uow: UnitOfWork, contract_id: str, head: ContractHead | None, lists: dict[str, HolidayList]
) -> HolidayChanges:
    """How the holiday lists fixed now differ from those of the version in force (none for
    a first version)."""
    if head is None:
        return ()
    previous = uow.contracts.version(contract_id, head.current_version)
    if previous is None:
        return ()
    return holiday_changes(previous.contract.holiday_lists, lists)


def _holiday_changes_audited(changes: HolidayChanges) -> dict[str, dict[str, list[date]]]:
    return {
        name: {"added": list(added), "removed": list(removed)} for name, added, removed in changes
    }


def get_contract(
    uow: UnitOfWork, *, actor: Actor, contract_id: str, version: int | None = None
) -> StoredContract:
    head = uow.contracts.head(contract_id, visible_to=actor)
    if head is None:
        raise _not_found(contract_id)
    versions = tuple(uow.contracts.version_numbers(contract_id))
    wanted = head.current_version if version is None else version
    record = uow.contracts.version(contract_id, wanted)
    if record is None:
        raise NotFound(
            f"contract {contract_id!r} has no version {wanted} "
            f"(versions {versions[0]}–{versions[-1]})",
            where=contract_id,
        )
    return StoredContract(
        contract=record.contract,
        version=record.version,
        versions=versions,
        applied_at=record.applied_at,
        applied_by=record.applied_by,
        sha256=record.sha256,
        source_name=record.source_name,
        supersedes=record.supersedes,
        holidays=record.contract.holiday_lists,
        holidays_stored=record.holidays is not None,
    )


def export_contract(
    uow: UnitOfWork, *, actor: Actor, contract_id: str, version: int | None = None
) -> Contract:
    return get_contract(uow, actor=actor, contract_id=contract_id, version=version).contract


def list_contracts(uow: UnitOfWork, *, actor: Actor) -> list[ContractSummary]:
    return [
        ContractSummary(
            id=head.id,
            name=head.name,
            client=head.client,
            vendor=head.vendor,
            broker=head.broker,
            version=head.current_version,
            updated_at=head.updated_at,
        )
        for head in uow.contracts.heads(visible_to=actor)
    ]
