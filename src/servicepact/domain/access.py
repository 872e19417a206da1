"""Who is acting, and what they may see (PRODUCT.md §1).

Access is decided here and enforced in services/, so every entry point (CLI,
API, web) gets the same answer: a vendor user sees only its own contracts, a
broker user the contracts it brokers; client roles and the auditor see all;
the auditor never writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from servicepact.domain.errors import AccessDenied


class Role(StrEnum):
    ADMIN = "admin"
    CLIENT_MANAGER = "client_manager"  # service owner / vendor manager
    EXECUTIVE = "executive"
    VENDOR = "vendor"
    BROKER = "broker"
    AUDITOR = "auditor"


_WRITERS = {Role.ADMIN, Role.CLIENT_MANAGER, Role.VENDOR}
_PARTY_SCOPED = {Role.VENDOR, Role.BROKER}


@dataclass(frozen=True)
class Actor:
    user: str
    role: Role
    party: str | None = None  # the vendor or broker a scoped user belongs to

    def __post_init__(self) -> None:
        if self.role in _PARTY_SCOPED and not self.party:
            raise ValueError(f"a {self.role.value} user must belong to a party")

    @property
    def scoped(self) -> bool:
        return self.role in _PARTY_SCOPED

    def can_see(self, *, vendor: str, broker: str | None) -> bool:
        if self.role is Role.VENDOR:
            return vendor == self.party
        if self.role is Role.BROKER:
            return broker is not None and broker == self.party
        return True

    def require_see(self, *, contract_id: str, vendor: str, broker: str | None) -> None:
        if not self.can_see(vendor=vendor, broker=broker):
            # Same message as for a missing contract would leak existence; say only "no access".
            raise AccessDenied(f"no access to contract {contract_id!r}", where=contract_id)

    @property
    def writes(self) -> bool:
        """May change data at all (the auditor and executives only read)."""
        return self.role in _WRITERS

    @property
    def decides(self) -> bool:
        """The client's decisions: exclusions, disputes, closing and reopening months."""
        return self.role in (Role.ADMIN, Role.CLIENT_MANAGER)

    def require_write(self, what: str) -> None:
        if self.role not in _WRITERS:
            raise AccessDenied(f"{self.role.value} users cannot {what}")

    @property
    def reads_audit(self) -> bool:
        """The audit trail is for auditors and administrators."""
        return self.role in (Role.ADMIN, Role.AUDITOR)

    def require_client_view(self, what: str) -> None:
        """The client's own planning (business cases, broker margins, competing offers in a
        selection) is never shown to a vendor or broker user."""
        if self.scoped:
            raise AccessDenied(f"{what} is visible to the client's users only")

    def require_client(self, what: str) -> None:
        """Client-side actions: approving exclusions, closing periods, applying contracts."""
        if self.role not in (Role.ADMIN, Role.CLIENT_MANAGER):
            raise AccessDenied(f"only the client's managers can {what}")


SYSTEM = Actor(user="system", role=Role.ADMIN)
