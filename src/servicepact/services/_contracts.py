"""Steps inside a caller's unit of work: a stored contract read with the actor's scope, the
contracts one may see, and the version that governs a period.

Every service that works on a contract reads it here, in its own transaction, so that the
access rule is checked by the same query everywhere; ``services/contracts.py`` gives the
entry points the same reads as use cases (``get_contract(app, ...)``). A contract out of
the actor's scope answers exactly like a missing one (``NotFound``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from servicepact.domain.access import Actor
from servicepact.domain.calendars import HolidayList
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import NotFound
from servicepact.domain.periods import parse_period
from servicepact.store.db.uow import UnitOfWork


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
    effective_from: str | None = None  # YYYY-MM: the first month it governs; None: from the start

    @property
    def current(self) -> bool:
        return self.version == self.versions[-1]

    @property
    def calendar_hash(self) -> str:
        return self.contract.calendar_hash


def _not_found(contract_id: str) -> NotFound:
    # One message for "missing" and "not yours": a vendor must not learn that a
    # competitor's contract id exists.
    return NotFound(f"no contract {contract_id!r}", where=contract_id)


def first_month(label: str) -> str:
    """The first month (``YYYY-MM``) of a stored period label (a month, quarter or year)."""
    try:
        return f"{parse_period(label).start:%Y-%m}"
    except ValueError:  # a contract year ("Y2") needs the term: compare by its label's year
        return label[:7]


def governing_version(effects: Sequence[tuple[int, str | None]], period: str) -> int:
    """The version that governs a period: the newest one in force in its first month.

    ``effects`` is every version with the first month it governs (None: from the start),
    as ``ContractRepository.effects`` gives them.
    """
    first = first_month(period)
    governing = [v for v, since in effects if since is None or since <= first]
    if governing:
        return max(governing)
    return min(v for v, _ in effects)  # before every version's effect: the first version


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
        effective_from=record.effective_from,
    )


def governing_contract(
    uow: UnitOfWork, *, actor: Actor, contract_id: str, period: str
) -> StoredContract:
    """The stored version that governs a period (``governing_version``): what a view of that
    period — its scorecard, its review pack, its drill-down — reads the terms from."""
    current = get_contract(uow, actor=actor, contract_id=contract_id)  # access first
    effects = uow.contracts.effects(contract_id)
    version = governing_version(effects, period) if effects else current.version
    if version == current.version:
        return current
    return get_contract(uow, actor=actor, contract_id=contract_id, version=version)


def governing_contracts(
    uow: UnitOfWork, *, actor: Actor, contracts: Sequence[Contract], period: str
) -> list[Contract]:
    """``contracts`` (current versions, as listed) each replaced by the version governing
    ``period`` where an amendment applies only from a later month; read only then."""
    found = []
    for contract in contracts:
        effects = uow.contracts.effects(contract.id)
        latest = max((v for v, _ in effects), default=None)
        if latest is None or governing_version(effects, period) == latest:
            found.append(contract)
        else:
            found.append(
                governing_contract(
                    uow, actor=actor, contract_id=contract.id, period=period
                ).contract
            )
    return found


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


def visible_contracts(uow: UnitOfWork, *, actor: Actor) -> list[Contract]:
    """Every contract the actor may see, its current version."""
    return [
        get_contract(uow, actor=actor, contract_id=summary.id).contract
        for summary in list_contracts(uow, actor=actor)
    ]
