"""Contracts as code: apply a contract file, read it back, list what one may see.

Applying the same content twice changes nothing; changed content becomes a new
version (an amendment) that supersedes the old one, which stays readable.
Closed months (PRODUCT.md §2.3 "Period close") are frozen: an amendment of a contract
with closed months must say from which month it takes effect (``effective_from``), and
that month and every later one must be open — so no closed month's results can change
under it (docs/contract-file.md, "Amending a contract with closed months").
Measured months are not re-measured silently either: an amendment of a contract with
stored results must say either from which month it applies (``effective_from``, after
every measured month it must not change) or from which month the user accepts that the
results are measured again (``remeasure_from``); otherwise it is refused, naming the months
and their current results. Each version records the first month it governs; a month is
measured under the newest version in force in it (``governing_version``), so earlier months
keep the previous version's terms.
Scoping happens in the query: a vendor or broker user's request is filtered by
its party before it runs, and a contract out of scope answers exactly like a
missing one (``NotFound``), so its existence does not leak.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from pathlib import PurePath
from typing import Any, Protocol

from servicepact.domain.access import Actor
from servicepact.domain.calendars import HolidayList, holiday_lists_hash, list_difference
from servicepact.domain.contracts import Contract
from servicepact.domain.errors import Conflict, InvalidInput, PeriodClosed, Problem
from servicepact.domain.portfolio import Party, PartyKind, Portfolio
from servicepact.services import _contracts, _portfolio
from servicepact.services._contracts import (
    ContractSummary as ContractSummary,
)
from servicepact.services._contracts import (
    StoredContract as StoredContract,
)
from servicepact.services._contracts import (
    first_month,
)
from servicepact.services._open_periods import closed_months, ensure_open_between
from servicepact.services._portfolio import PortfolioOutcome
from servicepact.services.ports import Ports
from servicepact.store.db.repositories import ContractHead, PartyOrigin
from servicepact.store.db.result_records import ResultRecords
from servicepact.store.db.uow import UnitOfWork

ENTITY = "contract"
MAX_MONTHS_LISTED = 24  # months with their results in the refusal of an amendment
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
    remeasured: tuple[str, ...] = ()  # measured months the user accepted to measure again


@dataclass(frozen=True)
class MeasuredMonth:
    """A month with stored results an amendment would change: each level's value and status."""

    period: str
    contract_version: int
    results: tuple[tuple[str, str | None, str], ...]  # (service level, value, status)

    def describe(self) -> str:
        shown = ", ".join(
            f"{sl} {'n/a' if value is None else value} ({status})"
            for sl, value, status in self.results
        )
        return f"{self.period} (version {self.contract_version}): {shown}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "contract_version": self.contract_version,
            "results": [
                {"service_level_id": sl, "value": value, "status": status}
                for sl, value, status in self.results
            ],
        }


class AmendmentChangesResults(Conflict):
    """An amendment would change measured months' results and says neither from which month
    it applies nor that they may be measured again."""

    code = "amendment_changes_results"

    def __init__(
        self,
        message: str,
        *,
        where: str,
        months: tuple[MeasuredMonth, ...],
        suggest: str,
        first: str,
    ) -> None:
        super().__init__(message, where=where)
        self.months = months
        self.suggest = suggest  # the month after the last measured one (for effective_from)
        self.first = first  # the month to re-measure from (for remeasure_from)


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


def parse_effective_from(text: str, *, option: str = "--effective-from") -> date:
    """``YYYY-MM`` → the first day of that month; a clear error otherwise."""
    m = _MONTH.match(text.strip())
    if m is None or not 1 <= int(m[2]) <= 12:
        raise InvalidInput(
            problems=[Problem(option, "give a month as YYYY-MM, e.g. 2026-04", value=text)]
        )
    return date(int(m[1]), int(m[2]), 1)


def _value(text: object) -> str | None:
    """A stored exact value (``"41/50"``) as a decimal to four places, for a message."""
    if text is None:
        return None
    try:
        number = Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        return str(text)
    return f"{float(number):.4f}"


def _measured_months(uow: UnitOfWork, contract_id: str) -> list[MeasuredMonth]:
    """The contract's months with stored results (latest of each level), oldest first."""
    by_period: dict[str, list[Any]] = {}
    for record in uow.repo(ResultRecords).latest_of_contract(contract_id):
        by_period.setdefault(record.period, []).append(record)
    return [
        MeasuredMonth(
            period=period,
            contract_version=max(r.contract_version for r in records),
            results=tuple(
                (
                    r.service_level_id,
                    _value(r.document.get("value")),
                    str(r.document.get("status", "")),
                )
                for r in sorted(records, key=lambda r: r.service_level_id)
            ),
        )
        for period, records in sorted(by_period.items())
    ]


def _next_month(label: str) -> str:
    year, month = int(label[:4]), int(label[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def _check_measured_months(
    uow: UnitOfWork,
    contract: Contract,
    *,
    effective: date | None,
    remeasure: date | None,
) -> tuple[str, ...]:
    """Refuse an amendment that would silently change measured months (module docstring);
    returns the months the user accepted to measure again."""
    since = effective or remeasure
    label = None if since is None else f"{since:%Y-%m}"
    closed = set(closed_months(uow, contract.id))
    touched = [
        m
        for m in _measured_months(uow, contract.id)
        if m.period not in closed and (label is None or first_month(m.period) >= label)
    ]
    if not touched:
        return ()
    if remeasure is not None:
        return tuple(m.period for m in touched)
    everything = _measured_months(uow, contract.id)
    after = _next_month(max(first_month(m.period) for m in everything))
    listed = "".join(f"\n  {m.describe()}" for m in touched[:MAX_MONTHS_LISTED])
    if len(touched) > MAX_MONTHS_LISTED:
        listed += f"\n  … and {len(touched) - MAX_MONTHS_LISTED} more"
    names = ", ".join(m.period for m in touched)
    first = label or first_month(touched[0].period)
    raise AmendmentChangesResults(
        f"amending contract {contract.id!r} would change the results of measured months "
        f"{names}; their results now:{listed}\nSay from which month the new version applies "
        f"(earlier months keep the current terms): servicepact contract apply FILE "
        f"--effective-from {after}\nor accept that these months are measured again under it: "
        f"servicepact contract apply FILE --remeasure-from {first}",
        where=f"contract {contract.id}",
        months=tuple(touched),
        suggest=after,
        first=first,
    )


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


def _since_options(
    effective_from: str | None, remeasure_from: str | None
) -> tuple[date | None, date | None]:
    """The first month an amendment applies from (``--effective-from``) and the first month
    measured again (``--remeasure-from``), each None when not given; both is refused."""
    if effective_from is not None and remeasure_from is not None:
        raise InvalidInput(
            problems=[
                Problem(
                    "--remeasure-from",
                    "give --effective-from or --remeasure-from, not both",
                    value=remeasure_from,
                )
            ]
        )
    effective = None if effective_from is None else parse_effective_from(effective_from)
    remeasure = (
        None
        if remeasure_from is None
        else parse_effective_from(remeasure_from, option="--remeasure-from")
    )
    return effective, remeasure


def _add_parties(uow: UnitOfWork, actor: Actor, contract: Contract, *, at: datetime) -> None:
    """The parties the contract names, checked or created (``_ensure_parties``), each one
    created audited."""
    for party in _ensure_parties(uow, contract, at=at):
        uow.record(
            actor=actor,
            entity_type="party",
            entity_id=party.id,
            action="create",
            after={"kind": party.kind, "origin": PartyOrigin.CONTRACT, "named_by": contract.id},
        )


def _applied_audit(
    contract: Contract,
    stored: dict[str, Any],
    *,
    calendar_hash: str,
    changes: HolidayChanges,
    since_label: str | None,
    remeasured: tuple[str, ...],
) -> dict[str, Any]:
    """The audit record's ``after`` of an applied version: ``stored`` (its version, digest and
    file name) then its parties, holidays, first month and the months measured again."""
    return {
        **stored,
        "vendor": contract.vendor,
        "broker": contract.broker,
        "calendar_hash": calendar_hash,
        "holiday_years": list(contract.holiday_years),
        **({} if not changes else {"holiday_changes": _holiday_changes_audited(changes)}),
        **({} if since_label is None else {"effective_from": since_label}),
        **({} if not remeasured else {"remeasured": list(remeasured)}),
    }


def apply_contract(
    app: Ports,
    *,
    actor: Actor,
    document: ContractDocumentLike,
    effective_from: str | None = None,
    remeasure_from: str | None = None,
) -> ApplyOutcome:
    """Store a contract file (``_apply_contract``), in a transaction of its own."""
    with app.uow() as uow:
        return _apply_contract(
            uow,
            actor=actor,
            document=document,
            effective_from=effective_from,
            remeasure_from=remeasure_from,
        )


def apply_documents(
    app: Ports,
    *,
    actor: Actor,
    documents: Sequence[ContractDocumentLike | Portfolio],
    effective_from: str | None = None,
    remeasure_from: str | None = None,
) -> list[ApplyOutcome | PortfolioOutcome]:
    """Store several files at once, in order, in one transaction: a portfolio, contracts,
    or both (the portfolio first, so contracts find their parties). Any refusal stores
    none of them."""
    outcomes: list[ApplyOutcome | PortfolioOutcome] = []
    with app.uow() as uow:
        for document in documents:
            if isinstance(document, Portfolio):
                outcomes.append(_portfolio.apply_portfolio(uow, actor=actor, portfolio=document))
                continue
            outcomes.append(
                _apply_contract(
                    uow,
                    actor=actor,
                    document=document,
                    effective_from=effective_from,
                    remeasure_from=remeasure_from,
                )
            )
    return outcomes


def _apply_contract(
    uow: UnitOfWork,
    *,
    actor: Actor,
    document: ContractDocumentLike,
    effective_from: str | None = None,
    remeasure_from: str | None = None,
) -> ApplyOutcome:
    """Store a contract file: the first version, an amendment, or nothing when unchanged.

    An amendment of a contract with measured months needs ``effective_from`` (``YYYY-MM``:
    it applies from then, after every measured month; earlier months keep the previous
    version's terms) or ``remeasure_from`` (it applies from then and the measured months from
    then on are measured again). While any month is closed, either must fall after every
    closed month.
    """
    actor.require_client("apply contracts")
    contract = document.contract
    effective, remeasure = _since_options(effective_from, remeasure_from)
    remeasured: tuple[str, ...] = ()
    # Client roles see every contract, so this lookup is unscoped by construction.
    head = uow.contracts.head(contract.id, visible_to=actor)
    current_sha256 = None if head is None else uow.contracts.current_sha256(contract.id)
    if head is not None:
        if current_sha256 == document.sha256:
            return ApplyOutcome(
                contract_id=contract.id, version=head.current_version, changed=False
            )
        _check_amendment(head, contract)
        _check_closed_months(uow, contract, effective or remeasure)
        remeasured = _check_measured_months(uow, contract, effective=effective, remeasure=remeasure)
    since = effective or remeasure
    since_label = None if head is None or since is None else f"{since:%Y-%m}"
    at = uow.now()
    # The file's name only: a full path can name a person's home directory.
    source_name = PurePath(document.source).name or None
    # The calendars' holidays are fixed now, from the installed package, and measured with
    # from then on: a later package cannot change this version's results.
    lists = contract.materialise_holidays()
    calendar_hash = holiday_lists_hash(lists)
    changes = _holiday_changes_since(uow, contract.id, head, lists)
    _add_parties(uow, actor, contract, at=at)
    version = uow.contracts.add_version(
        contract=contract,
        document=document.document,
        sha256=document.sha256,
        at=at,
        applied_by=actor.user,
        source_name=source_name,
        previous=head,
        holidays=lists,
        effective_from=since_label,
    )
    uow.record(
        actor=actor,
        entity_type=ENTITY,
        entity_id=contract.id,
        action="create" if head is None else "amend",
        before=None
        if head is None
        else {"version": head.current_version, "sha256": current_sha256},
        after=_applied_audit(
            contract,
            {"version": version, "sha256": document.sha256, "source": source_name},
            calendar_hash=calendar_hash,
            changes=changes,
            since_label=since_label,
            remeasured=remeasured,
        ),
    )
    return ApplyOutcome(
        contract_id=contract.id,
        version=version,
        changed=True,
        supersedes=None if head is None else head.current_version,
        calendar_hash=calendar_hash,
        holiday_changes=changes,
        effective_from=since_label,
        remeasured=remeasured,
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
    app: Ports, *, actor: Actor, contract_id: str, version: int | None = None
) -> StoredContract:
    """A stored contract version (the current one by default), if the actor may see it."""
    with app.uow(read_only=True) as uow:
        return _contracts.get_contract(uow, actor=actor, contract_id=contract_id, version=version)


def export_contract(
    app: Ports, *, actor: Actor, contract_id: str, version: int | None = None
) -> Contract:
    return get_contract(app, actor=actor, contract_id=contract_id, version=version).contract


def list_contracts(app: Ports, *, actor: Actor) -> list[ContractSummary]:
    """The contracts the actor may see, current versions."""
    with app.uow(read_only=True) as uow:
        return _contracts.list_contracts(uow, actor=actor)


def governing_contract(
    app: Ports, *, actor: Actor, contract_id: str, period: str
) -> StoredContract:
    """The stored version that governs a period: what a view of that period reads the terms
    from (``_contracts.governing_contract``)."""
    with app.uow(read_only=True) as uow:
        return _contracts.governing_contract(
            uow, actor=actor, contract_id=contract_id, period=period
        )


def list_governing(app: Ports, *, actor: Actor, period: str) -> dict[str, StoredContract]:
    """Each contract the actor may see, as the version governing ``period`` has it (by id)."""
    with app.uow(read_only=True) as uow:
        return {
            s.id: _contracts.governing_contract(uow, actor=actor, contract_id=s.id, period=period)
            for s in _contracts.list_contracts(uow, actor=actor)
        }
