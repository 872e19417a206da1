"""Reading and checking the audit trail (auditors and administrators only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from servicepact.domain.access import Actor
from servicepact.domain.errors import AccessDenied, IntegrityError, InvalidInput, Problem
from servicepact.services.ports import Ports
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


def verify_chain(app: Ports, *, actor: Actor) -> VerifyReport:
    """Recompute every hash in order; name the first row that does not match (``_verify``)."""
    _require_reader(actor, "verify the audit trail")
    with app.uow(read_only=True) as uow:
        return _verify(uow)


def _verify(uow: UnitOfWork) -> VerifyReport:
    """Recompute every hash in order; name the first row that does not match.

    A row is bad when its number is not the next one (a row removed or
    inserted), its ``prev_hash`` is not the previous row's hash (rows removed
    or reordered), or its own hash does not cover its content (a row edited).
    Finally the chain head must point at the last row (rows cut off the end).
    """
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


@dataclass(frozen=True)
class Anchor:
    """The head of the trail at a moment, kept outside the database (a file, a webhook).

    The database alone cannot prove that rows were not cut off its end and the head moved
    back: the chain would still verify. An anchor held by the client can: the trail must
    still contain row ``seq`` with exactly ``row_hash``."""

    seq: int
    row_hash: str
    at: datetime

    def as_json(self) -> dict[str, object]:
        return {"seq": self.seq, "row_hash": self.row_hash, "at": self.at.isoformat()}

    @classmethod
    def from_json(cls, data: object, *, where: str) -> Anchor:
        try:
            assert isinstance(data, dict)
            seq, row_hash = int(data["seq"]), str(data["row_hash"])
            at = datetime.fromisoformat(str(data["at"]))
        except (AssertionError, KeyError, TypeError, ValueError):
            raise InvalidInput(
                problems=[Problem(where, "not an anchor: give seq, row_hash and at")]
            ) from None
        if seq < 0 or len(row_hash) != 64:
            raise InvalidInput(problems=[Problem(where, "not an anchor: seq or row_hash")])
        return cls(seq=seq, row_hash=row_hash, at=at)


def anchor(app: Ports, *, actor: Actor) -> Anchor:
    """The current head of a trail that verifies (anchoring a broken trail is refused)."""
    _require_reader(actor, "verify the audit trail")
    with app.uow(read_only=True) as uow:
        report = _verify(uow)
        if not report.ok:
            raise IntegrityError(f"the audit trail does not verify: {report.render()}")
        return Anchor(seq=report.rows, row_hash=report.head, at=uow.now())


def verify_with_anchors(app: Ports, *, actor: Actor, anchors: list[Anchor]) -> VerifyReport:
    """Verify the chain, then check that it still holds every anchored head."""
    _require_reader(actor, "verify the audit trail")
    with app.uow(read_only=True) as uow:
        return _verify_with_anchors(uow, anchors)


def _verify_with_anchors(uow: UnitOfWork, anchors: list[Anchor]) -> VerifyReport:
    report = _verify(uow)
    if not report.ok:
        return report
    for held in anchors:
        if held.seq == 0:
            continue  # an anchor of an empty trail holds for every trail
        if held.seq > report.rows:
            return VerifyReport(
                ok=False,
                rows=report.rows,
                head=report.head,
                broken_at=held.seq,
                reason=(
                    f"the anchor of {held.at.isoformat()} holds row {held.seq}, but the trail "
                    f"ends at row {report.rows}: rows were removed and the head moved back"
                ),
            )
        entry = uow.audit.entry(held.seq)
        if entry is None or entry.row_hash != held.row_hash:
            return VerifyReport(
                ok=False,
                rows=report.rows,
                head=report.head,
                broken_at=held.seq,
                reason=(
                    f"row {held.seq} is not the row anchored on {held.at.isoformat()} "
                    f"({held.row_hash[:12]}…): the trail was rewritten from there"
                ),
            )
    return report


def _check(entry: AuditEntry, *, expected_seq: int, previous: str) -> str | None:
    if entry.seq != expected_seq:
        return f"expected row {expected_seq} here: rows are missing or were inserted"
    if entry.prev_hash != previous:
        return "its prev_hash is not the previous row's hash: rows were removed or reordered"
    if entry.expected_hash(previous) != entry.row_hash:
        return "its content does not match its hash: the row was changed"
    return None


def list_entries(
    app: Ports,
    *,
    actor: Actor,
    entity_type: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
    before_seq: int | None = None,
) -> list[AuditEntry]:
    """Newest first, optionally for one entity type and id."""
    _require_reader(actor, "read the audit trail")
    with app.uow(read_only=True) as uow:
        return uow.audit.list(
            entity_type=entity_type, entity_id=entity_id, limit=limit, before_seq=before_seq
        )


def head_of_month(app: Ports, *, month_end: datetime) -> tuple[int, str]:
    """The trail's head as a month's review pack names it: the last row before the month ended
    (or before now, while it runs). A hash and a number reveal nothing; any reader may print
    them, and an auditor compares them with the trail and its anchors."""
    with app.uow(read_only=True) as uow:
        entry = uow.audit.last_before(min(month_end, app.now()))
    return (0, GENESIS_HASH) if entry is None else (entry.seq, entry.row_hash)
