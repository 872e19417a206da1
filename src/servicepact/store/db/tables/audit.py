"""The audit trail: an append-only, hash-chained log of every write.

``audit_head`` holds the newest row's sequence number and hash. Appending locks
that single row first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write
lock is taken at ``BEGIN IMMEDIATE``), so concurrent writers queue up and the
chain never forks; it also lets ``audit verify`` notice rows cut off the end.
"""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import SHA256_HEX, UtcDateTime
from servicepact.store.db.tables import metadata

audit_log = sa.Table(
    "audit_log",
    metadata,
    # Assigned by the writer as head + 1 under the head lock: gapless, so a
    # deleted row shows as a missing number.
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor_user", sa.String(64), nullable=False),
    sa.Column("actor_role", sa.String(32), nullable=False),
    sa.Column("entity_type", sa.String(64), nullable=False),
    sa.Column("entity_id", sa.String(200), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
    sa.Column("prev_hash", sa.String(SHA256_HEX), nullable=False),
    sa.Column("row_hash", sa.String(SHA256_HEX), nullable=False),
    sa.Index("ix_audit_log_entity", "entity_type", "entity_id"),
)

audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
    sa.Column("row_hash", sa.String(SHA256_HEX), nullable=False),
)

HEAD_ID = 1
GENESIS_HASH = "0" * SHA256_HEX
