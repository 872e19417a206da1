"""The event store's manifest, quarantined rows and control findings.

A Parquet batch file counts only once its ``event_batches`` row is committed:
the row's ``seq`` (the primary key, increasing) is the load order that decides
which version of a corrected event is current.
"""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import ID_LENGTH, SHA256_HEX, UtcDateTime
from servicepact.store.db.tables import metadata

SOURCE_LENGTH = 64  # event type names follow domain.event_types (a short identifier)

event_batches = sa.Table(
    "event_batches",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), nullable=False),
    sa.Column("source", sa.String(SOURCE_LENGTH), nullable=False),
    # The batch id: SHA-256 of the file (or of the canonical rows of an API batch).
    sa.Column("content_sha256", sa.String(SHA256_HEX), nullable=False),
    sa.Column("file_name", sa.String(500), nullable=True),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("rows_accepted", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("corrections", sa.Integer, nullable=False),
    sa.Column("loaded_at", UtcDateTime, nullable=False),
    sa.Column("loaded_by", sa.String(ID_LENGTH), nullable=False),
    sa.Column("parquet_path", sa.String(1000), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    # The same content loaded twice into the same place is one batch (exactly once).
    sa.UniqueConstraint("contract_id", "source", "content_sha256"),
    sa.Index("ix_event_batches_contract_source", "contract_id", "source"),
)

quarantined_rows = sa.Table(
    "quarantined_rows",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_seq", sa.Integer, sa.ForeignKey("event_batches.seq"), nullable=False),
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), nullable=False),
    sa.Column("source", sa.String(SOURCE_LENGTH), nullable=False),
    sa.Column("row_number", sa.Integer, nullable=True),
    sa.Column("line", sa.Integer, nullable=True),
    sa.Column("event_id", sa.String(500), nullable=True),
    # The raw row with personal data masked, and why it was refused.
    sa.Column("row_values", sa.JSON, nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("resolved_by_seq", sa.Integer, sa.ForeignKey("event_batches.seq"), nullable=True),
    sa.Index("ix_quarantined_rows_contract_source", "contract_id", "source", "status"),
)

control_findings = sa.Table(
    "control_findings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), nullable=False),
    sa.Column("source", sa.String(SOURCE_LENGTH), nullable=False),
    sa.Column("batch_seq", sa.Integer, sa.ForeignKey("event_batches.seq"), nullable=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("detail", sa.String(1000), nullable=False),
    sa.Column("examples", sa.JSON, nullable=False),  # event ids or days, never values
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("found_at", UtcDateTime, nullable=False),
    # When the finding stopped being open (acknowledged, withdrawn); None while it is open.
    sa.Column("closed_at", UtcDateTime, nullable=True),
    sa.Index("ix_control_findings_contract", "contract_id", "status"),
)
