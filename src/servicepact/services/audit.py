"""Reading and checking the audit trail (auditors and administrators only)."""

from __future__ import annotations

from dataclasses import dataclass

from servicepact.domain.access import Actor
from servicepact.domain.errors import AccessDenied
from servicepact.store.db.audit import GENESIS_HASH, AuditEntry
from servicepact.store.db.uow import UnitOfWork

__all__ = ["AuditEntry", "VerifyReport", "list_entries", "verify_chain"]


def _require_reader(actor: Actor, what: str) -> None:
    if not actor.reads_audit:
        raise AccessDenied(f"only auditors and administrators can {what}")


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    rows: int  # rows checked (up to and including the broken one)
    head: str  # hash of the last good row (the genesis hash for an empty trail)
    broken_at: int | None = None  # the sequence number of the first bad row
    reason: str | None = None

    def render(self) -> str:
        if self.ok:
            return f"ok: {self.rows} rows, head {self.head}"
        return f"broken at row {self.broken_at}: {self.reason}"


def verify_chain(uow: UnitOfWork, *, actor: Actor) -> VerifyReport:
    """Recompute every hash in order; name the first row that does not match.

    A row is bad when its number is not the next one (a row removed or
    inserted), its ``prev_hash`` is not the previous row's hash (rows removed
    or reordered), or its own hash does not cover its content (a row edited).
    Finally the chain head must point at the last row (rows cut off the end).
    """
    _require_reader(actor, "verify the audit trail")
    previous = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in uow.audit.iter_entries():
        checked += 1
        problem = _check(entry, expected_seq=expected_seq, previous=previous)
        if problem is not None:
            return VerifyReport(
                ok=False, rows=checked, head=previous, broken_at=entry.seq, reason=problem
            )
        previous = entry.row_hash
        expected_seq += 1
    head = uow.audit.head()
    if head.seq != checked or head.row_hash != previous:
        return VerifyReport(
            ok=False,
            rows=checked,
            head=previous,
            broken_at=head.seq,
            reason=(
                f"the chain head names row {head.seq} ({head.row_hash[:12]}…) but the trail "
                f"ends at row {checked}: rows were removed from the end"
            ),
        )
    return VerifyReport(ok=True, rows=checked, head=previous)


def _check(entry: AuditEntry, *, expected_seq: int, previous: str) -> str | None:
    if entry.seq != expected_seq:
        return f"expected row {expected_seq} here: rows are missing or were inserted"
    if entry.prev_hash != previous:
        return "its prev_hash is not the previous row's hash: rows were removed or reordered"
    if entry.expected_hash(previous) != entry.row_hash:
        return "its content does not match its hash: the row was changed"
    return None


def list_entries(
    uow: UnitOfWork,
    *,
    actor: Actor,
    entity_type: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
    before_seq: int | None = None,
) -> list[AuditEntry]:
    """Newest first, optionally for one entity type and id."""
    _require_reader(actor, "read the audit trail")
    return uow.audit.list(
        entity_type=entity_type, entity_id=entity_id, limit=limit, before_seq=before_seq
    )
