"""Event store: the batch manifest, quarantined rows and control findings.

Revision: 0002 (after 0001)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_batches",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contract_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_accepted", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=64), nullable=False),
        sa.Column("parquet_path", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_event_batches_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_event_batches")),
        sa.UniqueConstraint(
            "contract_id", "source", "content_sha256", name=op.f("uq_event_batches_contract_id")
        ),
    )
    with op.batch_alter_table("event_batches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_batches_contract_source", ["contract_id", "source"], unique=False
        )

    op.create_table(
        "control_findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contract_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("batch_seq", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_seq"],
            ["event_batches.seq"],
            name=op.f("fk_control_findings_batch_seq_event_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_control_findings_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_findings")),
    )
    with op.batch_alter_table("control_findings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_control_findings_contract", ["contract_id", "status"], unique=False
        )

    op.create_table(
        "quarantined_rows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_seq", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.String(length=500), nullable=True),
        sa.Column("row_values", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolved_by_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_seq"],
            ["event_batches.seq"],
            name=op.f("fk_quarantined_rows_batch_seq_event_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_quarantined_rows_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_seq"],
            ["event_batches.seq"],
            name=op.f("fk_quarantined_rows_resolved_by_seq_event_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_rows")),
    )
    with op.batch_alter_table("quarantined_rows", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quarantined_rows_contract_source",
            ["contract_id", "source", "status"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("quarantined_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_quarantined_rows_contract_source")
    op.drop_table("quarantined_rows")
    with op.batch_alter_table("control_findings", schema=None) as batch_op:
        batch_op.drop_index("ix_control_findings_contract")
    op.drop_table("control_findings")
    with op.batch_alter_table("event_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_event_batches_contract_source")
    op.drop_table("event_batches")
