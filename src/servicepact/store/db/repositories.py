"""Repositories: the only code that turns rows into values and back.

They return domain objects or small frozen records, never SQLAlchemy rows, and
they do not audit: services decide what a change means and record it through
the unit of work. Contract queries take the acting user and filter by party in
SQL (``visible_contracts``), so an out-of-scope contract is never even read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from servicepact.domain.access import Actor, Role
from servicepact.domain.calendars import HolidayList
from servicepact.domain.contracts import Contract
from servicepact.domain.portfolio import Decision, Party, PartyKind, Process
from servicepact.store.db.tables.access import api_tokens, users
from servicepact.store.db.tables.contracts import contract_versions, contracts
from servicepact.store.db.tables.portfolio import decisions, parties, processes


def visible_contracts(actor: Actor) -> sa.ColumnElement[bool]:
    """The SQL condition for the contracts ``actor`` may see (join it into any query).

    Mirrors ``Actor.can_see``: vendor users see their vendor's contracts, broker
    users the contracts they broker, everyone else all.
    """
    if actor.role is Role.VENDOR:
        return contracts.c.vendor == actor.party
    if actor.role is Role.BROKER:
        return contracts.c.broker == actor.party
    return sa.true()


class PartyOrigin(StrEnum):
    """Where a party came from: a portfolio file, or a contract naming it before any portfolio."""

    PORTFOLIO = "portfolio"
    CONTRACT = "contract"


@dataclass(frozen=True)
class StoredParty:
    party: Party
    origin: PartyOrigin


class PartyRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    @staticmethod
    def _party(row: sa.Row[Any]) -> StoredParty:
        party = Party.model_validate(
            {
                "id": row.id,
                "kind": row.kind,
                "name": row.name,
                "country": row.country,
                "certifications": row.certifications,
            }
        )
        return StoredParty(party=party, origin=PartyOrigin(row.origin))

    def get(self, party_id: str) -> StoredParty | None:
        row = self._connection.execute(sa.select(parties).where(parties.c.id == party_id)).first()
        return None if row is None else self._party(row)

    def list(self, *, kind: PartyKind | None = None) -> list[StoredParty]:
        query = sa.select(parties).order_by(parties.c.id)
        if kind is not None:
            query = query.where(parties.c.kind == kind.value)
        return [self._party(row) for row in self._connection.execute(query)]

    def any_from_portfolio(self) -> bool:
        query = (
            sa.select(parties.c.id).where(parties.c.origin == PartyOrigin.PORTFOLIO.value).limit(1)
        )
        return self._connection.execute(query).first() is not None

    def put(self, party: Party, *, origin: PartyOrigin, at: datetime) -> None:
        values = {
            "kind": party.kind.value,
            "name": party.name,
            "country": party.country,
            "certifications": [c.model_dump(mode="json") for c in party.certifications],
            "origin": origin.value,
            "updated_at": at,
        }
        if self.get(party.id) is None:
            self._connection.execute(sa.insert(parties).values(id=party.id, **values))
        else:
            self._connection.execute(
                sa.update(parties).where(parties.c.id == party.id).values(**values)
            )


class ProcessRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    @staticmethod
    def _process(row: sa.Row[Any]) -> Process:
        return Process.model_validate(
            {
                "id": row.id,
                "name": row.name,
                "domain": row.domain,
                "office": row.office,
                "parent": row.parent,
                "artefacts": row.artefacts,
            }
        )

    def get(self, process_id: str) -> Process | None:
        row = self._connection.execute(
            sa.select(processes).where(processes.c.id == process_id)
        ).first()
        return None if row is None else self._process(row)

    def list(self) -> list[Process]:
        query = sa.select(processes).order_by(processes.c.id)
        return [self._process(row) for row in self._connection.execute(query)]

    def put(self, process: Process, *, at: datetime) -> None:
        values = {
            "name": process.name,
            "domain": process.domain.value,
            "office": process.office.value,
            "parent": process.parent,
            "artefacts": [a.model_dump(mode="json") for a in process.artefacts],
            "updated_at": at,
        }
        if self.get(process.id) is None:
            self._connection.execute(sa.insert(processes).values(id=process.id, **values))
        else:
            self._connection.execute(
                sa.update(processes).where(processes.c.id == process.id).values(**values)
            )


class DecisionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    @staticmethod
    def _decision(row: sa.Row[Any]) -> Decision:
        return Decision.model_validate(
            {
                "id": row.id,
                "date": row.decided_on,
                "title": row.title,
                "owner": row.owner,
                "rationale": row.rationale,
                "contracts": row.contracts,
                "processes": row.processes,
            }
        )

    def get(self, decision_id: str) -> Decision | None:
        row = self._connection.execute(
            sa.select(decisions).where(decisions.c.id == decision_id)
        ).first()
        return None if row is None else self._decision(row)

    def list(self) -> list[Decision]:
        query = sa.select(decisions).order_by(decisions.c.decided_on, decisions.c.id)
        return [self._decision(row) for row in self._connection.execute(query)]

    def put(self, decision: Decision, *, at: datetime) -> None:
        values = {
            "decided_on": decision.date,
            "title": decision.title,
            "owner": decision.owner,
            "rationale": decision.rationale,
            "contracts": list(decision.contracts),
            "processes": list(decision.processes),
            "updated_at": at,
        }
        if self.get(decision.id) is None:
            self._connection.execute(sa.insert(decisions).values(id=decision.id, **values))
        else:
            self._connection.execute(
                sa.update(decisions).where(decisions.c.id == decision.id).values(**values)
            )


@dataclass(frozen=True)
class ContractHead:
    """A contract's identity and its current version, without the document."""

    id: str
    name: str
    client: str
    vendor: str
    broker: str | None
    current_version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ContractVersionRecord:
    contract_id: str
    version: int
    contract: Contract
    document: dict[str, Any]
    sha256: str
    applied_at: datetime
    applied_by: str
    source_name: str | None
    supersedes: int | None
    # The holiday lists fixed when the version was applied; None for a version stored before
    # they were kept and not yet fixed by `servicepact init` (it is measured with the package).
    holidays: dict[str, HolidayList] | None = None
    effective_from: str | None = None  # YYYY-MM; None: from the contract's start


def holidays_to_json(lists: dict[str, HolidayList]) -> dict[str, Any]:
    return {name: lists[name].to_json() for name in sorted(lists)}


def holidays_from_json(data: dict[str, Any] | None) -> dict[str, HolidayList] | None:
    if data is None:
        return None
    return {name: HolidayList.from_json(value) for name, value in data.items()}


def _contract_from_json(data: dict[str, Any]) -> Contract:
    # The contract was fully validated when applied. Its custom event types are
    # declared outside the contract model, so accept the sources it names rather
    # than refuse to read back what was accepted.
    sources = {sl.get("source") for sl in data.get("service_levels", [])}
    sources |= {fee.get("source") for fee in data.get("fees", []) if fee.get("source")}
    return Contract.model_validate(data, context={"custom_event_types": sorted(sources)})


class ContractRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    @staticmethod
    def _head(row: sa.Row[Any]) -> ContractHead:
        return ContractHead(
            id=row.id,
            name=row.name,
            client=row.client,
            vendor=row.vendor,
            broker=row.broker,
            current_version=row.current_version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def head(self, contract_id: str, *, visible_to: Actor) -> ContractHead | None:
        query = sa.select(contracts).where(
            contracts.c.id == contract_id, visible_contracts(visible_to)
        )
        row = self._connection.execute(query).first()
        return None if row is None else self._head(row)

    def heads(self, *, visible_to: Actor) -> list[ContractHead]:
        query = sa.select(contracts).where(visible_contracts(visible_to)).order_by(contracts.c.id)
        return [self._head(row) for row in self._connection.execute(query)]

    def current_sha256(self, contract_id: str) -> str | None:
        query = (
            sa.select(contract_versions.c.sha256)
            .join(contracts, contracts.c.id == contract_versions.c.contract_id)
            .where(
                contracts.c.id == contract_id,
                contract_versions.c.version == contracts.c.current_version,
            )
        )
        return self._connection.execute(query).scalar_one_or_none()

    def current_terms(self, heads: list[tuple[str, int]]) -> dict[str, tuple[str, tuple[str, ...]]]:
        """contract → (currency, service-level ids) of the given (contract, version), read from
        the stored JSON without validating whole contracts (a dashboard needs only these two)."""
        if not heads:
            return {}
        wanted = set(heads)
        rows = self._connection.execute(
            sa.select(
                contract_versions.c.contract_id,
                contract_versions.c.version,
                contract_versions.c.contract,
            ).where(contract_versions.c.contract_id.in_([cid for cid, _ in heads]))
        ).all()
        terms: dict[str, tuple[str, tuple[str, ...]]] = {}
        for row in rows:
            if (row.contract_id, row.version) in wanted:
                document = row.contract
                terms[row.contract_id] = (
                    str(document["currency"]),
                    tuple(str(sl["id"]) for sl in document.get("service_levels", ())),
                )
        return terms

    def version_numbers(self, contract_id: str) -> list[int]:
        query = (
            sa.select(contract_versions.c.version)
            .where(contract_versions.c.contract_id == contract_id)
            .order_by(contract_versions.c.version)
        )
        return [int(v) for v in self._connection.execute(query).scalars()]

    def version(self, contract_id: str, version: int) -> ContractVersionRecord | None:
        query = sa.select(contract_versions).where(
            contract_versions.c.contract_id == contract_id,
            contract_versions.c.version == version,
        )
        row = self._connection.execute(query).first()
        if row is None:
            return None
        lists = holidays_from_json(row.holidays)
        contract = _contract_from_json(row.contract)
        return ContractVersionRecord(
            contract_id=row.contract_id,
            version=row.version,
            # The stored dates, never the installed package, answer for its calendars.
            contract=contract if lists is None else contract.with_holiday_lists(lists),
            document=row.document,
            sha256=row.sha256,
            applied_at=row.applied_at,
            applied_by=row.applied_by,
            source_name=row.source_name,
            supersedes=row.supersedes,
            holidays=lists,
            effective_from=row.effective_from,
        )

    def versions_without_holidays(self) -> list[tuple[str, int]]:
        """(contract, version) of every version stored before holiday lists were kept."""
        query = sa.select(
            contract_versions.c.contract_id,
            contract_versions.c.version,
            contract_versions.c.holidays,
        ).order_by(contract_versions.c.contract_id, contract_versions.c.version)
        # Read, not filtered in SQL: a missing list may be SQL NULL or a JSON null.
        return [
            (str(r.contract_id), int(r.version))
            for r in self._connection.execute(query)
            if r.holidays is None
        ]

    def fix_holidays(self, contract_id: str, version: int, lists: dict[str, HolidayList]) -> None:
        """Store the lists of a version that has none (the caller checked it has none)."""
        self._connection.execute(
            sa.update(contract_versions)
            .where(
                contract_versions.c.contract_id == contract_id,
                contract_versions.c.version == version,
            )
            .values(holidays=holidays_to_json(lists))
        )

    def effects(self, contract_id: str) -> list[tuple[int, str | None]]:
        """Every version of the contract with the first month it governs, oldest first."""
        query = (
            sa.select(contract_versions.c.version, contract_versions.c.effective_from)
            .where(contract_versions.c.contract_id == contract_id)
            .order_by(contract_versions.c.version)
        )
        return [(int(v), e) for v, e in self._connection.execute(query).all()]

    def add_version(
        self,
        *,
        contract: Contract,
        document: dict[str, Any],
        sha256: str,
        at: datetime,
        applied_by: str,
        source_name: str | None,
        previous: ContractHead | None,
        holidays: dict[str, HolidayList],
        effective_from: str | None = None,
    ) -> int:
        """Store a new version and make it current; returns its number."""
        version = 1 if previous is None else previous.current_version + 1
        head_values = {
            "name": contract.name,
            "client": contract.client,
            "vendor": contract.vendor,
            "broker": contract.broker,
            "current_version": version,
            "updated_at": at,
        }
        if previous is None:
            self._connection.execute(
                sa.insert(contracts).values(id=contract.id, created_at=at, **head_values)
            )
        else:
            self._connection.execute(
                sa.update(contracts).where(contracts.c.id == contract.id).values(**head_values)
            )
        self._connection.execute(
            sa.insert(contract_versions).values(
                contract_id=contract.id,
                version=version,
                document=document,
                contract=contract.model_dump(mode="json"),
                sha256=sha256,
                applied_at=at,
                applied_by=applied_by,
                source_name=source_name,
                supersedes=None if previous is None else previous.current_version,
                holidays=holidays_to_json(holidays),
                effective_from=effective_from,
            )
        )
        return version


@dataclass(frozen=True)
class StoredUser:
    name: str
    role: Role
    party: str | None
    created_at: datetime

    def actor(self) -> Actor:
        return Actor(user=self.name, role=self.role, party=self.party)


class UserRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    @staticmethod
    def _user(row: sa.Row[Any]) -> StoredUser:
        return StoredUser(
            name=row.name, role=Role(row.role), party=row.party, created_at=row.created_at
        )

    def get(self, name: str) -> StoredUser | None:
        row = self._connection.execute(sa.select(users).where(users.c.name == name)).first()
        return None if row is None else self._user(row)

    def list(self) -> list[StoredUser]:
        query = sa.select(users).order_by(users.c.name)
        return [self._user(row) for row in self._connection.execute(query)]

    def add(self, *, name: str, role: Role, party: str | None, at: datetime) -> StoredUser:
        self._connection.execute(
            sa.insert(users).values(name=name, role=role.value, party=party, created_at=at)
        )
        return StoredUser(name=name, role=role, party=party, created_at=at)


@dataclass(frozen=True)
class StoredToken:
    id: int
    user_name: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


class TokenRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    @staticmethod
    def _token(row: sa.Row[Any]) -> StoredToken:
        return StoredToken(
            id=row.id,
            user_name=row.user_name,
            label=row.label,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )

    def add(self, *, user_name: str, token_hash: str, label: str, at: datetime) -> StoredToken:
        result = self._connection.execute(
            sa.insert(api_tokens)
            .values(user_name=user_name, token_hash=token_hash, label=label, created_at=at)
            .returning(api_tokens.c.id)
        )
        token_id = int(result.scalar_one())
        return StoredToken(
            id=token_id, user_name=user_name, label=label, created_at=at, revoked_at=None
        )

    def find_by_hash(self, token_hash: str) -> StoredToken | None:
        row = self._connection.execute(
            sa.select(api_tokens).where(api_tokens.c.token_hash == token_hash)
        ).first()
        return None if row is None else self._token(row)

    def get(self, token_id: int) -> StoredToken | None:
        row = self._connection.execute(
            sa.select(api_tokens).where(api_tokens.c.id == token_id)
        ).first()
        return None if row is None else self._token(row)

    def revoke(self, token_id: int, *, at: datetime) -> None:
        self._connection.execute(
            sa.update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=at)
        )
