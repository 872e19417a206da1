"""Appending to and reading the hash-chained audit trail.

Each row's hash covers its predecessor's hash and the canonical JSON of its
own content, so changing, removing or reordering any row breaks every hash
after it. There is deliberately no update or delete here; the database
refuses them too (triggers created by the migrations).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa

from servicepact.domain.access import Actor
from servicepact.domain.errors import IntegrityError
from servicepact.store.db.tables.audit import GENESIS_HASH, HEAD_ID, audit_head, audit_log


def _encode(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        # Text, not float: 0.1 must stay exactly 0.1.
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in the audit trail")


def canonical_json(value: Any) -> str:
    return json.dumps(
        value,
        default=_encode,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def json_safe(value: Any) -> Any:
    """The value as it will read back from a JSON column (what the hash must cover)."""
    return None if value is None else json.loads(canonical_json(value))


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor_user: str
    actor_role: str
    entity_type: str
    entity_id: str
    action: str
    before: Any
    after: Any
    prev_hash: str
    row_hash: str

    def content(self) -> dict[str, Any]:
        """Everything the row's hash covers (all columns but the two hashes)."""
        return {
            "seq": self.seq,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor_user": self.actor_user,
            "actor_role": self.actor_role,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "action": self.action,
            "before": self.before,
            "after": self.after,
        }

    def expected_hash(self, prev_hash: str) -> str:
        return chain_hash(prev_hash, self.content())


def chain_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(content)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    seq: int
    row_hash: str


def _entry(row: sa.Row[Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(row.seq),
        at=row.at,
        actor_user=row.actor_user,
        actor_role=row.actor_role,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        action=row.action,
        before=row.before,
        after=row.after,
        prev_hash=row.prev_hash,
        row_hash=row.row_hash,
    )


# Built once: appends are on every write path, and reusing the statements skips
# SQLAlchemy's per-call statement construction (about half the cost of an append).
_HEAD = sa.select(audit_head.c.seq, audit_head.c.row_hash).where(audit_head.c.id == HEAD_ID)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_INSERT = sa.insert(audit_log)
_MOVE_HEAD = (
    sa.update(audit_head)
    .where(audit_head.c.id == HEAD_ID)
    .values(seq=sa.bindparam("new_seq"), row_hash=sa.bindparam("new_hash"))
)


class AuditRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def head(self, *, lock: bool = False) -> ChainHead:
        # PostgreSQL: with ``lock`` concurrent appenders queue here until this
        # transaction ends. SQLite ignores FOR UPDATE; its BEGIN IMMEDIATE already
        # holds the write lock.
        row = self._connection.execute(_HEAD_FOR_UPDATE if lock else _HEAD).one_or_none()
        if row is None:
            raise IntegrityError(
                "the audit trail has no head row: run `servicepact init` to create the database"
            )
        return ChainHead(seq=int(row.seq), row_hash=row.row_hash)

    def append(
        self,
        *,
        actor: Actor,
        at: datetime,
        entity_type: str,
        entity_id: str,
        action: str,
        before: Any = None,
        after: Any = None,
    ) -> AuditEntry:
        head = self.head(lock=True)
        draft = AuditEntry(
            seq=head.seq + 1,
            # The database keeps microseconds at most; hash what will be read back.
            at=at.astimezone(UTC),
            actor_user=actor.user,
            actor_role=actor.role.value,
            entity_type=entity_type,
            entity_id=entity_id,
            action=str(action),
            before=json_safe(before),
            after=json_safe(after),
            prev_hash=head.row_hash,
            row_hash="",
        )
        entry = AuditEntry(**{**draft.__dict__, "row_hash": draft.expected_hash(head.row_hash)})
        self._connection.execute(_INSERT, entry.__dict__)
        self._connection.execute(_MOVE_HEAD, {"new_seq": entry.seq, "new_hash": entry.row_hash})
        return entry

    def entry(self, seq: int) -> AuditEntry | None:
        row = self._connection.execute(
            sa.select(audit_log).where(audit_log.c.seq == seq)
        ).one_or_none()
        return None if row is None else _entry(row)

    def last_before(self, moment: datetime) -> AuditEntry | None:
        """The last row recorded before ``moment`` (the head of the trail as it was then)."""
        row = self._connection.execute(
            sa.select(audit_log)
            .where(audit_log.c.at < moment)
            .order_by(audit_log.c.seq.desc())
            .limit(1)
        ).one_or_none()
        return None if row is None else _entry(row)

    def iter_entries(self, *, batch_size: int = 1000) -> Iterator[AuditEntry]:
        """Every row in chain order, read in batches so a long trail fits in memory."""
        last = 0
        while True:
            rows = self._connection.execute(
                sa.select(audit_log)
                .where(audit_log.c.seq > last)
                .order_by(audit_log.c.seq)
                .limit(batch_size)
            ).all()
            if not rows:
                return
            for row in rows:
                yield _entry(row)
            last = int(rows[-1].seq)

    def list(
        self,
        *,
        entity_type: str | None = None,
        entity_id: str | None = None,
        limit: int = 100,
        before_seq: int | None = None,
    ) -> list[AuditEntry]:
        """Newest first; ``before_seq`` pages backwards."""
        query = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
        if entity_type is not None:
            query = query.where(audit_log.c.entity_type == entity_type)
        if entity_id is not None:
            query = query.where(audit_log.c.entity_id == entity_id)
        if before_seq is not None:
            query = query.where(audit_log.c.seq < before_seq)
        return [_entry(row) for row in self._connection.execute(query)]


__all__ = ["GENESIS_HASH", "AuditEntry", "AuditRepository", "ChainHead", "chain_hash"]
